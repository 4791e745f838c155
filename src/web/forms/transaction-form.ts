import { z } from 'zod';
import { parseIsoDay } from '../../domain/calendar.ts';
import { centsToDecimalString, FORM_AMOUNT, parseAmount } from '../../domain/money.ts';
import { normaliseDescription, type NewTransaction, type Transaction } from '../../domain/transactions.ts';
import { formText, idText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { AMOUNT_MESSAGES, DAY_MESSAGES, DESCRIPTION_MESSAGES } from '../messages.ts';

const FIELDS = ['type', 'amount', 'date', 'description', 'category'] as const;

/** What the form shows back: exactly what the user typed. */
export type TransactionFormValues = Record<(typeof FIELDS)[number], string>;

/** The add/edit form. An empty date (null here) means today, so the quick add form needs only an amount. */
const transactionSchema = z.object({
  type: formText('Choose Income or Expense.').pipe(z.enum(['income', 'expense'], { error: 'Choose Income or Expense.' })),
  amount: formText('Enter an amount.').transform((text, ctx) => {
    const amount = parseAmount(text, FORM_AMOUNT);
    if (amount.ok) return amount.cents;
    ctx.addIssue({ code: 'custom', message: AMOUNT_MESSAGES[amount.problem] });
    return z.NEVER;
  }),
  date: formText('Enter one date.').transform((text, ctx) => {
    if (text === '') return null;
    const day = parseIsoDay(text);
    if (day.ok) return day.day;
    ctx.addIssue({ code: 'custom', message: DAY_MESSAGES[day.problem] });
    return z.NEVER;
  }),
  description: formText('Enter one description.').transform((text, ctx) => {
    const description = normaliseDescription(text);
    if (description.ok) return description.text;
    ctx.addIssue({ code: 'custom', message: DESCRIPTION_MESSAGES[description.problem] });
    return z.NEVER;
  }),
  // Whether the category is the user's, and of the transaction's kind, is the service's to say.
  category: formText('Choose one category.').pipe(
    z.union([z.literal('').transform(() => null), idText], { error: 'Choose one of your categories, or none.' }),
  ),
});

export type TransactionFormResult =
  | { ok: true; value: NewTransaction; values: TransactionFormValues }
  | { ok: false; errors: FieldErrors; values: TransactionFormValues };

/** Validates an add/edit transaction form body into a transaction draft, or a message per field. */
export function parseTransactionForm(body: unknown, today: string): TransactionFormResult {
  const values = typedValues(body, FIELDS);
  const parsed = parseForm(transactionSchema, body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  return {
    ok: true,
    values,
    value: { type: d.type, amountCents: d.amount, occurredOn: d.date ?? today, description: d.description, categoryId: d.category },
  };
}

/** Blank form values for a new transaction dated today. */
export function emptyTransactionForm(today: string): TransactionFormValues {
  return { type: 'expense', amount: '', date: today, description: '', category: '' };
}

/** The form values that show an existing transaction for editing. */
export function transactionFormValuesFrom(tx: Omit<Transaction, 'id'>): TransactionFormValues {
  return {
    type: tx.type,
    amount: centsToDecimalString(tx.amountCents),
    date: tx.occurredOn,
    description: tx.description,
    category: tx.categoryId === null ? '' : String(tx.categoryId),
  };
}
