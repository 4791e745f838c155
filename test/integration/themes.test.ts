import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFor, createTestContext, postForm, registerUser } from '../helpers/app.ts';
import { databaseFingerprint } from '../helpers/attack.ts';

const htmlTag = (html: string) => /<html[^>]*>/.exec(html)?.[0];
const colorScheme = (html: string) => /<meta name="color-scheme" content="([^"]+)">/.exec(html)?.[1];

test('the theme follows the device until the person chooses light or dark, and every page is then written in it', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const dashboard = (await agent.get('/dashboard')).text;
  assert.equal(htmlTag(dashboard), '<html lang="en">', 'no theme chosen: the stylesheet follows prefers-color-scheme');
  assert.equal(colorScheme(dashboard), 'light dark');

  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'dark' })).status, 303);
  const account = (await agent.get('/account')).text;
  assert.match(account, /Theme saved\./);
  assert.match(account, /<input type="radio" name="theme" value="dark" checked>/);
  for (const path of ['/dashboard', '/transactions', '/budgets', '/scheduled', '/accounts']) {
    const html = (await agent.get(path)).text;
    assert.equal(htmlTag(html), '<html lang="en" data-theme="dark">', path);
    assert.equal(colorScheme(html), 'dark', path);
  }
  assert.equal((await postForm(agent, '/account', '/account/theme', { theme: 'light' })).status, 303);
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
