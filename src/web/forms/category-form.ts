import { z } from 'zod';
import { normaliseCategoryName, type CategoryKind } from '../../domain/categories.ts';
import { formText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { CATEGORY_NAME_MESSAGES } from '../messages.ts';

/** A category name by the one name rule (domain/categories.ts), or its message. */
const categoryName = formText('Enter one name.').transform((text, ctx) => {
  const name = normaliseCategoryName(text);
  if (name.ok) return name.name;
  ctx.addIssue({ code: 'custom', message: CATEGORY_NAME_MESSAGES[name.problem] });
  return z.NEVER;
});

const newCategorySchema = z.object({
  kind: formText('Choose Income or Expense.').pipe(z.enum(['income', 'expense'], { error: 'Choose Income or Expense.' })),
  name: categoryName,
});

const renameSchema = z.object({ name: categoryName });

/** What the category form shows back. */
export type CategoryFormValues = { kind: string; name: string };

/** Validates the new-category form (kind and name). */
export function parseCategoryForm(
  body: unknown,
): { ok: true; kind: CategoryKind; name: string; values: CategoryFormValues } | { ok: false; errors: FieldErrors; values: CategoryFormValues } {
  const values = typedValues(body, ['kind', 'name'] as const);
  const parsed = parseForm(newCategorySchema, body);
  return parsed.ok ? { ok: true, ...parsed.data, values } : { ok: false, errors: parsed.errors, values };
}

/** Validates the rename form. */
export function parseRenameForm(body: unknown): { ok: true; name: string } | { ok: false; errors: FieldErrors; values: { name: string } } {
  const parsed = parseForm(renameSchema, body);
  return parsed.ok ? { ok: true, name: parsed.data.name } : { ok: false, errors: parsed.errors, values: typedValues(body, ['name'] as const) };
}
