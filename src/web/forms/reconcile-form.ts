import { z } from 'zod';
import { parseIsoDay } from '../../domain/calendar.ts';
import { MAX_AMOUNT_CENTS, parseAmount } from '../../domain/money.ts';
import { addFieldIssue, formText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { amountMessage, DAY_MESSAGES } from '../messages.ts';
import type { AmountWriting } from './transaction-form.ts';

const FIELDS = ['statementOn', 'statementBalance'] as const;

/** What the start form shows back. */
export type ReconcileFormValues = Record<(typeof FIELDS)[number], string>;

/** The statement's date (required) and ending balance (signed, zero allowed), read the person's way. */
function reconcileSchema(writing: AmountWriting) {
  const amountOptions = { decimal: writing.decimal, sign: 'signed' } as const;
  return z.object({
    statementOn: formText('validation.once.date').transform((text, ctx) => {
      const day = parseIsoDay(text);
      if (day.ok) return day.day;
      addFieldIssue(ctx, DAY_MESSAGES[day.problem]);
      return z.NEVER;
    }),
    statementBalance: formText('validation.once.amount').transform((text, ctx) => {
      const amount = parseAmount(text, amountOptions);
      if (amount.ok) return amount.negative ? -amount.cents : amount.cents;
      if (amount.problem === 'zero') return 0;
      const problem = amountMessage(amount.problem, writing.decimal, writing.formatPlain(MAX_AMOUNT_CENTS));
      addFieldIssue(ctx, problem.key, problem.values);
      return z.NEVER;
    }),
  });
}

const schemas = new WeakMap<AmountWriting, ReturnType<typeof reconcileSchema>>();

/** Validates the form that starts a reconciliation. */
export function parseReconcileForm(
  body: unknown,
  writing: AmountWriting,
): { ok: true; statementOn: string; statementBalanceCents: number } | { ok: false; errors: FieldErrors; values: ReconcileFormValues } {
  let schema = schemas.get(writing);
  if (!schema) schemas.set(writing, (schema = reconcileSchema(writing)));
  const parsed = parseForm(schema, body);
  return parsed.ok
    ? { ok: true, statementOn: parsed.data.statementOn, statementBalanceCents: parsed.data.statementBalance }
    : { ok: false, errors: parsed.errors, values: typedValues(body, FIELDS) };
}
