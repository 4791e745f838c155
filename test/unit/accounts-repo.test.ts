/**
 * The accounts repository against the raw rows: the balance above a register page (netThrough) equals the signed sum
 * of every row of the account up to it, whichever end of its month the row sits nearer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';

test('the balance through a row of a register is the sum of the rows up to it, read from either end of its month', () => {
  const db = openDatabase(':memory:');
  migrate(db);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x'), ('b@example.com', 'x')").run();
  const accounts = createAccountsRepo(db);
  const transactions = createTransactionsRepo(db);
  const transfers = createTransfersRepo(db);
  const checking = accounts.createAccount(1, { name: 'Checking', kind: 'checking', openingBalanceCents: 0, openingOn: '2024-01-01' });
  const savings = accounts.createAccount(1, { name: 'Savings', kind: 'savings', openingBalanceCents: 0, openingOn: '2024-01-01' });
  const othersAccount = accounts.createAccount(2, { name: 'Theirs', kind: 'checking', openingBalanceCents: 0, openingOn: '2024-01-01' });
  const seeded = fc.sample(
    fc.record({
      kind: fc.constantFrom('income', 'expense', 'expense', 'transfer out', 'transfer in', 'someone else'),
      amountCents: fc.integer({ min: 1, max: 1_000_000 }),
      month: fc.integer({ min: 1, max: 3 }),
      // The days either side of the month's middle, its first and its last (29 February, 31 March) come up often.
      day: fc.oneof(fc.constantFrom(1, 15, 16, 28, 29, 30, 31), fc.integer({ min: 1, max: 31 })),
    }),
    { numRuns: 600, seed: 3 },
  );
  db.transaction(() => {
    for (const r of seeded) {
      const last = new Date(Date.UTC(2024, r.month, 0)).getUTCDate();
      const occurredOn = `2024-${String(r.month).padStart(2, '0')}-${String(Math.min(r.day, last)).padStart(2, '0')}`;
      if (r.kind === 'income' || r.kind === 'expense') {
        transactions.createTransaction(1, { accountId: checking, type: r.kind, amountCents: r.amountCents, occurredOn, description: '', categoryId: null });
      } else if (r.kind === 'someone else') {
        transactions.createTransaction(2, { accountId: othersAccount, type: 'income', amountCents: r.amountCents, occurredOn, description: '', categoryId: null });
      } else {
        const [fromAccountId, toAccountId] = r.kind === 'transfer out' ? [checking, savings] : [savings, checking];
        transfers.createTransfer(1, { fromAccountId, toAccountId, amountCents: r.amountCents, occurredOn, description: '' });
      }
    }
  })();
  const rows = db
    .prepare<[number], { id: number; occurred_on: string; signed: number }>(
      `SELECT id, occurred_on, CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END AS signed
         FROM transactions WHERE account_id = ? ORDER BY occurred_on, id`,
    )
    .all(checking);
  assert.ok(rows.length > 300, `${rows.length} rows`);
  assert.ok(rows.some((r) => r.occurred_on.slice(8) <= '15') && rows.some((r) => r.occurred_on.slice(8) > '15'));
  let running = 0;
  for (const row of rows) {
    running += row.signed;
    assert.equal(accounts.netThrough(1, checking, { occurredOn: row.occurred_on, id: row.id }), running, `through ${row.occurred_on} #${row.id}`);
  }
  db.close();
});
