import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerUser, TEST_PASSWORD, tokenFor, agentFor } from '../helpers/app.ts';
import { auditEvents, createSecurityContext, logInAgent, sessionIdsOf, userIdOf } from '../helpers/security.ts';

const NEW_PASSWORD = 'another fine passphrase';
const WRONG_PASSWORD = 'definitely-wrong-Pa55';

test('security events are logged with user id and IP, and no password, hash or session id ever appears in the log', async (t) => {
  const ctx = createSecurityContext({ env: { TRUST_PROXY: 'true' } });
  t.after(() => ctx.cleanup());

  // Arrange and act: a whole account life, every event the audit trail promises.
  const ann = await registerUser(ctx.app, 'ann@example.com');
  const annId = userIdOf(ctx, 'ann@example.com');
  const stranger = agentFor(ctx.app);
  for (let i = 0; i < 11; i++) {
    const token = await tokenFor(stranger, '/login');
    await stranger
      .post('/login')
      .set('X-Forwarded-For', '203.0.113.50')
      .type('form')
      .send({ _csrf: token, email: 'ann@example.com', password: `${WRONG_PASSWORD}${i}` });
  }
  const loginToken = await tokenFor(stranger, '/login');
  await stranger.post('/login').set('X-Forwarded-For', '198.51.100.1').type('form').send({ _csrf: loginToken, email: 'ann@example.com', password: TEST_PASSWORD });
  const phone = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
  const sessionIdsSeen = new Set(sessionIdsOf(ctx, annId));
  const hashesSeen = new Set<string>();
  hashesSeen.add((ctx.db.prepare('SELECT password_hash AS h FROM users WHERE id = ?').get(annId) as { h: string }).h);

  let token = await tokenFor(ann, '/account');
  await ann.post('/account/password').type('form').send({ _csrf: token, currentPassword: WRONG_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
  token = await tokenFor(ann, '/account');
  await ann.post('/account/password').type('form').send({ _csrf: token, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
  hashesSeen.add((ctx.db.prepare('SELECT password_hash AS h FROM users WHERE id = ?').get(annId) as { h: string }).h);
  for (const sid of sessionIdsOf(ctx, annId)) sessionIdsSeen.add(sid);
  await logInAgent(ctx.app, 'ann@example.com', NEW_PASSWORD);
  for (const sid of sessionIdsOf(ctx, annId)) sessionIdsSeen.add(sid);
  token = await tokenFor(ann, '/account');
  await ann.post('/account/sessions/logout-others').type('form').send({ _csrf: token });
  token = await tokenFor(ann, '/account');
  await ann.post('/account/delete').type('form').send({ _csrf: token, password: WRONG_PASSWORD });
  token = await tokenFor(ann, '/account');
  await ann.post('/account/delete').type('form').send({ _csrf: token, password: NEW_PASSWORD });
  assert.equal((await phone.get('/dashboard')).status, 303);
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const bobId = userIdOf(ctx, 'bob@example.com');
  for (const sid of sessionIdsOf(ctx, bobId)) sessionIdsSeen.add(sid);
  await bob.post('/logout').type('form').send({ _csrf: await tokenFor(bob, '/dashboard') });

  // Assert: presence.
  const one = (event: string) => {
    const found = auditEvents(ctx, event);
    assert.ok(found.length > 0, `no ${event} event in ${JSON.stringify(auditEvents(ctx).map((e) => e.event))}`);
    return found;
  };
  const registered = one('account.registered')[0]!;
  assert.equal(registered.userId, annId);
  const failures = one('login.failure');
  assert.equal(failures.length, 10, 'ten failures before the lockout; the blocked attempts never reached the password check');
  assert.ok(failures.every((f) => f.userId === annId && f.ip === '203.0.113.50'));
  const lockout = one('rate_limit.lockout')[0]!;
  assert.equal(lockout.userId, annId);
  assert.equal(lockout.ip, '203.0.113.50');
  assert.equal(lockout.limiter, 'login-ip-email');
  const successes = one('login.success');
  assert.ok(successes.some((s) => s.userId === annId && s.ip === '198.51.100.1'));
  assert.equal(one('password.change_failed')[0]!.userId, annId);
  const changed = one('password.changed')[0]!;
  assert.equal(changed.userId, annId);
  assert.equal(changed.endedSessions, 2, 'the stranger who got in and the phone were logged out');
  assert.equal(one('sessions.logged_out_others')[0]!.endedSessions, 1);
  assert.equal(one('account.delete_failed')[0]!.userId, annId);
  const deleted = one('account.deleted')[0]!;
  assert.equal(deleted.userId, annId);
  assert.equal(typeof deleted.ip, 'string');
  assert.equal(one('logout')[0]!.userId, bobId);
  assert.ok(auditEvents(ctx).every((e) => typeof e.ip === 'string' && e.ip !== ''), 'every event has an IP');
  assert.ok(auditEvents(ctx).every((e) => typeof e.time === 'number'), 'every event has a time');

  // Assert: absence. Every secret the run produced is searched for in every line written.
  const log = ctx.rawLog.join('');
  const secrets = [TEST_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, ...hashesSeen, ...sessionIdsSeen];
  assert.ok(sessionIdsSeen.size >= 3 && hashesSeen.size === 2, 'the run produced the secrets it searches for');
  for (const secret of secrets) assert.ok(!log.includes(secret), `the log contains a secret: ${secret.slice(0, 6)}...`);
  assert.doesNotMatch(log, /\$2[aby]\$/, 'no bcrypt hash of any kind');
  assert.doesNotMatch(log, /ft\.sid|cookie/i);
});

test('the logger censors password, hash, cookie and session id fields if code ever passes them', async () => {
  const { createLogger } = await import('../../src/logger.ts');
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  logger.info(
    { password: 'hunter2hunter2', passwordHash: '$2b$04$abc', sid: 'sid-value', cookie: 'ft.sid=s%3Aabc', user: { password: 'nested-secret' } },
    'careless',
  );
  const text = lines.join('');
  for (const secret of ['hunter2hunter2', '$2b$04$abc', 'sid-value', 'ft.sid=s%3Aabc', 'nested-secret']) {
    assert.ok(!text.includes(secret), `leaked ${secret}`);
  }
  assert.match(text, /\[redacted\]/);
});

test('at LOG_LEVEL=debug each request is one line (method, path, status, ms), never its query string or body', async (t) => {
  const { createLogger } = await import('../../src/logger.ts');
  const { createTestContext } = await import('../helpers/app.ts');
  const lines: string[] = [];
  const ctx = createTestContext({ REGISTRATION: 'invite' }, { logger: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
  t.after(() => ctx.cleanup());
  const agent = agentFor(ctx.app);
  await agent.get('/register?invite=not-a-real-invite-0123456789abcdef');
  const token = await tokenFor(agent, '/login');
  await agent.post('/login').type('form').send({ _csrf: token, email: 'nobody@example.com', password: WRONG_PASSWORD });
  // An API call is logged by its whole path, told apart from the page of the same name.
  await agent.get('/api/v1/rules?limit=5').set('Authorization', 'Bearer lgy_not-a-real-token');
  const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
  assert.deepEqual(
    requests.map((r) => [r.method, r.path, r.status, typeof r.ms]),
    [
      ['GET', '/register', 200, 'number'],
      ['GET', '/login', 200, 'number'],
      ['POST', '/login', 401, 'number'],
      ['GET', '/api/v1/rules', 401, 'number'],
    ],
  );
  const text = lines.join('');
  for (const secret of ['not-a-real-invite', WRONG_PASSWORD, token, 'lgy_not-a-real-token']) assert.ok(!text.includes(secret), `the log holds ${secret.slice(0, 8)}...`);
  // At info, the default, no request line is written at all.
  const quiet: string[] = [];
  const infoCtx = createTestContext({}, { logger: createLogger('info', { write: (line: string) => void quiet.push(line) }) });
  t.after(() => infoCtx.cleanup());
  await agentFor(infoCtx.app).get('/login');
  assert.equal(quiet.filter((l) => l.includes('"msg":"request"')).length, 0);
});
