import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFor, createTestContext, postForm, registerUser } from '../helpers/app.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { manualClock } from '../helpers/clock.ts';

const htmlTag = (html: string) => /<html[^>]*>/.exec(html)?.[0];
const colorScheme = (html: string) => /<meta name="color-scheme" content="([^"]+)">/.exec(html)?.[1];

test('the theme follows the device until the person chooses light or dark, and every page is then written in it', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const dashboard = (await agent.get('/dashboard')).text;
  assert.equal(htmlTag(dashboard), '<html lang="en">', 'no theme chosen: the stylesheet follows prefers-color-scheme');
  assert.equal(colorScheme(dashboard), 'light dark');

  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'dark', charts: '1' })).status, 303);
  const account = (await agent.get('/account')).text;
  assert.match(account, /Appearance saved\./);
  assert.match(account, /<input type="radio" name="theme" value="dark" checked>/);
  for (const path of ['/dashboard', '/transactions', '/budgets', '/scheduled', '/accounts']) {
    const html = (await agent.get(path)).text;
    assert.equal(htmlTag(html), '<html lang="en" data-theme="dark">', path);
    assert.equal(colorScheme(html), 'dark', path);
  }
  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'light', charts: '1' })).status, 303);
  assert.equal(htmlTag((await agent.get('/dashboard')).text), '<html lang="en" data-theme="light">');
  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'system' })).status, 303);
  assert.equal(htmlTag((await agent.get('/dashboard')).text), '<html lang="en">');
  // Visitors' pages (login) follow the device.
  assert.equal(colorScheme((await agentFor(ctx.app).get('/login')).text), 'light dark');
});

test('a theme other than the three is refused beside the field and nothing changes', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  for (const bad of ['sepia', '', ['dark', 'light']]) {
    const res = await postForm(agent, '/account', '/account/theme', { theme: bad });
    assert.equal(res.status, 422, JSON.stringify(bad));
    assert.match(res.text, /<p class="field__error" id="theme-error">/);
  }
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
});

test('a person who turns the dashboard charts off keeps the same numbers as lists, and can turn them back on', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  await postForm(agent, '/dashboard', '/transactions', { type: 'expense', amount: '12.50', date: '2026-03-15', description: 'Lunch', category: '' });
  const withCharts = (await agent.get('/dashboard')).text;
  assert.equal(withCharts.split('<svg class="chart__svg"').length - 1, 3, 'monthly, net worth and spending');
  assert.match((await agent.get('/account')).text, /<input type="checkbox" name="charts" value="1" aria-describedby="charts-hint" checked>/);

  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'system' })).status, 303, 'the box left unticked');
  assert.match((await agent.get('/account')).text, /<input type="checkbox" name="charts" value="1" aria-describedby="charts-hint" >/);
  const without = (await agent.get('/dashboard')).text;
  assert.doesNotMatch(without, /chart__svg|chart__data/);
  assert.doesNotMatch(without, /id="monthly-heading"/);
  // The spending list and the net worth line are still there.
  assert.match(without, /<span class="share__name">Uncategorised<\/span>\s*<span class="share__amount num">\$12\.50 · 100%<\/span>/);
  assert.match(without, /Net worth −\$12\.50/);

  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'system', charts: '1' })).status, 303);
  assert.equal((await agent.get('/dashboard')).text.split('<svg class="chart__svg"').length - 1, 3);
});

test('a charts box sent with anything but its one value is refused beside it and nothing changes', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] });
  for (const bad of ['yes', '', ['1', '1']]) {
    const res = await postForm(agent, '/account', '/account/theme', { theme: 'dark', charts: bad });
    assert.equal(res.status, 422, JSON.stringify(bad));
    assert.match(res.text, /<p class="field__error" id="charts-error"><span aria-hidden="true">⚠ <\/span>Tick the box or leave it empty\./);
  }
  assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions'] }), before);
});
