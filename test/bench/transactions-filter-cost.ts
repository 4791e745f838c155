// Measures the transactions page's queries at two history lengths, to show their cost does not grow with history.
// Run: node --import tsx test/bench/transactions-filter-cost.ts [small] [large]   (defaults 10000 200000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import type { TransactionFilter } from '../../src/domain/transactions.ts';
import { totalsForFilterFromRows } from '../helpers/bookkeeping.ts';

function build(dir: string, rows: number): { db: Db; groceries: number } {
  const db = openDatabase(path.join(dir, `cost-${rows}.sqlite`));
  migrate(db);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('perf@example.com', 'x')").run();
  const cats = createCategoriesRepo(db).listCategoriesForUser(1);
  const expense = cats.filter((c) => c.kind === 'expense');
  const groceries = expense.find((c) => c.name === 'Groceries')!.id;
  const repo = createTransactionsRepo(db);
  const start = Date.UTC(2000, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) {
      // Spread evenly over the years ending 2026, so a bigger history is a longer one, not a denser one.
      const day = new Date(start + Math.floor((i / rows) * 9862) * 86_400_000).toISOString().slice(0, 10);
      const isIncome = i % 10 === 0;
      repo.createTransaction(1, {
        type: isIncome ? 'income' : 'expense',
        amountCents: 100 + ((i * 7919) % 100_000),
        occurredOn: day,
        description: i % 97 === 0 ? 'Weekly market run' : `Purchase ${i}`,
        categoryId: isIncome ? null : expense[i % expense.length]!.id,
      });
    }
  })();
  return { db, groceries };
}

function timeMs(fn: () => unknown, runs = 30): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const sizes = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 200_000)];
const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-cost-'));
try {
  const results: Record<string, Record<string, string>> = {};
  for (const size of sizes) {
    const { db, groceries } = build(dir, size);
    const repo = createTransactionsRepo(db);
    const deep = repo.listFilteredTransactionsPage(1, {}, 1, { occurredOn: '2001-01-01', id: 2 ** 40 }).rows[0]!;
    const cases: [string, () => unknown][] = [
      ['first page, no filter', () => repo.listFilteredTransactionsPage(1, {}, 50)],
      ['page near the oldest end (keyset)', () => repo.listFilteredTransactionsPage(1, {}, 50, deep)],
      ['first page, category filter', () => repo.listFilteredTransactionsPage(1, { categoryId: groceries }, 50)],
      ['totals, no filter', () => repo.totalsForFilter(1, {})],
      ['totals, 2010-03-15..2024-11-20 + type + category', () => repo.totalsForFilter(1, { fromOn: '2010-03-15', toOn: '2024-11-20', type: 'expense', categoryId: groceries } as TransactionFilter)],
      ['same totals from raw rows (reference)', () => totalsForFilterFromRows(db, 1, { fromOn: '2010-03-15', toOn: '2024-11-20', type: 'expense', categoryId: groceries })],
      ['totals with text search (scans the range)', () => repo.totalsForFilter(1, { search: 'market' })],
    ];
    for (const [name, fn] of cases) (results[name] ??= {})[`${size} rows`] = `${timeMs(fn).toFixed(3)} ms`;
    db.close();
  }
  console.table(results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
