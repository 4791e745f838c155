import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let common: ReadonlySet<string> | undefined;

/**
 * The most used passwords from real breaches (zxcvbn-ts's list of about 49,000), lower-cased, built into a Set
 * on first use and kept for the life of the process; server start-up calls it so no request pays for it.
 * Only the plain JSON list is read: the package's entry point would also load dictionaries we never use
 * (about 15 MB of memory).
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
