import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { CSV_EXPORT_COLUMNS, exportCellsFor } from '../domain/imports.ts';
import type { ExportRow } from '../domain/imports.ts';
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
 */
export async function streamTransactionsCsv(
  fetchBatch: (after: PageCursor | null) => Page<ExportRow>,
  out: Writable,
): Promise<void> {
  const csv = stringify({ record_delimiter: '\r\n' });
  const done = pipeline(csv, out);
  try {
    csv.write([...CSV_EXPORT_COLUMNS]);
    let after: PageCursor | null = null;
    do {
      const page = fetchBatch(after);
      let flowing = true;
      for (const row of page.rows) flowing = csv.write(exportCellsFor(row)) && flowing;
      after = page.next;
      if (!flowing && after !== null) await Promise.race([once(csv, 'drain'), done]);
    } while (after !== null && !out.destroyed);
    csv.end();
  } catch (err) {
    csv.destroy(err instanceof Error ? err : new Error(String(err)));
  }
  await done;
}
