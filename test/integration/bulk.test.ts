import assert from 'node:assert/strict';
import { describe, test, type TestContext as NodeTestContext } from 'node:test';
import type { RowDraft as NewTransaction } from '../helpers/bookkeeping.ts';
import { createTestContext, registerUser, tokenFor, totalsFrom, type Agent, type TestContext } from '../helpers/app.ts';
import {
  assertMonthlyTotalsMatchRows,
  categoryIdOf,
  flashFrom,
  insertTransactions,
  rowIdsFrom,
  userIdOf,
} from '../helpers/bookkeeping.ts';

function setup(t: NodeTestContext): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

function rows(count: number, over: Partial<NewTransaction> = {}): NewTransaction[] {
  return Array.from({ length: count }, (_, i) => ({
    type: i % 3 === 0 ? 'income' : 'expense',
    amountCents: 100 * (i + 1),
    occurredOn: `2026-0${1 + (i % 6)}-${String(1 + (i % 27)).padStart(2, '0')}`,
    description: `row ${i}`,
    categoryId: null,
    ...over,
  }));
}

function existingIds(ctx: TestContext, userId: number): number[] {
  return ctx.db
    .prepare<[number], { id: number }>('SELECT id FROM transactions WHERE user_id = ? ORDER BY id')
    .all(userId)
    .map((r) => r.id);
}

function categoriesOf(ctx: TestContext, ids: readonly number[]): (number | null)[] {
  const stmt = ctx.db.prepare<[number], { category_id: number | null }>('SELECT category_id FROM transactions WHERE id = ?');
  return ids.map((id) => stmt.get(id)?.category_id ?? null);
}

/** Submits the bulk form of a list page the way a browser would: checked ids plus the pressed button. */
async function submitBulk(agent: Agent, listUrl: string, ids: readonly number[], fields: Record<string, string>) {
  const page = await agent.get(listUrl);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const back = /name="back" value="([^"]+)"/.exec(page.text)?.[1]?.replaceAll('&amp;', '&') ?? '/transactions';
  const body = new URLSearchParams({ _csrf: token, back, ...fields });
  for (const id of ids) body.append('ids', String(id));
  const posted = await agent.post('/transactions/bulk').type('form').send(body.toString());
  // Delete asks first, on a page of its own: the answer sends the browser there, as it follows.
  const confirmAt = posted.headers.location;
  if (fields.action === 'delete' && posted.status === 303 && confirmAt?.startsWith('/transactions/bulk/delete?')) return agent.get(confirmAt);
  return posted;
}

/** Opens the page asking what to do with the incomes among rows given an expense category, and presses one of its buttons. */
async function answerIncomesQuestion(agent: Agent, questionUrl: string, incomes: 'keep' | 'refund') {
  const page = await agent.get(questionUrl);
  assert.equal(page.status, 200);
  const form = /<form method="post" action="\/transactions\/bulk\/category"[\s\S]*?<\/form>/.exec(page.text)![0];
  assert.match(form, new RegExp(`<button type="submit" name="incomes" value="${incomes}"`));
  const body = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) body.append(m[1]!, m[2]!.replaceAll('&amp;', '&'));
  body.append('incomes', incomes);
  return agent.post('/transactions/bulk/category').type('form').send(body.toString());
}

/** The CSRF token of a page's forms. */
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** Presses the button on the bulk delete confirmation page. */
async function confirmBulkDelete(agent: Agent, confirmHtml: string) {
  const form = /<form method="post" action="\/transactions\/bulk\/delete"[\s\S]*?<\/form>/.exec(confirmHtml)![0];
  const body = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    body.append(m[1]!, m[2]!.replaceAll('&amp;', '&'));
  }
  return agent.post('/transactions/bulk/delete').type('form').send(body.toString());
}

describe('bulk actions on the transactions page', () => {
  test('each row has a checkbox with a label naming the transaction', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const [id] = insertTransactions(ctx.db, userIdOf(ctx.db, 'ann@example.com'), [
      { type: 'expense', amountCents: 1250, occurredOn: '2026-02-03', description: 'Lunch' },
    ]);
    const page = await agent.get('/transactions');
    assert.match(page.text, new RegExp(`<input type="checkbox" name="ids" value="${id}" id="select-${id}"`));
    assert.match(page.text, new RegExp(`<label for="select-${id}"[^>]*>Select expense of \\$12.50 on Feb 3, 2026, Lunch</label>`));
    assert.match(page.text, /<button type="submit" name="action" value="delete"[^>]*>Delete selected<\/button>/);
    assert.match(page.text, /<button type="submit" name="action" value="set-category"[^>]*>Set category<\/button>/);
  });

  test('Delete selected asks for confirmation first, then deletes exactly the selected rows and returns to the filtered list', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, rows(12));
    const chosen = [ids[1]!, ids[4]!, ids[7]!];
    const listUrl = '/transactions?type=expense';

    const confirm = await submitBulk(agent, listUrl, chosen, { action: 'delete' });
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Delete 3 transactions\?/);
    for (const i of [1, 4, 7]) assert.match(confirm.text, new RegExp(`>row ${i}<`));
    assert.deepEqual(existingIds(ctx, userId), ids, 'nothing is deleted before confirming');

    const done = await confirmBulkDelete(agent, confirm.text);
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, listUrl);
    assert.deepEqual(existingIds(ctx, userId), ids.filter((id) => !chosen.includes(id)));
    assert.equal(flashFrom((await agent.get(listUrl)).text), 'Deleted 3 transactions.');
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('the confirmation is a page of its own: asking changes nothing, and Back after deleting shows it, not a form to resubmit', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, rows(5));
    const token = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/transactions')).text)![1]!;
    const asked = await agent.post('/transactions/bulk').type('form').send(`_csrf=${token}&action=delete&back=%2Ftransactions%3Fq%3Drow&ids=${ids[0]}&ids=${ids[1]}`);
    assert.equal(asked.status, 303);
    const confirmUrl = asked.headers.location!;
    assert.equal(confirmUrl, `/transactions/bulk/delete?ids=${ids[0]}&ids=${ids[1]}&back=%2Ftransactions%3Fq%3Drow`);
    const confirm = await agent.get(confirmUrl);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Delete 2 transactions\?/);
    assert.match(confirm.text, /<input type="hidden" name="back" value="\/transactions\?q=row">/);
    assert.deepEqual(existingIds(ctx, userId), ids, 'asking deletes nothing');
    assert.equal((await confirmBulkDelete(agent, confirm.text)).headers.location, '/transactions?q=row');
    // Back: the same address again, now naming rows that are gone.
    const back = await agent.get(confirmUrl);
    assert.equal(back.status, 404);
    assert.match(back.text, /None of the selected transactions exist\./);
  });

  test('a whole page of 50 rows can be selected and deleted in one request', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, rows(70));
    const firstPage = rowIdsFrom((await agent.get('/transactions')).text);
    assert.equal(firstPage.length, 50);
    const confirm = await submitBulk(agent, '/transactions', firstPage, { action: 'delete' });
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Delete 50 transactions\?/);
    assert.equal((await confirmBulkDelete(agent, confirm.text)).status, 303);
    assert.deepEqual(existingIds(ctx, userId), ids.filter((id) => !firstPage.includes(id)));
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('Set category follows the edit form: an expense category on expenses and incomes (refunds), an income one on incomes only; the rest reported, totals exact', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const housing = categoryIdOf(ctx.db, userId, 'expense', 'Housing');
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    const ids = insertTransactions(ctx.db, userId, rows(9));
    // rows(9): indexes 0, 3, 6 are income.
    const chosen = [ids[0]!, ids[1]!, ids[2]!, ids[3]!];
    // Two of them are incomes: the person is asked first, and chooses to make them refunds.
    const asked = await submitBulk(agent, '/transactions', chosen, { action: 'set-category', category: String(housing) });
    assert.equal(asked.status, 303);
    assert.match(asked.headers.location!, /^\/transactions\/bulk\/category\?/);
    const res = await answerIncomesQuestion(agent, asked.headers.location!, 'refund');
    assert.equal(res.status, 303);
    assert.deepEqual(categoriesOf(ctx, ids), [housing, housing, housing, housing, null, null, null, null, null]);
    const list = (await agent.get('/transactions')).text;
    assert.equal(flashFrom(list), "“Housing” set on 4 transactions. 2 of them were incomes: each is now a refund of that category's spending.");
    assert.match(list, /class="flash flash--success"/);
    assertMonthlyTotalsMatchRows(ctx.db);

    // An income category goes on the income among them; the expenses are skipped and said so.
    await submitBulk(agent, '/transactions', [ids[3]!, ids[4]!, ids[5]!], { action: 'set-category', category: String(salary) });
    assert.deepEqual(categoriesOf(ctx, [ids[3]!, ids[4]!, ids[5]!]), [salary, null, null]);
    assert.equal(flashFrom((await agent.get('/transactions')).text), '“Salary” set on 1 transaction. Skipped 2 expenses: an income category goes on incomes only.');
    // Nothing set is not reported as a success.
    await submitBulk(agent, '/transactions', [ids[4]!], { action: 'set-category', category: String(salary) });
    const nothing = (await agent.get('/transactions')).text;
    assert.equal(flashFrom(nothing), '“Salary” set on 0 transactions. Skipped 1 expense: an income category goes on incomes only.');
    assert.match(nothing, /class="flash flash--error"/);
    assertMonthlyTotalsMatchRows(ctx.db);

    const cleared = await submitBulk(agent, '/transactions', [ids[1]!], { action: 'set-category', category: 'none' });
    assert.equal(cleared.status, 303);
    assert.deepEqual(categoriesOf(ctx, [ids[1]!, ids[2]!]), [null, housing]);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test("an expense category set on a selection holding incomes asks first, naming them; leaving them keeps the month's income and says how many were left and why", async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    const housing = categoryIdOf(ctx.db, userId, 'expense', 'Housing');
    const ids = insertTransactions(ctx.db, userId, [
      { type: 'income', amountCents: 350_000, occurredOn: '2026-03-01', description: 'March salary', categoryId: salary },
      { type: 'expense', amountCents: 120_000, occurredOn: '2026-03-02', description: 'Rent' },
      { type: 'expense', amountCents: 4_000, occurredOn: '2026-03-03', description: 'Gas bill' },
    ]);
    const before = totalsFrom((await agent.get('/dashboard?period=2026-03')).text);
    assert.equal(before.Income, '$3,500.00');

    const asked = await submitBulk(agent, '/transactions', ids, { action: 'set-category', category: String(housing) });

    assert.equal(asked.status, 303);
    assert.deepEqual(categoriesOf(ctx, ids), [salary, null, null], 'nothing changes before the person answers');
    const question = await agent.get(asked.headers.location!);
    assert.equal(question.status, 200);
    assert.match(question.text, /<h1>1 of the selected transactions is an income<\/h1>/);
    assert.match(question.text, /“Housing” is an expense category\. An income given it becomes a refund/);
    assert.match(question.text, />March salary</);
    assert.match(question.text, /Set it on 2 expenses, leave the incomes as they are<\/button>/);
    assert.match(question.text, /Make 1 income a refund<\/button>/);
    assert.deepEqual(categoriesOf(ctx, ids), [salary, null, null], 'asking changes nothing');
    // An income category makes no refund: there is nothing to ask, and the page sends back to the list.
    const noQuestion = await agent.get(`/transactions/bulk/category?ids=${ids[0]}&category=${salary}&back=%2Ftransactions`);
    assert.equal(noQuestion.status, 303);
    assert.equal(noQuestion.headers.location, '/transactions');

    const kept = await answerIncomesQuestion(agent, asked.headers.location!, 'keep');

    assert.equal(kept.status, 303);
    assert.equal(kept.headers.location, '/transactions');
    assert.deepEqual(categoriesOf(ctx, ids), [salary, housing, housing], 'the income keeps its own category');
    assert.equal(flashFrom((await agent.get('/transactions')).text), '“Housing” set on 2 transactions. Left 1 income as it was: an expense category would have made it a refund.');
    const after = totalsFrom((await agent.get('/dashboard?period=2026-03')).text);
    assert.equal(after.Income, '$3,500.00', "the month's income is still there");
    assert.equal(after.Expenses, '$1,240.00');
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test("the last bulk category change can be undone, once and within a day: each row gets its category back unless changed since; it is the person's own", async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const cat = (name: string) => categoryIdOf(ctx.db, userId, 'expense', name);
    const ids = insertTransactions(ctx.db, userId, [
      { type: 'expense', amountCents: 1_000, occurredOn: '2026-03-01', description: 'Market', categoryId: cat('Groceries') },
      { type: 'expense', amountCents: 2_000, occurredOn: '2026-03-02', description: 'Plumber' },
      { type: 'expense', amountCents: 3_000, occurredOn: '2026-03-03', description: 'Bus pass', categoryId: cat('Transport') },
    ]);
    const set = await submitBulk(agent, '/transactions', ids, { action: 'set-category', category: String(cat('Housing')) });
    assert.equal(set.status, 303);
    const list = (await agent.get('/transactions')).text;
    assert.match(list, /“Housing” set on 3 transactions\. <a href="\/transactions\/bulk\/undo">Undo<\/a>/);
    assert.match(list, /<a href="\/transactions\/bulk\/undo">Undo the last category change \(3 transactions\)<\/a>/);
    assert.deepEqual(categoriesOf(ctx, ids), [cat('Housing'), cat('Housing'), cat('Housing')]);
    // The bus pass is put right by hand meanwhile: the undo leaves it as it now is.
    ctx.db.prepare('UPDATE transactions SET category_id = ? WHERE id = ?').run(cat('Health'), ids[2]);

    const question = await agent.get('/transactions/bulk/undo');
    assert.equal(question.status, 200);
    assert.match(question.text, /<h1>Undo the last category change\?<\/h1>/);
    assert.match(question.text, /“Housing” was set on 3 transactions\./);
    assert.deepEqual(categoriesOf(ctx, ids), [cat('Housing'), cat('Housing'), cat('Health')], 'asking changes nothing');
    // Another person has no change of hers to undo, and undoing theirs changes none of hers.
    const bob = await registerUser(ctx.app, 'bob@example.com');
    assert.match((await bob.get('/transactions/bulk/undo')).text, /There is no category change to undo/);
    const bobs = await bob.post('/transactions/bulk/undo').type('form').send({ _csrf: await tokenFor(bob, '/transactions') });
    assert.equal(bobs.status, 303);
    assert.deepEqual(categoriesOf(ctx, ids), [cat('Housing'), cat('Housing'), cat('Health')]);

    const undone = await agent.post('/transactions/bulk/undo').type('form').send({ _csrf: csrfOf(question.text) });

    assert.equal(undone.status, 303);
    assert.equal(undone.headers.location, '/transactions');
    assert.equal(flashFrom((await agent.get('/transactions')).text), 'Undone: 2 transactions have their category back. 1 was changed since (or its category deleted) and keeps what it has.');
    assert.deepEqual(categoriesOf(ctx, ids), [cat('Groceries'), null, cat('Health')]);
    assertMonthlyTotalsMatchRows(ctx.db);
    // Once only.
    await agent.post('/transactions/bulk/undo').type('form').send({ _csrf: csrfOf(question.text) });
    assert.equal(flashFrom((await agent.get('/transactions')).text), 'There was no category change left to undo; nothing was changed.');
    assert.deepEqual(categoriesOf(ctx, ids), [cat('Groceries'), null, cat('Health')]);
    // Within a day only.
    await submitBulk(agent, '/transactions', [ids[1]!], { action: 'set-category', category: String(cat('Utilities')) });
    ctx.clock.advance(25 * 60 * 60 * 1000);
    assert.match((await agent.get('/transactions/bulk/undo')).text, /There is no category change to undo/);
    assert.doesNotMatch((await agent.get('/transactions')).text, /Undo the last category change/);
  });

  test('undoing a category change leaves a row whose type changed since, and a new row that was given a deleted one\'s id', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, [
      { type: 'income', amountCents: 300_000, occurredOn: '2026-03-01', description: 'Pay', categoryId: categoryIdOf(ctx.db, userId, 'income', 'Salary') },
      { type: 'expense', amountCents: 1_000, occurredOn: '2026-03-02', description: 'Market', categoryId: categoryIdOf(ctx.db, userId, 'expense', 'Groceries') },
    ]);
    assert.equal((await submitBulk(agent, '/transactions', ids, { action: 'set-category', category: 'none' })).status, 303);
    // Pay was entered as an income by mistake and made an expense; Market was deleted, and the next row typed took
    // its id (SQLite reuses the highest id once it is gone).
    ctx.db.prepare("UPDATE transactions SET type = 'expense' WHERE id = ?").run(ids[0]);
    ctx.db.prepare('DELETE FROM transactions WHERE id = ?').run(ids[1]);
    const [cinema] = insertTransactions(ctx.db, userId, [{ type: 'expense', amountCents: 2_400, occurredOn: '2026-03-05', description: 'Cinema tickets' }]);
    assert.equal(cinema, ids[1], 'the id was given again');

    const question = await agent.get('/transactions/bulk/undo');
    assert.equal((await agent.post('/transactions/bulk/undo').type('form').send({ _csrf: csrfOf(question.text) })).status, 303);

    assert.equal(flashFrom((await agent.get('/transactions')).text), 'Undone: 0 transactions have their category back. 2 were changed since (or their category deleted) and keep what they have.');
    assert.deepEqual(categoriesOf(ctx, ids), [null, null], 'no income category on an expense, no Groceries on the cinema');
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('submitting with nothing selected, or no category chosen, changes nothing and says why', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, rows(3));
    const none = await submitBulk(agent, '/transactions', [], { action: 'delete' });
    assert.equal(none.status, 422);
    assert.match(none.text, /<p class="form__summary" role="alert" id="bulk-error">Select at least one transaction/);
    assert.match(none.text, /<title>Error: Transactions · /);
    // The list comes back in place of a redirect: the ticked row stays ticked, and the category list, the field at
    // fault, says so and points at the sentence that says why.
    const noCategory = await submitBulk(agent, '/transactions', [ids[1]!], { action: 'set-category', category: '' });
    assert.equal(noCategory.status, 422);
    assert.match(noCategory.text, /<p class="form__summary" role="alert" id="bulk-error">Choose a category to set/);
    assert.match(noCategory.text, /<select id="bulk-category" name="category" aria-invalid="true" aria-describedby="bulk-error">/);
    assert.match(noCategory.text, new RegExp(`value="${ids[1]}" id="select-${ids[1]}" class="tx__checkbox" checked>`));
    assert.equal([...noCategory.text.matchAll(/class="tx__checkbox" checked>/g)].length, 1, 'only the ticked row is ticked');
    assert.match(noCategory.text, /<title>Error: Transactions · /);
    // The confirmation step posted with no ids (a hand-made request) is refused the same way, not "Deleted 0".
    const token = await tokenFor(agent, '/transactions');
    const emptyConfirm = await agent.post('/transactions/bulk/delete').type('form').send({ _csrf: token, ids: 'not-an-id' });
    assert.equal(emptyConfirm.status, 303);
    assert.match(flashFrom((await agent.get('/transactions')).text) ?? '', /Select at least one transaction/);
    assert.deepEqual(existingIds(ctx, userId), ids);
    assert.deepEqual(categoriesOf(ctx, ids), [null, null, null]);
  });

  test("Enter in a row's checkbox submits with the form's first button, which deletes nothing: it asks what to do", async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, rows(2));
    const page = (await agent.get('/transactions')).text;
    const form = /<form method="post" action="\/transactions\/bulk"[^]*?<\/form>/.exec(page)![0];
    const first = /<button[^>]*>/.exec(form)![0];
    assert.doesNotMatch(first, /type="(button|reset)"/);
    assert.doesNotMatch(first, /name=/, `the default button ${first} names no action`);

    const implicit = await submitBulk(agent, '/transactions', [ids[0]!], {});
    assert.equal(implicit.status, 422);
    assert.match(implicit.text, /<p class="form__summary" role="alert" id="bulk-error">Choose Delete selected or Set category; nothing was changed/);
    assert.match(implicit.text, /<fieldset class="bulk__bar" aria-describedby="bulk-error">/);
    assert.match(implicit.text, new RegExp(`value="${ids[0]}" id="select-${ids[0]}" class="tx__checkbox" checked>`));
    assert.deepEqual(existingIds(ctx, userId), ids);
  });

  test('a bulk request without the CSRF token is refused', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userId, rows(2));
    const res = await agent.post('/transactions/bulk/delete').type('form').send(`_csrf=forged&ids=${ids[0]}&ids=${ids[1]}`);
    assert.equal(res.status, 403);
    assert.deepEqual(existingIds(ctx, userId), ids);
  });
});

describe('bulk actions are scoped to the user', () => {
  test("another user's ids mixed into a bulk delete are skipped and reported; only one's own rows go", async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const annIds = insertTransactions(ctx.db, annId, rows(3));
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobId = userIdOf(ctx.db, 'bob@example.com');
    const bobIds = insertTransactions(ctx.db, bobId, rows(2));

    const confirm = await submitBulk(bob, '/transactions', [bobIds[0]!, annIds[0]!], { action: 'delete' });
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Delete 1 transaction\?/);
    assert.match(confirm.text, /1 of the selected transactions was not found and will be skipped/);
    assert.doesNotMatch(confirm.text, new RegExp(`name="ids" value="${annIds[0]}"`));

    // Even a hand-made confirmation naming Ann's rows deletes only Bob's.
    const token = await tokenFor(bob, '/transactions');
    const forged = await bob.post('/transactions/bulk/delete').type('form').send(`_csrf=${token}&ids=${annIds[0]}&ids=${annIds[1]}&ids=${bobIds[0]}`);
    assert.equal(forged.status, 303);
    assert.equal(flashFrom((await bob.get('/transactions')).text), 'Deleted 1 transaction. 2 selected transactions were not found and skipped.');
    assert.deepEqual(existingIds(ctx, annId), annIds);
    assert.deepEqual(existingIds(ctx, bobId), [bobIds[1]!]);

    const onlyAnns = await bob.post('/transactions/bulk/delete').type('form').send(`_csrf=${token}&ids=${annIds[2]}`);
    assert.equal(onlyAnns.status, 404);
    assert.equal((await submitBulk(bob, '/transactions', [annIds[2]!], { action: 'delete' })).status, 404);
    assert.deepEqual(existingIds(ctx, annId), annIds);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test("setting another user's category gets 404, and one's own category never lands on another user's rows", async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const annIds = insertTransactions(ctx.db, annId, rows(2, { type: 'expense' }));
    const annGroceries = categoryIdOf(ctx.db, annId, 'expense', 'Groceries');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobId = userIdOf(ctx.db, 'bob@example.com');
    const bobIds = insertTransactions(ctx.db, bobId, rows(2, { type: 'expense' }));
    const bobHealth = categoryIdOf(ctx.db, bobId, 'expense', 'Health');

    const foreignCategory = await submitBulk(bob, '/transactions', bobIds, { action: 'set-category', category: String(annGroceries) });
    assert.equal(foreignCategory.status, 404);
    assert.deepEqual(categoriesOf(ctx, bobIds), [null, null]);

    const foreignRows = await submitBulk(bob, '/transactions', [...annIds, bobIds[0]!], { action: 'set-category', category: String(bobHealth) });
    assert.equal(foreignRows.status, 303);
    assert.deepEqual(categoriesOf(ctx, annIds), [null, null]);
    assert.deepEqual(categoriesOf(ctx, bobIds), [bobHealth, null]);
    assert.match(flashFrom((await bob.get('/transactions')).text) ?? '', /set on 1 transaction\. Skipped 2: not found\./);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('the return address of a bulk form cannot send the user to another site', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ids = insertTransactions(ctx.db, userIdOf(ctx.db, 'ann@example.com'), rows(1));
    const token = await tokenFor(agent, '/transactions');
    for (const back of ['//evil.example/x', 'https://evil.example', '/dashboard']) {
      const res = await agent.post('/transactions/bulk').type('form').send({ _csrf: token, back, action: 'set-category', category: 'none', ids: String(ids[0]) });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/transactions', back);
    }
  });
});
