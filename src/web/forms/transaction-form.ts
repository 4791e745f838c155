import { z } from 'zod';
import { centsToInputText, type DecimalSeparator } from '../../domain/money.ts';
import type { Transaction, TransactionDraft } from '../../domain/transactions.ts';
import { formText, idText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import type { TransactionChoice, TransactionSave } from '../../services/transactions.ts';
import { msg } from '../i18n.ts';
import { wrongKindCategoryMessage } from '../messages.ts';
import { amountField, descriptionField, emptyEditDate, optionalDayField, schemaPerWriting, type AmountWriting, type DateMode } from './fields.ts';

export type { AmountWriting };

const FIELDS = ['account', 'type', 'amount', 'date', 'description', 'category'] as const;

/** What the form shows back: exactly what the user typed. */
export type TransactionFormValues = Record<(typeof FIELDS)[number], string>;

/**
 * The add/edit form for a person who writes amounts with `decimal` ("12.50" or "12,50", parsed by the one domain
 * amount parser). An empty date (null here) means today, so the quick add form needs only an amount.
 */
const transactionSchema = schemaPerWriting((writing) =>
  z.object({
    // Whether the account is the user's, and open, is the service's to say.
    // Left out (a script, an old form), it is the account last used or the first open one.
    account: formText('validation.once.account').pipe(
      z.union([z.literal('').transform(() => null), idText], { error: 'validation.account.choose' }),
    ),
    type: formText('validation.once.type').pipe(z.enum(['income', 'expense'], { error: 'validation.once.type' })),
    amount: amountField(writing, 'positive'),
    date: optionalDayField,
    description: descriptionField,
    // Whether the category is the user's, and of the transaction's kind, is the service's to say.
    category: formText('validation.once.category').pipe(
      z.union([z.literal('').transform(() => null), idText], { error: 'validation.category.choose' }),
    ),
  }),
);

export type TransactionFormResult =
  | { ok: true; value: TransactionDraft; values: TransactionFormValues }
  | { ok: false; errors: FieldErrors; values: TransactionFormValues; choices: TransactionChoice };

/**
 * Validates an add/edit transaction form body into a transaction draft, or a message per field. An empty date is today
 * when adding and refused when editing (`mode`).
 */
export function parseTransactionForm(body: unknown, today: string, writing: AmountWriting, mode: DateMode = 'add'): TransactionFormResult {
  const values = typedValues(body, FIELDS);
  const schema = transactionSchema(writing);
  const parsed = parseForm(schema, body);
  const dateMissing = emptyEditDate(mode, values.date);
  if (!parsed.ok || dateMissing) {
    // The choices that are right on their own, so the service can say what is wrong with them in the same answer.
    const fields = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const field = <T>(check: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } }, name: string): T | undefined => {
      const one = check.safeParse(fields[name]);
      return one.success ? one.data : undefined;
    };
    const choices: TransactionChoice = {
      type: field(schema.shape.type, 'type'),
      categoryId: field(schema.shape.category, 'category'),
      accountId: field(schema.shape.account, 'account'),
    };
    return { ok: false, errors: { ...(parsed.ok ? {} : parsed.errors), ...(dateMissing ? { date: dateMissing } : {}) }, values, choices };
  }
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

/** A form's own field messages, with the service's word on its choices where a field has none of its own. */
export function withChoiceErrors(fieldErrors: FieldErrors, choices: TransactionSave | undefined): FieldErrors {
  return { ...(choices ? choiceErrors(choices) : undefined), ...fieldErrors };
}

/** The service's refusal of a category or account choice, worded for the form's fields (pages and the API alike). */
export function choiceErrors(result: TransactionSave): FieldErrors | undefined {
  if (result.ok || 'problem' in result) return undefined;
  const errors: FieldErrors = {};
  if (result.category) {
    errors.category = result.category.code === 'wrong-kind' ? wrongKindCategoryMessage(result.category.category) : msg('validation.category.choose');
  }
  if (result.account) errors.account = msg(result.account === 'archived' ? 'validation.account.archived' : 'validation.account.choose');
  return errors;
}
