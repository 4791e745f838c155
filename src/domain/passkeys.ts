/** Passkey names: what a person calls each of their passkeys ("Phone", "Work laptop"). */

/** The longest passkey name kept, in characters (code points). */
export const PASSKEY_NAME_MAX = 60;

export type PasskeyNameProblem = 'empty' | 'too-long' | 'control-characters';

// C0 controls, DEL and the C1 controls: nothing a name shows.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a typed name cannot be a passkey's name (the rename form), or undefined when it can. */
export function passkeyNameProblem(name: string): PasskeyNameProblem | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'empty';
  if (CONTROL.test(trimmed)) return 'control-characters';
  if ([...trimmed].length > PASSKEY_NAME_MAX) return 'too-long';
  return undefined;
}

/**
 * The name a passkey being added is kept under. Nothing is refused here: the browser has already made the passkey,
 * and refusing would leave it on the device with no account to open. Control characters become spaces, spaces
 * gather, and a long name is cut at PASSKEY_NAME_MAX characters, never inside one. Empty means "use the default".
 */
export function passkeyNameForAdding(raw: string): string {
  const cleaned = raw.replace(new RegExp(CONTROL.source, 'g'), ' ').replace(/\s+/g, ' ').trim();
  return [...cleaned].slice(0, PASSKEY_NAME_MAX).join('').trim();
}
