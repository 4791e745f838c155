import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTransaction, createTestContext, registerUser, totalsFrom } from '../helpers/app.ts';

test('a new user registers, adds income and an expense, and sees the totals', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  assert.equal((await addTransaction(agent, { type: 'income', amount: '1,234.56', description: 'Salary' })).status, 303);
  assert.equal((await addTransaction(agent, { type: 'expense', amount: '34.50', description: 'Groceries' })).status, 303);
  const dash = await agent.get('/dashboard');
  assert.deepEqual(totalsFrom(dash.text), { Income: '$1,234.56', Expenses: '$34.50', 'Net': '$1,200.06' });
});
