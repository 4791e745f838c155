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
  const { agent, account, refund, books, april } = await arranged(ctx);
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

  // A tick for the April row, after the statement date (not listed, so only a crafted form sends it), marks nothing.
  assert.equal((await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'update', ids: [String(refund), String(books), String(april)] })).status, 303);
  assert.equal(ctx.db.prepare('SELECT status FROM transactions WHERE id = ?').pluck().get(april), 'uncleared', 'a row after the statement is not cleared by a tick');
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

/** The page's rows: each listed id with its tick, and the page buttons' targets. */
function pageOf(html: string) {
  const boxes = [...html.matchAll(/<input type="hidden" name="shown" value="(\d+)">\s*<label[^>]*>\s*<input type="checkbox" name="ids" value="(\d+)"[^>]*?( checked)?>/g)].map((m) => [m[0], m[2], m[3], m[1]]);
  for (const box of boxes) assert.equal(box[1], box[3], 'each row says it was shown');
  const go = (label: RegExp) => new RegExp(`<button type="submit" name="go" value="([^"]+)"[^>]*>${label.source}</button>`).exec(html)?.[1];
  return {
    ids: boxes.map((m) => m[1]!),
    ticked: boxes.filter((m) => m[2]).map((m) => m[1]!),
    after: /<input type="hidden" name="after" value="([^"]*)">/.exec(html)?.[1],
    earliest: go(/« Earliest/),
    earlier: go(/‹ Earlier/),
    later: go(/Later »/),
    latest: go(/Latest »»/),
  };
}

test('a long history is listed 200 rows a page, oldest first; a page saves only its own ticks; the balance counts every page', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId, account } = await arranged(ctx);
  // 450 more rows of 1.00 in March, as an import of years of history leaves them: none cleared yet.
  const rows = Array.from({ length: 450 }, (_, i) => ({ type: 'expense' as const, amountCents: 100, occurredOn: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`, description: `shop ${i}`, accountId: account }));
  insertTransactions(ctx.db, userId, rows);
  const expected = (ctx.db.prepare("SELECT id FROM transactions WHERE account_id = ? AND occurred_on <= '2026-03-31' ORDER BY occurred_on, id").pluck().all(account) as number[]).map(String);
  assert.equal(expected.length, 452);
  // Opening 100.00, refund +50.00, books -20.00, the 450 rows -450.00.
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '-320.00' });
  const base = `/accounts/${account}/reconcile`;

  const first = pageOf((await agent.get(base)).text);
  assert.equal(first.ids.length, 200);
  assert.equal(first.after, '');
  assert.equal(first.earlier, undefined, 'no page before the first');
  assert.equal(first.earliest, undefined);
  assert.ok(first.later);
  // Later saves this page's ticks first: two of its rows ticked, then page two opens.
  const toSecond = await postForm(agent, base, `${base}/rows`, { after: '', go: first.later!, ids: first.ids.slice(0, 2), shown: first.ids });
  assert.equal(toSecond.status, 303);
  assert.equal(toSecond.headers.location, `${base}?after=${first.later}`);
  const secondHtml = (await agent.get(toSecond.headers.location!)).text;
  const second = pageOf(secondHtml);
  assert.equal(second.ids.length, 200);
  assert.equal(second.earlier, 'first', 'the page before the second is the first');
  assert.equal(second.earliest, undefined, 'Earlier already is the first page');
  assert.match(secondHtml, /Showing the rows from /);
  const third = pageOf((await agent.get(`${base}?after=${second.later}`)).text);
  assert.equal(third.ids.length, 52);
  assert.equal(third.later, undefined, 'the last page');
  assert.equal(third.earlier, first.later, 'the page before the third starts after the first');
  assert.equal(third.earliest, 'first');
  assert.deepEqual([...first.ids, ...second.ids, ...third.ids], expected, 'every row once, oldest first');
  // The rows nearest the statement date are one button away: Latest opens the last 200 rows waiting. From the page
  // before the last, Later is enough; the last has neither.
  assert.ok(first.latest);
  const latest = pageOf((await agent.get(`${base}?after=${first.latest}`)).text);
  assert.deepEqual(latest.ids, expected.slice(-200));
  assert.equal(latest.later, undefined);
  assert.equal(second.latest, undefined);
  assert.equal(third.latest, undefined);
  assert.deepEqual((await agent.get(`${base}?after=${first.later}`)).text.includes(`name="ids" value="${first.ids[0]}"`), false);

  // The difference on any page counts the ticks of every page: the two oldest rows, the refund (+50.00) and the first
  // shop row (−1.00), are ticked: −320.00 less 149.00.
  const ticked = (ctx.db.prepare("SELECT id FROM transactions WHERE status = 'cleared'").pluck().all() as number[]).map(String);
  assert.deepEqual(ticked, first.ids.slice(0, 2));
  assert.equal(difference((await agent.get(`${base}?after=${second.later}`)).text), '−$469.00');
  assert.deepEqual(pageOf((await agent.get(base)).text).ticked, first.ids.slice(0, 2));

  // Update on page three ticks one of its rows and leaves the first page's ticks alone.
  assert.equal((await postForm(agent, base, `${base}/rows`, { after: second.later!, ids: [third.ids[0]!], shown: third.ids })).headers.location, `${base}?after=${second.later}`);
  assert.equal(ctx.db.prepare("SELECT count(*) FROM transactions WHERE status = 'cleared'").pluck().get(), 3);
  // A row the page showed and is not ticked becomes uncleared; rows of other pages are not touched.
  await postForm(agent, base, `${base}/rows`, { after: '', ids: [first.ids[0]!], shown: first.ids });
  assert.deepEqual((ctx.db.prepare("SELECT id FROM transactions WHERE status = 'cleared' ORDER BY occurred_on, id").pluck().all() as number[]).map(String), [first.ids[0], third.ids[0]]);

  // A cursor past the statement date (a stale or edited link) opens the first page; a bad one too.
  assert.deepEqual(pageOf((await agent.get(`${base}?after=2026-04-02.1`)).text).ids, first.ids);
  assert.deepEqual(pageOf((await agent.get(`${base}?after=nonsense`)).text).ids, first.ids);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test("a confirmed change takes a row out of its reconciliation: moved to another account it starts unchecked there; a new amount or day goes back to cleared", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId, account, refund, books, april } = await arranged(ctx);
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const savings = ctx.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name = 'Savings'").pluck().get(userId) as number;
  const transfer = await postForm(agent, '/transfers/new', '/transfers', { from: String(account), to: String(savings), amount: '10.00', date: '2026-03-10', description: 'aside' });
  assert.equal(transfer.status, 303);
  const transferId = ctx.db.prepare('SELECT max(id) FROM transfers').pluck().get() as number;
  const leg = (type: string) => ctx.db.prepare('SELECT status FROM transactions WHERE transfer_id = ? AND type = ?').pluck().get(transferId, type);
  // Reconcile March in Main: the refund, the books and the transfer out (130.00 - 10.00).
  const base = `/accounts/${account}/reconcile`;
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '120.00' });
  await postForm(agent, base, `${base}/rows`, { action: 'tickAll', after: '' });
  assert.equal((await postForm(agent, base, `${base}/rows`, { action: 'finish', after: '' })).status, 303);
  const status = (id: number) => ctx.db.prepare('SELECT status FROM transactions WHERE id = ?').pluck().get(id);
  assert.deepEqual([status(refund), status(books), leg('transfer_out'), status(april)], ['reconciled', 'reconciled', 'reconciled', 'uncleared']);

  const edit = (id: number, fields: Record<string, string>) =>
    postForm(agent, `/transactions/${id}/edit`, `/transactions/${id}/edit`, { type: 'expense', amount: '20.00', date: '2026-03-05', description: 'books', category: '', confirmReconciled: '1', ...fields });
  // The books, moved to Savings: never checked against Savings' statement.
  assert.equal((await edit(books, { account: String(savings) })).status, 303);
  assert.equal(status(books), 'uncleared');
  // The refund with a new amount: its statement no longer matches it, so it waits, ticked, for the next one.
  assert.equal((await edit(refund, { account: String(account), type: 'income', amount: '51.00', date: '2026-03-01', description: 'refund' })).status, 303);
  assert.equal(status(refund), 'cleared');
  // The transfer moved to come from Savings: its outgoing leg is in a new account; the incoming one never was reconciled.
  const moved = await postForm(agent, `/transfers/${transferId}/edit`, `/transfers/${transferId}/edit`, { from: String(savings), to: String(account), amount: '10.00', date: '2026-03-10', description: 'aside', confirmReconciled: '1' });
  assert.equal(moved.status, 303, moved.text.slice(0, 300));
  assert.deepEqual([leg('transfer_out'), leg('transfer_in')], ['uncleared', 'uncleared']);
  // A change that keeps account, amount, day and type keeps the reconciled mark.
  await postForm(agent, base, base, { statementOn: '2026-04-30', statementBalance: '0' });
  await postForm(agent, base, `${base}/rows`, { action: 'tickAll', after: '' });
  const balance = ctx.db.prepare('SELECT statement_balance_cents FROM reconciliations WHERE finished_at IS NULL').pluck().get();
  assert.equal(balance, 0);
  ctx.db.prepare("UPDATE transactions SET status = 'reconciled' WHERE id = ?").run(april);
  assert.equal((await edit(april, { account: String(account), amount: '5.00', date: '2026-04-02', description: 'April, renamed' })).status, 303);
  assert.equal(status(april), 'reconciled');
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('a page left open in another tab saves only the ticks changed on it, never unticking what the other tab ticked', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund, books } = await arranged(ctx);
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '130.00' });
  /** The rows form as the browser sends it: its hidden fields, then the ticks as they are after the person's clicks. */
  const formOf = (html: string, ticked: number[]) => {
    const form = /<form method="post" action="\/accounts\/\d+\/reconcile\/rows"[^]*?<\/form>/.exec(html)![0];
    const hidden = [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!] as const);
    return [...hidden, ...ticked.map((id) => ['ids', String(id)] as const), ['action', 'update'] as const].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  };
  const tabA = (await agent.get(`/accounts/${account}/reconcile`)).text;
  const tabB = (await agent.get(`/accounts/${account}/reconcile`)).text;
  const post = (body: string) => agent.post(`/accounts/${account}/reconcile/rows`).type('form').send(body);
  assert.equal((await post(formOf(tabA, [refund]))).status, 303);
  // Tab B still shows the refund unticked; it ticks the books.
  assert.equal((await post(formOf(tabB, [books]))).status, 303);
  assert.deepEqual(statuses(ctx).map((r) => (r as { status: string }).status), ['cleared', 'cleared', 'uncleared'], 'both ticks stand');
  // Unticking on a page that showed it ticked still unticks.
  const tabC = (await agent.get(`/accounts/${account}/reconcile`)).text;
  assert.equal((await post(formOf(tabC, [books]))).status, 303);
  assert.deepEqual(statuses(ctx).map((r) => (r as { status: string }).status), ['uncleared', 'cleared', 'uncleared']);
});

test('a page left open in another tab changes nothing once its reconciliation is finished, stopped or replaced, and says so', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund, books } = await arranged(ctx);
  const base = `/accounts/${account}/reconcile`;
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '130.00' });
  const tabA = (await agent.get(base)).text;
  const openId = /name="reconciliation" value="(\d+)"/.exec(tabA)![1]!;
  // Starting again with other figures (the Back button, a second tab) keeps the open one, and says which it is.
  await postForm(agent, base, base, { statementOn: '2026-04-30', statementBalance: '999.00' });
  const kept = (await agent.get(base)).text;
  assert.match(kept, /A reconciliation against the statement of Mar 31, 2026 is open already/);
  assert.match(kept, /Against the statement of Mar 31, 2026, ending at \$130\.00\./);

  // Tab B finishes; tab A, still showing the finished one, unticks a row and presses Later, ticks all, finishes, stops.
  assert.equal((await postForm(agent, base, `${base}/rows`, { action: 'finish', reconciliation: openId, ids: [String(refund), String(books)] })).status, 303);
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  for (const fields of <Record<string, string | string[]>[]>[
    { action: 'update', ids: [String(refund)], shown: [String(refund), String(books)] },
    { action: 'tickAll' },
    { action: 'untickAll' },
    { action: 'finish', ids: [String(refund)], shown: [String(refund), String(books)] },
  ]) {
    const stale = await postForm(agent, base, `${base}/rows`, { ...fields, reconciliation: openId, after: '' });
    assert.equal(stale.status, 303, String(fields.action));
    assert.equal(stale.headers.location, base);
    assert.match((await agent.get(base)).text, /This reconciliation was finished or stopped meanwhile \(in another tab\?\), so nothing was saved\./, String(fields.action));
  }
  assert.equal((await postForm(agent, base, `${base}/cancel`, { reconciliation: openId })).headers.location, base);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'nothing changed');

  // A new reconciliation is not the one tab A showed: its forms still change nothing.
  await postForm(agent, base, base, { statementOn: '2026-04-30', statementBalance: '125.00' });
  const newer = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  assert.equal((await postForm(agent, base, `${base}/rows`, { action: 'tickAll', reconciliation: openId, after: '' })).headers.location, base);
  assert.equal((await postForm(agent, base, `${base}/cancel`, { reconciliation: openId })).headers.location, base);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), newer);
  assert.match((await agent.get(base)).text, /Against the statement of Apr 30, 2026/);
  // A page past the last row waiting (a stale page, a bookmark) shows the first page, not "nothing is waiting".
  const past = (await agent.get(`${base}?after=2026-04-30.999999`)).text;
  assert.doesNotMatch(past, /No rows up to the statement date/);
  assert.match(past, /april/);
});

test('a first reconciliation after a long history: tick every row at once, untick the odd one, finish; a body past its limit changes nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId, account, april } = await arranged(ctx);
  // 2,000 more rows of 1.00 in March, none cleared yet.
  const rows = Array.from({ length: 2_000 }, (_, i) => ({ type: 'expense' as const, amountCents: 100, occurredOn: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`, description: `shop ${i}`, accountId: account }));
  insertTransactions(ctx.db, userId, rows);
  const base = `/accounts/${account}/reconcile`;
  // Opening 100.00, refund +50.00, books -20.00, the 2,000 rows -2,000.00; the statement leaves out one shop row.
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '-1869.00' });
  assert.equal(pageOf((await agent.get(base)).text).ids.length, 200);

  // A body past the route's 1 MB is refused before it is read, and nothing is ticked.
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  const token = await tokenFor(agent, base);
  const huge = await agent.post(`${base}/rows`).type('form').send(`_csrf=${encodeURIComponent(token)}&action=finish&${'ids=1&'.repeat(180_000)}`);
  assert.equal(huge.status, 413);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);

  // A form of 80,000 ids (most of them nobody's) is read in one pass and changes only the rows it may: read the way
  // the other forms are, its repeated names alone would hold the event loop for minutes.
  const many = Array.from({ length: 80_000 }, (_, i) => `ids=${1_000_000 + i}`).join('&');
  const lots = await agent.post(`${base}/rows`).type('form').send(`_csrf=${encodeURIComponent(token)}&action=update&${many}`);
  assert.equal(lots.status, 303);
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'none of those ids is a row to check: nothing ticked');
  // Without a session the body is not even read: the CSRF check refuses it as it stands.
  const anonymous = await agentFor(ctx.app).post(`${base}/rows`).type('form').send(`action=finish&${many}`);
  assert.equal(anonymous.status, 403);

  // Tick every row up to the statement date, from the first page: 2,002 rows on eleven pages; April's row stays.
  const first = pageOf((await agent.get(base)).text);
  const all = await postForm(agent, base, `${base}/rows`, { action: 'tickAll', after: '', shown: first.ids });
  assert.equal(all.status, 303);
  assert.equal(all.headers.location, base);
  const afterAll = (await agent.get(base)).text;
  assert.match(afterAll, /Ticked 2,002 rows\./);
  assert.equal(difference(afterAll), '$1.00');
  assert.equal(ctx.db.prepare("SELECT status FROM transactions WHERE id = ?").pluck().get(april), 'uncleared', 'after the statement date');
  // Untick every row, then tick them all again: both are whole-account actions.
  await postForm(agent, base, `${base}/rows`, { action: 'untickAll', after: '' });
  assert.match((await agent.get(base)).text, /Unticked 2,002 rows\./);
  assert.equal(ctx.db.prepare("SELECT count(*) FROM transactions WHERE status != 'uncleared'").pluck().get(), 0);
  await postForm(agent, base, `${base}/rows`, { action: 'tickAll', after: '' });

  // Finishing with a difference left reconciles nothing.
  const early = await postForm(agent, base, `${base}/rows`, { action: 'finish', after: '', ids: first.ids, shown: first.ids });
  assert.equal(early.status, 422);
  assert.match(early.text, /The cleared balance is \$1\.00 away from the statement/);
  assert.equal(ctx.db.prepare("SELECT count(*) FROM transactions WHERE status = 'reconciled'").pluck().get(), 0);
  // The statement does not show one shop row: untick it on its page, then finish from there.
  const lastPage = `${base}?after=${encodeURIComponent('2026-03-28.' + String(ctx.db.prepare("SELECT max(id) FROM transactions WHERE occurred_on = '2026-03-27'").pluck().get()))}`;
  const last = pageOf((await agent.get(lastPage)).text);
  assert.ok(last.ids.length > 0 && last.ids.length <= 200);
  const left = last.ids[last.ids.length - 1]!;
  const done = await postForm(agent, lastPage, `${base}/rows`, { action: 'finish', after: last.after!, ids: last.ids.slice(0, -1), shown: last.ids });
  assert.equal(done.status, 303, done.text.slice(0, 300));
  assert.match((await agent.get(done.headers.location!)).text, /Reconciled 2,001 rows\./);
  assert.deepEqual(ctx.db.prepare('SELECT status, count(*) AS n FROM transactions WHERE user_id = ? GROUP BY status ORDER BY status').all(userId), [
    { status: 'reconciled', n: 2_001 },
    { status: 'uncleared', n: 2 },
  ]);
  assert.equal(ctx.db.prepare('SELECT status FROM transactions WHERE id = ?').pluck().get(Number(left)), 'uncleared');
  assertMonthlyTotalsMatchRows(ctx.db);
});

test("another person's account cannot be reconciled and their rows cannot be cleared: 404, nothing changes", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund } = await arranged(ctx);
  // Ann's reconciliation is open, so only whose account it is can refuse Bob.
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '130.00' });
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  assert.equal((await bob.get(`/accounts/${account}/reconcile`)).status, 404);
  assert.equal((await postForm(bob, '/dashboard', `/accounts/${account}/reconcile`, { statementOn: '2026-03-31', statementBalance: '1' })).status, 404);
  assert.equal((await postForm(bob, '/dashboard', `/accounts/${account}/reconcile/rows`, { action: 'finish', ids: [String(refund)] })).status, 404);
  for (const action of ['update', 'tickAll', 'untickAll']) {
    assert.equal((await postForm(bob, '/dashboard', `/accounts/${account}/reconcile/rows`, { action, ids: [String(refund)], shown: [String(refund)] })).status, 404, action);
  }
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

test('a statement dated before the opening day balances at what the register shows that day: the opening balance counts from its own day', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const account = ctx.db.prepare('SELECT id FROM accounts WHERE user_id = ?').pluck().get(userIdOf(ctx.db, 'ann@example.com')) as number;
  await postForm(agent, `/accounts/${account}/edit`, `/accounts/${account}/edit`, { name: 'Main account', kind: 'checking', openingBalance: '100.00', openingOn: '2026-03-15' });
  await addTransaction(agent, { type: 'income', amount: '50.00', date: '2026-03-01', description: 'early income' });
  await addTransaction(agent, { type: 'expense', amount: '20.00', date: '2026-03-05', description: 'early expense' });
  const register = (await agent.get(`/accounts/${account}`)).text;
  assert.match(register, /register__balance"><span class="register__label">[^<]*<\/span>\$30\.00</, 'the register: 30.00 after the 5 March row');
  assert.equal((await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-10', statementBalance: '30.00' })).status, 303);
  const ids = ctx.db.prepare('SELECT id FROM transactions ORDER BY id').pluck().all().map(String);
  await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'update', ids });
  const page = (await agent.get(`/accounts/${account}/reconcile`)).text;
  assert.equal(difference(page), '$0.00', 'it was -$100.00: the 15 March opening balance counted on 10 March');
  assert.match(page, /data-reconcile="cleared">\$30\.00</);
  // On or after the opening day it counts, as before.
  const finished = await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile/rows`, { action: 'finish', ids });
  assert.equal(finished.status, 303);
  assert.deepEqual(statuses(ctx), [{ description: 'early income', status: 'reconciled' }, { description: 'early expense', status: 'reconciled' }]);
  assert.equal((await postForm(agent, `/accounts/${account}/reconcile`, `/accounts/${account}/reconcile`, { statementOn: '2026-03-15', statementBalance: '130.00' })).status, 303);
  assert.equal(difference((await agent.get(`/accounts/${account}/reconcile`)).text), '$0.00');
});

test("an open reconciliation's statement is corrected in place: the ticks stay, the difference follows the new balance and date", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund, books } = await arranged(ctx);
  const base = `/accounts/${account}/reconcile`;
  // The ending balance typed wrong: 103.00 for 130.00.
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '103.00' });
  await postForm(agent, base, `${base}/rows`, { action: 'update', ids: [String(refund), String(books)] });
  const page = (await agent.get(base)).text;
  assert.equal(difference(page), '−$27.00');
  assert.match(page, /<h2 id="correct-heading">Correct the statement<\/h2>/);
  assert.match(page, /id="correct-balance" name="statementBalance"[^>]*value="103.00"/);
  const openId = String(ctx.db.prepare('SELECT id FROM reconciliations WHERE finished_at IS NULL').pluck().get());

  // A bad balance changes nothing and says why beside the field.
  const refused = await postForm(agent, base, `${base}/statement`, { reconciliation: openId, statementOn: '2026-03-31', statementBalance: 'lots' });
  assert.equal(refused.status, 422);
  assert.match(refused.text, /id="correct-balance" name="statementBalance"[^>]*value="lots"[^>]*aria-invalid="true"/);
  assert.equal(ctx.db.prepare('SELECT statement_balance_cents FROM reconciliations').pluck().get(), 10_300);

  const corrected = await postForm(agent, base, `${base}/statement`, { reconciliation: openId, statementOn: '2026-03-31', statementBalance: '130.00' });

  assert.equal(corrected.status, 303);
  assert.equal(corrected.headers.location, base);
  const after = (await agent.get(base)).text;
  assert.match(after, /Statement corrected: Mar 31, 2026, ending at \$130\.00\. The ticks are as they were\./);
  assert.equal(difference(after), '$0.00', 'the same ticks now balance');
  assert.equal(ctx.db.prepare('SELECT id FROM reconciliations WHERE finished_at IS NULL').pluck().get(), Number(openId), 'the same reconciliation, corrected');
  assert.deepEqual(statuses(ctx).map((r) => (r as { status: string }).status), ['cleared', 'cleared', 'uncleared']);
  // A later date brings April's row in; the difference counts it when ticked.
  await postForm(agent, base, `${base}/statement`, { reconciliation: openId, statementOn: '2026-04-30', statementBalance: '125.00' });
  assert.match((await agent.get(base)).text, /april/);
  // A page from before the reconciliation was stopped changes nothing.
  await postForm(agent, base, `${base}/cancel`, { reconciliation: openId });
  const stale = await postForm(agent, base, `${base}/statement`, { reconciliation: openId, statementOn: '2026-03-31', statementBalance: '1.00' });
  assert.equal(stale.status, 303);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM reconciliations').pluck().get(), 0);
});

test('stopping a reconciliation asks first: it says how many rows are ticked and offers to untick those ticked in it, or keep them', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, account, refund, books } = await arranged(ctx);
  const base = `/accounts/${account}/reconcile`;
  // The refund was cleared from the register before the reconciliation began; the reconciliation ticks the books.
  await postForm(agent, `/accounts/${account}`, `/transactions/${refund}/cleared`, { cleared: '1', back: `/accounts/${account}` });
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '130.00' });
  await postForm(agent, base, `${base}/rows`, { action: 'update', ids: [String(refund), String(books)] });
  const page = (await agent.get(base)).text;
  assert.match(page, new RegExp(`<a class="button button--quiet" href="${base}/cancel">Stop reconciling</a>`));
  assert.doesNotMatch(page, new RegExp(`action="${base}/cancel"`), 'the reconcile page itself stops nothing');

  const question = await agent.get(`${base}/cancel`);

  assert.equal(question.status, 200);
  assert.match(question.text, /<h1>Stop reconciling Main account\?<\/h1>/);
  assert.match(question.text, /2 rows up to Mar 31, 2026 are ticked \(cleared\)\. 1 of them was ticked in this reconciliation; the rest were cleared before it and stay so\./);
  assert.match(question.text, /<button type="submit" name="ticks" value="untick"[^>]*>Stop and untick the 1 row ticked here<\/button>/);
  assert.match(question.text, /<button type="submit" name="ticks" value="keep"[^>]*>Stop and keep it ticked \(cleared\)<\/button>/);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM reconciliations').pluck().get(), 1, 'asking stops nothing');
  const openId = String(ctx.db.prepare('SELECT id FROM reconciliations').pluck().get());

  const stopped = await postForm(agent, `${base}/cancel`, `${base}/cancel`, { reconciliation: openId, ticks: 'untick' });

  assert.equal(stopped.status, 303);
  assert.match((await agent.get(stopped.headers.location!)).text, /Reconciliation stopped; the 1 row ticked in it is unticked again\./);
  assert.deepEqual(statuses(ctx), [
    { description: 'refund', status: 'cleared' },
    { description: 'books', status: 'uncleared' },
    { description: 'april', status: 'uncleared' },
  ]);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM reconciliations').pluck().get(), 0);

  // Kept: the ticks stay cleared, and the next reconciliation (which may reuse the id) does not count them as its own.
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '130.00' });
  await postForm(agent, base, `${base}/rows`, { action: 'update', ids: [String(refund), String(books)] });
  const secondId = String(ctx.db.prepare('SELECT id FROM reconciliations').pluck().get());
  assert.equal((await postForm(agent, `${base}/cancel`, `${base}/cancel`, { reconciliation: secondId, ticks: 'keep' })).status, 303);
  assert.deepEqual(statuses(ctx).map((r) => (r as { status: string }).status), ['cleared', 'cleared', 'uncleared']);
  await postForm(agent, base, base, { statementOn: '2026-03-31', statementBalance: '130.00' });
  assert.match((await agent.get(`${base}/cancel`)).text, /2 rows up to Mar 31, 2026 are ticked \(cleared\)\.<\/p>/);
  assertMonthlyTotalsMatchRows(ctx.db);
  // Without an open reconciliation, the question sends back to the reconcile page.
  const third = String(ctx.db.prepare('SELECT id FROM reconciliations').pluck().get());
  await postForm(agent, `${base}/cancel`, `${base}/cancel`, { reconciliation: third });
  assert.equal((await agent.get(`${base}/cancel`)).headers.location, base);
});
