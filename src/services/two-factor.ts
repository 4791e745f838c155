import { createHash, randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import type { Clock } from '../clock.ts';
import type { TwoFactorRepo } from '../db/repos/two-factor.ts';
import type { UsersRepo } from '../db/repos/users.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import { readCodeInput, RECOVERY_CODE_COUNT, recoveryCodeFromBytes } from '../domain/two-factor.ts';
import { normaliseEmail } from '../domain/users.ts';
import type { PasswordHasher } from './passwords.ts';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;
/** One step either side of now is accepted, for clocks a little apart. */
const WINDOW = 1;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Why a code was not accepted. */
/** `recovery-used` and `recovery-wrong`: a code written as a recovery code, spent before or not one of the person's. */
export type CodeProblem = 'missing' | 'invalid' | 'wrong' | 'reused' | 'recovery-used' | 'recovery-wrong';

/** TOTP two-factor sign-in (otpauth does the RFC 6238 work) and its recovery codes. */
export function createTwoFactorService(deps: {
  twoFactor: TwoFactorRepo;
  users: UsersRepo;
  hasher: PasswordHasher;
  inTransaction: RunInTransaction;
  clock: Clock;
  /** The name authenticator apps show beside the account ("Ledgerly"). */
  issuer: string;
}) {
  const { twoFactor, clock } = deps;
  const totpFor = (secret: string, label = '') =>
    new OTPAuth.TOTP({ issuer: deps.issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secret) });

  /** The time step a 6-digit code belongs to at `now`, if it is right within the window; undefined otherwise. */
  const stepOf = (secret: string, code: string): number | undefined => {
    const now = clock.now();
    const delta = totpFor(secret).validate({ token: code, timestamp: now, window: WINDOW });
    return delta === null ? undefined : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  };

  /** Ten new recovery codes: the caller shows them once; only their hashes are stored. */
  const newRecoveryCodes = (userId: number): string[] => {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => recoveryCodeFromBytes(randomBytes(10)));
    twoFactor.replaceRecoveryCodes(userId, codes.map(sha256));
    return codes;
  };

  /** Checks a current code for someone with two-factor on, spending its time step (a replay is refused). */
  const checkTotp = (userId: number, raw: string): { ok: true } | { ok: false; problem: CodeProblem } => {
    const state = twoFactor.findTotp(userId);
    const input = readCodeInput(raw);
    if (raw.trim() === '') return { ok: false, problem: 'missing' };
    if (!state || input.kind !== 'totp') return { ok: false, problem: input.kind === 'invalid' ? 'invalid' : 'wrong' };
    const step = stepOf(state.secret, input.code);
    if (step === undefined) return { ok: false, problem: 'wrong' };
    return twoFactor.useTotpStep(userId, step) ? { ok: true } : { ok: false, problem: 'reused' };
  };

  /** A current code, or an unused recovery code (which is then spent), for someone with two-factor on. */
  const checkSecondFactor = (userId: number, raw: string): { ok: true; method: 'totp' | 'recovery' } | { ok: false; problem: CodeProblem } => {
    const input = readCodeInput(raw);
    if (input.kind === 'recovery') {
      const hash = sha256(input.code);
      if (twoFactor.useRecoveryCode(userId, hash, clock.now())) return { ok: true, method: 'recovery' };
      return { ok: false, problem: twoFactor.isSpentRecoveryCode(userId, hash) ? 'recovery-used' : 'recovery-wrong' };
    }
    const checked = checkTotp(userId, raw);
    return checked.ok ? { ok: true, method: 'totp' } : checked;
  };

  /**
   * The password and a second factor, for turning two-factor off, replacing the recovery codes or adding a passkey. A
   * recovery code counts as the second factor here as at sign-in: someone who lost their phone and signed in with
   * one must be able to turn two-factor off or make new codes themselves. It is spent only once the password is right.
   */
  const checkBoth = async (userId: number, password: string, code: string): Promise<{ ok: true } | { ok: false; problems: { password?: 'missing' | 'wrong'; code?: CodeProblem } }> => {
    if (password === '') return { ok: false, problems: { password: 'missing', ...(code.trim() === '' ? { code: 'missing' as const } : {}) } };
    if (!(await deps.hasher.verifyPassword(password, deps.users.findPasswordHashById(userId)))) return { ok: false, problems: { password: 'wrong' } };
    const checked = checkSecondFactor(userId, code);
    return checked.ok ? { ok: true } : { ok: false, problems: { code: checked.problem } };
  };

  return {
    /** Whether the person signs in with a second factor, since when, and how many recovery codes are left. */
    status(userId: number): { enabled: false } | { enabled: true; since: number; recoveryCodesLeft: number } {
      const state = twoFactor.findTotp(userId);
      return state ? { enabled: true, since: state.enabledAt, recoveryCodesLeft: twoFactor.countRecoveryCodesLeft(userId) } : { enabled: false };
    },

    /** Whether this person needs a code after their password. */
    isEnabled(userId: number): boolean {
      return twoFactor.findTotp(userId) !== undefined;
    },

    /** A new key for setting up (not stored until confirmed), as base32 for typing and an otpauth:// URI for the QR code. */
    newKey(email: string): { secret: string; uri: string } {
      const secret = new OTPAuth.Secret({ size: 20 }).base32;
      return { secret, uri: totpFor(secret, email).toString() };
    },

    /** The otpauth:// URI of a key being set up (to draw its QR code again). */
    keyUri(secret: string, email: string): string {
      return totpFor(secret, email).toString();
    },

    /**
     * Turns two-factor on with the key being set up, once the person's password and a current code from the key check
     * out; returns the ten recovery codes to show once. The password is asked again because turning it on with a key
     * of one's own would lock the owner out: a stolen session alone must not do it. The confirming code's step is
     * spent, so it cannot sign in again.
     */
    async enable(
      userId: number,
      secret: string,
      password: string,
      code: string,
    ): Promise<
      | { ok: true; recoveryCodes: string[]; endedSessions: number }
      | { ok: false; problems: { password?: 'missing' | 'wrong'; code?: CodeProblem } }
      | { ok: false; alreadyOn: 'this-key' | 'another-key' }
    > {
      if (password === '') return { ok: false, problems: { password: 'missing', ...(code.trim() === '' ? { code: 'missing' as const } : {}) } };
      if (!(await deps.hasher.verifyPassword(password, deps.users.findPasswordHashById(userId)))) return { ok: false, problems: { password: 'wrong' } };
      if (code.trim() === '') return { ok: false, problems: { code: 'missing' } };
      const input = readCodeInput(code);
      if (input.kind !== 'totp') return { ok: false, problems: { code: 'invalid' } };
      const step = stepOf(secret, input.code);
      if (step === undefined) return { ok: false, problems: { code: 'wrong' } };
      // Turning two-factor on is often the answer to a suspected break-in: every session signed in with the
      // password alone ends with it (the asking one is signed in again by the caller, on a new id).
      return deps.inTransaction(() => {
        // Turned on meanwhile (a second press of the button during the bcrypt time, or another session): turning it
        // on again would replace the recovery codes the first press showed, and accept its code a second time.
        const on = twoFactor.findTotp(userId);
        if (on) return { ok: false as const, alreadyOn: on.secret === secret ? ('this-key' as const) : ('another-key' as const) };
        twoFactor.enableTotp(userId, secret, clock.now());
        twoFactor.useTotpStep(userId, step);
        const recoveryCodes = newRecoveryCodes(userId);
        return { ok: true as const, recoveryCodes, endedSessions: deps.users.deleteSessionsOfUser(userId) };
      });
    },

    /** The second step of signing in: a current code, or an unused recovery code (which is then spent). */
    verifySignIn(userId: number, raw: string): { ok: true; method: 'totp' | 'recovery' } | { ok: false; problem: CodeProblem } {
      return checkSecondFactor(userId, raw);
    },

    /**
     * Before adding a way in that counts as both factors (a passkey): the password, and with two-factor on a current
     * code or an unused recovery code (then spent) too, so a password alone cannot add a second factor of its own.
     */
    async confirmBothFactors(userId: number, password: string, code: string): Promise<{ ok: true } | { ok: false; problems: { password?: 'missing' | 'wrong'; code?: CodeProblem } }> {
      if (twoFactor.findTotp(userId) !== undefined) return checkBoth(userId, password, code);
      if (password === '') return { ok: false, problems: { password: 'missing' } };
      return (await deps.hasher.verifyPassword(password, deps.users.findPasswordHashById(userId))) ? { ok: true } : { ok: false, problems: { password: 'wrong' } };
    },

    /**
     * Turns two-factor off, with the password and a current code or a recovery code; every session of the person ends with it, as with a
     * new password (the asking one is signed in again by the caller, on a new id).
     */
    async disable(userId: number, password: string, code: string): Promise<{ ok: true; endedSessions: number } | { ok: false; problems: { password?: 'missing' | 'wrong'; code?: CodeProblem } }> {
      const checked = await checkBoth(userId, password, code);
      if (!checked.ok) return checked;
      return deps.inTransaction(() => {
        twoFactor.disableTotp(userId);
        return { ok: true as const, endedSessions: deps.users.deleteSessionsOfUser(userId) };
      });
    },

    /** Replaces every recovery code, with the password and a current code or a recovery code; the new ones are shown once. */
    async regenerateRecoveryCodes(userId: number, password: string, code: string): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; problems: { password?: 'missing' | 'wrong'; code?: CodeProblem } }> {
      const checked = await checkBoth(userId, password, code);
      if (!checked.ok) return checked;
      return { ok: true, recoveryCodes: deps.inTransaction(() => newRecoveryCodes(userId)) };
    },

    /** For the owner (`admin disable-2fa`): a lost phone and no recovery codes. Ends every session of that person. */
    adminDisable(rawEmail: string): { ok: true; userId: number; endedSessions: number; wasOn: boolean } | { ok: false; problem: 'unknown-email' } {
      const found = deps.users.findCredentialsByEmail(normaliseEmail(rawEmail));
      if (!found) return { ok: false, problem: 'unknown-email' };
      return deps.inTransaction(() => {
        const wasOn = twoFactor.findTotp(found.id) !== undefined;
        // Already off: nothing changed, so nobody is signed out for it.
        if (!wasOn) return { ok: true as const, userId: found.id, endedSessions: 0, wasOn };
        twoFactor.disableTotp(found.id);
        return { ok: true as const, userId: found.id, endedSessions: deps.users.deleteSessionsOfUser(found.id), wasOn };
      });
    },

    /** The ids of everyone with two-factor on. */
    userIdsWithTotp(): Set<number> {
      return twoFactor.listUserIdsWithTotp();
    },
  };
}

export type TwoFactorService = ReturnType<typeof createTwoFactorService>;
