import { existsSync } from 'node:fs';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createRandomSource, seedTransactionsForUser, seedUsers } from '../../src/tools/seed.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
const file = '/tmp/fts-bench.sqlite';
const fresh = !existsSync(file);
const db = openDatabase(file);
migrate(db);
const [small, big] = seedUsers(db, ['s@example.com', 'b@example.com'], 'x'.repeat(60));
if (fresh) {
  const t0 = performance.now();
  seedTransactionsForUser(db, big!, { count: 1_000_000, endOn: '2026-11-30', years: 10, random: createRandomSource(1) });
  seedTransactionsForUser(db, small!, { count: 1_000, endOn: '2026-11-30', years: 3, random: createRandomSource(2) });
  console.log('seeded', Math.round(performance.now() - t0), 'ms');
}
const repo = createTransactionsRepo(db);
const q = process.argv[2] ?? 'coffee';
for (const [name, id] of [['1k', small!], ['1M', big!]] as const) {
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const page = repo.listFilteredTransactionsPage(id, { search: q }, 50);
    const t1 = performance.now();
    const totals = repo.totalsForFilter(id, { search: q });
    const t2 = performance.now();
    if (r === 2) console.log(name, q, 'page', (t1 - t0).toFixed(1), 'ms', page.rows.length, 'totals', (t2 - t1).toFixed(1), 'ms', totals.count);
  }
}
const plan = (sql: string, ...p: unknown[]) => console.log(db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...p).map((r: any) => r.detail).join(' | '));
const from = `(SELECT rowid AS id FROM transactions_fts WHERE transactions_fts MATCH ? UNION SELECT m.id FROM categories mc JOIN transactions m ON m.user_id = mc.user_id AND m.category_id = mc.id WHERE mc.user_id = ? AND mc.name LIKE ? ESCAPE '\\') AS hits CROSS JOIN transactions t ON t.id = hits.id`;
plan(`SELECT t.type, sum(t.amount_cents), count(*) FROM ${from} WHERE t.user_id = ? AND t.type IN ('income','expense') GROUP BY t.type`, '"coffee"', big, '%coffee%', big);
plan(`SELECT t.id FROM ${from} WHERE t.user_id = ? AND t.type IN ('income','expense') ORDER BY t.occurred_on DESC, t.id DESC LIMIT 51`, '"coffee"', big, '%coffee%', big);
