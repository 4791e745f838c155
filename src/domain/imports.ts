/**
 * Statement import rules: how a CSV record becomes a transaction, what counts as a likely duplicate, and how our
 * own export is written so that it reads back exactly. Pure: the file reading lives in services/.
 */
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { dayFromParts } from './calendar.ts';
import { normaliseAccountName, type EntryType } from './accounts.ts';
import { normaliseCategoryName } from './categories.ts';
import { centsToDecimalString, currencyMarks, parseAmount, withoutCurrencyMark, type AmountParse, type AmountProblem, type DecimalSeparator } from './money.ts';
import { MAX_DESCRIPTION_CHARS, normaliseDescription, type TransactionType, type TransactionWithCategory } from './transactions.ts';

/** Field separators an import may use; comma is RFC 4180, semicolon and tab are common in European bank exports. */
export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** Date layouts an import may use. */
export const CSV_DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY', 'YYYY.MM.DD', 'YYYYMMDD', 'DD.MM.YY', 'DD-MM-YYYY', 'MM-DD-YYYY', 'YYYY/MM/DD'] as const;
export type CsvDateFormat = (typeof CSV_DATE_FORMATS)[number];

/**
 * Character encodings a CSV file may be in: UTF-8, and the two single-byte ones spreadsheets and banks still write
 * (Cyrillic and Western European). Delimiters and quotes are ASCII in all three, so a file is split into fields the
 * same way whatever its encoding, and only the fields are decoded.
 */
export const CSV_ENCODINGS = ['utf-8', 'windows-1251', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** How to read a file: which column holds what (0-based) and how dates and amounts are written. */
export interface ImportMapping {
  /** The file's encoding; UTF-8 when not given (mappings remembered before there was a choice). */
  readonly encoding?: CsvEncoding;
  /** Lines before the header (or the first row) that are not part of the table: a bank's title; none when not given. */
  readonly skipRows?: number;
  readonly delimiter: CsvDelimiter;
  readonly hasHeader: boolean;
  readonly dateColumn: number;
  readonly amountColumn: number;
  /** null: no type column, the amount's sign decides (negative is an expense). */
  readonly typeColumn: number | null;
  readonly categoryColumn: number | null;
  readonly descriptionColumn: number | null;
  /** The account each row goes into, by name; null (or an empty cell): the import's target account. */
  readonly accountColumn?: number | null;
  /** Our export's transfer reference (the two legs of a transfer share it); null: the file has no transfers. */
  readonly transferColumn?: number | null;
  /**
   * Money in, for files that write money out and money in in two columns (YNAB's Outflow and Inflow): the amount
   * column is then money out, and a row is the expense or the income of whichever of the two holds an amount.
   */
  readonly inflowColumn?: number | null;
  /**
   * The currency each row's amount is in (Firefly III's currency_code, Revolut's Currency): a row in another currency
   * than this Ledgerly's is refused, never counted as ours; an empty cell is ours.
   */
  readonly currencyColumn?: number | null;
  /**
   * The file writes spending as a positive amount and money in as a negative one, as many credit card exports do:
   * the sign's meaning is reversed. Read only where the sign decides (no type and no money-in column); not given:
   * spending is negative.
   */
  readonly spendingPositive?: boolean;
  readonly dateFormat: CsvDateFormat;
  readonly decimalSeparator: DecimalSeparator;
}

/** What to do with rows the file and the user's data disagree on. */
export interface ImportOptions {
  /** 'create' adds categories the user does not have yet; 'uncategorised' leaves those rows without one. */
  readonly unknownCategories: 'create' | 'uncategorised';
  /** Write rows that look like an existing transaction instead of skipping them. */
  readonly keepDuplicates: boolean;
  /** The account rows without an account cell go into; null: the user's first open account. */
  readonly targetAccountId?: number | null;
  /** 'create' adds accounts the account column names that the user does not have; 'refuse' lists those rows as errors. */
  readonly unknownAccounts?: 'create' | 'refuse';
}

/** Unless the user chooses otherwise: create missing categories, skip likely duplicates. */
export const DEFAULT_IMPORT_OPTIONS: ImportOptions = Object.freeze({
  unknownCategories: 'create',
  keepDuplicates: false,
  targetAccountId: null,
  unknownAccounts: 'create',
});

/** One validated row, ready to be written. */
export interface ImportRow {
  /** Line in the file where the row starts, for messages. */
  readonly line: number;
  readonly occurredOn: string;
  /** Income or expense, or one leg of a transfer (only with a transfer column). */
  readonly type: EntryType;
  readonly amountCents: number;
  readonly description: string;
  /** Category name by the category-name rule; '' means uncategorised (always, for a transfer leg). */
  readonly categoryName: string;
  /** Account name by the account-name rule; '' means the import's target account. */
  readonly accountName: string;
  /** The transfer reference pairing a leg with its other side; '' for income and expenses. */
  readonly transferRef: string;
  /**
   * An income the file calls a refund (money back on a purchase): its category is an expense category, found or made
   * by that name, even where an income category has the same name.
   */
  readonly refund?: boolean;
}

/** One thing wrong with a row; the page words it. `text` is the cell as written, cut to 40 characters. */
export type RowProblem =
  | { readonly code: 'too-few-columns'; readonly have: number; readonly need: number }
  | { readonly code: 'not-utf8'; readonly column: number }
  | {
      readonly code: 'date';
      readonly problem: 'empty' | 'format' | 'not-a-day';
      readonly text: string;
      readonly format: CsvDateFormat;
      /** Another layout the cell is a real day in ("01/13/2024" under DD/MM/YYYY fits MM/DD/YYYY), to suggest. */
      readonly fits?: CsvDateFormat;
    }
  | { readonly code: 'amount'; readonly problem: AmountProblem; readonly text: string; readonly decimal: DecimalSeparator }
  | { readonly code: 'type'; readonly text: string }
  /** Money out and money in both hold an amount on one row (files with the two columns). */
  | { readonly code: 'two-amounts'; readonly out: string; readonly in: string }
  | { readonly code: 'negative-income'; readonly text: string }
  | { readonly code: 'description'; readonly problem: 'too-long' | 'control-characters' }
  | { readonly code: 'category'; readonly problem: 'too-long' | 'control-characters' | 'invisible' }
  /** The row names a category to make, and the person has as many as one may keep (domain/limits.ts). */
  | { readonly code: 'category-limit'; readonly text: string; readonly max: number }
  | { readonly code: 'account'; readonly problem: 'too-long' | 'control-characters' | 'invisible' | 'unknown' | 'archived'; readonly text: string }
  /** The row names an account to make, and the person has as many as one may keep. */
  | { readonly code: 'account-limit'; readonly text: string; readonly max: number }
  | { readonly code: 'transfer'; readonly problem: 'no-reference' | 'unpaired'; readonly text: string }
  /** The row's amount is in another currency (its currency column, or a code or sign in the amount cell). */
  | { readonly code: 'currency'; readonly theirs: string; readonly ours: string };

/** A row that will not be imported, with the line it starts on. */
export interface RowError {
  readonly line: number;
  readonly problems: readonly RowProblem[];
}

/** Outcome of checking one record against the mapping. */
export type RowCheck = { ok: true; row: ImportRow } | { ok: false; problems: RowProblem[] };

/** Per-row errors kept in full; beyond this only the count grows, so a garbage file cannot eat memory. */
export const MAX_REPORTED_ERRORS = 1000;

/**
 * Why a file cannot be read as CSV at all, in words the pages can translate: a quotation mark that opens a field and
 * is never closed (the parser then reaches the end of the file inside it), binary data (a PDF or a spreadsheet), or
 * anything else the parser stops at, with the line it had reached.
 */
export type CsvFileProblem =
  | { readonly kind: 'unclosed-quote' }
  /** `format`: what the file is, when its signature says (mistakenFormatOf); otherwise binary data of some kind. */
  | { readonly kind: 'binary'; readonly format?: MistakenFormat }
  | { readonly kind: 'utf16' }
  /** JSON, not CSV: Ledgerly's own data export (a record, not a file to import), or another program's. */
  | { readonly kind: 'ledgerly-json' }
  | { readonly kind: 'json' }
  | { readonly kind: 'unreadable'; readonly line: number | null };

/** File signatures of formats people download instead of CSV: PDF, ZIP (xlsx, ods), OLE (xls), gzip. */
const BINARY_SIGNATURES = [[0x25, 0x50, 0x44, 0x46], [0x50, 0x4b, 0x03, 0x04], [0xd0, 0xcf, 0x11, 0xe0], [0x1f, 0x8b]];

/**
 * What people download instead of a CSV file or a statement, by its first bytes: a PDF statement, a spreadsheet
 * (xlsx and ods are ZIP archives of XML), an Excel workbook of before 2007 (xls, an OLE compound file), or another
 * ZIP archive (a statement or a CSV file zipped, as some banks send them).
 */
export type MistakenFormat = 'pdf' | 'spreadsheet' | 'old-excel' | 'zip';

// The parts an office document's archive begins with: Office Open XML's (xlsx) and OpenDocument's (ods).
const OFFICE_PART = /^(\[Content_Types\]\.xml|mimetype|xl\/|docProps\/|_rels\/|META-INF\/)/;

/** The format a file's signature names, of those people upload by mistake, or undefined (text, or unknown binary). */
export function mistakenFormatOf(head: Uint8Array): MistakenFormat | undefined {
  const starts = (signature: readonly number[]) => signature.every((byte, i) => head[i] === byte);
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf';
  if (starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'old-excel';
  if (!starts([0x50, 0x4b, 0x03, 0x04])) return undefined;
  // The first entry's name: its length at bytes 26-27 (little-endian), the name from byte 30.
  const nameLength = head.length >= 30 ? head[26]! | (head[27]! << 8) : 0;
  const name = Buffer.from(head.subarray(30, 30 + nameLength)).toString('latin1');
  return name === '' || OFFICE_PART.test(name) ? 'spreadsheet' : 'zip';
}

/**
 * Whether the start of a file is binary rather than text: a known signature (a PDF statement, a spreadsheet), or a
 * NUL byte, which no text file in UTF-8 or a single-byte encoding holds. UTF-16 text holds them too: see looksUtf16.
 */
export function looksBinary(head: Uint8Array): boolean {
  if (BINARY_SIGNATURES.some((signature) => signature.every((byte, i) => head[i] === byte))) return true;
  return head.includes(0);
}

/**
 * Whether the start of a file is UTF-16 text (Excel's "Unicode Text" is): its byte-order mark, or, without one, a NUL
 * beside nearly every ASCII character of the first line.
 */
export function looksUtf16(head: Uint8Array): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return true;
  const pairs = Math.min(64, Math.floor(head.length / 2));
  if (pairs < 4) return false;
  let zeroHigh = 0;
  let zeroLow = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i + 1] === 0 && head[2 * i] !== 0) zeroHigh++;
    if (head[2 * i] === 0 && head[2 * i + 1] !== 0) zeroLow++;
  }
  return Math.max(zeroHigh, zeroLow) >= pairs * 0.9;
}

/**
 * Whether the start of a file is JSON: Ledgerly's own data export (its first key names the format), any other JSON
 * object or array, or neither. A byte-order mark and white space before it are allowed.
 */
export function looksJson(head: Uint8Array): 'ledgerly-json' | 'json' | undefined {
  const text = Buffer.from(head.subarray(0, 256)).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart();
  if (text.startsWith('{"format":"ledgerly-data-export"')) return 'ledgerly-json';
  return /^[[{]\s*["{[\]}]/.test(text) ? 'json' : undefined;
}

/** A problem as a failed job keeps it ("unclosed-quote", "unreadable:12"). */
export function csvFileProblemDetail(problem: CsvFileProblem): string {
  return problem.kind === 'unreadable' ? `unreadable:${problem.line ?? ''}` : problem.kind;
}

/** The problem a failed job kept, or undefined for a detail kept before problems had names (the parser's own words). */
export function csvFileProblemOf(detail: string): CsvFileProblem | undefined {
  if (detail === 'unclosed-quote' || detail === 'binary' || detail === 'utf16' || detail === 'ledgerly-json' || detail === 'json') return { kind: detail };
  const unreadable = /^unreadable:(\d*)$/.exec(detail);
  if (!unreadable) return undefined;
  return { kind: 'unreadable', line: unreadable[1] === '' ? null : Number(unreadable[1]) };
}

/** What an import did. */
/** How many rows of a kind, and their sum. */
export interface KindTotal {
  readonly count: number;
  readonly cents: number;
}

/** What an import wrote, by kind (transfers are none of them): a file read the wrong way round shows at once. */
export interface ImportedKinds {
  readonly incomes: KindTotal;
  readonly expenses: KindTotal;
  /** Incomes in an expense category. */
  readonly refunds: KindTotal;
}

export interface ImportResult {
  readonly rowsRead: number;
  readonly imported: number;
  readonly errors: RowError[];
  readonly errorCount: number;
  readonly duplicateLines: number[];
  readonly duplicatesKept: boolean;
  readonly createdCategories: { kind: TransactionType; name: string }[];
  /** Accounts the account column named that the user did not have (older results have none). */
  readonly createdAccounts?: string[];
  /**
   * Lines that matched a scheduled occurrence: `posted` ones were already in (their schedule had posted them) and
   * were not imported again; `recorded` ones were imported as the occurrence they match (older results have none).
   */
  readonly scheduleMatches?: { readonly posted: number[]; readonly recorded: number[] };
  /** The day of the newest row imported (older results have none): the dashboard opens on its month. */
  readonly newestOn?: string | null;
  /** A statement's entries the account held already (by bank id or fingerprint), left out. */
  readonly alreadyImported?: number;
  /** Rows the person's rules turned into transfers with another account (counted in `imported`). */
  readonly ruledTransfers?: number;
  /**
   * Lines a rule made a transfer that was already recorded from the other account's side (its file, or by hand): they
   * were matched to its leg here, not written again (older results have none).
   */
  readonly transferSides?: number[];
  /** The incomes, expenses and refunds written (older results have none). */
  readonly kinds?: ImportedKinds;
  /**
   * The ids of the transactions the import wrote, first to last (older results have none, and cannot be undone): the
   * import was one write transaction, so every id between is its own.
   */
  readonly rows?: { readonly fromId: number; readonly toId: number };
  /** When the import was undone, and how many transactions that removed. */
  readonly undone?: { readonly at: number; readonly removed: number };
  /** A bank statement's import (OFX, QFX, QIF, CAMT.053): where it went, and its closing balance beside the account's. */
  readonly statement?: {
    readonly format: string;
    readonly account: string | null;
    readonly accountId: number;
    readonly accountName: string;
    /** Whether this import is where the statement account was first remembered. */
    readonly remembered: boolean;
    readonly balance: { readonly statementCents: number; readonly ledgerCents: number; readonly on: string } | null;
  };
}

/**
 * A parsed CSV cell: text when the whole file is known to be valid UTF-8 (the fast path), otherwise the raw bytes,
 * so that a row with bytes that are not UTF-8 can be reported on its own instead of silently turned into "�".
 */
export type CsvField = string | Buffer;

// Bank files name the type in the bank's language: English, and Ukrainian for the households Ledgerly also speaks to.
const TYPE_WORDS: Readonly<Record<string, TransactionType>> = {
  income: 'income',
  credit: 'income',
  // Firefly III's and other trackers' words for the two kinds.
  deposit: 'income',
  withdrawal: 'expense',
  // ING (Dutch): "Af" is money out, "Bij" money in.
  af: 'expense',
  bij: 'income',
  // Banks' debit and credit marks beside unsigned amounts: DR and CR (British and Commonwealth banks), D and C, and
  // the Ukrainian debet and kredyt. Read only in a column chosen or named as the type (see COLUMN_GUESSES).
  dr: 'expense',
  cr: 'income',
  d: 'expense',
  c: 'income',
  'дебет': 'expense',
  'кредит': 'income',
  'дохід': 'income',
  'доходи': 'income',
  'надходження': 'income',
  'зарахування': 'income',
  expense: 'expense',
  debit: 'expense',
  'витрата': 'expense',
  'витрати': 'expense',
  'списання': 'expense',
};

// An income in an expense category, as our own export writes it: without the word, a refund in a category the
// importing person does not have yet came back as income in a new income category of that name.
const REFUND_WORDS: ReadonlySet<string> = new Set(['refund', 'повернення']);

// A time may follow the day, as trackers and banks export it: "2021-01-01T08:15:14+02:00" (Firefly III),
// "2025-12-31 09:46:48" (ezBookkeeping), "31.12.2025 23:59:59" (Monobank), "1/2/2024 3:45 PM". The day is taken as
// the file writes it: that is the day the person saw in the app or bank that wrote it.
const TIME = '(?:[T ]\\d{1,2}:\\d{2}(?::\\d{2}(?:[.,]\\d{1,9})?)?(?: ?[AaPp][Mm])?(?: ?(?:Z|UTC|GMT|[+-]\\d{2}(?::?\\d{2})?))?)?';
const layout = (day: string) => new RegExp(`^${day}${TIME}$`);
const DATE_LAYOUTS: Record<CsvDateFormat, { pattern: RegExp; order: 'ymd' | 'dmy' | 'mdy' }> = {
  'YYYY-MM-DD': { pattern: layout('(\\d{4})-(\\d{1,2})-(\\d{1,2})'), order: 'ymd' },
  'DD/MM/YYYY': { pattern: layout('(\\d{1,2})/(\\d{1,2})/(\\d{4})'), order: 'dmy' },
  'MM/DD/YYYY': { pattern: layout('(\\d{1,2})/(\\d{1,2})/(\\d{4})'), order: 'mdy' },
  'DD.MM.YYYY': { pattern: layout('(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})'), order: 'dmy' },
  'YYYY.MM.DD': { pattern: layout('(\\d{4})\\.(\\d{1,2})\\.(\\d{1,2})'), order: 'ymd' },
  // ING's Dutch export: "20260302".
  YYYYMMDD: { pattern: layout('(\\d{4})(\\d{2})(\\d{2})'), order: 'ymd' },
  // German savings banks' CSV: "02.03.26". The century is read as POSIX reads %y: 00-68 are 2000-2068, 69-99 1969-1999.
  'DD.MM.YY': { pattern: layout('(\\d{1,2})\\.(\\d{1,2})\\.(\\d{2})'), order: 'dmy' },
  // Wise's export: "31-12-2025"; and "2025/12/31", as Japanese and Chinese banks write it.
  'DD-MM-YYYY': { pattern: layout('(\\d{1,2})-(\\d{1,2})-(\\d{4})'), order: 'dmy' },
  // The same with the month first, as a US file writes it with hyphens ("12-31-2025"): guessed as slashes are.
  'MM-DD-YYYY': { pattern: layout('(\\d{1,2})-(\\d{1,2})-(\\d{4})'), order: 'mdy' },
  'YYYY/MM/DD': { pattern: layout('(\\d{4})/(\\d{1,2})/(\\d{1,2})'), order: 'ymd' },
};

/** The full year a two-digit one stands for, as POSIX strptime's %y reads it. */
function fullYear(year: number, digits: number): number {
  if (digits > 2) return year;
  return year <= 68 ? 2000 + year : 1900 + year;
}

/** Cuts a cell to 40 characters for a message. */
function shortCell(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Another layout in which a cell the chosen one cannot read is a real day, if there is one. */
export function otherFittingDateFormat(input: string, format: CsvDateFormat): CsvDateFormat | undefined {
  return CSV_DATE_FORMATS.find((other) => other !== format && parseCsvDate(input, other).ok);
}

/** Reads a date cell in the chosen layout (one- or two-digit day and month, a time after it ignored) into a real YYYY-MM-DD day. */
export function parseCsvDate(
  input: string,
  format: CsvDateFormat,
): { ok: true; day: string } | { ok: false; problem: 'empty' | 'format' | 'not-a-day' } {
  const text = input.trim();
  if (text === '') return { ok: false, problem: 'empty' };
  const layout = DATE_LAYOUTS[format];
  const match = layout.pattern.exec(text);
  if (!match) return { ok: false, problem: 'format' };
  const [a, b, c] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const [year, month, day] = layout.order === 'ymd' ? [a, b, c] : layout.order === 'dmy' ? [c, b, a] : [c, a, b];
  const yearDigits = (layout.order === 'ymd' ? match[1] : match[3])!.length;
  const iso = dayFromParts(fullYear(year, yearDigits), month, day);
  return iso === undefined ? { ok: false, problem: 'not-a-day' } : { ok: true, day: iso };
}

// Layouts in the order a tie goes: ISO first, and day before month (the more common way) when a file's days never
// pass 12 and so fit both.
const GUESS_ORDER: readonly CsvDateFormat[] = ['YYYY-MM-DD', 'DD.MM.YYYY', 'YYYY.MM.DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD', 'DD.MM.YY', 'DD-MM-YYYY', 'MM-DD-YYYY', 'YYYY/MM/DD'];

/** The guessing order for a person whose own dates are written month first: MM/DD/YYYY before DD/MM/YYYY. */
const MONTH_FIRST_SWAPS: Partial<Record<CsvDateFormat, CsvDateFormat>> = { 'DD/MM/YYYY': 'MM/DD/YYYY', 'MM/DD/YYYY': 'DD/MM/YYYY', 'DD-MM-YYYY': 'MM-DD-YYYY', 'MM-DD-YYYY': 'DD-MM-YYYY' };
const GUESS_ORDER_MONTH_FIRST: readonly CsvDateFormat[] = GUESS_ORDER.map((f) => MONTH_FIRST_SWAPS[f] ?? f);

/**
 * Guesses the layout from sample date cells: the one that reads the most of them as real days (a footer line or a
 * stray cell does not sway it), ties going to ISO, then to the order the person's own locale writes (`monthFirst`:
 * a US bank's file whose days are all the 12th or earlier reads 12/05 as December 5 for an en-US person, not May 12).
 * "01/13/2024" is read only month first, so one such day among a thousand makes a file MM/DD/YYYY.
 */
export function guessCsvDateFormat(samples: readonly string[], monthFirst = false): CsvDateFormat {
  const cells = samples.map((s) => s.trim()).filter((s) => s !== '');
  let best: CsvDateFormat = 'YYYY-MM-DD';
  let bestCount = 0;
  for (const format of monthFirst ? GUESS_ORDER_MONTH_FIRST : GUESS_ORDER) {
    let count = 0;
    for (const cell of cells) if (parseCsvDate(cell, format).ok) count++;
    if (count > bestCount) [best, bestCount] = [format, count];
  }
  return best;
}

/**
 * Whether a column guessed as the type by its name holds type words (income, expense, refund, and their kin) in at
 * least half of its sample cells. Revolut's "Type" says CARD_PAYMENT or TOPUP: taken as the type, it refused every
 * row, where the amount's sign would have read them all.
 */
export function holdsTypeWords(samples: readonly string[]): boolean {
  const cells = samples.map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (cells.length === 0) return true;
  const known = cells.filter((c) => Object.hasOwn(TYPE_WORDS, c) || REFUND_WORDS.has(c) || c === 'transfer_in' || c === 'transfer_out').length;
  return known * 2 >= cells.length;
}

/**
 * Whether a file's text (read byte for byte as Latin-1) is blank: a UTF-8 byte-order mark at most, then only white
 * space and the separators a spreadsheet writes for empty cells.
 */
export function isBlankText(latin1: string): boolean {
  return /^(?:\u00ef\u00bb\u00bf)?[\s,;\t"]*$/.test(latin1);
}

/**
 * Guesses the decimal separator from sample amount cells: the one that reads more of them as amounts (the currency's
 * marks set aside), `fallback` on a tie (whole numbers read either way). A semicolon file is most often from a
 * country that writes a decimal comma, but not always: one with "-12.50" in it had every row refused.
 */
export function guessDecimalSeparator(samples: readonly string[], fallback: DecimalSeparator, currency?: string): DecimalSeparator {
  const marks = currency === undefined ? [] : currencyMarks(currency);
  const reads = (decimal: DecimalSeparator) => {
    let count = 0;
    for (const cell of samples) {
      const text = marks.length === 0 ? cell : withoutCurrencyMark(cell, marks);
      if (parseAmount(text, { decimal, sign: 'signed', accountingNegatives: true }).ok) count++;
    }
    return count;
  };
  const dot = reads('dot');
  const comma = reads('comma');
  return dot === comma ? fallback : dot > comma ? 'dot' : 'comma';
}

/**
 * Spreadsheet formula injection guard, shared by export and import so a round trip is exact. On export, a cell
 * that starts with zero or more single quotes followed by one of `=`, `+`, `-`, `@`, tab or carriage return gets
 * one extra single quote in front; on import, a cell that starts with one or more single quotes followed by one of
 * those loses exactly one. Every other cell passes through untouched both ways, so `'Tis the season` from another
 * app keeps its quote, and our own export of `'=x` (written as `''=x`) comes back as `'=x`, not `=x`.
 */
const NEEDS_GUARD = /^'*[=+\-@\t\r]/;
const GUARDED = /^'+[=+\-@\t\r]/;

/** The cell as it should be written to a CSV file a spreadsheet may open: formula triggers get a leading quote. */
export function neutraliseCsvCell(value: string): string {
  return NEEDS_GUARD.test(value) ? `'${value}` : value;
}

/** Undoes neutraliseCsvCell exactly: drops the one quote it would have added, leaves everything else alone. */
export function restoreCsvCell(value: string): string {
  return GUARDED.test(value) ? value.slice(1) : value;
}

/** Guesses the field separator from the first line: whichever of comma, semicolon and tab occurs most outside quotes. */
export function sniffCsvDelimiter(firstLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as CsvDelimiter)) counts.set(ch as CsvDelimiter, (counts.get(ch as CsvDelimiter) ?? 0) + 1);
  }
  let best: CsvDelimiter = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** Lines a file may have above its table, at most. */
export const MAX_SKIP_ROWS = 10;

/**
 * The delimiter and the lines above the table, from a file's first lines: the delimiter (of `delimiters`) that gives
 * the longest run of consecutive lines the same number of fields, two or more (a tie: more fields), and the lines
 * before that run holding under half as many fields are above the table. A bank's title line ("Виписка з Ваших карток за період ...") above a semicolon table
 * is then skipped, not read as a header of one column; decimal commas inside a semicolon table make only short runs
 * of commas. Lines that agree on nothing fall back to the first line's delimiter and no skip.
 */
export function sniffCsvLayout(lines: readonly string[], delimiters: readonly CsvDelimiter[] = CSV_DELIMITERS): { delimiter: CsvDelimiter; skipRows: number } {
  const fieldsIn = (line: string, delimiter: CsvDelimiter) => {
    let count = 1;
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === delimiter) count++;
    }
    return count;
  };
  let best: { delimiter: CsvDelimiter; start: number; length: number; fields: number } | undefined;
  for (const delimiter of delimiters) {
    const counts = lines.map((line) => fieldsIn(line, delimiter));
    for (let start = 0; start < counts.length; ) {
      let end = start + 1;
      while (end < counts.length && counts[end] === counts[start]) end++;
      const fields = counts[start]!;
      const length = end - start;
      if (fields >= 2 && (!best || length > best.length || (length === best.length && fields > best.fields))) best = { delimiter, start, length, fields };
      start = end;
    }
  }
  if (!best || best.length < 2) {
    const delimiter = delimiters.length === 1 ? delimiters[0]! : sniffCsvDelimiter(lines[0] ?? '');
    return { delimiter, skipRows: 0 };
  }
  // Lines above the table hold under half its fields (a title holds none): a header with a column more or fewer
  // than its rows is still the header.
  const table = best;
  let skipRows = 0;
  while (skipRows < Math.min(table.start, MAX_SKIP_ROWS) && fieldsIn(lines[skipRows]!, table.delimiter) * 2 < table.fields) skipRows++;
  return { delimiter: table.delimiter, skipRows };
}

/** The export's header row; the import recognises these names when it guesses a mapping. */
export const CSV_EXPORT_COLUMNS = ['date', 'type', 'category', 'amount', 'description', 'account', 'transfer', 'scheduled'] as const;

/** The mapping for files written by our own export: comma, header, ISO dates, dot decimals, all five columns. */
export const LEDGERLY_EXPORT_MAPPING: ImportMapping = Object.freeze({
  delimiter: ',',
  hasHeader: true,
  dateColumn: 0,
  typeColumn: 1,
  categoryColumn: 2,
  amountColumn: 3,
  descriptionColumn: 4,
  // Exports before accounts had five columns; today's name the account and the transfer in two more, which the
  // header guess finds (guessColumns).
  accountColumn: null,
  transferColumn: null,
  inflowColumn: null,
  currencyColumn: null,
  dateFormat: 'YYYY-MM-DD',
  decimalSeparator: 'dot',
  encoding: 'utf-8',
  skipRows: 0,
});

type MappedColumn = 'dateColumn' | 'amountColumn' | 'typeColumn' | 'categoryColumn' | 'descriptionColumn' | 'accountColumn' | 'transferColumn' | 'inflowColumn' | 'currencyColumn';

// A column of amounts, by its name.
const AMOUNT_NAME = new RegExp(
  'amount|betrag|bedrag|value|sum|montant|importe|\u0441\u0443\u043c\u0430|^\\s*(outflow|money out|paid out|debit|debits|' +
    '\u0432\u0438\u0442\u0440\u0430\u0442\u0430|\u0432\u0438\u0442\u0440\u0430\u0442\u0438|\u0441\u043f\u0438\u0441\u0430\u043d\u043d\u044f)\\s*$',
  'i',
);

// Built from strings, not regex literals: esbuild escapes non-ASCII in strings only, and one non-ASCII character
// makes V8 keep the whole bundle's source as two bytes a character (1.8 MB instead of 0.9 MB, for the process's life).
const COLUMN_GUESSES: { key: MappedColumn; pattern: RegExp }[] = [
  // A booking day before a value day: Sparkasse's Buchungstag comes before its Valutadatum.
  { key: 'dateColumn', pattern: new RegExp('date|buchungstag|datum|day|fecha|дата', 'i') },
  // Money in, guessed first so "Inflow" is not taken for the amount; money out is then the amount (YNAB).
  // Banks' Debit and Credit columns (in Ukrainian: Vytrata and Nadkhodzhennia) are the same pair.
  { key: 'inflowColumn', pattern: new RegExp('^\\s*(inflow|money in|paid in|credit|credits|надходження|зарахування)\\s*$', 'i') },
  { key: 'amountColumn', pattern: AMOUNT_NAME },
  // ING's "Af Bij" says which way an unsigned amount goes, as a type column does.
  { key: 'typeColumn', pattern: new RegExp('^\\s*(type|kind|тип|af bij|af/bij|transaction type|dr/cr|cr/dr|d/c|c/d|debit/credit|credit/debit|дебет/кредит)\\s*$', 'i') },
  { key: 'categoryColumn', pattern: new RegExp('categor|kategorie|категор', 'i') },
  { key: 'descriptionColumn', pattern: new RegExp('descr|memo|payee|details|note|text|narrat|omschrijving|verwendungszweck|опис|призначення|деталі', 'i') },
  { key: 'accountColumn', pattern: new RegExp('^\\s*(account|рахунок)\\s*$', 'i') },
  { key: 'transferColumn', pattern: new RegExp('^\\s*(transfer|переказ)\\s*$', 'i') },
];

// A column naming the currency of an amount, and nothing else: Firefly III's currency_code, Revolut's Currency,
// ezBookkeeping's Account Currency (the account's, which its amounts are in), a German bank's Waehrung, and the
// Ukrainian banks' Valiuta, Kod valiuty and Valiuta kartky / rakhunku / operatsii / tranzaktsii (of the card, the
// account, the operation, the transaction). The currency of a balance ("Valiuta zalyshku") is no amount's.
const CURRENCY_NAME = new RegExp(
  '^\\s*((account[ _])?(currency|currency[ _]code|ccy)|w(\u00e4|ae)hrung|(\u043a\u043e\u0434\\s+)?\u0432\u0430\u043b\u044e\u0442[\u0430\u0438]' +
    '(\\s+(\u043a\u0430\u0440\u0442\u043a\u0438|\u0440\u0430\u0445\u0443\u043d\u043a\u0443|\u043e\u043f\u0435\u0440\u0430\u0446\u0456\u0457|\u0442\u0440\u0430\u043d\u0437\u0430\u043a\u0446\u0456\u0457))?)\\s*$',
  'i',
);
// Which side of a card payment abroad a Ukrainian bank's column is on: the card's own money (kartky, rakhunku) or the
// operation's (operatsii, tranzaktsii), as in "Suma v valiuti kartky" beside "Suma v valiuti operatsii".
const CARD_SIDE = new RegExp('\u043a\u0430\u0440\u0442\u043a\u0438|\u0440\u0430\u0445\u0443\u043d\u043a\u0443', 'i');
const OPERATION_SIDE = new RegExp('\u043e\u043f\u0435\u0440\u0430\u0446\u0456\u0457|\u0442\u0440\u0430\u043d\u0437\u0430\u043a\u0446\u0456\u0457', 'i');

/** The side of a payment a column's name says it is on (see CARD_SIDE), or undefined when it says none. */
function sideOf(name: string): 'card' | 'operation' | undefined {
  return CARD_SIDE.test(name) ? 'card' : OPERATION_SIDE.test(name) ? 'operation' : undefined;
}

/**
 * The column holding the currency of the amount column, from the header: none when the amount's own name says its
 * currency (Monobank's "Suma v valiuti kartky (UAH)"), else the currency column on the amount's side (the card's
 * currency beside the card's amount, never the operation's), else one named for no side, unless the file has an
 * amount on the other side it could belong to (Monobank's plain "Valiuta" is the operation's). A card's amount read
 * with the operation's currency would refuse a hotel paid in euros from a hryvnia card, or take dollars as ours.
 */
function guessCurrencyColumn(header: readonly string[], amountColumn: number, taken: (i: number) => boolean): number | null {
  const amountName = header[amountColumn] ?? '';
  if (currencyInName(amountName) !== undefined) return null;
  const candidates = header.flatMap((name, i) => (!taken(i) && CURRENCY_NAME.test(name) ? [i] : []));
  const side = sideOf(amountName);
  const sameSide = side === undefined ? [] : candidates.filter((i) => sideOf(header[i]!) === side);
  if (sameSide.length > 0) return sameSide[0]!;
  const unnamed = candidates.filter((i) => sideOf(header[i]!) === undefined);
  const otherSide = side !== undefined && header.some((name, i) => i !== amountColumn && AMOUNT_NAME.test(name) && sideOf(name) !== undefined && sideOf(name) !== side);
  return unnamed.length > 0 && !otherSide ? unnamed[0]! : null;
}

/** Whether a cell is a day in one of the layouts an import reads. */
function isDayCell(cell: string): boolean {
  return CSV_DATE_FORMATS.some((format) => parseCsvDate(cell, format).ok);
}

// An amount as banks write one: a sign or parentheses, a currency mark, digits grouped by a point, comma or space.
const AMOUNT_CELL = new RegExp('^\\(?[-+\u2212]?\\s*[^\\d\\s]{0,3}\\s*\\d[\\d.,\\s\\u00a0\\u202f]*\\)?-?\\s*[^\\d\\s]{0,3}$');

// An amount with cents or a sign: "-12.50", "(100.00)", "1 234,56", "+5".
const MONEY_LOOK = new RegExp('[.,]\\d{2}\\)?-?\\s*[^\\d\\s]{0,3}$|^\\(?[-+\u2212]');

/**
 * Whether a file's first record is a row of transactions, not column names: one cell is a day in a layout the import
 * reads and another is an amount. Column names never are; a bank's export without a header row (Wells Fargo's) lost
 * its first transaction to a header assumed there.
 */
export function looksLikeDataRow(cells: readonly string[]): boolean {
  const day = cells.findIndex((c) => isDayCell(c.trim()));
  return day !== -1 && cells.some((c, i) => i !== day && AMOUNT_CELL.test(c.trim()));
}

/**
 * Columns guessed from what the rows hold, for a file without column names: the day is the column most often read
 * as a day, the amount the first other column holding amounts in most rows, the description the remaining column
 * with the longest text. Nothing else is guessed.
 */
export function guessColumnsByContent(rows: readonly (readonly string[])[]): Pick<ImportMapping, MappedColumn> {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const share = (test: (cell: string) => boolean, column: number) => rows.filter((r) => test((r[column] ?? '').trim())).length / Math.max(1, rows.length);
  const columns = Array.from({ length: width }, (_, i) => i);
  const dateColumn = columns.reduce((best, i) => (share(isDayCell, i) > share(isDayCell, best) ? i : best), 0);
  // Amounts, not a second date (a value date) nor a whole number such as a cheque's: written with cents or a sign.
  const numbers = columns.filter((i) => i !== dateColumn && share((c) => AMOUNT_CELL.test(c), i) >= 0.5 && share(isDayCell, i) < 0.5);
  const money = numbers.filter((i) => share((c) => MONEY_LOOK.test(c), i) >= 0.5);
  const amountColumn = money[0] ?? numbers[0] ?? (dateColumn === 0 ? 1 : 0);
  const textLength = (i: number) => rows.reduce((sum, r) => sum + (AMOUNT_CELL.test((r[i] ?? '').trim()) ? 0 : (r[i] ?? '').trim().length), 0);
  const rest = columns.filter((i) => i !== dateColumn && i !== amountColumn && textLength(i) > 0);
  const descriptionColumn = rest.length === 0 ? null : rest.reduce((best, i) => (textLength(i) > textLength(best) ? i : best));
  return { dateColumn, amountColumn, typeColumn: null, categoryColumn: null, descriptionColumn, accountColumn: null, transferColumn: null, inflowColumn: null, currencyColumn: null };
}

const DESCRIPTION_NAME = new RegExp('^\\s*(description|\u043e\u043f\u0438\u0441)\\s*$', 'i');
const OUTFLOW_NAME = new RegExp('^\\s*(outflow|money out|paid out|debit|debits|\u0432\u0438\u0442\u0440\u0430\u0442\u0430|\u0432\u0438\u0442\u0440\u0430\u0442\u0438|\u0441\u043f\u0438\u0441\u0430\u043d\u043d\u044f)\\s*$', 'i');

/** Whether the pattern matches the whole name ("Date", not "updated_at"). */
function isWholeMatch(pattern: RegExp, name: string): boolean {
  const trimmed = name.trim();
  const match = pattern.exec(trimmed);
  return match !== null && match.index === 0 && match[0].length === trimmed.length;
}

const CURRENCY_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/**
 * The currency a column's name says its amounts are in, when it is not ours: "Сума в валюті картки (UAH)" in a
 * Ledgerly counting dollars. A name without a currency code says nothing.
 */
export function otherCurrencyInName(name: string, ours: string): string | undefined {
  const named = currencyInName(name);
  return named !== undefined && named !== ours.toUpperCase() ? named : undefined;
}

/** The currency code a column's name gives, ours or not ("Amount (EUR)"), or undefined. */
function currencyInName(name: string): string | undefined {
  // A code as files write one, in capitals, in brackets or last: "Amount (UAH)", "Suma UAH"; "ALL AMOUNTS" names no
  // Albanian lek.
  const code = /\(([A-Z]{3})\)|\b([A-Z]{3})\s*$/.exec(name.trim());
  const named = code?.[1] ?? code?.[2];
  return named !== undefined && CURRENCY_CODES.has(named) ? named : undefined;
}

/** Whether a currency cell names ours: its ISO code in any case, or one of the marks we read in amounts (₴, грн). */
function isOurCurrency(cell: string, ours: string, marks: readonly string[]): boolean {
  const text = cell.trim();
  return text.toUpperCase() === ours.toUpperCase() || marks.some((m) => m.toLowerCase() === text.toLowerCase());
}

// The signs of the currencies files most often hold, for saying which one an amount cell is in. Built from
// strings for the reason COLUMN_GUESSES are.
// Only signs that belong to one currency: "$" (dollars of a dozen countries, a Canadian bank's own) and "\u00a5" (yen
// and yuan) would name the wrong one, so a cell holding them keeps the plain "not a number" reason.
const CURRENCY_SIGNS: readonly [string, string][] = [['\u20ac', 'EUR'], ['\u00a3', 'GBP'], ['\u20b4', 'UAH'], ['z\u0142', 'PLN'], ['\u20bd', 'RUB'], ['\u20b8', 'KZT']];

/**
 * The currency an amount cell that did not read is written in, when it is not ours: a code beside the number
 * ("-12.50 USD", "USD 12.50") or a sign ("€12.50"). Our own code and signs are taken off before reading, so they are
 * never the reason.
 */
export function otherCurrencyInAmount(cell: string, ours: string): string | undefined {
  const code = /(?:^|[\s\d(+-])([A-Z]{3})(?=$|[\s\d)])/.exec(cell.trim())?.[1];
  if (code !== undefined && CURRENCY_CODES.has(code) && code !== ours.toUpperCase()) return code;
  const ourMarks = new Set(currencyMarks(ours));
  for (const [sign, named] of CURRENCY_SIGNS) if (named !== ours.toUpperCase() && !ourMarks.has(sign) && cell.includes(sign)) return named;
  return undefined;
}

// When a row was created or changed in the app that wrote the file, not when the money moved.
const RECORD_STAMP = /created|updated|modified|changed|imported/i;
// The kind of booking (a German bank's "Buchungstext": Lastschrift, Gutschrift), not what the money was for.
const BOOKING_KIND = /^\s*buchungstext\s*$/i;

/** A first guess at which column is which, from header names (or the export's order when there is no header). */
export function guessColumns(header: readonly string[] | null): Pick<ImportMapping, MappedColumn> {
  if (header === null) {
    // Without names, the export's first five columns: older exports have no account or transfer column.
    const { dateColumn, typeColumn, categoryColumn, amountColumn, descriptionColumn } = LEDGERLY_EXPORT_MAPPING;
    return { dateColumn, typeColumn, categoryColumn, amountColumn, descriptionColumn, accountColumn: null, transferColumn: null, inflowColumn: null, currencyColumn: null };
  }
  const found: Partial<Record<MappedColumn, number>> = {};
  const free = (i: number) => !Object.values(found).includes(i);
  for (const { key, pattern } of COLUMN_GUESSES) {
    // A column named just "date" beats one that merely contains it (Firefly III's export has created_at and
    // updated_at before its date), and a record's own time stamps are never the transaction's day. A column named
    // "Description" is the description before a note or memo beside it (Monzo's "Notes and #tags", Wise's "Note").
    const named = key === 'descriptionColumn' ? header.findIndex((name, i) => free(i) && DESCRIPTION_NAME.test(name)) : -1;
    const whole = named !== -1 ? named : header.findIndex((name, i) => free(i) && isWholeMatch(pattern, name));
    const index =
      whole !== -1
        ? whole
        : header.findIndex((name, i) => free(i) && pattern.test(name) && !(key === 'dateColumn' && RECORD_STAMP.test(name)) && !(key === 'descriptionColumn' && BOOKING_KIND.test(name)));
    if (index !== -1) found[key] = index;
  }
  // A file with a signed Amount beside its own Money Out and Money In (Monzo's): the signed amount alone says it, and
  // taking Money In with it refused every row. Money in stays with any other amount column ("Debit Amount", "Outflow").
  const otherOutflow = header.some((name, i) => i !== found.amountColumn && OUTFLOW_NAME.test(name));
  if (found.inflowColumn !== undefined && found.amountColumn !== undefined && otherOutflow && !OUTFLOW_NAME.test(header[found.amountColumn] ?? '')) delete found.inflowColumn;
  const currencyColumn = found.amountColumn === undefined ? null : guessCurrencyColumn(header, found.amountColumn, (i) => !free(i));
  return {
    dateColumn: found.dateColumn ?? 0,
    amountColumn: found.amountColumn ?? Math.min(1, Math.max(header.length - 1, 0)),
    typeColumn: found.typeColumn ?? null,
    categoryColumn: found.categoryColumn ?? null,
    descriptionColumn: found.descriptionColumn ?? null,
    accountColumn: found.accountColumn ?? null,
    transferColumn: found.transferColumn ?? null,
    inflowColumn: found.inflowColumn ?? null,
    currencyColumn,
  };
}

/** A row as the export writes it: a transaction or a transfer leg, with its account and transfer. */
/** What the CSV export writes of one row (and the id that, with the day, orders the pages). */
export interface ExportRow {
  readonly id: number;
  readonly occurredOn: string;
  readonly type: EntryType;
  readonly amountCents: number;
  readonly description: string;
  readonly categoryName: string | null;
  readonly accountName: string;
  readonly transferId: number | null;
  /** The schedule that posted the row, while it exists. */
  readonly scheduleId: number | null;
  /** An income in an expense category: written as type `refund`, so it re-imports as one. */
  readonly refund: boolean;
}

/**
 * One row of the export as a CSV record (RFC 4180, CRLF-ended): plain decimal amount, empty category when
 * uncategorised, the account's name, for a transfer leg the reference its other side shares (T and the transfer's
 * id), and for a row a schedule posted that schedule (S and its id), formulas neutralised.
 */
export function exportLineFor(row: ExportRow): string {
  return `${row.occurredOn},${row.refund ? 'refund' : row.type},${csvField(neutraliseCsvCell(row.categoryName ?? ''))},${centsToDecimalString(row.amountCents)},${csvField(neutraliseCsvCell(row.description))},${csvField(neutraliseCsvCell(row.accountName))},${row.transferId === null ? '' : `T${row.transferId}`},${row.scheduleId === null ? '' : `S${row.scheduleId}`}\r\n`;
}

/** The export's header record. */
export const CSV_EXPORT_HEADER = `${CSV_EXPORT_COLUMNS.join(',')}\r\n`;

/**
 * How a CSV is written for a spreadsheet program rather than for a script. Excel opens a double-clicked CSV as
 * UTF-8 only when it starts with a byte-order mark (otherwise as the region's legacy code page: Cyrillic turns to
 * mojibake), splits records on the region's list separator (";" where the decimal point is a comma, as in Ukraine),
 * and reads "12.50" as text or a date there.
 */
export interface CsvDialect {
  readonly delimiter: ',' | ';';
  readonly decimalComma: boolean;
  readonly byteOrderMark: boolean;
}

/** RFC 4180 as scripts and our own import read it: the export's default. */
export const PLAIN_CSV: CsvDialect = Object.freeze({ delimiter: ',', decimalComma: false, byteOrderMark: false });

/** The dialect for a spreadsheet in a region whose decimal separator is `decimal`. */
export function spreadsheetCsv(decimal: DecimalSeparator): CsvDialect {
  return Object.freeze({ delimiter: decimal === 'comma' ? ';' : ',', decimalComma: decimal === 'comma', byteOrderMark: true });
}

/** The header record of an export in a dialect, with the byte-order mark first when the dialect has one. */
export function csvExportHeader(dialect: CsvDialect): string {
  return `${dialect.byteOrderMark ? '\uFEFF' : ''}${CSV_EXPORT_COLUMNS.join(dialect.delimiter)}\r\n`;
}

/** exportLineFor in a dialect: the same fields, split and quoted by its delimiter, amounts with its decimal sign. */
export function exportLineWriter(dialect: CsvDialect): (row: ExportRow) => string {
  if (dialect.delimiter === ',' && !dialect.decimalComma) return exportLineFor;
  const d = dialect.delimiter;
  const needsQuotes = d === ';' ? /[";\r\n]/ : CSV_NEEDS_QUOTES;
  const field = (value: string) => (needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const amount = dialect.decimalComma ? (cents: number) => centsToDecimalString(cents).replace('.', ',') : centsToDecimalString;
  return (row) =>
    `${row.occurredOn}${d}${row.refund ? 'refund' : row.type}${d}${field(neutraliseCsvCell(row.categoryName ?? ''))}${d}${amount(row.amountCents)}${d}${field(neutraliseCsvCell(row.description))}${d}${field(neutraliseCsvCell(row.accountName))}${d}${row.transferId === null ? '' : `T${row.transferId}`}${d}${row.scheduleId === null ? '' : `S${row.scheduleId}`}\r\n`;
}

const CSV_NEEDS_QUOTES = /[",\r\n]/;

/**
 * A field as RFC 4180 writes it: in double quotes, its own quotes doubled, when it holds a comma, a quote or a line
 * break; as it is otherwise (as csv-stringify writes it). Written here because the export writes a million records
 * and csv-stringify allocated about 2 KB a record doing the same, most of the export's garbage.
 */
export function csvField(value: string): string {
  return CSV_NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Columns the mapping reads, for the "row is too short" check. */
function columnsNeeded(mapping: ImportMapping): number {
  const used = [
    mapping.dateColumn,
    mapping.amountColumn,
    mapping.typeColumn,
    mapping.categoryColumn,
    mapping.descriptionColumn,
    mapping.accountColumn ?? null,
    mapping.transferColumn ?? null,
    mapping.inflowColumn ?? null,
    mapping.currencyColumn ?? null,
  ];
  return Math.max(...used.map((c) => c ?? -1)) + 1;
}

/** The cell's text with the formula guard undone, or null (and a problem) when its bytes are not UTF-8. */
function cellText(fields: readonly CsvField[], column: number | null, problems: RowProblem[], decode?: InstanceType<typeof TextDecoder>): string | null {
  if (column === null) return '';
  const bytes = fields[column] ?? '';
  if (typeof bytes === 'string') return restoreCsvCell(bytes);
  if (decode) return restoreCsvCell(decode.decode(bytes));
  if (!isUtf8(bytes)) {
    problems.push({ code: 'not-utf8', column: column + 1 });
    return null;
  }
  return restoreCsvCell(bytes.toString('utf8'));
}

/** The bytes without a UTF-8 character begun in the last three and not finished (a sample cut there). */
function withoutCutCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/** How many well-formed UTF-8 multi-byte characters a buffer holds, and how many bytes fit none (a character cut off at the end is neither). */
function utf8Census(bytes: Buffer): { sequences: number; stray: number } {
  let sequences = 0;
  let stray = 0;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 1) {
      i++;
      continue;
    }
    if (length > 0 && i + length > bytes.length) break;
    let continued = length > 0;
    for (let j = 1; continued && j < length; j++) continued = (bytes[i + j]! & 0xc0) === 0x80;
    if (continued) {
      sequences++;
      i += length;
    } else {
      stray++;
      i++;
    }
  }
  return { sequences, stray };
}

/** A field's text in an encoding (UTF-8's invalid bytes as U+FFFD): for showing a cell, never for importing one. */
export function fieldText(bytes: Buffer, encoding: CsvEncoding = 'utf-8'): string {
  return encoding === 'utf-8' ? bytes.toString('utf8') : new TextDecoder(encoding).decode(bytes);
}

/**
 * Guesses a file's encoding from its first bytes: UTF-8 when they are, or when its multi-byte characters outnumber
 * the bytes that are not UTF-8 (a UTF-8 file with a stray row is still UTF-8: that row is reported, and the rest are
 * not turned into "Ã©"); else Windows-1251 when the bytes above 0xBF, which are its Cyrillic letters, are many beside
 * the Latin ones (a Ukrainian bank's export), else Windows-1252 (a Western file's occasional accented letter).
 */
export function guessCsvEncoding(head: Buffer, options: { cut?: boolean } = {}): CsvEncoding {
  // A sample cut from a longer file may end inside a character: that character is not held against UTF-8.
  if (isUtf8(head) || (options.cut === true && isUtf8(withoutCutCharacter(head)))) return 'utf-8';
  const { sequences, stray } = utf8Census(head);
  if (sequences > stray) return 'utf-8';
  let high = 0;
  let latin = 0;
  for (const byte of head) {
    if (byte >= 0xc0) high++;
    else if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) latin++;
  }
  return high * 3 >= latin ? 'windows-1251' : 'windows-1252';
}

/** Distinct date cells remembered per checker; files repeat the same few thousand days, so parsing each once is enough. */
const DATE_CACHE_LIMIT = 50_000;

/**
 * A checker for one mapping: turns a CSV record into a row or every reason it cannot be one: valid UTF-8, a real
 * date, an exact amount with at most two decimals, a known type, a description and a category name that pass
 * their rules. Per-mapping work is done once, not per row.
 */
export function createRecordChecker(mapping: ImportMapping, options: { currency?: string; header?: readonly string[] } = {}): (fields: readonly CsvField[], line: number) => RowCheck {
  const needed = columnsNeeded(mapping);
  // An amount column whose name says another currency ("Amount (EUR)", Monobank's card amount "(UAH)") refuses
  // every row as a currency column saying so would: there is no conversion, and its numbers are not ours.
  const { currency: ours, header } = options;
  const namedCurrency =
    ours === undefined || header === undefined || !mapping.hasHeader
      ? undefined
      : [mapping.amountColumn, mapping.inflowColumn ?? null].map((c) => (c === null ? undefined : otherCurrencyInName(header[c] ?? '', ours))).find((c) => c !== undefined);
  // "$12.50" and "12,50 грн" in the instance's currency are read as their numbers (YNAB writes every amount so).
  const marks = options.currency === undefined ? [] : currencyMarks(options.currency);
  // A single-byte encoding decodes every byte; UTF-8 is checked field by field, so a bad row is reported on its own.
  const decode = mapping.encoding === undefined || mapping.encoding === 'utf-8' ? undefined : new TextDecoder(mapping.encoding);
  const dates = new Map<string, ReturnType<typeof parseCsvDate>>();
  const parseDate = (text: string) => {
    let result = dates.get(text);
    if (result === undefined) {
      result = parseCsvDate(text, mapping.dateFormat);
      if (dates.size < DATE_CACHE_LIMIT) dates.set(text, result);
    }
    return result;
  };
  // Bank files also write a negative amount in brackets, "(12.50)", or with the minus after it, "12.50-".
  const amountOptions = { decimal: mapping.decimalSeparator, sign: 'signed', accountingNegatives: true } as const;

  return (fields, line) => {
    if (fields.length < needed) return { ok: false, problems: [{ code: 'too-few-columns', have: fields.length, need: needed }] };
    const problems: RowProblem[] = [];
    const dateText = cellText(fields, mapping.dateColumn, problems, decode);
    const date = dateText === null ? null : parseDate(dateText);
    if (date && !date.ok) {
      const fits = date.problem === 'empty' ? undefined : otherFittingDateFormat(dateText ?? '', mapping.dateFormat);
      problems.push({ code: 'date', problem: date.problem, text: shortCell((dateText ?? '').trim()), format: mapping.dateFormat, ...(fits ? { fits } : {}) });
    }

    const readAmount = (text: string) => parseAmount(marks.length === 0 ? text : withoutCurrencyMark(text, marks), amountOptions);
    // A row in another currency is refused as that, whatever its amount: its currency column, else a code or sign in
    // an amount cell that did not read ("-12.50 USD" said only "not a number like 1234.50").
    const currencyText = options.currency === undefined ? '' : (cellText(fields, mapping.currencyColumn ?? null, problems, decode) ?? '').trim();
    if (namedCurrency !== undefined && ours !== undefined) problems.push({ code: 'currency', theirs: namedCurrency, ours });
    else if (options.currency !== undefined && currencyText !== '' && !isOurCurrency(currencyText, options.currency, marks)) {
      problems.push({ code: 'currency', theirs: shortCell(currencyText), ours: options.currency });
    }
    const foreignIn = (text: string | null): boolean => {
      if (options.currency === undefined || text === null || problems.some((p) => p.code === 'currency')) return false;
      const theirs = otherCurrencyInAmount(text, options.currency);
      if (theirs !== undefined) problems.push({ code: 'currency', theirs, ours: options.currency });
      return theirs !== undefined;
    };
    const amountText = cellText(fields, mapping.amountColumn, problems, decode);
    let amount = amountText === null ? null : readAmount(amountText);
    let inflowType: 'income' | 'expense' | null = null;
    if (mapping.inflowColumn != null) {
      // Money out and money in: an empty cell or a zero is no amount; exactly one of the two must hold one, unsigned.
      const inText = cellText(fields, mapping.inflowColumn, problems, decode);
      const inflow = inText === null ? null : readAmount(inText);
      const none = (a: AmountParse | null) => a === null || (!a.ok && (a.problem === 'empty' || a.problem === 'zero'));
      // What is wrong with a cell that holds something: not an amount, or a signed one (each column has a direction).
      // A minus in either column is refused: under money out it is a bank's way of writing every debit in one file
      // and a reversal (money back) in another, and only the whole file could tell which.
      const wrongIn = (a: AmountParse | null, text: string | null): { problem: AmountProblem; text: string } | undefined =>
        a === null || none(a) ? undefined : !a.ok ? { problem: a.problem, text: text ?? '' } : a.negative ? { problem: 'negative', text: text ?? '' } : undefined;
      const wrong = wrongIn(amount, amountText) ?? wrongIn(inflow, inText);
      if (wrong && (foreignIn(wrong.text) || problems.some((p) => p.code === 'currency'))) {
        amount = null;
      } else if (wrong) {
        problems.push({ code: 'amount', problem: wrong.problem, text: shortCell(wrong.text), decimal: mapping.decimalSeparator });
        amount = null;
      } else if (none(amount) && none(inflow)) {
        problems.push({ code: 'amount', problem: 'empty', text: '', decimal: mapping.decimalSeparator });
        amount = null;
      } else if (!none(amount) && !none(inflow)) {
        problems.push({ code: 'two-amounts', out: shortCell(amountText ?? ''), in: shortCell(inText ?? '') });
        amount = null;
      } else {
        inflowType = none(amount) ? 'income' : 'expense';
        amount = none(amount) ? inflow : amount;
      }
    } else if (amount && !amount.ok && !foreignIn(amountText) && !problems.some((p) => p.code === 'currency')) {
      problems.push({ code: 'amount', problem: amount.problem, text: shortCell(amountText ?? ''), decimal: mapping.decimalSeparator });
    }

    let type: EntryType | null = null;
    let refund = false;
    if (inflowType !== null) {
      type = inflowType;
    } else if (mapping.inflowColumn != null) {
      type = null;
    } else if (mapping.typeColumn === null) {
      if (amount?.ok) type = amount.negative !== (mapping.spendingPositive === true) ? 'expense' : 'income';
    } else {
      const typeText = cellText(fields, mapping.typeColumn, problems, decode);
      if (typeText !== null) {
        const word = typeText.trim().toLowerCase();
        // Transfer legs only come from a file that pairs them (our export's transfer column).
        refund = REFUND_WORDS.has(word);
        type = refund ? 'income' : (TYPE_WORDS[word] ?? (mapping.transferColumn != null && (word === 'transfer_in' || word === 'transfer_out') ? word : null));
        if (type === null) problems.push({ code: 'type', text: word.slice(0, 30) });
        // Banks often write expenses as negative amounts beside a "debit" type: consistent, so accepted. A negative
        // income contradicts itself, and guessing which half is right could put money on the wrong side.
        else if (amount?.ok && amount.negative && type === 'income') problems.push({ code: 'negative-income', text: word.slice(0, 30) });
      }
    }

    const descriptionText = cellText(fields, mapping.descriptionColumn, problems, decode);
    let description = '';
    if (descriptionText !== null) {
      // A bank's text longer than a description may be is cut to it, as a statement's is: refused, the row's money
      // was missing until the person edited the file (a utility payment's 260-character purpose).
      const chars = [...descriptionText.trim()];
      const checked = normaliseDescription(chars.length > MAX_DESCRIPTION_CHARS ? chars.slice(0, MAX_DESCRIPTION_CHARS).join('').trimEnd() : descriptionText);
      if (checked.ok) description = checked.text;
      else problems.push({ code: 'description', problem: checked.problem });
    }
    const leg = type === 'transfer_in' || type === 'transfer_out';
    const categoryText = leg ? '' : cellText(fields, mapping.categoryColumn, problems, decode);
    let categoryName = '';
    if (categoryText !== null) {
      const checked = normaliseCategoryName(categoryText);
      if (checked.ok) categoryName = checked.name;
      else if (checked.problem !== 'empty') problems.push({ code: 'category', problem: checked.problem });
    }
    const accountText = cellText(fields, mapping.accountColumn ?? null, problems, decode);
    let accountName = '';
    if (accountText !== null) {
      const checked = normaliseAccountName(accountText);
      if (checked.ok) accountName = checked.name;
      else if (checked.problem !== 'empty') problems.push({ code: 'account', problem: checked.problem, text: shortCell(accountText) });
    }
    const transferRef = leg ? (cellText(fields, mapping.transferColumn ?? null, problems, decode) ?? '').trim() : '';
    if (leg && transferRef === '') problems.push({ code: 'transfer', problem: 'no-reference', text: '' });

    if (problems.length > 0 || !date?.ok || !amount?.ok || type === null) return { ok: false, problems };
    const row: ImportRow = { line, occurredOn: date.day, type, amountCents: amount.cents, description, categoryName, accountName, transferRef };
    return { ok: true, row: refund && categoryName !== '' ? { ...row, refund } : row };
  };
}

/**
 * What makes an imported row look like a transaction the user already has: same day, account, type, amount and
 * description. The account counts: two accounts often have the same fee or interest on the same day, and a file for
 * the second must not lose them as the first's.
 */
export function duplicateSignature(accountId: number, row: { type: EntryType; amountCents: number; description: string }): string {
  return `${accountId}|${row.type}|${row.amountCents}|${row.description}`;
}

/**
 * The key a CSV mapping is remembered by: the file's header line, its cells' case and spacing ignored, as a digest.
 * Two exports from the same bank share it; a file with other columns does not.
 */
export function csvHeaderKey(headerLine: string): string {
  const normalised = headerLine.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*([,;\t])\s*/g, '$1');
  return hash('sha256', normalised, 'base64url');
}
