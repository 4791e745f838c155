/** Transactions: the one thing people record. Types and rules only; storage lives in db/. */
import { isCalendarDate } from './calendar.ts';

export type TransactionType = 'income' | 'expense';

/** Where a row stands against the bank statement: not yet seen there, seen (cleared), or checked in a reconciliation. */
export type ClearedStatus = 'uncleared' | 'cleared' | 'reconciled';

/** A transaction as the pages see it. */
export interface Transaction {
  readonly id: number;
  readonly accountId: number;
  readonly status: ClearedStatus;
  readonly type: TransactionType;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
  readonly categoryId: number | null;
}

/** A transaction with its category's name (null when uncategorised), for lists and exports. */
export interface TransactionWithCategory extends Transaction {
  readonly categoryName: string | null;
  /** An income in an expense category: money back that reduces that category's spending (budgets, dashboard). */
  readonly refund: boolean;
}

/** What a person records, already validated: every field of a transaction but its id and cleared status. */
export interface NewTransaction {
  readonly accountId: number;
  readonly type: TransactionType;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
  readonly categoryId: number | null;
  /** An imported row's key within its account (see domain/statements.ts); none for rows typed in. */
  readonly importKey?: string | null;
}

/** A transaction as a form gives it: the account may be left to the default (the last used, or the first open one). */
export type TransactionDraft = Omit<NewTransaction, 'accountId'> & { readonly accountId: number | null };

/**
 * Which of a user's transactions a list, total or export covers; every field is optional and they combine with AND.
 * Dates are inclusive; `categoryId: 'none'` means uncategorised; `search` matches part of the description.
 */
export interface TransactionFilter {
  readonly accountId?: number;
  readonly fromOn?: string;
  readonly toOn?: string;
  readonly type?: TransactionType;
  readonly categoryId?: number | 'none';
  readonly search?: string;
}

/** Position after the last row of a page, in newest-first order (date, then id). */
export interface PageCursor {
  readonly occurredOn: string;
  readonly id: number;
}

/** One page of rows and where the next one starts (null on the last page). */
export interface Page<Row> {
  readonly rows: Row[];
  readonly next: PageCursor | null;
}

/** Income, expenses, net and row count of a filtered set, in cents. */
export interface FilteredTotals {
  readonly incomeCents: number;
  readonly expenseCents: number;
  readonly netCents: number;
  readonly count: number;
}

/** Income, expenses and balance in cents. */
export interface Totals {
  readonly incomeCents: number;
  readonly expenseCents: number;
  readonly balanceCents: number;
}

/** The schema's CHECK on description length (characters); forms and imports report it before the database refuses. */
export const MAX_DESCRIPTION_CHARS = 200;

// Tab, line feed and carriage return are allowed in a description (a pasted note); other control characters not.
const DESCRIPTION_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export type DescriptionProblem = 'too-long' | 'control-characters';

/** A description as stored: trimmed, at most MAX_DESCRIPTION_CHARS characters, without control characters. */
export function normaliseDescription(raw: string): { ok: true; text: string } | { ok: false; problem: DescriptionProblem } {
  const text = raw.trim();
  // UTF-16 length is never below the character count, so the costly count runs only for long text.
  if (text.length > MAX_DESCRIPTION_CHARS && [...text].length > MAX_DESCRIPTION_CHARS) return { ok: false, problem: 'too-long' };
  if (DESCRIPTION_CONTROL.test(text)) return { ok: false, problem: 'control-characters' };
  return { ok: true, text };
}

/** The cursor as it appears in links: "YYYY-MM-DD.id". */
export function formatCursor(cursor: PageCursor): string {
  return `${cursor.occurredOn}.${cursor.id}`;
}

/** A cursor read back from formatCursor's text, for the pages and the API alike; undefined unless a real day and an id of 1 or more. */
export function parseCursorText(text: string): PageCursor | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})\.([1-9]\d{0,15})$/.exec(text);
  if (!match || !isCalendarDate(match[1]!)) return undefined;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? { occurredOn: match[1]!, id } : undefined;
}
