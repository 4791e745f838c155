import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Clock } from '../clock.ts';
import type { PasskeysRepo } from '../db/repos/passkeys.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';

/** Where passkeys are bound: PUBLIC_URL's origin and its host name (the relying party id). */
export interface RelyingParty {
  readonly origin: string;
  readonly id: string;
  readonly name: string;
}

export { PASSKEY_NAME_MAX } from '../domain/passkeys.ts';

/** Passkeys (WebAuthn) beside the password, through @simplewebauthn/server. A passkey counts as both factors. */
/**
 * The WebAuthn library, loaded on the first ceremony: with its certificate parsers it costs about 280 ms and 20 MB
 * at start-up, for a feature only some instances turn on and people use now and then.
 */
let webauthn: Promise<typeof import('@simplewebauthn/server')> | undefined;
const library = () => (webauthn ??= import('@simplewebauthn/server'));

/** What the passkey service needs of the session store: the sessions a passkey signed in end with it. */
export interface PasskeySessions {
  destroySessionsOpenedWithPasskey(userId: number, passkeyId: number): number;
}

export function createPasskeyService(deps: { passkeys: PasskeysRepo; sessions: PasskeySessions; inTransaction: RunInTransaction; clock: Clock; rp: RelyingParty }) {
  const { passkeys, rp } = deps;
  return {
    /** The person's passkeys, for the account page. */
    list(userId: number) {
      return passkeys.listPasskeys(userId).map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt }));
    },

    /** Options for navigator.credentials.create(): a discoverable credential, not one the person already has. */
    async registrationOptions(user: { id: number; email: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const { generateRegistrationOptions } = await library();
      return generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userID: new TextEncoder().encode(`ledgerly-user-${user.id}`),
        attestationType: 'none',
        excludeCredentials: passkeys.listPasskeys(user.id).map((p) => ({ id: p.credentialId, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      });
    },

    /** Checks the browser's answer to the options above and keeps the new passkey under `name`. */
    async register(userId: number, response: RegistrationResponseJSON, expectedChallenge: string, name: string): Promise<boolean> {
      const { verifyRegistrationResponse } = await library();
      let verified;
      try {
        verified = await verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: rp.origin, expectedRPID: rp.id });
      } catch {
        return false;
      }
      if (!verified.verified) return false;
      const { credential } = verified.registrationInfo;
      return passkeys.addPasskey(userId, {
        credentialId: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ?? [],
        name,
        createdAt: deps.clock.now(),
      });
    },

    /** Options for navigator.credentials.get(): any passkey of this site (the browser offers the person's). */
    async authenticationOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const { generateAuthenticationOptions } = await library();
      return generateAuthenticationOptions({ rpID: rp.id, userVerification: 'preferred' });
    },

    /**
     * The user a passkey sign-in proves and the passkey that proved it (the session keeps it, so removing the passkey
     * ends the session), or undefined (unknown credential, bad signature, a counter gone back).
     */
    async authenticate(response: AuthenticationResponseJSON, expectedChallenge: string): Promise<{ userId: number; passkeyId: number } | undefined> {
      const stored = passkeys.findByCredentialId(response.id);
      if (!stored) return undefined;
      const { verifyAuthenticationResponse } = await library();
      let verified;
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: { id: stored.credentialId, publicKey: stored.publicKey, counter: stored.counter, transports: stored.transports },
        });
      } catch {
        return undefined;
      }
      if (!verified.verified) return undefined;
      passkeys.recordUse(stored.userId, stored.id, verified.authenticationInfo.newCounter, deps.clock.now());
      return { userId: stored.userId, passkeyId: stored.id };
    },

    rename(userId: number, id: number, name: string): boolean {
      return passkeys.renamePasskey(userId, id, name);
    },

    /**
     * Removes the passkey and, in the same transaction, ends every session it signed in: a passkey removed because it
     * was lost or stolen must not leave whoever used it signed in. Undefined when the person has no such passkey.
     */
    remove(userId: number, id: number): { endedSessions: number } | undefined {
      return deps.inTransaction(() => (passkeys.removePasskey(userId, id) ? { endedSessions: deps.sessions.destroySessionsOpenedWithPasskey(userId, id) } : undefined));
    },
  };
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
