import type { TransactionFilter } from '../../db/repos/transactions.ts';
import { isCalendarDate } from '../../services/dates.ts';
import type { FieldErrors } from '../form-fields.ts';

export type { TransactionFilter } from '../../db/repos/transactions.ts';

/** Longest text search accepted; longer input is cut, so a pasted paragraph still searches. */
export const MAX_SEARCH_CHARS = 100;

/** What the filter form shows back: the raw query-string values. */
export interface TransactionFilterValues {
  from: string;
  to: string;
  type: string;
  category: string;
  q: string;
}

/** Reads one query-string parameter; a repeated or nested parameter counts as absent. */
function queryText(query: unknown, name: string): string {
  if (query === null || typeof query !== 'object') return '';
  const value = (query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Parses the filter from a query string, keeping the typed values and a message for each part that was ignored. */
export function readTransactionFilter(query: unknown): {
  filter: TransactionFilter;
  values: TransactionFilterValues;
  errors: FieldErrors;
} {
  const values: TransactionFilterValues = {
    from: queryText(query, 'from'),
    to: queryText(query, 'to'),
    type: queryText(query, 'type'),
    category: queryText(query, 'category'),
    q: queryText(query, 'q'),
  };
  const errors: FieldErrors = {};
  const filter: {
    fromOn?: string;
    toOn?: string;
    type?: 'income' | 'expense';
    categoryId?: number | 'none';
    search?: string;
  } = {};

  if (values.from !== '') {
    if (isCalendarDate(values.from)) filter.fromOn = values.from;
    else errors.from = 'Enter the start date as YYYY-MM-DD; it was ignored.';
  }
  if (values.to !== '') {
    if (isCalendarDate(values.to)) filter.toOn = values.to;
    else errors.to = 'Enter the end date as YYYY-MM-DD; it was ignored.';
  }
  if (filter.fromOn !== undefined && filter.toOn !== undefined && filter.fromOn > filter.toOn) {
    errors.to = 'The end date is before the start date; the date range was ignored.';
    delete filter.fromOn;
    delete filter.toOn;
  }
  if (values.type === 'income' || values.type === 'expense') filter.type = values.type;
  else if (values.type !== '') errors.type = 'Choose Income, Expense or any type; the type was ignored.';

  if (values.category === 'none') filter.categoryId = 'none';
  else if (/^[1-9]\d{0,15}$/.test(values.category) && Number.isSafeInteger(Number(values.category))) {
    filter.categoryId = Number(values.category);
  } else if (values.category !== '') errors.category = 'Choose one of your categories; the category was ignored.';

  if (values.q !== '') {
    const chars = [...values.q];
    if (chars.length > MAX_SEARCH_CHARS) {
      errors.q = `Searches use the first ${MAX_SEARCH_CHARS} characters.`;
      values.q = chars.slice(0, MAX_SEARCH_CHARS).join('');
    }
    filter.search = values.q;
  }
  return { filter, values, errors };
}

/** Parses the transactions filter from a query string; invalid parts are ignored, never an error. */
export function parseTransactionFilter(query: unknown): TransactionFilter {
  return readTransactionFilter(query).filter;
}

/** The filter as a query string without the leading "?" ('' for no filter), in a stable order for links. */
export function filterToQueryString(filter: TransactionFilter): string {
  const params = new URLSearchParams();
  if (filter.fromOn !== undefined) params.set('from', filter.fromOn);
  if (filter.toOn !== undefined) params.set('to', filter.toOn);
  if (filter.type !== undefined) params.set('type', filter.type);
  if (filter.categoryId !== undefined) params.set('category', String(filter.categoryId));
  if (filter.search !== undefined && filter.search !== '') params.set('q', filter.search);
  return params.toString();
}

/** True when the filter narrows anything. */
export function isFilterActive(filter: TransactionFilter): boolean {
  return filterToQueryString(filter) !== '';
}
