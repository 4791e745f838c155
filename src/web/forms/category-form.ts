import { MAX_CATEGORY_NAME_CHARS, type CategoryKind } from '../../db/repos/categories.ts';
import { textField, type FieldErrors } from '../form-fields.ts';

/** What the category form shows back. */
export interface CategoryFormValues {
  kind: string;
  name: string;
}

export type CategoryFormResult =
  | { ok: true; kind: CategoryKind; name: string; values: CategoryFormValues }
  | { ok: false; errors: FieldErrors; values: CategoryFormValues };

/** Checks a category name; returns the trimmed name or a message. */
export function parseCategoryName(raw: string | undefined): { ok: true; value: string } | { ok: false; error: string } {
  if (raw === undefined) return { ok: false, error: 'Enter one name.' };
  const name = raw.trim().replace(/\s+/g, ' ');
  if (name === '') return { ok: false, error: 'Enter a name for the category.' };
  if ([...name].length > MAX_CATEGORY_NAME_CHARS) {
    return { ok: false, error: `Keep the name to ${MAX_CATEGORY_NAME_CHARS} characters or fewer.` };
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, error: 'Remove control characters from the name.' };
  return { ok: true, value: name };
}

/** Validates the new-category form (kind and name). */
export function parseCategoryForm(body: unknown): CategoryFormResult {
  const kind = textField(body, 'kind');
  const rawName = textField(body, 'name');
  const values: CategoryFormValues = { kind: kind ?? '', name: rawName ?? '' };
  const errors: FieldErrors = {};
  if (kind !== 'income' && kind !== 'expense') errors.kind = 'Choose Income or Expense.';
  const name = parseCategoryName(rawName);
  if (!name.ok) errors.name = name.error;
  if (!name.ok || (kind !== 'income' && kind !== 'expense')) return { ok: false, errors, values };
  return { ok: true, kind, name: name.value, values };
}

/** The message shown when the name is already used by another category of the same kind. */
export function nameTakenMessage(kind: CategoryKind, name: string): string {
  return `You already have an ${kind} category called “${name}” (names ignore upper/lower case).`;
}
