import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestContext, csrfFrom, registerUser, TEST_PASSWORD, tokenFor, type TestContext, agentFor, requestTo } from '../helpers/app.ts';
import { createLogger } from '../../src/logger.ts';

function setup(t: { after: (fn: () => void) => void }): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

function userCount(ctx: TestContext): number {
  return (ctx.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

async function postRegister(ctx: TestContext, fields: Record<string, string>) {
  const agent = agentFor(ctx.app);
  const token = await tokenFor(agent, '/register');
  return agent.post('/register').type('form').send({ _csrf: token, ...fields });
}

async function logIn(ctx: TestContext, email: string, password: string, next?: string) {
  const agent = agentFor(ctx.app);
  const token = await tokenFor(agent, next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  const res = await agent.post('/login').type('form').send({ _csrf: token, email, password, ...(next ? { next } : {}) });
  return { agent, res };
}

describe('registration', () => {
  test('registering trims and lower-cases the email, stores a bcrypt hash, signs in and lands on the dashboard', async (t) => {
    const ctx = setup(t);
    const res = await postRegister(ctx, { email: '  Ann@Example.COM ', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/dashboard');
    const row = ctx.db.prepare('SELECT email, password_hash FROM users').get() as { email: string; password_hash: string };
    assert.equal(row.email, 'ann@example.com');
    assert.match(row.password_hash, /^\$2[aby]\$04\$/);
    assert.notEqual(row.password_hash, TEST_PASSWORD);
  });

  test('an address already registered, in any case, gets a clear message and no second account', async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');
    const res = await postRegister(ctx, { email: 'ANN@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
    assert.equal(res.status, 422);
    assert.match(res.text, /already exists/);
    assert.equal(userCount(ctx), 1);
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['an invalid email', { email: 'not-an-email', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD }, /email address like/],
    ['an empty email', { email: '', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD }, /Enter your email/],
    ['a 7-character password', { email: 'a@b.co', password: 'short12', confirmPassword: 'short12' }, /at least 8 characters/],
    ['a 73-byte password', { email: 'a@b.co', password: 'p'.repeat(73), confirmPassword: 'p'.repeat(73) }, /at most 72 bytes/],
    ['mismatched confirmation', { email: 'a@b.co', password: TEST_PASSWORD, confirmPassword: `${TEST_PASSWORD}!` }, /do not match/],
    ['eight spaces', { email: 'a@b.co', password: ' '.repeat(8), confirmPassword: ' '.repeat(8) }, /This password is easy to guess/],
    ['one letter repeated', { email: 'a@b.co', password: 'zzzzzzzzzz', confirmPassword: 'zzzzzzzzzz' }, /This password is easy to guess/],
    ['the name of the email in it', { email: 'olena@b.co', password: 'Olena 2026!', confirmPassword: 'Olena 2026!' }, /This password is easy to guess/],
    ["the app's name in it", { email: 'a@b.co', password: 'ledgerly2026', confirmPassword: 'ledgerly2026' }, /This password is easy to guess/],
  ];
  for (const [name, fields, message] of invalid) {
    test(`registration with ${name} re-renders the form with the message and the email kept, and creates nothing`, async (t) => {
      const ctx = setup(t);
      const res = await postRegister(ctx, fields);
      assert.equal(res.status, 422);
      assert.match(res.text, message);
      assert.match(res.text, /field__error/);
      if (fields.email) assert.match(res.text, new RegExp(`value="${fields.email}"`));
      assert.doesNotMatch(res.text, new RegExp(`value="${fields.password}"`), 'the password is never echoed back');
      assert.equal(userCount(ctx), 0);
    });
  }
});

describe('login and logout', () => {
  test('the right password signs in with a new session id; wrong password and unknown email get the same message', async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');

    const wrong = await logIn(ctx, 'ann@example.com', 'wrong password!');
    const unknown = await logIn(ctx, 'nobody@example.com', TEST_PASSWORD);
    assert.equal(wrong.res.status, 401);
    assert.equal(unknown.res.status, 401);
    const message = 'That email and password do not match an account.';
    assert.ok(wrong.res.text.includes(message) && unknown.res.text.includes(message));
    // The title says it failed, the first thing a screen reader reads, as a refused form's does.
    assert.match(wrong.res.text, /<title>Error: Log in · Ledgerly<\/title>/);

    const agent = agentFor(ctx.app);
    const loginPage = await agent.get('/login');
    const before = /ft\.sid=([^;]+)/.exec(loginPage.headers['set-cookie']?.[0] ?? '')?.[1];
    assert.ok(before, 'the login page starts a session for its CSRF token');
    const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.text)?.[1];
    const ok = await agent.post('/login').type('form').send({ _csrf: token, email: 'ANN@example.com', password: TEST_PASSWORD });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/dashboard');
    const after = /ft\.sid=([^;]+)/.exec(ok.headers['set-cookie']?.[0] ?? '')?.[1];
    assert.ok(after && after !== before, 'session id is regenerated at login');
    assert.equal((await agent.get('/dashboard')).status, 200);
  });

  test('an empty email or password is said beside its field (422), the email kept, for an account or none alike', async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');
    const both = await logIn(ctx, '', '');
    assert.equal(both.res.status, 422);
    assert.match(both.res.text, /<title>Error: Log in · Ledgerly<\/title>/);
    assert.match(both.res.text, /<p class="form__summary" role="alert">Please fix the highlighted fields\.<\/p>/);
    assert.match(both.res.text, /<input id="email" name="email"[^>]*aria-invalid="true" aria-describedby="email-error">/);
    assert.match(both.res.text, /id="email-error"><span aria-hidden="true">⚠ <\/span>Enter your email address\.<\/p>/);
    assert.match(both.res.text, /<input id="password" name="password"[^>]*aria-invalid="true" aria-describedby="password-error">/);
    assert.match(both.res.text, /id="password-error"><span aria-hidden="true">⚠ <\/span>Enter your password\.<\/p>/);
    assert.doesNotMatch(both.res.text, /do not match an account/);
    // A password left empty: the same page whether the address has an account or not, the address kept.
    const known = await logIn(ctx, 'ann@example.com', '');
    const unknown = await logIn(ctx, 'nobody@example.com', '');
    for (const [{ res }, email] of [[known, 'ann@example.com'], [unknown, 'nobody@example.com']] as const) {
      assert.equal(res.status, 422);
      assert.match(res.text, /Please fix the highlighted field\./);
      assert.match(res.text, new RegExp(`<input id="email" name="email"[^>]*value="${email}"`));
      assert.doesNotMatch(res.text, /id="email-error"/);
      assert.match(res.text, /id="password-error"/);
    }
    const page = (res: { text: string }) => res.text.replace(/name="_csrf" value="[^"]*"/g, '').replaceAll('nobody@example.com', 'ann@example.com');
    assert.equal(page(known.res), page(unknown.res), 'nothing tells the two apart');
    // Spaces are no address; a password of spaces is one, and is checked.
    assert.equal((await logIn(ctx, '   ', TEST_PASSWORD)).res.status, 422);
    assert.equal((await logIn(ctx, 'ann@example.com', '   ')).res.status, 401);
  });

  test('in Ukrainian, an empty field says so in Ukrainian', async (t) => {
    const ctx = setup(t);
    const agent = agentFor(ctx.app);
    const login = await agent.get('/login');
    await agent.post('/language').type('form').send({ _csrf: csrfFrom(login.text), language: 'uk', back: '/login' });
    const res = await agent.post('/login').type('form').send({ _csrf: await tokenFor(agent, '/login'), email: '', password: '' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Введіть адресу електронної пошти\./);
    assert.match(res.text, /Введіть свій пароль\./);
  });

  test('the session cookie is HttpOnly, SameSite=Lax, not the default name, and not Secure outside production', async (t) => {
    const ctx = setup(t);
    const res = await requestTo(ctx.app).get('/login');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /^ft\.sid=/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/);
  });

  test('in production over plain HTTP a form says to use HTTPS, not that it was out of date, and the log says how, once', async (t) => {
    const lines: string[] = [];
    const ctx = createTestContext({ NODE_ENV: 'production', BCRYPT_COST: '12' }, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
    t.after(() => ctx.cleanup());
    const agent = agentFor(ctx.app);
    for (let i = 0; i < 2; i++) {
      const page = await agent.get('/register');
      assert.equal(page.headers['set-cookie'], undefined, 'no Secure cookie is set over plain HTTP');
      const refused = await agent.post('/register').type('form').send({ _csrf: csrfFrom(page.text), email: `ann${i}@example.com`, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
      assert.equal(refused.status, 403);
      assert.match(refused.text, /This page came over plain HTTP, and this server signs people in only over HTTPS/);
    }
    assert.equal(ctx.db.prepare('SELECT count(*) FROM users').pluck().get(), 0);
    assert.equal(lines.filter((line) => line.includes('a form came over plain HTTP')).length, 1, 'said once, not per request');
    // Over HTTPS (here a proxy's X-Forwarded-Proto, trusted) the same form goes through.
    const proxied = createTestContext({ NODE_ENV: 'production', BCRYPT_COST: '12', TRUST_PROXY: 'true' });
    t.after(() => proxied.cleanup());
    const https = agentFor(proxied.app);
    const page = await https.get('/register').set('X-Forwarded-Proto', 'https');
    const cookie = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    const made = await https.post('/register').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).type('form').send({ _csrf: csrfFrom(page.text), email: 'ann@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
    assert.equal(made.status, 303);
  });

  test('in production the cookie is Secure and uses the __Host- prefix', async (t) => {
    const ctx = createTestContext({ NODE_ENV: 'production', BCRYPT_COST: '12', TRUST_PROXY: 'true' });
    t.after(() => ctx.cleanup());
    const res = await requestTo(ctx.app).get('/login').set('X-Forwarded-Proto', 'https');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /^__Host-ft\.sid=/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /Path=\//);
  });

  test('logout is a POST that destroys the server-side session; the old cookie no longer works', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const sessionsBefore = (ctx.db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id IS NOT NULL').get() as { n: number }).n;
    assert.equal(sessionsBefore, 1);
    const getLogout = await agent.get('/logout');
    assert.equal(getLogout.status, 404, 'GET never logs out');
    assert.equal((await agent.get('/dashboard')).status, 200);

    const token = await tokenFor(agent, '/dashboard');
    const res = await agent.post('/logout').type('form').send({ _csrf: token });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
    // The sign-in page says it signed out, and keeps focus off the field so a screen reader reads that first.
    const signedOut = (await agent.get('/login')).text;
    assert.match(signedOut, /role="status"/);
    assert.doesNotMatch(signedOut, /autofocus/);
    assert.match((await agent.get('/login')).text, /id="email"[^>]*autofocus/, 'a plain visit focuses the email field');
    const sessionsAfter = (ctx.db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id IS NOT NULL').get() as { n: number }).n;
    assert.equal(sessionsAfter, 0);
    const dash = await agent.get('/dashboard');
    assert.equal(dash.status, 303);
    assert.equal(dash.headers.location, '/login');
  });

  test('a page that needs a user sends visitors to login and back there afterwards', async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'ann@example.com');
    const anonymous = await requestTo(ctx.app).get('/transactions?after=2026-01-01.5');
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.location, `/login?next=${encodeURIComponent('/transactions?after=2026-01-01.5')}`);
    const { res } = await logIn(ctx, 'ann@example.com', TEST_PASSWORD, '/transactions?after=2026-01-01.5');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/transactions?after=2026-01-01.5');
  });

  for (const evil of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
    test(`login never redirects off-site, even when asked to go to ${evil}`, async (t) => {
      const ctx = setup(t);
      await registerUser(ctx.app, 'ann@example.com');
      const { res } = await logIn(ctx, 'ann@example.com', TEST_PASSWORD, evil);
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/dashboard');
    });
  }

  test('/ sends visitors to login and signed-in users to the dashboard', async (t) => {
    const ctx = setup(t);
    assert.equal((await requestTo(ctx.app).get('/')).headers.location, '/login');
    const agent = await registerUser(ctx.app, 'ann@example.com');
    assert.equal((await agent.get('/')).headers.location, '/dashboard');
  });

  test('sessions live in SQLite: a user stays signed in across an app rebuilt on the same database file', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const cookie = (await agent.get('/dashboard')).request.cookies;
    assert.ok(cookie.includes('ft.sid='));
    const rebuilt = await ctx.rebuild();
    const res = await requestTo(rebuilt).get('/dashboard').set('Cookie', cookie);
    assert.equal(res.status, 200);
    assert.match(res.text, /ann@example\.com|Log out/);
    const stored = ctx.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number };
    assert.ok(stored.n >= 1);
  });

  test('expired sessions cannot be used, and the hourly sweep job removes them from the store', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const sessions = () => (ctx.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
    assert.equal(sessions(), 1);

    ctx.clock.advance(7 * 24 * 60 * 60 * 1000 + 60_000); // past the default idle lifetime of 7 days

    assert.equal((await agent.get('/dashboard')).status, 303, 'an expired session is not accepted');
    assert.equal(sessions(), 1, 'it is still stored until a sweep');
    await ctx.jobs.runDue();
    assert.equal(sessions(), 0, 'the sweep of the new hour removed it');
    const hour = Math.floor(ctx.clock.now() / 3_600_000);
    const sweeps = ctx.db.prepare("SELECT key, state FROM jobs WHERE kind = 'sweep'").all();
    // The sweep at start finished over a week ago by the clock, so this sweep removed its row too.
    assert.deepEqual(sweeps, [{ key: `sweep:${hour}`, state: 'done' }]);
  });
});
