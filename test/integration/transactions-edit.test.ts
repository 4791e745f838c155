import assert from 'node:assert/strict';
import { describe, test, type TestContext as NodeTestContext } from 'node:test';
import { createTestContext, csrfFrom, registerUser, tokenFor, totalsFrom, type Agent, type TestContext } from '../helpers/app.ts';
import { assertMonthlyTotalsMatchRows, categoryIdOf, postTransaction, userIdOf } from '../helpers/bookkeeping.ts';

interface Row {
  type: string;
  amount_cents: number;
  occurred_on: string;
  description: string;
  category_id: number | null;
}

function setup(t: NodeTestContext): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

function rowOf(ctx: TestContext, id: number): Row | undefined {
  return ctx.db
    .prepare<[number], Row>('SELECT type, amount_cents, occurred_on, description, category_id FROM transactions WHERE id = ?')
    .get(id);
}

function lastId(ctx: TestContext): number {
  return (ctx.db.prepare('SELECT max(id) AS id FROM transactions').get() as { id: number }).id;
}

async function postEdit(agent: Agent, id: number, fields: Record<string, string>) {
  const token = await tokenFor(agent, `/transactions/${id}/edit`);
  return agent.post(`/transactions/${id}/edit`).type('form').send({ _csrf: token, ...fields });
}

describe('editing a transaction', () => {
  test('the edit form shows every field of the transaction', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    await postTransaction(agent, { type: 'income', amount: '1,234.5', date: '2026-03-14', description: 'March pay', category: String(salary) });
    const id = lastId(ctx);

    const page = await agent.get(`/transactions/${id}/edit`);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`<form method="post" action="/transactions/${id}/edit"`));
    assert.match(page.text, /<option value="income" selected>Income<\/option>/);
    assert.match(page.text, /name="amount"[^>]*value="1234.50"/);
    assert.match(page.text, /name="date" type="date" value="2026-03-14"/);
    assert.match(page.text, /value="March pay"/);
    assert.match(page.text, new RegExp(`<option value="${salary}" selected>Salary</option>`));
    for (const label of ['Type', 'Amount', 'Date', 'Category', 'Description']) {
      assert.match(page.text, new RegExp(`<label for="[^"]+">${label}`));
    }
  });

  test('saving changes every field and keeps the derived totals exact', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, userId, 'expense', 'Groceries');
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    await postTransaction(agent, { type: 'expense', amount: '40', date: '2026-01-31', description: 'Market', category: String(groceries) });
    const id = lastId(ctx);

    const res = await postEdit(agent, id, { type: 'income', amount: '2,000.05', date: '2026-02-01', description: '  Bonus  ', category: String(salary) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/transactions');
    assert.deepEqual(rowOf(ctx, id), { type: 'income', amount_cents: 200005, occurred_on: '2026-02-01', description: 'Bonus', category_id: salary });
    assertMonthlyTotalsMatchRows(ctx.db);
    const dash = totalsFrom((await agent.get('/dashboard?period=2026-02')).text);
    assert.deepEqual(dash, { Income: '$2,000.05', Expenses: '$0.00', 'Net': '$2,000.05' });
    const january = totalsFrom((await agent.get('/dashboard?period=2026-01')).text);
    assert.equal(january.Expenses, '$0.00', 'the old month no longer counts the row');

    // Clearing the category is an edit too.
    assert.equal((await postEdit(agent, id, { type: 'income', amount: '2000.05', date: '2026-02-01', description: 'Bonus', category: '' })).status, 303);
    assert.equal(rowOf(ctx, id)?.category_id, null);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('an edit form opened before the row changed elsewhere is shown again with what was typed and what the row holds now; saving it again replaces it', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postTransaction(agent, { type: 'expense', amount: '10.00', date: '2026-03-02', description: 'Original' });
    const id = lastId(ctx);
    /** The edit form as a browser would send it, with the changes typed. */
    const formOf = (html: string, changes: Record<string, string>) => {
      const fields: Record<string, string> = { _csrf: csrfFrom(html) };
      for (const name of ['version', 'back', 'from', 'type', 'amount', 'date', 'description', 'account']) {
        const found = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`<select[^>]*name="${name}"[\\s\\S]*?<option value="([^"]*)" selected`).exec(html);
        if (found) fields[name] = found[1]!.replaceAll('&amp;', '&');
      }
      return { ...fields, category: '', ...changes };
    };
    const tabA = (await agent.get(`/transactions/${id}/edit`)).text;
    const tabB = (await agent.get(`/transactions/${id}/edit`)).text;
    assert.match(tabA, /name="version" value="[\w-]{16}"/);
    const post = (form: Record<string, string>) => agent.post(`/transactions/${id}/edit`).type('form').send(form);
    assert.equal((await post(formOf(tabA, { amount: '20.00' }))).status, 303);

    const stale = await post(formOf(tabB, { description: 'Edited in B' }));
    assert.equal(stale.status, 409);
    assert.match(stale.text, /This transaction was changed elsewhere \(in another tab or on another device\) after you opened it, so nothing was saved\. It now reads: Expense, \$20\.00, Mar 2, 2026, “Original”\./);
    assert.match(stale.text, /value="Edited in B"/, 'what was typed is kept');
    assert.deepEqual(rowOf(ctx, id), { type: 'expense', amount_cents: 2000, occurred_on: '2026-03-02', description: 'Original', category_id: null });

    // Saved again from the page that said so, it replaces the row: the person has seen what it held.
    assert.equal((await post(formOf(stale.text, {}))).status, 303);
    assert.equal(rowOf(ctx, id)?.description, 'Edited in B');
    // A form shown again for a typo keeps the version it was opened on: its next save is still checked.
    const tabD = (await agent.get(`/transactions/${id}/edit`)).text;
    const typo = await post(formOf(tabD, { amount: 'abc' }));
    assert.equal(typo.status, 422);
    assert.match(typo.text, /name="version" value="[\w-]{16}"/);
    assert.equal((await post(formOf((await agent.get(`/transactions/${id}/edit`)).text, { description: 'Meanwhile' }))).status, 303);
    assert.equal((await post(formOf(typo.text, { amount: '30.00' }))).status, 409, 'the other save is not undone');
    assert.equal(rowOf(ctx, id)?.description, 'Meanwhile');
    // A form from before the check (no version) saves as it always did.
    assert.equal((await postEdit(agent, id, { type: 'expense', amount: '5', date: '2026-03-02', description: 'No version' })).status, 303);
    assert.equal(rowOf(ctx, id)?.amount_cents, 500);
    // Deleted in another tab meanwhile: what was typed comes back on the add form, said so, and nothing is written.
    const tabC = (await agent.get(`/transactions/${id}/edit`)).text;
    ctx.db.prepare('DELETE FROM transactions WHERE id = ?').run(id);
    const gone = await post(formOf(tabC, { description: 'Typed after deletion' }));
    assert.equal(gone.status, 404);
    assert.match(gone.text, /This transaction was deleted elsewhere \(in another tab or on another device\) after you opened it, so nothing was saved\./);
    assert.match(gone.text, /<form method="post" action="\/transactions" /);
    assert.match(gone.text, /value="Typed after deletion"/);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get(), 0);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('invalid input re-renders the edit form with 422, the typed values and a message per field, and changes nothing', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    await postTransaction(agent, { amount: '10', date: '2026-04-01', description: 'Original' });
    const id = lastId(ctx);
    const before = rowOf(ctx, id);
    const salary = String(categoryIdOf(ctx.db, userId, 'income', 'Salary'));

    for (const [fields, errorId] of [
      [{ type: 'expense', amount: '1.005', date: '2026-04-02', description: 'Typed', category: '' }, 'tx-amount-error'],
      [{ type: 'expense', amount: '', date: '2026-04-02', description: 'Typed', category: '' }, 'tx-amount-error'],
      [{ type: 'expense', amount: '5', date: '2026-02-30', description: 'Typed', category: '' }, 'tx-date-error'],
      // Emptied (a phone's date picker has a Clear button): refused, not moved to today as an add would be.
      [{ type: 'expense', amount: '5', date: '', description: 'Typed', category: '' }, 'tx-date-error'],
      [{ type: 'expense', amount: '', date: ' ', description: 'Typed', category: '' }, 'tx-date-error'],
      [{ type: 'transfer', amount: '5', date: '2026-04-02', description: 'Typed', category: '' }, 'tx-type-error'],
      [{ type: 'expense', amount: '5', date: '2026-04-02', description: 'x'.repeat(201), category: '' }, 'tx-description-error'],
      [{ type: 'expense', amount: '5', date: '2026-04-02', description: 'Typed', category: salary }, 'tx-category-error'],
    ] as const) {
      const res = await postEdit(agent, id, fields);
      assert.equal(res.status, 422, JSON.stringify(fields));
      assert.match(res.text, new RegExp(`id="${errorId}"`));
      assert.match(res.text, new RegExp(`action="/transactions/${id}/edit"`));
      if (fields.description === 'Typed') assert.match(res.text, /value="Typed"/);
      assert.deepEqual(rowOf(ctx, id), before);
    }
  });

  test("another user's transaction id gets 404 on the edit form and on save, and the row is unchanged", async (t) => {
    const ctx = setup(t);
    const ann = await registerUser(ctx.app, 'ann@example.com');
    await postTransaction(ann, { amount: '77', date: '2026-05-05', description: 'Ann only' });
    const annTx = lastId(ctx);
    const before = rowOf(ctx, annTx);
    const bob = await registerUser(ctx.app, 'bob@example.com');
    await postTransaction(bob, { amount: '1', description: 'Bob own' });
    const bobTx = lastId(ctx);

    assert.equal((await bob.get(`/transactions/${annTx}/edit`)).status, 404);
    const token = await tokenFor(bob, `/transactions/${bobTx}/edit`);
    const res = await bob
      .post(`/transactions/${annTx}/edit`)
      .type('form')
      .send({ _csrf: token, type: 'income', amount: '1', date: '2026-01-01', description: 'Stolen', category: '' });
    assert.equal(res.status, 404);
    assert.deepEqual(rowOf(ctx, annTx), before);
    assert.equal((await bob.get('/transactions/0/edit')).status, 404);
    assert.equal((await bob.get('/transactions/abc/edit')).status, 404);
  });

  test('editing from a filtered list returns to that list, and a foreign return address falls back to the list', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postTransaction(agent, { amount: '3', date: '2026-06-01', description: 'Tea' });
    const id = lastId(ctx);
    const list = await agent.get('/transactions?q=tea');
    const back = encodeURIComponent('/transactions?q=tea');
    assert.match(list.text, new RegExp(`href="/transactions/${id}/edit\\?back=${back.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" aria-label="Edit expense of \\$3.00 on Jun 1, 2026, Tea">Edit</a>`));

    const form = await agent.get(`/transactions/${id}/edit?back=${back}`);
    assert.match(form.text, /<input type="hidden" name="back" value="\/transactions\?q=tea">/);
    const fields = { type: 'expense', amount: '4', date: '2026-06-01', description: 'Tea', category: '' };
    assert.equal((await postEdit(agent, id, { ...fields, back: '/transactions?q=tea' })).headers.location, '/transactions?q=tea');
    assert.equal((await postEdit(agent, id, { ...fields, back: '/dashboard?period=2026-06' })).headers.location, '/dashboard?period=2026-06');
    for (const bad of ['//evil.example/transactions', 'https://evil.example', '/account/delete', '/accounts/1/delete', '/accounts/x']) {
      assert.equal((await postEdit(agent, id, { ...fields, back: bad })).headers.location, '/transactions', bad);
    }
  });

  test("editing from an account's register returns to it, and deleting from a filtered list returns to that list", async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postTransaction(agent, { amount: '3', date: '2026-06-01', description: 'Tea' });
    const id = lastId(ctx);
    const accountId = Number(ctx.db.prepare('SELECT account_id FROM transactions WHERE id = ?').pluck().get(id));
    const register = await agent.get(`/accounts/${accountId}`);
    assert.match(register.text, new RegExp(`href="/transactions/${id}/edit\\?back=%2Faccounts%2F${accountId}"`));
    const fields = { type: 'expense', amount: '4', date: '2026-06-01', description: 'Tea', category: '' };
    assert.equal((await postEdit(agent, id, { ...fields, back: `/accounts/${accountId}` })).headers.location, `/accounts/${accountId}`);

    const list = await agent.get('/transactions?q=tea');
    assert.match(list.text, new RegExp(`href="/transactions/${id}/delete\\?back=%2Ftransactions%3Fq%3Dtea"`));
    const confirm = await agent.get(`/transactions/${id}/delete?back=${encodeURIComponent('/transactions?q=tea')}`);
    assert.match(confirm.text, /<input type="hidden" name="back" value="\/transactions\?q=tea">/);
    assert.match(confirm.text, /<a class="button button--quiet" href="\/transactions\?q=tea">Cancel<\/a>/);
    const token = await tokenFor(agent, `/transactions/${id}/delete`);
    const deleted = await agent.post(`/transactions/${id}/delete`).type('form').send({ _csrf: token, back: '/transactions?q=tea' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.location, '/transactions?q=tea');
    assert.equal(rowOf(ctx, id), undefined);
  });
});
