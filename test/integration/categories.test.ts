import assert from 'node:assert/strict';
import { describe, test, type TestContext as NodeTestContext } from 'node:test';
import { createTestContext, postForm, registerUser, tokenFor, type TestContext } from '../helpers/app.ts';
import {
  assertMonthlyTotalsMatchRows,
  categoryIdOf,
  flashFrom,
  postTransaction,
  userIdOf,
} from '../helpers/bookkeeping.ts';

const DEFAULT_INCOME = ['Salary', 'Other income'];
const DEFAULT_EXPENSE = ['Groceries', 'Housing', 'Transport', 'Utilities', 'Eating out', 'Health', 'Entertainment', 'Other'];

function setup(t: NodeTestContext): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

function categoryNames(ctx: TestContext, userId: number, kind: string): string[] {
  return ctx.db
    .prepare<[number, string], { name: string }>('SELECT name FROM categories WHERE user_id = ? AND kind = ? ORDER BY id')
    .all(userId, kind)
    .map((r) => r.name);
}

function sectionOf(html: string, heading: string): string {
  const start = html.indexOf(`>${heading}</h2>`);
  assert.ok(start >= 0, `page has a "${heading}" section`);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('categories', () => {
  test('a new account starts with the default income and expense categories, listed per kind', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    assert.deepEqual(categoryNames(ctx, userId, 'income'), DEFAULT_INCOME);
    assert.deepEqual(categoryNames(ctx, userId, 'expense'), DEFAULT_EXPENSE);

    const page = await agent.get('/categories');
    assert.equal(page.status, 200);
    const income = sectionOf(page.text, 'Income categories');
    const expense = sectionOf(page.text, 'Expense categories');
    for (const name of DEFAULT_INCOME) assert.match(income, new RegExp(`>${name}</a>`));
    for (const name of DEFAULT_EXPENSE) assert.match(expense, new RegExp(`>${name}</a>`));
    assert.doesNotMatch(income, />Groceries</);
  });

  test('the list shows how many transactions each category has', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const groceries = String(categoryIdOf(ctx.db, userId, 'expense', 'Groceries'));
    for (const amount of ['1', '2', '3']) assert.equal((await postTransaction(agent, { amount, category: groceries })).status, 303);
    const page = await agent.get('/categories');
    assert.match(page.text, new RegExp(`href="/transactions\\?category=${groceries}">Groceries</a>\\s*<span[^>]*>3 transactions`));
    assert.match(page.text, /Housing<\/a>\s*<span[^>]*>0 transactions/);
  });

  test('creating a category adds it under its kind', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await tokenFor(agent, '/categories');
    const res = await agent.post('/categories').type('form').send({ _csrf: token, kind: 'income', name: '  Freelance  ' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/categories');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    assert.deepEqual(categoryNames(ctx, userId, 'income'), [...DEFAULT_INCOME, 'Freelance']);
    const page = await agent.get('/categories');
    assert.match(sectionOf(page.text, 'Income categories'), />Freelance<\/a>/);
  });

  test('a name already used for that kind, in any letter case, is refused beside the field and nothing is written', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const token = await tokenFor(agent, '/categories');
    const res = await agent.post('/categories').type('form').send({ _csrf: token, kind: 'expense', name: 'gROCERIES' });
    assert.equal(res.status, 422);
    assert.match(res.text, /id="category-name-error"/);
    assert.match(res.text, /already have an expense category called “Groceries”/);
    assert.match(res.text, /value="gROCERIES"/);
    assert.deepEqual(categoryNames(ctx, userId, 'expense'), DEFAULT_EXPENSE);

    // The same name is fine for the other kind.
    const other = await agent.post('/categories').type('form').send({ _csrf: token, kind: 'income', name: 'Groceries' });
    assert.equal(other.status, 303);
    assert.deepEqual(categoryNames(ctx, userId, 'income'), [...DEFAULT_INCOME, 'Groceries']);
  });

  test('an empty or overlong name or an unknown kind re-renders the form with 422', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const token = await tokenFor(agent, '/categories');
    for (const [body, errorId] of [
      [{ kind: 'expense', name: '   ' }, 'category-name-error'],
      [{ kind: 'expense', name: 'x'.repeat(61) }, 'category-name-error'],
      [{ kind: 'transfer', name: 'Moves' }, 'category-kind-error'],
    ] as const) {
      const res = await agent.post('/categories').type('form').send({ _csrf: token, ...body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.match(res.text, new RegExp(`id="${errorId}"`));
    }
    assert.equal(categoryNames(ctx, userId, 'expense').length + categoryNames(ctx, userId, 'income').length, 10);
  });

  test('renaming keeps the transactions in the category, and a taken name is refused', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const eatingOut = categoryIdOf(ctx.db, userId, 'expense', 'Eating out');
    await postTransaction(agent, { amount: '12', description: 'Pizza', category: String(eatingOut) });

    const form = await agent.get(`/categories/${eatingOut}/edit`);
    assert.match(form.text, /value="Eating out"/);
    const token = await tokenFor(agent, `/categories/${eatingOut}/edit`);
    const taken = await agent.post(`/categories/${eatingOut}/edit`).type('form').send({ _csrf: token, name: 'health' });
    assert.equal(taken.status, 422);
    assert.match(taken.text, /id="category-name-error"/);
    assert.equal(categoryIdOf(ctx.db, userId, 'expense', 'Eating out'), eatingOut);

    const ok = await agent.post(`/categories/${eatingOut}/edit`).type('form').send({ _csrf: token, name: 'Restaurants' });
    assert.equal(ok.status, 303);
    assert.equal(categoryIdOf(ctx.db, userId, 'expense', 'Restaurants'), eatingOut);
    const list = await agent.get(`/transactions?category=${eatingOut}`);
    assert.match(list.text, /Pizza/);
    assert.match(list.text, /<span class="chip">Restaurants<\/span>/);
  });

  test('deleting asks first, saying how many transactions become uncategorised, then keeps them uncategorised', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const transport = categoryIdOf(ctx.db, userId, 'expense', 'Transport');
    for (const [amount, date] of [['3.50', '2026-01-04'], ['4.25', '2026-02-10']] as const) {
      await postTransaction(agent, { amount, date, description: 'Bus', category: String(transport) });
    }
    await postTransaction(agent, { amount: '9', date: '2026-02-11', description: 'Bread', category: String(categoryIdOf(ctx.db, userId, 'expense', 'Groceries')) });

    const confirm = await agent.get(`/categories/${transport}/delete`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /<strong>2 transactions will become uncategorised<\/strong>; they are not deleted\./);
    assert.equal(categoryNames(ctx, userId, 'expense').includes('Transport'), true, 'the GET changes nothing');

    const token = await tokenFor(agent, `/categories/${transport}/delete`);
    const res = await agent.post(`/categories/${transport}/delete`).type('form').send({ _csrf: token });
    assert.equal(res.status, 303);
    assert.match(flashFrom((await agent.get('/categories')).text) ?? '', /2 transactions are now uncategorised/);
    assert.equal(categoryNames(ctx, userId, 'expense').includes('Transport'), false);
    const bus = ctx.db.prepare<[], { category_id: number | null }>("SELECT category_id FROM transactions WHERE description = 'Bus'").all();
    assert.deepEqual(bus, [{ category_id: null }, { category_id: null }]);
    assertMonthlyTotalsMatchRows(ctx.db);
    const uncategorised = await agent.get('/transactions?category=none');
    assert.equal([...uncategorised.text.matchAll(/<td class="tx__desc">Bus<\/td>/g)].length, 2);
    assert.doesNotMatch(uncategorised.text, /Bread/);
  });

  test('deleting a category says what goes with it: schedules become uncategorised, its budget amounts go, rules that only set it go, rules that also rename keep the rename', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const transport = categoryIdOf(ctx.db, userId, 'expense', 'Transport');
    const main = String(ctx.db.prepare('SELECT id FROM accounts WHERE user_id = ?').pluck().get(userId));
    assert.equal((await postForm(agent, '/scheduled/new', '/scheduled', {
      type: 'expense', account: main, toAccount: '', category: String(transport), amount: '50', description: 'Bus pass', frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2099-01-01', endOn: '', count: '',
    })).status, 303);
    const rule = (fields: Record<string, string>) => postForm(agent, '/rules/new', '/rules', { textMatch: 'contains', amountFrom: '', amountTo: '', type: '', account: '', category: '', transfer: '', rename: '', ...fields });
    assert.equal((await rule({ text: 'metro', category: String(transport) })).status, 303);
    assert.equal((await rule({ text: 'uber', category: String(transport), rename: 'Taxi' })).status, 303);
    assert.equal((await rule({ text: 'tesco', category: String(categoryIdOf(ctx.db, userId, 'expense', 'Groceries')) })).status, 303);
    // Two months of budget amounts for it.
    ctx.db.prepare("INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, '2026-01', 5000), (?, ?, '2026-02', 5000)").run(userId, transport, userId, transport);

    const confirm = (await agent.get(`/categories/${transport}/delete`)).text;
    const effects = /<ul class="confirm__effects" id="category-delete-effects">([\s\S]*?)<\/ul>/.exec(confirm)?.[1] ?? '';
    assert.deepEqual([...effects.matchAll(/<li>([^<]*)/g)].map((m) => m[1]!.trim()), [
      '1 scheduled transaction that sets it will become uncategorised.',
      '2 monthly budget amounts for it will be deleted with it, so those months’ budget totals change.',
      '1 rule that only sets this category will be deleted with it.',
      '1 rule that also renames will keep its new description and set no category.',
    ]);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM rules').pluck().get(), 3, 'the GET changes nothing');
    assert.equal((await postForm(agent, `/categories/${transport}/delete`, `/categories/${transport}/delete`, {})).status, 303);
    assert.deepEqual(ctx.db.prepare('SELECT text_value, category_id IS NULL AS none, rename FROM rules ORDER BY position').all(), [
      { text_value: 'uber', none: 1, rename: 'Taxi' },
      { text_value: 'tesco', none: 0, rename: null },
    ]);
    assert.equal(ctx.db.prepare("SELECT category_id FROM schedules WHERE description = 'Bus pass'").pluck().get(), null);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM budgets').pluck().get(), 0);
    // The kept rule still renames a row it meets.
    await postTransaction(agent, { amount: '12', date: '2026-02-11', description: 'UBER TRIP', category: '' });
    assert.equal(ctx.db.prepare("SELECT description FROM transactions WHERE amount_cents = 1200").pluck().get(), 'Taxi');
  });

  test("another user's category id gets 404 on every category route and nothing changes", async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const annHousing = categoryIdOf(ctx.db, annId, 'expense', 'Housing');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const token = await tokenFor(bob, '/categories');

    assert.equal((await bob.get(`/categories/${annHousing}/edit`)).status, 404);
    assert.equal((await bob.get(`/categories/${annHousing}/delete`)).status, 404);
    assert.equal((await bob.post(`/categories/${annHousing}/edit`).type('form').send({ _csrf: token, name: 'Mine now' })).status, 404);
    assert.equal((await bob.post(`/categories/${annHousing}/delete`).type('form').send({ _csrf: token })).status, 404);
    assert.equal((await bob.get('/categories/abc/edit')).status, 404);
    assert.equal(categoryIdOf(ctx.db, annId, 'expense', 'Housing'), annHousing);
    assert.doesNotMatch((await bob.get('/categories')).text, new RegExp(`/categories/${annHousing}/`));
  });

  test('deleting without the CSRF token is refused and the category stays', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const health = categoryIdOf(ctx.db, userId, 'expense', 'Health');
    const res = await agent.post(`/categories/${health}/delete`).type('form').send({ _csrf: 'forged' });
    assert.equal(res.status, 403);
    assert.equal(categoryIdOf(ctx.db, userId, 'expense', 'Health'), health);
  });
});

describe('the order of category names', () => {
  test('Ukrainian names are in the Ukrainian alphabet (Ґ, Є, І, Ї among the others, not after Я), numbers as numbers, on the page and in the forms', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'olena@example.com');
    const userId = userIdOf(ctx.db, 'olena@example.com');
    ctx.db.prepare("DELETE FROM categories WHERE user_id = ? AND kind = 'expense'").run(userId);
    const names = ['Розваги', 'Інше', 'Транспорт', 'Здоров’я', 'Ґанок', 'Кафе та ресторани', 'Card 10', 'Card 2'];
    const insert = ctx.db.prepare("INSERT INTO categories (user_id, kind, name, name_key) VALUES (?, 'expense', ?, ?)");
    for (const name of names) insert.run(userId, name, name.toLowerCase());
    const expected = ['Ґанок', 'Здоров’я', 'Інше', 'Кафе та ресторани', 'Розваги', 'Транспорт', 'Card 2', 'Card 10'];
    const page = (await agent.get('/categories')).text;
    const listed = names.map((name) => [name, page.indexOf(`>${name}<`)] as const).sort((a, b) => a[1] - b[1]).map(([name]) => name);
    assert.deepEqual(listed, expected, '/categories');
    const form = (await agent.get('/transactions/new')).text;
    const options = [...form.matchAll(/<option value="\d+"[^>]*>([^<]+)<\/option>/g)].map((m) => m[1]!).filter((name) => names.includes(name));
    assert.deepEqual(options, expected, 'the add form');
    const budgets = (await agent.get('/budgets')).text;
    const budgeted = names.map((name) => [name, budgets.indexOf(name)] as const).sort((a, b) => a[1] - b[1]).map(([name]) => name);
    assert.deepEqual(budgeted, expected, '/budgets');
  });
});

describe('the category field on the add form', () => {
  test('the add form has a Category select with the user’s categories grouped by kind', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    for (const url of ['/transactions/new', '/dashboard']) {
      const html = (await agent.get(url)).text;
      assert.match(html, /<label for="tx-category">Category<\/label>/);
      const select = /<select id="tx-category"[\s\S]*?<\/select>/.exec(html)?.[0] ?? '';
      const income = /<optgroup label="Income">([\s\S]*?)<\/optgroup>/.exec(select)?.[1] ?? '';
      const expense = /<optgroup label="Expense">([\s\S]*?)<\/optgroup>/.exec(select)?.[1] ?? '';
      assert.match(income, new RegExp(`value="${categoryIdOf(ctx.db, userId, 'income', 'Salary')}"[^>]*>Salary<`));
      assert.match(expense, new RegExp(`value="${categoryIdOf(ctx.db, userId, 'expense', 'Groceries')}"[^>]*>Groceries<`));
      assert.doesNotMatch(income, /Groceries/);
    }
  });

  test('a transaction saves with a category of its own type', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    const res = await postTransaction(agent, { type: 'income', amount: '2500', description: 'Pay', category: String(salary) });
    assert.equal(res.status, 303);
    const row = ctx.db.prepare<[], { category_id: number }>('SELECT category_id FROM transactions').get();
    assert.equal(row?.category_id, salary);
  });

  test('a category of the other type, or another user’s, is refused beside the field and nothing is written', async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'bob@example.com');
    const bobGroceries = categoryIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'expense', 'Groceries');
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    for (const [category, message] of [
      [String(salary), /“Salary” is an income category/],
      [String(bobGroceries), /Choose one of your categories/],
      ['not-a-number', /Choose one of your categories/],
    ] as const) {
      const res = await postTransaction(agent, { type: 'expense', amount: '5', description: 'Kept text', category });
      assert.equal(res.status, 422, category);
      assert.match(res.text, /id="tx-category-error"/);
      assert.match(res.text, message);
      assert.match(res.text, /value="Kept text"/);
    }
    assert.equal((ctx.db.prepare('SELECT count(*) AS n FROM transactions').get() as { n: number }).n, 0);
  });
});
