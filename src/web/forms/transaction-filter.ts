import { z } from 'zod';
import { isCalendarDate } from '../../domain/calendar.ts';
import { formatCursor, parseCursorText, type PageCursor, type TransactionFilter } from '../../domain/transactions.ts';
import { displayable, idText, type FieldErrors } from '../form-fields.ts';
import { msg, type MessageKey } from '../i18n.ts';

/** Longest text search accepted; longer input is cut, so a pasted paragraph still searches. */
export const MAX_SEARCH_CHARS = 100;

/** What the filter form shows back: the raw query-string values. */
export interface TransactionFilterValues {
  account: string;
  from: string;
  to: string;
  type: string;
  category: string;
  q: string;
}

/** A query parameter as text, trimmed; a repeated or nested parameter counts as absent (and is named, below). */
const queryText = z.preprocess((value) => (typeof value === 'string' ? displayable(value).trim() : ''), z.string());
const queryShape = z.object({ account: queryText, from: queryText, to: queryText, type: queryText, category: queryText, q: queryText });

// Each part of the filter on its own: a part that does not parse is ignored with its message, never an error page.
const isoDay = z.string().refine(isCalendarDate);
const ISO_DAY_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const transactionType = z.enum(['income', 'expense']);
const categoryChoice = z.union([z.literal('none'), idText]);

/** Parses the filter from a query string, keeping the typed values and a message for each part that was ignored. */
export function readTransactionFilter(query: unknown): { filter: TransactionFilter; values: TransactionFilterValues; errors: FieldErrors } {
  const raw: Record<string, unknown> = query !== null && typeof query === 'object' ? (query as Record<string, unknown>) : {};
  const values: TransactionFilterValues = queryShape.parse(raw);
  const errors: FieldErrors = {};
  // A part given twice (?account=1&account=3) is ignored, and said so beside its field: quietly dropped, the page
  // listed everything under a filter the address seemed to ask for. (?account[]=1 is another parameter's name to
  // Express's query parser, as unknown as ?acount=1.)
  for (const name of Object.keys(values) as (keyof TransactionFilterValues)[]) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') errors[name] = msg('transactions.filters.repeated');
  }
  const filter: { -readonly [K in keyof TransactionFilter]: TransactionFilter[K] } = {};
  /** Reads one part; a part that does not parse is left out of the filter, with its message. */
  const part = <T>(name: keyof TransactionFilterValues, schema: z.ZodType<T>, message: MessageKey, keep: (value: T) => void) => {
    if (values[name] === '') return;
    const parsed = schema.safeParse(values[name]);
    if (parsed.success) keep(parsed.data);
    else errors[name] = msg(message);
  };

  part('account', idText, 'transactions.filters.badAccount', (id) => (filter.accountId = id));
  // A day written right but not on the calendar (2026-02-30, 0001-01-01) is told so, not to write it as it is.
  const dayMessage = (name: 'from' | 'to'): MessageKey =>
    ISO_DAY_SHAPE.test(values[name]) ? (name === 'from' ? 'transactions.filters.notADayFrom' : 'transactions.filters.notADayTo') : name === 'from' ? 'transactions.filters.badFrom' : 'transactions.filters.badTo';
  part('from', isoDay, dayMessage('from'), (day) => (filter.fromOn = day));
  part('to', isoDay, dayMessage('to'), (day) => (filter.toOn = day));
  if (filter.fromOn !== undefined && filter.toOn !== undefined && filter.fromOn > filter.toOn) {
    errors.to = msg('transactions.filters.toBeforeFrom');
    delete filter.fromOn;
    delete filter.toOn;
  }
  part('type', transactionType, 'transactions.filters.badType', (type) => (filter.type = type));
  part('category', categoryChoice, 'transactions.filters.badCategory', (id) => (filter.categoryId = id));
  if (values.q !== '') {
    const chars = [...values.q];
    if (chars.length > MAX_SEARCH_CHARS) {
      errors.q = msg('transactions.filters.searchCut', { max: MAX_SEARCH_CHARS });
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
  if (filter.accountId !== undefined) params.set('account', String(filter.accountId));
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

/** A list link that keeps the filter, and the cursor after it. */
export function listUrl(filter: TransactionFilter, after?: PageCursor | null): string {
  const parts = [filterToQueryString(filter), after ? `after=${encodeURIComponent(formatCursor(after))}` : ''].filter(Boolean);
  return `/transactions${parts.length ? `?${parts.join('&')}` : ''}`;
}

/** Cursor in links is "YYYY-MM-DD.id"; a malformed one starts from the newest page. */
export function parseCursor(raw: unknown): PageCursor | null {
  return typeof raw === 'string' ? (parseCursorText(raw) ?? null) : null;
}
