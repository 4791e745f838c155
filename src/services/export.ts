import type { Writable } from 'node:stream';
import { csvExportHeader, exportLineWriter, PLAIN_CSV, type CsvDialect, type ExportRow } from '../domain/imports.ts';
import type { Page, PageCursor } from '../domain/transactions.ts';

/**
 * The download's file name, dated so repeated exports do not overwrite each other; `label` is the word for
 * transactions in the person's language ("transactions", "операції").
 */
export function exportFileName(today: string, label = 'transactions'): string {
  return `ledgerly-${label}-${today}.csv`;
}

/**
 * Writes an RFC 4180 CSV (CRLF line ends, quotes only where needed) of every batch to `out`, fetching the next
 * batch only when the previous one has drained, so memory stays flat however long the history. Each batch is read
 * with a fresh query: no statement stays open across an await, so other requests can use the connection meanwhile.
 *
 * A batch becomes one string before anything waits: only that text lives across the await for `drain`, never the
 * batch's row objects. Row objects held across awaits survive two young-generation collections and are promoted,
 * and a 1M-row export then filled the old space with about 70 MB of garbage before V8 compacted it.
 */
export async function streamTransactionsCsv(
  fetchBatch: (after: PageCursor | null) => Page<ExportRow>,
  out: Writable,
  dialect: CsvDialect = PLAIN_CSV,
): Promise<void> {
  const lineFor = exportLineWriter(dialect);
  let after: PageCursor | null = null;
  let text = csvExportHeader(dialect);
  do {
    const page = fetchBatch(after);
    for (const row of page.rows) text += lineFor(row);
    after = page.next;
    if (!out.write(text)) await drained(out);
    text = '';
  } while (after !== null && !out.destroyed);
  if (!out.destroyed) out.end();
  // A download the client abandoned ends here: the next batch is never read.
}

/**
 * Resolves when `out` wants more, or when it closes or fails (the loop then sees it destroyed). A stream already
 * destroyed resolves at once: its close has been and gone, and waiting for it would never end.
 */
export function drained(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}
