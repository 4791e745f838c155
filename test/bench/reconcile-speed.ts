/**
 * `node --import tsx test/bench/reconcile-speed.ts --database FILE`: what a reconciliation costs on the account with
 * the most rows in FILE (for a million, the database `npm run bench -- --large 1000000 --keep` leaves behind).
 *
 * Reads, median of seven: the first page of rows waiting, a page from the middle of the history, where the page
 * before that one starts, and the cleared balance through the middle and the end of a month. Writes, once each,
 * inside a transaction that is rolled back (the file is left as it was): ticking every row up to the last day,
 * unticking them all, and ticking them all again and marking them reconciled, as finishing does.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/db/open.ts';
import { createReconciliationsRepo } from '../../src/db/repos/reconciliations.ts';

const { values: args } = parseArgs({ options: { database: { type: 'string' } } });
if (!args.database) throw new Error('usage: reconcile-speed.ts --database FILE');
const db = openDatabase(args.database);
const repo = createReconciliationsRepo(db);

const busiest = db
  .prepare<[], { account_id: number; user_id: number; n: number; last: string }>(
    'SELECT account_id, user_id, count(*) AS n, max(occurred_on) AS last FROM transactions GROUP BY account_id ORDER BY n DESC LIMIT 1',
  )
  .get();
if (!busiest) throw new Error('no transactions in this database');
const { account_id: accountId, user_id: userId, last } = busiest;
const middle = db
  .prepare<[number, number], { occurred_on: string; id: number }>('SELECT occurred_on, id FROM transactions WHERE account_id = ? ORDER BY occurred_on, id LIMIT 1 OFFSET ?')
  .get(accountId, Math.floor(busiest.n / 2));
const statuses = db.prepare('SELECT status, count(*) AS n FROM transactions WHERE account_id = ? GROUP BY status').all(accountId);
console.log(`account ${accountId}: ${busiest.n.toLocaleString('en')} rows, the last on ${last}; ${JSON.stringify(statuses)}`);

function median(name: string, run: () => unknown): void {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${name} | ${times[3]!.toFixed(2)} ms |`);
}

function once(name: string, run: () => number): void {
  const start = performance.now();
  const changed = run();
  console.log(`| ${name} | ${(performance.now() - start).toFixed(0)} ms (${changed.toLocaleString('en')} rows) |`);
}

console.log('| reads | median of 7 |\n|---|---:|');
const cursor = { occurredOn: middle!.occurred_on, id: middle!.id };
median('first page of 200', () => repo.listReconcilableRows(userId, accountId, last, null, 200));
median(`page after ${cursor.occurredOn}`, () => repo.listReconcilableRows(userId, accountId, last, cursor, 200));
median('where the page before it starts', () => repo.earlierReconcilableCursor(userId, accountId, cursor, 200));
median(`cleared balance through ${last.slice(0, 8)}15`, () => repo.clearedNetThrough(userId, accountId, `${last.slice(0, 8)}15`));
median(`cleared balance through ${last}`, () => repo.clearedNetThrough(userId, accountId, last));

console.log('\n| writes, rolled back | once |\n|---|---:|');
db.exec('BEGIN');
try {
  once('tick every row', () => repo.setAllCleared(userId, accountId, last, true));
  once('untick every row', () => repo.setAllCleared(userId, accountId, last, false));
  repo.setAllCleared(userId, accountId, last, true);
  once('mark them reconciled (finish)', () => repo.markClearedReconciled(userId, accountId, last));
} finally {
  db.exec('ROLLBACK');
  db.close();
}
