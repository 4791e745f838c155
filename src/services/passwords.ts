import bcrypt from 'bcrypt';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MAX_PASSWORD_BYTES, passwordProblem, type PasswordProblem } from '../domain/users.ts';

let common: ReadonlySet<string> | undefined;

/**
 * The most used passwords from real breaches (zxcvbn-ts's list of about 49,000), lower-cased, built into a Set
 * on first use and kept for the life of the process; createApp calls it so no request pays for it. Only the plain
 * JSON list is read: the package's entry point would also load dictionaries we never use (about 15 MB of memory).
 */
export function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const file = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/src/passwords.json');
    const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(list) || list.length < 10_000 || !list.every((p) => typeof p === 'string')) {
      throw new Error(`common-password list at ${file} is not a list of at least 10,000 passwords`);
    }
    common = new Set((list as string[]).map((p) => p.toLowerCase()));
  }
  return common;
}

/** True when the password, ignoring case and surrounding spaces, is on the common-passwords list. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.trim().toLowerCase());
}

/** Why a new password cannot be used (length, bytes, the common list), or undefined when it can. */
export function newPasswordProblem(password: string): PasswordProblem | undefined {
  return passwordProblem(password, isCommonPassword);
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
    /** True when a stored hash was made at a lower cost than the one configured now (BCRYPT_COST was raised). */
    needsRehash(hash: string): boolean {
      // A bcrypt hash is $2b$<cost>$<salt and hash>; anything unreadable is rehashed too.
      const stored = /^\$2[aby]\$(\d\d)\$/.exec(hash);
      return stored === null || Number(stored[1]) < cost;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
