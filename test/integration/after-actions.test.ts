import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestContext, postForm, registerUser, tokenFor } from '../helpers/app.ts';
import { accountIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';

const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];

test('after an action the message leads the page title, and an error message makes it start with "Error:"', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const added = await postForm(agent, '/transactions/new', '/transactions', { type: 'expense', amount: '4.20', date: ctx.today(), category: '', description: '' });
  assert.equal(added.status, 303);
  assert.equal(title((await agent.get(added.headers.location!)).text), 'Expense added · Transactions · Ledgerly');
  // Said once: the next page has the plain title.
  assert.equal(title((await agent.get('/transactions')).text), 'Transactions · Ledgerly');
  // The confirmation step posted with no rows: an error message, and the title says so first.
  const token = await tokenFor(agent, '/transactions');
  const refused = await agent.post('/transactions/bulk/delete').type('form').send({ _csrf: token, ids: 'not-an-id' });
  assert.equal(refused.status, 303);
  assert.equal(title((await agent.get(refused.headers.location!)).text), 'Error: Select at least one transaction first; nothing was changed · Transactions · Ledgerly');
});

test('quick add returns to the dashboard add form, and Mark cleared to its row, by a fragment on our own path', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const quick = await postForm(agent, '/dashboard', '/transactions', { from: 'dashboard', type: 'expense', amount: '4.20', date: ctx.today(), category: '', description: '' });
  assert.equal(quick.status, 303);
  assert.equal(quick.headers.location, '/dashboard#add');
  const dashboard = await agent.get('/dashboard');
  assert.match(dashboard.text, /<section id="add" aria-labelledby="add-heading" data-return-place>/);
  assert.equal(title(dashboard.text), 'Expense added · Dashboard · Ledgerly');

  const [id] = insertTransactions(ctx.db, userId, [{ type: 'expense', amountCents: 1_000, occurredOn: ctx.today(), description: 'Shop' }]);
  const accountId = accountIdOf(ctx.db, userId, 'Main account');
  const register = `/accounts/${accountId}`;
  assert.match((await agent.get(register)).text, new RegExp(`<tr class="tx tx--expense" id="row-${id}" data-return-place>`));
  const marked = await postForm(agent, register, `/transactions/${id}/cleared`, { back: register, cleared: '1' });
  assert.equal(marked.status, 303);
  assert.equal(marked.headers.location, `${register}#row-${id}`);
  assert.equal(title((await agent.get(register)).text), 'Marked cleared · Main account · Ledgerly');
  // A return address from elsewhere, or one carrying its own fragment, is not followed: our path, our fragment.
  for (const back of ['https://evil.example/#x', '//evil.example', `${register}#elsewhere`, `${register}?after=x#y`]) {
    const answer = await postForm(agent, register, `/transactions/${id}/cleared`, { back, cleared: '0' });
    assert.equal(answer.status, 303);
    assert.match(answer.headers.location!, new RegExp(`^/accounts(/${accountId})?#row-${id}$`), `${back} -> ${answer.headers.location}`);
  }
});

test('register rows of one day and amount have different button names: direction, other account and description', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const main = accountIdOf(ctx.db, userId, 'Main account');
  const savings = accountIdOf(ctx.db, userId, 'Savings');
  const day = ctx.today();
  for (const [from, to] of [[main, savings], [savings, main]] as const) {
    const sent = await postForm(agent, '/transfers/new', '/transfers', { from: String(from), to: String(to), amount: '100.00', date: day, description: '' });
    assert.equal(sent.status, 303);
  }
  insertTransactions(ctx.db, userId, [
    { accountId: main, type: 'expense', amountCents: 350, occurredOn: day, description: 'Coffee' },
    { accountId: main, type: 'expense', amountCents: 350, occurredOn: day, description: 'Tea' },
  ]);
  const page = (await agent.get(`/accounts/${main}`)).text;
  const names = [...page.matchAll(/aria-label="(Mark cleared: [^"]*)"/g)].map((m) => m[1]!);
  assert.equal(names.length, 4);
  assert.equal(new Set(names).size, 4, `every row's name differs: ${names.join(' | ')}`);
  assert.ok(names.some((n) => /^Mark cleared: transfer of \$100\.00 to Savings on /.test(n)), names.join(' | '));
  assert.ok(names.some((n) => /^Mark cleared: transfer of \$100\.00 from Savings on /.test(n)), names.join(' | '));
  assert.ok(names.some((n) => /^Mark cleared: expense of \$3\.50 on .*, Coffee$/.test(n)), names.join(' | '));
});
