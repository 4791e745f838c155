import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import type { PageCursor, TransactionFilter } from '../../src/domain/transactions.ts';
import { totalsForFilterFromRows } from '../helpers/bookkeeping.ts';

// Few months, so generated rows often fall on month edges, the days a wrong split would miscount.
const nearDay = fc
  .record({ m: fc.integer({ min: 1, max: 3 }), d: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 26, max: 31 })) })
  .filter(({ m, d }) => d <= new Date(Date.UTC(2024, m, 0)).getUTCDate())
  .map(({ m, d }) => `2024-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

/** An in-memory database with two people (ids 1 and 2, each with the starter categories) and the repository. */
function twoPeople() {
  const db = openDatabase(':memory:');
  migrate(db);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x'), ('b@example.com', 'x')").run();
  return { db, repo: createTransactionsRepo(db) };
}

describe("a person's rows, by id", () => {
  test("another person's id finds, changes and deletes nothing: each statement is scoped by the owner", () => {
    const { db, repo } = twoPeople();
    const account = db.prepare<[], number>('SELECT id FROM accounts WHERE user_id = 1').pluck().get()!;
    const id = repo.createTransaction(1, { accountId: account, type: 'expense', amountCents: 500, occurredOn: '2024-01-05', description: 'Tea', categoryId: null });
    assert.equal(repo.findOwnedTransaction(2, id), undefined);
    assert.equal(repo.updateOwnedTransaction(2, id, { accountId: account, type: 'income', amountCents: 1, occurredOn: '2024-01-05', description: 'x', categoryId: null }), false);
    assert.equal(repo.deleteOwnedTransaction(2, id), false);
    assert.equal(repo.deleteOwnedTransactions(2, [id]), 0);
    assert.equal(repo.deleteImportedIncomesAndExpenses(2, id, id, 1), 0);
    assert.deepEqual(repo.listTransactionsOnDay(2, '2024-01-05'), [], "the import's duplicate check sees only the person's own day");
    assert.equal(repo.findOwnedTransaction(1, id)?.description, 'Tea', 'the row is as it was');
    assert.equal(repo.deleteOwnedTransaction(1, id), true);
  });
});

describe('filtered totals', () => {
  test('totals read from monthly totals plus partial months equal the sums over raw rows, for any filter', () => {
    const { db, repo } = twoPeople();
    // Person 1 keeps two accounts, so an account's totals (alone and with a category) are a real part of the whole.
    createAccountsRepo(db).createAccount(1, { name: 'Savings', kind: 'savings', openingBalanceCents: 0, openingOn: '2024-01-01' });
    const accounts = db.prepare<[], number>('SELECT id FROM accounts WHERE user_id = 1 ORDER BY id').pluck().all();
    assert.equal(accounts.length, 2);
    const categories = db.prepare<[], { id: number; user_id: number; kind: 'income' | 'expense' }>('SELECT id, user_id, kind FROM categories').all();
    const row = fc.record({
      user: fc.constantFrom(1, 2),
      type: fc.constantFrom('income' as const, 'expense' as const),
      amountCents: fc.integer({ min: 1, max: 10_000_000 }),
      occurredOn: nearDay,
      pick: fc.nat(),
      second: fc.boolean(),
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
        accountId: fc.constantFrom(...accounts),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.array(filter, { minLength: 1, maxLength: 8 }), (rows, filters) => {
        db.exec('DELETE FROM transactions');
        for (const r of rows) {
          const own = categories.filter((c) => c.user_id === r.user && c.kind === r.type);
          repo.createTransaction(r.user, {
            accountId: r.user === 1 && r.second ? accounts[1] : undefined,
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

describe('the largest expenses of a range', () => {
  test('are the same whichever way they are found: by sorting a narrow range or walking the amount index for a wide one', () => {
    const { db, repo } = twoPeople();
    const seeded = fc.sample(
      fc.record({
        user: fc.constantFrom(1, 2),
        type: fc.constantFrom('income' as const, 'expense' as const, 'expense' as const),
        // Few distinct amounts, so ties are broken by id, as the page lists them.
        amountCents: fc.constantFrom(100, 2_500, 2_500, 9_999, 125_000),
        month: fc.integer({ min: 0, max: 35 }),
        day: fc.integer({ min: 1, max: 28 }),
      }),
      { numRuns: 1_500, seed: 11 },
    );
    const rows = seeded.map((r) => ({ ...r, occurredOn: `${2023 + Math.floor(r.month / 12)}-${String((r.month % 12) + 1).padStart(2, '0')}-${String(r.day).padStart(2, '0')}` }));
    db.transaction(() => {
      for (const r of rows) repo.createTransaction(r.user, { type: r.type, amountCents: r.amountCents, occurredOn: r.occurredOn, description: '', categoryId: null });
    })();
    const ids = db.prepare<[], { id: number; user_id: number; type: string; amount_cents: number; occurred_on: string }>('SELECT id, user_id, type, amount_cents, occurred_on FROM transactions').all();
    // A month, a quarter, a year and all three years: the narrow ranges are sorted, the wide ones walked (about 500 expenses of one person).
    for (const [fromOn, toOn] of [['2024-05-01', '2024-05-31'], ['2024-04-01', '2024-06-30'], ['2024-01-01', '2024-12-31'], ['2023-01-01', '2025-12-31']] as const) {
      const expected = ids
        .filter((r) => r.user_id === 1 && r.type === 'expense' && r.occurred_on >= fromOn && r.occurred_on <= toOn)
        .sort((a, b) => b.amount_cents - a.amount_cents || b.id - a.id)
        .slice(0, 10)
        .map((r) => r.id);
      assert.deepEqual(repo.biggestExpenses(1, fromOn, toOn, null, 10).map((r) => r.id), expected, `${fromOn} to ${toOn}`);
    }
  });
});

describe('a page of a text search', () => {
  test('holds the same rows whichever way it is found, in the list and in the export: walking the date index for a frequent word, from the matches for a rare one', () => {
    const { db } = twoPeople();
    // Every statement the repository runs, by its text: which way each page went.
    const ran: string[] = [];
    const recording = new Proxy(db, {
      get(target, prop) {
        if (prop !== 'prepare') {
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return (sql: string) => {
          const stmt = target.prepare(sql);
          const all = stmt.all.bind(stmt);
          return Object.assign(stmt, { all: (...args: unknown[]) => (ran.push(sql), all(...args)) });
        };
      },
    });
    const repo = createTransactionsRepo(recording);
    const shop = db.prepare<[], { id: number }>("INSERT INTO categories (user_id, kind, name, name_key) VALUES (1, 'expense', 'Coffee shop', 'coffee shop') RETURNING id").get()!.id;
    const groceries = db.prepare<[], { id: number }>("SELECT id FROM categories WHERE user_id = 1 AND kind = 'expense' AND name = 'Groceries'").get()!.id;
    const seeded = fc.sample(
      fc.record({
        user: fc.constantFrom(1, 1, 1, 2),
        type: fc.constantFrom('income' as const, 'expense' as const, 'expense' as const),
        // A third of the rows say coffee (a frequent word), a handful say tea (a rare one).
        description: fc.constantFrom('Coffee', 'coffee beans', 'Café au lait', 'Rent', 'Market', 'Bus', 'Cinema', 'Books', 'Green tea'),
        rare: fc.integer({ min: 0, max: 40 }),
        category: fc.constantFrom<'shop' | 'groceries' | null>('shop', 'groceries', null, null),
        month: fc.integer({ min: 0, max: 35 }),
        day: fc.integer({ min: 1, max: 28 }),
      }),
      { numRuns: 3_000, seed: 5 },
    );
    db.transaction(() => {
      for (const r of seeded) {
        const description = r.description === 'Green tea' && r.rare !== 0 ? 'Bus' : r.description;
        const categoryId = r.user === 1 && r.type === 'expense' && r.category ? (r.category === 'shop' ? shop : groceries) : null;
        const occurredOn = `${2023 + Math.floor(r.month / 12)}-${String((r.month % 12) + 1).padStart(2, '0')}-${String(r.day).padStart(2, '0')}`;
        repo.createTransaction(r.user, { type: r.type, amountCents: 100 + r.day, occurredOn, description, categoryId });
      }
    })();
    const rows = db
      .prepare<[], { id: number; type: string; occurred_on: string; description: string; category_id: number | null }>(
        "SELECT id, type, occurred_on, description, category_id FROM transactions WHERE user_id = 1 AND type IN ('income', 'expense')",
      )
      .all();
    const folded = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    const filters: TransactionFilter[] = [
      { search: 'coffee' },
      { search: 'offe', type: 'expense' },
      { search: 'COFFEE', fromOn: '2024-03-01', toOn: '2024-11-30' },
      { search: 'coffee', categoryId: groceries },
      { search: 'shop' },
      { search: 'tea' },
      { search: 'cafe' },
    ];
    const ways = new Set<string>();
    for (const filter of filters) {
      const needle = folded(filter.search!);
      const expected = rows
        .filter((r) => folded(r.description).includes(needle) || (r.category_id === shop && 'coffee shop'.includes(needle)))
        .filter((r) => (filter.type === undefined || r.type === filter.type) && (filter.categoryId === undefined || r.category_id === filter.categoryId))
        .filter((r) => (filter.fromOn === undefined || r.occurred_on >= filter.fromOn) && (filter.toOn === undefined || r.occurred_on <= filter.toOn))
        .sort((a, b) => (a.occurred_on === b.occurred_on ? b.id - a.id : a.occurred_on < b.occurred_on ? 1 : -1))
        .map((r) => r.id);
      assert.ok(expected.length > 0, JSON.stringify(filter));
      /** Every page in turn, 25 rows at a time, noting the way each page went under `label`. */
      const pageThrough = (label: string, pageOf: (after: PageCursor | null) => { rows: readonly { id: number }[]; next: PageCursor | null }) => {
        const ids: number[] = [];
        let after: PageCursor | null = null;
        do {
          ran.length = 0;
          const page = pageOf(after);
          ids.push(...page.rows.map((r) => r.id));
          after = page.next;
          const listing = ran.find((sql) => sql.includes('ORDER BY t.occurred_on DESC'));
          ways.add(`${label}${filter.search}: ${listing?.includes('+t.id IN') ? 'walk' : 'matches'}`);
        } while (after);
        return ids;
      };
      assert.deepEqual(pageThrough('', (after) => repo.listFilteredTransactionsPage(1, filter, 25, after)), expected, JSON.stringify(filter));
      // The export pages the same rows the same way.
      assert.deepEqual(pageThrough('export ', (after) => repo.listExportPage(1, filter, 25, after)), expected, `export ${JSON.stringify(filter)}`);
    }
    // Both ways were taken: the frequent word walks, the rare one is looked up by its matches.
    assert.ok(ways.has('coffee: walk'), [...ways].join(', '));
    assert.ok(ways.has('tea: matches'), [...ways].join(', '));
    assert.ok(ways.has('shop: walk'), [...ways].join(', '));
    assert.ok(ways.has('export coffee: walk') && ways.has('export tea: matches'), [...ways].join(', '));
    db.close();
  });
});

describe('sums per month and category', () => {
  test('equal the raw rows, refunds (income in an expense category) netted off their category, for all accounts or some', () => {
    const { db, repo } = twoPeople();
    const second = db.prepare<[], { id: number }>("INSERT INTO accounts (user_id, name, name_key, kind, opening_balance_cents, opening_on, position) VALUES (1, 'Card', 'card', 'credit_card', 0, '2024-01-01', 1) RETURNING id").get()!.id;
    const first = db.prepare<[number], { id: number }>('SELECT id FROM accounts WHERE user_id = 1 AND id != ? ORDER BY id LIMIT 1').get(second)!.id;
    const categories = db.prepare<[], { id: number; user_id: number; kind: string }>('SELECT id, user_id, kind FROM categories').all();
    const seeded = fc.sample(
      fc.record({
        user: fc.constantFrom(1, 1, 2),
        type: fc.constantFrom('income' as const, 'expense' as const),
        // Any of the person's categories whatever the row's type, so income lands in expense categories (refunds).
        pick: fc.nat(),
        categorised: fc.boolean(),
        card: fc.boolean(),
        amountCents: fc.integer({ min: 1, max: 100_000 }),
        month: fc.integer({ min: 1, max: 4 }),
      }),
      { numRuns: 800, seed: 9 },
    );
    db.transaction(() => {
      for (const r of seeded) {
        const own = categories.filter((c) => c.user_id === r.user);
        repo.createTransaction(r.user, {
          accountId: r.user === 1 ? (r.card ? second : first) : null,
          type: r.type,
          amountCents: r.amountCents,
          occurredOn: `2024-0${r.month}-10`,
          description: '',
          categoryId: r.categorised ? own[r.pick % own.length]!.id : null,
        });
      }
    })();
    const kindOf = new Map(categories.map((c) => [c.id, c.kind]));
    const raw = db.prepare<[], { account_id: number; type: string; amount_cents: number; occurred_on: string; category_id: number | null }>('SELECT account_id, type, amount_cents, occurred_on, category_id FROM transactions WHERE user_id = 1').all();
    const expected = (accounts: number[] | null) => {
      const sums = new Map<string, number>();
      for (const r of raw) {
        if (accounts && !accounts.includes(r.account_id)) continue;
        if (r.occurred_on < '2024-02-01' || r.occurred_on > '2024-03-31') continue;
        const refund = r.type === 'income' && r.category_id !== null && kindOf.get(r.category_id) === 'expense';
        const key = `${r.occurred_on.slice(0, 7)} ${refund ? 'expense' : r.type} ${r.category_id}`;
        sums.set(key, (sums.get(key) ?? 0) + (refund ? -r.amount_cents : r.amount_cents));
      }
      return [...sums].sort();
    };
    const got = (accounts: number[] | null) =>
      repo
        .categoryMonthSums(1, { from: '2024-02', to: '2024-03' }, accounts)
        .map((s) => [`${s.month} ${s.type} ${s.categoryId}`, s.cents] as [string, number])
        .sort();
    assert.ok(raw.some((r) => r.type === 'income' && r.category_id !== null && kindOf.get(r.category_id) === 'expense'), 'some refunds');
    assert.deepEqual(got(null), expected(null));
    assert.deepEqual(got([second]), expected([second]));
    assert.deepEqual(got([first, second]), expected([first, second]));
    db.close();
  });
});
