import { copyFileSync, rmSync } from 'node:fs';
import { openDatabase } from '../../src/db/open.ts';
import { createSchedulesRepo } from '../../src/db/repos/schedules.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { createTransactionRunner } from '../../src/db/unit-of-work.ts';
import { createScheduleService } from '../../src/services/schedules.ts';
import { addDays, dayAt } from '../../src/domain/calendar.ts';
const file = process.argv[2] ?? '/tmp/poster-copy.sqlite';
rmSync(file, { force: true }); rmSync(`${file}-wal`, { force: true });
copyFileSync('/dev/shm/p1m.sqlite', file);
const db = openDatabase(file);
dayAt(Date.now(), 'UTC');
const userId = (db.prepare("SELECT id FROM users WHERE email = 'phases-large@example.com'").get() as { id: number }).id;
const account = (db.prepare('SELECT min(id) AS id FROM accounts WHERE user_id = ?').get(userId) as { id: number }).id;
const behind = addDays(dayAt(Date.now(), 'UTC'), -9_999);
db.prepare(`INSERT INTO schedules (user_id, type, account_id, amount_cents, description, frequency, every, start_on, effective_from, next_on, created_at, updated_at)
  VALUES (?, 'expense', ?, 250, 'Daily catch-up', 'days', 1, ?, ?, ?, 0, 0)`).run(userId, account, behind, behind, behind);
if (process.argv[4] === 'nofts') db.exec('DROP TRIGGER transactions_fts_insert');
if (process.argv[4] === 'nototals') for (const n of ['transactions_totals_insert', 'transactions_account_totals_insert', 'transactions_account_category_insert']) db.exec('DROP TRIGGER ' + n);
if (process.argv[4] === 'optimized') db.exec("INSERT INTO transactions_fts (transactions_fts) VALUES ('optimize')");
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
const db2 = openDatabase(file);
if (process.argv[3] === 'nofk') db2.pragma('foreign_keys = OFF');
const repo = createSchedulesRepo(db2);
const spent: Record<string, number> = {};
for (const name of ['setOccurrenceTarget', 'insertScheduledTransaction', 'claimOccurrence', 'listDueSchedules', 'advanceSchedule'] as const) {
  const fn = (repo as any)[name].bind(repo);
  (repo as any)[name] = (...a: unknown[]) => { const t0 = performance.now(); try { return fn(...a); } finally { spent[name] = (spent[name] ?? 0) + performance.now() - t0; } };
}
const svc = createScheduleService({ schedules: repo, accounts: createAccountsRepo(db2), categories: createCategoriesRepo(db2), transfers: createTransfersRepo(db2), inTransaction: createTransactionRunner(db2), clock: { now: () => Date.now() }, defaultTimeZone: 'UTC' });
const times: number[] = [];
for (;;) { const t0 = performance.now(); const n = svc.postDueBatch(); times.push(performance.now() - t0); if (!n) break; }
console.log('first', times.slice(0, 5).map((x) => x.toFixed(1)).join(' '), 'worst', [...times].sort((a, b) => b - a).slice(0, 6).map((x) => x.toFixed(1)).join(' '), 'batches', times.length);
console.log(Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, Math.round(v)])));
db2.close();
rmSync(file, { force: true });
