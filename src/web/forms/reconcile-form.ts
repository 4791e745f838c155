import { z } from 'zod';
import type { PageCursor } from '../../domain/transactions.ts';
import type { Ticks } from '../../services/reconciliations.ts';
import { parseForm, textField, typedValues, type FieldErrors } from '../form-fields.ts';
import { parseSelectedIds } from './bulk-form.ts';
import { amountField, dayField, schemaPerWriting, type AmountWriting } from './fields.ts';
import { parseCursor } from './transaction-filter.ts';

const FIELDS = ['statementOn', 'statementBalance'] as const;

/** What the start form shows back. */
export type ReconcileFormValues = Record<(typeof FIELDS)[number], string>;

/** The statement's date (required) and ending balance (signed, zero allowed), read the person's way. */
const reconcileSchema = schemaPerWriting((writing) =>
  z.object({ statementOn: dayField, statementBalance: amountField(writing, 'signed') }),
);

/** Validates the form that starts a reconciliation. */
export function parseReconcileForm(
  body: unknown,
  writing: AmountWriting,
): { ok: true; statementOn: string; statementBalanceCents: number } | { ok: false; errors: FieldErrors; values: ReconcileFormValues } {
  const parsed = parseForm(reconcileSchema(writing), body);
  return parsed.ok
    ? { ok: true, statementOn: parsed.data.statementOn, statementBalanceCents: parsed.data.statementBalance }
    : { ok: false, errors: parsed.errors, values: typedValues(body, FIELDS) };
}

/** What the rows form asks: save the page's ticks, save them and finish, or tick or untick every row at once. */
export type ReconcileRowsAction = 'update' | 'finish' | 'tickAll' | 'untickAll';

/** The reconciliation a page's form was made for (`reconciliation`), when it names one. */
export function reconciliationNamed(body: unknown): { reconciliationId?: number } {
  const [id] = parseSelectedIds(textField(body, 'reconciliation'));
  return id === undefined ? {} : { reconciliationId: id };
}

/**
 * Reads the rows form: the ticked rows (`ids`), the rows the page showed (`shown`), which button was pressed (Update
 * when none is named, as Enter in a checkbox does, or a page button), the page it was on (`after`, a page cursor),
 * the page a page button asks for (`go`) and the reconciliation it showed (`reconciliation`).
 */
export function parseReconcileRowsForm(body: unknown): {
  action: ReconcileRowsAction;
  ticks: Ticks;
  after: PageCursor | null;
  go?: PageCursor | null;
  reconciliationId?: number;
} {
  const fields = (body ?? {}) as Record<string, unknown>;
  const action = textField(body, 'action');
  const go = textField(body, 'go');
  return {
    ...reconciliationNamed(body),
    action: action === 'finish' || action === 'tickAll' || action === 'untickAll' ? action : 'update',
    ticks: { ticked: parseSelectedIds(fields.ids), shown: parseSelectedIds(fields.shown), shownTicked: parseSelectedIds(fields.shownTicked), shownUnticked: parseSelectedIds(fields.shownUnticked) },
    after: parseCursor(fields.after),
    // A page button: the first page, or the page after a cursor; anything else stays on this page.
    ...(go === 'first' ? { go: null } : parseCursor(go) ? { go: parseCursor(go) } : {}),
  };
}
