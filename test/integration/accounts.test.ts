import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { addTransaction, createTestContext, registerUser, tokenFor, type Agent, type TestContext, postForm } from '../helpers/app.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { manualClock } from '../helpers/clock.ts';
import { accountIdOf, assertMonthlyTotalsMatchRows, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';


const accountId = (ctx: TestContext, userId: number, name: string) => accountIdOf(ctx.db, userId, name);

/** The balances the accounts page shows, by account name, and its three totals. */
function accountsPage(html: string): { balances: Record<string, string>; cleared: Record<string, string>; totals: Record<string, string> } {
  const balances: Record<string, string> = {};
  const cleared: Record<string, string> = {};
  for (const m of html.matchAll(/<a href="\/accounts\/\d+">([^<]+)<\/a>[\s\S]*?<td class="num account__balance">([^<]+)<\/td>\s*<td class="num account__cleared"><span class="account__label">[^<]*<\/span>([^<]+)<\/td>/g)) {
    balances[m[1]!] = m[2]!.trim();
    cleared[m[1]!] = m[3]!.trim();
  }
  const totals: Record<string, string> = {};
  for (const m of html.matchAll(/<dt>([^<]+)<\/dt><dd class="num">([^<]+)<\/dd>/g)) totals[m[1]!] = m[2]!.trim();
  return { balances, cleared, totals };
}

describe('accounts', () => {
  test("a new person's starter account opens today as the app's clock and time zone have it, not on SQLite's UTC date", async (t) => {
    // 23:30 UTC on 30 June 2031 is already 1 July in Kyiv (UTC+3); the real date is years away.
    const ctx = createTestContext({ TIME_ZONE: 'Europe/Kyiv' }, { clock: manualClock(Date.UTC(2031, 5, 30, 23, 30)) });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    assert.deepEqual(ctx.db.prepare('SELECT name, opening_on AS openingOn FROM accounts WHERE user_id = ?').all(userId), [{ name: 'Main account', openingOn: '2031-07-01' }]);
  });

  test('a new person starts with one account; accounts are created with signed opening balances and the page sums assets, liabilities and net worth', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    assert.deepEqual(ctx.db.prepare('SELECT name, kind, opening_balance_cents AS cents FROM accounts WHERE user_id = ?').all(ann), [
      { name: 'Main account', kind: 'checking', cents: 0 },
    ]);
    assert.equal((await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '2,500.00', openingOn: '2026-01-01' })).status, 303);
    assert.equal((await postForm(agent, '/accounts', '/accounts', { name: 'Visa', kind: 'credit_card', openingBalance: '-1,500.25', openingOn: '2026-01-01' })).status, 303);
    assert.equal((await postForm(agent, '/accounts', '/accounts', { name: 'Wallet', kind: 'cash', openingBalance: '', openingOn: '' })).status, 303);
    await addTransaction(agent, { type: 'expense', amount: '100.10', date: '2026-02-01' });
    const savings = accountId(ctx, ann, 'Savings');
    await postForm(agent, '/transactions/new', '/transactions', { account: String(savings), type: 'income', amount: '0.05', date: '2026-02-02', description: '', category: '' });

    const page = accountsPage((await agent.get('/accounts')).text);
    assert.deepEqual(page.balances, { 'Main account': '−$100.10', Savings: '$2,500.05', Visa: '−$1,500.25', Wallet: '$0.00' });
    // Nothing is cleared yet: the cleared balance is the opening balance.
    assert.deepEqual(page.cleared, { 'Main account': '$0.00', Savings: '$2,500.00', Visa: '−$1,500.25', Wallet: '$0.00' });
    // An overdrawn current account is owed money too: liabilities are everything below zero.
    assert.deepEqual(page.totals, { Assets: '$2,500.05', Liabilities: '$1,600.35', 'Net worth': '$899.70' });
    assert.equal(ctx.db.prepare("SELECT opening_on FROM accounts WHERE name = 'Wallet'").pluck().get(), ctx.today(), 'no date means today');
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test("the dashboard's accounts add up to the net worth under them: an archived account still holding money is listed, marked archived; an empty one is not", async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '750.00', openingOn: '2026-01-01' });
    await postForm(agent, '/accounts', '/accounts', { name: 'Old bank', kind: 'checking', openingBalance: '', openingOn: '2026-01-01' });
    await addTransaction(agent, { type: 'expense', amount: '11.00', date: ctx.today() });
    for (const name of ['Savings', 'Old bank']) assert.equal((await postForm(agent, '/accounts', `/accounts/${accountId(ctx, ann, name)}/archive`, {})).status, 303);
    const card = (await agent.get('/dashboard')).text;
    const listed = [...card.matchAll(/<li class="account-balance[^"]*">\s*<span><a href="\/accounts\/\d+">([^<]+)<\/a>( <span class="muted">· archived<\/span>)?<\/span>\s*<span class="num">([^<]+)<\/span>/g)].map(
      (m) => `${m[1]}${m[2] ? ' (archived)' : ''} ${m[3]}`,
    );
    assert.deepEqual(listed, ['Main account −$11.00', 'Savings (archived) $750.00']);
    assert.match(card, /Net worth \$739\.00/);
  });

  test('balances holding rows dated after today say how much of them is, on the accounts page and beside net worth on the dashboard', async (t) => {
    // 20 December 2025: a bill entered for 28 December (later this month) and one for 10 February.
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2025, 11, 20, 12)) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '1,000.00', openingOn: '2025-06-15' });
    const savings = accountId(ctx, ann, 'Savings');
    const main = accountId(ctx, ann, 'Main account');
    const quiet = accountsPage((await agent.get('/accounts')).text);
    assert.doesNotMatch((await agent.get('/accounts')).text, /dated after today/, 'nothing later: nothing said');
    insertTransactions(ctx.db, ann, [
      { accountId: savings, type: 'expense', amountCents: 30_000, occurredOn: '2026-02-10', description: 'Insurance', categoryId: null },
      { accountId: savings, type: 'expense', amountCents: 5_000, occurredOn: '2025-12-28', description: 'Gift', categoryId: null },
      { accountId: savings, type: 'income', amountCents: 1_000, occurredOn: '2025-12-20', description: 'Interest today', categoryId: null },
      { accountId: main, type: 'income', amountCents: 700, occurredOn: '2025-12-19', description: 'Refund yesterday', categoryId: null },
    ]);
    const page = await agent.get('/accounts');
    assert.deepEqual(accountsPage(page.text).balances, { ...quiet.balances, Savings: '$660.00', 'Main account': '$7.00' });
    // The minus sign is held to its amount (U+2060), so a phone's line never breaks between them.
    assert.match(page.text, /Savings<\/a>[\s\S]*?<span class="account__kind muted account__later">Includes −\u2060\$350\.00 dated after today<\/span>/);
    assert.equal([...page.text.matchAll(/account__later/g)].length, 1, 'only the account that has any');
    assert.match(page.text, /Net worth includes −\u2060\$350\.00 from transactions and opening balances dated after today; without them it is \$1,017\.00\./);
    const dashboard = (await agent.get('/dashboard')).text;
    assert.match(dashboard, /Net worth \$667\.00[\s\S]*?Net worth includes −\u2060\$350\.00 from transactions and opening balances dated after today; without them it is \$1,017\.00\./);
    // The chart's December stands as of today, so it shows that same figure: at December's end it counted the Gift
    // of the 28th ($967.00), a figure said nowhere else on the page.
    const monthPoint = (html: string, id: string, month: string) =>
      new RegExp(`id="${id}-title"[\\s\\S]*?<tr><th scope="row">${month}</th><td>([^<]+)</td>`).exec(html)?.[1];
    assert.equal(monthPoint(dashboard, 'chart-net-worth', 'December 2025'), '$1,017.00');
    assert.equal(monthPoint(dashboard, 'chart-net-worth', 'November 2025'), '$1,000.00');
    assert.match(dashboard, /at the end of each month from January 2024, and as of today in December 2025\./);
    // Coming up lists schedules; the rows entered ahead of time are a link away.
    assert.match(dashboard, /<a href="\/transactions\?from=2025-12-21">See transactions dated after today \(entered ahead of time\)<\/a>/);
    // A transfer dated later moves money between two balances and none of net worth: each account says so, net worth does not.
    await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '5.00', date: '2026-01-05', description: '' });
    const after = (await agent.get('/accounts')).text;
    assert.match(after, /Includes −\u2060\$345\.00 dated after today/);
    assert.match(after, /Includes −\u2060\$5\.00 dated after today/);
    assert.match(after, /Net worth includes −\u2060\$350\.00/);
    // The account's own page says it too, and leads to its transfers.
    const register = (await agent.get(`/accounts/${savings}`)).text;
    assert.match(register, /<p class="totals__note">Includes −\u2060\$345\.00 dated after today<\/p>/);
    assert.equal(monthPoint(register, 'chart-balance', 'December 2025'), '$1,010.00', 'the balance chart as of today too');
    assert.match(register, /at the end of each month from January 2024, and as of today in December 2025\./);
    assert.match(register, new RegExp(`<a class="button button--quiet" href="/transfers\\?account=${savings}">Transfers</a>`));
    // An account opened ahead of time: its opening balance is dated later too, and said with its sign.
    await postForm(agent, '/accounts', '/accounts', { name: 'Term deposit', kind: 'savings', openingBalance: '300.00', openingOn: '2026-01-15' });
    const opened = (await agent.get('/accounts')).text;
    assert.match(opened, /Term deposit<\/a>[\s\S]*?<span class="account__kind muted account__later">Includes \+\$300\.00 dated after today<\/span>/);
    assert.match(opened, /Net worth includes −\u2060\$50\.00 from transactions and opening balances dated after today; without them it is \$1,017\.00\./);
    assert.equal(monthPoint((await agent.get('/dashboard')).text, 'chart-net-worth', 'December 2025'), '$1,017.00');
    // Once the day comes, it is no longer later.
    ctx.clock.set(Date.UTC(2026, 1, 10, 12));
    assert.doesNotMatch((await agent.get('/accounts')).text, /dated after today/);
  });

  test("the dashboard links to the transactions dated after today only when there are some: an account opened ahead of time is said, not linked", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2025, 11, 20, 12)) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postForm(agent, '/accounts', '/accounts', { name: 'Term deposit', kind: 'savings', openingBalance: '300.00', openingOn: '2026-01-15' });
    const opened = (await agent.get('/dashboard')).text;
    assert.match(opened, /Net worth includes \+\$300\.00 from transactions and opening balances dated after today; without them it is \$0\.00\./);
    assert.doesNotMatch(opened, /See transactions dated after today/, 'the list from tomorrow would be empty');
    insertTransactions(ctx.db, userIdOf(ctx.db, 'ann@example.com'), [{ type: 'expense', amountCents: 1_000, occurredOn: '2026-01-02', description: 'Booked ahead', categoryId: null }]);
    assert.match((await agent.get('/dashboard')).text, /<a href="\/transactions\?from=2025-12-21">See transactions dated after today \(entered ahead of time\)<\/a>/);
    // A future period's net-worth chart is month ends throughout, as its description says.
    const february = (await agent.get('/dashboard?period=2026-02')).text;
    assert.match(february, /at the end of each month from March 2024 to February 2026\./);
  });

  test('a card or a loan opened above zero is asked about once (a debt typed without its minus sign counted as money held), and saved as it is when confirmed', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const stored = () => ctx.db.prepare<[number], { name: string; opening_balance_cents: number }>('SELECT name, opening_balance_cents FROM accounts WHERE user_id = ? ORDER BY id').all(userId);
    const before = stored();

    const asked = await postForm(agent, '/accounts', '/accounts', { name: 'Visa', kind: 'credit_card', openingBalance: '500.00', openingOn: '2026-01-01' });
    assert.equal(asked.status, 422);
    assert.match(asked.text, /A card’s or a loan’s balance is what you owe, with a minus sign: -500\.00 if you owe 500\.00\. If it really is 500\.00 in credit, save it again as it is\./);
    assert.match(asked.text, /<input type="hidden" name="inCredit" value="500\.00">/);
    assert.deepEqual(stored(), before, 'nothing saved');

    // Saved again as it is: a card in credit. Another amount is asked about afresh.
    const token = /name="_csrf" value="([^"]+)"/.exec(asked.text)![1]!;
    const again = (fields: Record<string, string>) => agent.post('/accounts').type('form').send({ _csrf: token, name: 'Visa', kind: 'credit_card', openingOn: '2026-01-01', ...fields });
    assert.equal((await again({ openingBalance: '600.00', inCredit: '500.00' })).status, 422);
    assert.equal((await again({ openingBalance: '500.00', inCredit: '500.00' })).status, 303);
    assert.deepEqual(stored().at(-1), { name: 'Visa', opening_balance_cents: 50_000 });
    // What is owed, with its minus sign, and any current account, are never asked about.
    assert.equal((await postForm(agent, '/accounts', '/accounts', { name: 'Loan', kind: 'loan', openingBalance: '-1,200.00', openingOn: '2026-01-01' })).status, 303);
    assert.equal((await postForm(agent, '/accounts', '/accounts', { name: 'Wallet', kind: 'cash', openingBalance: '40.00', openingOn: '2026-01-01' })).status, 303);
    // Editing the card in credit does not ask again; making a current account with money in it a loan does.
    const visa = accountIdOf(ctx.db, userId, 'Visa');
    const carried = /<input type="hidden" name="inCredit" value="([^"]*)">/.exec((await agent.get(`/accounts/${visa}/edit`)).text)?.[1];
    assert.equal(carried, '500.00', 'the edit form carries the confirmed amount');
    assert.equal((await postForm(agent, `/accounts/${visa}/edit`, `/accounts/${visa}/edit`, { name: 'Visa Gold', kind: 'credit_card', openingBalance: '500.00', openingOn: '2026-01-01', inCredit: carried })).status, 303);
    const wallet = accountIdOf(ctx.db, userId, 'Wallet');
    const edited = await postForm(agent, `/accounts/${wallet}/edit`, `/accounts/${wallet}/edit`, { name: 'Wallet', kind: 'loan', openingBalance: '40.00', openingOn: '2026-01-01' });
    assert.equal(edited.status, 422);
  });

  test('account names follow the category name rule and are unique per person, ignoring case and spacing', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const taken = await postForm(agent, '/accounts', '/accounts', { name: '  MAIN\u00a0 account ', kind: 'cash', openingBalance: '', openingOn: '' });
    assert.equal(taken.status, 422);
    assert.match(taken.text, /You already have an account called “Main account”/);
    const tab = await postForm(agent, '/accounts', '/accounts', { name: 'Pocket\tmoney', kind: 'cash', openingBalance: '', openingOn: '' });
    assert.equal(tab.status, 422);
    assert.match(tab.text, /Remove tabs, line breaks and other control or text-direction characters/);
    const blank = await postForm(agent, '/accounts', '/accounts', { name: '   ', kind: 'cash', openingBalance: '', openingOn: '' });
    assert.equal(blank.status, 422);
    assert.match(blank.text, /Enter a name for the account\./);
    assert.doesNotMatch(blank.text, /category/i, 'an account form speaks of the account');
    const bad = await postForm(agent, '/accounts', '/accounts', { name: 'Vault', kind: 'vault', openingBalance: '12.345', openingOn: '2026-02-30' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Choose one of the kinds offered\./);
    assert.match(bad.text, /Use at most two decimal places\./);
    assert.match(bad.text, /Enter a real calendar date/);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'refused forms write nothing');
    // Another person may use the same name.
    assert.equal((await postForm(bob, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' })).status, 303);
    assert.equal((await postForm(agent, '/accounts', '/accounts', { name: 'savings', kind: 'savings', openingBalance: '', openingOn: '' })).status, 303);
  });

  test('a transaction goes into an open account of its owner: another person\'s account or an archived one is refused beside the field', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobId = userIdOf(ctx.db, 'bob@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const bobsAccount = accountId(ctx, bobId, 'Main account');
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const foreign = await postForm(ann, '/transactions/new', '/transactions', { account: String(bobsAccount), type: 'expense', amount: '5', date: '', description: '', category: '' });
    assert.equal(foreign.status, 422);
    assert.match(foreign.text, /Choose one of your accounts\./);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);

    await postForm(ann, '/accounts', '/accounts', { name: 'Old card', kind: 'credit_card', openingBalance: '', openingOn: '' });
    const oldCard = accountId(ctx, annId, 'Old card');
    await postForm(ann, '/transactions/new', '/transactions', { account: String(oldCard), type: 'expense', amount: '7', date: '2026-01-03', description: 'kept', category: '' });
    assert.equal((await postForm(ann, '/accounts', `/accounts/${oldCard}/archive`, {})).status, 303);
    const refused = await postForm(ann, '/transactions/new', '/transactions', { account: String(oldCard), type: 'expense', amount: '5', date: '', description: '', category: '' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /That account is archived/);
    // The archived account is not offered for new rows, but a row already in it may be edited where it is.
    const form = (await ann.get('/transactions/new')).text;
    assert.doesNotMatch(form, />Old card<\/option>/);
    const kept = ctx.db.prepare("SELECT id FROM transactions WHERE description = 'kept'").pluck().get() as number;
    const edit = (await ann.get(`/transactions/${kept}/edit`)).text;
    assert.match(edit, new RegExp(`<option value="${oldCard}" selected>Old card</option>`));
    assert.equal((await postForm(ann, `/transactions/${kept}/edit`, `/transactions/${kept}/edit`, { account: String(oldCard), type: 'expense', amount: '8', date: '2026-01-03', description: 'kept', category: '' })).status, 303);
    // Bob's pages never offer Ann's accounts, and his list filtered by her account shows nothing of hers.
    assert.doesNotMatch((await bob.get('/transactions/new')).text, />Old card<\/option>/);
    const bobsView = await bob.get(`/transactions?account=${oldCard}`);
    assert.doesNotMatch(bobsView.text, /kept/);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('the add form starts in the account last used, and a form without an account field uses it', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    await postForm(agent, '/accounts', '/accounts', { name: 'Cash', kind: 'cash', openingBalance: '', openingOn: '' });
    const cash = accountId(ctx, ann, 'Cash');
    const main = accountId(ctx, ann, 'Main account');
    assert.match((await agent.get('/transactions/new')).text, new RegExp(`<option value="${main}" selected>`), 'the only account at first, then the first open one');
    await postForm(agent, '/transactions/new', '/transactions', { account: String(cash), type: 'expense', amount: '3', date: '', description: '', category: '' });
    assert.match((await agent.get('/transactions/new')).text, new RegExp(`<option value="${cash}" selected>`));
    assert.match((await agent.get('/dashboard')).text, new RegExp(`<option value="${cash}" selected>`));
    await addTransaction(agent, { type: 'expense', amount: '4' }); // the helper's form has no account field
    assert.deepEqual(ctx.db.prepare('SELECT account_id FROM transactions ORDER BY id').pluck().all(), [cash, cash]);
  });

  test('an account holding transactions cannot be deleted: the page says how many and offers to archive it; an empty one is deleted', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const main = accountId(ctx, ann, 'Main account');
    await addTransaction(agent, { type: 'expense', amount: '4' });
    await addTransaction(agent, { type: 'income', amount: '5' });
    const ask = await agent.get(`/accounts/${main}/delete`);
    assert.match(ask.text, /It holds 2 transactions, so it cannot be deleted\. Archive it instead/);
    assert.match(ask.text, new RegExp(`action="/accounts/${main}/archive"`));
    const refused = await postForm(agent, `/accounts/${main}/delete`, `/accounts/${main}/delete`, {});
    assert.equal(refused.status, 409);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM accounts WHERE id = ?').pluck().get(main), 1);

    await postForm(agent, '/accounts', '/accounts', { name: 'Empty', kind: 'other', openingBalance: '', openingOn: '' });
    const empty = accountId(ctx, ann, 'Empty');
    // Schedules from or to it, and rules that look at it or move money to it, go with it: the page counts them first.
    assert.equal((await postForm(agent, '/scheduled/new', '/scheduled', {
      type: 'transfer', account: String(main), toAccount: String(empty), category: '', amount: '25', description: 'Put aside', frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2099-01-01', endOn: '', count: '',
    })).status, 303);
    const rule = (fields: Record<string, string>) => postForm(agent, '/rules/new', '/rules', { textMatch: 'contains', amountFrom: '', amountTo: '', type: '', account: '', category: '', transfer: '', rename: '', ...fields });
    assert.equal((await rule({ text: 'save', type: 'expense', transfer: String(empty) })).status, 303);
    assert.equal((await rule({ text: 'fee', account: String(empty), rename: 'Fee' })).status, 303);
    assert.equal((await rule({ text: 'rent', rename: 'Rent' })).status, 303);
    const askEmpty = (await agent.get(`/accounts/${empty}/delete`)).text;
    assert.match(askEmpty, /It holds no transactions\./);
    const effects = /<ul class="confirm__effects" id="account-delete-effects">([\s\S]*?)<\/ul>/.exec(askEmpty)?.[1] ?? '';
    assert.deepEqual([...effects.matchAll(/<li>([^<]*)/g)].map((m) => m[1]!.trim()), [
      '1 scheduled transaction from or to it will be deleted with it.',
      '2 rules that look at it or move money to it will be deleted with it.',
    ]);
    assert.equal((await postForm(agent, `/accounts/${empty}/delete`, `/accounts/${empty}/delete`, {})).status, 303);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM accounts WHERE id = ?').pluck().get(empty), 0);
    assert.deepEqual(ctx.db.prepare('SELECT count(*) FROM schedules').pluck().get(), 0);
    assert.deepEqual(ctx.db.prepare('SELECT text_value FROM rules').pluck().all(), ['rent']);
  });

  test('accounts move up and down among the open ones, and archived ones are listed after them', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    for (const name of ['B', 'C']) await postForm(agent, '/accounts', '/accounts', { name, kind: 'cash', openingBalance: '', openingOn: '' });
    const order = async () => [...(await agent.get('/accounts')).text.matchAll(/<a href="\/accounts\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
    assert.deepEqual(await order(), ['Main account', 'B', 'C']);
    await postForm(agent, '/accounts', `/accounts/${accountId(ctx, ann, 'C')}/move`, { direction: 'up' });
    assert.deepEqual(await order(), ['Main account', 'C', 'B']);
    await postForm(agent, '/accounts', `/accounts/${accountId(ctx, ann, 'Main account')}/move`, { direction: 'down' });
    assert.deepEqual(await order(), ['C', 'Main account', 'B']);
    await postForm(agent, '/accounts', `/accounts/${accountId(ctx, ann, 'C')}/move`, { direction: 'up' }); // already first: nothing moves
    await postForm(agent, '/accounts', `/accounts/${accountId(ctx, ann, 'C')}/archive`, {});
    assert.deepEqual(await order(), ['Main account', 'B', 'C']);
    const page = (await agent.get('/accounts')).text;
    assert.ok(page.indexOf('Archived accounts') < page.indexOf('>C</a>'), 'C is under the archived heading');
  });

  test('another person\'s account answers 404 on every page and action, and nothing changes', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const annsAccount = accountId(ctx, userIdOf(ctx.db, 'ann@example.com'), 'Main account');
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    for (const url of [`/accounts/${annsAccount}/edit`, `/accounts/${annsAccount}/delete`]) assert.equal((await bob.get(url)).status, 404, url);
    for (const action of ['edit', 'move', 'archive', 'unarchive', 'delete']) {
      const res = await postForm(bob, '/accounts', `/accounts/${annsAccount}/${action}`, { name: 'Mine now', kind: 'cash', openingBalance: '', openingOn: '', direction: 'up' });
      assert.equal(res.status, 404, action);
    }
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
  });

  test('the list filtered by account shows that account\'s rows, with totals from its monthly totals equal to the rows', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    await postForm(agent, '/accounts', '/accounts', { name: 'Cash', kind: 'cash', openingBalance: '', openingOn: '' });
    const cash = accountId(ctx, ann, 'Cash');
    const main = accountId(ctx, ann, 'Main account');
    type Row = { accountId: number; type: 'income' | 'expense'; amountCents: number; occurredOn: string; description: string };
    const rows: Row[] = [];
    for (let i = 0; i < 60; i++) {
      rows.push({ accountId: i % 3 === 0 ? cash : main, type: i % 4 === 0 ? ('income' as const) : ('expense' as const), amountCents: 100 + i * 37, occurredOn: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')}`, description: `row ${i}` });
    }
    insertTransactions(ctx.db, ann, rows);
    const expect = (filter: (r: (typeof rows)[number]) => boolean) => {
      const mine = rows.filter(filter);
      const sum = (type: string) => mine.filter((r) => r.type === type).reduce((s, r) => s + r.amountCents, 0);
      return { income: sum('income'), expense: sum('expense'), count: mine.length };
    };
    const cents = (text: string) => Number(text.replace(/[^0-9]/g, ''));
    for (const [query, filter] of [
      [`account=${cash}`, (r: (typeof rows)[number]) => r.accountId === cash],
      [`account=${cash}&from=2025-03-15&to=2025-08-10`, (r: (typeof rows)[number]) => r.accountId === cash && r.occurredOn >= '2025-03-15' && r.occurredOn <= '2025-08-10'],
      [`account=${main}&type=income&from=2025-02-01`, (r: (typeof rows)[number]) => r.accountId === main && r.type === 'income' && r.occurredOn >= '2025-02-01'],
    ] as const) {
      const html = (await agent.get(`/transactions?${query}`)).text;
      const totals = Object.fromEntries([...html.matchAll(/<dt>([^<]+)<\/dt><dd class="num">([^<]+)<\/dd>/g)].map((m) => [m[1], cents(m[2]!)]));
      const want = expect(filter);
      assert.deepEqual({ income: totals.Income, expense: totals.Expenses }, { income: want.income, expense: want.expense }, query);
      assert.match(html, new RegExp(`${want.count} transactions? match`), query);
    }
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('deleting a person removes their accounts, transfers, reconciliations and per-account totals', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    await postForm(agent, '/accounts', '/accounts', { name: 'Cash', kind: 'cash', openingBalance: '9', openingOn: '' });
    await addTransaction(agent, { type: 'income', amount: '10' });
    const cash = accountId(ctx, ann, 'Cash');
    const main = accountId(ctx, ann, 'Main account');
    await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(cash), amount: '4', date: '', description: '' });
    await postForm(agent, `/accounts/${cash}/reconcile`, `/accounts/${cash}/reconcile`, { statementOn: ctx.today(), statementBalance: '13' });
    assert.equal(ctx.db.prepare('SELECT count(*) FROM reconciliations').pluck().get(), 1);
    assert.equal((await postForm(agent, '/account', '/account/delete', { password: 'correct horse battery' })).status, 303);
    for (const table of ['accounts', 'account_monthly_totals', 'transactions', 'transfers', 'reconciliations']) {
      assert.equal(ctx.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), 0, table);
    }
  });
});

describe('migration 7', () => {
  test('on a database made by the previous schema, every person gets one Main account holding all their transactions, and no total changes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-m7-'));
    const db = openDatabase(path.join(dir, 'v6.sqlite'));
    try {
      migrate(db, migrations.filter((m) => m.version <= 6));
      const user = (email: string) => Number(db.prepare("INSERT INTO users (email, password_hash, created_at) VALUES (?, 'x', '2024-05-06T07:08:09.000Z')").run(email).lastInsertRowid);
      const ann = user('ann@example.com');
      const bob = user('bob@example.com');
      const quiet = user('quiet@example.com');
      const insert = db.prepare('INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id) VALUES (?, ?, ?, ?, ?, ?)');
      const groceries = db.prepare<[number], number>("SELECT id FROM categories WHERE user_id = ? AND name = 'Groceries'").pluck();
      for (let i = 0; i < 200; i++) {
        const who = i % 3 === 0 ? bob : ann;
        insert.run(who, i % 5 === 0 ? 'income' : 'expense', 1 + i * 101, `202${3 + (i % 3)}-${String(1 + (i % 12)).padStart(2, '0')}-1${i % 10}`, `row ${i}`, i % 2 ? groceries.get(who) : null);
      }
      const monthly = db.prepare('SELECT * FROM monthly_totals ORDER BY user_id, month, type, category_key').all();
      const rowsBefore = db.prepare('SELECT id, user_id, type, amount_cents, occurred_on, description, category_id, created_at FROM transactions ORDER BY id').all();

      migrate(db);

      assert.deepEqual(db.prepare('SELECT * FROM monthly_totals ORDER BY user_id, month, type, category_key').all(), monthly, 'monthly totals unchanged');
      assert.deepEqual(db.prepare('SELECT id, user_id, type, amount_cents, occurred_on, description, category_id, created_at FROM transactions ORDER BY id').all(), rowsBefore, 'every row kept as it was');
      const accounts = db.prepare('SELECT user_id, name, kind, opening_balance_cents, opening_on, archived FROM accounts ORDER BY user_id').all();
      assert.deepEqual(accounts, [
        { user_id: ann, name: 'Main account', kind: 'checking', opening_balance_cents: 0, opening_on: db.prepare('SELECT min(occurred_on) FROM transactions WHERE user_id = ?').pluck().get(ann), archived: 0 },
        { user_id: bob, name: 'Main account', kind: 'checking', opening_balance_cents: 0, opening_on: db.prepare('SELECT min(occurred_on) FROM transactions WHERE user_id = ?').pluck().get(bob), archived: 0 },
        { user_id: quiet, name: 'Main account', kind: 'checking', opening_balance_cents: 0, opening_on: '2024-05-06', archived: 0 },
      ]);
      assert.equal(db.prepare('SELECT count(*) FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.user_id = t.user_id').pluck().get(), 200);
      assert.equal(db.prepare("SELECT count(*) FROM transactions WHERE status != 'uncleared' OR transfer_id IS NOT NULL").pluck().get(), 0);
      assertMonthlyTotalsMatchRows(db);
      // Each balance is the person's income minus expenses, as the old dashboard's balance was.
      for (const id of [ann, bob]) {
        const net = db.prepare("SELECT sum(CASE WHEN type = 'income' THEN amount_cents ELSE -amount_cents END) FROM transactions WHERE user_id = ?").pluck().get(id);
        assert.equal(db.prepare('SELECT sum(net_cents) FROM account_monthly_totals WHERE user_id = ?').pluck().get(id), net);
      }
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
