import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestContext, postForm, registerUser, type Agent, type TestContext } from '../helpers/app.ts';
import { accountIdOf, assertAccountTotalsMatchRows, assertMonthlyTotalsMatchRows, categoryIdOf, flashFrom, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { csrfFrom } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { importCsv, finishedPage, upload } from '../helpers/csv-import.ts';
import { ofx1 } from '../helpers/statement-fixtures.ts';

const blank = { textMatch: 'contains', text: '', amountFrom: '', amountTo: '', type: '', account: '', category: '', transfer: '', rename: '' };

async function setup(t: { after: (fn: () => unknown) => void }) {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 20, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const cat = (name: string, kind: 'income' | 'expense' = 'expense') => categoryIdOf(ctx.db, userId, kind, name);
  return { ctx, agent, userId, cat };
}
const addRule = (agent: Agent, fields: Partial<typeof blank>) => postForm(agent, '/rules', '/rules', { ...blank, ...fields });

/** Ann with a Savings account beside her Main account; how many transfers she has, and each account's balance from its rows. */
async function setupWithSavings(t: { after: (fn: () => unknown) => void }) {
  const base = await setup(t);
  await postForm(base.agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const { ctx, userId } = base;
  return {
    ...base,
    main: accountIdOf(ctx.db, userId, 'Main account'),
    savings: accountIdOf(ctx.db, userId, 'Savings'),
    transfers: () => ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(userId),
    balance: (account: number) =>
      ctx.db.prepare("SELECT sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END) FROM transactions WHERE account_id = ?").pluck().get(account),
  };
}

/** Rules naming each side of a transfer as YNAB writes it: "Transfer : Savings" in Main, "Transfer : Main account" in Savings. */
async function ynabTransferRules(agent: Agent, main: number, savings: number) {
  assert.equal((await addRule(agent, { textMatch: 'equals', text: 'Transfer : Savings', transfer: String(savings) })).status, 303);
  assert.equal((await addRule(agent, { textMatch: 'equals', text: 'Transfer : Main account', transfer: String(main) })).status, 303);
}

/** Previews a run of the rules over the uncategorised rows between two days, applies it, and returns the preview page. */
async function runRules(agent: Agent, from: string, to: string): Promise<string> {
  const preview = await agent.get(`/rules/run?from=${from}&to=${to}&scope=uncategorised`);
  const applied = await agent.post('/rules/run').type('form').send({ _csrf: csrfFrom(preview.text), from, to, scope: 'uncategorised', digest: /name="digest" value="([\w-]{22})"/.exec(preview.text)![1]! });
  assert.equal(applied.status, 303);
  return preview.text;
}
const ruleIds = (ctx: TestContext, userId: number) => ctx.db.prepare('SELECT id FROM rules WHERE user_id = ? ORDER BY position').pluck().all(userId) as number[];
const added = (ctx: TestContext, description: string) => ctx.db.prepare<[string], { description: string; category: string | null }>('SELECT t.description, c.name AS category FROM transactions t LEFT JOIN categories c ON c.id = t.category_id WHERE t.description = ? OR t.id = (SELECT max(id) FROM transactions)').all(description);

describe('rules', () => {
  test('rules are added, shown in words, edited, moved and deleted; a rule must look for something and do something', async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    const none = await addRule(agent, {});
    assert.equal(none.status, 422);
    assert.match(none.text, /Give the rule something to look for/);
    assert.match(none.text, /Give the rule something to do/);
    const backwards = await addRule(agent, { amountFrom: '20', amountTo: '10', category: String(cat('Groceries')) });
    assert.equal(backwards.status, 422);
    assert.match(backwards.text, /id="rule-amountTo-error"[\s\S]*The second amount must not be below the first/);
    // A description never holds a control character, so a rule looking for one could never match.
    const control = await addRule(agent, { text: 'bell\u0007', category: String(cat('Groceries')) });
    assert.equal(control.status, 422);
    assert.match(control.text, /The text to look for cannot hold control characters\./);
    assert.equal(ruleIds(ctx, userId).length, 0, 'nothing saved');

    assert.equal((await addRule(agent, { text: 'amzn', category: String(cat('Eating out')), rename: 'Amazon' })).status, 303);
    assert.equal((await addRule(agent, { textMatch: 'starts', text: 'Tesco', amountFrom: '10', amountTo: '99.99', type: 'expense', category: String(cat('Groceries')) })).status, 303);
    const page = (await agent.get('/rules')).text;
    assert.match(page, /description contains “amzn”<\/td>\s*<td>category Eating out · rename to “Amazon”/);
    assert.match(page, /description starts with “Tesco” · amount \$10\.00 to \$99\.99 · an expense/);

    const [first, second] = ruleIds(ctx, userId) as [number, number];
    assert.equal((await postForm(agent, '/rules', `/rules/${second}/move`, { direction: 'up' })).status, 303);
    assert.deepEqual(ruleIds(ctx, userId), [second, first]);
    const edited = await postForm(agent, `/rules/${first}/edit`, `/rules/${first}/edit`, { ...blank, text: 'amazon', category: String(cat('Eating out')) });
    assert.equal(edited.status, 303);
    assert.match((await agent.get('/rules')).text, /description contains “amazon”<\/td>\s*<td>category Eating out<\/td>/);
    const csv = await agent.get('/rules/export.csv');
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="?ledgerly-rules-2026-03-20\.csv"?/);
    assert.equal(csv.text, 'order,match,text,amount_from,amount_to,type,account,category,transfer_to,rename\r\n1,starts,Tesco,10.00,99.99,expense,,Groceries,,\r\n2,contains,amazon,,,,,Eating out,,\r\n');
    assert.equal((await postForm(agent, '/rules', `/rules/${first}/delete`, {})).status, 303);
    assert.deepEqual(ruleIds(ctx, userId), [second]);
  });

  test('a way of comparing or a type that is not one of the choices is marked on its select, with its message, the rest kept', async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    const res = await addRule(agent, { textMatch: 'regex', text: 'amzn', category: String(cat('Groceries')) });
    assert.equal(res.status, 422);
    assert.match(res.text, /Please fix the highlighted field; nothing was saved\./);
    assert.match(res.text, /<select id="rule-textMatch" name="textMatch" aria-invalid="true" aria-describedby="rule-textMatch-error">/);
    assert.match(res.text, /<p class="field__error" id="rule-textMatch-error"><span aria-hidden="true">⚠ <\/span>Choose how the description is compared\.<\/p>/);
    assert.match(res.text, /id="rule-text" name="text"[^>]*value="amzn"/, 'what was typed is kept');
    const type = await addRule(agent, { type: 'refund', text: 'amzn', category: String(cat('Groceries')) });
    assert.equal(type.status, 422);
    assert.match(type.text, /<select id="rule-type" name="type" aria-invalid="true" aria-describedby="rule-type-error">/);
    assert.match(type.text, /<p class="field__error" id="rule-type-error"><span aria-hidden="true">⚠ <\/span>/);
    assert.equal(ruleIds(ctx, userId).length, 0, 'nothing saved');
  });

  test('deleting a rule asks first, on a page of its own that says what the rule does and that the rows it changed stay; they do', async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    assert.equal((await addRule(agent, { text: 'amzn', category: String(cat('Eating out')), rename: 'Amazon' })).status, 303);
    const [id] = ruleIds(ctx, userId) as [number];
    insertTransactions(ctx.db, userId, [{ type: 'expense', amountCents: 1_999, occurredOn: '2026-03-02', description: 'AMZN MKTP' }]);
    await runRules(agent, '2026-03-01', '2026-03-31');
    assert.deepEqual(added(ctx, 'Amazon')[0], { description: 'Amazon', category: 'Eating out' });

    // The list's Delete is a link to the question, not a button that deletes.
    const list = (await agent.get('/rules')).text;
    assert.match(list, new RegExp(`<a class="button button--small button--danger-quiet" href="/rules/${id}/delete" aria-label="Delete rule 1">Delete</a>`));
    assert.doesNotMatch(list, new RegExp(`action="/rules/${id}/delete"`));
    const question = await agent.get(`/rules/${id}/delete`);

    assert.equal(question.status, 200);
    assert.match(question.text, /<h1>Delete rule 1\?<\/h1>/);
    assert.match(question.text, /<dt>When<\/dt><dd>description contains “amzn”<\/dd>/);
    assert.match(question.text, /<dt>Then<\/dt><dd>category Eating out · rename to “Amazon”<\/dd>/);
    assert.match(question.text, /The transactions it already changed stay as they are: their category, transfer and description\./);
    assert.deepEqual(ruleIds(ctx, userId), [id], 'asking deletes nothing');

    const deleted = await agent.post(`/rules/${id}/delete`).type('form').send({ _csrf: csrfFrom(question.text) });

    assert.equal(deleted.status, 303);
    assert.equal(flashFrom((await agent.get('/rules')).text), 'Rule deleted.');
    assert.deepEqual(ruleIds(ctx, userId), []);
    assert.deepEqual(added(ctx, 'Amazon')[0], { description: 'Amazon', category: 'Eating out' }, 'the row it changed stays as it is');
  });

  test("a rule may only name the person's own category and account; another person's rule is 404", async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobsCategory = categoryIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'expense', 'Groceries');
    const refused = await addRule(agent, { text: 'x', category: String(bobsCategory) });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /id="rule-category-error"/);
    await addRule(agent, { text: 'x', category: String(cat('Groceries')) });
    const [mine] = ruleIds(ctx, userId);
    assert.equal((await bob.get(`/rules/${mine}/edit`)).status, 404);
    assert.equal((await postForm(bob, '/rules', `/rules/${mine}/delete`, {})).status, 404);
    assert.equal(ruleIds(ctx, userId).length, 1);
  });

  test('an add without a category gets the first matching rule\'s category and new description; one with a category keeps it', async (t) => {
    const { ctx, agent, cat } = await setup(t);
    await addRule(agent, { text: 'amzn prime', category: String(cat('Eating out')) });
    await addRule(agent, { text: 'AMZN', category: String(cat('Groceries')), rename: 'Amazon' });
    const add = (description: string, category = '') => postForm(agent, '/transactions/new', '/transactions', { type: 'expense', amount: '12.00', date: '2026-03-20', description, category });
    await add('AMZN Prime Video');
    assert.deepEqual(added(ctx, 'Amazon').at(-1), { description: 'Amazon', category: 'Eating out' }, 'the first rule sets the category, the second the description');
    await add('amzn mktp us*2k4');
    assert.deepEqual(added(ctx, 'Amazon').at(-1), { description: 'Amazon', category: 'Groceries' });
    await add('AMZN chosen', String(cat('Housing')));
    assert.deepEqual(added(ctx, 'AMZN chosen').at(-1), { description: 'AMZN chosen', category: 'Housing' }, 'a chosen category is left alone, and so is its description');
  });

  test("a rule whose category cannot go on the row (an income category on an expense) lets the next rule place it", async (t) => {
    const { ctx, agent, cat } = await setup(t);
    assert.equal((await addRule(agent, { text: 'PAYPAL', category: String(cat('Other income', 'income')) })).status, 303);
    assert.equal((await addRule(agent, { text: 'PAYPAL *SHOP', category: String(cat('Entertainment')) })).status, 303);
    await postForm(agent, '/transactions/new', '/transactions', { type: 'expense', amount: '12.00', date: '2026-03-20', description: 'PAYPAL *SHOP 42', category: '' });
    assert.deepEqual(added(ctx, 'PAYPAL *SHOP 42').at(-1), { description: 'PAYPAL *SHOP 42', category: 'Entertainment' });
    await postForm(agent, '/transactions/new', '/transactions', { type: 'income', amount: '30.00', date: '2026-03-20', description: 'PAYPAL payout', category: '' });
    assert.deepEqual(added(ctx, 'PAYPAL payout').at(-1), { description: 'PAYPAL payout', category: 'Other income' }, 'an income still takes the first rule');
  });

  test('imports run the rules: the preview says which rows they set, and the rows are written so', async (t) => {
    const { ctx, agent, cat } = await setup(t);
    await addRule(agent, { text: 'corner market', category: String(cat('Groceries')), rename: 'Corner Market' });
    const statement = ofx1({ account: { number: '123' }, entries: [{ day: '2026-03-10', cents: -4_550, name: 'CORNER MARKET #42', memo: '', bankId: 'F-1' }, { day: '2026-03-11', cents: -990, name: 'Cinema', memo: '', bankId: 'F-2' }] });
    const up = await upload(agent, statement);
    const page = (await agent.get(up.headers.location!)).text;
    assert.match(page, /Corner Market <span class="import-row__was">CORNER MARKET #42<\/span><\/td>\s*<td[^>]*>Groceries<\/td>\s*<td[^>]*><span class="import-tag">set by your rules<\/span>/);
    const posted = await postForm(agent, up.headers.location!, up.headers.location!, { account: /<option value="(\d+)" selected>/.exec(page)![1]! });
    await finishedPage(agent, posted.headers.location!);
    assert.deepEqual(added(ctx, 'Corner Market')[0], { description: 'Corner Market', category: 'Groceries' });

    const csv = await importCsv(agent, 'date,amount,description\n2026-03-12,-3.20,corner market (2)\n');
    assert.match(csv.preview, /set by your rules/);
    assert.deepEqual(added(ctx, 'Corner Market').map((r) => r.category), ['Groceries', 'Groceries']);
  });

  test('setting a category on an imported row that no rule covers offers a rule, pre-filled; taken up, it categorises the next statement', async (t) => {
    const { ctx, agent, cat } = await setup(t);
    const march = ofx1({ account: { number: '123' }, entries: [{ day: '2026-03-10', cents: -4_550, name: 'CORNER MARKET', memo: '', bankId: 'F-1' }] });
    const up = await upload(agent, march);
    const page = (await agent.get(up.headers.location!)).text;
    const account = /<option value="(\d+)" selected>/.exec(page)![1]!;
    await finishedPage(agent, (await postForm(agent, up.headers.location!, up.headers.location!, { account })).headers.location!);
    const id = Number(ctx.db.prepare("SELECT id FROM transactions WHERE description = 'CORNER MARKET'").pluck().get());
    const edit = (category: string) => postForm(agent, `/transactions/${id}/edit`, `/transactions/${id}/edit`, { account, type: 'expense', amount: '45.50', date: '2026-03-10', description: 'CORNER MARKET', category, back: '/transactions' });
    const saved = await edit(String(cat('Groceries')));
    assert.equal(saved.status, 303);
    const after = (await agent.get(saved.headers.location!)).text;
    assert.match(after, /Saved\. Always put “CORNER MARKET” in Groceries\? <a href="\/rules\?text=CORNER\+MARKET&amp;category=\d+">Make it a rule<\/a>/);
    const offer = /href="(\/rules\?[^"]+)"/.exec(after)![1]!.replace(/&amp;/g, '&');
    const form = (await agent.get(offer)).text;
    assert.match(form, /id="rule-text"[^>]*value="CORNER MARKET"/);
    assert.match(form, new RegExp(`<option value="${cat('Groceries')}" selected>Groceries</option>`));
    assert.equal((await addRule(agent, { text: 'CORNER MARKET', category: String(cat('Groceries')) })).status, 303);
    // Setting it again, now that a rule covers it, offers nothing.
    await edit(String(cat('Eating out')));
    assert.doesNotMatch((await agent.get('/transactions')).text, /Make it a rule/);

    // The next statement: the overlap (March) is skipped, April's row is categorised by the rule.
    const april = ofx1({ account: { number: '123' }, entries: [{ day: '2026-03-10', cents: -4_550, name: 'CORNER MARKET', memo: '', bankId: 'F-1' }, { day: '2026-04-02', cents: -3_000, name: 'Corner Market', memo: '', bankId: 'F-2' }] });
    const next = await upload(agent, april);
    const nextPage = (await agent.get(next.headers.location!)).text;
    assert.match(nextPage, /1 entry was imported before and will be skipped; 1 new will be imported\./);
    const done = await finishedPage(agent, (await postForm(agent, next.headers.location!, next.headers.location!, { account })).headers.location!);
    assert.match(done, /<strong>1<\/strong> transaction was imported/);
    assert.deepEqual(ctx.db.prepare("SELECT c.name FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.occurred_on = '2026-04-02'").pluck().all(), ['Groceries']);
  });

  test('a rule marks a row as a transfer: written as one (never income or expense), its leg keeps the bank id, and the next import skips it', async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    await postForm(agent, '/accounts', '/accounts', { name: 'Visa', kind: 'credit_card', openingBalance: '', openingOn: '' });
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    const visa = accountIdOf(ctx.db, userId, 'Visa');
    const savings = accountIdOf(ctx.db, userId, 'Savings');
    // A category and a transfer at once is refused beside the field; an archived account is not offered nor taken.
    const both = await addRule(agent, { text: 'visa', category: String(cat('Groceries')), transfer: String(visa) });
    assert.equal(both.status, 422);
    assert.match(both.text, /id="rule-transfer-error"[^>]*>[\s\S]*A transfer has no category/);
    assert.equal(ruleIds(ctx, userId).length, 0);
    assert.equal((await addRule(agent, { text: 'visa payment', transfer: String(visa), rename: 'Visa payment' })).status, 303);
    assert.equal((await addRule(agent, { text: 'from savings', type: 'income', transfer: String(savings) })).status, 303);
    assert.match((await agent.get('/rules')).text, /description contains “visa payment”<\/td>\s*<td>transfer with Visa · rename to “Visa payment”/);

    const statement = ofx1({
      account: { number: '555' },
      entries: [
        { day: '2026-03-10', cents: -25_000, name: 'VISA PAYMENT THANK YOU', memo: '', bankId: 'T-1' },
        { day: '2026-03-11', cents: 10_000, name: 'From savings', memo: '', bankId: 'T-2' },
        { day: '2026-03-12', cents: -990, name: 'Cinema', memo: '', bankId: 'T-3' },
      ],
    });
    const up = await upload(agent, statement);
    const page = (await agent.get(up.headers.location!)).text;
    assert.match(page, /Visa payment <span class="import-row__was">VISA PAYMENT THANK YOU<\/span><\/td>\s*<td[^>]*>transfer with Visa<\/td>/);
    const main = /<option value="(\d+)" selected>/.exec(page)![1]!;
    const done = await finishedPage(agent, (await postForm(agent, up.headers.location!, up.headers.location!, { account: main })).headers.location!);
    assert.match(done, /<strong>3<\/strong> transactions were imported/);
    assert.match(done, /2 rows became transfers by your rules\./);
    const rows = ctx.db
      .prepare('SELECT account_id AS account, type, amount_cents AS cents, description, import_key IS NOT NULL AS keyed FROM transactions WHERE user_id = ? ORDER BY occurred_on, account_id')
      .all(userId);
    assert.deepEqual(rows, [
      { account: Number(main), type: 'transfer_out', cents: 25_000, description: 'Visa payment', keyed: 1 },
      { account: visa, type: 'transfer_in', cents: 25_000, description: 'Visa payment', keyed: 0 },
      { account: Number(main), type: 'transfer_in', cents: 10_000, description: 'From savings', keyed: 1 },
      { account: savings, type: 'transfer_out', cents: 10_000, description: 'From savings', keyed: 0 },
      { account: Number(main), type: 'expense', cents: 990, description: 'Cinema', keyed: 1 },
    ]);
    // Transfers are never income or expense: March's totals hold the cinema alone.
    assert.deepEqual(ctx.db.prepare("SELECT type, sum(total_cents) AS cents FROM monthly_totals WHERE user_id = ? AND month = '2026-03' GROUP BY type").all(userId), [{ type: 'expense', cents: 990 }]);
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);

    // The same statement again imports nothing, the transfers included.
    const again = await upload(agent, statement);
    const second = await finishedPage(agent, (await postForm(agent, again.headers.location!, again.headers.location!, { account: main })).headers.location!);
    assert.match(second, /Nothing new: every entry of this statement was imported before\./);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId), 5);

    // A CSV row with no category goes the same way; the file's own category wins over a rule.
    await importCsv(agent, 'date,amount,description,category\n2026-03-15,-50.00,visa payment,\n2026-03-16,-60.00,visa payment,Groceries\n');
    assert.deepEqual(
      ctx.db.prepare("SELECT type, amount_cents AS cents FROM transactions WHERE user_id = ? AND occurred_on >= '2026-03-15' ORDER BY occurred_on, type").all(userId),
      [{ type: 'transfer_in', cents: 5_000 }, { type: 'transfer_out', cents: 5_000 }, { type: 'expense', cents: 6_000 }],
    );
  });

  test("a transfer imported from both banks' files is one transfer: the second file's row is matched to the first's leg, a few days apart too; a transfer typed by hand likewise", async (t) => {
    const { ctx, agent, userId, main, savings, transfers, balance } = await setupWithSavings(t);
    assert.equal((await addRule(agent, { text: 'to savings', transfer: String(savings) })).status, 303);
    assert.equal((await addRule(agent, { text: 'from main', transfer: String(main) })).status, 303);

    // The checking account's file first: two transfers out.
    const first = await importCsv(agent, 'date,amount,description\n2026-03-03,-500.00,To savings\n2026-03-10,-200.00,To savings\n', { targetAccount: String(main) });
    assert.match(first.result, /2 rows became transfers by your rules\./);
    assert.equal(transfers(), 2);
    // Then the savings account's own file: the same two, the first booked a day later by that bank, and one more.
    const savingsFile = 'date,amount,description\n2026-03-04,500.00,From main\n2026-03-10,200.00,From main\n2026-03-12,200.00,From main\n';
    const second = await importCsv(agent, savingsFile, { targetAccount: String(savings) });
    assert.match(second.result, /2 rows were the other side of transfers already recorded from your other accounts, and were matched to them rather than added again\./);
    assert.match(second.result, /1 row became a transfer by your rules\./);
    assert.equal(transfers(), 3, 'the third is a transfer of its own');
    assert.deepEqual([balance(main), balance(savings)], [-90_000, 90_000]);
    // The same file again: every row is held by its import key now, the matched ones too.
    const again = await importCsv(agent, savingsFile, { targetAccount: String(savings) });
    assert.match(again.result, /Nothing new/);
    assert.equal(transfers(), 3);

    // A transfer typed by hand, and then the savings bank's statement with it: one transfer still.
    assert.equal((await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '75.00', date: '2026-03-20', description: 'Top-up' })).status, 303);
    const statement = ofx1({ account: { number: '777' }, entries: [{ day: '2026-03-21', cents: 7_500, name: 'From main', memo: '', bankId: 'S-1' }, { day: '2026-03-21', cents: -1_000, name: 'Fee', memo: '', bankId: 'S-2' }] });
    const up = await upload(agent, statement);
    const done = await finishedPage(agent, (await postForm(agent, up.headers.location!, up.headers.location!, { account: String(savings) })).headers.location!);
    assert.match(done, /<strong>1<\/strong> transaction was imported/);
    assert.match(done, /1 row was the other side of a transfer already recorded from your other account/);
    assert.equal(transfers(), 4);
    assert.deepEqual([balance(main), balance(savings)], [-97_500, 96_500]);
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);
  });

  test('a file holding both accounts (YNAB, Actual) lists each transfer twice: ruled, the two rows are one transfer, and balances move once', async (t) => {
    const { ctx, agent, userId, main, savings, transfers, balance } = await setupWithSavings(t);
    await ynabTransferRules(agent, main, savings);
    // Two transfers out of Main and one back, each with its other side in Savings (one a day later), and two equal
    // transfers on one day: each side pairs with one other, never twice.
    const file = [
      'date,account,amount,description',
      '2026-03-01,Main account,3000.00,Pay',
      '2026-03-03,Main account,-500.00,Transfer : Savings',
      '2026-03-03,Savings,500.00,Transfer : Main account',
      '2026-03-05,Main account,-100.00,Transfer : Savings',
      '2026-03-05,Main account,-100.00,Transfer : Savings',
      '2026-03-05,Savings,100.00,Transfer : Main account',
      '2026-03-06,Savings,100.00,Transfer : Main account',
      '2026-03-09,Savings,-40.00,Transfer : Main account',
      '2026-03-10,Main account,40.00,Transfer : Savings',
    ].join('\n') + '\n';
    const first = await importCsv(agent, file);
    assert.match(first.result, /4 rows became transfers by your rules\./);
    assert.match(first.result, /4 rows were the other side of transfers/);
    assert.equal(transfers(), 4);
    assert.deepEqual([balance(main), balance(savings)], [300_000 - 50_000 - 20_000 + 4_000, 50_000 + 20_000 - 4_000]);
    // Every row is held now, both sides of each transfer: the same file again adds nothing.
    const again = await importCsv(agent, file);
    assert.match(again.result, /Nothing new/);
    assert.equal(transfers(), 4);

    // The two sides a page of rows apart (rows are written 2,000 at a time): the first side is written by then, and
    // the second still pairs with it, its import key put on the written leg.
    const filler = (day: string, n: number) => Array.from({ length: n }, (_, i) => `${day},Main account,0.01,Filler ${day} ${i}`);
    const long = ['date,account,amount,description', ...filler('2026-03-11', 1_500), '2026-03-12,Main account,-70.00,Transfer : Savings', ...filler('2026-03-12', 1), ...filler('2026-03-13', 600), '2026-03-14,Savings,70.00,Transfer : Main account'].join('\n') + '\n';
    const split = await importCsv(agent, long);
    assert.match(split.result, /1 row became a transfer by your rules\./);
    assert.match(split.result, /1 row was the other side of a transfer/);
    assert.equal(transfers(), 5);
    assert.match((await importCsv(agent, long)).result, /Nothing new/);
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);
  });

  test('running the rules on a history holding both sides of each transfer makes one transfer of the two rows, and says so in the preview', async (t) => {
    const { ctx, agent, userId, main, savings, transfers, balance } = await setupWithSavings(t);
    insertTransactions(ctx.db, userId, [
      { accountId: main, type: 'expense', amountCents: 50_000, occurredOn: '2026-03-03', description: 'Transfer : Savings' },
      { accountId: savings, type: 'income', amountCents: 50_000, occurredOn: '2026-03-04', description: 'Transfer : Main account' },
      { accountId: main, type: 'expense', amountCents: 2_500, occurredOn: '2026-03-08', description: 'Transfer : Savings' },
    ]);
    await ynabTransferRules(agent, main, savings);
    const preview = await runRules(agent, '2026-03-01', '2026-03-31');
    assert.match(preview, /3 of 3 transactions would change\./);
    assert.match(preview, /transfer with Main account: the other side of the one on Mar 3, 2026, not a second transfer/);
    assert.equal(transfers(), 2, 'the two sides are one transfer; the unmatched row one of its own');
    assert.deepEqual([balance(main), balance(savings)], [-52_500, 52_500]);
    assert.equal(ctx.db.prepare("SELECT count(*) FROM transactions WHERE user_id = ? AND type IN ('income', 'expense')").pluck().get(userId), 0);
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);
  });

  test('a rules run joins a transfer already recorded (a run over the month before, a transfer typed by hand) instead of making a second; an import pairs first in, first out', async (t) => {
    const { ctx, agent, userId, main, savings, transfers, balance } = await setupWithSavings(t);
    insertTransactions(ctx.db, userId, [{ accountId: main, type: 'expense', amountCents: 10_000, occurredOn: '2026-02-27', description: 'Transfer : Savings' }]);
    await ynabTransferRules(agent, main, savings);
    await runRules(agent, '2026-02-01', '2026-02-28');
    // The other side comes in after February's run made the transfer (Savings' own file, say).
    insertTransactions(ctx.db, userId, [{ accountId: savings, type: 'income', amountCents: 10_000, occurredOn: '2026-03-01', description: 'Transfer : Main account' }]);
    const march = await runRules(agent, '2026-03-01', '2026-03-31');
    assert.match(march, /transfer with Main account: the other side of the one already recorded on Feb 27, 2026, not a second transfer/);
    assert.equal(transfers(), 1, 'the transfer that crossed the month once');
    assert.deepEqual([balance(main), balance(savings)], [-10_000, 10_000]);
    // An import whose sides pair first in, first out: out on the 1st and 2nd, in on the 4th and 5th.
    const fifo = ['date,account,amount,description', '2026-04-01,Main account,-100.00,Transfer : Savings', '2026-04-02,Main account,-100.00,Transfer : Savings', '2026-04-04,Savings,100.00,Transfer : Main account', '2026-04-05,Savings,100.00,Transfer : Main account'].join('\n') + '\n';
    await importCsv(agent, fifo);
    assert.equal(transfers(), 3);
    assert.deepEqual([balance(main), balance(savings)], [-30_000, 30_000]);
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);
  });

  test("a rule making an expense a transfer pairs it with the plain income of the other side on the other account: one transfer, net worth unchanged, said in the preview", async (t) => {
    const { ctx, agent, userId, main, savings, transfers, balance } = await setupWithSavings(t);
    const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
    insertTransactions(ctx.db, userId, [
      { accountId: main, type: 'income', amountCents: 300_000, occurredOn: '2026-03-01', description: 'Salary', categoryId: salary },
      { accountId: main, type: 'expense', amountCents: 20_000, occurredOn: '2026-03-05', description: 'Move to savings' },
      { accountId: savings, type: 'income', amountCents: 20_000, occurredOn: '2026-03-05', description: 'From main' },
      // Another income of that amount on Savings, a week later: not this transfer's other side.
      { accountId: savings, type: 'income', amountCents: 20_000, occurredOn: '2026-03-12', description: 'Gift' },
    ]);
    const netWorth = () => ctx.db.prepare("SELECT sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END) FROM transactions WHERE user_id = ?").pluck().get(userId);
    assert.equal(netWorth(), 320_000);
    assert.equal((await addRule(agent, { textMatch: 'contains', text: 'Move to savings', type: 'expense', account: String(main), transfer: String(savings) })).status, 303);

    const preview = await runRules(agent, '2026-03-01', '2026-03-31');

    assert.match(preview, /1 of 3 transactions would change\./);
    assert.match(preview, /transfer with Savings: pairs with the income of Mar 5, 2026 on Savings, which becomes its other side, not a second row/);
    assert.equal(transfers(), 1);
    assert.equal(netWorth(), 320_000, 'the money moved is counted once: net worth is unchanged (it was 200 up)');
    assert.deepEqual([balance(main), balance(savings)], [280_000, 40_000]);
    const left = ctx.db.prepare("SELECT description FROM transactions WHERE user_id = ? AND type IN ('income', 'expense') ORDER BY occurred_on").pluck().all(userId);
    assert.deepEqual(left, ['Salary', 'Gift'], 'the income that was the other side became the leg; the other income stays');
    assert.equal(ctx.db.prepare("SELECT count(*) FROM transactions WHERE user_id = ? AND account_id = ? AND type = 'transfer_in' AND occurred_on = '2026-03-05'").pluck().get(userId, savings), 1);
    // Exactly once: running again finds nothing more to do.
    const again = await agent.get('/rules/run?from=2026-03-01&to=2026-03-31&scope=all');
    assert.doesNotMatch(again.text, /pairs with/);
    assert.equal(transfers(), 1);
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);
  });

  test('running the rules on existing rows: the preview changes nothing; applying changes exactly what was previewed, or nothing when it moved', async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    await postForm(agent, '/accounts', '/accounts', { name: 'Visa', kind: 'credit_card', openingBalance: '', openingOn: '' });
    const visa = accountIdOf(ctx.db, userId, 'Visa');
    const [coffee, visaPayment, reconciled, categorised, april] = insertTransactions(ctx.db, userId, [
      { type: 'expense', amountCents: 450, occurredOn: '2026-03-02', description: 'CORNER COFFEE 42' },
      { type: 'expense', amountCents: 25_000, occurredOn: '2026-03-05', description: 'VISA PAYMENT' },
      { type: 'expense', amountCents: 380, occurredOn: '2026-03-06', description: 'Coffee again' },
      { type: 'expense', amountCents: 520, occurredOn: '2026-03-07', description: 'coffee beans', categoryId: cat('Groceries') },
      { type: 'expense', amountCents: 400, occurredOn: '2026-04-01', description: 'coffee' },
    ]) as [number, number, number, number, number];
    ctx.db.prepare("UPDATE transactions SET status = 'reconciled' WHERE id = ?").run(reconciled);
    await addRule(agent, { text: 'coffee', category: String(cat('Eating out')), rename: 'Coffee' });
    await addRule(agent, { text: 'visa payment', transfer: String(visa) });
    const snapshot = () => ctx.db.prepare('SELECT id, type, account_id, description, category_id, transfer_id FROM transactions WHERE user_id = ? ORDER BY id').all(userId);
    const before = snapshot();

    const bad = await agent.get('/rules/run?from=2026-03-31&to=2026-03-01');
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="run-to-error"[^>]*>[\s\S]*The end date must not be before the start date/);

    const march = '/rules/run?from=2026-03-01&to=2026-03-31&scope=uncategorised';
    const preview = await agent.get(march);
    assert.equal(preview.status, 200);
    assert.match(preview.text, /2 of 2 transactions would change\./);
    assert.match(preview.text, /1 reconciled transaction was left out\./);
    assert.match(preview.text, /Coffee <span class="rule-run__was">CORNER COFFEE 42<\/span><\/td>\s*<td data-label="Category">Eating out <span class="rule-run__was">No category<\/span>/);
    assert.match(preview.text, /VISA PAYMENT<\/td>\s*<td data-label="Category">transfer with Visa <span class="rule-run__was">No category<\/span>/);
    assert.doesNotMatch(preview.text, /coffee beans|Coffee again/, 'neither the categorised nor the reconciled row');
    assert.deepEqual(snapshot(), before, 'a preview changes nothing');

    // A forged or old digest changes nothing and shows the preview again.
    const forged = await postForm(agent, march, '/rules/run', { from: '2026-03-01', to: '2026-03-31', scope: 'uncategorised', digest: 'A'.repeat(22) });
    assert.equal(forged.status, 409);
    assert.match(forged.text, /changed since that preview, so nothing was changed/);
    assert.deepEqual(snapshot(), before);

    // A row edited between the preview and the apply: the digest no longer holds, nothing changes.
    const digest = /name="digest" value="([\w-]{22})"/.exec(preview.text)![1]!;
    ctx.db.prepare("UPDATE transactions SET description = 'CORNER COFFEE 43' WHERE id = ?").run(coffee);
    const moved = await agent.post('/rules/run').type('form').send({ _csrf: csrfFrom(preview.text), from: '2026-03-01', to: '2026-03-31', scope: 'uncategorised', digest });
    assert.equal(moved.status, 409);
    assert.match(moved.text, /CORNER COFFEE 43/);
    const changedSince = snapshot();

    const fresh = /name="digest" value="([\w-]{22})"/.exec(moved.text)![1]!;
    const applied = await agent.post('/rules/run').type('form').send({ _csrf: csrfFrom(moved.text), from: '2026-03-01', to: '2026-03-31', scope: 'uncategorised', digest: fresh });
    assert.equal(applied.status, 303);
    assert.equal(flashFrom((await agent.get(applied.headers.location!)).text), '2 transactions were changed by your rules.');
    const after = ctx.db.prepare('SELECT id, type, account_id AS account, description, category_id AS category FROM transactions WHERE user_id = ? ORDER BY occurred_on, account_id').all(userId);
    assert.deepEqual(after, [
      { id: coffee, type: 'expense', account: 1, description: 'Coffee', category: cat('Eating out') },
      { id: (after[1] as { id: number }).id, type: 'transfer_out', account: 1, description: 'VISA PAYMENT', category: null },
      { id: (after[2] as { id: number }).id, type: 'transfer_in', account: visa, description: 'VISA PAYMENT', category: null },
      { id: reconciled, type: 'expense', account: 1, description: 'Coffee again', category: null },
      { id: categorised, type: 'expense', account: 1, description: 'coffee beans', category: cat('Groceries') },
      { id: april, type: 'expense', account: 1, description: 'coffee', category: null },
    ]);
    assert.notDeepEqual(after, changedSince);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE id = ?').pluck().get(visaPayment), 0, 'the expense became the transfer');
    assertMonthlyTotalsMatchRows(ctx.db);
    assertAccountTotalsMatchRows(ctx.db);

    // All rows: the rules replace a category set before; running again then changes nothing.
    const all = await agent.get('/rules/run?from=2026-03-01&to=2026-04-30&scope=all');
    assert.match(all.text, /2 of 3 transactions would change\./);
    const applyAll = await agent.post('/rules/run').type('form').send({ _csrf: csrfFrom(all.text), from: '2026-03-01', to: '2026-04-30', scope: 'all', digest: /name="digest" value="([\w-]{22})"/.exec(all.text)![1]! });
    assert.equal(applyAll.status, 303);
    assert.deepEqual(ctx.db.prepare('SELECT category_id FROM transactions WHERE id IN (?, ?) ORDER BY id').pluck().all(categorised, april), [cat('Eating out'), cat('Eating out')]);
    assert.match((await agent.get('/rules/run?from=2026-03-01&to=2026-04-30&scope=all')).text, /Your rules change nothing on the 3 transactions in this range\./);
  });

  test('with no rule, the category most used for the same cleaned description is suggested: imports take it, the edit form offers it', async (t) => {
    const { ctx, agent, userId, cat } = await setup(t);
    const [, , , bare] = insertTransactions(ctx.db, userId, [
      { type: 'expense', amountCents: 4_000, occurredOn: '2026-02-01', description: 'CORNER MARKET #42', categoryId: cat('Groceries') },
      { type: 'expense', amountCents: 1_500, occurredOn: '2026-02-08', description: 'Corner Market 0007', categoryId: cat('Groceries') },
      { type: 'expense', amountCents: 2_000, occurredOn: '2026-02-15', description: 'corner market', categoryId: cat('Eating out') },
      { type: 'expense', amountCents: 900, occurredOn: '2026-02-20', description: 'CORNER MARKET 3' },
    ]) as [number, number, number, number];
    await addRule(agent, { text: 'cinema', category: String(cat('Eating out')) });

    const statement = ofx1({
      account: { number: '9' },
      entries: [
        { day: '2026-03-10', cents: -4_550, name: 'CORNER MARKET #99', memo: '', bankId: 'S-1' },
        { day: '2026-03-11', cents: -1_200, name: 'Cinema Corner Market', memo: '', bankId: 'S-2' },
        { day: '2026-03-12', cents: -700, name: 'Bakery', memo: '', bankId: 'S-3' },
      ],
    });
    const up = await upload(agent, statement);
    const page = (await agent.get(up.headers.location!)).text;
    assert.match(page, /CORNER MARKET #99<\/td>\s*<td[^>]*>Groceries<\/td>\s*<td[^>]*><span class="import-tag">suggested from your history<\/span>/);
    assert.match(page, /Cinema Corner Market<\/td>\s*<td[^>]*>Eating out<\/td>\s*<td[^>]*><span class="import-tag">set by your rules<\/span>/);
    await finishedPage(agent, (await postForm(agent, up.headers.location!, up.headers.location!, { account: /<option value="(\d+)" selected>/.exec(page)![1]! })).headers.location!);
    assert.deepEqual(
      ctx.db.prepare("SELECT t.description, c.name AS category FROM transactions t LEFT JOIN categories c ON c.id = t.category_id WHERE t.occurred_on >= '2026-03-01' ORDER BY t.occurred_on").all(),
      [
        { description: 'CORNER MARKET #99', category: 'Groceries' },
        { description: 'Cinema Corner Market', category: 'Eating out' },
        { description: 'Bakery', category: null },
      ],
    );

    const edit = (await agent.get(`/transactions/${bare}/edit`)).text;
    assert.match(edit, new RegExp(`<option value="${cat('Groceries')}" selected>Groceries</option>`));
    assert.match(edit, /The category chosen is a suggestion: the one most often used for this description\./);
    const categorisedEdit = (await agent.get(`/transactions/${insertTransactions(ctx.db, userId, [{ type: 'expense', amountCents: 1, occurredOn: '2026-03-20', description: 'corner market', categoryId: cat('Eating out') }])[0]}/edit`)).text;
    assert.doesNotMatch(categorisedEdit, /is a suggestion/, 'a row with a category keeps it');
  });
});
