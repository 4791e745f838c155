import { z } from 'zod';
import { normaliseCategoryName, type CategoryKind } from '../../domain/categories.ts';
import { addFieldIssue, formText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { CATEGORY_NAME_MESSAGES } from '../messages.ts';

/** A category name by the one name rule (domain/categories.ts), or its message. */
const categoryName = formText('validation.once.name').transform((text, ctx) => {
  const name = normaliseCategoryName(text);
  if (name.ok) return name.name;
  const problem = CATEGORY_NAME_MESSAGES[name.problem];
  addFieldIssue(ctx, problem.key, problem.values);
  return z.NEVER;
});

const newCategorySchema = z.object({
  kind: formText('validation.once.type').pipe(z.enum(['income', 'expense'], { error: 'validation.once.type' })),
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
