import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFor, createTestContext, postForm, registerUser, TEST_PASSWORD } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

test('the account page lists every session with its browser, address and times, marks this one, and ends another at once', async (t) => {
  const ctx = createTestContext({ TRUST_PROXY: '1' }, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
  t.after(() => ctx.cleanup());
  await registerUser(ctx.app, 'ann@example.com');
  const signIn = async (userAgent: string, ip: string) => {
    const agent = agentFor(ctx.app).set('User-Agent', userAgent).set('X-Forwarded-For', ip);
    assert.equal((await postForm(agent, '/login', '/login', { email: 'ann@example.com', password: TEST_PASSWORD })).status, 303);
    return agent;
  };
  const laptop = await signIn(FIREFOX, '203.0.113.7');
  ctx.clock.advance(60 * 60_000);
  const phone = await signIn(SAFARI, '198.51.100.23');

  const page = (await laptop.get('/account')).text;
  const items = [...page.matchAll(/<li class="session( session--current)?">([\s\S]*?)<\/li>/g)].map((m) => ({ current: Boolean(m[1]), text: m[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() }));
  const firefox = items.find((i) => i.text.includes('Firefox 133 on Windows 10'));
  const safari = items.find((i) => i.text.includes('Safari 17 on iOS 17.5'));
  assert.ok(firefox?.current, `this device is marked: ${JSON.stringify(items)}`);
  assert.match(firefox!.text, /From 203\.0\.113\.7 · signed in Mar 15, 2026, 12:00 PM/);
  assert.ok(safari && !safari.current);
  assert.match(safari.text, /From 198\.51\.100\.23 · signed in Mar 15, 2026, 1:00 PM/);
  assert.doesNotMatch(page, new RegExp(String(ctx.db.prepare('SELECT sid FROM sessions LIMIT 1').pluck().get())), 'no session id on the page');
  // Each button's accessible name starts with its visible words and says which session it ends.
  const names = [...page.matchAll(/<button type="submit" class="button button--small" aria-label="([^"]+)">([^<]+)<\/button>/g)].map((m): [string, string] => [m[1]!, m[2]!]);
  assert.deepEqual(names.map(([label]) => label).sort(), [
    'End this session: An unknown browser, from ::ffff:127.0.0.1, last seen Mar 15, 2026, 12:00 PM',
    'End this session: Safari 17 on iOS 17.5, from 198.51.100.23, last seen Mar 15, 2026, 1:00 PM',
    'Sign out here: Firefox 133 on Windows 10, from 203.0.113.7, last seen Mar 15, 2026, 12:00 PM',
  ]);
  for (const [label, text] of names) assert.ok(label.startsWith(text), `"${label}" begins with the button's text "${text}"`);

  // End the phone's session from the laptop: its next request is signed out.
  const handles = [...page.matchAll(/<li class="session">[\s\S]*?action="\/account\/sessions\/([^"/]+)\/end"/g)].map((m) => m[1]!);
  const phoneHandle = handles.find((h) => page.indexOf(h) > page.indexOf('Safari 17'))!;
  const ended = await postForm(laptop, '/account', `/account/sessions/${phoneHandle}/end`, {});
  assert.equal(ended.status, 303);
  const after = await phone.get('/dashboard');
  assert.equal(after.status, 303);
  assert.match(String(after.headers.location), /^\/login/);
  assert.equal((await laptop.get('/dashboard')).status, 200, 'the laptop stays signed in');
  // A handle that is gone (or someone else's) is a 404.
  assert.equal((await postForm(laptop, '/account', `/account/sessions/${phoneHandle}/end`, {})).status, 404);
});

test('security events: sign-ins, failures and changes are listed newest first, and the sweep drops those over 180 days old', async (t) => {
  const clock = manualClock(Date.UTC(2026, 2, 15, 12));
  const ctx = createTestContext({}, { clock });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  await postForm(agentFor(ctx.app), '/login', '/login', { email: 'ann@example.com', password: 'wrong password' });
  clock.advance(60_000);
  await postForm(agentFor(ctx.app), '/login', '/login', { email: 'ann@example.com', password: TEST_PASSWORD });
  clock.advance(60_000);
  await postForm(agent, '/account', '/account/password', { currentPassword: TEST_PASSWORD, newPassword: 'a new long passphrase', confirmPassword: 'a new long passphrase' });
  const events = [...(await agent.get('/account')).text.matchAll(/<li><time datetime="[^"]+">[^<]+<\/time> · ([^<·]+)/g)].map((m) => m[1]!.trim());
  assert.deepEqual(events, ['Password changed', 'Signed in', 'A failed sign-in (wrong password or code)']);

  // 181 days on, the hourly sweep prunes them.
  clock.advance(181 * 24 * 60 * 60_000);
  assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM security_events').pluck().get()), 3);
  await ctx.jobs.runDue();
  const left = Number(ctx.db.prepare('SELECT count(*) FROM security_events').pluck().get());
  assert.equal(left, 0);
});
