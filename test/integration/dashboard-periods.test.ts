import assert from 'node:assert/strict';
import { describe, test, type TestContext as NodeTestContext } from 'node:test';
import { createTestContext, postForm, registerUser, totalsFrom, type TestContext } from '../helpers/app.ts';
import { categoryIdOf, insertTransactions, usd, userIdOf, type RowDraft } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';

type NewTransaction = RowDraft;

function setup(t: NodeTestContext, env: Record<string, string> = {}, start?: number): TestContext {
  const ctx = createTestContext(env, start === undefined ? {} : { clock: manualClock(start) });
  t.after(() => ctx.cleanup());
  return ctx;
}

/** The heading that names the dashboard's period, and the value the add form's date starts with. */
function periodShown(html: string): { period: string | undefined; formDate: string | undefined } {
  return {
    period: /<h2 id="totals-heading" class="period-title">([^<]+)<\/h2>/.exec(html)?.[1],
    formDate: /name="date" type="date" value="([^"]*)"/.exec(html)?.[1],
  };
}

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

function sum(rows: readonly NewTransaction[], type: string, pred: (r: NewTransaction) => boolean = () => true): number {
  return rows.filter((r) => r.type === type && pred(r)).reduce((s, r) => s + r.amountCents, 0);
}

/** The top expense categories list as [name, amount text, percent] rows, in page order. */
function sharesFrom(html: string): [string, string, number][] {
  return [...html.matchAll(/<span class="share__name">([^<]+)<\/span>\s*<span class="share__amount num">([^<]+) · (\d+)%<\/span>/g)].map(
    (m) => [m[1]!, m[2]!, Number(m[3])],
  );
}

describe('dashboard periods', () => {
  test('the dashboard shows this month by default, other months, a year and all time, with the all-time balance', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const thisMonth = ctx.today().slice(0, 7);
    const lastMonth = shiftMonth(thisMonth, -1);
    const lastYearMonth = shiftMonth(thisMonth, -12);
    const rows: NewTransaction[] = [
      { type: 'income', amountCents: 300_000, occurredOn: `${thisMonth}-01`, description: 'pay' },
      { type: 'expense', amountCents: 12_345, occurredOn: `${thisMonth}-02`, description: 'food' },
      { type: 'income', amountCents: 250_000, occurredOn: `${lastMonth}-15`, description: 'pay' },
      { type: 'expense', amountCents: 99_999, occurredOn: `${lastMonth}-28`, description: 'rent' },
      { type: 'expense', amountCents: 500_001, occurredOn: `${lastYearMonth}-10`, description: 'car' },
    ];
    insertTransactions(ctx.db, userId, rows);
    const balance = usd(sum(rows, 'income') - sum(rows, 'expense'));

    const inMonth = (m: string) => (r: NewTransaction) => r.occurredOn.startsWith(m);
    const cases: [string, (r: NewTransaction) => boolean][] = [
      ['/dashboard', inMonth(thisMonth)],
      [`/dashboard?period=${thisMonth}`, inMonth(thisMonth)],
      [`/dashboard?period=${lastMonth}`, inMonth(lastMonth)],
      [`/dashboard?period=${lastYearMonth.slice(0, 4)}`, inMonth(lastYearMonth.slice(0, 4))],
      ['/dashboard?period=all', () => true],
      ['/dashboard?period=nonsense', inMonth(thisMonth)],
      ['/dashboard?period=2026-13', inMonth(thisMonth)],
    ];
    for (const [url, pred] of cases) {
      const page = await agent.get(url);
      assert.equal(page.status, 200, url);
      assert.deepEqual(
        totalsFrom(page.text),
        { Income: usd(sum(rows, 'income', pred)), Expenses: usd(sum(rows, 'expense', pred)), Net: usd(sum(rows, 'income', pred) - sum(rows, 'expense', pred)) },
        url,
      );
      // The all-time figure, said in words beside any other period (it is the Net of all time itself).
      if (url.endsWith('=all')) assert.match(page.text, /Income, expenses and net are for all time;/);
      // (A minus sign is held to its amount by a word joiner, U+2060, inside a sentence.)
      else assert.match(page.text, new RegExp(`Since your first record, income minus expenses comes to ${balance.replace(/[$.]/g, '\\$&').replace('−', '−\u2060')}\\. That is not what you have`));
    }
  });

  test('this month follows the clock across a month boundary and a year boundary, in the configured time zone', async (t) => {
    // One second before midnight on New Year's Eve in Kyiv (UTC+2 in winter).
    const ctx = setup(t, { TIME_ZONE: 'Europe/Kyiv' }, Date.parse('2026-12-31T21:59:59Z'));
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    insertTransactions(ctx.db, userId, [
      { type: 'expense', amountCents: 1_111, occurredOn: '2026-12-31', description: 'last day of the year' },
      { type: 'expense', amountCents: 2_222, occurredOn: '2027-01-01', description: 'first day of the year' },
      { type: 'expense', amountCents: 4_444, occurredOn: '2026-11-30', description: 'last day of November' },
    ]);

    const before = await agent.get('/dashboard');
    assert.deepEqual(periodShown(before.text), { period: 'December 2026', formDate: '2026-12-31' });
    assert.equal(totalsFrom(before.text).Expenses, usd(1_111));
    assert.match(before.text, /href="\/dashboard\?period=2026"[^>]*>2026<\/a>/, 'the year link is this year');

    ctx.clock.advance(1_000); // 00:00:00 on 1 January in Kyiv, still 31 December in UTC

    const after = await agent.get('/dashboard');
    assert.deepEqual(periodShown(after.text), { period: 'January 2027', formDate: '2027-01-01' });
    assert.equal(totalsFrom(after.text).Expenses, usd(2_222));
    assert.match(after.text, /href="\/dashboard\?period=2027"[^>]*>2027<\/a>/);
    assert.match(after.text, /rel="prev">‹ December 2026</);

    // An add with no date lands on the new day, in the new month's totals.
    const form = await agent.get('/transactions/new');
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const add = await agent.post('/transactions').type('form').send({ _csrf: token, type: 'expense', amount: '3.33', date: '', description: 'just after midnight' });
    assert.equal(add.status, 303);
    const stored = ctx.db.prepare("SELECT occurred_on FROM transactions WHERE description = 'just after midnight'").get() as { occurred_on: string };
    assert.equal(stored.occurred_on, '2027-01-01');
    assert.equal(totalsFrom((await agent.get('/dashboard')).text).Expenses, usd(2_222 + 333));
  });

  test('a month boundary: the last second of November and the first of December, by the clock', async (t) => {
    const ctx = setup(t, { TIME_ZONE: 'UTC' }, Date.parse('2026-11-30T23:59:59Z'));
    const agent = await registerUser(ctx.app, 'ann@example.com');
    insertTransactions(ctx.db, userIdOf(ctx.db, 'ann@example.com'), [
      { type: 'income', amountCents: 5_000, occurredOn: '2026-11-30', description: 'November' },
      { type: 'income', amountCents: 7_000, occurredOn: '2026-12-01', description: 'December' },
    ]);
    const november = await agent.get('/dashboard');
    assert.deepEqual(periodShown(november.text), { period: 'November 2026', formDate: '2026-11-30' });
    assert.equal(totalsFrom(november.text).Income, usd(5_000));

    ctx.clock.advance(1_000);

    const december = await agent.get('/dashboard');
    assert.deepEqual(periodShown(december.text), { period: 'December 2026', formDate: '2026-12-01' });
    assert.equal(totalsFrom(december.text).Income, usd(7_000));
    assert.equal(totalsFrom(december.text).Net, usd(7_000), "December's net");
    assert.match(december.text, /Since your first record, income minus expenses comes to \$120\.00\./, 'the all-time figure counts both sides of the boundary');
    assert.match(december.text, /href="\/transactions\?from=2026-12-01&amp;to=2026-12-31">See these transactions/);
  });

  test('previous and next links step one month or one year, and the period is named on the page', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const jan = await agent.get('/dashboard?period=2026-01');
    assert.match(jan.text, /<h2 id="totals-heading" class="period-title">January 2026<\/h2>/);
    assert.match(jan.text, /href="\/dashboard\?period=2025-12" rel="prev">‹ December 2025<\/a>/);
    assert.match(jan.text, /href="\/dashboard\?period=2026-02" rel="next">February 2026 ›<\/a>/);
    assert.match(jan.text, /href="\/dashboard\?period=2026"[^>]*>2026<\/a>/);
    assert.match(jan.text, /href="\/dashboard\?period=all"[^>]*>All time<\/a>/);
    assert.match(jan.text, /href="\/transactions\?from=2026-01-01&amp;to=2026-01-31">See these transactions/);

    const year = await agent.get('/dashboard?period=2025');
    assert.match(year.text, /rel="prev">‹ 2024</);
    assert.match(year.text, /rel="next">2026 ›</);
    assert.match(year.text, /href="\/dashboard\?period=2025" aria-current="page"/);

    const all = await agent.get('/dashboard?period=all');
    assert.doesNotMatch(all.text, /rel="prev"/);
    assert.match(all.text, /href="\/dashboard\?period=all" aria-current="page"/);
  });

  test("a period with refunds says its expenses are after them, which the list counts as income; one without says nothing of refunds", async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, userId, 'expense', 'Groceries');
    insertTransactions(ctx.db, userId, [
      { type: 'expense', amountCents: 5_000, occurredOn: '2026-03-02', description: 'Market', categoryId: groceries },
      { type: 'income', amountCents: 2_000, occurredOn: '2026-03-03', description: 'Market refund', categoryId: groceries },
      { type: 'expense', amountCents: 1_000, occurredOn: '2026-04-02', description: 'Market', categoryId: groceries },
    ]);
    const march = (await agent.get('/dashboard?period=2026-03')).text;
    assert.match(march, /Expenses here are after \$20\.00 of refunds, which the transactions list counts as income\./);
    assert.equal(totalsFrom(march).Expenses, '$30.00');
    assert.doesNotMatch((await agent.get('/dashboard?period=2026-04')).text, /of refunds/);
  });

  test('the top expense categories of the period are ranked with their share of expenses', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const cat = (name: string) => categoryIdOf(ctx.db, userId, 'expense', name);
    const rows: NewTransaction[] = [
      { type: 'expense', amountCents: 40_000, occurredOn: '2026-03-01', description: '', categoryId: cat('Housing') },
      { type: 'expense', amountCents: 20_000, occurredOn: '2026-03-31', description: '', categoryId: cat('Housing') },
      { type: 'expense', amountCents: 25_000, occurredOn: '2026-03-10', description: '', categoryId: cat('Groceries') },
      { type: 'expense', amountCents: 10_000, occurredOn: '2026-03-11', description: '', categoryId: null },
      { type: 'expense', amountCents: 3_000, occurredOn: '2026-03-12', description: '', categoryId: cat('Health') },
      { type: 'expense', amountCents: 1_500, occurredOn: '2026-03-13', description: '', categoryId: cat('Transport') },
      { type: 'expense', amountCents: 500, occurredOn: '2026-03-14', description: '', categoryId: cat('Utilities') },
      { type: 'expense', amountCents: 77_777, occurredOn: '2026-04-01', description: 'other month', categoryId: cat('Transport') },
      { type: 'income', amountCents: 99_000, occurredOn: '2026-03-05', description: '', categoryId: null },
    ];
    insertTransactions(ctx.db, userId, rows);
    const page = await agent.get('/dashboard?period=2026-03');
    // Reference computed from the rows above: 1000.00 of March expenses in total.
    const total = sum(rows, 'expense', (r) => r.occurredOn.startsWith('2026-03'));
    assert.equal(total, 100_000);
    assert.deepEqual(sharesFrom(page.text), [
      ['Housing', usd(60_000), 60],
      ['Groceries', usd(25_000), 25],
      ['Uncategorised', usd(10_000), 10],
      ['Health', usd(3_000), 3],
      ['Transport', usd(1_500), 2],
      ['All other categories', usd(500), 1],
    ]);
    // The same shares drawn as horizontal bars, each with its amount and share as a tooltip, longest for Housing.
    const spendingSvg = page.text.slice(page.text.indexOf('id="chart-spending-title"'), page.text.indexOf('</svg>', page.text.indexOf('id="chart-spending-title"')));
    assert.match(spendingSvg, /<g class="chart__bar--expense"><rect /);
    const bars = [...spendingSvg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^<]+)<\/title>/g)].map((m) => ({ width: Number(m[2]), tip: m[3] }));
    assert.deepEqual(bars.map((b) => b.tip), [
      'Housing: $600.00 (60%)', 'Groceries: $250.00 (25%)', 'Uncategorised: $100.00 (10%)', 'Health: $30.00 (3%)', 'Transport: $15.00 (2%)', 'All other categories: $5.00 (1%)',
    ]);
    assert.ok(bars.every((b, i) => i === 0 || b.width <= bars[i - 1]!.width), 'bars shrink with the amounts');
    assert.ok(Math.abs(bars[1]!.width / bars[0]!.width - 25 / 60) < 0.01, 'bar lengths are proportional to the amounts');

    const empty = await agent.get('/dashboard?period=2025-01');
    assert.deepEqual(sharesFrom(empty.text), []);
    assert.match(empty.text, /No expenses in this period/);
  });

  test('charts drawn again for the same numbers come from memory, and never outlive a change: an add, an edit, a rename', async (t) => {
    const ctx = setup(t, {}, Date.UTC(2026, 2, 15, 12));
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'expense', 'Groceries');
    const add = (amount: string) => postForm(agent, '/dashboard', '/transactions', { type: 'expense', amount, date: '2026-03-10', description: 'Shop', category: String(groceries) });
    const tooltips = async () => {
      const html = (await agent.get('/dashboard')).text;
      return { month: /<title>Expenses, March 2026: ([^<]+)<\/title>/.exec(html)?.[1], spending: /id="chart-spending-title"[\s\S]*?<rect [^>]*><title>([^<]+)<\/title>/.exec(html)?.[1] };
    };
    await add('10');
    assert.deepEqual(await tooltips(), { month: '$10.00', spending: 'Groceries: $10.00 (100%)' });
    assert.deepEqual(await tooltips(), { month: '$10.00', spending: 'Groceries: $10.00 (100%)' }, 'the same again');
    await add('5.25');
    assert.deepEqual(await tooltips(), { month: '$15.25', spending: 'Groceries: $15.25 (100%)' });
    await postForm(agent, `/categories/${groceries}/edit`, `/categories/${groceries}/edit`, { name: 'Food' });
    assert.deepEqual(await tooltips(), { month: '$15.25', spending: 'Food: $15.25 (100%)' });
    const txId = Number(ctx.db.prepare('SELECT max(id) FROM transactions').pluck().get());
    await postForm(agent, `/transactions/${txId}/edit`, `/transactions/${txId}/edit`, { type: 'expense', amount: '1', date: '2026-03-10', description: 'Shop', category: String(groceries), account: String(ctx.db.prepare('SELECT min(id) FROM accounts').pluck().get()) });
    assert.deepEqual(await tooltips(), { month: '$11.00', spending: 'Food: $11.00 (100%)' });
  });

  test('the dashboard keeps the add form and the latest transactions', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    insertTransactions(ctx.db, userIdOf(ctx.db, 'ann@example.com'), [
      { type: 'expense', amountCents: 450, occurredOn: '2020-05-05', description: 'Old coffee' },
    ]);
    const page = await agent.get('/dashboard?period=2026-01');
    assert.match(page.text, /<button type="submit" class="button button--primary">Add transaction<\/button>/);
    assert.match(page.text, /Latest transactions/);
    assert.match(page.text, /Old coffee/);
  });

  test("one user's period totals and categories never include another user's rows", async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'bob@example.com');
    const bobId = userIdOf(ctx.db, 'bob@example.com');
    insertTransactions(ctx.db, bobId, [
      { type: 'expense', amountCents: 5_000, occurredOn: '2026-03-03', description: '', categoryId: categoryIdOf(ctx.db, bobId, 'expense', 'Housing') },
    ]);
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const page = await ann.get('/dashboard?period=2026-03');
    assert.deepEqual(totalsFrom(page.text), { Income: '$0.00', Expenses: '$0.00', 'Net': '$0.00' });
    assert.deepEqual(sharesFrom(page.text), []);
  });
});

test('a category of a sliver of the spending shows "<1%", never "0%", in the list and in the chart', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  insertTransactions(ctx.db, userId, [
    { type: 'expense', amountCents: 1_000_000, occurredOn: '2026-03-02', description: 'rent', categoryId: categoryIdOf(ctx.db, userId, 'expense', 'Housing') },
    { type: 'expense', amountCents: 1, occurredOn: '2026-03-03', description: 'gum', categoryId: categoryIdOf(ctx.db, userId, 'expense', 'Groceries') },
  ]);
  const page = (await agent.get('/dashboard')).text;
  assert.match(page, /\$10,000\.00 · 100%/);
  assert.match(page, /\$0\.01 · &lt;1%/);
  assert.doesNotMatch(page, / · 0%/);
  assert.ok(page.split("&lt;1%").length - 1 >= 2, "the chart of spending says so too");
});

/** The labels of each value axis on a page, one list per chart (the y axis of bars and lines, the x axis of category bars). */
function valueAxes(html: string): string[][] {
  return [...html.matchAll(/<g class="chart__ticks chart__ticks--[xy]">([\s\S]*?)<\/g>/g)]
    .map((m) => [...m[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!.replace(/\s/g, ' ')))
    .filter((labels) => labels.some((label) => /\d/.test(label) && !/^\d{4}$/.test(label)));
}

test('chart axes write amounts as the rest of the page does: "20 USD" beside "88,00 USD" in Ukrainian, "$0.20" in English, never "$0.2"', async (t) => {
  const ctx = setup(t);
  const ann = await registerUser(ctx.app, 'ann@example.com');
  await postForm(ann, '/account', '/account/language', { language: 'uk' });
  await postForm(ann, '/transactions/new', '/transactions', { type: 'income', amount: '88,00', date: '', description: 'Зарплата' });
  const ukrainian = (await ann.get('/dashboard')).text;
  assert.match(ukrainian, /88,00\sUSD/);
  const ukAxes = valueAxes(ukrainian);
  assert.ok(ukAxes.length > 0, 'the dashboard has a chart with amounts');
  for (const labels of ukAxes) for (const label of labels) assert.match(label, /^−?[\d ]+(,\d\d)? USD$/, `${labels.join(' | ')}`);
  assert.ok(ukAxes.some((labels) => labels.includes('20 USD')), JSON.stringify(ukAxes));

  const bob = await registerUser(ctx.app, 'bob@example.com');
  await postForm(bob, '/transactions/new', '/transactions', { type: 'expense', amount: '0.50', date: '', description: 'Gum' });
  const english = valueAxes((await bob.get('/dashboard')).text);
  assert.ok(english.some((labels) => labels.includes('$0.20')), JSON.stringify(english));
  for (const labels of english) for (const label of labels) assert.match(label, /^−?\$\d+\.\d\d$/, `${labels.join(' | ')}`);
});
