/** Reading CSV files from disk: streamed, chunk by chunk, so a large file never blocks other requests for long. */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, Parser } from 'csv-parse';
import {
  createRecordChecker,
  fieldText,
  MAX_REPORTED_ERRORS,
  type CsvDelimiter,
  type CsvField,
  type CsvFileProblem,
  looksBinary,
  looksJson,
  looksUtf16,
  mistakenFormatOf,
  type MistakenFormat,
  type ImportMapping,
  type ImportRow,
  type RowError,
} from '../domain/imports.ts';

/** The file cannot be parsed as CSV at all (e.g. a quote never closed); nothing is imported. */
export class CsvFileError extends Error {
  override name = 'CsvFileError';
  constructor(
    readonly problem: CsvFileProblem,
    parserMessage: string,
  ) {
    super(parserMessage);
  }
}

/** The parser's error as a problem the pages can word in the person's language (its own message is English). */
function csvFileErrorOf(err: CsvError): CsvFileError {
  const line = err.lines;
  const problem: CsvFileProblem =
    err.code === 'CSV_QUOTE_NOT_CLOSED' ? { kind: 'unclosed-quote' } : { kind: 'unreadable', line: typeof line === 'number' && line > 0 ? line : null };
  return new CsvFileError(problem, err.message);
}

/** Where a check of a file is, for the progress page. */
export interface ReadProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
}

/** Every row of a file checked: how many, and what was wrong with the bad ones (the good ones went to onRows). */
export interface CheckedFile {
  readonly errors: RowError[];
  readonly errorCount: number;
  readonly rowsRead: number;
}

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

/**
 * Streams a CSV file record by record with the line each record starts on. Fields are raw bytes (so invalid UTF-8
 * can be reported per row) unless `asText` promises the file is valid UTF-8. Each read chunk is handled
 * synchronously, then the event loop gets a turn. `onRecord` returning false stops reading early; an aborted
 * signal stops it with the signal's reason.
 */
async function readCsvRecords<F extends CsvField = Buffer>(
  filePath: string,
  delimiter: CsvDelimiter,
  onRecord: (fields: F[], line: number) => boolean | void,
  options: { onBytes?: (bytesRead: number) => void; asText?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const parser = new Parser({
    encoding: options.asText ? 'utf8' : null,
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
  const onBytes = options.onBytes;
  if (onBytes) {
    input.on('data', (chunk) => {
      bytesRead += chunk.length;
      // A throw in an event handler would stop the whole server: it ends the read, with the error, instead.
      try {
        onBytes(bytesRead);
      } catch (err) {
        input.destroy(err as Error);
      }
    });
  }
  let nextLine = 1;
  const stop = new AbortController();
  const outside = options.signal;
  const forward = () => stop.abort(outside?.reason);
  outside?.addEventListener('abort', forward, { once: true });
  let stoppedEarly = false;
  const sink = new Writable({
    objectMode: true,
    write(fields: F[], _encoding, callback) {
      const line = nextLine;
      nextLine += 1 + newlineCount(fields);
      const blank = fields.length === 1 && fields[0]!.length === 0;
      let goOn: boolean | void;
      try {
        goOn = blank || onRecord(fields, line);
      } catch (err) {
        // Staging rows writes to disk (a full one throws SQLITE_FULL): the error ends the pipeline, to the caller.
        // Thrown from write() it escaped the stream and stopped the whole server.
        callback(err as Error);
        return;
      }
      if (goOn === false) {
        stoppedEarly = true;
        stop.abort();
      }
      callback();
    },
  });
  try {
    outside?.throwIfAborted();
    await pipeline(input, parser, sink, { signal: stop.signal });
  } catch (err) {
    if (stoppedEarly) return;
    outside?.throwIfAborted();
    if (err instanceof CsvError) throw csvFileErrorOf(err);
    throw err;
  } finally {
    outside?.removeEventListener('abort', forward);
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

/** The first `count` lines of a file's head that are not blank, without a byte-order mark. */
export function firstLinesOf(head: Buffer, count: number): string[] {
  return head.toString('utf8').replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((line) => line.trim() !== '').slice(0, count);
}

/**
 * What a file that cannot be CSV text is, judged from its first 8 KB: UTF-16 text, binary (a PDF or a spreadsheet
 * uploaded as CSV), or undefined for text this reader takes.
 */
export async function notCsvText(filePath: string): Promise<CsvFileProblem | undefined> {
  const head = await readFileHead(filePath, 8 * 1024);
  if (looksUtf16(head)) return { kind: 'utf16' };
  const format = mistakenFormatOf(head);
  if (format !== undefined) return { kind: 'binary', format };
  if (looksBinary(head)) return { kind: 'binary' };
  const json = looksJson(head);
  return json === undefined ? undefined : { kind: json };
}

/** What a file is, of the formats people upload by mistake (a PDF, a spreadsheet, a ZIP archive), from its first bytes. */
export async function mistakenFormatOfFile(filePath: string): Promise<MistakenFormat | undefined> {
  return mistakenFormatOf(await readFileHead(filePath, 512));
}

/** A file's first bytes (up to `bytes`), to guess its encoding from. */
export async function readFileHead(filePath: string, bytes: number): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The first records of a file as raw bytes, with their line numbers. */
export async function readCsvSample(filePath: string, delimiter: CsvDelimiter, count: number): Promise<{ line: number; fields: Buffer[] }[]> {
  const out: { line: number; fields: Buffer[] }[] = [];
  await readCsvRecords<Buffer>(filePath, delimiter, (fields, line) => {
    out.push({ line, fields });
    return out.length < count;
  });
  return out;
}

/** How often, in rows, a running check reports its progress. */
const PROGRESS_EVERY_ROWS = 2000;

/** Good rows handed on at a time: what the reader holds, whatever the size of the file. */
export const CHECKED_ROWS_BATCH = 2000;

/**
 * Reads and checks every row of the file, handing the good ones to `onRows` in file order, CHECKED_ROWS_BATCH at a
 * time and the rest at the end (synchronously, between two reads), so no more than a batch is ever held.
 */
export async function checkCsvFile(
  filePath: string,
  mapping: ImportMapping,
  options: { onRows: (rows: ImportRow[]) => void; onProgress?: (progress: ReadProgress) => void; signal?: AbortSignal; currency?: string },
): Promise<CheckedFile> {
  const totalBytes = (await stat(filePath)).size;
  let rows: ImportRow[] = [];
  const { onRows } = options;
  const errors: RowError[] = [];
  let errorCount = 0;
  let rowsRead = 0;
  let headerSkipped = !mapping.hasHeader;
  // Lines above the table (a bank's title) are no rows.
  let aboveTable = mapping.skipRows ?? 0;
  let bytesSeen = 0;
  let check = createRecordChecker(mapping, { currency: options.currency });
  const asText = await isUtf8File(filePath);
  const { onProgress } = options;
  await readCsvRecords<CsvField>(
    filePath,
    mapping.delimiter,
    (fields, line) => {
      if (aboveTable > 0) {
        aboveTable -= 1;
        return;
      }
      if (!headerSkipped) {
        headerSkipped = true;
        // The column names say what the rows cannot: an amount column named for another currency.
        check = createRecordChecker(mapping, { currency: options.currency, header: fields.map((f) => (typeof f === 'string' ? f : fieldText(f, mapping.encoding))) });
        return;
      }
      rowsRead += 1;
      const result = check(fields, line);
      if (result.ok) {
        rows.push(result.row);
        if (rows.length === CHECKED_ROWS_BATCH) {
          onRows(rows);
          rows = [];
        }
      } else {
        errorCount += 1;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, problems: result.problems });
      }
      // A read chunk holds thousands of rows; counting within it keeps the progress page's row count current.
      if (onProgress && rowsRead % PROGRESS_EVERY_ROWS === 0) onProgress({ bytesRead: bytesSeen, totalBytes, rowsRead });
    },
    {
      onBytes: (bytesRead) => {
        bytesSeen = bytesRead;
        onProgress?.({ bytesRead, totalBytes, rowsRead });
      },
      asText,
      signal: options.signal,
    },
  );
  if (rows.length > 0) onRows(rows);
  return { errors, errorCount, rowsRead };
}
