import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTransaction, agentFor, createTestContext, registerUser, tokenFor, type Agent, type TestContext, postForm } from '../helpers/app.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { assertMonthlyTotalsMatchRows, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';


/** A checking account opened with 100.00 and three rows: two in March, one in April. */
async function arranged(ctx: TestContext) {
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const account = ctx.db.prepare('SELECT id FROM accounts WHERE user_id = ?').pluck().get(userId) as number;
  await postForm(agent, `/accounts/${account}/edit`, `/accounts/${account}/edit`, { name: 'Main account', kind: 'checking', openingBalance: '100.00', openingOn: '2026-02-28' });
  await addTransaction(agent, { type: 'income', amount: '50.00', date: '2026-03-01', description: 'refund' });
  await addTransaction(agent, { type: 'expense', amount: '20.00', date: '2026-03-05', description: 'books' });
  await addTransaction(agent, { type: 'expense', amount: '5.00', date: '2026-04-02', description: 'april' });
  const id = (description: string) => ctx.db.prepare('SELECT id FROM transactions WHERE description = ?').pluck().get(description) as number;
  return { agent, userId, account, refund: id('refund'), books: id('books'), april: id('april') };
}

const statuses = (ctx: TestContext) => ctx.db.prepare('SELECT description, status FROM transactions ORDER BY id').all();
const difference = (html: string) => /data-reconcile="difference">([^<]+)</.exec(html)?.[1];

test('reconciling: ticking rows moves the difference to zero, and finishing marks exactly those rows reconciled', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund, books } = await arranged(ctx);
  const start = await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '130.00' });
  assert.equal(start.status, 303);
  const page = (await agent.get(`/accounts/${account}/reconcile`)).text;
  assert.equal(difference(page), '$30.00', 'the statement 130.00 against the opening 100.00');
  // Enter in a row's checkbox submits with the form's first button: Update, never Finish.
  const rowsForm = /<form method="post" action="\/accounts\/\d+\/reconcile\/rows"[^]*?<\/form>/.exec(page)![0];
  assert.match(/<button[^>]*>/.exec(rowsForm)![0], /value="update"/);
  assert.match(page, /refund/);
  assert.doesNotMatch(page, /april/, 'rows after the statement date are not listed');

  const before = statuses(ctx);
  const early = await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: [String(refund)] });
  assert.equal(early.status, 422);
  assert.match(early.text, /The cleared balance is \$20\.00 away from the statement, so nothing was reconciled/);
  assert.deepEqual(statuses(ctx).map((r) => (r as { status: string }).status), ['cleared', 'uncleared', 'uncleared'], 'the tick is kept, nothing reconciled');
  assert.notDeepEqual(statuses(ctx), before);

  assert.equal((await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'update', ids: [String(refund), String(books)] })).status, 303);
  const ticked = (await agent.get(`/accounts/${account}/reconcile`)).text;
  assert.equal(difference(ticked), '$0.00');
  assert.match(ticked, /The ticked rows match the statement/);
  const done = await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: [String(refund), String(books)] });
  assert.equal(done.status, 303);
  assert.equal(done.headers.location, `/accounts/${account}`);
  assert.match((await agent.get(done.headers.location!)).text, /Reconciled 2 rows\./);
  assert.deepEqual(statuses(ctx), [
    { description: 'refund', status: 'reconciled' },
    { description: 'books', status: 'reconciled' },
    { description: 'april', status: 'uncleared' },
  ]);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM reconciliations WHERE finished_at IS NOT NULL').pluck().get(), 1);
  const accounts = (await agent.get('/accounts')).text;
  assert.match(accounts, /<td class="num account__balance">\$125\.00<\/td>\s*<td class="num account__cleared"><span class="account__label">[^<]*<\/span>\$130\.00<\/td>/);

  // The next statement starts from the reconciled rows.
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-04-30', statementBalance: '125.00' });
  const next = (await agent.get(`/accounts/${account}/reconcile`)).text;
  assert.equal(difference(next), '−$5.00', 'the April expense is not ticked yet');
  assert.doesNotMatch(next, /refund/, 'reconciled rows are not listed again');
  const april = ctx.db.prepare("SELECT id FROM transactions WHERE description = 'april'").pluck().get() as number;
  assert.equal((await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: [String(april)] })).status, 303);
  assert.deepEqual(statuses(ctx).map((r) => (r as { status: string }).status), ['reconciled', 'reconciled', 'reconciled']);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('a reconciled row changes or goes only with an explicit confirmation', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund, books, april } = await arranged(ctx);
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '130.00' });
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: [String(refund), String(books)] });
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  const fields = { account: String(account), type: 'income', amount: '51.00', date: '2026-03-01', description: 'refund', category: '' };
  const edit = await postForm(agent, `/transactions/${refund}/edit`, `/transactions/${refund}/edit`, fields);
  assert.equal(edit.status, 422);
  assert.match(edit.text, /Tick the box to change a row that is reconciled with a statement; nothing was changed\./);
  const remove = await postForm(agent, `/transactions/${refund}/delete`, `/transactions/${refund}/delete`, {});
  assert.equal(remove.status, 422);
  const bulk = await postForm(agent, '/transactions', '/transactions/bulk/delete', { ids: [String(refund), String(april)], back: '/transactions' });
  assert.equal(bulk.status, 303);
  assert.match((await agent.get('/transactions')).text, /1 reconciled row was kept/);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE id = ?').pluck().get(refund), 1);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE id = ?').pluck().get(april), 0);
  assert.notEqual(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);

  assert.equal((await postForm(agent, `/transactions/${refund}/edit`, `/transactions/${refund}/edit`, { ...fields, confirmReconciled: '1' })).status, 303);
  assert.equal(ctx.db.prepare('SELECT amount_cents FROM transactions WHERE id = ?').pluck().get(refund), 5_100);
  assert.equal((await postForm(agent, `/transactions/${books}/delete`, `/transactions/${books}/delete`, { confirmReconciled: '1' })).status, 303);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE id = ?').pluck().get(books), 0);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('a first reconciliation after a long history ticks thousands of rows in one form, and a body past its limit changes nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId, account } = await arranged(ctx);
  // 2,000 more rows of 1.00 in March, as an import of years of history leaves them: none cleared yet.
  const rows = Array.from({ length: 2_000 }, (_, i) => ({ type: 'expense' as const, amountCents: 100, occurredOn: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`, description: `shop ${i}`, accountId: account }));
  insertTransactions(ctx.db, userId, rows);
  // Opening 100.00, refund +50.00, books -20.00, the 2,000 rows -2,000.00.
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '-1870.00' });
  const page = (await agent.get(`/accounts/${account}/reconcile`)).text;
  const listed = [...page.matchAll(/name="ids" value="(\d+)"/g)].map((m) => m[1]!);
  assert.equal(listed.length, 2_002, 'every row up to the statement date is listed');

  // A body past the route's 1 MB is refused before it is read, and nothing is ticked.
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  const token = await tokenFor(agent, `/accounts/${account}/reconcile`);
  const huge = await agent.post(`/accounts/${account}/reconcile/rows`).type('form').send(`_csrf=${encodeURIComponent(token)}&action=finish&${'ids=1&'.repeat(180_000)}`);
  assert.equal(huge.status, 413);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);

  // A form of 80,000 ids (most of them nobody's) is read in one pass and changes only the rows it may: read the way
  // the other forms are, its repeated names alone would hold the event loop for minutes.
  const many = Array.from({ length: 80_000 }, (_, i) => `ids=${1_000_000 + i}`).join('&');
  const lots = await agent.post(`/accounts/${account}/reconcile/rows`).type('form').send(`_csrf=${encodeURIComponent(token)}&action=update&${many}`);
  assert.equal(lots.status, 303);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'none of those ids is a listed row: nothing ticked');
  // Without a session the body is not even read: the CSRF check refuses it as it stands.
  const anonymous = await agentFor(ctx.app).post(`/accounts/${account}/reconcile/rows`).type('form').send(`action=finish&${many}`);
  assert.equal(anonymous.status, 403);

  // The page's own form with every box ticked (2,002 fields): the difference is zero and all of them are reconciled.
  const done = await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: listed });
  assert.equal(done.status, 303, done.text.slice(0, 300));
  assert.match((await agent.get(done.headers.location!)).text, /Reconciled 2,002 rows\./);
  assert.deepEqual(ctx.db.prepare('SELECT status, count(*) AS n FROM transactions WHERE user_id = ? GROUP BY status ORDER BY status').all(userId), [
    { status: 'reconciled', n: 2_002 },
    { status: 'uncleared', n: 1 },
  ]);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test("another person's account cannot be reconciled and their rows cannot be cleared: 404, nothing changes", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { account, refund } = await arranged(ctx);
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  assert.equal((await bob.get(`/accounts/${account}/reconcile`)).status, 404);
  assert.equal((await postForm(bob, '/dashboard', `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '1' })).status, 404);
  assert.equal((await postForm(bob, '/dashboard', `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: [String(refund)] })).status, 404);
  assert.equal((await postForm(bob, '/dashboard', `/accounts/${account}/reconcile/cancel`, {})).status, 404);
  assert.equal((await postForm(bob, '/dashboard', `/transactions/${refund}/cleared`, { cleared: '1' })).status, 404);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
});

test('a row is marked cleared from its register, and the cleared balance follows', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, books } = await arranged(ctx);
  const register = (await agent.get(`/accounts/${account}`)).text;
  assert.match(register, new RegExp(`action="/transactions/${books}/cleared"`));
  assert.equal((await postForm(agent, `/accounts/${account}`, `/transactions/${books}/cleared`, { cleared: '1', back: `/accounts/${account}` })).status, 303);
  assert.equal(ctx.db.prepare('SELECT status FROM transactions WHERE id = ?').pluck().get(books), 'cleared');
  assert.match((await agent.get('/accounts')).text, /<span class="account__label">[^<]*<\/span>\$80\.00<\/td>/);
  assertMonthlyTotalsMatchRows(ctx.db);
});
