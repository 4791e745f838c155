import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestContext, postForm, registerUser, TEST_PASSWORD, type Agent, type TestContext } from '../helpers/app.ts';
import { logInAgent } from '../helpers/security.ts';
import { accountIdOf, assertAccountTotalsMatchRows, assertMonthlyTotalsMatchRows, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';
import { finishedPage, importCsv, upload } from '../helpers/csv-import.ts';
import { ofx1 } from '../helpers/statement-fixtures.ts';

async function setup(t: { after: (fn: () => unknown) => void }) {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 3, 10, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  return { ctx, agent, ann: userIdOf(ctx.db, 'ann@example.com') };
}

const count = (ctx: TestContext, userId: number) => ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId) as number;
const progressUrl = (html: string) => /href="(\/import\/[a-f0-9]{32})\/undo"/.exec(html)?.[1];

/** Opens an import's undo page and presses its button; returns the page and the progress page it leads to. */
async function undo(agent: Agent, importUrl: string) {
  const page = await agent.get(`${importUrl}/undo`);
  assert.equal(page.status, 200);
  const posted = await postForm(agent, `${importUrl}/undo`, `${importUrl}/undo`, {});
  assert.equal(posted.status, 303);
  return { page: page.text, after: (await agent.get(posted.headers.location!)).text, location: posted.headers.location! };
}

test('undoing a CSV import removes its rows and transfers in one go, leaves what it made and the rows before it, and the file imports again', async (t) => {
  const { ctx, agent, ann } = await setup(t);
  insertTransactions(ctx.db, ann, [{ type: 'expense', amountCents: 999, occurredOn: '2026-03-01', description: 'Typed before' }]);
  const file = [
    'date,type,category,amount,description,account,transfer',
    '2026-03-02,income,Salary,2500.00,Pay,Main account,',
    '2026-03-03,expense,Books,42.50,Novel,Main account,',
    '2026-03-04,transfer_out,,500.00,Put aside,Main account,T1',
    '2026-03-04,transfer_in,,500.00,Put aside,Savings,T1',
  ].join('\n');
  const { result } = await importCsv(agent, file);
  assert.match(result, /<strong>4<\/strong> transactions were imported/);
  assert.equal(count(ctx, ann), 5);
  const importUrl = progressUrl(result);
  assert.ok(importUrl, 'the result offers to undo the import');
  // An edit since the import does not keep a row: it is still the import's.
  const novel = ctx.db.prepare("SELECT id FROM transactions WHERE description = 'Novel'").pluck().get() as number;
  await postForm(agent, `/transactions/${novel}/edit`, `/transactions/${novel}`, { type: 'expense', amount: '40.00', date: '2026-03-03', description: 'Novel, used', category: '' });

  const { page, after } = await undo(agent, importUrl);
  assert.match(page, /This removes the 3 transactions this import added that are still there \(a transfer counts once/);
  assert.match(after, /The import was undone: 3 transactions removed\./);
  assert.match(after, /Undone on Apr 10, 2026: 3 transactions removed\./);
  assert.doesNotMatch(after, /Undo this import/, 'offered once');
  assert.deepEqual(ctx.db.prepare('SELECT description FROM transactions WHERE user_id = ?').pluck().all(ann), ['Typed before']);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(ann), 0);
  // What it made stays: the Savings account and the Books category.
  assert.ok(accountIdOf(ctx.db, ann, 'Savings'));
  assert.equal(ctx.db.prepare("SELECT count(*) FROM categories WHERE user_id = ? AND name = 'Books'").pluck().get(ann), 1);
  assertMonthlyTotalsMatchRows(ctx.db);
  assertAccountTotalsMatchRows(ctx.db);
  // Undone once: the page and the button lead back to the result, and nothing more goes.
  assert.equal((await agent.get(`${importUrl}/undo`)).status, 303);
  assert.equal((await postForm(agent, `${importUrl}/progress`, `${importUrl}/undo`, {})).status, 303);
  assert.equal(count(ctx, ann), 1);
  // Its keys went with its rows: the same file imports again.
  const again = await importCsv(agent, file);
  assert.match(again.result, /<strong>4<\/strong> transactions were imported/);
  assert.equal(count(ctx, ann), 5);
});

test("an import is undone only by its owner, not while any of its rows is reconciled, and never touches another person's rows", async (t) => {
  const { ctx, agent, ann } = await setup(t);
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const bobId = userIdOf(ctx.db, 'bob@example.com');
  await importCsv(bob, 'date,amount,description\n2026-03-02,-5.00,Bob coffee\n');
  const { result } = await importCsv(agent, 'date,amount,description\n2026-03-02,-5.00,Coffee\n2026-03-05,-7.00,Lunch\n');
  const importUrl = progressUrl(result)!;
  assert.equal((await bob.get(`${importUrl}/undo`)).status, 404, "another person's import is not found");
  assert.equal((await postForm(bob, '/import', `${importUrl}/undo`, {})).status, 404);
  assert.equal(count(ctx, ann), 2);

  const main = accountIdOf(ctx.db, ann, 'Main account');
  await postForm(agent, `/accounts/${main}/reconcile`, `/accounts/${main}/reconcile`, { statementOn: '2026-03-31', statementBalance: '-5.00' });
  const coffee = ctx.db.prepare("SELECT id FROM transactions WHERE description = 'Coffee'").pluck().get() as number;
  assert.equal((await postForm(agent, `/accounts/${main}/reconcile`, `/accounts/${main}/reconcile/rows`, { action: 'finish', ids: [String(coffee)] })).status, 303);
  const page = await agent.get(`${importUrl}/undo`);
  assert.match(page.text, /1 transaction of this import is reconciled, so the import cannot be undone as a whole/);
  assert.doesNotMatch(page.text, /class="button button--danger"/);
  const refused = await postForm(agent, `${importUrl}/progress`, `${importUrl}/undo`, {});
  assert.equal(refused.headers.location, `${importUrl}/undo`);
  assert.equal(count(ctx, ann), 2, 'nothing removed');
  assert.deepEqual(ctx.db.prepare('SELECT description FROM transactions WHERE user_id = ?').pluck().all(bobId), ['Bob coffee']);
});

test('undoing a bank statement import removes its entries, and the statement then imports again', async (t) => {
  const { ctx, agent, ann } = await setup(t);
  const statement = ofx1({ account: { number: '123' }, entries: [{ day: '2026-03-10', cents: -4_550, name: 'Corner Market', memo: '', bankId: 'F-1' }, { day: '2026-03-11', cents: 250_000, name: 'Pay', memo: '', bankId: 'F-2' }] });
  const up = await upload(agent, statement);
  const page = (await agent.get(up.headers.location!)).text;
  const posted = await postForm(agent, up.headers.location!, up.headers.location!, { account: /<option value="(\d+)" selected>/.exec(page)![1]! });
  const result = await finishedPage(agent, posted.headers.location!);
  const importUrl = progressUrl(result)!;
  const { after } = await undo(agent, importUrl);
  assert.match(after, /2 transactions removed/);
  assert.equal(count(ctx, ann), 0);
  assertMonthlyTotalsMatchRows(ctx.db);
  assertAccountTotalsMatchRows(ctx.db);
  const again = await upload(agent, statement);
  assert.doesNotMatch((await agent.get(again.headers.location!)).text, /imported before/);
});

/** Ann, with a 15.99 "Streaming" schedule from 16 March 2026 (`frequency`), and the clock at `now`. */
async function withStreaming(t: { after: (fn: () => unknown) => void }, now: number, frequency: 'weeks' | 'months') {
  const ctx = createTestContext({}, { clock: manualClock(now) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const main = accountIdOf(ctx.db, ann, 'Main account');
  assert.equal((await postForm(agent, '/scheduled/new', '/scheduled', {
    type: 'expense', account: String(main), toAccount: '', category: '', frequency, every: '1', weekday: '', monthDay: '', endOn: '', count: '',
    amount: '15.99', description: 'Streaming', startOn: '2026-03-16',
  })).status, 303);
  return { ctx, agent, ann };
}

test('an import undone gives back the scheduled occurrence it was recorded as: the schedule has it due again', async (t) => {
  const { ctx, agent, ann } = await withStreaming(t, Date.UTC(2026, 2, 15, 9), 'weeks');
  const { result } = await importCsv(agent, 'date,type,amount,description\n2026-03-17,expense,15.99,STREAMCO\n');
  assert.match(result, /1 row was recorded as a scheduled occurrence/);
  const occurrences = () => ctx.db.prepare('SELECT occurs_on FROM schedule_occurrences WHERE user_id = ?').pluck().all(ann);
  assert.deepEqual(occurrences(), ['2026-03-16']);
  await undo(agent, progressUrl(result)!);
  assert.deepEqual(occurrences(), [], 'the 16 March occurrence is due again');
  assert.equal(count(ctx, ann), 0);
  // When its day comes the poster posts it, once, on that day.
  ctx.clock.set(Date.UTC(2026, 2, 16, 9));
  await ctx.jobs.runDue();
  assert.deepEqual(ctx.db.prepare('SELECT occurred_on, description FROM transactions WHERE user_id = ?').all(ann), [{ occurred_on: '2026-03-16', description: 'Streaming' }]);
});

test("undo removes only rows the import wrote: a row typed later that takes a deleted row's id, and a transfer a rule run made, stay", async (t) => {
  const { ctx, agent, ann } = await setup(t);
  const { result } = await importCsv(agent, 'date,amount,description\n2026-03-02,-5.00,Coffee\n2026-03-05,-7.00,Lunch\n2026-03-06,-70.00,VISA PAYMENT\n');
  const importUrl = progressUrl(result)!;
  const id = (description: string) => ctx.db.prepare('SELECT id FROM transactions WHERE description = ?').pluck().get(description) as number;
  // The newest row deleted, and one typed by hand after it: SQLite gives it the deleted row's id.
  const visa = id('VISA PAYMENT');
  await postForm(agent, `/transactions/${visa}/delete`, `/transactions/${visa}/delete`, {});
  await postForm(agent, '/transactions/new', '/transactions', { type: 'expense', amount: '123.00', date: '2026-03-07', description: 'Typed by hand', category: '' });
  assert.equal(id('Typed by hand'), visa, 'the id was reused');
  // A rule run turns Lunch into a transfer with Savings: new rows, not the import's.
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const savings = accountIdOf(ctx.db, ann, 'Savings');
  await postForm(agent, '/rules', '/rules', { textMatch: 'contains', text: 'Lunch', amountFrom: '', amountTo: '', type: '', account: '', category: '', transfer: String(savings), rename: '' });
  const plan = await agent.get('/rules/run?from=2026-03-01&to=2026-03-31&scope=all');
  const digest = /name="digest" value="([^"]+)"/.exec(plan.text)?.[1];
  assert.ok(digest, 'the rule run offers to apply');
  await postForm(agent, '/rules/run?from=2026-03-01&to=2026-03-31&scope=all', '/rules/run', { from: '2026-03-01', to: '2026-03-31', scope: 'all', digest });
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(ann), 1, 'Lunch is a transfer now');

  const { page, after } = await undo(agent, importUrl);
  assert.match(page, /This removes the 1 transaction this import added that is still there/, 'Coffee alone');
  assert.match(after, /The import was undone: 1 transaction removed\./);
  assert.deepEqual(ctx.db.prepare("SELECT description FROM transactions WHERE user_id = ? AND type IN ('income', 'expense')").pluck().all(ann), ['Typed by hand']);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(ann), 1, 'the transfer the rule run made stays');
  assertMonthlyTotalsMatchRows(ctx.db);
  assertAccountTotalsMatchRows(ctx.db);
});

test('an occurrence the import was recorded as is posted by its schedule after an undo, even when the poster had gone past its day', async (t) => {
  const { ctx, agent, ann } = await withStreaming(t, Date.UTC(2026, 2, 14, 9), 'months');
  const { result } = await importCsv(agent, 'date,type,amount,description\n2026-03-14,expense,15.99,STREAMCO\n');
  assert.match(result, /1 row was recorded as a scheduled occurrence/);
  ctx.clock.set(Date.UTC(2026, 2, 20, 9));
  await ctx.jobs.runDue();
  await undo(agent, progressUrl(result)!);
  ctx.clock.set(Date.UTC(2026, 2, 21, 9));
  await ctx.jobs.runDue();
  assert.deepEqual(ctx.db.prepare('SELECT occurred_on, description FROM transactions WHERE user_id = ?').all(ann), [{ occurred_on: '2026-03-16', description: 'Streaming' }], 'posted on its own day, once');
  await ctx.jobs.runDue();
  assert.equal(count(ctx, ann), 1);
});

describe('an import undone after its schedule was changed: the present rule decides what is due again', () => {
  /** Rent of 900.00 on the 27th from 27 March; on 25 March the bank's row is imported as March's occurrence. */
  async function rentPaidByImport(t: { after: (fn: () => unknown) => void }) {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 1, 12)) });
    t.after(() => ctx.cleanup());
    const first = await registerUser(ctx.app, 'ann@example.com');
    const ann = userIdOf(ctx.db, 'ann@example.com');
    const main = String(accountIdOf(ctx.db, ann, 'Main account'));
    const fields = { type: 'expense', account: main, toAccount: '', category: '', frequency: 'months', every: '1', weekday: '', monthDay: '27', endOn: '', count: '', amount: '900.00', description: 'Rent', startOn: '2026-03-27' };
    assert.equal((await postForm(first, '/scheduled/new', '/scheduled', fields)).status, 303);
    ctx.clock.set(Date.UTC(2026, 2, 25, 12));
    // Signed in again: a session idle for over a week has ended.
    const agent = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const { result } = await importCsv(agent, 'date,type,amount,description\n2026-03-25,expense,900.00,ACME RENT\n');
    assert.match(result, /1 row was recorded as a scheduled occurrence/);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules WHERE user_id = ?').pluck().get(ann));
    const edit = async (changes: Record<string, string>) => assert.equal((await postForm(agent, `/scheduled/${id}/edit`, `/scheduled/${id}/edit`, { ...fields, ...changes })).status, 303);
    const live = async (from: number, to: number) => {
      for (let at = from; at <= to; at += 86_400_000) {
        ctx.clock.set(at);
        await ctx.jobs.runDue();
      }
    };
    const posted = () => ctx.db.prepare('SELECT occurred_on, amount_cents FROM transactions WHERE user_id = ? AND schedule_id IS NOT NULL ORDER BY occurred_on').all(ann);
    const occurrences = () => ctx.db.prepare("SELECT occurs_on || ' ' || outcome FROM schedule_occurrences WHERE user_id = ? ORDER BY occurs_on").pluck().all(ann);
    return { ctx, agent, ann, importUrl: progressUrl(result)!, edit, live, posted, occurrences };
  }

  test('a rent turned into a daily charge from tomorrow posts no daily charge dated before it began; March stays handled, as skipped', async (t) => {
    const { agent, importUrl, edit, live, posted, occurrences } = await rentPaidByImport(t);
    await live(Date.UTC(2026, 2, 26, 12), Date.UTC(2026, 2, 30, 12));
    await edit({ frequency: 'days', monthDay: '', amount: '5.00' });
    await undo(agent, importUrl);
    await live(Date.UTC(2026, 2, 30, 13), Date.UTC(2026, 3, 2, 13));
    // Before, the poster walked the daily rule from 27 March: 5.00 on the 27th, 28th, 29th and 30th.
    assert.deepEqual(posted(), [
      { occurred_on: '2026-03-31', amount_cents: 500 },
      { occurred_on: '2026-04-01', amount_cents: 500 },
      { occurred_on: '2026-04-02', amount_cents: 500 },
    ]);
    assert.deepEqual(occurrences(), ['2026-03-27 skipped', '2026-03-31 posted', '2026-04-01 posted', '2026-04-02 posted']);
  });

  test('a rent moved to the 5th from April on: March has no occurrence under the present rule, so nothing is posted for it and April is paid once', async (t) => {
    const { agent, importUrl, edit, live, posted, occurrences } = await rentPaidByImport(t);
    await live(Date.UTC(2026, 2, 26, 12), Date.UTC(2026, 2, 30, 12));
    await edit({ monthDay: '5' });
    await undo(agent, importUrl);
    await live(Date.UTC(2026, 2, 31, 12), Date.UTC(2026, 3, 10, 12));
    assert.deepEqual(posted(), [{ occurred_on: '2026-04-05', amount_cents: 90_000 }]);
    assert.deepEqual(occurrences(), ['2026-03-27 skipped', '2026-04-05 posted']);
  });

  test('a rent whose amount changed is due again in its period under the present rule: posted on its day at the new amount, once', async (t) => {
    const { ctx, agent, importUrl, edit, live, posted, occurrences } = await rentPaidByImport(t);
    await edit({ amount: '950.00' });
    await undo(agent, importUrl);
    assert.deepEqual(occurrences(), [], 'March is due again');
    assert.equal(ctx.db.prepare('SELECT next_on FROM schedules').pluck().get(), '2026-03-27', 'its next date is the occurrence, not the month\'s first day');
    await live(Date.UTC(2026, 2, 26, 12), Date.UTC(2026, 2, 30, 12));
    assert.deepEqual(posted(), [{ occurred_on: '2026-03-27', amount_cents: 95_000 }]);
    assert.deepEqual(occurrences(), ['2026-03-27 posted']);
  });
});

test('the upload page lists the person\'s recent imports, newest first, each leading to its page, where a finished one is undone; nobody else\'s', async (t) => {
  const { ctx, agent } = await setup(t);
  const none = await agent.get('/import');
  assert.doesNotMatch(none.text, /Your recent imports/, 'no list before the first import');
  const first = await importCsv(agent, ['date,type,amount,description', '2026-03-02,expense,12.00,Lunch', '2026-03-03,expense,8.00,Bus'].join('\n'));
  const firstUrl = progressUrl(first.result)!;
  await undo(agent, firstUrl);
  ctx.clock.advance(60_000);
  const second = await importCsv(agent, ['date,type,amount,description', '2026-03-05,income,900.00,Pay'].join('\n'));
  const secondUrl = progressUrl(second.result)!;
  // Someone else's import is not theirs to see.
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const bobs = await importCsv(bob, ['date,type,amount,description', '2026-03-06,expense,1.00,Gum'].join('\n'));
  const bobUrl = progressUrl(bobs.result)!;

  const page = (await agent.get('/import')).text;
  const list = page.slice(page.indexOf('Your recent imports'), page.indexOf('</section>', page.indexOf('Your recent imports')));
  const links = [...list.matchAll(/href="(\/import\/[a-f0-9]{32})\/progress"/g)].map((m) => m[1]);
  assert.deepEqual(links, [secondUrl, firstUrl], 'newest first, only this person\'s');
  assert.ok(!links.includes(bobUrl));
  assert.match(list, /1 transaction imported from 1 row[\s\S]*Open or undo/);
  assert.match(list, /Undone: its 2 transactions were removed/);
  // The link leads to the page that undoes it.
  assert.match((await agent.get(`${secondUrl}/progress`)).text, /Undo this import/);
  // In Ukrainian too.
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const uk = (await agent.get('/import')).text;
  assert.match(uk, /Ваші нещодавні імпорти/);
  assert.match(uk, /Імпортовано 1 операцію з 1 рядка/);
  assert.match(uk, /Скасовано: його 2 операції вилучено/);
});
