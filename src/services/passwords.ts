import bcrypt from 'bcrypt';
import { isCommonPassword } from './common-passwords.ts';

/** bcrypt only looks at the first 72 bytes; longer passwords are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_CHARS = 8;
export const COMMON_PASSWORD_MESSAGE =
  'This password is on a list of the most common passwords, so it is among the first an attacker tries. Choose another one.';

/** Returns a message when the password cannot be used, or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters.`;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `Use at most ${MAX_PASSWORD_BYTES} bytes (about 72 plain letters; accented letters and emoji take more).`;
  }
  if (isCommonPassword(password)) return COMMON_PASSWORD_MESSAGE;
  return undefined;
}

/** Hashing and checking with a fixed cost; the dummy hash makes a miss cost the same as a wrong password. */
export function createPasswordHasher(cost: number) {
  let dummyHash: Promise<string> | undefined;
  return {
    /** Hashes with bcrypt's async API so the event loop keeps serving. */
    hashPassword(password: string): Promise<string> {
      return bcrypt.hash(password, cost);
    },
    /** Compares a password with a stored hash; with no hash, does the same work against a dummy and fails. */
    async verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
      const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
      dummyHash ??= bcrypt.hash('dummy password for timing', cost);
      const matches = await bcrypt.compare(password, hash ?? (await dummyHash));
      return matches && hash !== undefined && !tooLong;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
