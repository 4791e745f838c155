import assert from 'node:assert/strict';
import { createSchedulesRepo } from '../../src/db/repos/schedules.ts';
import { createRulesRepo } from '../../src/db/repos/rules.ts';
import { describe, test } from 'node:test';
import { signedAmount } from '../../src/domain/accounts.ts';
import { addTransaction, createTestContext, registerUser, tokenFor, totalsFrom, type Agent, type TestContext, postForm } from '../helpers/app.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { accountIdOf, assertMonthlyTotalsMatchRows, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { createReadRunner, createTransactionRunner } from '../../src/db/unit-of-work.ts';
import { createAccountService } from '../../src/services/accounts.ts';


const accountId = (ctx: TestContext, userId: number, name: string) => accountIdOf(ctx.db, userId, name);

/** A person with a Main account and a Savings account, and their ids. */
async function personWithSavings(ctx: TestContext, email = 'ann@example.com') {
  const agent = await registerUser(ctx.app, email);
  const userId = userIdOf(ctx.db, email);
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '100.00', openingOn: '2026-01-01' });
  return { agent, userId, main: accountId(ctx, userId, 'Main account'), savings: accountId(ctx, userId, 'Savings') };
}

/** A fresh app with a person holding a Main account, Savings and a Wallet, and transfers written straight to the database. */
async function personWithThreeAccounts(t: { after: (fn: () => Promise<void>) => void }) {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const person = await personWithSavings(ctx);
  await postForm(person.agent, '/accounts', '/accounts', { name: 'Wallet', kind: 'cash', openingBalance: '', openingOn: '2026-01-01' });
  return { ctx, ...person, wallet: accountId(ctx, person.userId, 'Wallet'), transfers: createTransfersRepo(ctx.db) };
}

/** Balances by account name from the accounts page. */
async function balances(agent: Agent): Promise<Record<string, string>> {
  const html = (await agent.get('/accounts')).text;
  return Object.fromEntries(
    [...html.matchAll(/<a href="\/accounts\/\d+">([^<]+)<\/a>[\s\S]*?<td class="num account__balance">([^<]+)<\/td>/g)].map((m) => [m[1], m[2]!.trim()]),
  );
}

describe('transfers', () => {
  test('a transfer moves money between two accounts: both balances move, and no income, expense or category total changes', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, main, savings } = await personWithSavings(ctx);
    await addTransaction(agent, { type: 'income', amount: '1,000.00', date: ctx.today() });
    await addTransaction(agent, { type: 'expense', amount: '40.00', date: ctx.today() });
    const dashboardBefore = totalsFrom((await agent.get('/dashboard')).text);
    const listBefore = totalsFrom((await agent.get('/transactions')).text);
    const monthlyBefore = ctx.db.prepare('SELECT * FROM monthly_totals ORDER BY month, type, category_key').all();

    const res = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '250.00', date: ctx.today(), description: 'Rainy day', back: `/accounts/${main}` });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/accounts/${main}`);

    assert.deepEqual(await balances(agent), { 'Main account': '$710.00', Savings: '$350.00' });
    assert.deepEqual(totalsFrom((await agent.get('/dashboard')).text), dashboardBefore, 'the dashboard\'s income, expenses and balance are unchanged');
    assert.deepEqual(totalsFrom((await agent.get('/transactions')).text), listBefore, 'the list\'s totals are unchanged');
    assert.deepEqual(ctx.db.prepare('SELECT * FROM monthly_totals ORDER BY month, type, category_key').all(), monthlyBefore, 'no category or month total moved');
    const legs = ctx.db.prepare('SELECT account_id, type, amount_cents, description, category_id FROM transactions WHERE transfer_id IS NOT NULL ORDER BY type').all();
    assert.deepEqual(legs, [
      { account_id: savings, type: 'transfer_in', amount_cents: 25_000, description: 'Rainy day', category_id: null },
      { account_id: main, type: 'transfer_out', amount_cents: 25_000, description: 'Rainy day', category_id: null },
    ]);
    // The legs are not income or expenses anywhere a list shows them.
    assert.doesNotMatch((await agent.get('/transactions')).text, /Rainy day/);
    assert.match((await agent.get(`/accounts/${savings}`)).text, /From Main account/);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('the accounts page offers Transfer money once there are two open accounts, and the transfer made from it comes back there', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const link = /<a class="button button--primary" href="(\/transfers\/new\?back=%2Faccounts)">Transfer money<\/a>/;
    assert.doesNotMatch((await agent.get('/accounts')).text, link, 'one account: nothing to move money between');
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '100.00', openingOn: '2026-01-01' });
    const href = link.exec((await agent.get('/accounts')).text)?.[1];
    assert.ok(href, 'two accounts: the button is there');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const res = await postForm(agent, href, '/transfers', { from: String(accountId(ctx, userId, 'Savings')), to: String(accountId(ctx, userId, 'Main account')), amount: '25.00', date: ctx.today(), description: 'Back', back: '/accounts' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/accounts');
    assert.deepEqual(await balances(agent), { 'Main account': '$25.00', Savings: '$75.00' });
  });

  test('the transfers page lists each transfer once, newest first, by account (either side) and days, a page at a time; the transactions list says where they are', async (t) => {
    const { ctx, agent, userId, main, savings, wallet, transfers } = await personWithThreeAccounts(t);
    const empty = (await agent.get('/transfers')).text;
    assert.match(empty, /No transfers yet\./);
    assert.match(empty, /href="\/transfers\/new\?back=%2Ftransfers">Transfer money</, 'two open accounts: a transfer can be made');
    // 55 transfers Main -> Savings over 55 days of 2026, and one Savings -> Wallet.
    for (let i = 0; i < 55; i++) {
      const day = `2026-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      transfers.createTransfer(userId, { fromAccountId: main, toAccountId: savings, amountCents: 1_000 + i, occurredOn: day, description: `Saving ${i}` });
    }
    transfers.createTransfer(userId, { fromAccountId: savings, toAccountId: wallet, amountCents: 2_000, occurredOn: '2026-01-15', description: 'Cash for the trip' });
    const rowsOf = (html: string) =>
      [...html.matchAll(/<time datetime="([\d-]+)">[^<]*<\/time><\/td>\s*<td class="tx__desc">([^<]*)<\/td>\s*<td class="tx__category"><span class="chip">([^]*?)<\/span><\/td>\s*<td class="num tx__amount">([^<]*)<\/td>/g)].map(
        // The chip as seen: the arrow, not the word a screen reader hears in its place.
        (m) => `${m[1]} ${m[2]} | ${m[3]!.replace(/<span class="visually-hidden">[^<]*<\/span>/g, '').replace(/<[^>]+>/g, '')} | ${m[4]}`,
      );
    const first = await agent.get('/transfers');
    assert.equal(first.status, 200);
    const page1 = rowsOf(first.text);
    assert.equal(page1.length, 50, 'a page of 50');
    assert.equal(page1[0], '2026-02-27 Saving 54 | Main account → Savings | $10.54', 'newest first, one row a transfer, its amount unsigned');
    assert.doesNotMatch(first.text, /after today/);
    const older = /<a href="(\/transfers\?after=[^"]+)" rel="next">/.exec(first.text)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(older, 'an Older link');
    const page2 = rowsOf((await agent.get(older)).text);
    assert.equal(page2.length, 6);
    assert.equal(new Set([...page1, ...page2]).size, 56, 'every transfer once across the pages');
    assert.ok(page1.includes('2026-01-15 Cash for the trip | Savings → Wallet | $20.00'));
    assert.equal(page2.at(-1), '2026-01-01 Saving 0 | Main account → Savings | $10.00', 'the oldest last');
    // How many, and what they moved; the rows of page 2 are counted too.
    assert.match(first.text, /<p class="totals__note" id="transfer-count">56 transfers, \$584\.85 moved\.<\/p>/);
    // An account on either side, and a range of days; with an account, each amount signed as it moved that account.
    const walletPage = (await agent.get(`/transfers?account=${wallet}`)).text;
    assert.deepEqual(rowsOf(walletPage), ['2026-01-15 Cash for the trip | Savings → Wallet | +$20.00']);
    assert.match(walletPage, /1 transfer to or from Wallet: \$20\.00 in, \$0\.00 out\./);
    const savingsJan = (await agent.get(`/transfers?account=${savings}&from=2026-01-15&to=2026-01-16`)).text;
    assert.deepEqual(rowsOf(savingsJan).map((r) => r.split(' | ')[2]), ['+$10.15', '−$20.00', '+$10.14']);
    assert.match(savingsJan, /3 transfers to or from Savings: \$20\.29 in, \$20\.00 out\./);
    assert.equal(rowsOf((await agent.get(`/transfers?account=${savings}&from=2026-01-15&to=2026-01-16`)).text).length, 3);
    assert.match((await agent.get(`/transfers?account=${savings}&from=2026-03-01`)).text, /No transfer matches these filters\./);
    // Each row's buttons edit and delete the transfer, and come back here.
    assert.match(first.text, /<a class="button button--small button--quiet" href="\/transfers\/\d+\/edit\?back=%2Ftransfers" aria-label="Edit transfer of \$10\.54 from Main account to Savings on Feb 27, 2026">Edit<\/a>/);
    const edit = /href="(\/transfers\/\d+\/edit)\?back=%2Ftransfers"/.exec(first.text)![1]!;
    const saved = await postForm(agent, `${edit}?back=%2Ftransfers`, edit, { from: String(main), to: String(savings), amount: '10.55', date: '2026-02-27', description: 'Saving 54', back: '/transfers' });
    assert.equal(saved.headers.location, '/transfers');
    // A screen reader hears "Main account to Savings", not "right arrow".
    assert.match(first.text, /<span class="chip">Main account <span aria-hidden="true">→<\/span><span class="visually-hidden">to<\/span> Savings<\/span>/);
    // From a filtered, later page, an edit comes back to that page.
    const filteredOlder = (await agent.get(`/transfers?account=${savings}&from=2026-01-01&after=2026-01-10.999999`)).text;
    const backHere = /href="\/transfers\/(\d+)\/delete\?back=([^"]+)"/.exec(filteredOlder);
    assert.ok(backHere);
    assert.equal(decodeURIComponent(backHere[2]!), `/transfers?account=${savings}&from=2026-01-01&after=2026-01-10.999999`);
    const deleted = await postForm(agent, `/transfers/${backHere[1]}/delete?back=${backHere[2]}`, `/transfers/${backHere[1]}/delete`, { back: decodeURIComponent(backHere[2]!) });
    assert.equal(deleted.headers.location, `/transfers?account=${savings}&from=2026-01-01&after=2026-01-10.999999`);
    for (const bad of ['/transfers?x=1', '/transfers?account=1&q=<b>', 'https://evil.example/transfers', '//evil.example']) {
      const refused = await postForm(agent, `${edit}?back=%2Ftransfers`, edit, { from: String(main), to: String(savings), amount: '10.55', date: '2026-02-27', description: 'Saving 54', back: bad });
      assert.equal(refused.headers.location, '/accounts', `${bad} is not a place to come back to`);
    }
    // A bad part is named beside its field and the rest still applies; another person's account shows nothing of theirs.
    const bad = await agent.get(`/transfers?account=${wallet}&from=2026-02-30`);
    assert.equal(bad.status, 200);
    assert.match(bad.text, /id="filter-from-error"/);
    assert.equal(rowsOf(bad.text).length, 1);
    // A part given twice is ignored and said so beside its field, not quietly dropped.
    for (const query of [`account=${wallet}&account=${savings}`, `account=${wallet}&account=`]) {
      const twice = (await agent.get(`/transfers?${query}`)).text;
      assert.match(twice, /id="filter-account-error">(<span[^>]*>[^<]*<\/span>)?This was given more than once, so it was ignored\./, query);
    }
    assert.match((await agent.get('/transfers?from=2026-01-01&from=2026-02-01')).text, /id="filter-from-error">(<span[^>]*>[^<]*<\/span>)?This was given more than once/);
    const bob = await personWithSavings(ctx, 'bob@example.com');
    const peek = await bob.agent.get(`/transfers?account=${savings}`);
    assert.equal(peek.status, 200);
    assert.match(peek.text, /id="filter-account-error"/);
    assert.equal(rowsOf(peek.text).length, 0);
    assert.doesNotMatch(peek.text, /Saving \d+|Cash for the trip/);

    // The transactions list leaves transfers out of its rows and totals, says so, and links here with its filter.
    const list = (await agent.get(`/transactions?account=${savings}&from=2026-01-01`)).text;
    assert.match(list, /Transfers between your accounts are neither income nor expenses, so they are not in this list or its totals\./);
    assert.match(list, new RegExp(`<a href="/transfers\\?account=${savings}&amp;from=2026-01-01">See transfers</a>`));
    assert.doesNotMatch((await agent.get('/transactions?type=expense')).text, /See transfers/, 'a type filter exports no transfers: nothing to say');
    // The accounts page leads here.
    assert.match((await agent.get('/accounts')).text, /<a class="button button--quiet" href="\/transfers">All transfers<\/a>/);
    // One entered ahead of time, after the app's today, is marked as such.
    transfers.createTransfer(userId, { fromAccountId: main, toAccountId: wallet, amountCents: 500, occurredOn: '2999-01-01', description: 'Far ahead' });
    assert.match((await agent.get('/transfers')).text, /<td class="tx__desc">Far ahead <span class="badge">after today<\/span><\/td>/);
  });

  test("the transfers' count and sum, read from whole months' totals and part months' legs, equal the legs themselves for any range and account", async (t) => {
    const { ctx, userId, main, savings, wallet, transfers } = await personWithThreeAccounts(t);
    const accounts = [main, savings, wallet];
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
    const dayIn2026 = () => `2026-${String(1 + next(12)).padStart(2, '0')}-${String(1 + next(28)).padStart(2, '0')}`;
    for (let i = 0; i < 120; i++) {
      const from = accounts[next(3)]!;
      const to = accounts.filter((a) => a !== from)[next(2)]!;
      transfers.createTransfer(userId, { fromAccountId: from, toAccountId: to, amountCents: 1 + next(90_000), occurredOn: dayIn2026(), description: `T${i}` });
    }
    // Some moved to another day (and month) and some deleted: the triggers keep the months' totals.
    const ids = ctx.db.prepare<[number], number>('SELECT id FROM transfers WHERE user_id = ? ORDER BY id').pluck().all(userId);
    for (const id of ids.slice(0, 10)) transfers.updateOwnedTransfer(userId, id, { fromAccountId: savings, toAccountId: main, amountCents: 4_321, occurredOn: dayIn2026(), description: 'Moved' });
    for (const id of ids.slice(10, 20)) transfers.deleteOwnedTransfer(userId, id);
    const oracle = ctx.db.prepare<[{ user: number; account: number | null; fromOn: string; toOn: string }], { inCount: number; inCents: number; outCount: number; outCents: number }>(
      `SELECT coalesce(sum(type = 'transfer_in' AND @account IS NOT NULL), 0) AS inCount,
              coalesce(sum(CASE WHEN type = 'transfer_in' AND @account IS NOT NULL THEN amount_cents END), 0) AS inCents,
              coalesce(sum(type = 'transfer_out'), 0) AS outCount, coalesce(sum(CASE WHEN type = 'transfer_out' THEN amount_cents END), 0) AS outCents
         FROM transactions WHERE user_id = @user AND transfer_id IS NOT NULL AND (@account IS NULL OR account_id = @account) AND occurred_on BETWEEN @fromOn AND @toOn`,
    );
    const ranges: [string | undefined, string | undefined][] = [[undefined, undefined], ['2026-03-01', '2026-05-31'], ['2026-03-15', undefined], [undefined, '2026-07-09'], ['2026-02-10', '2026-02-20'], ['2026-01-31', '2026-02-01'], ['2026-12-31', '2026-12-31']];
    for (let i = 0; i < 20; i++) {
      const [a, b] = [dayIn2026(), dayIn2026()].sort();
      ranges.push([a, b]);
    }
    for (const [fromOn, toOn] of ranges) {
      for (const accountId of [undefined, ...accounts]) {
        const filter = { ...(accountId === undefined ? {} : { accountId }), ...(fromOn === undefined ? {} : { fromOn }), ...(toOn === undefined ? {} : { toOn }) };
        const expected = oracle.get({ user: userId, account: accountId ?? null, fromOn: fromOn ?? '0000-01-01', toOn: toOn ?? '9999-12-31' })!;
        assert.deepEqual(transfers.transferTotals(userId, filter), expected, JSON.stringify(filter));
      }
    }
  });

  test('the transfers pages go back with Older and forward with Newer, over every transfer once, with an account or without', async (t) => {
    const { ctx, agent, userId, main, savings, wallet, transfers } = await personWithThreeAccounts(t);
    // 130 transfers, several a day, in and out of Savings; every third one with the wallet instead.
    for (let i = 0; i < 130; i++) {
      const other = i % 3 === 0 ? wallet : main;
      const [from, to] = i % 2 ? [other, savings] : [savings, other];
      transfers.createTransfer(userId, { fromAccountId: from, toAccountId: to, amountCents: 100 + i, occurredOn: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`, description: `T${i}` });
    }
    const descriptions = (html: string) => [...html.matchAll(/<td class="tx__desc">([^<]*)<\/td>/g)].map((m) => m[1]!);
    const link = (html: string, rel: 'next' | 'prev') => new RegExp(`<a href="(/transfers\\?[^"]+)" rel="${rel}">`).exec(html)?.[1]?.replaceAll('&amp;', '&');
    for (const [start, expected] of [['/transfers', 130], [`/transfers?account=${wallet}`, 44]] as const) {
      const pages = [(await agent.get(start)).text];
      assert.equal(link(pages[0]!, 'prev'), undefined, 'the first page has no Newer');
      for (let next = link(pages[0]!, 'next'); next; next = link(pages.at(-1)!, 'next')) pages.push((await agent.get(next)).text);
      const seen = pages.flatMap(descriptions);
      assert.equal(seen.length, expected, start);
      assert.equal(new Set(seen).size, expected, `${start}: each once`);
      if (pages.length < 3) continue;
      // Newer from the third page is the second page again; from the second, the first is reached by Newest.
      const newer = link(pages[2]!, 'prev');
      assert.ok(newer, 'the third page links back');
      assert.deepEqual(descriptions((await agent.get(newer)).text), descriptions(pages[1]!));
      assert.equal(link(pages[1]!, 'prev'), undefined, 'the second page goes back to the first by Newest');
    }
  });

  test('editing a transfer changes both legs in one transaction, and deleting it removes both', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, userId, main, savings } = await personWithSavings(ctx);
    await postForm(agent, '/accounts', '/accounts', { name: 'Cash', kind: 'cash', openingBalance: '', openingOn: '' });
    const cash = accountId(ctx, userId, 'Cash');
    await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '10.00', date: '2026-02-01', description: '' });
    const id = ctx.db.prepare('SELECT id FROM transfers').pluck().get() as number;
    const edit = await agent.get(`/transfers/${id}/edit`);
    assert.match(edit.text, /name="amount"[^>]*value="10.00"/);
    assert.equal((await postForm(agent, `/transfers/${id}/edit`, `/transfers/${id}/edit`, { from: String(cash), to: String(savings), amount: '12.34', date: '2026-02-03', description: 'moved' })).status, 303);
    assert.deepEqual(ctx.db.prepare('SELECT account_id, type, amount_cents, occurred_on, description FROM transactions WHERE transfer_id = ? ORDER BY type').all(id), [
      { account_id: savings, type: 'transfer_in', amount_cents: 1234, occurred_on: '2026-02-03', description: 'moved' },
      { account_id: cash, type: 'transfer_out', amount_cents: 1234, occurred_on: '2026-02-03', description: 'moved' },
    ]);
    assert.deepEqual(await balances(agent), { 'Main account': '$0.00', Savings: '$112.34', Cash: '−$12.34' });
    // An edit whose date was emptied is refused beside the date, and the transfer keeps its day (an add takes today).
    const undated = await postForm(agent, `/transfers/${id}/edit`, `/transfers/${id}/edit`, { from: String(cash), to: String(savings), amount: '12.34', date: '', description: 'moved' });
    assert.equal(undated.status, 422);
    assert.match(undated.text, /id="[^"]*date-error"[^>]*>.*Enter a date\./);
    assert.deepEqual(ctx.db.prepare('SELECT DISTINCT occurred_on FROM transactions WHERE transfer_id = ?').pluck().all(id), ['2026-02-03']);
    // Two tabs: the form opened before the other tab's save is shown again with what the transfer now holds.
    const fields = (html: string, changes: Record<string, string>) => {
      const out: Record<string, string> = {};
      for (const name of ['_csrf', 'back', 'version', 'amount', 'date', 'description']) out[name] = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? '';
      for (const name of ['from', 'to']) out[name] = new RegExp(`name="${name}"[\\s\\S]*?<option value="(\\d+)" selected`).exec(html)?.[1] ?? '';
      return { ...out, ...changes };
    };
    const tabA = (await agent.get(`/transfers/${id}/edit`)).text;
    const tabB = (await agent.get(`/transfers/${id}/edit`)).text;
    assert.equal((await agent.post(`/transfers/${id}/edit`).type('form').send(fields(tabA, { amount: '20.00' }))).status, 303);
    const stale = await agent.post(`/transfers/${id}/edit`).type('form').send(fields(tabB, { description: 'from B' }));
    assert.equal(stale.status, 409);
    assert.match(stale.text, /This transfer was changed elsewhere \(in another tab or on another device\) after you opened it, so nothing was saved\. It now reads: \$20\.00 from Cash to Savings, Feb 3, 2026, “moved”\./);
    assert.deepEqual(ctx.db.prepare('SELECT DISTINCT amount_cents FROM transactions WHERE transfer_id = ?').pluck().all(id), [2000]);
    assert.equal((await agent.post(`/transfers/${id}/edit`).type('form').send(fields(stale.text, {}))).status, 303);
    const typo = await agent.post(`/transfers/${id}/edit`).type('form').send(fields((await agent.get(`/transfers/${id}/edit`)).text, { amount: 'abc' }));
    assert.equal(typo.status, 422);
    assert.match(typo.text, /name="version" value="[\w-]{16}"/, 'a form shown again for a typo keeps its version');
    assert.deepEqual(ctx.db.prepare('SELECT DISTINCT description FROM transactions WHERE transfer_id = ?').pluck().all(id), ['from B']);
    assert.equal((await postForm(agent, `/transfers/${id}/delete`, `/transfers/${id}/delete`, {})).status, 303);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get(), 0);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers').pluck().get(), 0);
    assert.deepEqual(await balances(agent), { 'Main account': '$0.00', Savings: '$100.00', Cash: '$0.00' });
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('a transfer whose second leg the database refuses leaves nothing: no transfer, no first leg, no balance moved', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, userId, main, savings } = await personWithSavings(ctx);
    const before = await balances(agent);
    // A fault after the first leg is written: the incoming leg cannot be stored.
    ctx.db.exec("CREATE TEMP TRIGGER refuse_incoming BEFORE INSERT ON main.transactions WHEN NEW.type = 'transfer_in' BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
    const res = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '25.00', date: '2026-02-01', description: 'Half done?' });
    assert.equal(res.status, 500);
    ctx.db.exec('DROP TRIGGER temp.refuse_incoming');
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId), 0, 'no leg');
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(userId), 0, 'no transfer');
    assert.deepEqual(await balances(agent), before);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('refused beside the field, with nothing written: the same account twice, an archived account, a zero or invalid amount', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, userId, main, savings } = await personWithSavings(ctx);
    await postForm(agent, '/accounts', '/accounts', { name: 'Old', kind: 'cash', openingBalance: '', openingOn: '' });
    const old = accountId(ctx, userId, 'Old');
    await postForm(agent, '/accounts', `/accounts/${old}/archive`, {});
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const same = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(main), amount: '5', date: '', description: '' });
    assert.equal(same.status, 422);
    assert.match(same.text, /id="transfer-to-error"><span aria-hidden="true">⚠ <\/span>Choose a different account from the first/);
    const archived = await postForm(agent, '/transfers/new', '/transfers', { from: String(old), to: String(savings), amount: '5', date: '', description: '' });
    assert.equal(archived.status, 422);
    assert.match(archived.text, /id="transfer-from-error"><span aria-hidden="true">⚠ <\/span>That account is archived/);
    for (const amount of ['0', '-5', '1.005', 'ten', '']) {
      const bad = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount, date: '', description: '' });
      assert.equal(bad.status, 422, amount);
      assert.match(bad.text, /id="transfer-amount-error"/, amount);
    }
    // A minus sign is refused without advice to choose Expense, which this form does not have.
    const minus = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(savings), amount: '-0', date: '', description: '' });
    assert.match(minus.text, /id="transfer-amount-error"><span aria-hidden="true">⚠ <\/span>Enter the amount without a minus sign\.</);
    assert.doesNotMatch(minus.text, /choose Expense/);
    // Every problem at once: the same account twice is said beside a bad amount, not after it is fixed.
    const both = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(main), amount: 'ten', date: '', description: '' });
    assert.match(both.text, /id="transfer-amount-error"/);
    assert.match(both.text, /id="transfer-to-error"><span aria-hidden="true">⚠ <\/span>Choose a different account from the first/);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
  });

  test('a missing, non-numeric or absurd account on either side is "Choose one of your accounts" beside its select, in the page\'s language, and nothing is written', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, main, savings } = await personWithSavings(ctx);
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const choose = (side: string, text: string) => new RegExp(`id="transfer-${side}-error"><span aria-hidden="true">⚠ </span>${text}</p>`);
    for (const bad of ['', 'abc', '0', '-1', '1.5', '99999999999999999', '9999999999999999']) {
      const res = await postForm(agent, '/transfers/new', '/transfers', { from: bad, to: bad, amount: '5', date: '', description: '' });
      assert.equal(res.status, 422, bad);
      for (const side of ['from', 'to']) {
        assert.match(res.text, choose(side, 'Choose one of your accounts\\.'), `${side} = ${JSON.stringify(bad)}`);
        assert.match(res.text, new RegExp(`id="transfer-${side}"[^>]*aria-invalid="true" aria-describedby="transfer-${side}-error"`), side);
      }
      assert.doesNotMatch(res.text, /⟦missing|Invalid (string|input)/, bad);
    }
    // One side good, the other left out: only that one is marked.
    const oneSide = await postForm(agent, '/transfers/new', '/transfers', { from: String(main), amount: '5', date: '', description: '' });
    assert.equal(oneSide.status, 422);
    assert.match(oneSide.text, choose('to', 'Choose one of your accounts\\.'));
    assert.doesNotMatch(oneSide.text, /id="transfer-from-error"/);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
    await postForm(agent, '/account', '/account/language', { language: 'uk' });
    const inUkrainian = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const uk = await postForm(agent, '/transfers/new', '/transfers', { from: 'abc', to: String(savings), amount: '5', date: '', description: '' });
    assert.equal(uk.status, 422);
    assert.match(uk.text, choose('from', 'Виберіть один зі своїх рахунків\\.'));
    assert.doesNotMatch(uk.text, /⟦missing|Invalid (string|input)/);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), inUkrainian);
  });

  test('with fewer than two open accounts, the transfer page says a transfer needs two and links to the accounts page, with no form (en and uk)', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const noForm = (html: string) => {
      assert.doesNotMatch(html, /<form method="post" action="\/transfers"/, 'no form that cannot succeed');
      assert.doesNotMatch(html, /<select id="transfer-(from|to)"/);
    };
    const one = await agent.get('/transfers/new');
    assert.equal(one.status, 200);
    assert.match(one.text, /A transfer moves money between two of your open accounts, and you have fewer than two\./);
    assert.match(one.text, /<a href="\/accounts">Add an account, or unarchive one, on the Accounts page<\/a>/);
    noForm(one.text);
    // A second account that is archived does not count.
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '2026-01-01' });
    const savings = accountId(ctx, userId, 'Savings');
    await postForm(agent, '/accounts', `/accounts/${savings}/archive`, {});
    await postForm(agent, '/account', '/account/language', { language: 'uk' });
    const uk = await agent.get('/transfers/new');
    assert.match(uk.text, /Переказ переміщує гроші між двома вашими відкритими рахунками, а у вас їх менше двох\./);
    assert.match(uk.text, /<a href="\/accounts">Додайте рахунок або поверніть його з архіву на сторінці «Рахунки»<\/a>/);
    noForm(uk.text);
    // A post made anyway (an old tab) is refused with the same page, and writes nothing.
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const posted = await postForm(agent, '/transfers', '/transfers', { from: String(accountId(ctx, userId, 'Main account')), to: String(savings), amount: '5', date: '', description: '' });
    assert.equal(posted.status, 422);
    assert.match(posted.text, /а у вас їх менше двох/);
    noForm(posted.text);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
    // Unarchived, the form is back.
    await postForm(agent, '/accounts', `/accounts/${savings}/unarchive`, {});
    assert.match((await agent.get('/transfers/new')).text, /<form method="post" action="\/transfers"/);
  });

  test("another person's account on either side is a 404 and nothing is written; another person's transfer is a 404 on every page", async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const ann = await personWithSavings(ctx, 'ann@example.com');
    const bob = await personWithSavings(ctx, 'bob@example.com');
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    const into = await postForm(ann.agent, '/transfers/new', '/transfers', { from: String(ann.main), to: String(bob.savings), amount: '5', date: '', description: '' });
    assert.equal(into.status, 404);
    const outOf = await postForm(ann.agent, '/transfers/new', '/transfers', { from: String(bob.main), to: String(ann.savings), amount: '5', date: '', description: '' });
    assert.equal(outOf.status, 404);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);

    await postForm(bob.agent, '/transfers/new', '/transfers', { from: String(bob.main), to: String(bob.savings), amount: '5', date: '', description: '' });
    const bobs = ctx.db.prepare('SELECT id FROM transfers WHERE user_id = ?').pluck().get(bob.userId) as number;
    const middle = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    for (const url of [`/transfers/${bobs}/edit`, `/transfers/${bobs}/delete`]) assert.equal((await ann.agent.get(url)).status, 404, url);
    assert.equal((await postForm(ann.agent, '/transfers/new', `/transfers/${bobs}/edit`, { from: String(ann.main), to: String(ann.savings), amount: '9', date: '', description: '' })).status, 404);
    assert.equal((await postForm(ann.agent, '/transfers/new', `/transfers/${bobs}/delete`, {})).status, 404);
    // Editing one's own transfer into another person's account is refused the same way.
    await postForm(ann.agent, '/transfers/new', '/transfers', { from: String(ann.main), to: String(ann.savings), amount: '5', date: '', description: '' });
    const anns = ctx.db.prepare('SELECT id FROM transfers WHERE user_id = ?').pluck().get(ann.userId) as number;
    const after = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    assert.equal((await postForm(ann.agent, `/transfers/${anns}/edit`, `/transfers/${anns}/edit`, { from: String(ann.main), to: String(bob.savings), amount: '9', date: '2026-02-03', description: '' })).status, 404);
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), after);
    assert.notEqual(middle, after);
    // The legs are never reachable as transactions.
    const leg = ctx.db.prepare('SELECT id FROM transactions WHERE transfer_id = ?').pluck().get(anns) as number;
    assert.equal((await ann.agent.get(`/transactions/${leg}/edit`)).status, 404);
  });
});

describe('account registers', () => {
  test('every page shows the balance after each row, equal to every row up to it plus the opening balance from its day on', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, userId, main, savings } = await personWithSavings(ctx);
    // The account opened in the middle of the rows' year, so the pages cross its opening day.
    ctx.db.prepare("UPDATE accounts SET opening_on = '2025-07-01' WHERE id = ?").run(savings);
    const rows = [];
    for (let i = 0; i < 130; i++) {
      rows.push({
        accountId: i % 4 === 0 ? main : savings,
        type: i % 3 === 0 ? ('income' as const) : ('expense' as const),
        amountCents: 50 + ((i * 7_919) % 90_000),
        occurredOn: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + ((i * 5) % 28)).padStart(2, '0')}`,
        description: `row ${i}`,
      });
    }
    insertTransactions(ctx.db, userId, rows);
    for (let i = 0; i < 6; i++) {
      await postForm(agent, '/transfers/new', '/transfers', { from: String(i % 2 ? main : savings), to: String(i % 2 ? savings : main), amount: `${i + 1}.25`, date: `2025-0${1 + i}-15`, description: `move ${i}` });
    }
    const stored = ctx.db
      .prepare<[number], { id: number; type: 'income' | 'expense' | 'transfer_in' | 'transfer_out'; amount_cents: number; occurred_on: string }>(
        'SELECT id, type, amount_cents, occurred_on FROM transactions WHERE account_id = ? ORDER BY occurred_on, id',
      )
      .all(savings);
    const expected = new Map<number, number>();
    let running = 0;
    for (const row of stored) {
      running += signedAmount(row.type, row.amount_cents);
      // The opening balance of 100.00 counts from the opening day on, as the balance chart counts it.
      expected.set(row.id, running + (row.occurred_on >= '2025-07-01' ? 10_000 : 0));
    }
    const balancesOn = (html: string) =>
      [...html.matchAll(/<td class="num register__balance"><span class="register__label">[^<]*<\/span>([^<]+)<\/td>/g)].map((cell) => {
        const text = cell[1]!;
        return (text.includes('\u2212') ? -1 : 1) * Number(text.replace(/\D/g, ''));
      });
    const link = (html: string, rel: 'next' | 'prev') => {
      const found = new RegExp(`<a href="(\\/accounts\\/\\d+\\?after=[^"]+)" rel="${rel}">`).exec(html);
      return found ? found[1]!.replaceAll('&amp;', '&') : null;
    };
    const pages: string[] = [];
    let url: string | null = `/accounts/${savings}`;
    while (url) {
      pages.push((await agent.get(url)).text);
      url = link(pages.at(-1)!, 'next');
    }
    const seen = pages.flatMap(balancesOn);
    // And back: from the third page on, Newer shows the page before, its balances the same.
    assert.ok(pages.length >= 3, 'three pages or more');
    for (let i = 0; i < pages.length; i++) {
      const newer = link(pages[i]!, 'prev');
      if (i < 2) assert.equal(newer, null, `page ${i + 1} has no Newer link`);
      else assert.deepEqual(balancesOn((await agent.get(newer!)).text), balancesOn(pages[i - 1]!), `Newer from page ${i + 1}`);
    }
    const newestFirst = [...stored].reverse().map((row) => expected.get(row.id));
    assert.equal(seen.length, stored.length, 'every row on some page');
    assert.deepEqual(seen, newestFirst);
    assert.equal(newestFirst[0], running + 10_000, 'the newest row shows the account balance');
  });
});

describe('net worth over time', () => {
  test('the 24 month-end balances and net worth come from the monthly totals and equal sums over the rows', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const { agent, userId, main, savings } = await personWithSavings(ctx);
    await postForm(agent, '/accounts', '/accounts', { name: 'Card', kind: 'credit_card', openingBalance: '-300.00', openingOn: '2025-06-10' });
    const card = accountId(ctx, userId, 'Card');
    const rows = [];
    for (let i = 0; i < 90; i++) {
      rows.push({
        accountId: [main, savings, card][i % 3]!,
        type: i % 4 === 0 ? ('income' as const) : ('expense' as const),
        amountCents: 100 + ((i * 3_571) % 40_000),
        occurredOn: `20${24 + Math.floor(i / 40)}-${String(1 + (i % 12)).padStart(2, '0')}-0${1 + (i % 9)}`,
        description: `row ${i}`,
      });
    }
    insertTransactions(ctx.db, userId, rows);
    await postForm(agent, '/transfers/new', '/transfers', { from: String(main), to: String(card), amount: '120.00', date: '2025-08-20', description: 'pay card' });
    const service = createAccountService({ accounts: createAccountsRepo(ctx.db), schedules: createSchedulesRepo(ctx.db), rules: createRulesRepo(ctx.db), inTransaction: createTransactionRunner(ctx.db), asOneRead: createReadRunner(ctx.db) });
    const { months } = service.netWorthSeries(userId, '2026-03');
    assert.equal(months.length, 24);
    assert.equal(months[0]!.month, '2024-04');
    assert.equal(months[23]!.month, '2026-03');
    const accounts = ctx.db.prepare<[number], { id: number; opening_balance_cents: number; opening_on: string }>('SELECT id, opening_balance_cents, opening_on FROM accounts WHERE user_id = ?').all(userId);
    const signed = "CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END";
    const through = ctx.db.prepare<[number, string], { n: number | null }>(`SELECT sum(${signed}) AS n FROM transactions WHERE account_id = ? AND substr(occurred_on, 1, 7) <= ?`);
    for (const monthEnd of months) {
      let worth = 0;
      for (const a of accounts) {
        const expected = (a.opening_on.slice(0, 7) <= monthEnd.month ? a.opening_balance_cents : 0) + (through.get(a.id, monthEnd.month)?.n ?? 0);
        assert.equal(monthEnd.balances.get(a.id), expected, `${a.id} at ${monthEnd.month}`);
        worth += expected;
      }
      assert.equal(monthEnd.netWorth.netWorthCents, worth, monthEnd.month);
    }
  });
});
