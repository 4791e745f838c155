import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentFor, createTestContext, csrfFrom, postForm, registerUser, tokenFor, type Agent, type TestContext } from '../helpers/app.ts';
import { makeApiToken } from '../helpers/api.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { accountIdOf, categoryIdOf, postTransaction, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';
import { PER_PERSON_LIMITS } from '../../src/domain/limits.ts';

/** A context whose today is 15 March 2026 (UTC). */
function setup(t: { after: (fn: () => Promise<void>) => void }): TestContext {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  return ctx;
}

/** Per category name, the text of its row's available, spent and remaining cells (tags stripped, spaces folded). */
function budgetRows(html: string): Record<string, { available: string; spent: string; remaining: string }> {
  const rows: Record<string, { available: string; spent: string; remaining: string }> = {};
  const text = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  for (const m of html.matchAll(/<th scope="row" class="budget__name">([^<]+)<\/th>[\s\S]*?<td class="num budget__available">([\s\S]*?)<\/td>\s*<td class="num budget__spent">([\s\S]*?)<\/td>\s*<td class="num budget__remaining">([\s\S]*?)<\/td>/g)) {
    rows[m[1]!] = { available: text(m[2]!), spent: text(m[3]!), remaining: text(m[4]!) };
  }
  return rows;
}

async function saveBudget(agent: Agent, month: string, fields: Record<string, string>) {
  return postForm(agent, `/budgets/${month}`, `/budgets/${month}`, fields);
}

describe('budgets', () => {
  test('a budget per expense category shows spent, remaining and the share used, and over-budget is said in words', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    const eatingOut = categoryIdOf(ctx.db, ann, 'expense', 'Eating out');
    const page = await agent.get('/budgets');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1 class="page__title">Budget for March 2026<\/h1>/, 'this month in the person’s zone');

    const saved = await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '400', [`amount-${eatingOut}`]: '50.00' });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.location, '/budgets/2026-03');
    await postTransaction(agent, { type: 'expense', amount: '120.25', date: '2026-03-02', category: String(groceries) });
    await postTransaction(agent, { type: 'expense', amount: '60', date: '2026-03-03', category: String(eatingOut) });
    // Other months and transfers never count.
    await postTransaction(agent, { type: 'expense', amount: '999', date: '2026-02-28', category: String(groceries) });
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '2026-01-01' });
    await postForm(agent, '/transfers/new', '/transfers', {
      fromAccount: String(accountIdOf(ctx.db, ann, 'Main account')), toAccount: String(accountIdOf(ctx.db, ann, 'Savings')),
      amount: '500', date: '2026-03-05', description: 'to savings',
    });

    const html = (await agent.get('/budgets/2026-03')).text;
    const rows = budgetRows(html);
    assert.equal(rows.Groceries!.available, 'Available: $400.00');
    assert.equal(rows.Groceries!.spent, 'Spent: $120.25');
    assert.match(rows.Groceries!.remaining, /^Remaining: \$279\.75 30% 30% used$/);
    assert.match(rows['Eating out']!.remaining, /Over by \$10\.00/);
    assert.match(rows['Eating out']!.remaining, /120% used/);
    assert.match(rows.Health!.remaining, /No budget/);
    assert.match(html, /<dd class="num">\$450\.00<\/dd>/, 'available in total');
    assert.match(html, /<dd class="num">\$180\.25<\/dd>/, 'spent in total');
    assert.match(html, /<dd class="num">\$269\.75<\/dd>/, 'remaining in total');

    const dashboard = (await agent.get('/dashboard')).text;
    assert.match(dashboard, /Budget · March 2026/);
    assert.match(dashboard, /Spent \$180\.25 of \$450\.00 \(40%\)\./);
    assert.match(dashboard, /Eating out<\/span>[\s\S]*?\$60\.00 of \$50\.00[\s\S]*?Over by \$10\.00/);
  });

  test('a refund is an income in an expense category: it lowers that category’s spending, here and on the dashboard', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100' });
    await postTransaction(agent, { type: 'expense', amount: '80', date: '2026-03-02', category: String(groceries) });
    const refund = await postTransaction(agent, { type: 'income', amount: '30.50', date: '2026-03-04', description: 'returned milk', category: String(groceries) });
    assert.equal(refund.status, 303, 'an income may take an expense category');
    await postTransaction(agent, { type: 'income', amount: '1000', date: '2026-03-04', category: String(categoryIdOf(ctx.db, ann, 'income', 'Salary')) });

    const rows = budgetRows((await agent.get('/budgets/2026-03')).text);
    assert.match(rows.Groceries!.spent, /^Spent: \$49\.50 after \$30\.50 of refunds$/);
    assert.match(rows.Groceries!.remaining, /\$50\.50/);
    const dashboard = (await agent.get('/dashboard?period=2026-03')).text;
    assert.match(dashboard, /<dt>Income<\/dt>\s*<dd class="num">\$1,000\.00<\/dd>/, 'a refund is not income');
    assert.match(dashboard, /<dt>Expenses<\/dt>\s*<dd class="num">\$49\.50<\/dd>/);
    const list = (await agent.get('/transactions')).text;
    assert.match(list, /returned milk[\s\S]*?<span class="badge badge--income">Refund<\/span>/, 'the list marks it');
    // Beside its category too (shown on phones, where the type column is not), and a screen reader hears "refund".
    assert.match(list, /<span class="badge badge--income tx__refund-mark">Refund<\/span>/);
    assert.match(list, /<label for="select-\d+" class="visually-hidden">Select refund of \$[\d.]+ on [^<]*returned milk<\/label>/);
  });

  test('rollover carries a month’s leftover, and an overspend, into the next and says where it came from', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    const health = categoryIdOf(ctx.db, ann, 'expense', 'Health');
    await saveBudget(agent, '2026-01', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1', [`amount-${health}`]: '100' });
    await saveBudget(agent, '2026-02', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1', [`amount-${health}`]: '100' });
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1', [`amount-${health}`]: '100' });
    await postTransaction(agent, { type: 'expense', amount: '88', date: '2026-01-10', category: String(groceries) });
    await postTransaction(agent, { type: 'expense', amount: '150', date: '2026-02-10', category: String(groceries) });
    await postTransaction(agent, { type: 'expense', amount: '10', date: '2026-01-10', category: String(health) });

    const feb = budgetRows((await agent.get('/budgets/2026-02')).text);
    assert.match(feb.Groceries!.available, /^Available: \$112\.00 Includes \$12\.00 left over from January 2026 \(\$100\.00 available, \$88\.00 spent\)\. See January 2026$/);
    assert.match(feb.Groceries!.remaining, /Over by \$38\.00/);
    const mar = budgetRows((await agent.get('/budgets/2026-03')).text);
    assert.match(mar.Groceries!.available, /^Available: \$62\.00 Less \$38\.00 overspent in February 2026 \(\$112\.00 available, \$150\.00 spent\)\./);
    assert.equal(mar.Health!.available, 'Available: $100.00', 'without rollover nothing is carried');
    // Turned off in March: March's leftover stays in March (April starts afresh), while what February rolled into
    // March, and every month before, reads as it did.
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100', [`amount-${health}`]: '100' });
    await saveBudget(agent, '2026-04', { [`amount-${groceries}`]: '100', [`amount-${health}`]: '100' });
    assert.deepEqual(budgetRows((await agent.get('/budgets/2026-02')).text), feb);
    assert.deepEqual(budgetRows((await agent.get('/budgets/2026-03')).text).Groceries, mar.Groceries);
    assert.equal(budgetRows((await agent.get('/budgets/2026-04')).text).Groceries!.available, 'Available: $100.00');
    assert.doesNotMatch((await agent.get('/budgets/2026-03')).text, new RegExp(`name="rollover-${groceries}"[^>]*checked`), 'March shows the box unticked');
  });

  test('spending outside the budget counts uncategorised expenses (never uncategorised income) and categories without an amount, but not one carried over by rollover', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    const health = categoryIdOf(ctx.db, ann, 'expense', 'Health');
    // Groceries rolls February's leftover into March, where it has no amount of its own; Health has no budget at all.
    await saveBudget(agent, '2026-02', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1' });
    await postTransaction(agent, { type: 'expense', amount: '40', date: '2026-02-10', category: String(groceries) });
    await postTransaction(agent, { type: 'expense', amount: '30', date: '2026-03-05', category: String(groceries) });
    await postTransaction(agent, { type: 'expense', amount: '25', date: '2026-03-06', category: String(health) });
    await postTransaction(agent, { type: 'expense', amount: '50', date: '2026-03-07', category: '' });
    await postTransaction(agent, { type: 'income', amount: '20', date: '2026-03-08', category: '' });
    const march = (await agent.get('/budgets/2026-03')).text;
    assert.match(budgetRows(march).Groceries!.available, /^Available: \$60\.00 Includes \$60\.00 left over from February 2026/);
    // 25.00 (Health) + 50.00 (uncategorised expense); not the 30.00 of carried Groceries, and the 20.00 income takes nothing off.
    assert.match(march, /Spent outside the budget \(categories without an amount, and uncategorised\): \$75\.00\./);
    // The dashboard's card says what its "Spent" counts, and what was spent outside it: this month's Expenses above it
    // are 105.00, the card's spent 30.00.
    const dashboard = (await agent.get('/dashboard')).text;
    assert.match(dashboard, /<dt>Expenses<\/dt>\s*<dd class="num">\$105\.00<\/dd>/);
    assert.match(dashboard, /Spent \$30\.00 of \$60\.00 \(50%\)\./);
    assert.match(dashboard, /“Spent” counts only the categories with a budget this month, after refunds\.\s*Spent outside the budget \(categories without an amount, and uncategorised\): \$75\.00\./);
  });

  test('refunds that outweigh the spending outside the budget are said as refunds, never as negative spending', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    const health = categoryIdOf(ctx.db, ann, 'expense', 'Health');
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100' });
    // Health has no amount: a 10.00 bill and a 45.00 refund of February's glasses leave 35.00 back outside the budget.
    await postTransaction(agent, { type: 'expense', amount: '10', date: '2026-03-05', category: String(health) });
    await postTransaction(agent, { type: 'income', amount: '45', date: '2026-03-06', category: String(health) });
    const march = (await agent.get('/budgets/2026-03')).text;
    const note = /<p class="totals__note">([\s\S]*?)<\/p>/.exec(march)?.[1] ?? '';
    assert.match(note, /Refunded outside the budget \(categories without an amount, and uncategorised\), more than was spent there: \$35\.00\./);
    assert.doesNotMatch(note, /Spent outside the budget|−\$|-\$/, 'no negative amount of spending');
    // The line itself says how it got there.
    assert.match(budgetRows(march).Health!.spent, /^Spent: −\$35\.00 after \$45\.00 of refunds$/);
    await postForm(agent, '/account', '/account/language', { language: 'uk' });
    assert.match((await agent.get('/budgets/2026-03')).text, /Повернено поза бюджетом \(категорії без суми й операції без категорії\) більше, ніж там витрачено: 35,00/);
  });

  test('a person with as many expense categories as one may keep saves an amount for every one of them, none dropped', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const have = ctx.db.prepare('SELECT count(*) FROM categories WHERE user_id = ?').pluck().get(ann) as number;
    ctx.db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO categories (user_id, kind, name, name_key) SELECT ?, 'expense', 'Bucket ' || i, 'bucket ' || i FROM n`,
      )
      .run(PER_PERSON_LIMITS.categories - have, ann);
    const expense = ctx.db.prepare("SELECT id FROM categories WHERE user_id = ? AND kind = 'expense'").pluck().all(ann) as number[];
    assert.ok(expense.length > 900);
    // Every field the page offers, filled in, with rollover ticked on each.
    const page = (await agent.get('/budgets/2026-03')).text;
    assert.equal([...page.matchAll(/name="amount-(\d+)"/g)].length, expense.length, 'the form has a field for each');
    const fields: Record<string, string> = {};
    // With what the page showed of each (the form sends it back), at the largest amount written in full.
    for (const [, name, value] of page.matchAll(/<input type="hidden" name="(shown(?:Rollover)?-\d+)" value="([^"]*)">/g)) fields[name!] = value!;
    assert.equal(Object.keys(fields).length, 2 * expense.length);
    for (const id of expense) Object.assign(fields, { [`amount-${id}`]: '12.34', [`rollover-${id}`]: '1' });
    fields[`amount-${expense[0]}`] = '99,999,999.99';
    const saved = await saveBudget(agent, '2026-03', fields);
    assert.equal(saved.status, 303, saved.text?.slice(0, 300));
    assert.equal(ctx.db.prepare("SELECT count(*) FROM budgets WHERE user_id = ? AND month = '2026-03' AND amount_cents = 1234").pluck().get(ann), expense.length - 1, 'an amount for every category, none dropped');
  });

  test('a budget page left open in another tab saves only what was changed on it, never putting back what it showed', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    const housing = categoryIdOf(ctx.db, ann, 'expense', 'Housing');
    const transport = categoryIdOf(ctx.db, ann, 'expense', 'Transport');
    assert.equal((await saveBudget(agent, '2026-03', { [`amount-${transport}`]: '80.00' })).status, 303);
    /** The page's form as a browser would send it: every field as shown, then the changes typed. */
    const formOf = (html: string, changes: Record<string, string>) => {
      const fields: Record<string, string> = {};
      for (const [, name, value] of html.matchAll(/<input[^>]*name="((?:amount|shown|shownRollover)-\d+)"[^>]*value="([^"]*)"/g)) fields[name!] = value!;
      for (const [, name] of html.matchAll(/<input type="checkbox" name="(rollover-\d+)" value="1" checked/g)) fields[name!] = '1';
      return { _csrf: csrfFrom(html), ...fields, ...changes };
    };
    const tabA = (await agent.get('/budgets/2026-03')).text;
    const tabB = (await agent.get('/budgets/2026-03')).text;
    const post = (form: Record<string, string>) => agent.post('/budgets/2026-03').type('form').send(form);
    assert.equal((await post(formOf(tabA, { [`amount-${groceries}`]: '400.00', [`rollover-${housing}`]: '1' }))).status, 303);
    // Tab B still shows no Groceries amount and no rollover on Housing; it changes Housing's amount and removes Transport's.
    assert.equal((await post(formOf(tabB, { [`amount-${housing}`]: '1,200.00', [`amount-${transport}`]: '' }))).status, 303);
    const amounts = ctx.db.prepare("SELECT category_id AS id, amount_cents AS cents FROM budgets WHERE user_id = ? AND month = '2026-03' ORDER BY category_id").all(ann);
    assert.deepEqual(amounts, [{ id: groceries, cents: 40_000 }, { id: housing, cents: 120_000 }].sort((a, b) => a.id - b.id));
    assert.match((await agent.get('/budgets/2026-03')).text, new RegExp(`name="rollover-${housing}" value="1" checked`), 'the rollover ticked in tab A stays');
    // A month saved with its box left as shown (ticked, from an earlier month) keeps it as its own: unticking the
    // month before it later does not move it.
    const postTo = (month: string, form: Record<string, string>) => agent.post(`/budgets/${month}`).type('form').send(form);
    assert.equal((await postTo('2026-01', formOf((await agent.get('/budgets/2026-01')).text, { [`rollover-${groceries}`]: '1' }))).status, 303);
    assert.equal((await postTo('2026-03', formOf((await agent.get('/budgets/2026-03')).text, { [`amount-${groceries}`]: '410.00' }))).status, 303);
    const unticked = formOf((await agent.get('/budgets/2026-02')).text, {});
    delete (unticked as Record<string, string>)[`rollover-${groceries}`];
    assert.equal((await agent.post('/budgets/2026-02').type('form').send(unticked)).status, 303);
    const settings = ctx.db.prepare('SELECT month, rollover FROM budget_rollover_settings WHERE user_id = ? AND category_id = ? ORDER BY month').all(ann, groceries);
    assert.deepEqual(settings, [{ month: '2026-01', rollover: 1 }, { month: '2026-02', rollover: 0 }, { month: '2026-03', rollover: 1 }]);
  });

  test('turning rollover on in a month carries from that month on, and the months before read as they did', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    for (const month of ['2025-11', '2025-12', '2026-01']) {
      await saveBudget(agent, month, { [`amount-${groceries}`]: '100' });
      await postTransaction(agent, { type: 'expense', amount: '50', date: `${month}-10`, category: String(groceries) });
    }
    const before = budgetRows((await agent.get('/budgets/2026-01')).text).Groceries;
    assert.equal(before!.remaining.startsWith('Remaining: $50.00'), true, before!.remaining);

    // Turned on while looking at February: February's leftover goes to March; nothing from before February moves.
    await saveBudget(agent, '2026-02', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1' });
    assert.deepEqual(budgetRows((await agent.get('/budgets/2026-01')).text).Groceries, before, 'January reads as it did');
    assert.equal(budgetRows((await agent.get('/budgets/2026-02')).text).Groceries!.available, 'Available: $100.00', 'nothing carried in from before it was on');
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1' });
    assert.match(budgetRows((await agent.get('/budgets/2026-03')).text).Groceries!.available, /^Available: \$200\.00 Includes \$100\.00 left over from February 2026/);
    // Each month saved keeps its box; the years before rollover was first ticked keep nothing (none was ever on).
    const settings = () => ctx.db.prepare('SELECT month, rollover FROM budget_rollover_settings WHERE category_id = ? ORDER BY month').all(groceries);
    assert.deepEqual(settings(), [{ month: '2026-02', rollover: 1 }, { month: '2026-03', rollover: 1 }]);
    // Off in March and on again in March is as if never off: nothing forgotten, February still carried.
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100' });
    assert.deepEqual(settings(), [{ month: '2026-02', rollover: 1 }, { month: '2026-03', rollover: 0 }]);
    assert.match(budgetRows((await agent.get('/budgets/2026-03')).text).Groceries!.available, /^Available: \$200\.00 Includes \$100\.00 left over from February 2026/, 'what February rolled over still arrives');
    await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100', [`rollover-${groceries}`]: '1' });
    assert.deepEqual(settings(), [{ month: '2026-02', rollover: 1 }, { month: '2026-03', rollover: 1 }]);
    assert.match(budgetRows((await agent.get('/budgets/2026-03')).text).Groceries!.available, /^Available: \$200\.00 Includes \$100\.00 left over from February 2026/);
    // Off in February, where it began: March, saved with its own box ticked, keeps it and starts a chain of its own,
    // so April gets March's leftover and March gets nothing from February.
    await saveBudget(agent, '2026-04', { [`amount-${groceries}`]: '100' });
    await saveBudget(agent, '2026-02', { [`amount-${groceries}`]: '100' });
    assert.deepEqual(settings(), [{ month: '2026-02', rollover: 0 }, { month: '2026-03', rollover: 1 }, { month: '2026-04', rollover: 0 }]);
    assert.equal(budgetRows((await agent.get('/budgets/2026-03')).text).Groceries!.available, 'Available: $100.00');
    assert.match(budgetRows((await agent.get('/budgets/2026-04')).text).Groceries!.available, /^Available: \$200\.00 Includes \$100\.00 left over from March 2026/);
    assert.match((await agent.get('/budgets/2026-03')).text, new RegExp(`name="rollover-${groceries}"[^>]*checked`), 'March still shows its box ticked');
    assert.deepEqual(budgetRows((await agent.get('/budgets/2026-01')).text).Groceries, before);
  });

  test('turning rollover off in a month leaves the months before it, and later months saved with their own box, as they were, through the form and the API; the CSV says which months rolled over', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const utilities = categoryIdOf(ctx.db, ann, 'expense', 'Utilities');
    // 100.00 a month from September 2025, rolling over from the start; 60.00 spent each month.
    const months = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'];
    for (const month of months) {
      await saveBudget(agent, month, { [`amount-${utilities}`]: '100', [`rollover-${utilities}`]: '1' });
      await postTransaction(agent, { type: 'expense', amount: '60', date: `${month}-05`, category: String(utilities) });
    }
    const shown = async () => Object.fromEntries(await Promise.all(months.map(async (m) => [m, budgetRows((await agent.get(`/budgets/${m}`)).text).Utilities!.available] as const)));
    const before = await shown();
    assert.match(before['2025-12']!, /^Available: \$220\.00 Includes \$120\.00 left over from November 2025/);
    assert.match(before['2026-03']!, /^Available: \$340\.00/);

    // Off in January only, by the API: September to December read as they did, January still gets December's
    // leftover (December rolled over), and February and March, saved with their own boxes ticked, keep them: February
    // starts a chain of its own, which March receives.
    const secret = await makeApiToken(agent, { name: 'Script', scope: 'read-write', lifetime: 'never' });
    const api = (method: 'get' | 'put', path: string) => agentFor(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${secret}`);
    const put = await api('put', `/budgets/2026-01/${utilities}`).send({ amount: '100.00', rollover: false });
    assert.equal(put.status, 200, put.text);
    const after = await shown();
    for (const m of ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01']) assert.equal(after[m], before[m], `${m} reads as it did`);
    assert.equal(after['2026-02'], 'Available: $100.00', 'nothing from a January that did not roll over');
    assert.match(after['2026-03']!, /^Available: \$140\.00 Includes \$40\.00 left over from February 2026/);
    const boxOf = async (month: string) => ((await api('get', `/budgets/${month}`)).body as { lines: { categoryId: number; rollover: boolean }[] }).lines.find((l) => l.categoryId === utilities)?.rollover;
    assert.deepEqual([await boxOf('2025-12'), await boxOf('2026-01'), await boxOf('2026-02'), await boxOf('2026-03')], [true, false, true, true]);
    // A month never saved follows the latest one saved before it: May rolls over as March does.
    assert.equal(await boxOf('2026-05'), true);
    // An amount set by the API without a rollover box saves none for its month, which goes on following the months
    // before it; with one, the month keeps it.
    assert.equal((await api('put', `/budgets/2026-05/${utilities}`).send({ amount: '100.00' })).status, 200);
    assert.equal((await api('put', `/budgets/2026-03/${utilities}`).send({ amount: '100.00', rollover: false })).status, 200);
    assert.equal(await boxOf('2026-05'), false, 'May follows March, unticked since');
    assert.equal((await api('put', `/budgets/2026-05/${utilities}`).send({ amount: '100.00', rollover: true })).status, 200);
    assert.equal((await api('put', `/budgets/2026-03/${utilities}`).send({ amount: '100.00', rollover: true })).status, 200);
    assert.equal((await api('put', `/budgets/2026-03/${utilities}`).send({ amount: '100.00', rollover: false })).status, 200);
    assert.equal(await boxOf('2026-05'), true, 'May saved ticked keeps it');
    assert.equal((await api('put', `/budgets/2026-03/${utilities}`).send({ amount: '100.00', rollover: true })).status, 200);

    const csv = (await agent.get('/budgets/export.csv')).text.trim().split('\r\n').filter((l) => l.includes('Utilities'));
    assert.deepEqual(csv.map((l) => `${l.split(',')[0]} ${l.split(',')[3]}`), [
      '2025-09 yes', '2025-10 yes', '2025-11 yes', '2025-12 yes', '2026-01 no', '2026-02 yes', '2026-03 yes', '2026-05 yes',
    ]);
    const exported = (await agent.get('/account/export.json')).text;
    assert.match(exported, new RegExp(`\\{"categoryId":${utilities},"fromMonth":"2025-12","rollover":true\\}`));
    assert.match(exported, new RegExp(`\\{"categoryId":${utilities},"fromMonth":"2026-01","rollover":false\\}`));
    assert.match(exported, new RegExp(`\\{"categoryId":${utilities},"fromMonth":"2026-02","rollover":true\\}`));
  });

  test('copy last month fills the month from the previous one and keeps amounts already set', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const [groceries, housing, transport] = ['Groceries', 'Housing', 'Transport'].map((n) => categoryIdOf(ctx.db, ann, 'expense', n));
    const empty = await postForm(agent, '/budgets/2026-03', '/budgets/2026-03/copy', {});
    assert.equal(empty.status, 303);
    assert.match((await agent.get('/budgets/2026-03')).text, /February 2026 has no budget to copy\./);
    await saveBudget(agent, '2026-02', { [`amount-${groceries}`]: '400', [`amount-${housing}`]: '1200', [`amount-${transport}`]: '80' });
    await saveBudget(agent, '2026-03', { [`amount-${transport}`]: '95' });
    await postForm(agent, '/budgets/2026-03', '/budgets/2026-03/copy', {});
    const page = (await agent.get('/budgets/2026-03')).text;
    assert.match(page, /Copied 2 amounts from February 2026\. 1 amount already set was kept\./);
    const amounts = ctx.db.prepare<[string], { name: string; amount_cents: number }>(
      "SELECT c.name, b.amount_cents FROM budgets b JOIN categories c ON c.id = b.category_id WHERE b.month = ? ORDER BY c.name",
    ).all('2026-03');
    assert.deepEqual(amounts, [{ name: 'Groceries', amount_cents: 40000 }, { name: 'Housing', amount_cents: 120000 }, { name: 'Transport', amount_cents: 9500 }]);

    // The button submits the amounts form (form="budget-form"): what was typed there and not saved is kept, not
    // replaced by last month's; a bad amount is refused beside it and nothing is copied.
    const april = (await agent.get('/budgets/2026-04')).text;
    assert.match(april, /<button type="submit" form="budget-form" formaction="\/budgets\/2026-04\/copy"/);
    assert.match(april, /<form method="post" action="\/budgets\/2026-04" id="budget-form"/);
    const refused = await postForm(agent, '/budgets/2026-04', '/budgets/2026-04/copy', { [`amount-${groceries}`]: 'abc', [`amount-${housing}`]: '', [`amount-${transport}`]: '' });
    assert.equal(refused.status, 422);
    assert.equal(ctx.db.prepare("SELECT count(*) FROM budgets WHERE month = '2026-04'").pluck().get(), 0, 'nothing copied');
    await postForm(agent, '/budgets/2026-04', '/budgets/2026-04/copy', { [`amount-${groceries}`]: '250', [`amount-${housing}`]: '', [`amount-${transport}`]: '60' });
    assert.deepEqual(
      ctx.db.prepare<[string], { name: string; amount_cents: number }>("SELECT c.name, b.amount_cents FROM budgets b JOIN categories c ON c.id = b.category_id WHERE b.month = ? ORDER BY c.name").all('2026-04'),
      [{ name: 'Groceries', amount_cents: 25000 }, { name: 'Housing', amount_cents: 120000 }, { name: 'Transport', amount_cents: 6000 }],
    );
  });

  test('amounts are refused like transaction amounts, beside the field, and a refused form saves nothing', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    const housing = categoryIdOf(ctx.db, ann, 'expense', 'Housing');
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    for (const [bad, message] of [
      ['12.345', /Use at most two decimal places\./],
      ['-5', /Enter the amount without a minus sign\.</],
      ['0', /greater than zero/],
      ['1e3', /Enter an amount in numbers/],
      ['1000000001', /no larger than/],
    ] as const) {
      const res = await saveBudget(agent, '2026-03', { [`amount-${groceries}`]: '100', [`amount-${housing}`]: bad });
      assert.equal(res.status, 422, bad);
      assert.match(res.text, new RegExp(`id="amount-${housing}-error"`));
      assert.match(res.text, message, bad);
      assert.match(res.text, new RegExp(`value="${bad.replace('.', '\\.')}"`), 'the typed text is kept');
    }
    const twice = await agent.post('/budgets/2026-03').type('form').send(`_csrf=${encodeURIComponent(await tokenFor(agent, '/budgets/2026-03'))}&amount-${groceries}=1&amount-${groceries}=2`);
    assert.equal(twice.status, 422);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'nothing was saved');
    assert.equal((await agent.get('/budgets/2026-13')).status, 404);
    assert.equal((await agent.get('/budgets/march')).status, 404);
    assert.equal((await saveBudget(agent, '3000-01', {})).status, 404);
  });

  test('the budgets download lists every amount by month and category, formula-safe, and only the person’s own', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    await postForm(agent, '/categories', '/categories', { kind: 'expense', name: '=SUM(A1)' });
    const formula = categoryIdOf(ctx.db, ann, 'expense', '=SUM(A1)');
    const groceries = categoryIdOf(ctx.db, ann, 'expense', 'Groceries');
    await saveBudget(agent, '2026-02', { [`amount-${groceries}`]: '400.05', [`rollover-${groceries}`]: '1' });
    await saveBudget(agent, '2026-03', { [`amount-${formula}`]: '7' });
    // January's amount was there before rollover was turned on (in February): January did not roll over.
    ctx.db.prepare("INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, '2026-01', 100)").run(ann, groceries);
    await saveBudget(bob, '2026-03', { [`amount-${categoryIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'expense', 'Housing')}`]: '1' });
    const res = await agent.get('/budgets/export.csv');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.equal(res.text, "month,category,amount,rollover\r\n2026-01,Groceries,1.00,no\r\n2026-02,Groceries,400.05,yes\r\n2026-03,'=SUM(A1),7.00,no\r\n");
  });

  test("an amount for a category deleted in another tab, one that never was, or another person's is refused with a message: nothing saved, the other amounts kept", async (t) => {
    const ctx = setup(t);
    const ann = await registerUser(ctx.app, 'ann@example.com');
    await registerUser(ctx.app, 'bob@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, annId, 'expense', 'Groceries');
    const housing = categoryIdOf(ctx.db, annId, 'expense', 'Housing');
    const bobGroceries = categoryIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'expense', 'Groceries');
    const annSalary = categoryIdOf(ctx.db, annId, 'income', 'Salary');
    /** The page's form as a browser would send it: every field as shown, then the changes typed. */
    const formOf = (html: string, changes: Record<string, string>) => {
      const fields: Record<string, string> = {};
      for (const [, name, value] of html.matchAll(/<input[^>]*name="((?:amount|shown|shownRollover)-\d+)"[^>]*value="([^"]*)"/g)) fields[name!] = value!;
      return { _csrf: csrfFrom(html), ...fields, ...changes };
    };
    const gone = /<p class="form__summary" role="alert">A category you typed an amount for no longer exists \(it was deleted in another tab or on another device\), so nothing was saved\. The other amounts you typed are below: save again to keep them\.<\/p>/;
    const budgetRowsOf = () => ctx.db.prepare('SELECT count(*) FROM budgets').pluck().get();

    // Housing is deleted in another tab while this one is open and has amounts typed for it and for Groceries.
    const tab = (await ann.get('/budgets/2026-03')).text;
    assert.equal((await postForm(ann, '/categories', `/categories/${housing}/delete`, {})).status, 303);
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    for (const action of ['/budgets/2026-03', '/budgets/2026-03/copy']) {
      const res = await ann.post(action).type('form').send(formOf(tab, { [`amount-${groceries}`]: '400.00', [`amount-${housing}`]: '50.00' }));
      assert.equal(res.status, 422, action);
      assert.match(res.text, gone, action);
      assert.match(res.text, new RegExp(`id="amount-${groceries}" name="amount-${groceries}"[^>]*value="400.00"`), `${action}: the other amount is kept as typed`);
      assert.doesNotMatch(res.text, /saved\.<\/p>|copied/, action);
    }
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'nothing was saved or copied');
    assert.equal(budgetRowsOf(), 0);

    // An id that never was, another person's category and an income category are answered alike, naming nothing of theirs.
    const answers = [];
    for (const id of [99999, bobGroceries, annSalary]) {
      const res = await saveBudget(ann, '2026-03', { [`amount-${groceries}`]: '400.00', [`amount-${id}`]: '10' });
      assert.equal(res.status, 422, String(id));
      assert.match(res.text, gone, String(id));
      answers.push(res.text.replace(/name="_csrf" value="[^"]*"/g, ''));
    }
    assert.equal(answers[1], answers[0], "another person's category reads exactly as one that does not exist");
    assert.equal(answers[2], answers[0]);
    assert.equal(budgetRowsOf(), 0, 'neither another’s category nor an income category gets a budget, nor does Groceries');

    // A field left as it was shown (empty) for the deleted category keeps nothing, so the rest is saved.
    assert.equal((await ann.post('/budgets/2026-03').type('form').send(formOf(tab, { [`amount-${groceries}`]: '400.00' }))).status, 303);
    assert.equal(ctx.db.prepare('SELECT amount_cents FROM budgets WHERE category_id = ?').pluck().get(groceries), 40_000);

    // In Ukrainian.
    await postForm(ann, '/account', '/account/language', { language: 'uk' });
    const uk = await saveBudget(ann, '2026-03', { [`amount-${groceries}`]: '1,00', [`amount-${bobGroceries}`]: '10' });
    assert.equal(uk.status, 422);
    assert.match(uk.text, /1 категорії, для якої ви ввели суму, уже немає \(її видалили в іншій вкладці чи на іншому пристрої\), тож нічого не збережено\./);
    assert.equal(ctx.db.prepare('SELECT amount_cents FROM budgets WHERE category_id = ?').pluck().get(groceries), 40_000);
  });

  test('the current month of /budgets is the person’s own: the same instant is February in New York and March in Kyiv', async (t) => {
    // 23:30 UTC on 28 February 2026: 01:30 on 1 March in Kyiv, 18:30 on 28 February in New York.
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 1, 28, 23, 30)) });
    t.after(() => ctx.cleanup());
    const kyiv = await registerUser(ctx.app, 'olena@example.com');
    const newYork = await registerUser(ctx.app, 'sam@example.com');
    for (const [agent, zone] of [[kyiv, 'Europe/Kyiv'], [newYork, 'America/New_York']] as const) {
      assert.equal((await postForm(agent, '/account', '/account/time-zone', { timeZone: zone })).status, 303);
    }
    assert.match((await kyiv.get('/budgets')).text, /Budget for March 2026/);
    assert.match((await newYork.get('/budgets')).text, /Budget for February 2026/);
    assert.match((await kyiv.get('/dashboard')).text, /Budget · March 2026/);
    assert.match((await newYork.get('/dashboard')).text, /Budget · February 2026/);
  });
});
