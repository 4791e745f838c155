import { z } from 'zod';
import { parseIsoDay } from '../../domain/calendar.ts';
import { centsToInputText, MAX_AMOUNT_CENTS, parseAmount, type DecimalSeparator } from '../../domain/money.ts';
import { normaliseDescription, type Transaction, type TransactionDraft } from '../../domain/transactions.ts';
import { addFieldIssue, formText, idText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { amountMessage, DAY_MESSAGES, DESCRIPTION_MESSAGES } from '../messages.ts';

const FIELDS = ['account', 'type', 'amount', 'date', 'description', 'category'] as const;

/** What the form shows back: exactly what the user typed. */
export type TransactionFormValues = Record<(typeof FIELDS)[number], string>;

/** How the person writes amounts: the locale's decimal separator, and the largest amount written their way. */
export interface AmountWriting {
  readonly decimal: DecimalSeparator;
  readonly formatPlain: (cents: number) => string;
}

/**
 * The add/edit form for a person who writes amounts with `decimal` ("12.50" or "12,50", parsed by the one domain
 * amount parser). An empty date (null here) means today, so the quick add form needs only an amount.
 */
function transactionSchema(writing: AmountWriting) {
  const amountOptions = { decimal: writing.decimal, sign: 'unsigned' } as const;
  return z.object({
    // Whether the account is the user's, and open, is the service's to say.
    // Left out (a script, an old form), it is the account last used or the first open one.
    account: formText('validation.once.account').pipe(
      z.union([z.literal('').transform(() => null), idText], { error: 'validation.account.choose' }),
    ),
    type: formText('validation.once.type').pipe(z.enum(['income', 'expense'], { error: 'validation.once.type' })),
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
    // Whether the category is the user's, and of the transaction's kind, is the service's to say.
    category: formText('validation.once.category').pipe(
      z.union([z.literal('').transform(() => null), idText], { error: 'validation.category.choose' }),
    ),
  });
}

// One schema per way of writing amounts (each language context is made once, so this holds a handful).
const schemas = new WeakMap<AmountWriting, ReturnType<typeof transactionSchema>>();

export type TransactionFormResult =
  | { ok: true; value: TransactionDraft; values: TransactionFormValues }
  | { ok: false; errors: FieldErrors; values: TransactionFormValues };

/** Validates an add/edit transaction form body into a transaction draft, or a message per field. */
export function parseTransactionForm(body: unknown, today: string, writing: AmountWriting): TransactionFormResult {
  const values = typedValues(body, FIELDS);
  let schema = schemas.get(writing);
  if (!schema) schemas.set(writing, (schema = transactionSchema(writing)));
  const parsed = parseForm(schema, body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  return {
    ok: true,
    values,
    value: {
      accountId: d.account,
      type: d.type,
      amountCents: d.amount,
      occurredOn: d.date ?? today,
      description: d.description,
      categoryId: d.category,
    },
  };
}

/** Blank form values for a new transaction dated today, in the account the person would pick (null: none yet). */
export function emptyTransactionForm(today: string, accountId: number | null): TransactionFormValues {
  return { account: accountId === null ? '' : String(accountId), type: 'expense', amount: '', date: today, description: '', category: '' };
}

/** The form values that show an existing transaction for editing, its amount written the person's way. */
export function transactionFormValuesFrom(tx: Omit<Transaction, 'id'>, decimal: DecimalSeparator): TransactionFormValues {
  return {
    account: String(tx.accountId),
    type: tx.type,
    amount: centsToInputText(tx.amountCents, decimal),
    date: tx.occurredOn,
    description: tx.description,
    category: tx.categoryId === null ? '' : String(tx.categoryId),
  };
}
