import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { PageCursor, TransactionWithCategory } from '../db/repos/transactions.ts';
import { neutraliseCsvCell } from './csv-cells.ts';
import { centsToDecimalString } from './money.ts';

/** The export's header row; the import recognises these names when it guesses a mapping. */
export const CSV_EXPORT_COLUMNS = ['date', 'type', 'category', 'amount', 'description'] as const;

/** Rows fetched per database read while exporting: small enough to keep memory flat, big enough to be quick. */
export const EXPORT_BATCH_SIZE = 1000;

/** One page of rows and where the next page starts (null when done). */
export type ExportPage = { rows: readonly TransactionWithCategory[]; next: PageCursor | null };

/** The CSV cells of one transaction: plain decimal amount, empty category when uncategorised, formulas neutralised. */
export function exportCellsFor(row: TransactionWithCategory): string[] {
  return [
    row.occurredOn,
    row.type,
    neutraliseCsvCell(row.categoryName ?? ''),
    centsToDecimalString(row.amountCents),
    neutraliseCsvCell(row.description),
  ];
}

/** The download's file name, dated so repeated exports do not overwrite each other. */
export function exportFileName(today: string): string {
  return `ledgerly-transactions-${today}.csv`;
}

/**
 * Writes an RFC 4180 CSV (CRLF line ends, quotes only where needed) of every page to `out`, fetching the next page
 * only when the previous one has drained, so memory stays flat however long the history. Each page is read with
 * a fresh query: no statement stays open across an await, so other requests can use the connection meanwhile.
 */
export async function streamTransactionsCsv(
  fetchPage: (after: PageCursor | null) => ExportPage,
  out: Writable,
): Promise<void> {
  const csv = stringify({ record_delimiter: '\r\n' });
  const done = pipeline(csv, out);
  try {
    csv.write([...CSV_EXPORT_COLUMNS]);
    let after: PageCursor | null = null;
    do {
      const page = fetchPage(after);
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
