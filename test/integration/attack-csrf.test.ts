import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { registerUser, TEST_PASSWORD, tokenFor, type Agent, agentFor } from '../helpers/app.ts';
import { createOwnedObjects, databaseFingerprint, idFor, plausibleBody, resourceOf } from '../helpers/attack.ts';
import { fillPath, listRoutes, paramNames } from '../helpers/routes.ts';
import { createSecurityContext, GENEROUS_RATE_LIMITS, logInAgent, userIdOf, type SecurityContext } from '../helpers/security.ts';

// Every POST route is found from the app's own router, so a route added without CSRF protection fails here.
const probe = createSecurityContext();
// The API takes bearer tokens only, never cookies, so there is no session to forge a request on (it answers 401
// without a token on every operation of its OpenAPI document: test/integration/api.test.ts).
const POST_ROUTES = listRoutes(probe.app).filter((r) => r.method === 'POST' && !r.path.startsWith('/api/'));
probe.cleanup();

type Encoding = 'urlencoded' | 'multipart';

function send(agent: Agent, path: string, encoding: Encoding, body: Record<string, string | string[]>) {
  const req = agent.post(path);
  if (encoding === 'urlencoded') return req.type('form').send(body);
  for (const [name, value] of Object.entries(body)) {
    for (const v of ([] as string[]).concat(value)) req.field(name, v);
  }
  // A file part too, as an upload form would send.
  return req.attach('file', Buffer.from('date,amount\n2026-01-01,1.00\n'), { filename: 'a.csv', contentType: 'text/csv' });
}

describe('CSRF: every POST route rejects a request without the right token and changes nothing', () => {
  let ctx: SecurityContext;
  let victim: Agent;
  let ids: Record<string, number | string>;
  let victimId: number;
  let otherSessionToken: string;
  /** The victim's real token (csrf-sync keeps one per session), read again whenever the victim signs in anew. */
  let realToken: string;
  /** Whether the previous test left the victim signed in (it checks that last), so the next need not ask again. */
  let stillSignedIn = false;

  before(async () => {
    // Generous limits: this suite posts to /login and /register many times on purpose.
    ctx = createSecurityContext({ rateLimits: GENEROUS_RATE_LIMITS });
    victim = await registerUser(ctx.app, 'victim@example.com');
    victimId = userIdOf(ctx, 'victim@example.com');
    ids = await createOwnedObjects(ctx, victim, victimId);
    const attacker = await registerUser(ctx.app, 'attacker@example.com');
    otherSessionToken = await tokenFor(attacker, '/account');
  });
  after(() => ctx.cleanup());
  // One route that fails open must not hide the others: each test starts from a signed-in victim.
  beforeEach(async () => {
    if (stillSignedIn) return;
    if ((await victim.get('/dashboard')).status !== 200) victim = await logInAgent(ctx.app, 'victim@example.com', TEST_PASSWORD);
    realToken = await tokenFor(victim, '/account');
  });

  test('the router lists the POST routes the app is known to have', () => {
    const paths = POST_ROUTES.map((r) => r.path);
    for (const known of ['/login', '/register', '/logout', '/transactions', '/transactions/:id/delete', '/account/password', '/account/delete']) {
      assert.ok(paths.includes(known), `${known} missing from ${paths.join(', ')}`);
    }
  });

  for (const route of POST_ROUTES) {
    for (const encoding of ['urlencoded', 'multipart'] as const) {
      for (const tokenCase of ['missing', 'wrong', "another session's"] as const) {
        test(`POST ${route.path} (${encoding}) with a ${tokenCase} token gets 403 and writes nothing`, async () => {
          const values = Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ids, resourceOf(route.path), victimId)]));
          const path = fillPath(route.path, values);
          stillSignedIn = false;
          const token = tokenCase === 'missing' ? undefined : tokenCase === 'wrong' ? realToken.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) : otherSessionToken;
          assert.notEqual(token, realToken);
          const body = plausibleBody({
            email: 'victim@example.com',
            password: TEST_PASSWORD,
            confirmPassword: TEST_PASSWORD,
            currentPassword: TEST_PASSWORD,
            newPassword: 'a new password nobody knows',
            ids: String(ids.transactions),
            action: 'delete',
            ...(token === undefined ? {} : { _csrf: token }),
          });
          const before = databaseFingerprint(ctx.db);

          const res = await send(victim, path, encoding, body);

          assert.equal(res.status, 403, `POST ${path} answered ${res.status}`);
          assert.equal(databaseFingerprint(ctx.db), before, `POST ${path} changed the database`);
          assert.equal((await victim.get('/dashboard')).status, 200, 'the victim is still signed in');
          stillSignedIn = true;
        });
      }
    }
  }

  test('the same requests with the right token do get through (so the 403s above are the token check)', async () => {
    const token = await tokenFor(victim, '/account');
    const res = await victim.post('/account/sessions/logout-others').type('form').send({ _csrf: token });
    assert.equal(res.status, 303);
  });
});

describe('CSRF: signed-out visitors', () => {
  test('POST /login, /register and /logout without a token get 403 and create nothing', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const visitor = agentFor(ctx.app);
    await visitor.get('/login');
    for (const path of ['/login', '/register', '/logout']) {
      for (const encoding of ['urlencoded', 'multipart'] as const) {
        const before = databaseFingerprint(ctx.db);
        const res = await send(visitor, path, encoding, { email: 'new@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
        assert.equal(res.status, 403, `${path} ${encoding}`);
        assert.equal(databaseFingerprint(ctx.db), before, `${path} ${encoding} changed the database`);
      }
    }
  });
});
