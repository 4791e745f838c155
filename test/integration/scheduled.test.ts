import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createJobsRepo } from '../../src/db/repos/jobs.ts';
import { createJobRunner } from '../../src/jobs/runner.ts';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestContext, postForm, registerUser, TEST_PASSWORD, TEST_SECRET, tokenFor, type Agent, type TestContext } from '../helpers/app.ts';
import { logInAgent } from '../helpers/security.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { accountIdOf, assertMonthlyTotalsMatchRows, categoryIdOf, flashFrom, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { importCsv } from '../helpers/csv-import.ts';

const DAY = 86_400_000;

function setup(t: { after: (fn: () => Promise<void>) => void }, at: number, env: Record<string, string> = {}): TestContext {
  const ctx = createTestContext(env, { clock: manualClock(at) });
  t.after(() => ctx.cleanup());
  return ctx;
}

interface ScheduleFields {
  type?: string;
  account?: string;
  toAccount?: string;
  category?: string;
  amount?: string;
  description?: string;
  frequency?: string;
  every?: string;
  weekday?: string;
  monthDay?: string;
  startOn: string;
  endOn?: string;
  count?: string;
}

/**
 * Saves a schedule through the form. A start that leaves more than three past occurrences to post is asked about
 * first (tested on its own below); these tests are about what posting them does, so they answer "post them" at once.
 */
async function createSchedule(agent: Agent, accountId: number, fields: ScheduleFields & { backlog?: string }) {
  return postForm(agent, '/scheduled/new', '/scheduled', {
    type: 'expense', account: String(accountId), toAccount: '', category: '', amount: '10.00', description: 'Rent', frequency: 'months',
    every: '1', weekday: '', monthDay: '', endOn: '', count: '', backlog: 'post', ...fields,
  } as Record<string, string>);
}

/** The days and amounts a user's schedule has posted, oldest first. */
function postedRows(ctx: TestContext, userId: number): { occurred_on: string; amount_cents: number; type: string }[] {
  return ctx.db
    .prepare<[number], { occurred_on: string; amount_cents: number; type: string }>(
      'SELECT occurred_on, amount_cents, type FROM transactions WHERE user_id = ? AND schedule_id IS NOT NULL ORDER BY occurred_on, id',
    )
    .all(userId);
}

async function userWithAccount(ctx: TestContext, email = 'ann@example.com') {
  const agent = await registerUser(ctx.app, email);
  const userId = userIdOf(ctx.db, email);
  return { agent, userId, accountId: accountIdOf(ctx.db, userId, 'Main account') };
}

/** A person at `at`, their one schedule made from `fields`, and a way to edit it, act on an occurrence and live on. */
async function personWithSchedule(t: { after: (fn: () => Promise<void>) => void }, at: number, fields: ScheduleFields) {
  const ctx = setup(t, at);
  const { agent, userId, accountId } = await userWithAccount(ctx);
  assert.equal((await createSchedule(agent, accountId, { description: 'S', amount: '10.00', ...fields })).status, 303);
  const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
  return {
    occurrence: async (on: string, action: 'post' | 'skip') => assert.equal((await postForm(agent, '/scheduled', `/scheduled/${id}/occurrence`, { on, action })).status, 303),
    edit: async (changes: Partial<ScheduleFields>) => {
      const res = await postForm(agent, `/scheduled/${id}/edit`, `/scheduled/${id}/edit`, {
        type: 'expense', account: String(accountId), toAccount: '', category: '', amount: '10.00', description: 'S', frequency: 'months',
        every: '1', weekday: '', monthDay: '', endOn: '', count: '', ...fields, ...changes,
      } as Record<string, string>);
      assert.equal(res.status, 303, res.text);
    },
    liveUntil: async (until: number) => {
      for (let now = ctx.clock.now() + DAY; now <= until; now += DAY) {
        ctx.clock.set(now);
        await ctx.jobs.runDue();
      }
    },
    handled: () => ctx.db.prepare<[number], { occurs_on: string; outcome: string }>('SELECT occurs_on, outcome FROM schedule_occurrences WHERE schedule_id = ? ORDER BY occurs_on').all(id).map((r) => `${r.occurs_on}${r.outcome === 'skipped' ? ' skipped' : ''}`),
    amounts: () => ctx.db.prepare<[number], { d: string; a: number }>('SELECT occurred_on AS d, amount_cents AS a FROM transactions WHERE user_id = ? ORDER BY occurred_on, id').all(userId),
    /** The days the schedules page offers to post now or skip. */
    offered: async () => [...(await agent.get('/scheduled')).text.matchAll(/name="on" value="(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]!),
  };
}

/** Presses a button of the form posting to `action` on a page, sending its hidden fields as a browser would. */
async function pressButton(agent: Agent, html: string, action: string, button?: { name: string; value: string }) {
  const start = html.indexOf(`action="${action}"`);
  assert.ok(start >= 0, `a form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  if (button) assert.match(form, new RegExp(`name="${button.name}" value="${button.value}"`));
  const body = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) body.append(m[1]!, m[2]!.replaceAll('&amp;', '&').replaceAll('&#34;', '"'));
  if (button) body.append(button.name, button.value);
  return agent.post(action).type('form').send(body.toString());
}

describe('a new schedule whose start is far in the past', () => {
  test('asks first, saying how many occurrences it would post and their total and how many recorded rows it takes; nothing is saved until the person chooses', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 20, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    // February's rent, as the bank's file brought it in: the schedule takes it rather than posting it again.
    insertTransactions(ctx.db, userId, [{ accountId, type: 'expense', amountCents: 120_000, occurredOn: '2026-02-02', description: 'RENT FEB' }]);
    const before = databaseFingerprint(ctx.db, { onlyUserId: userId });

    // The year typed wrong: 2024 for 2026.
    const asked = await createSchedule(agent, accountId, { startOn: '2024-03-01', amount: '1,200.00', backlog: '' });

    assert.equal(asked.status, 200);
    assert.match(asked.text, /<h1 class="page__title">Post 24 past occurrences now\?<\/h1>/);
    assert.match(asked.text, /This schedule starts on Mar 1, 2024: 25 occurrences fall due from then to today, Mar 20, 2026\./);
    assert.match(asked.text, /1 of them is recorded already \(a transaction of the same account, type and amount within a few days of its day\): it is taken as the schedule(&#39;|')s own, not posted again\./);
    assert.match(asked.text, /24 transactions will be posted, \$28,800\.00 in all\./);
    assert.match(asked.text, /the first occurrence is Apr 1, 2026\./);
    for (const [value, label] of [['post', 'Post 24 occurrences'], ['today', 'Start from today instead'], ['edit', 'Go back and edit']]) {
      assert.match(asked.text, new RegExp(`<button type="submit" name="backlog" value="${value}"[^>]*>${label}</button>`));
    }
    assert.equal(databaseFingerprint(ctx.db, { onlyUserId: userId }), before, 'asking saves nothing');

    // Go back and edit: the form as typed, nothing saved.
    const edit = await pressButton(agent, asked.text, '/scheduled', { name: 'backlog', value: 'edit' });
    assert.equal(edit.status, 200);
    assert.match(edit.text, /name="startOn" type="date" value="2024-03-01"|value="2024-03-01"[^>]*name="startOn"/);
    assert.equal(databaseFingerprint(ctx.db, { onlyUserId: userId }), before, 'going back saves nothing');

    // Start from today instead: the same day of the month, from the first one still to come; nothing past is posted.
    const fromToday = await pressButton(agent, asked.text, '/scheduled', { name: 'backlog', value: 'today' });
    assert.equal(fromToday.status, 303);
    assert.equal(flashFrom((await agent.get('/scheduled')).text), 'Schedule saved; nothing is due yet.');
    assert.deepEqual(ctx.db.prepare('SELECT start_on, month_day, next_on FROM schedules WHERE user_id = ?').get(userId), { start_on: '2026-04-01', month_day: 1, next_on: '2026-04-01' });
    assert.deepEqual(postedRows(ctx, userId), []);

    // Post them: every past occurrence, February's taken from the bank's row.
    const posted = await pressButton(agent, asked.text, '/scheduled', { name: 'backlog', value: 'post' });
    assert.equal(posted.status, 303);
    assert.equal(flashFrom((await agent.get('/scheduled')).text), 'Schedule saved; 1 past occurrence was already recorded and is now its own; newly posted: 24.');
    assert.equal(ctx.db.prepare("SELECT sum(amount_cents) FROM transactions WHERE user_id = ? AND type = 'expense'").pluck().get(userId), 25 * 120_000);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('three or fewer past occurrences are posted on saving without asking', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 20, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    const saved = await createSchedule(agent, accountId, { startOn: '2026-01-01', amount: '50.00', backlog: '' });
    assert.equal(saved.status, 303);
    assert.equal(postedRows(ctx, userId).length, 3);
  });

  test('deleting a schedule can delete the rows it posted too, but never reconciled ones or rows it took from what was recorded; the page counts each', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 20, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    insertTransactions(ctx.db, userId, [
      { accountId, type: 'expense', amountCents: 120_000, occurredOn: '2026-02-02', description: 'RENT FEB' },
      { accountId, type: 'expense', amountCents: 999, occurredOn: '2026-02-03', description: 'Coffee' },
    ]);
    assert.equal((await createSchedule(agent, accountId, { startOn: '2024-03-01', amount: '1,200.00' })).status, 303);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    // A statement reconciled one of the posted rows.
    ctx.db.prepare("UPDATE transactions SET status = 'reconciled' WHERE user_id = ? AND occurred_on = '2024-03-01'").run(userId);

    const confirm = await agent.get(`/scheduled/${id}/delete`);

    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /The 25 transactions it posted stay unless you tick the box below\./);
    assert.match(confirm.text, /<input type="checkbox" name="withRows" value="1"> Also delete the 23 transactions it posted<\/label>/);
    assert.match(confirm.text, /1 transaction it posted is reconciled with a bank statement: it stays, as the statement shows it\./);
    assert.match(confirm.text, /1 of its occurrences is a transaction you had recorded already \(typed, or from a bank file\) that the schedule took as its own: it stays\./);

    const token = /name="_csrf" value="([^"]+)"/.exec(confirm.text)![1]!;
    const res = await agent.post(`/scheduled/${id}/delete`).type('form').send({ _csrf: token, withRows: '1' });

    assert.equal(res.status, 303);
    assert.equal(flashFrom((await agent.get('/scheduled')).text), 'Schedule deleted with the 23 transactions it posted.');
    assert.deepEqual(ctx.db.prepare('SELECT occurred_on, description FROM transactions WHERE user_id = ? ORDER BY occurred_on').all(userId), [
      { occurred_on: '2024-03-01', description: 'Rent' },
      { occurred_on: '2026-02-02', description: 'RENT FEB' },
      { occurred_on: '2026-02-03', description: 'Coffee' },
    ]);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM schedules').pluck().get(), 0);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('a bank row an import recorded as a coming occurrence is the person\'s own: deleting the schedule with its rows keeps it', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    assert.equal((await createSchedule(agent, accountId, { startOn: '2026-03-17', amount: '15.99', description: 'STREAMCO' })).status, 303);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    const { result } = await importCsv(agent, ['date,type,amount,description', '2026-03-17,expense,15.99,STREAMCO'].join('\n'));
    assert.match(result, /<strong>1<\/strong> transaction was imported/);
    assert.equal(ctx.db.prepare('SELECT schedule_id FROM transactions WHERE user_id = ?').pluck().get(userId), id, 'recorded as the occurrence');

    const confirm = (await agent.get(`/scheduled/${id}/delete`)).text;
    assert.doesNotMatch(confirm, /name="withRows"/, 'nothing of its own to offer');
    assert.match(confirm, /1 of its occurrences is a transaction you had recorded already \(typed, or from a bank file\)/);
    const token = /name="_csrf" value="([^"]+)"/.exec(confirm)![1]!;
    assert.equal((await agent.post(`/scheduled/${id}/delete`).type('form').send({ _csrf: token, withRows: '1' })).status, 303);
    assert.deepEqual(ctx.db.prepare('SELECT occurred_on, description FROM transactions WHERE user_id = ?').all(userId), [{ occurred_on: '2026-03-17', description: 'STREAMCO' }]);
  });

  test('deleting a transfer schedule with its rows removes both legs of each transfer it posted', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 20, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    const savings = accountIdOf(ctx.db, userId, 'Savings');
    assert.equal((await createSchedule(agent, accountId, { type: 'transfer', toAccount: String(savings), startOn: '2025-10-05', amount: '100.00' })).status, 303);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(userId), 6);
    const token = /name="_csrf" value="([^"]+)"/.exec((await agent.get(`/scheduled/${id}/delete`)).text)![1]!;
    assert.equal((await agent.post(`/scheduled/${id}/delete`).type('form').send({ _csrf: token, withRows: '1' })).status, 303);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transfers WHERE user_id = ?').pluck().get(userId), 0);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId), 0);
    assertMonthlyTotalsMatchRows(ctx.db);
  });
});

describe('scheduled transactions', () => {
  test('a schedule that starts later has nothing to post yet, and says so rather than "0 past occurrences were posted"', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, accountId } = await userWithAccount(ctx);
    assert.equal((await createSchedule(agent, accountId, { startOn: '2026-04-01', amount: '9.99', description: 'Later' })).status, 303);
    const later = (await agent.get('/scheduled')).text;
    assert.match(later, /Schedule saved; nothing is due yet\./);
    assert.doesNotMatch(later, /0 past occurrences/);
  });

  test('a monthly schedule starting three months ago posts its three occurrences at once, each on its own date, in the list and the totals', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    const housing = categoryIdOf(ctx.db, userId, 'expense', 'Housing');
    const res = await createSchedule(agent, accountId, { startOn: '2025-12-20', amount: '1,250.00', category: String(housing) });
    assert.equal(res.status, 303);
    assert.match((await agent.get('/scheduled')).text, /Schedule saved; 3 past occurrences were posted\./);
    assert.deepEqual(postedRows(ctx, userId).map((r) => [r.occurred_on, r.amount_cents]), [['2025-12-20', 125000], ['2026-01-20', 125000], ['2026-02-20', 125000]]);
    const list = (await agent.get('/transactions')).text;
    assert.equal((list.match(/>Rent</g) ?? []).length, 3);
    assert.match((await agent.get('/scheduled')).text, /Every month on day 20[\s\S]*?Mar 20, 2026/);
    assertMonthlyTotalsMatchRows(ctx.db);
    // The export marks the rows a schedule posted, and the schedules download names the same reference.
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    const exported = (await agent.get('/transactions/export.csv')).text.trim().split('\r\n');
    assert.equal(exported.filter((line) => line.endsWith(`,Main account,,S${id}`)).length, 3);
    const schedules = (await agent.get('/scheduled/export.csv')).text;
    assert.equal(schedules, `schedule,type,account,to_account,category,amount,description,frequency,every,weekday,month_day,start,end,count,next\r\nS${id},expense,Main account,,Housing,1250.00,Rent,months,1,,20,2025-12-20,,,2026-03-20\r\n`);
  });

  test('a new schedule starting in the past takes the rows already recorded for its occurrences as its own, and posts only the missing ones', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 11, 5, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '2026-01-01' });
    const savings = accountIdOf(ctx.db, userId, 'Savings');
    // The rent as a bank's file brought it in: a day late in October, none in November; the same amount paid from
    // Savings, and one a week off, are other payments.
    insertTransactions(ctx.db, userId, [
      { accountId, type: 'expense', amountCents: 150_000, occurredOn: '2026-08-31', description: 'RENT AUG' },
      { accountId, type: 'expense', amountCents: 150_000, occurredOn: '2026-09-30', description: 'RENT SEP' },
      { accountId, type: 'expense', amountCents: 150_000, occurredOn: '2026-11-01', description: 'RENT OCT' },
      { accountId: savings, type: 'expense', amountCents: 150_000, occurredOn: '2026-11-30', description: 'Other' },
      { accountId, type: 'expense', amountCents: 150_000, occurredOn: '2026-11-21', description: 'A week off' },
      { accountId, type: 'income', amountCents: 150_000, occurredOn: '2026-11-30', description: 'An income' },
    ]);
    assert.equal((await createSchedule(agent, accountId, { startOn: '2026-08-31', monthDay: '31', amount: '1,500.00' })).status, 303);
    assert.match((await agent.get('/scheduled')).text, /Schedule saved; 3 past occurrences were already recorded and are now its own; newly posted: 1\./);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    const occurrences = ctx.db
      .prepare('SELECT o.occurs_on AS day, t.description FROM schedule_occurrences o JOIN transactions t ON t.id = o.transaction_id WHERE o.schedule_id = ? ORDER BY o.occurs_on')
      .all(id);
    assert.deepEqual(occurrences, [
      { day: '2026-08-31', description: 'RENT AUG' },
      { day: '2026-09-30', description: 'RENT SEP' },
      { day: '2026-10-31', description: 'RENT OCT' },
      { day: '2026-11-30', description: 'Rent' },
    ]);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ? AND amount_cents = 150000').pluck().get(userId), 7, 'one row added: November');
    // Another schedule of the same rent finds nothing left to take: each row is one schedule's.
    assert.equal((await createSchedule(agent, accountId, { startOn: '2026-08-31', monthDay: '31', amount: '1,500.00', description: 'Twice' })).status, 303);
    assert.match((await agent.get('/scheduled')).text, /Schedule saved; 4 past occurrences were posted\./);

    // A transfer schedule takes a transfer between its two accounts, in its direction.
    await postForm(agent, '/transfers/new', '/transfers', { from: String(accountId), to: String(savings), amount: '200.00', date: '2026-11-02', description: 'Saved by hand' });
    await postForm(agent, '/transfers/new', '/transfers', { from: String(savings), to: String(accountId), amount: '200.00', date: '2026-12-01', description: 'The other way' });
    assert.equal((await createSchedule(agent, accountId, { type: 'transfer', toAccount: String(savings), startOn: '2026-11-01', amount: '200', description: 'Save' })).status, 303);
    assert.match((await agent.get('/scheduled')).text, /Schedule saved; 1 past occurrence was already recorded and is now its own; newly posted: 1\./);
    assert.equal(ctx.db.prepare("SELECT count(*) FROM transfers WHERE user_id = ?").pluck().get(userId), 3);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('a daily schedule takes only the row of its own day, never the next day\'s or one dated after today', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 11, 5, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    insertTransactions(ctx.db, userId, ['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-07'].map((day) => ({ accountId, type: 'expense' as const, amountCents: 400, occurredOn: day, description: `Coffee ${day}` })));
    assert.equal((await createSchedule(agent, accountId, { frequency: 'days', startOn: '2026-12-01', amount: '4.00', description: 'Coffee' })).status, 303);
    assert.match((await agent.get('/scheduled')).text, /Schedule saved; 3 past occurrences were already recorded and are now its own; newly posted: 2\./);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    const taken = ctx.db.prepare('SELECT o.occurs_on AS day, t.description FROM schedule_occurrences o JOIN transactions t ON t.id = o.transaction_id WHERE o.schedule_id = ? ORDER BY o.occurs_on').all(id);
    assert.deepEqual(taken, [
      { day: '2026-12-01', description: 'Coffee' },
      { day: '2026-12-02', description: 'Coffee 2026-12-02' },
      { day: '2026-12-03', description: 'Coffee 2026-12-03' },
      { day: '2026-12-04', description: 'Coffee 2026-12-04' },
      { day: '2026-12-05', description: 'Coffee' },
    ]);
    assert.equal(ctx.db.prepare("SELECT schedule_id FROM transactions WHERE occurred_on = '2026-12-07'").pluck().get(), null, 'the row dated later stays its own');
  });

  test('saving a daily schedule 500 days behind posts 400 at once and the poster the rest, each day once', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    // 2024-11-01 to 2026-03-15, both included: 500 days.
    const res = await createSchedule(agent, accountId, { startOn: '2024-11-01', frequency: 'days', every: '1' });
    assert.equal(res.status, 303);
    assert.match((await agent.get('/scheduled')).text, /Schedule saved; 400 past occurrences were posted\./);
    assert.equal(postedRows(ctx, userId).length, 400);
    // The 100 days still behind are the poster's to post, not upcoming bills: the next 30 days start today.
    assert.match((await agent.get('/dashboard')).text, /Expected bills: \$310\.00\./, 'today and the 30 days after it, at 10.00 a day');
    // The poster's next round, a couple of minutes on.
    ctx.clock.set(Date.UTC(2026, 2, 15, 9, 2));
    await ctx.jobs.runDue();
    const days = postedRows(ctx, userId).map((r) => r.occurred_on);
    assert.equal(days.length, 500);
    assert.equal(new Set(days).size, 500, 'each day once');
    assert.deepEqual([days[0], days.at(-1)], ['2024-11-01', '2026-03-15']);
    assert.match((await agent.get('/dashboard')).text, /Expected bills: \$300\.00\./, 'today is posted now');
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('a new schedule whose start would make more than ten years of daily rows due at once is refused beside its start, and nothing is kept', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    const refused = await createSchedule(agent, accountId, { startOn: '1900-01-02', frequency: 'days', every: '1' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /id="sch-start-error">(<span[^>]*>[^<]*<\/span>)?From this start, more than 3,660 transactions would be posted at once\. Choose a later start; past transactions can be imported or added by hand\./);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM schedules WHERE user_id = ?').pluck().get(userId), 0);
    assert.equal(postedRows(ctx, userId).length, 0);
    // A monthly one from the same day is 1,515 rows: allowed, and a save's worth posted at once.
    assert.equal((await createSchedule(agent, accountId, { startOn: '1900-01-02', frequency: 'months', every: '1' })).status, 303);
    assert.equal(postedRows(ctx, userId).length, 400);
  });

  test('editing a schedule years behind posts at most one save\'s worth and waits for the poster, never holding the database for the whole backlog', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    // A daily schedule begun in 2020: about 2,270 days due, of which saving it posted 400.
    assert.equal((await createSchedule(agent, accountId, { startOn: '2020-01-01', frequency: 'days', every: '1' })).status, 303);
    assert.equal(postedRows(ctx, userId).length, 400);
    const scheduleId = Number(ctx.db.prepare('SELECT id FROM schedules WHERE user_id = ?').pluck().get(userId));
    const edit = (amount: string) =>
      postForm(agent, `/scheduled/${scheduleId}/edit`, `/scheduled/${scheduleId}/edit`, {
        type: 'expense', account: String(accountId), toAccount: '', category: '', amount, description: 'Rent', frequency: 'days',
        every: '1', weekday: '', monthDay: '', startOn: '2020-01-01', endOn: '', count: '',
      });

    const early = await edit('12.00');
    assert.equal(early.status, 422);
    assert.match(early.text, /id="sch-start-error">(<span[^>]*>[^<]*<\/span>)?This schedule still has past days to post under its present rule/);
    assert.equal(postedRows(ctx, userId).length, 800, 'one save\'s worth more was posted, and kept');
    assert.equal(Number(ctx.db.prepare('SELECT amount_cents FROM schedules WHERE id = ?').pluck().get(scheduleId)), 1_000, 'the change waits');

    // The poster catches up in the background, in short batches; then the change is saved, from tomorrow on.
    for (let minute = 2; postedRows(ctx, userId).some((r) => r.occurred_on === '2026-03-15') === false && minute < 60; minute += 2) {
      ctx.clock.set(Date.UTC(2026, 2, 15, 9, minute));
      await ctx.jobs.runDue();
    }
    const due = postedRows(ctx, userId);
    assert.equal(new Set(due.map((r) => r.occurred_on)).size, due.length, 'each day once');
    assert.equal(due.at(-1)!.occurred_on, '2026-03-15');
    assert.equal((await edit('12.00')).status, 303);
    assert.equal(Number(ctx.db.prepare('SELECT amount_cents FROM schedules WHERE id = ?').pluck().get(scheduleId)), 1_200);
    assert.ok(postedRows(ctx, userId).every((r) => r.amount_cents === 1_000), 'the days already due keep the old amount');
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test("one person's totals at their limit hold back only their own schedule: the poster posts everyone else's", async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const ann = await userWithAccount(ctx, 'ann@example.com');
    const bob = await userWithAccount(ctx, 'bob@example.com');
    // Both schedules start tomorrow; ann's expenses are then 5.00 short of the limit a person's totals may reach.
    for (const who of [ann, bob]) assert.equal((await createSchedule(who.agent, who.accountId, { startOn: '2026-03-16', frequency: 'days', every: '1' })).status, 303);
    insertTransactions(ctx.db, ann.userId, [{ type: 'expense', amountCents: 100, occurredOn: '2026-03-01', description: 'first' }]);
    ctx.db.prepare("UPDATE user_totals SET total_cents = ? WHERE user_id = ? AND type = 'expense'").run(2 ** 52 - 500, ann.userId);

    ctx.clock.set(Date.UTC(2026, 2, 16, 9));
    await ctx.jobs.runDue();
    assert.equal(postedRows(ctx, bob.userId).length, 1, "bob's day is posted");
    assert.equal(postedRows(ctx, ann.userId).length, 0, "ann's waits: her totals would pass the limit");
    ctx.clock.set(Date.UTC(2026, 2, 17, 9));
    await ctx.jobs.runDue();
    assert.equal(postedRows(ctx, bob.userId).length, 2, 'and the next round goes on for bob');
  });

  test('a catch-up whose second day would pass the totals limit keeps nothing of that schedule, and posts each day once when there is room', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const ann = await userWithAccount(ctx, 'ann@example.com');
    assert.equal((await createSchedule(ann.agent, ann.accountId, { startOn: '2026-03-16', frequency: 'days', every: '1' })).status, 303);
    insertTransactions(ctx.db, ann.userId, [{ type: 'expense', amountCents: 100, occurredOn: '2026-03-01', description: 'first' }]);
    // Room for one 10.00 day, not two.
    ctx.db.prepare("UPDATE user_totals SET total_cents = ? WHERE user_id = ? AND type = 'expense'").run(2 ** 52 - 1_500, ann.userId);
    ctx.clock.set(Date.UTC(2026, 2, 17, 9)); // the 16th and the 17th are due at once
    await ctx.jobs.runDue();
    assert.deepEqual(postedRows(ctx, ann.userId), [], 'the first day is not kept without the second: the schedule would post it again');
    assert.equal(ctx.db.prepare('SELECT count(*) FROM schedule_occurrences WHERE user_id = ?').pluck().get(ann.userId), 0);
    // With room again, each day is posted once.
    ctx.db.prepare("UPDATE user_totals SET total_cents = 100 WHERE user_id = ? AND type = 'expense'").run(ann.userId);
    ctx.clock.set(Date.UTC(2026, 2, 18, 9));
    await ctx.jobs.runDue();
    assert.deepEqual(postedRows(ctx, ann.userId).map((r) => r.occurred_on), ['2026-03-16', '2026-03-17', '2026-03-18']);
    await ctx.jobs.runDue();
    assert.equal(postedRows(ctx, ann.userId).length, 3, 'each once');
  });

  test('the 31st posts on the last day of shorter months: 29 February in a leap year, 28 February in a common one', async (t) => {
    const ctx = setup(t, Date.UTC(2024, 4, 1, 12));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await createSchedule(agent, accountId, { startOn: '2024-01-31', monthDay: '31' });
    assert.deepEqual(postedRows(ctx, userId).map((r) => r.occurred_on), ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30']);
    ctx.clock.set(Date.UTC(2025, 3, 1, 12));
    await ctx.jobs.runDue();
    const days = postedRows(ctx, userId).map((r) => r.occurred_on);
    assert.ok(days.includes('2025-02-28') && !days.includes('2025-02-29'));
    assert.deepEqual(days.slice(-3), ['2025-01-31', '2025-02-28', '2025-03-31']);
    assert.equal(new Set(days).size, days.length, 'each once');
  });

  test("a weekly schedule posts at midnight of the owner's zone on both sides of a daylight-saving change", async (t) => {
    // New York moves to summer time at 2:00 on Sunday 8 March 2026: midnight is 05:00 UTC before, 04:00 UTC after.
    const ctx = setup(t, Date.UTC(2026, 2, 1, 12));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    assert.equal((await postForm(agent, '/account', '/account/time-zone', { timeZone: 'America/New_York' })).status, 303);
    await createSchedule(agent, accountId, { startOn: '2026-03-01', frequency: 'weeks', weekday: '0', description: 'Allowance' });
    const posted = () => postedRows(ctx, userId).map((r) => r.occurred_on);
    assert.deepEqual(posted(), ['2026-03-01']);
    for (const [instant, expected] of [
      [Date.UTC(2026, 2, 8, 4, 59), ['2026-03-01']], // 23:59 on Saturday in New York
      [Date.UTC(2026, 2, 8, 5, 0), ['2026-03-01', '2026-03-08']], // midnight EST
      [Date.UTC(2026, 2, 15, 3, 59), ['2026-03-01', '2026-03-08']], // 23:59 EDT on Saturday
      [Date.UTC(2026, 2, 15, 4, 0), ['2026-03-01', '2026-03-08', '2026-03-15']], // midnight EDT
    ] as const) {
      ctx.clock.set(instant);
      await ctx.jobs.runDue();
      assert.deepEqual(posted(), expected, new Date(instant).toISOString());
    }
  });

  test("east of UTC a schedule posts at the owner's midnight, hours before UTC's: Auckland's Monday begins on Sunday at 11:00 UTC", async (t) => {
    // Auckland is UTC+13 in summer: its Monday 2 March 2026 begins at 11:00 UTC on Sunday 1 March.
    const ctx = setup(t, Date.UTC(2026, 1, 28, 12));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    assert.equal((await postForm(agent, '/account', '/account/time-zone', { timeZone: 'Pacific/Auckland' })).status, 303);
    await createSchedule(agent, accountId, { startOn: '2026-03-02', frequency: 'weeks', weekday: '1', description: 'Rent' });
    const posted = () => postedRows(ctx, userId).map((r) => r.occurred_on);
    for (const [instant, expected] of [
      [Date.UTC(2026, 2, 1, 10, 59), []], // 23:59 on Sunday in Auckland
      [Date.UTC(2026, 2, 1, 11, 0), ['2026-03-02']], // midnight on Monday there, while UTC is still on Sunday
    ] as const) {
      ctx.clock.set(instant);
      await ctx.jobs.runDue();
      assert.deepEqual(posted(), expected, new Date(instant).toISOString());
    }
  });

  test('after 90 days of downtime a restart posts every missed occurrence once, each with its own date', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 0, 1, 12));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await createSchedule(agent, accountId, { startOn: '2026-01-01', frequency: 'days', description: 'Coffee', amount: '3.50' });
    assert.equal(postedRows(ctx, userId).length, 1);
    await ctx.jobs.stop(0);
    ctx.clock.advance(90 * DAY);
    await ctx.rebuild(); // starts the runner, as server.ts does, which posts what is due
    await ctx.jobs.runDue();
    const days = postedRows(ctx, userId).map((r) => r.occurred_on);
    assert.equal(days.length, 91);
    assert.equal(new Set(days).size, 91);
    assert.equal(days.at(-1), '2026-04-01');
    await ctx.jobs.runDue();
    assert.equal(postedRows(ctx, userId).length, 91, 'nothing more on the next pass');
    assert.equal(ctx.db.prepare('SELECT count(*) FROM schedule_occurrences').pluck().get(), 91);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('two app instances on one database file, both running the poster at once, post each occurrence once', async (t) => {
    const ctx = setup(t, Date.UTC(2020, 0, 1, 12));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await createSchedule(agent, accountId, { startOn: '2020-01-01', frequency: 'days', description: 'Daily' });
    await createSchedule(agent, accountId, { startOn: '2020-01-01', frequency: 'weeks', description: 'Weekly' });
    ctx.clock.set(Date.UTC(2026, 0, 1, 12)); // six years later: 2,193 daily and 314 weekly occurrences are due
    // A second process: its own connection, clock and job runner on the same file.
    const db2 = openDatabase(ctx.dbPath);
    migrate(db2);
    // Another process's runner: another identity, so neither takes the other's running job for a dead one.
    const jobs2 = createJobRunner({
      jobs: createJobsRepo(db2),
      clock: ctx.clock,
      logger: createLogger('silent'),
      identity: { runnerId: 'second-process', host: 'second-host', pid: process.pid + 1 },
    });
    createApp({ db: db2, config: ctx.config, clock: ctx.clock, jobs: jobs2, sessionSecret: TEST_SECRET, appRoot: REPO_ROOT });
    t.after(async () => {
      await jobs2.stop(0);
      db2.close();
    });
    // Each runner gets its own job, so both posters really run side by side, batch after batch.
    await ctx.jobs.stop(0);
    const first = createJobRunner({ jobs: createJobsRepo(ctx.db), clock: ctx.clock, logger: createLogger('silent') });
    createApp({ db: ctx.db, config: ctx.config, clock: ctx.clock, jobs: first, sessionSecret: TEST_SECRET, appRoot: REPO_ROOT });
    first.enqueue({ kind: 'post-scheduled', key: 'test:a' });
    jobs2.enqueue({ kind: 'post-scheduled', key: 'test:b' });
    await Promise.all([first.runDue(), jobs2.runDue()]);
    const ran = ctx.db.prepare("SELECT key, state, error FROM jobs WHERE key IN ('test:a', 'test:b') ORDER BY key").all();
    assert.deepEqual(ran, [{ key: 'test:a', state: 'done', error: null }, { key: 'test:b', state: 'done', error: null }], 'both posters ran');
    const rows = postedRows(ctx, userId);
    assert.equal(rows.length, 2193 + 314);
    const occurrences = ctx.db.prepare('SELECT count(*) FROM schedule_occurrences').pluck().get();
    assert.equal(occurrences, rows.length, 'one transaction per occurrence');
    const doubled = ctx.db
      .prepare("SELECT count(*) FROM (SELECT schedule_id, occurred_on FROM transactions WHERE schedule_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)")
      .pluck()
      .get();
    assert.equal(doubled, 0);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('an edit changes only the occurrences after today; what was posted stays, and deleting keeps it too', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await createSchedule(agent, accountId, { startOn: '2026-01-10', amount: '100' });
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    const edit = await postForm(agent, `/scheduled/${id}/edit`, `/scheduled/${id}/edit`, {
      type: 'expense', account: String(accountId), toAccount: '', category: '', amount: '120', description: 'Rent', frequency: 'months',
      every: '1', weekday: '', monthDay: '', startOn: '2026-01-10', endOn: '', count: '',
    });
    assert.equal(edit.status, 303);
    assert.deepEqual(postedRows(ctx, userId).map((r) => [r.occurred_on, r.amount_cents]), [['2026-01-10', 10000], ['2026-02-10', 10000], ['2026-03-10', 10000]]);
    ctx.clock.set(Date.UTC(2026, 3, 10, 0, 30));
    await ctx.jobs.runDue();
    assert.deepEqual(postedRows(ctx, userId).at(-1), { occurred_on: '2026-04-10', amount_cents: 12000, type: 'expense' });
    // Weeks later the session has timed out: sign in again.
    const again = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const confirm = await again.get(`/scheduled/${id}/delete`);
    assert.match(confirm.text, /The 4 transactions it posted stay unless you tick the box below\./);
    assert.equal((await postForm(again, `/scheduled/${id}/delete`, `/scheduled/${id}/delete`, {})).status, 303);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM schedules').pluck().get(), 0);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId), 4, 'posted rows stay');
  });

  test('an edit takes over from the next occurrence: one post a month when the day moves either way, and "N times" counts every post across edits', async (t) => {
    const ctx = setup(t, Date.UTC(2027, 0, 1, 10));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    const make = async (description: string, fields: ScheduleFields) => {
      assert.equal((await createSchedule(agent, accountId, { description, ...fields })).status, 303);
      return Number(ctx.db.prepare('SELECT id FROM schedules WHERE description = ?').pluck().get(description));
    };
    const later = await make('Later', { startOn: '2027-01-20', monthDay: '20' });
    const earlier = await make('Earlier', { startOn: '2027-01-15', monthDay: '15' });
    const sixTimes = await make('Six times', { startOn: '2027-01-15', monthDay: '15', count: '6' });
    const fiveTimes = await make('Five times', { startOn: '2027-01-02', frequency: 'days', every: '3', count: '5' });
    const weekly = await make('Weekly', { startOn: '2027-01-05', frequency: 'weeks', weekday: '2' });
    const paidEarly = await make('Paid early', { startOn: '2027-01-20', monthDay: '20' });
    for (let at = Date.UTC(2027, 0, 2, 10); at <= Date.UTC(2027, 2, 17, 10); at += DAY) {
      ctx.clock.set(at);
      await ctx.jobs.runDue();
    }
    // 17 March: Earlier and Six times posted on the 15th; Later (the 20th) is still to come; Paid early's March one is paid now.
    const signedIn = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    assert.equal((await postForm(signedIn, '/scheduled', `/scheduled/${paidEarly}/occurrence`, { on: '2027-03-20', action: 'post' })).status, 303);
    const edit = async (id: number, description: string, fields: ScheduleFields) => {
      const res = await postForm(signedIn, `/scheduled/${id}/edit`, `/scheduled/${id}/edit`, {
        type: 'expense', account: String(accountId), toAccount: '', category: '', amount: '10.00', description, frequency: 'months',
        every: '1', weekday: '', monthDay: '', endOn: '', count: '', ...fields,
      } as Record<string, string>);
      assert.equal(res.status, 303, `${description}: ${res.text}`);
    };
    await edit(later, 'Later', { startOn: '2027-01-20', monthDay: '15' });
    // March's rent on the new day (the 15th, two days ago) is posted by the save itself, which says so.
    assert.match((await signedIn.get('/scheduled')).text, /Schedule saved; 1 occurrence due by now was posted\./);
    await edit(earlier, 'Earlier', { startOn: '2027-01-15', monthDay: '20' });
    await edit(sixTimes, 'Six times', { startOn: '2027-01-15', monthDay: '15', every: '2', count: '6' });
    await edit(fiveTimes, 'Five times', { startOn: '2027-01-02', frequency: 'days', every: '3', count: '10' });
    await edit(weekly, 'Weekly', { startOn: '2027-01-05', frequency: 'weeks', weekday: '3' });
    await edit(paidEarly, 'Paid early', { startOn: '2027-01-20', monthDay: '25' });
    for (let at = Date.UTC(2027, 2, 18, 10); at <= Date.UTC(2028, 0, 31, 10); at += 5 * DAY) {
      ctx.clock.set(at);
      await ctx.jobs.runDue();
    }
    const days = (description: string) =>
      ctx.db.prepare<[number, string], string>('SELECT occurred_on FROM transactions WHERE user_id = ? AND description = ? ORDER BY occurred_on').pluck().all(userId, description);
    const month = (description: string, prefix: string) => days(description).filter((d) => d.startsWith(prefix));
    // The day moved earlier before March's was paid: March's is paid on the new day, at once (not skipped).
    assert.deepEqual(month('Later', '2027-03'), ['2027-03-15']);
    assert.deepEqual(month('Later', '2027-04'), ['2027-04-15']);
    // The day moved later after March's was paid: none on the 20th as well; April on the new day.
    assert.deepEqual(month('Earlier', '2027-03'), ['2027-03-15']);
    assert.deepEqual(month('Earlier', '2027-04'), ['2027-04-20']);
    // Paid early for March, then moved to the 25th: still one in March, and April on the 25th.
    assert.deepEqual(month('Paid early', '2027-03'), ['2027-03-17']);
    assert.deepEqual(month('Paid early', '2027-04'), ['2027-04-25']);
    // Six times stays six: three before the edit, three every other month after it.
    assert.deepEqual(days('Six times'), ['2027-01-15', '2027-02-15', '2027-03-15', '2027-05-15', '2027-07-15', '2027-09-15']);
    // Five times, raised to ten after it ended, goes on from tomorrow for five more.
    assert.equal(days('Five times').length, 10);
    assert.equal(days('Five times')[5]! >= '2027-03-18', true, days('Five times').join(' '));
    // Tuesday to Wednesday after this week's Tuesday: next Wednesday, not tomorrow as well.
    assert.deepEqual(days('Weekly').filter((d) => d >= '2027-03-09' && d <= '2027-03-31'), ['2027-03-09', '2027-03-16', '2027-03-24', '2027-03-31']);
    const list = (await (await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD)).get('/scheduled')).text;
    assert.match(list, /Every 3 days, 10 times/);
    assertMonthlyTotalsMatchRows(ctx.db);
  });

  test('an edit after skipping or paying ahead loses nothing in between and pays no period twice; a start moved earlier or a shorter interval posts from today\'s period', async (t) => {
    const scene = (at: number, fields: ScheduleFields) => personWithSchedule(t, at, fields);
    // Weekly on Fridays; 19 March skipped ahead, then the amount changed on Monday 1 March: 5 and 12 March still come, at the new amount.
    const weekly = await scene(Date.UTC(2027, 2, 1, 10), { startOn: '2027-02-05', frequency: 'weeks' });
    await weekly.occurrence('2027-03-19', 'skip');
    await weekly.edit({ startOn: '2027-02-05', frequency: 'weeks', amount: '12.00' });
    await weekly.liveUntil(Date.UTC(2027, 3, 3, 10));
    assert.deepEqual(weekly.handled().filter((d) => d >= '2027-03'), ['2027-03-05', '2027-03-12', '2027-03-19 skipped', '2027-03-26', '2027-04-02']);
    assert.deepEqual(weekly.amounts().filter((r) => r.d >= '2027-03').map((r) => r.a), [1200, 1200, 1200, 1200]);
    // Daily, 6 March skipped ahead, then edited: 2 to 5 March still come.
    const daily = await scene(Date.UTC(2027, 2, 1, 10), { startOn: '2027-03-01', frequency: 'days' });
    await daily.occurrence('2027-03-06', 'skip');
    await daily.edit({ startOn: '2027-03-01', frequency: 'days', amount: '11.00' });
    await daily.liveUntil(Date.UTC(2027, 2, 8, 10));
    assert.deepEqual(daily.handled(), ['2027-03-01', '2027-03-02', '2027-03-03', '2027-03-04', '2027-03-05', '2027-03-06 skipped', '2027-03-07', '2027-03-08']);
    // Monthly on the 1st, March's paid on 31 January, then moved to the 20th: February once, March never again.
    const early = await scene(Date.UTC(2027, 0, 31, 10), { startOn: '2027-01-01', monthDay: '1' });
    await early.occurrence('2027-03-01', 'post');
    await early.edit({ startOn: '2027-01-01', monthDay: '20' });
    await early.liveUntil(Date.UTC(2027, 3, 25, 10));
    assert.deepEqual(early.handled(), ['2027-01-01', '2027-02-20', '2027-03-01', '2027-04-20']);
    // A start moved from June to March on 10 February: March, April and May come.
    const moved = await scene(Date.UTC(2027, 1, 10, 10), { startOn: '2027-06-01', monthDay: '1' });
    await moved.edit({ startOn: '2027-03-01', monthDay: '1' });
    await moved.liveUntil(Date.UTC(2027, 5, 2, 10));
    assert.deepEqual(moved.handled(), ['2027-03-01', '2027-04-01', '2027-05-01', '2027-06-01']);
    // Every 3 months from 15 January, made monthly on 1 February: 15 February and 15 March come.
    const shorter = await scene(Date.UTC(2027, 1, 1, 10), { startOn: '2027-01-15', monthDay: '15', every: '3' });
    await shorter.edit({ startOn: '2027-01-15', monthDay: '15', every: '1' });
    await shorter.liveUntil(Date.UTC(2027, 3, 16, 10));
    assert.deepEqual(shorter.handled(), ['2027-01-15', '2027-02-15', '2027-03-15', '2027-04-15']);
  });

  test('"N times" counts every day posted or skipped across edits: skipped ahead, paid early, a new interval, a lowered count or another frequency never take it past N', async (t) => {
    const scene = (at: number, fields: ScheduleFields) => personWithSchedule(t, at, fields);
    // Daily, 10 times; the 8th skipped ahead, then the count lowered to 5: the 2nd, 3rd and 4th, and no more.
    const lowered = await scene(Date.UTC(2027, 2, 1, 10), { startOn: '2027-03-01', frequency: 'days', count: '10' });
    await lowered.occurrence('2027-03-08', 'skip');
    await lowered.edit({ startOn: '2027-03-01', frequency: 'days', count: '5' });
    await lowered.liveUntil(Date.UTC(2027, 2, 20, 10));
    assert.deepEqual(lowered.handled(), ['2027-03-01', '2027-03-02', '2027-03-03', '2027-03-04', '2027-03-08 skipped']);
    // Every 2 days, 5 times, the 5th paid early, then every 3 days: five in all.
    const interval = await scene(Date.UTC(2027, 2, 1, 10), { startOn: '2027-03-01', frequency: 'days', every: '2', count: '5' });
    await interval.occurrence('2027-03-05', 'post');
    await interval.edit({ startOn: '2027-03-01', frequency: 'days', every: '3', count: '5' });
    await interval.liveUntil(Date.UTC(2027, 3, 1, 10));
    assert.equal(interval.handled().length, 5, interval.handled().join(' '));
    // Monthly, once, already posted; moved to the 20th with a later start: nothing more.
    const once = await scene(Date.UTC(2027, 0, 31, 10), { startOn: '2027-01-01', monthDay: '1', count: '1' });
    await once.edit({ startOn: '2027-02-20', monthDay: '20', count: '1' });
    await once.liveUntil(Date.UTC(2027, 3, 1, 10));
    assert.deepEqual(once.handled(), ['2027-01-01']);
    // Weekly, 4 times, three posted, made monthly on the 25th: one more (April's; March already has its own).
    const weeklyToMonthly = await scene(Date.UTC(2027, 2, 20, 10), { startOn: '2027-03-01', frequency: 'weeks', count: '4' });
    await weeklyToMonthly.edit({ startOn: '2027-03-01', frequency: 'months', monthDay: '25', count: '4' });
    await weeklyToMonthly.liveUntil(Date.UTC(2027, 6, 1, 10));
    assert.deepEqual(weeklyToMonthly.handled(), ['2027-03-01', '2027-03-08', '2027-03-15', '2027-04-25']);
    // The list never offers what will be passed over: a day skipped 49 days ahead serves its year after the rule
    // turns yearly, so 5 January 2028 is neither listed nor posted.
    const ahead = await scene(Date.UTC(2027, 11, 10, 10), { startOn: '2027-12-10', frequency: 'weeks' });
    await ahead.occurrence('2028-01-28', 'skip');
    await ahead.edit({ startOn: '2028-01-05', frequency: 'years' });
    assert.deepEqual(await ahead.offered(), []);
    await ahead.liveUntil(Date.UTC(2028, 0, 10, 10));
    assert.ok(!ahead.handled().includes('2028-01-05'), ahead.handled().join(' '));
  });

  test('the edit page shows a weekday or day taken from the start date as "the start date\'s", so moving the start moves it', async (t) => {
    const ctx = setup(t, Date.UTC(2027, 2, 17, 10));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    // Tuesday 5 January: weekly, the weekday left to the start date; monthly on a day chosen apart from it.
    await createSchedule(agent, accountId, { description: 'Weekly', startOn: '2027-01-05', frequency: 'weeks' });
    await createSchedule(agent, accountId, { description: 'Chosen day', startOn: '2027-01-05', monthDay: '20' });
    const id = (d: string) => Number(ctx.db.prepare('SELECT id FROM schedules WHERE description = ?').pluck().get(d));
    const weeklyPage = (await agent.get(`/scheduled/${id('Weekly')}/edit`)).text;
    assert.match(weeklyPage, /<select id="sch-weekday" name="weekday"[^>]*>\s*<option value="" selected>/);
    const monthlyPage = (await agent.get(`/scheduled/${id('Chosen day')}/edit`)).text;
    assert.match(monthlyPage, /name="monthDay"[^>]*value="20"/, 'a day chosen apart from the start stays written');
    // Sent back with only the start moved to Wednesday 24 March: Wednesdays from then on.
    assert.equal((await postForm(agent, `/scheduled/${id('Weekly')}/edit`, `/scheduled/${id('Weekly')}/edit`, {
      type: 'expense', account: String(accountId), toAccount: '', category: '', amount: '10.00', description: 'Weekly', frequency: 'weeks',
      every: '1', weekday: '', monthDay: '', startOn: '2027-03-24', endOn: '', count: '',
    })).status, 303);
    ctx.clock.set(Date.UTC(2027, 3, 10, 10));
    await ctx.jobs.runDue();
    const days = ctx.db.prepare<[number], string>("SELECT occurred_on FROM transactions WHERE user_id = ? AND description = 'Weekly' AND occurred_on > '2027-03-17' ORDER BY occurred_on").pluck().all(userId);
    assert.deepEqual(days, ['2027-03-24', '2027-03-31', '2027-04-07']);
  });

  test('a transfer schedule posts both legs, never as income or expense', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '2026-01-01' });
    const savings = accountIdOf(ctx.db, userId, 'Savings');
    const res = await createSchedule(agent, accountId, { type: 'transfer', toAccount: String(savings), category: '', startOn: '2026-02-01', amount: '200', description: 'Save' });
    assert.equal(res.status, 303);
    assert.deepEqual(postedRows(ctx, userId).map((r) => [r.occurred_on, r.type]), [['2026-02-01', 'transfer_out'], ['2026-02-01', 'transfer_in'], ['2026-03-01', 'transfer_out'], ['2026-03-01', 'transfer_in']]);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM monthly_totals WHERE user_id = ?').pluck().get(userId), 0, 'no income or expense');
    const same = await createSchedule(agent, accountId, { type: 'transfer', toAccount: String(accountId), startOn: '2026-02-01' });
    assert.equal(same.status, 422);
    assert.match(same.text, /Choose a different account from the first/);
  });

  test('a schedule whose account is archived is paused: nothing posts into it, it is no expected bill, and once the account is back what fell due is posted once', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent: first, userId, accountId } = await userWithAccount(ctx);
    let agent = first;
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '2026-01-01' });
    const savings = accountIdOf(ctx.db, userId, 'Savings');
    assert.equal((await createSchedule(agent, accountId, { type: 'transfer', toAccount: String(savings), startOn: '2026-03-20', amount: '200', description: 'Save' })).status, 303);
    const id = Number(ctx.db.prepare('SELECT id FROM schedules').pluck().get());
    // The savings account is closed, and archived.
    assert.equal((await postForm(agent, `/accounts/${savings}`, `/accounts/${savings}/archive`, {})).status, 303);
    for (let day = 0; day < 70; day++) {
      ctx.clock.advance(DAY);
      await ctx.jobs.runDue();
    }
    assert.deepEqual(postedRows(ctx, userId), [], 'nothing moved into the archived account');
    // Ten weeks on, the session has lapsed: the person signs in again.
    agent = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const list = (await agent.get('/scheduled')).text;
    assert.match(list, /<strong>Paused<\/strong> <span class="muted">\(an account it uses is archived/);
    const dashboard = (await agent.get('/dashboard')).text;
    assert.doesNotMatch(dashboard, /Save/, 'a paused schedule is not upcoming');
    const postNow = await postForm(agent, '/scheduled', `/scheduled/${id}/occurrence`, { on: '2026-05-20', action: 'post' });
    assert.equal(postNow.status, 303);
    assert.match((await agent.get('/scheduled')).text, /Nothing was posted for May 20, 2026: an account this schedule uses is archived/);
    assert.deepEqual(postedRows(ctx, userId), []);
    // Brought back: the three months that fell due are posted, each on its own day, once.
    assert.equal((await postForm(agent, `/accounts/${savings}`, `/accounts/${savings}/unarchive`, {})).status, 303);
    // The poster's next round, within a minute.
    ctx.clock.advance(60_000);
    await ctx.jobs.runDue();
    assert.deepEqual(postedRows(ctx, userId).filter((r) => r.type === 'transfer_in').map((r) => r.occurred_on), ['2026-03-20', '2026-04-20', '2026-05-20']);
    assert.doesNotMatch((await agent.get('/scheduled')).text, /Paused/);
  });

  test('the dashboard lists the next 30 days with the expected bills; each occurrence can be posted now or skipped, once', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, userId, accountId } = await userWithAccount(ctx);
    await createSchedule(agent, accountId, { startOn: '2026-03-20', amount: '900', description: 'Rent' });
    await createSchedule(agent, accountId, { startOn: '2026-03-16', frequency: 'weeks', amount: '15.99', description: 'Streaming' });
    await createSchedule(agent, accountId, { type: 'income', startOn: '2026-03-31', amount: '3000', description: 'Salary' });
    await createSchedule(agent, accountId, { startOn: '2026-05-01', amount: '1', description: 'Later' });
    const dashboard = (await agent.get('/dashboard')).text;
    // Rent once, streaming on 16, 23 and 30 March and 6 and 13 April: 900 + 5 × 15.99.
    assert.match(dashboard, /Expected bills: \$979\.95\. Expected income: \$3,000\.00\./);
    assert.doesNotMatch(dashboard, /Later/);
    assert.match(dashboard, /Post now: Rent, Mar 20, 2026/);

    const rent = Number(ctx.db.prepare("SELECT id FROM schedules WHERE description = 'Rent'").pluck().get());
    const post = await postForm(agent, '/dashboard', `/scheduled/${rent}/occurrence`, { on: '2026-03-20', action: 'post', back: '/dashboard' });
    assert.equal(post.status, 303);
    assert.equal(post.headers.location, '/dashboard');
    assert.match((await agent.get('/dashboard')).text, /The occurrence of Mar 20, 2026 was posted, dated today\./);
    assert.deepEqual(postedRows(ctx, userId).map((r) => r.occurred_on), ['2026-03-15'], 'dated today');
    const again = await postForm(agent, '/dashboard', `/scheduled/${rent}/occurrence`, { on: '2026-03-20', action: 'skip', back: '/dashboard' });
    assert.equal(again.status, 303);
    assert.match((await agent.get('/dashboard')).text, /was already posted or skipped/);

    const streaming = Number(ctx.db.prepare("SELECT id FROM schedules WHERE description = 'Streaming'").pluck().get());
    await postForm(agent, '/scheduled', `/scheduled/${streaming}/occurrence`, { on: '2026-03-16', action: 'skip', back: '/scheduled' });
    const notOne = await postForm(agent, '/scheduled', `/scheduled/${streaming}/occurrence`, { on: '2026-03-17', action: 'post', back: '/scheduled' });
    assert.equal(notOne.status, 303);
    assert.match((await agent.get('/scheduled')).text, /That is not a coming occurrence of this schedule\./);
    // The list and its export name the next occurrence still to come: past the rent paid early and the streaming skipped.
    const listed = (await agent.get('/scheduled')).text;
    const nextOf = (description: string) =>
      listed
        .split('<tr class="schedule ')
        .find((row) => row.includes(`class="schedule__name">${description}`))
        ?.match(/class="schedule__next">.*?<time datetime="([\d-]+)"/)?.[1];
    assert.equal(nextOf('Rent'), '2026-04-20');
    assert.equal(nextOf('Streaming'), '2026-03-23');
    // Soonest first by the day shown: the rent paid early now comes after the salary due on the 31st.
    assert.deepEqual([...listed.matchAll(/class="schedule__name">([^<]+)</g)].map((m) => m[1]!.trim()), ['Streaming', 'Salary', 'Rent', 'Later']);
    const csv = (await agent.get('/scheduled/export.csv')).text;
    assert.match(csv, /,Rent,months,.*,2026-04-20\r\n/);
    assert.match(csv, /,Streaming,weeks,.*,2026-03-23\r\n/);
    // When the days come, the skipped and the early-posted occurrences are not posted again.
    ctx.clock.set(Date.UTC(2026, 2, 21, 9));
    await ctx.jobs.runDue();
    assert.deepEqual(postedRows(ctx, userId).map((r) => r.occurred_on), ['2026-03-15'], 'rent was paid early and streaming skipped');
    ctx.clock.set(Date.UTC(2026, 2, 24, 9));
    await ctx.jobs.runDue();
    assert.deepEqual(postedRows(ctx, userId).map((r) => r.occurred_on), ['2026-03-15', '2026-03-23']);
  });

  test('bad fields are refused beside them and nothing is saved; another person’s account or category is refused too', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, accountId } = await userWithAccount(ctx);
    const bob = await userWithAccount(ctx, 'bob@example.com');
    const bobCategory = categoryIdOf(ctx.db, bob.userId, 'expense', 'Housing');
    const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
    for (const [fields, field, message] of [
      [{ amount: '12.345', startOn: '2026-03-01' }, 'sch-amount', /Use at most two decimal places/],
      [{ amount: '0', startOn: '2026-03-01' }, 'sch-amount', /greater than zero/],
      [{ startOn: '2026-02-30' }, 'sch-start', /real calendar date/],
      [{ startOn: '2026-03-01', endOn: '2026-02-01' }, 'sch-end', /The end date is before the start date/],
      [{ startOn: '2026-03-01', every: '0' }, 'sch-every', /whole number from 1 to 999/],
      [{ startOn: '2026-03-01', monthDay: '32' }, 'sch-month-day', /from 1 to 31/],
      [{ startOn: '2026-03-01', count: '10001' }, 'sch-count', /from 1 to 10,000/],
      [{ startOn: '2026-03-01', frequency: 'hourly' }, 'sch-frequency', /Choose days, weeks, months or years/],
      [{ startOn: '2026-03-01', type: 'gift' }, 'sch-type', /Choose Expense, Income or Transfer/],
      [{ startOn: '2026-03-01', category: String(bobCategory) }, 'sch-category', /Choose one of your categories/],
      [{ startOn: '2026-03-01', account: String(bob.accountId) }, 'sch-account', /Choose/],
    ] as const) {
      const res = await createSchedule(agent, accountId, fields as ScheduleFields);
      assert.equal(res.status, 422, JSON.stringify(fields));
      assert.match(res.text, new RegExp(`id="${field}-error"`), JSON.stringify(fields));
      assert.match(res.text, message, JSON.stringify(fields));
    }
    assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before, 'nothing was written');
  });

  test('the poster is the one registered job kind and the list page speaks in words', async (t) => {
    const ctx = setup(t, Date.UTC(2026, 2, 15, 9));
    const { agent, accountId } = await userWithAccount(ctx);
    await createSchedule(agent, accountId, { startOn: '2026-04-01', frequency: 'weeks', every: '2', weekday: '3', count: '12', description: 'Cleaner' });
    await createSchedule(agent, accountId, { startOn: '2024-02-29', frequency: 'years', description: 'Leap' });
    const page = (await agent.get('/scheduled')).text;
    assert.match(page, /Every 2 weeks on Wednesday, 12 times/);
    assert.match(page, /Every year on February 29/);
    assert.match(page, /Feb 28, 2027/, 'the next one after 2026-02-28 falls on 28 February');
    const token = await tokenFor(agent, '/scheduled');
    assert.ok(token);
  });
});
