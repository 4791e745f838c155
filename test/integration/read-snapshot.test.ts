/**
 * A page's reads run as one read transaction (db/unit-of-work.ts, createReadRunner): a commit by another connection
 * to the same file between two of them (a cluster worker, the admin tool) is seen by none of them, so the list's rows
 * and its totals agree, and a register's running balances add up.
 */
import { createSchedulesRepo } from '../../src/db/repos/schedules.ts';
import { createRulesRepo } from '../../src/db/repos/rules.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../src/db/open.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { createReadRunner, createSharedCommit, createTransactionRunner } from '../../src/db/unit-of-work.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createTransactionService } from '../../src/services/transactions.ts';
import { createTransferService } from '../../src/services/transfers.ts';
import { insertTransactions } from '../helpers/bookkeeping.ts';
import { twoConnectionsToOneFile } from '../helpers/databases.ts';

function twoConnections(t: { after: (fn: () => void) => void }) {
  const { db, other } = twoConnectionsToOneFile(t);
  const userId = createUsersRepo(db).createUser('snap@example.com', 'x').id;
  return { db, other, userId };
}

const addExpense = (db: Db, userId: number, cents: number) =>
  insertTransactions(db, userId, [{ type: 'expense', amountCents: cents, occurredOn: '2026-11-20', description: 'Coffee' }]);

test('reads run as one see none of a commit made between them by another connection, and the next reads see it', (t) => {
  const { db, other, userId } = twoConnections(t);
  addExpense(db, userId, 100);
  const count = db.prepare<[number], number>('SELECT count(*) FROM transactions WHERE user_id = ?').pluck();
  const asOneRead = createReadRunner(db);

  const seen = asOneRead(() => {
    const before = count.get(userId);
    addExpense(other, userId, 250);
    return [before, count.get(userId)];
  });
  assert.deepEqual(seen, [1, 1]);
  assert.equal(count.get(userId), 2, 'after the reads, the commit is there');

  // Without the read transaction, the same two reads straddle the commit: the case the runner exists for.
  const straddled = [count.get(userId), (addExpense(other, userId, 5), count.get(userId))];
  assert.deepEqual(straddled, [2, 3]);
});

test('the list page reads its rows and its totals from the same moment while another connection adds', (t) => {
  const { db, other, userId } = twoConnections(t);
  addExpense(db, userId, 100);
  addExpense(db, userId, 200);
  const transactions = createTransactionsRepo(db);
  let added = false;
  // Another worker's add lands right after the page's rows are read and before its totals are.
  const racing = {
    ...transactions,
    listFilteredTransactionsPage: (...args: Parameters<typeof transactions.listFilteredTransactionsPage>) => {
      const page = transactions.listFilteredTransactionsPage(...args);
      if (!added) addExpense(other, userId, 4_000);
      added = true;
      return page;
    },
  };
  const service = createTransactionService({
    transactions: racing,
    categories: createCategoriesRepo(db),
    accounts: createAccountsRepo(db),
    inTransaction: createTransactionRunner(db),
    inSharedCommit: createSharedCommit(db),
    asOneRead: createReadRunner(db),
  });

  const { page, totals } = service.listPage(userId, {}, null, 50);
  assert.equal(page.rows.length, 2);
  assert.equal(totals.count, 2, 'the totals count the rows the page lists');
  assert.equal(totals.expenseCents, page.rows.reduce((sum, row) => sum + row.amountCents, 0));

  const next = service.listPage(userId, {}, null, 50);
  assert.equal(next.page.rows.length, 3);
  assert.equal(next.totals.count, 3);
  assert.equal(next.totals.expenseCents, 4_300);
});

test("an account's register reads its rows and the balance above them from the same moment while another connection adds", (t) => {
  const { db, other, userId } = twoConnections(t);
  const day = (on: string, cents: number) => ({ type: 'expense' as const, amountCents: cents, occurredOn: on, description: 'Row' });
  insertTransactions(db, userId, [day('2026-11-10', 100), day('2026-11-12', 200), day('2026-11-14', 400)]);
  const accounts = createAccountsRepo(db);
  const accountId = accounts.listAccounts(userId)[0]!.id;
  let added = false;
  // A row dated inside the page arrives after the page's rows are read and before the balance above them is.
  const racing = {
    ...accounts,
    listRegisterPage: (...args: Parameters<typeof accounts.listRegisterPage>) => {
      const page = accounts.listRegisterPage(...args);
      if (!added) insertTransactions(other, userId, [day('2026-11-11', 8_000)]);
      added = true;
      return page;
    },
  };
  const service = createAccountService({ accounts: racing, schedules: createSchedulesRepo(db), rules: createRulesRepo(db), inTransaction: createTransactionRunner(db), asOneRead: createReadRunner(db) });

  const register = service.register(userId, accountId, null, 50, '2026-11')!;
  assert.deepEqual(
    register.rows.map((r) => [r.occurredOn, r.balanceCents]),
    [['2026-11-14', -700], ['2026-11-12', -300], ['2026-11-10', -100]],
    'each balance is the opening balance plus the rows listed up to it',
  );
  assert.equal(register.account.balanceCents, -700);
  assert.deepEqual(service.register(userId, accountId, null, 50, '2026-11')!.rows.map((r) => r.balanceCents), [-8_700, -8_300, -8_100, -100]);
});

test('the transfers page reads its rows and its count from the same moment while another connection adds a transfer', (t) => {
  const { db, other, userId } = twoConnections(t);
  const accounts = createAccountsRepo(db);
  const main = accounts.listAccounts(userId)[0]!.id;
  const savings = accounts.createAccount(userId, { name: 'Savings', kind: 'savings', openingBalanceCents: 0, openingOn: '2026-01-01' });
  const transfers = createTransfersRepo(db);
  const move = (repo: ReturnType<typeof createTransfersRepo>, cents: number) =>
    repo.createTransfer(userId, { fromAccountId: main, toAccountId: savings, amountCents: cents, occurredOn: '2026-11-20', description: 'Put aside' });
  move(transfers, 1_000);
  let added = false;
  const racing = {
    ...transfers,
    listTransfersPage: (...args: Parameters<typeof transfers.listTransfersPage>) => {
      const page = transfers.listTransfersPage(...args);
      if (!added) createTransactionRunner(other)(() => move(createTransfersRepo(other), 5_000));
      added = true;
      return page;
    },
  };
  const service = createTransferService({ transfers: racing, accounts, inTransaction: createTransactionRunner(db), asOneRead: createReadRunner(db) });
  const seen = service.listWithAccounts(userId, {}, null, 50);
  assert.equal(seen.page.rows.length, 1);
  assert.deepEqual(seen.totals, { inCount: 0, inCents: 0, outCount: 1, outCents: 1_000 }, 'the count is of the rows the page lists');
  assert.deepEqual(service.listWithAccounts(userId, {}, null, 50).totals, { inCount: 0, inCents: 0, outCount: 2, outCents: 6_000 });
});
