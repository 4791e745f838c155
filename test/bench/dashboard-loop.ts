/**
 * `[PLANS=1] node --import tsx test/bench/dashboard-loop.ts`: CPU per dashboard request (the in-process client's
 * included) over 1,500 requests after 300 to warm up, for a user with 1,000 rows; PLANS=1 adds budgets for 13
 * months and two schedules. Run it on two checkouts in turn to compare a change side by side.
 */
import { createTestContext, registerUser, postForm } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { seedTransactionsForUser, createRandomSource } from '../../src/tools/seed.ts';
import { createBudgetsRepo } from '../../src/db/repos/budgets.ts';
import { addMonths } from '../../src/domain/calendar.ts';
const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 11, 1, 12)) });
const agent = await registerUser(ctx.app, 'a@b.c');
seedTransactionsForUser(ctx.db, 1, { count: 1000, endOn: '2026-12-01', years: 10, random: createRandomSource(1) });
if (process.env.PLANS) {
  const b = createBudgetsRepo(ctx.db);
  b.listExpenseCategories(1, '2026-12', '2026-11').forEach((c, i) => { for (let k = 0; k <= 12; k++) b.setAmount(1, c.id, addMonths('2026-12', -k), 20000); if (i % 2 === 0) b.setRollover(1, c.id, true, addMonths('2026-12', -12)); });
  const acc = String(ctx.db.prepare('SELECT id FROM accounts').pluck().get());
  await postForm(agent, '/scheduled/new', '/scheduled', { type: 'expense', account: acc, toAccount: '', category: '', amount: '10', description: 'R', frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2026-12-05', endOn: '', count: '' });
  await postForm(agent, '/scheduled/new', '/scheduled', { type: 'expense', account: acc, toAccount: '', category: '', amount: '10', description: 'S', frequency: 'weeks', every: '1', weekday: '', monthDay: '', startOn: '2026-12-05', endOn: '', count: '' });
}
for (let i = 0; i < 300; i++) await agent.get('/dashboard');
const cpu0 = process.cpuUsage();
const N = 1500;
for (let i = 0; i < N; i++) await agent.get('/dashboard');
const c = process.cpuUsage(cpu0);
console.log(process.env.PLANS ? 'with plans' : 'no plans', ((c.user + c.system) / 1000 / N).toFixed(2), 'ms CPU per request (incl. client)');
await ctx.cleanup();
