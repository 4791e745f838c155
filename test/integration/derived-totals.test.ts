/**
 * monthly_totals is derived data kept by triggers (and by the seed tool's bulk path): after any mix of writes it
 * must equal, group by group, the sums and counts computed from the raw transaction rows. Random sequences of
 * adds, edits, deletes, bulk actions, category deletes, imports, account deletions and bulk seeds go through the
 * repos (and a run through HTTP with real CSRF tokens), then every group is compared in both directions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createReconciliationsRepo } from '../../src/db/repos/reconciliations.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { findMonthlyTotalsMismatches, findUserTotalsMismatches } from '../../src/db/totals-check.ts';
import { LEDGERLY_EXPORT_MAPPING } from '../../src/domain/imports.ts';
import { centsToDecimalString } from '../../src/domain/money.ts';
import type { TransactionType } from '../../src/domain/transactions.ts';
import { createRandomSource, seedTransactionsForUser } from '../../src/tools/seed.ts';
import { addTransaction, copyMigratedDatabase, createTestContext, csrfFrom, registerUser } from '../helpers/app.ts';
import { textIndexProblems } from '../helpers/attack.ts';
import { allTransactionsOf, assertAccountTotalsMatchRows, countMonthlyTotalGroups, importServiceOn, listSchemaOf, totalsForUserFromRows } from '../helpers/bookkeeping.ts';

const FIRST_DAY = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;
const dayFrom = (offset: number) => new Date(FIRST_DAY + offset * DAY_MS).toISOString().slice(0, 10);

function tempDb(): { db: Db; dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-totals-'));
  // Sixty property runs each start from a new database: a copy of a migrated one is an eighth of the cost.
  copyMigratedDatabase(path.join(dir, 'totals.sqlite'));
  const db = openDatabase(path.join(dir, 'totals.sqlite'));
  migrate(db);
  return {
    db,
    dir,
    remove() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const user = fc.integer({ min: 0, max: 2 });
const pick = fc.nat({ max: 1000 });
const fields = fc.record({
  type: fc.constantFrom<TransactionType>('income', 'expense'),
  amountCents: fc.integer({ min: 1, max: 5_000_000 }),
  // Two and a half years: many months, month and year boundaries.
  day: fc.integer({ min: 0, max: 900 }),
  // Index into the user's categories of the right kind, or -1 for none.
  category: fc.integer({ min: -1, max: 12 }),
});

const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), user, tx: fields }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), user, pick, tx: fields }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), user, pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteMany' as const), user, picks: fc.array(pick, { maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setCategory' as const), user, picks: fc.array(pick, { maxLength: 6 }), category: fc.integer({ min: -1, max: 12 }), type: fc.constantFrom<TransactionType>('income', 'expense') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCategory' as const), user, pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createCategory' as const), user, type: fc.constantFrom<TransactionType>('income', 'expense'), name: fc.constantFrom('Pets', 'Travel', 'Gifts', 'Side job', 'Books') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('import' as const), user, rows: fc.array(fc.record({ tx: fields, categoryName: fc.constantFrom('', 'Groceries', 'Salary', 'Brand new', 'Housing') }), { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('seed' as const), user, count: fc.integer({ min: 1, max: 40 }), mode: fc.constantFrom<'bulk' | 'trigger'>('bulk', 'trigger'), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteUser' as const), user }) },
  // Reconciling: rows ticked or unticked, every row up to a day ticked or unticked, the ticked ones reconciled, and a
  // reconciled row edited back (as its confirmed edit does). Only entering or leaving "uncleared" moves a total.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      user,
      steps: fc.array(
        fc.record({
          picks: fc.array(pick, { maxLength: 6 }),
          how: fc.constantFrom('tick', 'untick', 'tickAll', 'untickAll', 'reconcile', 'reopen'),
          // Mostly past every row, sometimes within the history.
          day: fc.oneof(fc.constant(1000), fc.integer({ min: 0, max: 900 })),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  },
);

test('monthly totals equal the raw rows after random adds, edits, deletes, bulk actions, category deletes, imports, seeds and account deletions', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      const { db, dir, remove } = tempDb();
      try {
        const users = createUsersRepo(db);
        const transactions = createTransactionsRepo(db);
        const categories = createCategoriesRepo(db);
        const reconciliations = createReconciliationsRepo(db);
        const imports = importServiceOn(db, path.join(dir, 'imports'));
        const ids: (number | undefined)[] = ['a@example.com', 'b@example.com', 'c@example.com'].map(
          (email) => users.createUser(email, 'not-a-real-hash').id,
        );
        const idsOf = (userId: number) => allTransactionsOf(db, userId).map((r) => r.id);
        const categoryFor = (userId: number, type: TransactionType, index: number): number | null => {
          if (index < 0) return null;
          const own = categories.listCategoriesForUser(userId).filter((c) => c.kind === type);
          return own.length === 0 ? null : own[index % own.length]!.id;
        };
        let fileNumber = 0;
        for (const o of ops) {
          const userId = ids[o.user];
          if (userId === undefined) continue;
          const accountOf = (id: number) => (db.prepare('SELECT min(id) AS id FROM accounts WHERE user_id = ?').get(id) as { id: number }).id;
          const toNew = (tx: { type: TransactionType; amountCents: number; day: number; category: number }) => ({
            accountId: accountOf(userId),
            type: tx.type,
            amountCents: tx.amountCents,
            occurredOn: dayFrom(tx.day),
            description: 'random',
            categoryId: categoryFor(userId, tx.type, tx.category),
          });
          const own = idsOf(userId);
          const chosen = (n: number) => (own.length === 0 ? undefined : own[n % own.length]);
          switch (o.kind) {
            case 'add':
              transactions.createTransaction(userId, toNew(o.tx));
              break;
            case 'edit': {
              const id = chosen(o.pick);
              if (id !== undefined) assert.equal(transactions.updateOwnedTransaction(userId, id, toNew(o.tx)), true);
              break;
            }
            case 'delete': {
              const id = chosen(o.pick);
              if (id !== undefined) assert.equal(transactions.deleteOwnedTransaction(userId, id), true);
              break;
            }
            case 'deleteMany':
              // The repo's many-row writes run inside the service's transaction; here each statement commits alone.
              transactions.deleteOwnedTransactions(userId, o.picks.map(chosen).filter((id) => id !== undefined));
              break;
            case 'setCategory': {
              const categoryId = categoryFor(userId, o.type, o.category);
              transactions.setCategoryOnOwnedTransactions(
                userId,
                o.picks.map(chosen).filter((id) => id !== undefined),
                categoryId === null ? null : { id: categoryId, kind: o.type },
              );
              break;
            }
            case 'deleteCategory': {
              const own = categories.listCategoriesForUser(userId);
              if (own.length > 0) categories.deleteOwnedCategory(userId, own[o.pick % own.length]!.id);
              break;
            }
            case 'createCategory':
              if (!categories.findCategoryByName(userId, o.type, o.name)) categories.createCategory(userId, o.type, o.name);
              break;
            case 'import': {
              const file = path.join(dir, 'import.csv');
              // Each import is a new file: rows equal to an earlier file's would be skipped as imported before.
              const lines = o.rows.map((r) => `${dayFrom(r.tx.day)},${r.tx.type},${r.categoryName},${centsToDecimalString(r.tx.amountCents)},imported ${++fileNumber}`);
              writeFileSync(file, ['date,type,category,amount,description', ...lines].join('\r\n'));
              const result = await imports.importFile(userId, file, LEDGERLY_EXPORT_MAPPING, {
                unknownCategories: o.user === 1 ? 'uncategorised' : 'create',
                keepDuplicates: true,
              });
              assert.equal(result.imported, o.rows.length);
              break;
            }
            case 'seed':
              seedTransactionsForUser(db, userId, {
                count: o.count,
                endOn: '2026-06-30',
                years: 3,
                random: createRandomSource(o.seed),
                mode: o.mode,
              });
              break;
            case 'deleteUser':
              users.deleteUser(userId);
              ids[o.user] = undefined;
              break;
            case 'status':
              for (const step of o.steps) {
                const account = accountOf(userId);
                const through = dayFrom(step.day);
                const picked = step.picks.map(chosen).filter((id) => id !== undefined);
                if (step.how === 'tick' || step.how === 'untick') reconciliations.setClearedRows(userId, account, through, picked, step.how === 'tick');
                else if (step.how === 'tickAll' || step.how === 'untickAll') reconciliations.setAllCleared(userId, account, through, step.how === 'tickAll');
                else if (step.how === 'reconcile') reconciliations.markClearedReconciled(userId, account, through);
                else for (const id of picked) db.prepare("UPDATE transactions SET status = 'uncleared' WHERE id = ? AND user_id = ? AND status = 'reconciled'").run(id, userId);
              }
              break;
          }
        }
        assert.deepEqual(findMonthlyTotalsMismatches(db), []);
        assert.deepEqual(findUserTotalsMismatches(db), []);
        assertAccountTotalsMatchRows(db);
        for (const userId of ids) {
          if (userId === undefined) continue;
          assert.deepEqual(transactions.totalsForUser(userId), totalsForUserFromRows(db, userId));
          // Not vacuous: a user with rows has stored groups.
          if (idsOf(userId).length > 0) assert.ok(countMonthlyTotalGroups(db, userId) > 0);
        }
      } finally {
        remove();
      }
    }),
    { numRuns: 60 },
  );
});

test('the checker reports a stored total that drifted from the rows', () => {
  const { db, remove } = tempDb();
  try {
    const userId = createUsersRepo(db).createUser('drift@example.com', 'x').id;
    createTransactionsRepo(db).createTransaction(userId, { type: 'expense', amountCents: 500, occurredOn: '2025-02-03', description: '', categoryId: null });
    assert.deepEqual(findMonthlyTotalsMismatches(db), []);
    // Simulate a write path that forgot the totals: a row inserted with the trigger set aside.
    db.transaction(() => {
      const trigger = listSchemaOf(db).find((o) => o.name === 'transactions_totals_insert')!;
      db.exec('DROP TRIGGER transactions_totals_insert');
      createTransactionsRepo(db).createTransaction(userId, { type: 'expense', amountCents: 700, occurredOn: '2025-02-04', description: '', categoryId: null });
      db.exec(trigger.sql!);
    })();
    const [mismatch, ...rest] = findMonthlyTotalsMismatches(db);
    assert.deepEqual(rest, []);
    assert.deepEqual(
      { month: mismatch?.month, storedCents: mismatch?.storedCents, fromRowsCents: mismatch?.fromRowsCents, fromRowsCount: mismatch?.fromRowsCount },
      { month: '2025-02', storedCents: 500, fromRowsCents: 1200, fromRowsCount: 2 },
    );
  } finally {
    remove();
  }
});

test('bulk seeding gives the same monthly totals as the per-row trigger and puts the schema back as it was', () => {
  const trigger = tempDb();
  const bulk = tempDb();
  try {
    const totalsAfter = (db: Db, mode: 'bulk' | 'trigger') => {
      const users = createUsersRepo(db);
      const first = users.createUser('one@example.com', 'x').id;
      const second = users.createUser('two@example.com', 'x').id;
      const transactions = createTransactionsRepo(db);
      // The user already has rows: the bulk path must add to their totals (sums and counts), not replace them. One in
      // every expense category of January 2026, so groups the seed also fills (with many rows each) are shared.
      transactions.createTransaction(first, { type: 'income', amountCents: 12_345, occurredOn: '2026-01-15', description: 'before', categoryId: null });
      for (const category of createCategoriesRepo(db).listCategoriesForUser(first).filter((c) => c.kind === 'expense')) {
        transactions.createTransaction(first, { type: 'expense', amountCents: 111, occurredOn: '2026-01-10', description: 'before', categoryId: category.id });
      }
      seedTransactionsForUser(db, second, { count: 3000, endOn: '2026-03-31', years: 2, random: createRandomSource(3), mode });
      seedTransactionsForUser(db, first, { count: 20_000, endOn: '2026-03-31', years: 2, random: createRandomSource(9), mode, rebuildIndexes: true });
      // A bulk load leaves the text index merged into one segment, so later writes pay no merging it left pending.
      const textSegments = db.prepare('SELECT count(DISTINCT segid) FROM transactions_fts_idx').pluck().get();
      transactions.createTransaction(first, { type: 'expense', amountCents: 999, occurredOn: '2026-01-20', description: 'after', categoryId: null });
      return { first, second, transactions, textSegments };
    };
    const schemaBefore = listSchemaOf(bulk.db);
    const a = totalsAfter(trigger.db, 'trigger');
    const b = totalsAfter(bulk.db, 'bulk');
    assert.deepEqual(listSchemaOf(bulk.db), schemaBefore, 'indexes and triggers are back, with the same SQL');
    assert.deepEqual(findMonthlyTotalsMismatches(trigger.db), []);
    assert.deepEqual(findMonthlyTotalsMismatches(bulk.db), []);
    // Groups the person had before the load now count their old row and the loaded ones, each.
    const shared = bulk.db.prepare<[number], number>("SELECT count(*) FROM monthly_totals WHERE user_id = ? AND month = '2026-01' AND type = 'expense' AND tx_count > 2").pluck().get(b.first)!;
    assert.ok(shared > 0, 'the load added several rows to groups the person already had');
    assert.deepEqual([findUserTotalsMismatches(trigger.db), findUserTotalsMismatches(bulk.db)], [[], []]);
    assert.deepEqual(b.transactions.totalsForUser(b.first), a.transactions.totalsForUser(a.first));
    assert.deepEqual(b.transactions.totalsForUser(b.second), a.transactions.totalsForUser(a.second));
    assert.ok(countMonthlyTotalGroups(bulk.db, b.first) > 100, 'two years of months, types and categories');
    assert.equal(countMonthlyTotalGroups(bulk.db, b.first), countMonthlyTotalGroups(trigger.db, a.first));
    assert.equal(b.textSegments, 1);
    assert.deepEqual([textIndexProblems(trigger.db), textIndexProblems(bulk.db)], [[], []], 'both text indexes hold every row, and only those');
    // Deleting every row but one of such a group keeps its total (a count that lagged the rows would drop the group).
    const group = bulk.db.prepare<[number], { category_id: number }>("SELECT category_id FROM transactions WHERE user_id = ? AND occurred_on LIKE '2026-01-%' AND type = 'expense' AND category_id IS NOT NULL GROUP BY category_id HAVING count(*) > 2 LIMIT 1").get(b.first)!;
    const ids = bulk.db.prepare<[number, number], number>("SELECT id FROM transactions WHERE user_id = ? AND category_id = ? AND occurred_on LIKE '2026-01-%' ORDER BY id").pluck().all(b.first, group.category_id);
    for (const id of ids.slice(1)) b.transactions.deleteOwnedTransaction(b.first, id);
    assert.deepEqual(findMonthlyTotalsMismatches(bulk.db), [], 'the one row left is still in the totals');
  } finally {
    trigger.remove();
    bulk.remove();
  }
});

test('totals stay exact through HTTP adds, edits, deletes, a category delete and a CSV import', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'http-totals@example.com');
  const userId = createUsersRepo(ctx.db).findCredentialsByEmail('http-totals@example.com')!.id;
  const categories = createCategoriesRepo(ctx.db);
  const groceries = categories.findCategoryByName(userId, 'expense', 'Groceries')!;
  const random = createRandomSource(11);
  for (let i = 0; i < 12; i++) {
    const res = await addTransaction(agent, {
      type: random() < 0.3 ? 'income' : 'expense',
      amount: centsToDecimalString(1 + Math.floor(random() * 100_000)),
      date: dayFrom(Math.floor(random() * 400)),
      description: `http ${i}`,
    });
    assert.equal(res.status, 303);
  }
  const repo = createTransactionsRepo(ctx.db);
  const rows = allTransactionsOf(ctx.db, userId);
  assert.equal(rows.length, 12);
  // Edit three rows through the edit form: new amount, date, type and category.
  for (const [i, row] of rows.slice(0, 3).entries()) {
    const form = await agent.get(`/transactions/${row.id}/edit`);
    assert.equal(form.status, 200);
    const res = await agent
      .post(`/transactions/${row.id}/edit`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), type: 'expense', amount: `${40 + i}.05`, date: dayFrom(500 + 40 * i), description: 'edited', category: String(groceries.id) });
    assert.equal(res.status, 303, res.text.slice(0, 300));
  }
  for (const row of rows.slice(3, 5)) {
    const form = await agent.get(`/transactions/${row.id}/delete`);
    const res = await agent.post(`/transactions/${row.id}/delete`).type('form').send({ _csrf: csrfFrom(form.text) });
    assert.equal(res.status, 303);
  }
  const confirm = await agent.get(`/categories/${groceries.id}/delete`);
  assert.equal(confirm.status, 200);
  const del = await agent.post(`/categories/${groceries.id}/delete`).type('form').send({ _csrf: csrfFrom(confirm.text) });
  assert.equal(del.status, 303);
  assert.equal(categories.findOwnedCategory(userId, groceries.id), undefined, 'the category is gone');

  const csv = path.join(ctx.dir, 'import.csv');
  writeFileSync(csv, 'date,type,category,amount,description\r\n2024-03-01,expense,Housing,800.00,Rent\r\n2024-03-31,income,Salary,2500.50,Pay\r\n2024-04-01,expense,,3.20,Coffee\r\n');
  const result = await importServiceOn(ctx.db, path.join(ctx.dir, 'imports')).importFile(userId, csv, LEDGERLY_EXPORT_MAPPING);
  assert.equal(result.imported, 3);

  assert.deepEqual(findMonthlyTotalsMismatches(ctx.db), []);
  assert.deepEqual(findUserTotalsMismatches(ctx.db), []);
  assert.deepEqual(repo.totalsForUser(userId), totalsForUserFromRows(ctx.db, userId));
  assert.ok(countMonthlyTotalGroups(ctx.db, userId) > 3);
});
