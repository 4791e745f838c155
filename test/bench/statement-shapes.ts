/**
 * `node --import tsx test/bench/statement-shapes.ts --database FILE [--user 2] [--runs 3] [--export-batch 2000]`: the median time of every
 * filter shape of the transactions list (its totals and its first page), and of the other reads that once chose a
 * poor index at a million rows (a schedule's posted rows for an import, a rules run over uncategorised rows, the Newer
 * link with a from day, the transfers list, a search's CSV export, the owner's list of people). Each passes
 * test/integration/query-plans.test.ts on a small database; only a large one shows which index SQLite picked.
 *
 * FILE is copied first and the copy removed at the end: use the bench's kept database (`npm run bench -- --only zzz
 * --large 1000000 --others 2 --duration 1 --cold-starts 1 --keep` prints its path; person 2 has 1,000,000 rows).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/db/open.ts';
import { createSchedulesRepo } from '../../src/db/repos/schedules.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import type { PageCursor, TransactionFilter } from '../../src/domain/transactions.ts';
import { streamTransactionsCsv } from '../../src/services/export.ts';

const { values: args } = parseArgs({
  options: { database: { type: 'string' }, user: { type: 'string', default: '2' }, runs: { type: 'string', default: '3' }, 'export-batch': { type: 'string', default: '2000' } },
});
if (!args.database) {
  console.error('Usage: node --import tsx test/bench/statement-shapes.ts --database FILE [--user 2] [--runs 3]');
  process.exit(2);
}
const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-shapes-'));
const file = path.join(dir, 'copy.sqlite');
copyFileSync(args.database, file);
const db = openDatabase(file);
const userId = Number(args.user);
const runs = Number(args.runs);
const transactions = createTransactionsRepo(db);

const account = db.prepare<[number], number>('SELECT id FROM accounts WHERE user_id = ? ORDER BY id LIMIT 1').pluck().get(userId)!;
// The person's most used expense category.
const category = db
  .prepare<[number], number>("SELECT category_key FROM monthly_totals WHERE user_id = ? AND type = 'expense' AND category_key <> 0 GROUP BY category_key ORDER BY sum(tx_count) DESC LIMIT 1")
  .pluck()
  .get(userId)!;
const rows = db.prepare<[number], number>('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId)!;

/** The median of `runs` timings of fn, in ms. */
function median(fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}
const results: { what: string; ms: number }[] = [];
const time = (what: string, fn: () => unknown) => results.push({ what, ms: median(fn) });

const shapes: [string, TransactionFilter][] = [
  ['account + category', { accountId: account, categoryId: category }],
  ['account + category=none', { accountId: account, categoryId: 'none' }],
  ['account + from + category', { accountId: account, fromOn: '2021-03-10', categoryId: category }],
  ['account + from + category=none', { accountId: account, fromOn: '2021-03-10', categoryId: 'none' }],
  ['type + category=none', { type: 'expense', categoryId: 'none' }],
  ['type + category', { type: 'expense', categoryId: category }],
  ['q=ga (two letters)', { search: 'ga' }],
  ['category + q=ga', { categoryId: category, search: 'ga' }],
  ['category=none + q=ga', { categoryId: 'none', search: 'ga' }],
  ['q=grocer (names a category)', { search: 'grocer' }],
  ['account', { accountId: account }],
  ['account + type', { accountId: account, type: 'income' }],
  ['from + to', { fromOn: '2021-03-10', toOn: '2022-04-20' }],
];
for (const [name, filter] of shapes) {
  time(`totals: ${name}`, () => transactions.totalsForFilter(userId, filter));
  time(`first page: ${name}`, () => transactions.listFilteredTransactionsPage(userId, filter, 50, null));
}

const first = db
  .prepare<[number], { occurred_on: string; id: number }>("SELECT occurred_on, id FROM transactions WHERE user_id = ? AND occurred_on <= '2025-06-01' ORDER BY occurred_on DESC, id DESC LIMIT 1")
  .get(userId);
if (first) time('Newer link: from + type', () => transactions.newerPageCursor(userId, { fromOn: '2016-03-10', type: 'income' }, 50, { occurredOn: first.occurred_on, id: first.id }));
time('rules run, uncategorised, ten years', () => transactions.listRowsForRules(userId, '2016-01-01', '2026-12-31', true, 5000));
time("an import's scheduled rows, two years", () => createSchedulesRepo(db).listPostedScheduledRows(userId, '2024-01-01', '2025-12-31'));
time('transfers: account + days + cursor', () =>
  createTransfersRepo(db).listTransfersPage(userId, { accountId: account, fromOn: '2020-01-01', toOn: '2026-12-31' }, { occurredOn: '2026-01-01', id: 1 << 30 }, 50),
);
time("the owner's list of people", () => createUsersRepo(db).listUsersForAdmin());

// A search's CSV export, page by page as the service reads it (2,000 rows a query; 100 before 3 Dec), into a sink.
const exportBatch = Number(args['export-batch']);
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
for (const search of ['bill', 'coffee']) {
  const started = performance.now();
  await streamTransactionsCsv((after: PageCursor | null) => transactions.listExportPage(userId, { search }, exportBatch, after), sink());
  results.push({ what: `CSV export of q=${search}`, ms: performance.now() - started });
}

db.close();
rmSync(dir, { recursive: true, force: true });
console.log(`person ${userId}, ${rows.toLocaleString('en')} rows; median of ${runs} (exports once), ms`);
for (const r of results) console.log(`${r.what.padEnd(48)} ${r.ms.toFixed(2).padStart(10)}`);
