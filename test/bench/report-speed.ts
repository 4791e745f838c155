/**
 * `node --import tsx test/bench/report-speed.ts`: how long a 10-year report takes at 1k and 1M transactions, for all
 * accounts (per-month totals) and for one account (its rows). Seeds a temp database first (about 15 s).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/open.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createReportService } from '../../src/services/reports.ts';
import { seedTransactionsForUser, seedUsers, createRandomSource } from '../../src/tools/seed.ts';
const dir = mkdtempSync(path.join(tmpdir(), 'rs-'));
const db = openDatabase(path.join(dir, 'x.sqlite'), { synchronous: 'NORMAL' });
migrate(db);
const [small, large] = seedUsers(db, ['s@x', 'l@x'], 'x');
const random = createRandomSource(3);
seedTransactionsForUser(db, small!, { count: 1000, endOn: '2026-12-01', years: 10, random });
seedTransactionsForUser(db, large!, { count: 1_000_000, endOn: '2026-12-01', years: 10, random });
const reports = createReportService({ transactions: createTransactionsRepo(db), categories: createCategoriesRepo(db), accounts: createAccountsRepo(db), budgetMonth: () => { throw new Error('unused'); }, upcoming: () => { throw new Error('unused'); }, asOneRead: (work) => work() });
const acct = (u: number) => (db.prepare('SELECT min(id) AS id FROM accounts WHERE user_id = ?').get(u) as { id: number }).id;
for (const [label, user] of [['1k', small!], ['1M', large!]] as const) {
  for (const [what, accountIds] of [['all accounts', null], ['one account', [acct(user)]]] as const) {
    const range = { fromMonth: '2017-01', toMonth: '2026-12', accountIds, trendCategoryId: 3 };
    reports.range(user, range, '2026-12-01');
    const times: number[] = [];
    for (let i = 0; i < 5; i++) { const t0 = performance.now(); reports.range(user, range, '2026-12-01'); times.push(performance.now() - t0); }
    times.sort((a, b) => a - b);
    console.log(`${label} ${what}: 10-year report median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[4]!.toFixed(1)})`);
  }
}
