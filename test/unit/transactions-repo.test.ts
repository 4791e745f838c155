import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createTransactionsRepo, splitRangeIntoMonths, type TransactionFilter } from '../../src/db/repos/transactions.ts';

const day = fc
  .record({ y: fc.integer({ min: 2024, max: 2026 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
  .filter(({ y, m, d }) => d <= new Date(Date.UTC(y, m, 0)).getUTCDate())
  .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

describe('splitting a date range into months', () => {
  test('whole months go to the monthly totals and only partial months to row ranges', () => {
    assert.deepEqual(splitRangeIntoMonths('2026-01-01', '2026-03-31'), { months: { from: '2026-01', to: '2026-03' }, dayRanges: [] });
    assert.deepEqual(splitRangeIntoMonths('2026-01-15', '2026-03-10'), {
      months: { from: '2026-02', to: '2026-02' },
      dayRanges: [
        { fromOn: '2026-01-15', toOn: '2026-01-31' },
        { fromOn: '2026-03-01', toOn: '2026-03-10' },
      ],
    });
    assert.deepEqual(splitRangeIntoMonths('2026-01-05', '2026-01-20'), { months: null, dayRanges: [{ fromOn: '2026-01-05', toOn: '2026-01-20' }] });
    assert.deepEqual(splitRangeIntoMonths('2026-01-01', '2026-01-20'), { months: null, dayRanges: [{ fromOn: '2026-01-01', toOn: '2026-01-20' }] });
    assert.deepEqual(splitRangeIntoMonths(undefined, undefined), { months: { from: '0000-00', to: '9999-99' }, dayRanges: [] });
    assert.deepEqual(splitRangeIntoMonths('2024-02-29', undefined), {
      months: { from: '2024-03', to: '9999-99' },
      dayRanges: [{ fromOn: '2024-02-29', toOn: '2024-02-29' }],
    });
  });

  test('the months and day ranges cover every day of the range exactly once', () => {
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const split = splitRangeIntoMonths(from, to);
        const covered: string[] = [];
        for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
          const d = new Date(t).toISOString().slice(0, 10);
          const inMonths = split.months !== null && d.slice(0, 7) >= split.months.from && d.slice(0, 7) <= split.months.to;
          const inRanges = split.dayRanges.filter((r) => d >= r.fromOn && d <= r.toOn).length;
          assert.equal(Number(inMonths) + inRanges, 1, `${d} in ${from}..${to}: ${JSON.stringify(split)}`);
          covered.push(d);
        }
        for (const r of split.dayRanges) assert.ok(r.fromOn >= from && r.toOn <= to);
      }),
      { numRuns: 300 },
    );
  });
});

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
    });
    const filter = fc.record(
      {
        fromOn: nearDay,
        toOn: nearDay,
        type: fc.constantFrom('income' as const, 'expense' as const),
        categoryId: fc.oneof(fc.constant('none' as const), fc.constantFrom(...categories.filter((c) => c.user_id === 1).map((c) => c.id))),
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
            description: '',
            categoryId: r.categorised ? own[r.pick % own.length]!.id : null,
          });
        }
        for (const f of filters as TransactionFilter[]) {
          assert.deepEqual(repo.totalsForFilter(1, f), repo.totalsForFilterFromRows(1, f), JSON.stringify(f));
        }
      }),
      { numRuns: 150 },
    );
    db.close();
  });
});
