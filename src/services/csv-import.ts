import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, Parser } from 'csv-parse';
import type { Db } from '../db/open.ts';
import { createImportsRepo, type ImportRow, type ImportsRepo, type ImportWriteOptions } from '../db/repos/imports.ts';
// The database's own limits, checked per row so a bad row is reported instead of failing the whole transaction.
import { MAX_CATEGORY_NAME_CHARS } from '../db/repos/categories.ts';
import { MAX_DESCRIPTION_CHARS, type TransactionType } from '../db/repos/transactions.ts';
import { parseCsvAmount, type DecimalSeparator } from './csv-amount.ts';
import { restoreCsvCell } from './csv-cells.ts';
import { parseCsvDate, type CsvDateFormat } from './csv-date.ts';
import type { ParseResult } from './money.ts';

export type { ImportRow, ImportWriteOptions } from '../db/repos/imports.ts';

/** Field separators an import may use; comma is RFC 4180, semicolon and tab are common in European bank exports. */
export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];


/** Per-row messages kept in full; beyond this only the count grows, so a garbage file cannot eat memory. */
export const MAX_REPORTED_ERRORS = 1000;

/** How to read a file: which column holds what (0-based) and how dates and amounts are written. */
export interface ImportMapping {
  readonly delimiter: CsvDelimiter;
  readonly hasHeader: boolean;
  readonly dateColumn: number;
  readonly amountColumn: number;
  /** null: no type column, the amount's sign decides (negative is an expense). */
  readonly typeColumn: number | null;
  readonly categoryColumn: number | null;
  readonly descriptionColumn: number | null;
  readonly dateFormat: CsvDateFormat;
  readonly decimalSeparator: DecimalSeparator;
}

/** A row that will not be imported, with the line it starts on. */
export interface RowError {
  readonly line: number;
  readonly reason: string;
}

/** Outcome of checking one record against the mapping. */
export type RowCheck = { ok: true; row: ImportRow } | { ok: false; reason: string };

/** Where a running import is, for the progress page. */
export interface ImportProgress {
  readonly phase: 'reading' | 'writing';
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
}

/** Every row of a file checked: the good rows and what was wrong with the rest. */
export interface CheckedFile {
  readonly rows: ImportRow[];
  readonly errors: RowError[];
  readonly errorCount: number;
  readonly rowsRead: number;
}

/** What an import did. */
export interface ImportResult {
  readonly rowsRead: number;
  readonly imported: number;
  readonly errors: RowError[];
  readonly errorCount: number;
  readonly duplicateLines: number[];
  readonly duplicatesKept: boolean;
  readonly createdCategories: { kind: TransactionType; name: string }[];
  readonly durationMs: number;
}

/** The file cannot be parsed as CSV at all (e.g. a quote never closed); nothing is imported. */
export class CsvFileError extends Error {
  override name = 'CsvFileError';
}

/** Unless the user chooses otherwise: create missing categories, skip likely duplicates. */
export const DEFAULT_IMPORT_OPTIONS: ImportWriteOptions = Object.freeze({
  unknownCategories: 'create',
  keepDuplicates: false,
});

const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const TYPE_WORDS: Record<string, TransactionType> = {
  income: 'income',
  credit: 'income',
  expense: 'expense',
  debit: 'expense',
};

/**
 * A parsed CSV cell: text when the whole file is known to be valid UTF-8 (the fast path), otherwise the raw bytes,
 * so that a row with bytes that are not UTF-8 can be reported on its own instead of silently turned into "�".
 */
export type CsvField = string | Buffer;

function newlineCount(fields: readonly CsvField[]): number {
  let n = 0;
  for (const field of fields) {
    let at = typeof field === 'string' ? field.indexOf('\n') : field.indexOf(10);
    while (at !== -1) {
      n += 1;
      at = typeof field === 'string' ? field.indexOf('\n', at + 1) : field.indexOf(10, at + 1);
    }
  }
  return n;
}

/** Columns the mapping reads, for the "row is too short" check. */
function columnsNeeded(mapping: ImportMapping): number {
  const used = [mapping.dateColumn, mapping.amountColumn, mapping.typeColumn, mapping.categoryColumn, mapping.descriptionColumn];
  return Math.max(...used.map((c) => c ?? -1)) + 1;
}

/** The cell's text with the formula guard undone, or null (and a reason) when its bytes are not UTF-8. */
function cellText(fields: readonly CsvField[], column: number | null, reasons: string[]): string | null {
  if (column === null) return '';
  const bytes = fields[column]!;
  if (typeof bytes === 'string') return restoreCsvCell(bytes);
  if (!isUtf8(bytes)) {
    reasons.push(`column ${column + 1} has bytes that are not valid UTF-8 (save the file as UTF-8)`);
    return null;
  }
  return restoreCsvCell(bytes.toString('utf8'));
}

function textOf(value: string, limit: number, what: string, reasons: string[]): string {
  const text = value.trim();
  // UTF-16 length is never below the character count, so the costly count runs only for long text.
  if (text.length > limit && [...text].length > limit) reasons.push(`the ${what} is longer than ${limit} characters`);
  else if (CONTROL_CHARS.test(text)) reasons.push(`the ${what} contains control characters`);
  return text;
}

/** How often, in rows, a running check reports its progress. */
const PROGRESS_EVERY_ROWS = 2000;

/** Distinct date cells remembered per import; files repeat the same few thousand days, so parsing each once is enough. */
const DATE_CACHE_LIMIT = 50_000;

/**
 * A checker for one mapping: turns a CSV record (raw bytes per field) into a row or the reasons it cannot be one:
 * valid UTF-8, a real date, an exact amount with at most two decimals, a known type, and descriptions and
 * category names within the database's limits. Per-mapping work is done once, not per row.
 */
export function createRecordChecker(mapping: ImportMapping): (fields: readonly CsvField[], line: number) => RowCheck {
  const needed = columnsNeeded(mapping);
  const dates = new Map<string, ParseResult<string>>();
  const parseDate = (text: string): ParseResult<string> => {
    let result = dates.get(text);
    if (result === undefined) {
      result = parseCsvDate(text, mapping.dateFormat);
      if (dates.size < DATE_CACHE_LIMIT) dates.set(text, result);
    }
    return result;
  };

  return (fields, line) => {
    if (fields.length < needed) {
      return { ok: false, reason: `the row has ${fields.length} column${fields.length === 1 ? '' : 's'}; the mapping needs ${needed}` };
    }
    const reasons: string[] = [];
    const dateText = cellText(fields, mapping.dateColumn, reasons);
    const date = dateText === null ? null : parseDate(dateText);
    if (date && !date.ok) reasons.push(date.error);

    const amountText = cellText(fields, mapping.amountColumn, reasons);
    const amount = amountText === null ? null : parseCsvAmount(amountText, mapping.decimalSeparator);
    if (amount && !amount.ok) reasons.push(amount.error);

    let type: TransactionType | null = null;
    if (mapping.typeColumn === null) {
      if (amount?.ok) type = amount.value.negative ? 'expense' : 'income';
    } else {
      const typeText = cellText(fields, mapping.typeColumn, reasons);
      if (typeText !== null) {
        const word = typeText.trim().toLowerCase();
        type = TYPE_WORDS[word] ?? null;
        if (type === null) reasons.push(`the type "${word.slice(0, 30)}" is not income or expense`);
        // Banks often write expenses as negative amounts beside a "debit" type: consistent, so accepted. A negative
        // income contradicts itself, and guessing which half is right could put money on the wrong side.
        else if (amount?.ok && amount.value.negative && type === 'income') {
          reasons.push(`the amount is negative but the type says ${word}`);
        }
      }
    }

    const descriptionText = cellText(fields, mapping.descriptionColumn, reasons);
    const description =
      descriptionText === null ? '' : textOf(descriptionText, MAX_DESCRIPTION_CHARS, 'description', reasons);
    const categoryText = cellText(fields, mapping.categoryColumn, reasons);
    const categoryName =
      categoryText === null ? '' : textOf(categoryText, MAX_CATEGORY_NAME_CHARS, 'category name', reasons);

    if (reasons.length > 0 || !date?.ok || !amount?.ok || type === null) {
      return { ok: false, reason: reasons.join('; ') || 'the row could not be read' };
    }
    return {
      ok: true,
      row: { line, occurredOn: date.value, type, amountCents: amount.value.cents, description, categoryName },
    };
  };
}

/** Checks one record against the mapping (see createRecordChecker; use that for many rows). */
export function checkCsvRecord(fields: readonly CsvField[], line: number, mapping: ImportMapping): RowCheck {
  return createRecordChecker(mapping)(fields, line);
}

/**
 * Streams a CSV file record by record with the line each record starts on. Fields are raw bytes (so invalid UTF-8
 * can be reported per row) unless `asText` promises the file is valid UTF-8. Each read chunk is handled
 * synchronously, then the event loop gets a turn, so a big file never blocks other requests for long.
 * `onRecord` returning false stops reading early.
 */
export async function readCsvRecords<F extends CsvField = Buffer>(
  filePath: string,
  delimiter: CsvDelimiter,
  onRecord: (fields: F[], line: number) => boolean | void,
  onBytes?: (bytesRead: number) => void,
  asText = false,
): Promise<void> {
  const parser = new Parser({
    encoding: asText ? 'utf8' : null,
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    // Blank lines come through as one empty field and are skipped below, so line numbers stay exact.
    skip_empty_lines: false,
  });
  // Half a megabyte a read: few thread-pool round trips, yet each synchronous slice of work stays short.
  const input = createReadStream(filePath, { highWaterMark: 512 * 1024 });
  let bytesRead = 0;
  if (onBytes) {
    input.on('data', (chunk) => {
      bytesRead += chunk.length;
      onBytes(bytesRead);
    });
  }
  let nextLine = 1;
  const stop = new AbortController();
  const sink = new Writable({
    objectMode: true,
    write(fields: F[], _encoding, callback) {
      const line = nextLine;
      nextLine += 1 + newlineCount(fields);
      const blank = fields.length === 1 && fields[0]!.length === 0;
      if (!blank && onRecord(fields, line) === false) stop.abort();
      callback();
    },
  });
  try {
    await pipeline(input, parser, sink, { signal: stop.signal });
  } catch (err) {
    if (stop.signal.aborted) return;
    if (err instanceof CsvError) throw new CsvFileError(`The file is not valid CSV: ${err.message}`);
    throw err;
  }
}

/**
 * Whether the whole file is valid UTF-8, checked chunk by chunk (a character split across two chunks is carried
 * over). One fast pass lets a clean file be parsed straight to text, skipping a check of every cell.
 */
export async function isUtf8File(filePath: string): Promise<boolean> {
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    // Back up over at most three continuation bytes to the start of the last character, which may be incomplete.
    let cut = data.length;
    for (let back = 1; back <= 4 && back <= data.length; back++) {
      const byte = data[data.length - back]!;
      if ((byte & 0xc0) !== 0x80) {
        cut = byte < 0x80 ? data.length : data.length - back;
        break;
      }
    }
    if (!isUtf8(data.subarray(0, cut))) return false;
    carry = Buffer.from(data.subarray(cut));
  }
  return carry.length === 0 || isUtf8(carry);
}

/** Guesses the field separator from the first line: whichever of comma, semicolon and tab occurs most outside quotes. */
export function sniffCsvDelimiter(firstLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as CsvDelimiter)) counts.set(ch as CsvDelimiter, counts.get(ch as CsvDelimiter)! + 1);
  }
  let best: CsvDelimiter = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** The first line of a file (up to 64 KiB), for sniffing the delimiter. */
export async function readFirstLine(filePath: string): Promise<string> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const end = text.search(/\r|\n/);
    return end === -1 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

/** The first records of a file decoded for display (invalid bytes shown as �), with their line numbers. */
export async function readCsvSample(
  filePath: string,
  delimiter: CsvDelimiter,
  count: number,
): Promise<{ line: number; fields: Buffer[] }[]> {
  const out: { line: number; fields: Buffer[] }[] = [];
  await readCsvRecords<Buffer>(filePath, delimiter, (fields, line) => {
    out.push({ line, fields });
    return out.length < count;
  });
  return out;
}

/** Reads and checks every row of the file without writing anything. */
export async function checkCsvFile(
  filePath: string,
  mapping: ImportMapping,
  onProgress?: (progress: ImportProgress) => void,
): Promise<CheckedFile> {
  const totalBytes = (await stat(filePath)).size;
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  let errorCount = 0;
  let rowsRead = 0;
  let headerSkipped = !mapping.hasHeader;
  let bytesSeen = 0;
  const check = createRecordChecker(mapping);
  const asText = await isUtf8File(filePath);
  await readCsvRecords<CsvField>(
    filePath,
    mapping.delimiter,
    (fields, line) => {
      if (!headerSkipped) {
        headerSkipped = true;
        return;
      }
      rowsRead += 1;
      const result = check(fields, line);
      if (result.ok) rows.push(result.row);
      else {
        errorCount += 1;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, reason: result.reason });
      }
      // A read chunk holds thousands of rows; counting within it keeps the progress page's row count current.
      if (onProgress && rowsRead % PROGRESS_EVERY_ROWS === 0) {
        onProgress({ phase: 'reading', bytesRead: bytesSeen, totalBytes, rowsRead });
      }
    },
    (bytesRead) => {
      bytesSeen = bytesRead;
      onProgress?.({ phase: 'reading', bytesRead, totalBytes, rowsRead });
    },
    asText,
  );
  return { rows, errors, errorCount, rowsRead };
}

/**
 * Imports a CSV file for a user: streams and checks every row, then writes all good rows in ONE transaction.
 * Rows with errors are reported and not written; likely duplicates are skipped unless kept.
 */
export async function runCsvImport(
  repo: ImportsRepo,
  userId: number,
  filePath: string,
  mapping: ImportMapping,
  options: ImportWriteOptions = DEFAULT_IMPORT_OPTIONS,
  onProgress?: (progress: ImportProgress) => void,
): Promise<ImportResult> {
  const started = performance.now();
  const checked = await checkCsvFile(filePath, mapping, onProgress);
  const totalBytes = (await stat(filePath)).size;
  onProgress?.({ phase: 'writing', bytesRead: totalBytes, totalBytes, rowsRead: checked.rowsRead });
  const written = repo.writeImportedRows(userId, checked.rows, options);
  return {
    rowsRead: checked.rowsRead,
    imported: written.inserted,
    errors: checked.errors,
    errorCount: checked.errorCount,
    duplicateLines: written.duplicateLines,
    duplicatesKept: options.keepDuplicates,
    createdCategories: written.createdCategories,
    durationMs: performance.now() - started,
  };
}

/** Imports a CSV file without HTTP (for scripts and benchmarks): `importCsvFile(db, userId, filePath, mapping)`. */
export function importCsvFile(
  db: Db,
  userId: number,
  filePath: string,
  mapping: ImportMapping,
  options: ImportWriteOptions = DEFAULT_IMPORT_OPTIONS,
  onProgress?: (progress: ImportProgress) => void,
): Promise<ImportResult> {
  return runCsvImport(createImportsRepo(db), userId, filePath, mapping, options, onProgress);
}

/** The mapping for files written by our own export: comma, header, ISO dates, dot decimals, all five columns. */
export const LEDGERLY_EXPORT_MAPPING: ImportMapping = Object.freeze({
  delimiter: ',',
  hasHeader: true,
  dateColumn: 0,
  typeColumn: 1,
  categoryColumn: 2,
  amountColumn: 3,
  descriptionColumn: 4,
  dateFormat: 'YYYY-MM-DD',
  decimalSeparator: 'dot',
});

const GUESSES: { key: 'dateColumn' | 'amountColumn' | 'typeColumn' | 'categoryColumn' | 'descriptionColumn'; pattern: RegExp }[] = [
  { key: 'dateColumn', pattern: /date|datum|day|fecha/i },
  { key: 'amountColumn', pattern: /amount|betrag|value|sum|montant|importe/i },
  { key: 'typeColumn', pattern: /^\s*(type|kind)\s*$/i },
  { key: 'categoryColumn', pattern: /categor|kategorie/i },
  { key: 'descriptionColumn', pattern: /descr|memo|payee|details|note|text|narrat/i },
];

/** A first guess at which column is which, from header names (or the export's order when there is no header). */
export function guessColumns(header: readonly string[] | null): Pick<
  ImportMapping,
  'dateColumn' | 'amountColumn' | 'typeColumn' | 'categoryColumn' | 'descriptionColumn'
> {
  if (header === null) {
    return { dateColumn: 0, typeColumn: 1, categoryColumn: 2, amountColumn: 3, descriptionColumn: 4 };
  }
  const found: Partial<Record<(typeof GUESSES)[number]['key'], number>> = {};
  for (const { key, pattern } of GUESSES) {
    const index = header.findIndex((name, i) => pattern.test(name) && !Object.values(found).includes(i));
    if (index !== -1) found[key] = index;
  }
  return {
    dateColumn: found.dateColumn ?? 0,
    amountColumn: found.amountColumn ?? Math.min(1, Math.max(header.length - 1, 0)),
    typeColumn: found.typeColumn ?? null,
    categoryColumn: found.categoryColumn ?? null,
    descriptionColumn: found.descriptionColumn ?? null,
  };
}
