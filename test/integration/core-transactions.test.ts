import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTransaction, createTestContext, registerUser, tokenFor, totalsFrom, type TestContext, agentFor } from '../helpers/app.ts';

function setup(t: { after: (fn: () => void) => void }): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

function rows(ctx: TestContext): { user_id: number; type: string; amount_cents: number; occurred_on: string; description: string }[] {
  return ctx.db.prepare('SELECT user_id, type, amount_cents, occurred_on, description FROM transactions ORDER BY id').all() as never;
}

function idOf(ctx: TestContext, description: string): number {
  return (ctx.db.prepare('SELECT id FROM transactions WHERE description = ?').get(description) as { id: number }).id;
}

describe('adding transactions', () => {
  test('an added amount is stored as exact integer cents with its type, date and trimmed description', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const res = await addTransaction(agent, { type: 'income', amount: ' 1,234.56 ', date: '2026-02-28', description: '  Pay day  ' });
    assert.equal(res.status, 303);
    const [row] = rows(ctx);
    assert.deepEqual({ ...row }, { user_id: 1, type: 'income', amount_cents: 123456, occurred_on: '2026-02-28', description: 'Pay day' });
    assert.equal(typeof row?.amount_cents, 'number');
    const typeofAmount = ctx.db.prepare('SELECT typeof(amount_cents) AS t FROM transactions').get() as { t: string };
    assert.equal(typeofAmount.t, 'integer');
  });

  test('an add commits its own rows only: the session row is not written again, and the confirmation still shows', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    // The first add remembers its account in the session (the form starts there next time); later adds change nothing there.
    await addTransaction(agent, { amount: '1.00', description: 'First' });
    await agent.get('/transactions');
    const sessionRows = () => ctx.db.prepare('SELECT sid, data, expires_at, last_seen_at FROM sessions ORDER BY sid').all();
    const before = sessionRows();
    const res = await addTransaction(agent, { amount: '2.50', description: 'Second' });
    assert.equal(res.status, 303);
    assert.deepEqual(sessionRows(), before, 'no session write for an add');
    assert.match(String(res.headers['set-cookie']), /ledgerly_flash=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax/);
    const next = await agent.get(res.headers.location!);
    assert.match(next.text, /<p class="flash flash--success" role="status">Expense added\.<\/p>/);
    // Shown once; and a message someone made up (no valid signature) is never shown.
    assert.doesNotMatch((await agent.get(res.headers.location!)).text, /Expense added/);
    const forged = Buffer.from(JSON.stringify({ kind: 'error', message: { key: 'transactions.flash.expenseAdded' } })).toString('base64url');
    const visitor = await agentFor(ctx.app).get('/login').set('Cookie', `ledgerly_flash=${forged}.AAAA`);
    assert.doesNotMatch(visitor.text, /Expense added/);
    // A message not read within a minute on the app's clock is not shown later.
    const late = await addTransaction(agent, { amount: '3.00', description: 'Third' });
    ctx.clock.advance(61_000);
    assert.doesNotMatch((await agent.get(late.headers.location!)).text, /Expense added/);
  });

  test('the date defaults to today and the description is optional', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    assert.equal((await addTransaction(agent, { amount: '3' })).status, 303);
    const [row] = rows(ctx);
    assert.equal(row?.occurred_on, ctx.today());
    assert.equal(row?.description, '');
  });

  test('the add form is pre-filled with today and offers Income and Expense', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const page = await agent.get('/dashboard');
    assert.match(page.text, new RegExp(`name="date" type="date" value="${ctx.today()}"`));
    assert.match(page.text, /<option value="income"[^>]*>Income<\/option>/);
    assert.match(page.text, /<option value="expense"[^>]*>Expense<\/option>/);
    for (const label of ['Type', 'Amount', 'Date', 'Description']) assert.match(page.text, new RegExp(`<label for="[^"]+">${label}`));
  });

  const badAmounts: [string, RegExp][] = [
    ['', /Enter an amount/],
    ['0', /greater than zero/],
    ['-5', /minus sign/],
    ['1.005', /two decimal places/],
    ['1e3', /in numbers/],
    ['0x10', /in numbers/],
    ['Infinity', /in numbers/],
    ['ten', /in numbers/],
    ['1000000000.01', /no larger than/],
    // A thousands group after a zero is no one's way of writing a number: its comma is a decimal mark (it was 1.00).
    ['0,001', /Use a decimal point here: 0\.001\./],
    ['0,500', /Use a decimal point here: 0\.500\./],
    ['12,', /Enter digits after the decimal point, or leave it out\./],
  ];
  for (const [amount, message] of badAmounts) {
    test(`amount ${JSON.stringify(amount)} re-renders the form with 422, the message beside Amount, values kept, nothing written`, async (t) => {
      const ctx = setup(t);
      const agent = await registerUser(ctx.app, 'ann@example.com');
      const res = await addTransaction(agent, { type: 'income', amount, date: '2026-01-15', description: 'Kept text' });
      assert.equal(res.status, 422);
      assert.match(res.text, /<title>Error: [^<]+ · Ledgerly<\/title>/, 'the title says the form was refused');
      assert.match(res.text, /id="tx-amount-error"/);
      assert.match(res.text, message);
      assert.match(res.text, /value="Kept text"/);
      assert.match(res.text, /value="2026-01-15"/);
      assert.match(res.text, /<option value="income" selected>/);
      assert.equal(rows(ctx).length, 0);
    });
  }

  test('on a Ukrainian page, a dot or a space where the comma belongs gets the specific message, as a comma with nothing after it does', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'olena@example.com');
    await agent.post('/account/language').type('form').send({ _csrf: await tokenFor(agent, '/account'), language: 'uk' }).expect(303);
    const cases: [string, RegExp][] = [
      ['0 001', /Дробову частину відокремте комою: 0,001\./],
      ['0.001', /Дробову частину відокремте комою: 0,001\./],
      ['0.5', /Дробову частину відокремте комою: 0,5\./],
      ['12.', /Введіть цифри після десяткового роздільника або приберіть його\./],
      ['12,', /Введіть цифри після десяткового роздільника або приберіть його\./],
    ];
    for (const [amount, message] of cases) {
      const res = await addTransaction(agent, { type: 'expense', amount, date: '2026-01-15', description: 'Kept text' });
      assert.equal(res.status, 422, amount);
      assert.match(res.text, /id="tx-amount-error"/, amount);
      assert.match(res.text, message, amount);
      assert.match(res.text, new RegExp(`id="tx-amount"[^>]*value="${amount.replace('.', '\\.')}"`), `${amount}: kept as typed`);
    }
    assert.equal(rows(ctx).length, 0);
  });

  const badOthers: [string, Record<string, string>, string, RegExp][] = [
    ['an impossible date', { date: '2026-02-30' }, 'tx-date-error', /real calendar date/],
    ['a date in another format', { date: '30/01/2026' }, 'tx-date-error', /YYYY-MM-DD/],
    ['an unknown type', { type: 'transfer' }, 'tx-type-error', /Income or Expense/],
    ['a 201-character description', { description: 'x'.repeat(201) }, 'tx-description-error', /200 characters/],
  ];
  for (const [name, fields, errorId, message] of badOthers) {
    test(`${name} is refused with a message beside its field and nothing written`, async (t) => {
      const ctx = setup(t);
      const agent = await registerUser(ctx.app, 'ann@example.com');
      const res = await addTransaction(agent, { amount: '5', ...fields });
      assert.equal(res.status, 422);
      assert.match(res.text, new RegExp(`id="${errorId}"`));
      assert.match(res.text, message);
      assert.equal(rows(ctx).length, 0);
    });
  }

  test('every problem of a form is shown at once: a field of its own and a category of the wrong kind, when adding and editing', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const salary = String(ctx.db.prepare("SELECT id FROM categories WHERE kind = 'income' AND name = 'Salary'").pluck().get());
    const added = await agent.post('/transactions').type('form').send({ _csrf: await tokenFor(agent, '/transactions/new'), type: 'expense', amount: '5', date: '', category: salary, description: 'x'.repeat(201) });
    assert.equal(added.status, 422);
    const message = (field: string) => new RegExp(`id="tx-${field}-error"><span aria-hidden="true">[^<]*</span>([^<]*)<`).exec(added.text)?.[1];
    assert.equal(message('description'), 'Keep the description to 200 characters or fewer.');
    assert.equal(message('category'), '“Salary” is an income category; choose one for expenses, or none.', 'the category is named in the same answer');
    assert.equal(rows(ctx).length, 0);

    assert.equal((await addTransaction(agent, { type: 'expense', amount: '5', description: 'fine' })).status, 303);
    const id = Number(ctx.db.prepare('SELECT id FROM transactions').pluck().get());
    const token = await tokenFor(agent, `/transactions/${id}/edit`);
    const edited = await agent.post(`/transactions/${id}/edit`).type('form').send({ _csrf: token, type: 'expense', amount: '1e3', date: '2026-02-30', description: 'x', category: salary });
    assert.equal(edited.status, 422);
    for (const field of ['amount', 'date', 'category']) assert.match(edited.text, new RegExp(`id="tx-${field}-error"`), field);
    assert.equal(rows(ctx)[0]?.description, 'fine', 'nothing changed');
  });

  test('a 200-character description is accepted in full', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const text = 'é'.repeat(200);
    assert.equal((await addTransaction(agent, { amount: '5', description: text })).status, 303);
    assert.equal(rows(ctx)[0]?.description, text);
  });

  test('errors from the dashboard form re-render the dashboard with its totals', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await tokenFor(agent, '/dashboard');
    const res = await agent.post('/transactions').type('form').send({ _csrf: token, from: 'dashboard', type: 'expense', amount: 'abc', date: '', description: '' });
    assert.equal(res.status, 422);
    assert.match(res.text, /<dt>Net<\/dt>/);
    assert.match(res.text, /in numbers/);
  });
});

describe('dashboard totals', () => {
  test('income, expenses and a negative balance are summed exactly in cents and formatted in the currency', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    for (const amount of ['0.10', '0.20', '0.30']) await addTransaction(agent, { type: 'income', amount });
    await addTransaction(agent, { type: 'expense', amount: '1,000.01' });
    const totals = totalsFrom((await agent.get('/dashboard')).text);
    assert.deepEqual(totals, { Income: '$0.60', Expenses: '$1,000.01', 'Net': '−$999.41' });
  });

  test('the currency comes from configuration; the number format from the person\'s language, not the server\'s LOCALE', async (t) => {
    const ctx = createTestContext({ CURRENCY: 'EUR', LOCALE: 'de-DE' });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { type: 'income', amount: '1,234.50' });
    // An English page writes euros the English way; LOCALE only picks the variant of the same language.
    assert.equal(totalsFrom((await agent.get('/dashboard')).text).Income, '€1,234.50');
    await agent.post('/account/language').type('form').send({ _csrf: await tokenFor(agent, '/account'), language: 'uk' }).expect(303);
    const ukrainian = await agent.get('/dashboard');
    assert.match(ukrainian.text, /<dd class="num">1\u00a0234,50\u00a0EUR<\/dd>/);
  });

  test('LOCALE picks the variant of English its pages write (en-GB dates are day first)', async (t) => {
    const ctx = createTestContext({ CURRENCY: 'GBP', LOCALE: 'en-GB' });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { type: 'income', amount: '1,234.50', date: '2026-03-14' });
    const list = await agent.get('/transactions');
    assert.match(list.text, /<time datetime="2026-03-14">14 Mar 2026<\/time>/);
    assert.match(list.text, /£1,234\.50/);
  });

  test('a new user sees zero totals and an empty state that says what to do', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const page = await agent.get('/dashboard');
    assert.deepEqual(totalsFrom(page.text), { Income: '$0.00', Expenses: '$0.00', 'Net': '$0.00' });
    assert.match(page.text, /No transactions yet/);
  });
});

describe('listing and deleting', () => {
  test('transactions are listed newest first by date then id, 50 a page, and the next page continues without repeats', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const insert = ctx.db.prepare(
      "INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, (SELECT id FROM accounts WHERE user_id = 1), 'expense', 100, ?, ?)",
    );
    const expected: string[] = [];
    ctx.db.transaction(() => {
      for (let i = 0; i < 120; i++) {
        const day = `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
        insert.run(day, `row ${i}`);
      }
    })();
    for (const r of ctx.db.prepare('SELECT description FROM transactions ORDER BY occurred_on DESC, id DESC').all() as { description: string }[]) {
      expected.push(r.description);
    }
    const seen: string[] = [];
    let url = '/transactions';
    for (let pages = 0; pages < 5 && url; pages++) {
      const res = await agent.get(url);
      assert.equal(res.status, 200);
      const found = [...res.text.matchAll(/<td class="tx__desc">([^<]*)<\/td>/g)].map((m) => m[1]!);
      assert.ok(found.length <= 50);
      seen.push(...found);
      const next = /href="(\/transactions\?[^"]*after=[^"]+)" rel="next"/.exec(res.text)?.[1];
      url = next ? next.replaceAll('&amp;', '&') : '';
    }
    assert.deepEqual(seen, expected);
  });

  test('deleting asks for confirmation on a page that needs no script, then removes only that row', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { amount: '1', description: 'keep me' });
    await addTransaction(agent, { amount: '2', description: 'delete me' });
    const id = idOf(ctx, 'delete me');
    const confirm = await agent.get(`/transactions/${id}/delete`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Delete this transaction\?/);
    assert.match(confirm.text, new RegExp(`<form method="post" action="/transactions/${id}/delete"`));
    assert.equal(rows(ctx).length, 2, 'the confirmation page changes nothing');
    const res = await agent.post(`/transactions/${id}/delete`).type('form').send({ _csrf: await tokenFor(agent, `/transactions/${id}/delete`) });
    assert.equal(res.status, 303);
    assert.deepEqual(rows(ctx).map((r) => r.description), ['keep me']);
  });

  test('another user cannot see, confirm or delete my transaction: 404 and the row stays', async (t) => {
    const ctx = setup(t);
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    await addTransaction(ann, { type: 'income', amount: '500', description: 'ann salary' });
    await addTransaction(bob, { type: 'expense', amount: '7', description: 'bob coffee' });
    const annId = idOf(ctx, 'ann salary');

    assert.equal((await bob.get(`/transactions/${annId}/delete`)).status, 404);
    const token = await tokenFor(bob, '/dashboard');
    const res = await bob.post(`/transactions/${annId}/delete`).type('form').send({ _csrf: token });
    assert.equal(res.status, 404);
    assert.equal(rows(ctx).length, 2);

    const bobPage = await bob.get('/transactions');
    assert.doesNotMatch(bobPage.text, /ann salary/);
    assert.match(bobPage.text, /bob coffee/);
    assert.deepEqual(totalsFrom((await bob.get('/dashboard')).text), { Income: '$0.00', Expenses: '$7.00', 'Net': '−$7.00' });
    assert.deepEqual(totalsFrom((await ann.get('/dashboard')).text), { Income: '$500.00', Expenses: '$0.00', 'Net': '$500.00' });
  });

  for (const badId of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
    test(`a malformed id ${badId} in the URL is a 404, not an error`, async (t) => {
      const ctx = setup(t);
      const agent = await registerUser(ctx.app, 'ann@example.com');
      assert.equal((await agent.get(`/transactions/${badId}/delete`)).status, 404);
    });
  }

  test('signed-out visitors cannot add or list transactions', async (t) => {
    const ctx = setup(t);
    const anon = agentFor(ctx.app);
    assert.equal((await anon.get('/transactions')).status, 303);
    const token = await tokenFor(anon, '/login');
    const res = await anon.post('/transactions').type('form').send({ _csrf: token, type: 'income', amount: '5' });
    assert.equal(res.status, 303);
    assert.match(res.headers.location ?? '', /^\/login/);
    assert.equal(rows(ctx).length, 0);
  });
});
