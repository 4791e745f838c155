import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { Express } from 'express';
import { agentFor, tokenFor, type Agent } from './app.ts';

/** The relying party the security context's PUBLIC_URL (http://localhost:3000) binds passkeys to. */
const ORIGIN = 'http://localhost:3000';
const RP_ID = 'localhost';

const b64url = (bytes: Buffer | Uint8Array) => Buffer.from(bytes).toString('base64url');

/**
 * A software passkey (ES256) for tests that sign in with a passkey over HTTP without a browser: its row is written
 * straight into the database (the registration ceremony is the browser tests' part), and it answers sign-in
 * challenges as an authenticator would (user present and verified).
 */
export function softPasskey(db: { prepare(sql: string): { run(...a: unknown[]): { lastInsertRowid: number | bigint } } }, userId: number, name = 'Test key') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y} in CBOR.
  const cose = Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]);
  const credentialId = b64url(createHash('sha256').update(cose).digest().subarray(0, 16));
  const id = Number(
    db
      .prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) VALUES (?, ?, ?, 0, '[]', ?, 0)")
      .run(userId, credentialId, cose, name).lastInsertRowid,
  );
  let counter = 0;
  return {
    id,
    credentialId,
    /** The browser's answer to a sign-in challenge, as @simplewebauthn/browser would post it. */
    answer(challenge: string) {
      counter += 1;
      const counterBytes = Buffer.alloc(4);
      counterBytes.writeUInt32BE(counter);
      const authenticatorData = Buffer.concat([createHash('sha256').update(RP_ID).digest(), Buffer.from([0x05]), counterBytes]);
      const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: ORIGIN, crossOrigin: false }));
      const signature = sign('sha256', Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]), privateKey);
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature) },
        clientExtensionResults: {},
      };
    },
  };
}

/** Signs in on a fresh agent with the software passkey, through the login page's two posts; fails unless it works. */
export async function logInWithPasskey(app: Express, passkey: ReturnType<typeof softPasskey>): Promise<Agent> {
  const agent = agentFor(app);
  const csrf = await tokenFor(agent, '/login');
  const options = await agent.post('/login/passkey/options').type('form').set('Accept', 'application/json').send({ _csrf: csrf });
  if (options.status !== 200) throw new Error(`passkey options failed with ${options.status}`);
  const res = await agent
    .post('/login/passkey')
    .type('form')
    .set('Accept', 'application/json')
    .send({ _csrf: csrf, response: JSON.stringify(passkey.answer(options.body.challenge as string)) });
  if (res.status !== 200) throw new Error(`passkey sign-in failed with ${res.status}: ${JSON.stringify(res.body)}`);
  return agent;
}
