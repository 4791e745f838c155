/**
 * A CSV import's checked rows wait in the process's scratch database (src/db/repos/import-rows.ts) between reading
 * the file and writing them, and the writer reads them back a page at a time: the scratch file is private, left out
 * of the database, given back when an import ends and removed once its process is gone; and rows that belong
 * together (equal rows of one day, one day's rows of a file listed newest first) stay together across pages.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createImportRowsRepo } from '../../src/db/repos/import-rows.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { LEDGERLY_EXPORT_MAPPING, type ImportRow } from '../../src/domain/imports.ts';
import { importServiceOn } from '../helpers/bookkeeping.ts';
import { scratchFilesOf } from '../helpers/server-process.ts';

function tempDb(t: TestContext): { db: Db; dir: string; dbPath: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-staging-'));
  const dbPath = path.join(dir, 'ledgerly.sqlite');
  const db = openDatabase(dbPath);
  migrate(db);
  t.after(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, dir, dbPath };
}

const row = (line: number, occurredOn: string, extra: Partial<ImportRow> = {}): ImportRow => ({
  line,
  occurredOn,
  type: 'expense',
  amountCents: 100 * line,
  description: `row ${line}`,
  categoryName: '',
  accountName: '',
  transferRef: '',
  ...extra,
});

test('staged rows read back in date order (then line), transfer legs by reference, and nothing of them is in the database file', (t) => {
  const { db, dir, dbPath } = tempDb(t);
  const userId = createUsersRepo(db).createUser('stager@example.com', 'x').id;
  const repo = createImportRowsRepo(db);
  // No rollback journal for staged rows (they are made again from the kept upload if the process dies), and the
  // connection is back in defensive mode afterwards: journal_mode=OFF is refused on the real database.
  assert.equal(db.pragma('import_scratch.journal_mode', { simple: true }), 'off');
  assert.equal(db.pragma('main.journal_mode = OFF', { simple: true }), 'wal');
  repo.startStaging(userId, 'job-1');
  const journals = () => readdirSync(dir).filter((name) => name.endsWith('-journal'));
  let duringWrite: string[] = [];
  db.transaction(() => {
    repo.stageRows(userId, 'job-1', [row(1, '2026-03-03')]);
    duringWrite = journals();
  })();
  assert.deepEqual(duringWrite, [], 'no journal file beside the scratch database while it is written');
  repo.stageRows(userId, 'job-1', [
    row(2, '2026-03-02'),
    row(3, '2026-01-05', { type: 'transfer_out', transferRef: 'T2' }),
    row(4, '2026-01-05'),
    row(5, '2026-03-01'),
    row(6, '2026-01-05', { type: 'transfer_in', transferRef: 'T1' }),
    row(7, '2026-01-05'),
    row(8, '2026-01-05', { type: 'transfer_out', transferRef: 'T1' }),
  ]);
  repo.sort(userId, 'job-1');

  const entries = [...repo.listEntries(userId, 'job-1', 0, 2), ...repo.listEntries(userId, 'job-1', 2, 10)];
  assert.deepEqual(entries.map((e) => [e.row.occurredOn, e.row.line]), [['2026-01-05', 4], ['2026-01-05', 7], ['2026-03-01', 5], ['2026-03-02', 2], ['2026-03-03', 1]]);
  assert.deepEqual(repo.listLegs(userId, 'job-1', 0, 10).map((e) => [e.row.transferRef, e.row.line]), [['T1', 6], ['T1', 8], ['T2', 3]]);
  assert.deepEqual(repo.listEntries(userId, 'job-1', entries.at(-1)!.n, 10), [], 'and then no more');

  // The rows are in the scratch database, not in the database people's data and backups live in.
  const mainTables = db.prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table'").pluck().all() as string[];
  assert.equal(mainTables.some((name) => /staged|entries_|legs_/.test(name)), false, mainTables.join(', '));
  const [scratch, ...more] = scratchFilesOf(dbPath, process.pid);
  assert.ok(scratch !== undefined && more.length === 0, 'one scratch file for the connection, named with the process id');
  assert.equal((statSync(scratch).mode & 0o777).toString(8), '600', 'owner-only, like the database');

  repo.finish(userId, 'job-1');
  assert.deepEqual(db.prepare('SELECT name FROM import_scratch.sqlite_schema').pluck().all(), [], 'an ended import leaves no table');
  assert.ok(statSync(scratch).size <= 4096, `its pages are given back (${statSync(scratch).size} bytes)`);
});

test("a scratch file left by a process that is gone, or by an earlier process with this one's id, is removed at the next open; a running process's is kept", (t) => {
  const { db, dbPath } = tempDb(t);
  createImportRowsRepo(db);
  const [mine] = scratchFilesOf(dbPath, process.pid);
  // Above Linux's highest process id (2^22), so certainly no running process.
  const gone = `${dbPath}-import-4194305-0123456789ab`;
  const running = `${dbPath}-import-${process.ppid}-0123456789ab`;
  // Our id, but not a file this process made: a container's server is often process 1 at every start.
  const earlierLife = `${dbPath}-import-${process.pid}-0123456789ab`;
  const unrelated = `${dbPath}-imported-notes`;
  for (const file of [gone, running, earlierLife, unrelated]) writeFileSync(file, 'x');
  const second = openDatabase(dbPath);
  t.after(() => second.close());
  createImportRowsRepo(second);
  assert.deepEqual([existsSync(gone), existsSync(running), existsSync(earlierLife), existsSync(unrelated)], [false, true, false, true]);
  assert.ok(mine !== undefined && existsSync(mine), "the first connection's own file is kept");
  assert.equal(scratchFilesOf(dbPath, process.pid).length, 2, 'each connection has its own');
});

test('equal rows of one day are told apart across page boundaries, and a file listed newest first keeps each day in its order', async (t) => {
  const { db, dir } = tempDb(t);
  const userId = createUsersRepo(db).createUser('pages@example.com', 'x').id;
  // 4,500 rows on three days (pages are 2,000 rows): the same coffee many times a day, newest day first.
  const lines = ['date,type,category,amount,description'];
  const days = ['2026-05-03', '2026-05-02', '2026-05-01'];
  for (const day of days) for (let i = 0; i < 1500; i++) lines.push(`${day},expense,,${i % 2 === 0 ? '3.50' : '4.20'},${i % 3 === 0 ? 'Coffee' : `Lunch ${i}`}`);
  const file = path.join(dir, 'newest-first.csv');
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  const imports = importServiceOn(db, path.join(dir, 'imports'));

  const first = await imports.importFile(userId, file, LEDGERLY_EXPORT_MAPPING);
  assert.equal(first.imported, 4500);
  // Each day's rows went in from the last line of the day to the first, so newest-first lists show the file's order.
  const shown = db
    .prepare('SELECT occurred_on AS day, description, amount_cents AS cents FROM transactions WHERE user_id = ? ORDER BY occurred_on DESC, id DESC')
    .all(userId) as { day: string; description: string; cents: number }[];
  assert.deepEqual(
    shown.map((r) => `${r.day},expense,,${(r.cents / 100).toFixed(2)},${r.description}`),
    lines.slice(1),
  );

  // The same file again: every row is found by its key (day, amount, description, and which of the equal ones).
  const again = await imports.importFile(userId, file, LEDGERLY_EXPORT_MAPPING);
  assert.deepEqual([again.imported, again.alreadyImported], [0, 4500]);
  assert.equal((db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId) as number), 4500);
});

test('a file that repeats part of an earlier import adds only its new rows, on every page, and the account then holds too many keys to read whole', async (t) => {
  const { db, dir } = tempDb(t);
  const userId = createUsersRepo(db).createUser('overlap@example.com', 'x').id;
  const imports = importServiceOn(db, path.join(dir, 'imports'));
  const write = (name: string, days: readonly string[], perDay: number) => {
    const lines = ['date,type,category,amount,description'];
    for (const day of days) for (let i = 0; i < perDay; i++) lines.push(`${day},expense,,${(1 + (i % 7)).toFixed(2)},Shop ${i % 40}`);
    const file = path.join(dir, name);
    writeFileSync(file, `${lines.join('\r\n')}\r\n`);
    return file;
  };
  // 600 rows first: few enough keys that the next import reads them whole. Then the same day with four more after it
  // (3,000 rows, two pages): the first day's rows are found, on the first page, and every later day's row is new.
  const early = await imports.importFile(userId, write('early.csv', ['2026-04-01'], 600), LEDGERLY_EXPORT_MAPPING);
  assert.equal(early.imported, 600);
  const later = write('later.csv', ['2026-04-01', '2026-04-02', '2026-04-03', '2026-04-04', '2026-04-05'], 600);
  const overlapping = await imports.importFile(userId, later, LEDGERLY_EXPORT_MAPPING);
  assert.deepEqual([overlapping.imported, overlapping.alreadyImported], [2400, 600]);
  // Now 3,000 keys: each is looked up, and the whole file is found again.
  const again = await imports.importFile(userId, later, LEDGERLY_EXPORT_MAPPING);
  assert.deepEqual([again.imported, again.alreadyImported], [0, 3000]);
  assert.equal(db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId), 3000);
});
