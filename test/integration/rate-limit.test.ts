import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { registerUser, TEST_PASSWORD, tokenFor, type Agent, agentFor, postForm } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { auditEvents, countRows, createSecurityContext } from '../helpers/security.ts';

const EMAIL = 'victim@example.com';

async function attemptLogin(agent: Agent, password: string, email = EMAIL, ip?: string) {
  const token = await tokenFor(agent, '/login');
  const req = agent.post('/login').type('form');
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send({ _csrf: token, email, password });
}

describe('brute-force limits', () => {
  test('the 11th login attempt in a minute for one IP and email gets 429 with Retry-After, even with the right password', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const attacker = agentFor(ctx.app);
    for (let i = 0; i < 10; i++) assert.equal((await attemptLogin(attacker, `wrong guess ${i}`)).status, 401);
    const failuresBefore = auditEvents(ctx, 'login.failure').length;

    const blocked = await attemptLogin(attacker, TEST_PASSWORD);

    assert.equal(blocked.status, 429);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After was ${blocked.headers['retry-after']}`);
    assert.match(blocked.text, /Too many login attempts/);
    assert.match(blocked.text, /Wait \d+ seconds \(until \d\d:\d\d UTC\) and try again/);
    // The limiter answered before passport: no password check ran, so no new failure was recorded.
    assert.equal(auditEvents(ctx, 'login.failure').length, failuresBefore);
    assert.equal((await attacker.get('/dashboard')).status, 303, 'the blocked correct password did not sign in');
    const lockouts = auditEvents(ctx, 'rate_limit.lockout');
    assert.equal(lockouts.length, 1);
    assert.equal(lockouts[0]!.limiter, 'login-ip-email');
  });

  test('a sign-in with a field left empty counts against no limit and records no failed sign-in: the right password still works after many', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const person = agentFor(ctx.app);
    for (let i = 0; i < 60; i++) assert.equal((await attemptLogin(person, '', i % 2 === 0 ? EMAIL : '')).status, 422);
    assert.equal(auditEvents(ctx, 'login.failure').length, 0, 'no password was checked');
    assert.equal(auditEvents(ctx, 'rate_limit.lockout').length, 0);
    assert.equal(ctx.db.prepare("SELECT count(*) FROM rate_limits WHERE key LIKE 'login%'").pluck().get(), 0, 'no sign-in counter was started');
    assert.equal((await attemptLogin(person, TEST_PASSWORD)).status, 303);
  });

  test('after the window passes the same user can log in again', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const agent = agentFor(ctx.app);
    for (let i = 0; i < 11; i++) await attemptLogin(agent, 'not the password');
    assert.equal((await attemptLogin(agent, TEST_PASSWORD)).status, 429);

    ctx.clock.advance(61_000);

    const res = await attemptLogin(agent, TEST_PASSWORD);
    assert.equal(res.status, 303);
    assert.equal((await agent.get('/dashboard')).status, 200);
  });

  test('the per IP and email limit does not lock the same email out from another address, nor another email', async (t) => {
    const ctx = createSecurityContext({ env: { TRUST_PROXY: 'true' } });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const agent = agentFor(ctx.app);
    for (let i = 0; i < 11; i++) await attemptLogin(agent, 'bad password here', EMAIL, '203.0.113.9');
    assert.equal((await attemptLogin(agent, TEST_PASSWORD, EMAIL, '203.0.113.9')).status, 429);

    assert.equal((await attemptLogin(agent, 'bad password here', 'someone@example.com', '203.0.113.9')).status, 401);
    assert.equal((await attemptLogin(agentFor(ctx.app), TEST_PASSWORD, EMAIL, '198.51.100.7')).status, 303);
  });

  test('behind one proxy (TRUST_PROXY=1) the address is the one the proxy saw: a made-up X-Forwarded-For passes no limit', async (t) => {
    const ctx = createSecurityContext({ env: { TRUST_PROXY: '1' } });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const agent = agentFor(ctx.app);
    // The client writes a new address each time; the proxy appends the one it saw, always the same.
    for (let i = 0; i < 10; i++) assert.equal((await attemptLogin(agent, `guess ${i}`, EMAIL, `198.51.100.${i}, 203.0.113.9`)).status, 401);
    assert.equal((await attemptLogin(agent, TEST_PASSWORD, EMAIL, '198.51.100.99, 203.0.113.9')).status, 429);
    assert.deepEqual([...new Set(auditEvents(ctx, 'login.failure').map((e) => e.ip))], ['203.0.113.9']);
  });

  test('behind a proxy the server was not told about, the first forwarded request says once how to set TRUST_PROXY', async (t) => {
    const untold = createSecurityContext();
    const told = createSecurityContext({ env: { TRUST_PROXY: '1' } });
    t.after(() => untold.cleanup());
    t.after(() => told.cleanup());
    const warnings = (ctx: typeof untold) => ctx.logs.filter((l) => l.level === 40 && /X-Forwarded-For but TRUST_PROXY is not set/.test(String(l.msg)));
    for (const ctx of [untold, told]) {
      await agentFor(ctx.app).get('/login');
      for (let i = 0; i < 3; i++) await agentFor(ctx.app).get('/login').set('X-Forwarded-For', `203.0.113.${i}`);
    }
    assert.equal(warnings(untold).length, 1, 'said once, at the first forwarded request');
    assert.equal(warnings(told).length, 0);
  });

  test('one address gets at most 50 failed logins in 15 minutes across all emails (password spraying)', async (t) => {
    const ctx = createSecurityContext({ env: { TRUST_PROXY: 'true' } });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const sprayer = agentFor(ctx.app);
    for (let i = 0; i < 50; i++) {
      assert.equal((await attemptLogin(sprayer, 'Summer2026!', `person${i}@example.com`, '203.0.113.77')).status, 401);
    }

    const blocked = await attemptLogin(sprayer, TEST_PASSWORD, EMAIL, '203.0.113.77');

    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many login attempts from your network/);
    assert.equal(auditEvents(ctx, 'rate_limit.lockout')[0]?.limiter, 'login-ip');
    assert.equal((await attemptLogin(agentFor(ctx.app), TEST_PASSWORD, EMAIL, '198.51.100.8')).status, 303, 'other addresses are unaffected');
  });

  test('one account gets at most 100 attempts an hour however many addresses they come from', async (t) => {
    const ctx = createSecurityContext({ env: { TRUST_PROXY: 'true' } });
    t.after(() => ctx.cleanup());
    const owner = await registerUser(ctx.app, EMAIL);
    const agent = agentFor(ctx.app);
    for (let i = 0; i < 100; i++) {
      const res = await attemptLogin(agent, `guess number ${i}`, EMAIL, `10.0.${Math.floor(i / 200)}.${i % 200}`);
      assert.equal(res.status, 401, `attempt ${i + 1}`);
    }

    const blocked = await attemptLogin(agent, TEST_PASSWORD, EMAIL, '192.0.2.200');

    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /locked for a while/);
    assert.ok(Number(blocked.headers['retry-after']) > 60, 'the account lock lasts up to an hour');
    const lockout = auditEvents(ctx, 'rate_limit.lockout')[0];
    assert.equal(lockout?.limiter, 'login-account');
    assert.equal(typeof lockout?.userId, 'number');
    // The owner's existing session is unaffected.
    assert.equal((await owner.get('/dashboard')).status, 200);
  });

  test('failed passkey sign-ins, which name no account, are counted per address: a hundred from many addresses lock nobody else out', async (t) => {
    const ctx = createSecurityContext({ env: { TRUST_PROXY: 'true' } });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const agent = agentFor(ctx.app);
    const passkeyAttempt = async (ip: string) => {
      const token = await tokenFor(agent, '/login');
      return agent.post('/login/passkey').type('form').set('X-Forwarded-For', ip).send({ _csrf: token, response: '{"id":"x"}' });
    };
    for (let i = 0; i < 100; i++) assert.equal((await passkeyAttempt(`10.1.${Math.floor(i / 200)}.${i % 200}`)).status, 401, `attempt ${i + 1}`);

    assert.equal((await passkeyAttempt('192.0.2.7')).status, 401, 'a passkey sign-in from another address is still tried');
    assert.equal((await attemptLogin(agentFor(ctx.app), TEST_PASSWORD, EMAIL, '192.0.2.8')).status, 303, 'and a password sign-in works');
    assert.deepEqual(auditEvents(ctx, 'rate_limit.lockout'), []);
  });

  test('a successful login gives its hit back, so a user who logs in often is never locked out', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    for (let i = 0; i < 15; i++) {
      const agent = agentFor(ctx.app);
      assert.equal((await attemptLogin(agent, TEST_PASSWORD)).status, 303, `login ${i + 1}`);
    }
  });

  test('a signed-in session gets at most 10 wrong current passwords in 15 minutes on the account page', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, EMAIL);
    const hashBefore = (ctx.db.prepare('SELECT password_hash AS h FROM users').get() as { h: string }).h;
    const attempt = async (current: string) => {
      const token = await tokenFor(agent, '/account');
      return agent
        .post('/account/password')
        .type('form')
        .send({ _csrf: token, currentPassword: current, newPassword: 'stolen session new pw', confirmPassword: 'stolen session new pw' });
    };
    for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess ${i}`)).status, 422);

    const blocked = await attempt(TEST_PASSWORD);
    assert.equal(blocked.status, 429, 'even the right password is refused while locked');
    assert.match(blocked.text, /Too many wrong passwords on the account page/);
    const token = await tokenFor(agent, '/account');
    assert.equal((await agent.post('/account/delete').type('form').send({ _csrf: token, password: TEST_PASSWORD })).status, 429);
    assert.equal(countRows(ctx, 'users'), 1);
    assert.equal((ctx.db.prepare('SELECT password_hash AS h FROM users').get() as { h: string }).h, hashBefore);
    const lockout = auditEvents(ctx, 'rate_limit.lockout').at(-1);
    assert.equal(lockout?.limiter, 'account-password');
    assert.equal(typeof lockout?.userId, 'number');

    ctx.clock.advance(15 * 60_000 + 1000);
    assert.equal((await attempt(TEST_PASSWORD)).status, 303, 'allowed again after the window');
  });

  test("a deleted account's lockout does not pass to the next person given its id", async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'bob@example.com');
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const annId = Number(ctx.db.prepare("SELECT id FROM users WHERE email = 'ann@example.com'").pluck().get());
    const wrongPassword = async (agent: Agent) => {
      const token = await tokenFor(agent, '/account');
      return agent.post('/account/password').type('form').send({ _csrf: token, currentPassword: 'not it', newPassword: 'a new long password', confirmPassword: 'a new long password' });
    };
    for (let i = 0; i < 9; i++) assert.equal((await wrongPassword(ann)).status, 422);
    // Wrong passwords at sign-in count against her e-mail too; nothing of it may outlive her account.
    for (let i = 0; i < 3; i++) assert.equal((await attemptLogin(agentFor(ctx.app), 'wrong wrong wrong', 'ann@example.com')).status, 401);
    const emailKey = `login-account:${createHash('sha256').update('ann@example.com').digest('base64url')}`;
    assert.equal(ctx.db.prepare('SELECT hits FROM rate_limits WHERE key = ?').pluck().get(emailKey), 3);
    const token = await tokenFor(ann, '/account');
    assert.equal((await ann.post('/account/delete').type('form').send({ _csrf: token, password: TEST_PASSWORD })).status, 303);
    // SQLite gives the next row the highest id plus one: Ann's, as hers was the highest.
    const carl = await registerUser(ctx.app, 'carl@example.com');
    assert.equal(Number(ctx.db.prepare("SELECT id FROM users WHERE email = 'carl@example.com'").pluck().get()), annId, 'the id is reused');
    assert.equal(ctx.db.prepare('SELECT count(*) FROM rate_limits WHERE key = ?').pluck().get(emailKey), 0, 'her e-mail is not counted under any more');
    for (let i = 0; i < 10; i++) assert.equal((await wrongPassword(carl)).status, 422, `Carl's wrong password ${i + 1} is his own`);
    assert.equal((await wrongPassword(carl)).status, 429, 'and his own eleventh is refused');
  });

  test('the page tells when to come back by a clock the reader knows: the instance\'s zone to a stranger, their own once signed in', async (t) => {
    // Every attempt below happens at the same instant, so each window ends exactly its length after 12:00:00 UTC.
    const ctx = createSecurityContext({ env: { TIME_ZONE: 'America/New_York' }, clock: manualClock(Date.parse('2026-07-01T12:00:00Z')) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, EMAIL);
    assert.equal((await postForm(agent, '/account', '/account/time-zone', { timeZone: 'Europe/Kyiv' })).status, 303);

    const stranger = agentFor(ctx.app);
    for (let i = 0; i < 10; i++) await attemptLogin(stranger, `wrong guess ${i}`);
    const login = await attemptLogin(stranger, 'one more');
    assert.equal(login.status, 429);
    // 12:01 UTC in New York, the instance's zone; never the account's zone (Kyiv), which a stranger must not learn.
    assert.match(login.text, /Wait 60 seconds \(until 08:01 EDT\) and try again/);

    const attempt = async (current: string) =>
      postForm(agent, '/account', '/account/password', { currentPassword: current, newPassword: 'stolen session new pw', confirmPassword: 'stolen session new pw' });
    for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess ${i}`)).status, 422);
    const account = await attempt('still guessing');
    assert.equal(account.status, 429);
    // 12:15 UTC is 15:15 in Kyiv (summer time, UTC+3), the zone the person chose.
    assert.match(account.text, /Wait 15 minutes \(until 15:15 GMT\+3\) and try again/);
  });

  test('lockouts survive a restart because the counters live in the database', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, EMAIL);
    const agent = agentFor(ctx.app);
    for (let i = 0; i < 10; i++) await attemptLogin(agent, 'wrong wrong wrong');
    assert.ok(countRows(ctx, 'rate_limits') > 0);

    await ctx.restart();

    assert.equal((await attemptLogin(agentFor(ctx.app), TEST_PASSWORD)).status, 429);
  });

  test('registration is limited per IP: the 11th sign-up in an hour gets 429 and creates no account', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    for (let i = 0; i < 10; i++) await registerUser(ctx.app, `user${i}@example.com`);
    const usersBefore = countRows(ctx, 'users');
    assert.equal(usersBefore, 10);

    const agent = agentFor(ctx.app);
    const token = await tokenFor(agent, '/register');
    const res = await agent
      .post('/register')
      .type('form')
      .send({ _csrf: token, email: 'one-too-many@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });

    assert.equal(res.status, 429);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.match(res.text, /Too many accounts were created from your network/);
    assert.equal(countRows(ctx, 'users'), usersBefore);
    assert.equal(auditEvents(ctx, 'rate_limit.lockout')[0]?.limiter, 'register-ip');
  });
});
