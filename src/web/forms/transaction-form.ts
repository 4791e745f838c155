import type { Category } from '../../db/repos/categories.ts';
import { MAX_DESCRIPTION_CHARS, type NewTransaction, type TransactionType } from '../../db/repos/transactions.ts';
import { parseCalendarDate } from '../../services/dates.ts';
import { centsToDecimalString, parseAmountToCents } from '../../services/money.ts';
import { textField, type FieldErrors } from '../form-fields.ts';


/** What the form shows back: exactly what the user typed. */
export interface TransactionFormValues {
  type: string;
  amount: string;
  date: string;
  description: string;
  /** A category id, or '' for none. */
  category: string;
}

export type TransactionFormResult =
  | { ok: true; value: Required<NewTransaction>; values: TransactionFormValues }
  | { ok: false; errors: FieldErrors; values: TransactionFormValues };

/** Blank form values for a new transaction dated today. */
export function emptyTransactionForm(today: string): TransactionFormValues {
  return { type: 'expense', amount: '', date: today, description: '', category: '' };
}

/** The form values that show an existing transaction for editing. */
export function transactionFormValuesFrom(tx: {
  type: TransactionType;
  amountCents: number;
  occurredOn: string;
  description: string;
  categoryId: number | null;
}): TransactionFormValues {
  return {
    type: tx.type,
    amount: centsToDecimalString(tx.amountCents),
    date: tx.occurredOn,
    description: tx.description,
    category: tx.categoryId === null ? '' : String(tx.categoryId),
  };
}

/**
 * Validates an add/edit transaction form body into a typed transaction or per-field messages.
 * `categories` are the user's own: a category id that is not among them, or of the other type, is a field error.
 */
export function parseTransactionForm(
  body: unknown,
  today: string,
  categories: readonly Category[] = [],
): TransactionFormResult {
  const type = textField(body, 'type');
  const amount = textField(body, 'amount');
  const date = textField(body, 'date');
  const description = textField(body, 'description');
  const category = textField(body, 'category');
  const values: TransactionFormValues = {
    type: type ?? '',
    amount: amount ?? '',
    date: date ?? '',
    description: description ?? '',
    category: category ?? '',
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

  let categoryId: number | null = null;
  if (category === undefined) errors.category = 'Choose one category.';
  else if (category !== '') {
    const chosen = categories.find((c) => String(c.id) === category);
    if (!chosen) errors.category = 'Choose one of your categories, or none.';
    else if (!errors.type && chosen.kind !== type) {
      errors.category = `“${chosen.name}” is an ${chosen.kind} category; choose one for ${type === 'income' ? 'income' : 'expenses'}, or none.`;
    } else categoryId = chosen.id;
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
      categoryId,
    },
  };
}
