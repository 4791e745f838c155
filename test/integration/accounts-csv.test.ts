import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createTestContext, registerUser, tokenFor, type Agent, type TestContext, postForm } from '../helpers/app.ts';
import { accountIdOf, assertMonthlyTotalsMatchRows, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { importCsv } from '../helpers/csv-import.ts';


const accountId = (ctx: TestContext, userId: number, name: string) => accountIdOf(ctx.db, userId, name);

/** Every row of a user as (account, type, amount, day, description, category), sorted: what a round trip must keep. */
function ledgerOf(ctx: TestContext, userId: number): string[] {
  return (
    ctx.db
      .prepare(
        `SELECT a.name || '|' || t.type || '|' || t.amount_cents || '|' || t.occurred_on || '|' || t.description || '|' || coalesce(c.name, '') AS k
           FROM transactions t JOIN accounts a ON a.id = t.account_id LEFT JOIN categories c ON c.id = t.category_id
          WHERE t.user_id = ? ORDER BY k`,
      )
      .pluck()
      .all(userId) as string[]
  );
}

/** A person with three accounts, income and expenses in two of them, and two transfers. */
async function annWithAccounts(ctx: TestContext) {
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  await postForm(agent, '/accounts', '/accounts', { name: 'Visa', kind: 'credit_card', openingBalance: '', openingOn: '' });
  const main = accountId(ctx, ann, 'Main account');
  const visa = accountId(ctx, ann, 'Visa');
  const savings = accountId(ctx, ann, 'Savings');
  insertTransactions(ctx.db, ann, [
    { accountId: main, type: 'income', amountCents: 300_000, occurredOn: '2026-01-01', description: 'Salary' },
    { accountId: visa, type: 'expense', amountCents: 4_250, occurredOn: '2026-01-03', description: 'Books, "used"' },
    { accountId: main, type: 'expense', amountCents: 120_000, occurredOn: '2026-01-04', description: 'Rent' },
  ]);
  await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '500.00', date: '2026-01-05', description: 'Put aside' });
  await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(visa), amount: '42.50', date: '2026-01-06', description: 'Pay the card' });
  return { agent, ann, main, savings, visa };
}

test('an export with accounts and transfers re-imports exactly: the same rows in accounts of the same names, each transfer one transfer again', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, ann } = await annWithAccounts(ctx);
  const exported = (await agent.get('/transactions/export.csv')).text;
  const rows = parse(exported) as string[][];
  assert.deepEqual(rows[0], ['date', 'type', 'category', 'amount', 'description', 'account', 'transfer', 'scheduled']);
  const legs = rows.filter((r) => r[1]!.startsWith('transfer_'));
  assert.equal(legs.length, 4, 'each transfer is its two legs');
  assert.equal(new Set(legs.map((r) => r[6])).size, 2, 'the legs of a transfer share its reference');

  const bob = await registerUser(ctx.app, 'bob@example.com');
  const bobId = userIdOf(ctx.db, 'bob@example.com');
  const { preview, result } = await importCsv(bob, exported);
  assert.match(preview, /<option value="5" selected>6: account<\/option>/, 'the account column is guessed from the header');
  assert.match(preview, /<option value="6" selected>7: transfer<\/option>/);
  // The preview names each leg for what it is, not an expense.
  const badges = [...preview.matchAll(/<span class="badge badge--(\w+)">([^<]+)<\/span>/g)].map((m) => `${m[1]}: ${m[2]}`).sort();
  assert.deepEqual(badges, [...Array(2).fill('expense: Expense'), 'income: Income', ...Array(2).fill('transfer: Transfer in'), ...Array(2).fill('transfer: Transfer out')].sort());
  assert.match(result, /<strong>7<\/strong> transactions were imported from 7 rows\./);
  assert.match(result, /2 accounts were created: Visa, Savings|2 accounts were created: Savings, Visa/);
  assert.deepEqual(ledgerOf(ctx, bobId), ledgerOf(ctx, ann));
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(bobId), 2);
  assert.equal(ctx.db.prepare("SELECT count(*) FROM transactions WHERE user_id = ? AND transfer_id IS NULL AND type LIKE 'transfer%'").pluck().get(bobId), 0);

  // Re-exported, the file is the same but for the transfer references, which name Bob's transfers.
  const again = (await bob.get('/transactions/export.csv')).text;
  const withoutRefs = (text: string) => (parse(text) as string[][]).map((r) => [...r.slice(0, 6), r[6] ? 'T' : '']);
  assert.deepEqual(withoutRefs(again), withoutRefs(exported));

  // Importing the same file again finds every row among what Bob already has by its import key (this very file's
  // rows): the income and expenses, and each transfer's two legs (named by the file's transfer reference).
  const second = await importCsv(bob, exported);
  assert.equal((second.preview.match(/imported before, skipped/g) ?? []).length, 7, 'the preview says it of every row, legs included');
  assert.match(second.result, /Nothing new: every row of this file was imported before\./);
  // Even with likely duplicates kept: a row imported before is skipped whatever that setting says, and the setting
  // is not remembered for the next file with the same columns.
  const kept = await importCsv(bob, exported, { keepDuplicates: '1' });
  assert.match(kept.result, /Nothing new: every row of this file was imported before\./);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(bobId), 2);
  assert.deepEqual(ledgerOf(ctx, bobId), ledgerOf(ctx, ann));
  const next = await importCsv(bob, exported);
  assert.doesNotMatch(next.preview, /name="keepDuplicates" value="1" checked/);
  assert.match(next.preview, /name="keepDuplicates" value="1"/);
  // A transfer edited since (now into another account) was still imported before: the file brings it in again no more.
  const moved = Number(ctx.db.prepare("SELECT id FROM transfers WHERE user_id = ? ORDER BY id LIMIT 1").pluck().get(bobId));
  const visaOfBob = accountId(ctx, bobId, 'Visa');
  const leg = ctx.db.prepare("SELECT account_id AS a FROM transactions WHERE transfer_id = ? AND type = 'transfer_in'").get(moved) as { a: number };
  const other = leg.a === visaOfBob ? accountId(ctx, bobId, 'Savings') : visaOfBob;
  ctx.db.prepare("UPDATE transactions SET account_id = ? WHERE transfer_id = ? AND type = 'transfer_in'").run(other, moved);
  const afterEdit = await importCsv(bob, exported);
  assert.match(afterEdit.result, /Nothing new: every row of this file was imported before\./);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(bobId), 2);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('unknown accounts are refused when asked: those rows and transfers are listed as errors, the rest is imported', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await annWithAccounts(ctx);
  const exported = (await agent.get('/transactions/export.csv')).text;
  const carol = await registerUser(ctx.app, 'carol@example.com');
  const carolId = userIdOf(ctx.db, 'carol@example.com');
  const { result } = await importCsv(carol, exported, { unknownAccounts: 'refuse' });
  assert.match(result, /<strong>2<\/strong> transactions were imported from 7 rows\./, 'the salary and the rent in Main account');
  assert.match(result, /the account “Visa” is not one of yours/);
  assert.match(result, /the account “Savings” is not one of yours/);
  assert.deepEqual(ctx.db.prepare('SELECT name FROM accounts WHERE user_id = ?').pluck().all(carolId), ['Main account']);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(carolId), 0);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('a row naming an archived account is refused, in the preview and the import, and no second account of that name is made', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  await postForm(agent, '/accounts', '/accounts', { name: 'Old card', kind: 'credit_card', openingBalance: '', openingOn: '' });
  const oldCard = accountId(ctx, ann, 'Old card');
  assert.equal((await postForm(agent, '/accounts', `/accounts/${oldCard}/archive`, {})).status, 303);
  const file = ['date,type,category,amount,description,account', '2026-02-01,expense,,3.50,Coffee,old card', '2026-02-02,expense,,9.00,Lunch,Main account'].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /the account “old card” is archived: unarchive it on the Accounts page to import into it/);
  assert.match(result, /<strong>1<\/strong> transaction was imported from 2 rows\./);
  assert.match(result, /the account “old card” is archived/);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE account_id = ?').pluck().get(oldCard), 0, 'nothing written into the archived account');
  assert.deepEqual(ctx.db.prepare('SELECT name FROM accounts WHERE user_id = ? ORDER BY id').pluck().all(ann), ['Main account', 'Old card']);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('a transfer leg without its other side is an error row; a file without an account column goes into the chosen account', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const savings = accountId(ctx, ann, 'Savings');
  const header = 'date,type,category,amount,description,account,transfer,scheduled';
  const lonely = [header, '2026-02-01,transfer_out,,10.00,half,Main account,T9', '2026-02-02,expense,,3.00,tea,Main account,'].join('\n');
  const { result } = await importCsv(agent, lonely);
  assert.match(result, /<strong>1<\/strong> transaction was imported from 2 rows\./);
  assert.match(result, /the transfer T9 does not have exactly one matching other side/);

  const bank = ['date,amount,description', '2026-03-01,-12.50,Coffee', '2026-03-02,100.00,Refund'].join('\n');
  const into = await importCsv(agent, bank, { targetAccount: String(savings) });
  assert.match(into.result, /<strong>2<\/strong> transactions were imported/);
  assert.deepEqual(ctx.db.prepare("SELECT account_id FROM transactions WHERE occurred_on >= '2026-03-01' ORDER BY id").pluck().all(), [savings, savings]);
  assertMonthlyTotalsMatchRows(ctx.db);
});
