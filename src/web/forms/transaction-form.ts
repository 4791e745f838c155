import type { NewTransaction, TransactionType } from '../../db/repos/transactions.ts';
import { parseCalendarDate } from '../../services/dates.ts';
import { parseAmountToCents } from '../../services/money.ts';
import { textField, type FieldErrors } from '../form-fields.ts';

export const MAX_DESCRIPTION_CHARS = 200;

/** What the form shows back: exactly what the user typed. */
export interface TransactionFormValues {
  type: string;
  amount: string;
  date: string;
  description: string;
}

export type TransactionFormResult =
  | { ok: true; value: NewTransaction; values: TransactionFormValues }
  | { ok: false; errors: FieldErrors; values: TransactionFormValues };

/** Blank form values for a new transaction dated today. */
export function emptyTransactionForm(today: string): TransactionFormValues {
  return { type: 'expense', amount: '', date: today, description: '' };
}

/** Validates an add/edit transaction form body into a typed transaction or per-field messages. */
export function parseTransactionForm(body: unknown, today: string): TransactionFormResult {
  const type = textField(body, 'type');
  const amount = textField(body, 'amount');
  const date = textField(body, 'date');
  const description = textField(body, 'description');
  const values: TransactionFormValues = {
    type: type ?? '',
    amount: amount ?? '',
    date: date ?? '',
    description: description ?? '',
  };
  const errors: FieldErrors = {};

  if (type !== 'income' && type !== 'expense') errors.type = 'Choose Income or Expense.';

  const cents = parseAmountToCents(amount);
  if (!cents.ok) errors.amount = cents.error;

  // An empty date means today, so the quick add form needs only an amount.
  const day = date === '' ? { ok: true as const, value: today } : parseCalendarDate(date);
  if (!day.ok) errors.date = day.error;

  const trimmedDescription = description?.trim() ?? '';
  if (description === undefined) errors.description = 'Enter one description.';
  else if ([...trimmedDescription].length > MAX_DESCRIPTION_CHARS) {
    errors.description = `Keep the description to ${MAX_DESCRIPTION_CHARS} characters or fewer.`;
  } else if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmedDescription)) {
    errors.description = 'Remove control characters from the description.';
  }

  if (Object.keys(errors).length > 0 || !cents.ok || !day.ok) return { ok: false, errors, values };
  return {
    ok: true,
    values,
    value: {
      type: type as TransactionType,
      amountCents: cents.value,
      occurredOn: day.value,
      description: trimmedDescription,
    },
  };
}
