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
  /** The value, encrypted and authenticated for one purpose: "iv.ciphertext.tag" in base64url. */
  seal(purpose: SealedPurpose, value: string): string;
  /** The value sealed for this purpose, or undefined (another secret or purpose, an older session, tampering). */
  open(purpose: SealedPurpose, sealed: unknown): string | undefined;
}

/** What a sealed value is for: bound into its authentication, so one cannot be moved to stand for another. */
export type SealedPurpose = 'api-token' | 'totp-setup' | 'recovery-codes';

/** GCM's full tag: Node would otherwise accept a tag cut to 4 bytes, and a forgery would need far fewer guesses. */
const TAG_BYTES = 16;

export function createSessionSealer(sessionSecret: string): SessionSealer {
  const key = createHmac('sha256', sessionSecret).update('ledgerly: secrets held in a session').digest();
  return {
    seal(purpose, value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return `${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    },
    open(purpose, sealed) {
      if (typeof sealed !== 'string') return undefined;
      const [iv, body, tag] = sealed.split('.');
      if (iv === undefined || body === undefined || tag === undefined) return undefined;
      const tagBytes = Buffer.from(tag, 'base64url');
      if (tagBytes.length !== TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(purpose, 'utf8'));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
