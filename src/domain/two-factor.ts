/**
 * Two-factor sign-in rules that need no I/O: how recovery codes are written and read back, and how long the steps
 * between a password and its code may take.
 */

/** How many recovery codes a person gets at a time. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * How long after a correct password the code page waits for the code. Fifteen minutes, said on the page: five was
 * too short for someone who has to find their phone or recovery codes, or who types slowly (WCAG 2.2.1).
 */
export const PENDING_SIGN_IN_MS = 15 * 60 * 1000;

/** How long a key shown for setup, or fresh recovery codes, stay available to the page that shows them. */
export const SETUP_WINDOW_MS = 15 * 60 * 1000;

/** Letters and digits that cannot be mistaken for one another when read off paper (no 0/o, 1/l/i). */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code from 10 random bytes, written as xxxxx-xxxxx (two groups of five, 31 symbols: about 49 bits). */
export function recoveryCodeFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 10) throw new RangeError('a recovery code needs 10 random bytes');
  const chars = Array.from(bytes.subarray(0, 10), (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** What a person typed in the code field: a 6-digit code, a recovery code (normalised), or neither. */
export type CodeInput = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string } | { kind: 'invalid' };

/** Reads the code field: spaces and dashes are ignored, letters are taken in either case. */
export function readCodeInput(raw: string): CodeInput {
  const compact = raw.replace(/[\s-]/g, '').toLowerCase();
  if (/^\d{6}$/.test(compact)) return { kind: 'totp', code: compact };
  if (compact.length === 10 && [...compact].every((c) => RECOVERY_ALPHABET.includes(c))) {
    return { kind: 'recovery', code: `${compact.slice(0, 5)}-${compact.slice(5)}` };
  }
  return { kind: 'invalid' };
}
