import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { CSV_EXPORT_HEADER, exportLineFor, type ExportRow } from '../../src/domain/imports.ts';
import type { Page, PageCursor } from '../../src/domain/transactions.ts';
import { streamTransactionsCsv } from '../../src/services/export.ts';

/** Batches of `size` rows, `batches` of them, counting how many were read. */
function source(batches: number, size: number) {
  const read = { count: 0 };
  const fetchBatch = (after: PageCursor | null): Page<ExportRow> => {
    const index = after === null ? 0 : after.id;
    read.count++;
    const rows = Array.from({ length: size }, (_, i): ExportRow => ({
      id: index * size + i,
      occurredOn: '2026-03-14',
      type: 'expense',
      amountCents: 1234,
      description: `row ${index}-${i}, "quoted"`,
      categoryName: null,
      accountName: 'Main',
      transferId: null,
      scheduleId: null,
      refund: false,
    }));
    return { rows, next: index + 1 < batches ? { occurredOn: '2026-03-14', id: index + 1 } : null };
  };
  return { read, fetchBatch };
}

test('the export writes the header and every batch, then ends the stream', async () => {
  const { read, fetchBatch } = source(5, 100);
  let text = '';
  let ended = false;
  const out = new Writable({ write: (chunk: Buffer, _e, cb) => ((text += chunk.toString()), cb()), final: (cb) => ((ended = true), cb()) });
  await streamTransactionsCsv(fetchBatch, out);
  assert.equal(read.count, 5);
  assert.ok(ended, 'the stream was ended');
  assert.ok(text.startsWith(CSV_EXPORT_HEADER));
  assert.equal(text.split('\r\n').length - 2, 500, 'the header, 500 records and the final CRLF');
  assert.ok(text.includes(exportLineFor(fetchBatch({ occurredOn: '2026-03-14', id: 4 }).rows[99]!)));
});

test('a download the client abandons while waiting for drain stops reading batches and settles', { timeout: 10_000 }, async () => {
  const { read, fetchBatch } = source(1000, 100);
  // Accepts nothing, so the first write fills it and the export waits for drain; then the client goes away.
  const out = new Writable({ highWaterMark: 1, write: () => undefined });
  const done = streamTransactionsCsv(fetchBatch, out);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(read.count, 1, 'one batch read, then waiting');
  out.destroy();
  await done;
  assert.equal(read.count, 1, 'no batch read after the client left');
});
