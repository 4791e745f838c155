import { z } from 'zod';
import { formText, idText, returnPath, safeLocalPath, textField } from '../form-fields.ts';

/** Most rows one bulk action may name: two full pages, so a crafted request cannot hold the write lock for long. */
const MAX_BULK_IDS = 100;

/** The selected row ids of a bulk form: well-formed ids only, each once, in the order sent. */
export function parseSelectedIds(raw: unknown): number[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const ids = new Set<number>();
  for (const item of list) {
    const id = idText.safeParse(item);
    if (id.success) ids.add(id.data);
  }
  return [...ids];
}

/** Where a bulk action returns to: the list page the user came from (with its filter), never another site. */
function backToList(raw: unknown): string {
  const path = safeLocalPath(raw, '/transactions');
  return path === '/transactions' || path.startsWith('/transactions?') ? path : '/transactions';
}

/** Where saving or cancelling an edit returns to: the list (with its filter) or the dashboard it came from. */
/**
 * Where deleting one row returns to: the page it was asked from (`back`, as for editing), or the dashboard for a link
 * that says only `from=dashboard` (an older page's).
 */
export function deleteReturnPath(source: unknown): string {
  const back = textField(source, 'back');
  if (back !== undefined && back !== '') return editReturnPath(back);
  return textField(source, 'from') === 'dashboard' ? '/dashboard' : '/transactions';
}

export function editReturnPath(raw: unknown): string {
  // The list (with its filter), the dashboard, or an account's register the row was opened from.
  return returnPath(raw, /^\/(transactions|dashboard|accounts\/[1-9]\d{0,15})(\?|$)/, '/transactions');
}

const bulkSchema = z.object({
  ids: z.unknown().optional().transform((raw) => parseSelectedIds(raw).slice(0, MAX_BULK_IDS)),
  back: z.unknown().optional().transform(backToList),
  // Odd values are simply no choice: the route words the missing action or category.
  action: formText('validation.once.category').catch(''),
  category: formText('validation.once.category').catch(''),
});

/** What a bulk form asks for. */
export type BulkRequest =
  | { action: 'delete'; ids: number[]; back: string }
  | { action: 'set-category'; ids: number[]; back: string; categoryId: number | null }
  | { action: 'invalid'; ids: number[]; back: string; problem: 'no-rows' | 'no-category' | 'no-action' };

/**
 * What the person chose for the incomes among rows given an expense category: left as they are (`keep`, also for no
 * choice or an odd one) or made refunds of it.
 */
export function parseIncomesChoice(body: unknown): 'keep' | 'refund' {
  return textField(body, 'incomes') === 'refund' ? 'refund' : 'keep';
}

/** Reads the list page's bulk form (and the confirmation's): ids, action, category and where to return. */
export function parseBulkForm(body: unknown): BulkRequest {
  const { ids, back, action, category } = bulkSchema.parse(body !== null && typeof body === 'object' ? body : {});
  if (ids.length === 0) return { action: 'invalid', ids, back, problem: 'no-rows' };
  if (action === 'delete') return { action, ids, back };
  if (action === 'set-category') {
    if (category === 'none') return { action, ids, back, categoryId: null };
    const id = idText.safeParse(category);
    return id.success ? { action, ids, back, categoryId: id.data } : { action: 'invalid', ids, back, problem: 'no-category' };
  }
  return { action: 'invalid', ids, back, problem: 'no-action' };
}
