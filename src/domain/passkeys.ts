/** Passkey names: what a person calls each of their passkeys ("Phone", "Work laptop"). */

/** The longest passkey name kept, in characters as a reader counts them (graphemes). */
export const PASSKEY_NAME_MAX = 60;

export type PasskeyNameProblem = 'empty' | 'too-long' | 'control-characters';

// C0 controls, DEL, the C1 controls, the line and paragraph separators, and the bidirectional overrides and isolates
// (which can make a name read backwards): nothing a name shows. Joiners stay, since emoji sequences need them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Cuts text at `most` characters as a reader counts them (graphemes), so a flag or an emoji sequence stays whole. */
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
function firstCharacters(text: string, most: number): string {
  let end = 0;
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (count === most) break;
    end += segment.length;
    count++;
  }
  return text.slice(0, end);
}

/** Why a typed name cannot be a passkey's name (the rename form), or undefined when it can. */
export function passkeyNameProblem(name: string): PasskeyNameProblem | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'empty';
  if (CONTROL.test(trimmed)) return 'control-characters';
  if (firstCharacters(trimmed, PASSKEY_NAME_MAX) !== trimmed) return 'too-long';
  return undefined;
}

/**
 * The name a passkey being added is kept under. Nothing is refused here: the browser has already made the passkey,
 * and refusing would leave it on the device with no account to open. Control characters become spaces, spaces
 * gather, and a long name is cut at PASSKEY_NAME_MAX characters, never inside one (a flag or an emoji sequence
 * included). Empty means "use the default".
 */
export function passkeyNameForAdding(raw: string): string {
  const cleaned = raw.replace(new RegExp(CONTROL.source, 'g'), ' ').replace(/\s+/g, ' ').trim();
  return firstCharacters(cleaned, PASSKEY_NAME_MAX).trim();
}
