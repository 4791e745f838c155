import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LEDGERLY_EXPORT_MAPPING, type ImportRow } from '../../src/domain/imports.ts';
import { CHECKED_ROWS_BATCH, checkCsvFile, isUtf8File } from '../../src/services/csv-files.ts';
import { english } from '../helpers/i18n.ts';
import { describeRowProblems } from '../../src/web/messages.ts';
import { csvFileProblemDetail, csvFileProblemOf, looksBinary, mistakenFormatOf, type CsvFileProblem } from '../../src/domain/imports.ts';

function tempFile(t: { after: (fn: () => void) => void }, content: Buffer | string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f.csv');
  writeFileSync(file, content);
  return file;
}

test('a character split across the 1 MiB read boundary still counts as valid UTF-8', async (t) => {
  const euro = Buffer.from('€', 'utf8'); // three bytes
  for (const offset of [1, 2]) {
    const padding = Buffer.alloc(1024 * 1024 - offset, 'a');
    assert.equal(await isUtf8File(tempFile(t, Buffer.concat([padding, euro, Buffer.from('tail')]))), true, `offset ${offset}`);
  }
});

test('stray bytes anywhere, or a character cut off at the end, make the file not UTF-8', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024, 'a');
  big[2 * 1024 * 1024 + 17] = 0xe9; // Latin-1 "é" deep inside
  assert.equal(await isUtf8File(tempFile(t, big)), false);
  assert.equal(await isUtf8File(tempFile(t, Buffer.concat([Buffer.from('abc'), Buffer.from('€', 'utf8').subarray(0, 2)]))), false);
  assert.equal(await isUtf8File(tempFile(t, Buffer.from('plain ascii, and ünïcödé 🎉'))), true);
  assert.equal(await isUtf8File(tempFile(t, Buffer.alloc(0))), true);
});

test('line numbers count physical lines in both the text and the byte path', async (t) => {
  const rows = [
    'date,type,category,amount,description', // 1
    '2026-01-02,expense,,1.00,"three', // 2-4
    'line',
    'description"',
    '',
    '2026-13-01,expense,,1.00,bad month', // 6 (after a blank line)
    '2026-01-03,expense,,1.00,"two', // 7-8
    'lines"',
    '2026-01-04,expense,,x,bad amount', // 9
  ].join('\r\n');
  const latin1Row = Buffer.from('\r\n2026-01-05,expense,,1.00,caf\xe9\r\n2026-01-06,expense,,oops,bad again\r\n', 'latin1');

  const textRows: ImportRow[] = [];
  const text = await checkCsvFile(tempFile(t, rows), LEDGERLY_EXPORT_MAPPING, { onRows: (batch) => textRows.push(...batch) });
  const byteRows: ImportRow[] = [];
  const bytes = await checkCsvFile(tempFile(t, Buffer.concat([Buffer.from(rows), latin1Row])), LEDGERLY_EXPORT_MAPPING, { onRows: (batch) => byteRows.push(...batch) });

  assert.deepEqual(text.errors.map((e) => e.line), [6, 9]);
  assert.deepEqual(textRows.map((r) => [r.line, r.description]), [[2, 'three\r\nline\r\ndescription'], [7, 'two\r\nlines']]);
  assert.deepEqual(bytes.errors.map((e) => e.line), [6, 9, 10, 11]);
  assert.match(describeRowProblems(bytes.errors[2]!.problems, english.t), /not valid UTF-8/);
  assert.deepEqual(byteRows.map((r) => r.line), [2, 7]);
});

test('the checker hands good rows on in file order, a batch at a time, never holding more than a batch', async (t) => {
  const count = 2 * CHECKED_ROWS_BATCH + 7;
  const lines = ['date,type,category,amount,description'];
  for (let i = 0; i < count; i++) lines.push(i === 100 ? '2026-02-30,expense,,1.00,bad day' : `2026-01-${String((i % 28) + 1).padStart(2, '0')},expense,,1.00,row ${i}`);
  const sizes: number[] = [];
  const seen: number[] = [];
  const checked = await checkCsvFile(tempFile(t, lines.join('\n')), LEDGERLY_EXPORT_MAPPING, {
    onRows: (batch) => {
      sizes.push(batch.length);
      seen.push(...batch.map((r) => r.line));
    },
  });
  assert.equal(checked.rowsRead, count);
  assert.deepEqual(checked.errors.map((e) => e.line), [102]);
  assert.deepEqual(sizes, [CHECKED_ROWS_BATCH, CHECKED_ROWS_BATCH, count - 1 - 2 * CHECKED_ROWS_BATCH]);
  assert.deepEqual(seen, Array.from({ length: count }, (_, i) => i + 2).filter((line) => line !== 102));
});

test('a named CSV problem survives being kept as a failed job\'s detail; words kept before names stay words', () => {
  const problems: CsvFileProblem[] = [{ kind: 'unclosed-quote' }, { kind: 'binary' }, { kind: 'utf16' }, { kind: 'unreadable', line: 12 }, { kind: 'unreadable', line: null }];
  for (const problem of problems) assert.deepEqual(csvFileProblemOf(csvFileProblemDetail(problem)), problem);
  assert.equal(csvFileProblemOf('Invalid Closing Quote: got "y" at line 2'), undefined);
  assert.equal(looksBinary(new TextEncoder().encode('date,amount\n2026-01-02,1.00\n')), false);
  assert.equal(looksBinary(new TextEncoder().encode('%PDF-1.7')), true);
});

test('a PDF, a spreadsheet (xlsx, ods, xls) and a ZIP archive holding a statement are told apart by their first bytes', () => {
  const zip = (name: string) => {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(name.length, 26);
    return Buffer.concat([header, Buffer.from(name, 'latin1')]);
  };
  assert.equal(mistakenFormatOf(Buffer.from('%PDF-1.7\n')), 'pdf');
  assert.equal(mistakenFormatOf(zip('[Content_Types].xml')), 'spreadsheet');
  assert.equal(mistakenFormatOf(zip('mimetype')), 'spreadsheet');
  assert.equal(mistakenFormatOf(zip('xl/workbook.xml')), 'spreadsheet');
  assert.equal(mistakenFormatOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])), 'spreadsheet', 'cut short: the likelier of the two');
  assert.equal(mistakenFormatOf(zip('Statement.CSV')), 'zip');
  assert.equal(mistakenFormatOf(zip('camt053.xml')), 'zip');
  assert.equal(mistakenFormatOf(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])), 'old-excel');
  for (const text of ['date,amount\n', '%PDF', 'PK;amount\n', 'OFXHEADER:100\n', '<?xml version="1.0"?>', '']) {
    assert.equal(mistakenFormatOf(Buffer.from(text)), undefined, JSON.stringify(text));
  }
});

test('a write that fails while rows are staged (a full disk) ends the read with its error, and the process goes on', async (t) => {
  const lines = ['date,type,category,amount,description'];
  for (let i = 0; i < CHECKED_ROWS_BATCH + 10; i++) lines.push(`2026-01-02,expense,,1.00,row ${i}`);
  const file = tempFile(t, lines.join('\n'));
  const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  // From a batch of rows, handed on inside the stream's write; then from the progress counts, one in the read's
  // data handler and one inside the write. Each escaped the stream as an uncaught exception before.
  await assert.rejects(
    checkCsvFile(file, LEDGERLY_EXPORT_MAPPING, { onRows: () => { throw full(); } }),
    (err: NodeJS.ErrnoException) => err.code === 'SQLITE_FULL',
  );
  let calls = 0;
  for (const failAt of [1, 2]) {
    calls = 0;
    await assert.rejects(
      checkCsvFile(file, LEDGERLY_EXPORT_MAPPING, { onRows: () => {}, onProgress: () => { if (++calls === failAt) throw full(); } }),
      (err: NodeJS.ErrnoException) => err.code === 'SQLITE_FULL',
      `failing at progress call ${failAt}`,
    );
  }
});
