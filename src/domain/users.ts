/** People and their sign-in rules. */

/** The public face of a user: what the session and the pages may see. */
export interface User {
  readonly id: number;
  readonly email: string;
  /** The language code of the person's pages; null follows their browser. */
  readonly language: string | null;
  /** The IANA zone of the person's days and months; null follows the instance's TIME_ZONE. */
  readonly timeZone?: string | null;
  /** The colour theme chosen on the account page; null follows the device. */
  readonly theme?: Theme | null;
  /** Whether the dashboard draws its charts (the same numbers stay as lists without them); true unless turned off. */
  readonly dashboardCharts?: boolean;
}

/** The colour themes a person may choose; none chosen follows the device's prefers-color-scheme. */
export type Theme = 'light' | 'dark';
export const THEMES: readonly Theme[] = Object.freeze(['light', 'dark'] as const);

const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const MAX_EMAIL_CHARS = 254;

/** Control characters (ESC, NUL, line breaks) and format characters (zero-width spaces and joiners, bidi marks). */
const INVISIBLE_CHARACTER = /[\p{Cc}\p{Cf}]/u;

/**
 * Emails are compared trimmed, lower-cased and in Unicode NFC, so "Ann@X.org ", "ann@x.org" and an address typed
 * with a decomposed accent (e + U+0301) and its precomposed twin (U+00E9) are one account.
 */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase().normalize('NFC');
}

export type EmailProblem = 'empty' | 'malformed' | 'invisible';

/**
 * Why a normalised email cannot be used, or undefined when it can. Control and format characters are refused: they
 * print nothing (or move the cursor, or reverse the text), so an address holding one looks like another's.
 */
export function emailProblem(email: string): EmailProblem | undefined {
  if (email === '') return 'empty';
  if (INVISIBLE_CHARACTER.test(email)) return 'invisible';
  if (email.length > MAX_EMAIL_CHARS || !EMAIL_PATTERN.test(email)) return 'malformed';
  return undefined;
}

/** bcrypt only looks at the first 72 bytes; longer passwords are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_CHARS = 8;

export type PasswordProblem = 'too-short' | 'too-long' | 'common' | 'guessable';

/** Words anyone guessing a Ledgerly password tries first: the app's own name. */
const SERVICE_WORDS = ['ledgerly'];

/**
 * Why a new password cannot be used, or undefined when it can: at least MIN_PASSWORD_CHARS characters, at most
 * MAX_PASSWORD_BYTES bytes of UTF-8, not on the list of common passwords (which the caller supplies), and not
 * guessable from what an attacker already knows or tries first: fewer than four different characters ("aaaaaaaa",
 * eight spaces), the person's email or the part before its @ (inside a longer password when that part has five
 * letters or more), or the app's name (NIST SP 800-63B's context words).
 */
export function passwordProblem(password: string, isCommon: (password: string) => boolean, email = ''): PasswordProblem | undefined {
  if ([...password].length < MIN_PASSWORD_CHARS) return 'too-short';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return 'too-long';
  if (isCommon(password)) return 'common';
  const folded = password.trim().toLowerCase();
  if (new Set(folded).size < 4) return 'guessable';
  const address = normaliseEmail(email);
  const local = address.split('@')[0] ?? '';
  if (SERVICE_WORDS.some((word) => folded.includes(word))) return 'guessable';
  if (address !== '' && (folded === address || folded === local)) return 'guessable';
  // Inside a longer password only a name of five letters or more counts: "ann" is in "channel", which is no guess.
  if (local.length >= 5 && folded.includes(local)) return 'guessable';
  return undefined;
}
