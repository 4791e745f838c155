import { z } from 'zod';
import { parseIsoDay } from '../../domain/calendar.ts';
import { centsToInputText, MAX_AMOUNT_CENTS, parseAmount } from '../../domain/money.ts';
import { normaliseDescription } from '../../domain/transactions.ts';
import type { Transfer, TransferDraft } from '../../domain/transfers.ts';
import { addFieldIssue, formText, idText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { amountMessage, DAY_MESSAGES, DESCRIPTION_MESSAGES } from '../messages.ts';
import type { AmountWriting } from './transaction-form.ts';

const FIELDS = ['from', 'to', 'amount', 'date', 'description', 'confirmReconciled'] as const;

/** What the transfer form shows back: exactly what the user typed. */
export type TransferFormValues = Record<(typeof FIELDS)[number], string>;

const account = (repeated: 'validation.once.fromAccount' | 'validation.once.toAccount') =>
  formText(repeated).pipe(z.union([idText], { error: 'validation.account.choose' }));

/** The transfer form: two accounts, an amount read like a transaction's (positive, the person's separators), a day. */
function transferSchema(writing: AmountWriting) {
  const amountOptions = { decimal: writing.decimal, sign: 'unsigned' } as const;
  return z.object({
    from: account('validation.once.fromAccount'),
    to: account('validation.once.toAccount'),
    amount: formText('validation.once.amount').transform((text, ctx) => {
      const amount = parseAmount(text, amountOptions);
      if (amount.ok) return amount.cents;
      const problem = amountMessage(amount.problem, writing.decimal, writing.formatPlain(MAX_AMOUNT_CENTS));
      addFieldIssue(ctx, problem.key, problem.values);
      return z.NEVER;
    }),
    date: formText('validation.once.date').transform((text, ctx) => {
      if (text === '') return null;
      const day = parseIsoDay(text);
      if (day.ok) return day.day;
      addFieldIssue(ctx, DAY_MESSAGES[day.problem]);
      return z.NEVER;
    }),
    description: formText('validation.once.description').transform((text, ctx) => {
      const description = normaliseDescription(text);
      if (description.ok) return description.text;
      const problem = DESCRIPTION_MESSAGES[description.problem];
      addFieldIssue(ctx, problem.key, problem.values);
      return z.NEVER;
    }),
    confirmReconciled: formText('validation.once.confirm').pipe(z.enum(['', '1'], { error: 'validation.once.confirm' })),
  });
}

const schemas = new WeakMap<AmountWriting, ReturnType<typeof transferSchema>>();

/** Validates a transfer form body, or a message per field; an empty date means today. */
export function parseTransferForm(
  body: unknown,
  today: string,
  writing: AmountWriting,
):
  | { ok: true; value: TransferDraft; confirmedReconciled: boolean; values: TransferFormValues }
  | { ok: false; errors: FieldErrors; values: TransferFormValues } {
  const values = typedValues(body, FIELDS);
  let schema = schemas.get(writing);
  if (!schema) schemas.set(writing, (schema = transferSchema(writing)));
  const parsed = parseForm(schema, body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  return {
    ok: true,
    values,
    confirmedReconciled: d.confirmReconciled === '1',
    value: { fromAccountId: d.from, toAccountId: d.to, amountCents: d.amount, occurredOn: d.date ?? today, description: d.description },
  };
}

/** Blank values for a new transfer dated today, from the given account when one is named. */
export function emptyTransferForm(today: string, fromAccountId: number | null, toAccountId: number | null): TransferFormValues {
  const id = (n: number | null) => (n === null ? '' : String(n));
  return { from: id(fromAccountId), to: id(toAccountId), amount: '', date: today, description: '', confirmReconciled: '' };
}

/** The form values that show a transfer for editing, its amount written the person's way. */
export function transferFormValuesFrom(transfer: Transfer, writing: Pick<AmountWriting, 'decimal'>): TransferFormValues {
  return {
    from: String(transfer.fromAccountId),
    to: String(transfer.toAccountId),
    amount: centsToInputText(transfer.amountCents, writing.decimal),
    date: transfer.occurredOn,
    description: transfer.description,
    confirmReconciled: '',
  };
}

