import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { registerUser, TEST_PASSWORD, tokenFor, agentFor, requestTo } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { countRows, createSecurityContext, type SecurityContext } from '../helpers/security.ts';

const MINUTE = 60_000;

/** The raw "name=value" of the session cookie a response set. */
function sessionCookieFrom(setCookie: string[] | string | undefined, name = 'ft.sid'): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(all)}`);
  return found.split(';')[0]!;
}

/** Logs in through the form and returns the session cookie exactly as the browser would replay it. */
async function logInAndCaptureCookie(ctx: SecurityContext, email: string): Promise<string> {
  const agent = agentFor(ctx.app);
  const token = await tokenFor(agent, '/login');
  const res = await agent.post('/login').type('form').send({ _csrf: token, email, password: TEST_PASSWORD });
  assert.equal(res.status, 303);
  return sessionCookieFrom(res.headers['set-cookie']);
}

function replay(ctx: SecurityContext, cookie: string, path = '/dashboard') {
  return requestTo(ctx.app).get(path).set('Cookie', cookie);
}

describe('session lifetime', () => {
  // The store reckons expiry, and the app the absolute lifetime, on the injected clock: the test moves it.
  function context(env: Record<string, string>): SecurityContext {
    return createSecurityContext({ env, clock: manualClock(Date.parse('2026-03-01T09:00:00Z')) });
  }

  test('an idle session cannot be replayed after the idle timeout', async (t) => {
    const ctx = context({ SESSION_IDLE_MINUTES: '30' });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const cookie = await logInAndCaptureCookie(ctx, 'ann@example.com');
    assert.equal((await replay(ctx, cookie)).status, 200, 'the cookie works while fresh');

    ctx.clock.advance(31 * MINUTE);

    const res = await replay(ctx, cookie);
    assert.equal(res.status, 303);
    assert.match(res.headers.location ?? '', /^\/login/);
    assert.equal((await replay(ctx, cookie, '/transactions')).status, 303, 'every page refuses it');
  });

  test('activity inside the idle window keeps the session alive', async (t) => {
    const ctx = context({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '24' });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const cookie = await logInAndCaptureCookie(ctx, 'ann@example.com');
    for (let i = 0; i < 6; i++) {
      ctx.clock.advance(20 * MINUTE);
      assert.equal((await replay(ctx, cookie)).status, 200, `after ${(i + 1) * 20} minutes`);
    }
  });

  test('an active session ends at the absolute lifetime and its cookie cannot be replayed', async (t) => {
    const ctx = context({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '1' });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const cookie = await logInAndCaptureCookie(ctx, 'ann@example.com');
    const sid = decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    // Stored under a digest of the id, never the id: a copy of the database cannot be presented as a cookie.
    const key = createHash('sha256').update(sid, 'utf8').digest('base64url');
    const rowsFor = () => (ctx.db.prepare('SELECT count(*) AS n FROM sessions WHERE sid = ?').get(key) as { n: number }).n;
    assert.equal(rowsFor(), 1, 'the cookie names a stored session');
    assert.equal((ctx.db.prepare('SELECT count(*) AS n FROM sessions WHERE sid = ?').get(sid) as { n: number }).n, 0, 'not under its id');
    for (let i = 0; i < 2; i++) {
      ctx.clock.advance(25 * MINUTE);
      assert.equal((await replay(ctx, cookie)).status, 200, `still signed in after ${(i + 1) * 25} minutes`);
    }

    ctx.clock.advance(15 * MINUTE); // 65 minutes since login, 15 since the last request

    const res = await replay(ctx, cookie);
    assert.equal(res.status, 303, 'the absolute lifetime ends it although it was never idle for long');
    assert.match(res.headers.location ?? '', /^\/login/);
    assert.equal((await replay(ctx, cookie)).status, 303, 'a second replay is refused too');
    assert.equal(rowsFor(), 0, 'the old session row is gone');
  });

  test('a replayed expired cookie cannot add data either', async (t) => {
    const ctx = context({ SESSION_IDLE_MINUTES: '30' });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const agent = agentFor(ctx.app);
    const token = await tokenFor(agent, '/login');
    const login = await agent.post('/login').type('form').send({ _csrf: token, email: 'ann@example.com', password: TEST_PASSWORD });
    const cookie = sessionCookieFrom(login.headers['set-cookie']);
    const formToken = await tokenFor(agent, '/transactions/new');

    ctx.clock.advance(31 * MINUTE);

    const res = await requestTo(ctx.app)
      .post('/transactions')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: formToken, type: 'expense', amount: '10.00', date: '2026-03-01', description: 'replayed' });
    assert.notEqual(res.status, 303);
    assert.equal(countRows(ctx, 'transactions'), 0);
  });
});

describe('the session cookie', () => {
  test('in production is named with the __Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain', async (t) => {
    const ctx = createSecurityContext({ env: { NODE_ENV: 'production', BCRYPT_COST: '12', TRUST_PROXY: 'true' } });
    t.after(() => ctx.cleanup());
    const res = await requestTo(ctx.app).get('/register').set('X-Forwarded-Proto', 'https');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('__Host-ft.sid='));
    assert.ok(session, `cookies were ${JSON.stringify(cookies)}`);
    assert.match(session, /; Path=\/(;|$)/);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; Secure/);
    assert.match(session, /; SameSite=Lax/);
    assert.doesNotMatch(session, /Domain=/i);
  });

  test('outside production is HttpOnly and SameSite=Lax under a name that is not the default', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const res = await requestTo(ctx.app).get('/register');
    const session = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('ft.sid='));
    assert.ok(session);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Lax/);
  });
});
