import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Secrets a session holds for a few minutes, between the page that makes them and the page that shows them: a new
 * API token, a two-factor key being set up, recovery codes just made. Sessions are rows in the database, so in
 * plain text these would sit in the database file, its WAL and every backup taken meanwhile, where the app
 * otherwise keeps only their hashes. Sealed with AES-256-GCM under a key derived from the session secret (a file
 * beside the database, never in it), a stored session holds none of them readably, and a tampered one opens to
 * nothing.
 */
export interface SessionSealer {
  /** The value, encrypted and authenticated: "iv.ciphertext.tag" in base64url. */
  seal(value: string): string;
  /** The value sealed, or undefined when it was not sealed here (another secret, an older session, tampering). */
  open(sealed: unknown): string | undefined;
}

export function createSessionSealer(sessionSecret: string): SessionSealer {
  const key = createHmac('sha256', sessionSecret).update('ledgerly: secrets held in a session').digest();
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return `${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    },
    open(sealed) {
      if (typeof sealed !== 'string') return undefined;
      const [iv, body, tag] = sealed.split('.');
      if (iv === undefined || body === undefined || tag === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
