import { createHash } from 'node:crypto';
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

/**
 * What an edit form was opened on, as a short text it sends back: a save whose row no longer reads so (changed in
 * another tab or on another device since) is shown again instead of silently undoing that change.
 */
export function transactionVersion(tx: Transaction): string {
  return createHash('sha256')
    .update(JSON.stringify([tx.accountId, tx.status, tx.type, tx.amountCents, tx.occurredOn, tx.description, tx.categoryId]))
    .digest('base64url')
    .slice(0, 16);
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

/**
 * Apostrophes a search treats as one: the typewriter one a keyboard types, the typographic one of most texts and bank
 * statements, the modifier letter Ukrainian orthography prescribes, and the stand-ins people type for them
 * (\u0027, \u2019, \u02BC, \u2018, the grave accent and the acute accent).
 */
export const SEARCH_APOSTROPHES = ["'", '\u2019', '\u02bc', '\u2018', '\u0060', '\u00b4'] as const;

const OTHER_APOSTROPHES = /[\u2019\u02bc\u2018\u0060\u00b4]/g;
const LATIN_WITH_MARKS = /([a-z])\p{M}+/gu;

/**
 * A text as a search compares it: case set aside in any script, accents set aside on Latin letters (the text index's
 * rule, `remove_diacritics`: "cafe" finds "CAF\u00c9"), and every apostrophe the typewriter one. Marks on other
 * scripts stay: Ukrainian \u0439 and \u0457 are letters of their own, not \u0438 and \u0456 with an accent.
 */
export function searchFold(text: string): string {
  // Greek's final sigma is a sigma (the text index folds it so).
  return text.toLowerCase().normalize('NFD').replace(LATIN_WITH_MARKS, '$1').normalize('NFC').replace(OTHER_APOSTROPHES, "'").replace(/\u03c2/g, '\u03c3');
}

/** How many characters a search is, as it is compared: three or more are looked up in the trigram index. */
export function searchLength(search: string): number {
  return [...searchFold(search)].length;
}

/**
 * Code points a short search may have to match by their fold: Latin, Greek (and its extended block), Cyrillic,
 * Armenian, Georgian, full-width Latin and the apostrophes (the 3-character path, the text index, folds them all).
 */
const FOLDABLE_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x24f],
  [0x370, 0x3ff],
  [0x400, 0x52f],
  [0x531, 0x58f],
  [0x10a0, 0x10ff],
  [0x1c90, 0x1cbf],
  [0x1e00, 0x1fff],
  [0x2018, 0x2019],
  [0x2bc, 0x2bc],
  [0x60, 0x60],
  [0xb4, 0xb4],
  [0xff21, 0xff3a],
  [0xff41, 0xff5a],
];

/** Whether a text is plain ASCII. */
export function isAsciiText(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

/**
 * A GLOB pattern true of a description holding any character that folds to plain ASCII without being it: a Latin
 * letter with an accent, or an apostrophe other than the typewriter one (as ranges, a few comparisons a character).
 * A description without one matches an ASCII search exactly when LIKE (A-Z's case aside) says so.
 */
export const FOLDS_TO_ASCII_GLOB = '*[`\u00b4\u00c0-\u024f\u02bc\u1e00-\u1eff\u2018\u2019]*';

let foldClasses: Map<string, string> | undefined;

/** For each folded character, every character that folds to it (itself included), as the inside of a GLOB class. */
function classesByFold(): Map<string, string> {
  if (foldClasses) return foldClasses;
  const members = new Map<string, string[]>();
  for (const [from, to] of FOLDABLE_RANGES) {
    for (let cp = from; cp <= to; cp++) {
      const char = String.fromCodePoint(cp);
      const folded = searchFold(char);
      if ([...folded].length !== 1 || char === folded) continue;
      members.set(folded, [...(members.get(folded) ?? [folded]), char]);
    }
  }
  // In a GLOB class "]" is literal only first, and "-" only last; neither is a letter with a fold, so none is here.
  foldClasses = new Map([...members].map(([folded, chars]) => [folded, chars.join('')]));
  return foldClasses;
}

/**
 * A short search (under three characters: no trigram to look up) as a GLOB pattern that finds its folded text in a
 * description as written, each character as the class of every character folding to it: "\u043a\u0430" becomes
 * "*[\u043a\u041a][\u0430\u0410]*". SQLite compares it natively, where folding each row's description would call into
 * JavaScript once a row (four times the cost of a two-letter search over 200,000 Ukrainian descriptions).
 */
export function searchGlob(search: string): string {
  const classes = classesByFold();
  const parts = [...searchFold(search)].map((char) => {
    const members = classes.get(char);
    if (members !== undefined) return `[${members}]`;
    // GLOB's own characters are matched literally inside a class.
    return char === '*' || char === '?' || char === '[' || char === ']' ? `[${char}]` : char;
  });
  return `*${parts.join('')}*`;
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
