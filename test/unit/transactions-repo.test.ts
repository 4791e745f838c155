import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import type { TransactionFilter } from '../../src/domain/transactions.ts';
import { totalsForFilterFromRows } from '../helpers/bookkeeping.ts';

// Few months, so generated rows often fall on month edges, the days a wrong split would miscount.
const nearDay = fc
  .record({ m: fc.integer({ min: 1, max: 3 }), d: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 26, max: 31 })) })
  .filter(({ m, d }) => d <= new Date(Date.UTC(2024, m, 0)).getUTCDate())
  .map(({ m, d }) => `2024-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

describe('filtered totals', () => {
  test('totals read from monthly totals plus partial months equal the sums over raw rows, for any filter', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const repo = createTransactionsRepo(db);
    db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x'), ('b@example.com', 'x')").run();
    const categories = db.prepare<[], { id: number; user_id: number; kind: 'income' | 'expense' }>('SELECT id, user_id, kind FROM categories').all();
    const row = fc.record({
      user: fc.constantFrom(1, 2),
      type: fc.constantFrom('income' as const, 'expense' as const),
      amountCents: fc.integer({ min: 1, max: 10_000_000 }),
      occurredOn: nearDay,
      pick: fc.nat(),
      categorised: fc.boolean(),
      description: fc.constantFrom('', 'Coffee', 'coffee beans', 'Rent', '50% off', 'a_b'),
    });
    const filter = fc.record(
      {
        fromOn: nearDay,
        toOn: nearDay,
        type: fc.constantFrom('income' as const, 'expense' as const),
        categoryId: fc.oneof(fc.constant('none' as const), fc.constantFrom(...categories.filter((c) => c.user_id === 1).map((c) => c.id))),
        search: fc.constantFrom('coffee', 'COFFEE', '50%', '_', 'rent'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.array(filter, { minLength: 1, maxLength: 8 }), (rows, filters) => {
        db.exec('DELETE FROM transactions');
        for (const r of rows) {
          const own = categories.filter((c) => c.user_id === r.user && c.kind === r.type);
          repo.createTransaction(r.user, {
            type: r.type,
            amountCents: r.amountCents,
            occurredOn: r.occurredOn,
            description: r.description,
            categoryId: r.categorised ? own[r.pick % own.length]!.id : null,
          });
        }
        for (const f of filters as TransactionFilter[]) {
          assert.deepEqual(repo.totalsForFilter(1, f), totalsForFilterFromRows(db, 1, f), JSON.stringify(f));
        }
      }),
      { numRuns: 150 },
    );
    db.close();
  });
});
