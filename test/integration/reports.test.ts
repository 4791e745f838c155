import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestContext, postForm, registerUser } from '../helpers/app.ts';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';

/** Ann's rows of January to March 2026 (and one of December 2025); by default it is mid-April, every month of them over. */
async function setup(t: { after: (fn: () => Promise<void>) => void }, now = Date.UTC(2026, 3, 15, 12)) {
  const ctx = createTestContext({}, { clock: manualClock(now) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  await postForm(agent, '/accounts', '/accounts', { name: 'Card', kind: 'credit_card', openingBalance: '', openingOn: '2025-01-01' });
  const main = accountIdOf(ctx.db, ann, 'Main account');
  const card = accountIdOf(ctx.db, ann, 'Card');
  const cat = (kind: 'income' | 'expense', name: string) => categoryIdOf(ctx.db, ann, kind, name);
  insertTransactions(ctx.db, ann, [
    { accountId: main, type: 'income', amountCents: 300_000, occurredOn: '2026-01-01', description: 'Salary', categoryId: cat('income', 'Salary') },
    { accountId: main, type: 'income', amountCents: 300_000, occurredOn: '2026-02-01', description: 'Salary', categoryId: cat('income', 'Salary') },
    { accountId: main, type: 'expense', amountCents: 12_050, occurredOn: '2026-01-05', description: 'Market', categoryId: cat('expense', 'Groceries') },
    { accountId: card, type: 'expense', amountCents: 8_000, occurredOn: '2026-02-07', description: 'Market on the card', categoryId: cat('expense', 'Groceries') },
    { accountId: card, type: 'income', amountCents: 1_000, occurredOn: '2026-02-09', description: 'Refund', categoryId: cat('expense', 'Groceries') },
    { accountId: main, type: 'expense', amountCents: 150_000, occurredOn: '2026-03-01', description: 'Rent', categoryId: cat('expense', 'Housing') },
    { accountId: main, type: 'expense', amountCents: 999, occurredOn: '2025-12-30', description: 'Before the range', categoryId: cat('expense', 'Groceries') },
    { accountId: card, type: 'expense', amountCents: 2_001, occurredOn: '2026-03-03', description: 'No category', categoryId: null },
  ]);
  // A transfer between the two accounts, which no report counts.
  await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(card), amount: '500.00', date: '2026-02-10', description: 'Pay the card' });
  return { ctx, agent, ann, main, card, cat };
}

/** The cells of a table row whose header is `name` in the section with the given heading id. */
function rowCells(html: string, sectionId: string, name: string): string[] {
  const section = html.slice(html.indexOf(`id="${sectionId}"`), html.indexOf('</section>', html.indexOf(`id="${sectionId}"`)));
  const row = new RegExp(`<th scope="row">${name}</th>([\\s\\S]*?)</tr>`).exec(section)?.[1] ?? '';
  return [...row.matchAll(/<td class="num"(?: data-label="[^"]*")?>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
}

test('the category x month table sums every month from the per-month totals, refunds netted, transfers excluded, with totals and averages', async (t) => {
  const { ctx, agent, ann, cat } = await setup(t);
  const res = await agent.get('/reports?from=2026-01&to=2026-03');
  assert.equal(res.status, 200);
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Groceries'), ['$190.50', '$63.50', '$120.50', '$70.00', '—']);
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Housing'), ['$1,500.00', '$500.00', '—', '—', '$1,500.00']);
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Uncategorised'), ['$20.01', '$6.67', '—', '—', '$20.01']);
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Total'), ['$1,710.51', '$570.17', '$120.50', '$70.00', '$1,520.01']);
  assert.deepEqual(rowCells(res.text, 'table-income-heading', 'Salary'), ['$6,000.00', '$2,000.00', '$3,000.00', '$3,000.00', '—']);
  // The same sums straight from the rows, as an oracle.
  const sql = ctx.db
    .prepare<[number], { cents: number }>(
      `SELECT sum(CASE WHEN t.type = 'expense' THEN t.amount_cents ELSE -t.amount_cents END) AS cents FROM transactions t
        JOIN categories c ON c.id = t.category_id
        WHERE t.user_id = ? AND c.kind = 'expense' AND t.occurred_on BETWEEN '2026-01-01' AND '2026-03-31'`,
    )
    .get(ann)!;
  assert.equal(sql.cents, 19_050 + 150_000, 'categorised expenses less refunds');
  // Cells link to the matching transactions.
  assert.match(res.text, new RegExp(`<a href="/transactions\\?from=2026-02-01&amp;to=2026-02-28&amp;category=${cat('expense', 'Groceries')}">\\$70\\.00</a>`));
  assert.doesNotMatch(res.text, /Pay the card/, 'transfers are in no report');
  // Compared with October-December 2025.
  assert.match(res.text, /Compared with October 2025 – December 2025/);
  assert.deepEqual(rowCells(res.text, 'change-heading', 'Expenses'), ['$1,710.51', '$9.99', '+$1,700.52', '+17,022%']);
  assert.deepEqual(rowCells(res.text, 'change-heading', 'Income'), ['$6,000.00', '$0.00', '+$6,000.00', 'new']);
  // The biggest expenses of the range, largest first.
  const biggest = res.text.slice(res.text.indexOf('id="biggest-heading"'));
  assert.ok(biggest.indexOf('Rent') < biggest.indexOf('Market<'), 'rent before the market');
});

test('choosing accounts reads only their rows, the trend chart draws one category, and bad parts get a message and a default', async (t) => {
  const { agent, main, card, cat } = await setup(t);
  const res = await agent.get(`/reports?from=2026-01&to=2026-03&account=${card}&trend=${cat('expense', 'Groceries')}`);
  // The card's records begin in February: January, before them, is not in its averages.
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Groceries'), ['$70.00', '$35.00', '—', '$70.00', '—']);
  assert.match(res.text, /Your records begin in February 2026, so monthly averages are of the 2 full months since then\./);
  assert.doesNotMatch(rowCells(res.text, 'table-expense-heading', 'Housing').join(''), /1,500/);
  assert.match(res.text, new RegExp(`category=${cat('expense', 'Groceries')}&amp;account=${card}">\\$70\\.00</a>`), 'a cell of one account links with it');
  assert.match(res.text, /<h2 id="trend-heading">Trend · Groceries<\/h2>/);
  // With two accounts of three chosen, no cell links: the list would show all accounts' rows under the cell's figure.
  await postForm(agent, '/accounts', '/accounts', { name: 'Cash', kind: 'cash', openingBalance: '', openingOn: '2025-01-01' });
  const two = await agent.get(`/reports?from=2026-01&to=2026-03&account=${main}&account=${card}`);
  assert.equal(two.status, 200);
  assert.doesNotMatch(two.text, /href="\/transactions\?from=/);
  assert.match(two.text, /With more than one account chosen, the figures are not links: the transactions list shows one account or all of them\./);
  assert.deepEqual(rowCells(two.text, 'table-expense-heading', 'Groceries'), ['$190.50', '$63.50', '$120.50', '$70.00', '—']);
  assert.match(res.text, /<circle [^>]*><title>February 2026: \$70\.00<\/title><\/circle>/);

  const bad = await agent.get('/reports?from=2026-13&to=march&account=abc&trend=x');
  assert.equal(bad.status, 200);
  assert.match(bad.text, /id="report-from-error"/);
  assert.match(bad.text, /id="report-to-error"/);
  assert.match(bad.text, /Choose among your accounts\./);
  assert.match(bad.text, /From May 2025 to April 2026/, 'the last 12 months by default');
  const backwards = await agent.get('/reports?from=2026-03&to=2026-01');
  // The message says what is shown: the 12 months up to the end month chosen.
  assert.match(backwards.text, /The end month is before the start month, so the 12 months up to the end month are shown\./);
  assert.match(backwards.text, /From February 2025 to January 2026/);
  const long = await agent.get('/reports?from=1990-01&to=2026-03');
  assert.match(long.text, /A report covers at most 20 years/);
});

test('a month outside the years reports cover says so, and a month that cannot be read is kept as typed beside its message (en and uk)', async (t) => {
  const { agent } = await setup(t);
  const range = await agent.get('/reports?from=0001-01&to=9999-12');
  assert.equal(range.status, 200);
  for (const side of ['from', 'to']) {
    assert.match(range.text, new RegExp(`id="report-${side}-error"><span aria-hidden="true">⚠ </span>Reports cover the months from 1900-01 to 2999-12; enter a month in that range\\.</p>`), side);
  }
  assert.doesNotMatch(range.text, /Enter a month as YYYY-MM/, 'the months were written as YYYY-MM');
  assert.match(range.text, /<input id="report-from" name="from" type="month" value="0001-01" min="1900-01" max="2999-12" aria-invalid="true" aria-describedby="report-from-error">/);
  assert.match(range.text, /<input id="report-to" name="to" type="month" value="9999-12" min="1900-01" max="2999-12" aria-invalid="true" aria-describedby="report-to-error">/);
  assert.match(range.text, /From May 2025 to April 2026/, 'the report shown is the default one');

  // 2026-13 is no month, which a month field cannot hold: the field is a text field holding what was typed.
  const bad = await agent.get('/reports?from=2026-13&to=2026-03');
  assert.match(bad.text, /<input id="report-from" name="from" type="text" value="2026-13" aria-invalid="true" aria-describedby="report-from-error">/);
  assert.match(bad.text, /id="report-from-error"><span aria-hidden="true">⚠ <\/span>Enter a month as YYYY-MM, for example 2026-03\.<\/p>/);
  assert.match(bad.text, /<input id="report-to" name="to" type="month" value="2026-03" min="1900-01" max="2999-12" >/);
  assert.match(bad.text, /From April 2025 to March 2026/);
  const odd = await agent.get('/reports?from=%3Cb%3E');
  assert.match(odd.text, /name="from" type="text" value="&lt;b&gt;"/, 'escaped as any text');

  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const uk = await agent.get('/reports?from=0001-01');
  assert.match(uk.text, /Звіти охоплюють місяці від 1900-01 до 2999-12; введіть місяць у цих межах\./);
});

test("the report's table exports as CSV, formula-safe, and another person's account ids change nothing", async (t) => {
  const { ctx, agent, main } = await setup(t);
  await postForm(agent, '/categories', '/categories', { kind: 'expense', name: '=HYPERLINK("x")' });
  const ann = userIdOf(ctx.db, 'ann@example.com');
  insertTransactions(ctx.db, ann, [{ accountId: main, type: 'expense', amountCents: 100, occurredOn: '2026-03-02', description: 'x', categoryId: categoryIdOf(ctx.db, ann, 'expense', '=HYPERLINK("x")') }]);
  const csv = await agent.get('/reports/export.csv?from=2026-02&to=2026-03');
  assert.equal(csv.status, 200);
  assert.match(String(csv.headers['content-disposition']), /ledgerly-report-2026-02-2026-03\.csv/);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(lines[0], 'type,category,2026-02,2026-03,total,average');
  assert.ok(lines.includes('expense,Housing,0.00,1500.00,1500.00,750.00'));
  assert.ok(lines.includes(`expense,"'=HYPERLINK(""x"")",0.00,1.00,1.00,0.50`));
  assert.ok(lines.includes('income,total,3000.00,0.00,3000.00,1500.00'));
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const theirs = await bob.get(`/reports?from=2026-01&to=2026-03&account=${main}`);
  assert.equal(theirs.status, 200);
  assert.doesNotMatch(theirs.text, /Market|1,500\.00/, "ann's rows never show in bob's report");
});

test('a range ending with the month still running averages the months that have ended, and compares both ranges up to the same day', async (t) => {
  // 15 March 2026: March is running. Groceries spent 120.50 in January and 70.00 in February (less a 10.00 refund).
  const { ctx, agent, ann, main, cat } = await setup(t, Date.UTC(2026, 2, 15, 12));
  insertTransactions(ctx.db, ann, [
    // Before the range: on the 15th of its last month (counted: the same day) and on the 16th (not yet).
    { accountId: main, type: 'expense', amountCents: 4_000, occurredOn: '2025-12-15', description: 'December market', categoryId: cat('expense', 'Groceries') },
    { accountId: main, type: 'expense', amountCents: 7_000, occurredOn: '2025-12-16', description: 'Later in December', categoryId: cat('expense', 'Groceries') },
    // Entered ahead, later this month: in March's column, not in a comparison that stops today.
    { accountId: main, type: 'expense', amountCents: 5_000, occurredOn: '2026-03-20', description: 'Booked ahead', categoryId: cat('expense', 'Groceries') },
  ]);
  const res = await agent.get('/reports?from=2026-01&to=2026-03');
  assert.equal(res.status, 200);
  // The table shows March as it stands; the averages are of January and February.
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Groceries'), ['$240.50', '$95.25', '$120.50', '$70.00', '$50.00']);
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Housing'), ['$1,500.00', '$0.00', '—', '—', '$1,500.00'], 'rent paid only in March, the running month, is in no average yet');
  assert.deepEqual(rowCells(res.text, 'table-income-heading', 'Salary'), ['$6,000.00', '$3,000.00', '$3,000.00', '$3,000.00', '—']);
  assert.match(res.text, /Monthly averages are of the 2 months of this range that have ended\. Totals include March 2026, which has not ended yet\./);
  // Compared with October to 15 December 2025: the 16 December row is left out, as 20 March is on this side.
  assert.match(res.text, /<h2 id="change-heading">Compared with Oct 1, 2025 – Dec 15, 2025<\/h2>/);
  assert.match(res.text, /both ranges count only up to the same day: this range to Mar 15, 2026, the one before to Dec 15, 2025\./);
  assert.deepEqual(rowCells(res.text, 'change-heading', 'Groceries'), ['$190.50', '$40.00', '+$150.50', '+376%']);
  assert.deepEqual(rowCells(res.text, 'change-heading', 'Expenses'), ['$1,710.51', '$40.00', '+$1,670.51', '+4,176%']);
  // The CSV has the same averages.
  const csv = (await agent.get('/reports/export.csv?from=2026-01&to=2026-03')).text.trim().split('\r\n');
  assert.ok(csv.includes('expense,Groceries,120.50,70.00,50.00,240.50,95.25'), csv.join('\n'));

  // Only the running month: no average at all, and the month before up to the same day.
  const march = await agent.get('/reports?from=2026-03&to=2026-03');
  assert.deepEqual(rowCells(march.text, 'table-expense-heading', 'Housing'), ['$1,500.00', '—', '$1,500.00']);
  assert.match(march.text, /No month of this range has ended yet, so there are no monthly averages\. Totals include March 2026, which has not ended yet\./);
  assert.match((await agent.get('/reports?from=2026-02&to=2026-05')).text, /Totals include March 2026, which has not ended yet, and the months after it\./);
  assert.match(march.text, /Compared with Feb 1, 2026 – Feb 15, 2026/);
  const marchCsv = (await agent.get('/reports/export.csv?from=2026-03&to=2026-03')).text.trim().split('\r\n');
  assert.ok(marchCsv.includes('expense,Housing,1500.00,1500.00,'), marchCsv.join('\n'));
  // A range that ended before this month is compared in whole months, with no note.
  const past = await agent.get('/reports?from=2026-01&to=2026-02');
  assert.match(past.text, /Compared with November 2025 – December 2025/);
  assert.doesNotMatch(past.text, /not over yet|have ended|not ended/);

  // In Ukrainian the notes are Ukrainian.
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const uk = await agent.get('/reports?from=2026-01&to=2026-03');
  assert.match(uk.text, /Середнє за місяць розраховано за 2 місяці цього періоду, що вже минули\. Суми «Разом» враховують і березень 2026 р\., що ще не скінчився\./);
  assert.match(uk.text, /Цей місяць ще триває/);
});

test('a range holding this month but ending later is compared to date too: months still to come count nothing on either side', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 3, 10, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  insertTransactions(ctx.db, ann, [
    { type: 'expense', amountCents: 800, occurredOn: '2026-02-03', description: 'February, to the 10th' },
    { type: 'expense', amountCents: 3_000, occurredOn: '2026-02-20', description: 'February, later' },
    { type: 'expense', amountCents: 10_000, occurredOn: '2026-03-20', description: 'March' },
    { type: 'expense', amountCents: 2_000, occurredOn: '2026-04-05', description: 'April so far' },
    { type: 'expense', amountCents: 5_000, occurredOn: '2026-04-15', description: 'Booked ahead' },
  ]);
  // April and May against February and March, to date: the range's first ten days of April against the first ten
  // of February, its place in the range before. April's rest and May count nothing yet, nor do February's rest and March.
  const html = (await agent.get('/reports?from=2026-04&to=2026-05')).text;
  assert.match(html, /<h2 id="change-heading">Compared with Feb 1, 2026 – Feb 10, 2026<\/h2>/);
  assert.match(html, /This month is not over yet, so both ranges count only up to the same day: this range to Apr 10, 2026, the one before to Feb 10, 2026\./);
  assert.deepEqual(rowCells(html, 'change-heading', 'Expenses'), ['$20.00', '$8.00', '+$12.00', '+150%']);
});

test('on the 31st, a range is compared with a shorter month up to its last day', async (t) => {
  const { agent } = await setup(t, Date.UTC(2026, 2, 31, 12));
  const res = await agent.get('/reports?from=2026-03&to=2026-03');
  assert.match(res.text, /Compared with Feb 1, 2026 – Feb 28, 2026/);
  // February's rows (80.00 less the 10.00 refund) all count: the 28th is its last day.
  assert.deepEqual(rowCells(res.text, 'change-heading', 'Groceries'), ['$0.00', '$70.00', '−$70.00', '−100%']);
});

test('the biggest expenses are the same whether the range is sorted (few rows) or read from the largest down (many rows)', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  // 25,000 expenses over two years, above the 20,000 at which the report stops sorting and walks down from the largest.
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  insertTransactions(ctx.db, ann, Array.from({ length: 25_000 }, (_, i) => ({
    type: 'expense' as const,
    amountCents: 1 + (next() % 500_000),
    occurredOn: `${2024 + (i % 2)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    description: `row ${i}`,
    categoryId: null,
  })));
  const expected = (from: string, to: string) =>
    ctx.db
      .prepare<[number, string, string], { description: string }>(
        "SELECT description FROM transactions WHERE user_id = ? AND type = 'expense' AND occurred_on BETWEEN ? AND ? ORDER BY amount_cents DESC, id DESC LIMIT 10",
      )
      .all(ann, from, to)
      .map((r) => r.description);
  const shown = (html: string) => [...html.slice(html.indexOf('id="biggest-heading"')).matchAll(/<td class="tx__desc">([^<]+)<\/td>/g)].map((m) => m[1]!);
  // Two years: 25,000 rows in range, read from the largest down.
  assert.deepEqual(shown((await agent.get('/reports?from=2024-01&to=2025-12')).text), expected('2024-01-01', '2025-12-31'));
  // One month: about a thousand rows, sorted.
  assert.deepEqual(shown((await agent.get('/reports?from=2025-06&to=2025-06')).text), expected('2025-06-01', '2025-06-30'));
  // No expense in range: nothing, without reading any row.
  assert.match((await agent.get('/reports?from=2026-01&to=2026-02')).text, /No expenses in this range\./);
});

test('the categories that changed most come first, falls and rises alike', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 3, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const cat = (name: string) => categoryIdOf(ctx.db, ann, 'expense', name);
  insertTransactions(ctx.db, ann, [
    { type: 'expense', amountCents: 100_000, occurredOn: '2026-02-03', description: 'Rent before', categoryId: cat('Housing') },
    { type: 'expense', amountCents: 10_000, occurredOn: '2026-03-03', description: 'Rent now', categoryId: cat('Housing') },
    { type: 'expense', amountCents: 5_000, occurredOn: '2026-02-04', description: 'Food before', categoryId: cat('Groceries') },
    { type: 'expense', amountCents: 6_000, occurredOn: '2026-03-04', description: 'Food now', categoryId: cat('Groceries') },
    { type: 'expense', amountCents: 20_000, occurredOn: '2026-03-05', description: 'Night out', categoryId: cat('Eating out') },
  ]);
  const html = (await agent.get('/reports?from=2026-03&to=2026-03')).text;
  const section = html.slice(html.indexOf('id="change-heading"'), html.indexOf('</section>', html.indexOf('id="change-heading"')));
  const order = [...section.matchAll(/<tr><th scope="row">([^<]+)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(order, ['Housing', 'Eating out', 'Groceries'], '-900.00, then +200.00, then +10.00');
  assert.deepEqual(rowCells(html, 'change-heading', 'Housing'), ['$100.00', '$1,000.00', '−$900.00', '−90%']);
});

test('a change under half a percent reads "+<1%", not "0%", which would say nothing changed', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 3, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const salary = categoryIdOf(ctx.db, ann, 'income', 'Salary');
  insertTransactions(ctx.db, ann, [
    { type: 'income', amountCents: 300_000, occurredOn: '2026-02-01', description: 'Pay', categoryId: salary },
    { type: 'income', amountCents: 301_234, occurredOn: '2026-03-01', description: 'Pay', categoryId: salary },
    { type: 'expense', amountCents: 10_000, occurredOn: '2026-02-02', description: 'Food' },
    { type: 'expense', amountCents: 10_000, occurredOn: '2026-03-02', description: 'Food' },
  ]);
  const html = (await agent.get('/reports?from=2026-03&to=2026-03')).text;
  assert.deepEqual(rowCells(html, 'change-heading', 'Income'), ['$3,012.34', '$3,000.00', '+$12.34', '+&lt;1%']);
  assert.deepEqual(rowCells(html, 'change-heading', 'Expenses'), ['$100.00', '$100.00', '$0.00', '0%'], 'no change is still 0%');
});

test('nothing on either side is a dash, not "new"; the uncategorised expense cell lists expenses only, not uncategorised income', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 3, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const empty = (await agent.get('/reports?from=2026-03&to=2026-03')).text;
  assert.deepEqual(rowCells(empty, 'change-heading', 'Income'), ['$0.00', '$0.00', '$0.00', '—']);
  insertTransactions(ctx.db, ann, [
    { type: 'income', amountCents: 2_500, occurredOn: '2026-02-03', description: 'Gift' },
    { type: 'expense', amountCents: 1_000, occurredOn: '2026-02-04', description: 'Kiosk' },
  ]);
  const html = (await agent.get('/reports?from=2026-02&to=2026-02')).text;
  const link = /<a href="([^"]+)">\$10\.00<\/a>/.exec(html.slice(html.indexOf('id="table-expense-heading"')))![1]!.replaceAll('&amp;', '&');
  assert.equal(link, '/transactions?from=2026-02-01&to=2026-02-28&category=none&type=expense');
  const listed = (await agent.get(link)).text;
  assert.match(listed, /Kiosk/);
  assert.doesNotMatch(listed, /Gift/, 'the income counted as income is not behind the expense cell');
});

test('a person who began in the middle of a range is averaged over their own months, on the page and in the CSV, in both languages', async (t) => {
  // Bea's first row is in October 2026; it is mid-January 2027, and she looks at the whole of 2026.
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2027, 0, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'bea@example.com');
  const bea = userIdOf(ctx.db, 'bea@example.com');
  const main = accountIdOf(ctx.db, bea, 'Main account');
  const groceries = categoryIdOf(ctx.db, bea, 'expense', 'Groceries');
  insertTransactions(ctx.db, bea, [
    { accountId: main, type: 'expense', amountCents: 30_000, occurredOn: '2026-10-20', description: 'Market', categoryId: groceries },
    { accountId: main, type: 'expense', amountCents: 30_000, occurredOn: '2026-11-20', description: 'Market', categoryId: groceries },
    { accountId: main, type: 'expense', amountCents: 30_001, occurredOn: '2026-12-20', description: 'Market', categoryId: groceries },
  ]);
  const res = await agent.get('/reports?from=2026-01&to=2026-12');
  // Three months of 300.00 and one cent: 300.00 a month, not the 75.00 that twelve months would make of it.
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Groceries').slice(0, 2), ['$900.01', '$300.00']);
  assert.deepEqual(rowCells(res.text, 'table-expense-heading', 'Total').slice(0, 2), ['$900.01', '$300.00']);
  assert.match(res.text, /Your records begin in October 2026, so monthly averages are of the 3 full months since then\./);
  // The year before holds nothing of hers: the comparison says why every line is new.
  assert.match(res.text, /Your records begin in October 2026, after the earlier range ends, so there is nothing to compare with: every line shows “new”\./);
  assert.doesNotMatch((await agent.get('/reports?from=2026-11&to=2026-12')).text, /nothing there to compare with/, 'October is before November: there is');
  const csv = await agent.get('/reports/export.csv?from=2026-01&to=2026-12');
  assert.match(csv.text, /^expense,Groceries,(0\.00,){9}300\.00,300\.00,300\.01,900\.01,300\.00$/m);

  // In Ukrainian, the month as a date names it after "from".
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const uk = await agent.get('/reports?from=2026-01&to=2026-12');
  assert.match(uk.text, /Записи починаються з жовтня 2026 р\., тож середнє за місяць розраховано за 3 повні місяці, що минули відтоді\./);
  assert.match(uk.text, /Записи починаються з жовтня 2026 р\., уже після кінця попереднього періоду, тож порівнювати немає з чим: у кожному рядку — «з нуля»\./);

  // Her first month still running: no month of hers has ended, so there is no average, and the page says why.
  ctx.clock.set(Date.UTC(2026, 9, 25, 12));
  const october = await agent.get('/reports?from=2026-01&to=2026-10');
  assert.match(october.text, /Записи починаються з жовтня 2026 р\., а цей місяць ще не скінчився, тож середніх за місяць немає\./);
  const [total, average] = rowCells(october.text, 'table-expense-heading', 'Разом');
  assert.equal(total?.replace(/\s/g, ' '), '300,00 USD');
  assert.equal(average, '—');
});
