import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTransaction, createTestContext, registerUser } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { importCsv } from '../helpers/csv-import.ts';

test("a new person's dashboard shows three ways to start, with links, until the first transaction", async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'new@example.com');
  const first = (await agent.get('/dashboard')).text;
  assert.match(first, /<h2 id="start-heading">Three ways to start<\/h2>/);
  assert.match(first, /<a class="button button--primary" href="#tx-amount">Add a transaction<\/a>/);
  assert.match(first, /<a class="button" href="\/import">Import a bank file<\/a>/);
  assert.match(first, /<a class="button" href="\/accounts">Set up your accounts<\/a>/);
  assert.match(first, /id="tx-amount"/, 'the link lands on the add form on this page');
  assert.match(first, /Expenses you add or import appear here by category\./, 'an empty list says what fills it');
  await addTransaction(agent, { amount: '3.50', description: 'Coffee' });
  const later = (await agent.get('/dashboard')).text;
  assert.doesNotMatch(later, /Three ways to start/);
  assert.match(later, /<a class="button button--primary dashboard-add" href="#tx-amount">Add a transaction<\/a>/, 'the add form stays one tap away');
});

test('after an import the result page opens the dashboard on the month of the newest imported row', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'new@example.com');
  const { result } = await importCsv(agent, 'date,type,amount,description\n2025-10-02,expense,12.00,Old\n2025-11-20,income,100.00,Newest\n');
  assert.match(result, /<a class="button button--primary" href="\/dashboard\?period=2025-11">See November 2025 on the dashboard<\/a>/);
  const dashboard = (await agent.get('/dashboard?period=2025-11')).text;
  assert.match(dashboard, /<dt>Income<\/dt>\s*<dd class="num">\$100\.00<\/dd>/);
});
