import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/**
 * The most used passwords from real breaches (zxcvbn-ts's list of about 49,000), lower-cased, built into a Set
 * on first use and kept for the life of the process; server start-up calls it so no request pays for it.
 */
export function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/** True when the password, ignoring case and surrounding spaces, is on the common-passwords list. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.trim().toLowerCase());
}
