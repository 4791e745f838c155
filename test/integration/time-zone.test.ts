import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFor, createTestContext, postForm, registerUser, tokenFor, type Agent } from '../helpers/app.ts';
import { makeApiToken } from '../helpers/api.ts';
import { accountIdOf, userIdOf } from '../helpers/bookkeeping.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { manualClock } from '../helpers/clock.ts';

async function setZone(agent: Agent, timeZone: string | string[]) {
  const token = await tokenFor(agent, '/account');
  return agent.post('/account/time-zone').type('form').send({ _csrf: token, timeZone });
}

const addFormDate = (html: string) => /id="tx-date" name="date" type="date" value="([^"]*)"/.exec(html)?.[1];
const periodHeading = (html: string) => /<h2 id="totals-heading" class="period-title">([^<]+)<\/h2>/.exec(html)?.[1];

test("today and this month are the person's own: the same instant is 31 March in New York and 1 April in Kyiv", async (t) => {
  // 22:30 UTC on 31 March 2026: 01:30 on 1 April in Kyiv (UTC+3 in summer), 18:30 on 31 March in New York.
  const ctx = createTestContext({ TIME_ZONE: 'UTC' }, { clock: manualClock(Date.UTC(2026, 2, 31, 22, 30)) });
  t.after(() => ctx.cleanup());
  const kyiv = await registerUser(ctx.app, 'olena@example.com');
  const newYork = await registerUser(ctx.app, 'sam@example.com');
  const utc = await registerUser(ctx.app, 'ann@example.com');

  assert.equal(addFormDate((await kyiv.get('/dashboard')).text), '2026-03-31', 'a new account follows the instance zone');
  assert.equal((await setZone(kyiv, 'Europe/Kyiv')).status, 303);
  assert.equal((await setZone(newYork, 'America/New_York')).status, 303);

  const kyivDashboard = (await kyiv.get('/dashboard')).text;
  assert.equal(addFormDate(kyivDashboard), '2026-04-01');
  assert.equal(periodHeading(kyivDashboard), 'April 2026');
  assert.equal(addFormDate((await kyiv.get('/transactions/new')).text), '2026-04-01');
  assert.equal(periodHeading((await newYork.get('/dashboard')).text), 'March 2026');
  assert.equal(addFormDate((await utc.get('/dashboard')).text), '2026-03-31');

  // A row added with no date is dated the person's today.
  const token = await tokenFor(kyiv, '/transactions/new');
  await kyiv.post('/transactions').type('form').send({ _csrf: token, type: 'expense', amount: '5', date: '', description: 'late snack', category: '' }).expect(303);
  assert.equal(ctx.db.prepare("SELECT occurred_on FROM transactions WHERE description = 'late snack'").pluck().get(), '2026-04-01');
  // The account page shows the chosen zone selected.
  assert.match((await kyiv.get('/account')).text, /<option value="Europe\/Kyiv" selected>Europe\/Kyiv<\/option>/);
  assert.match((await utc.get('/account')).text, /<option value="UTC" selected>UTC<\/option>/);
  // Zones go by the names their countries use now, though this ICU lists some by old ones; underscores read as spaces.
  const page = (await utc.get('/account')).text;
  const zones = [...page.matchAll(/<option value="([A-Za-z_/+-]+)"/g)].map((m) => m[1]);
  for (const now of ['Asia/Kolkata', 'Asia/Ho_Chi_Minh', 'Europe/Kyiv', 'America/Nuuk']) assert.ok(zones.includes(now), now);
  for (const old of ['Asia/Calcutta', 'Asia/Saigon', 'Europe/Kiev', 'America/Godthab']) assert.ok(!zones.includes(old), old);
  assert.match(page, /<option value="America\/New_York" >America\/New York<\/option>/);
  assert.equal((await setZone(utc, 'Asia/Kolkata')).status, 303);
  assert.match((await utc.get('/account')).text, /<option value="Asia\/Kolkata" selected>Asia\/Kolkata<\/option>/);
});

test('an unknown or repeated time zone is refused beside the field and nothing changes', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  for (const bad of ['Mars/Olympus_Mons', '', 'Europe/Kyiv\u0000', ['UTC', 'Europe/Kyiv']]) {
    const res = await setZone(agent, bad);
    assert.equal(res.status, 422, JSON.stringify(bad));
    assert.match(res.text, /<p class="field__error" id="timeZone-error">/);
  }
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
});

test('a zone sent by another of its names (Asia/Calcutta, US/Eastern) is saved by the name the list offers, and shown chosen; one the list lacks is refused', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const stored = () => ctx.db.prepare('SELECT time_zone FROM users WHERE id = ?').pluck().get(userId);
  for (const [sent, saved, shown] of [
    ['Asia/Calcutta', 'Asia/Kolkata', 'Asia/Kolkata'],
    ['Europe/Kiev', 'Europe/Kyiv', 'Europe/Kyiv'],
    ['US/Eastern', 'America/New_York', 'America/New York'],
    ['asia/saigon', 'Asia/Ho_Chi_Minh', 'Asia/Ho Chi Minh'],
    ['Etc/UTC', 'UTC', 'UTC'],
  ] as const) {
    const res = await setZone(agent, sent);
    assert.equal(res.status, 303, sent);
    assert.equal(stored(), saved, sent);
    const page = (await agent.get('/account')).text;
    assert.match(page, new RegExp(`<option value="${saved.replace('/', '\\/')}" selected>${shown.replace('/', '\\/')}</option>`), sent);
    assert.equal([...page.matchAll(/<option value="[^"]*" selected>/g)].length, 1, `${sent}: one zone chosen`);
  }
  // A real IANA zone that is none of the offered ones is refused beside the field, and the saved one stays.
  const refused = await setZone(agent, 'Etc/GMT+5');
  assert.equal(refused.status, 422);
  assert.match(refused.text, /<p class="field__error" id="timeZone-error">/);
  assert.equal(stored(), 'UTC');
});

test("a zone stored long ago that has left the tz database counts days in the instance's zone everywhere: pages, API and poster, never a 500", async (t) => {
  // 22:30 UTC on 31 March 2026; the instance counts days in UTC.
  const ctx = createTestContext({ TIME_ZONE: 'UTC' }, { clock: manualClock(Date.UTC(2026, 2, 31, 22, 30)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const token = await makeApiToken(agent, { name: 'w', scope: 'read-write', lifetime: 'never' });
  // The form refuses such a zone (above); one saved by an older Node whose tz database still had it is read as is.
  ctx.db.prepare("UPDATE users SET time_zone = 'Mars/Olympus_Mons' WHERE email = 'ann@example.com'").run();

  assert.equal(addFormDate((await agent.get('/dashboard')).text), '2026-03-31');
  const api = (method: 'get' | 'post', path: string, body?: object) => {
    const req = agentFor(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    return body ? req.send(body) : req;
  };
  const summary = await api('get', '/summary');
  assert.equal(summary.status, 200, summary.text.slice(0, 300));
  assert.equal(summary.body.period.param, '2026-03');
  const made = await api('post', '/transactions', { type: 'expense', amount: '5.00', description: 'late snack' });
  assert.equal(made.status, 201, made.text.slice(0, 300));
  assert.equal(made.body.date, '2026-03-31', "a row sent without a date is dated the instance's today");
  const scheduled = await postForm(agent, '/scheduled/new', '/scheduled', { type: 'expense', account: String(accountIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'Main account')), toAccount: '', category: '', amount: '9.00', description: 'Rent', frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2026-03-31', endOn: '', count: '' });
  assert.equal(scheduled.status, 303, scheduled.text.slice(0, 300));
  assert.equal(ctx.db.prepare("SELECT occurred_on FROM transactions WHERE description = 'Rent'").pluck().get(), '2026-03-31', 'the poster posts the day that is due in the instance zone');
});
