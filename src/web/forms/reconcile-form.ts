import { z } from 'zod';
import { parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { amountField, dayField, schemaPerWriting, type AmountWriting } from './fields.ts';

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
