import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentFor, postForm, registerUser, requestTo, TEST_PASSWORD, tokenFor, type Agent } from '../helpers/app.ts';
import { createOwnedObjects, databaseFingerprint, idFor, resourceOf } from '../helpers/attack.ts';
import { fillPath, listRoutes, paramNames } from '../helpers/routes.ts';
import { createSecurityContext, userIdOf, type SecurityContext } from '../helpers/security.ts';

type Headers = Record<string, string | string[] | undefined>;

/** CSP directives by name, each a list of its sources. */
function parseCsp(header: string | string[] | undefined): Map<string, string[]> {
  assert.equal(typeof header, 'string', 'exactly one Content-Security-Policy header');
  const out = new Map<string, string[]>();
  for (const part of (header as string).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

/** The header checks every HTML page must pass; returns the problems, empty when none. */
function headerProblems(headers: Headers, opts: { userData: boolean }): string[] {
  const problems: string[] = [];
  const csp = parseCsp(headers['content-security-policy']);
  const scriptSrc = csp.get('script-src') ?? csp.get('default-src');
  if (!scriptSrc) problems.push('no script-src or default-src');
  else if (scriptSrc.some((s) => ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:'].includes(s))) {
    problems.push(`script-src allows too much: ${scriptSrc.join(' ')}`);
  }
  if (csp.get('script-src-attr')?.includes("'unsafe-inline'")) problems.push('script-src-attr allows inline handlers');
  const styleSrc = csp.get('style-src') ?? csp.get('default-src');
  if (styleSrc?.includes("'unsafe-inline'")) problems.push('style-src allows inline styles');
  if (csp.get('frame-ancestors')?.join(' ') !== "'none'") problems.push(`frame-ancestors is ${csp.get('frame-ancestors')?.join(' ')}`);
  if (csp.get('object-src')?.join(' ') !== "'none'") problems.push(`object-src is ${csp.get('object-src')?.join(' ')}`);
  if (csp.get('base-uri')?.join(' ') !== "'none'") problems.push(`base-uri is ${csp.get('base-uri')?.join(' ')}`);
  if (csp.get('form-action')?.join(' ') !== "'self'") problems.push(`form-action is ${csp.get('form-action')?.join(' ')}`);
  if (csp.get('default-src')?.join(' ') !== "'self'") problems.push(`default-src is ${csp.get('default-src')?.join(' ')}`);
  if (headers['x-content-type-options'] !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
  const referrer = String(headers['referrer-policy'] ?? '');
  if (!['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'].includes(referrer)) {
    problems.push(`Referrer-Policy is "${referrer}"`);
  }
  if (headers['x-powered-by'] !== undefined) problems.push('X-Powered-By is sent');
  if (headers['cross-origin-opener-policy'] !== 'same-origin') problems.push('no Cross-Origin-Opener-Policy: same-origin');
  if (opts.userData && !/\bno-store\b/.test(String(headers['cache-control'] ?? ''))) {
    problems.push(`Cache-Control is "${headers['cache-control']}", not no-store`);
  }
  // Nothing no-store is ever revalidated, so its ETag would be a SHA-1 of the body for nothing.
  if (opts.userData && headers.etag !== undefined) problems.push(`an ETag (${headers.etag}) on a no-store response`);
  return problems;
}

// Every GET page is found from the app's router, so a new page is checked as soon as it exists.
const probe = createSecurityContext();
const GET_ROUTES = listRoutes(probe.app).filter((r) => r.method === 'GET' && r.path !== '/healthz');
probe.cleanup();

describe('security headers on every page', () => {
  let ctx: SecurityContext;
  let user: Agent;
  let ids: Record<string, number | string>;
  let userId: number;
  let apiToken: string;

  before(async () => {
    ctx = createSecurityContext();
    user = await registerUser(ctx.app, 'ann@example.com');
    userId = userIdOf(ctx, 'ann@example.com');
    ids = await createOwnedObjects(ctx, user, userId);
    // The API answers only to a bearer token, made the way a person makes one.
    await postForm(user, '/account/api-tokens', '/account/api-tokens', { name: 'headers', scope: 'read', lifetime: 'never', password: TEST_PASSWORD });
    apiToken = /id="fresh-token">(lgy_[^<]+)</.exec((await user.get('/account/api-tokens')).text)![1]!;
  });
  after(() => ctx.cleanup());

  for (const route of GET_ROUTES) {
    test(`GET ${route.path} for a signed-in user sends the full set, no-store included, and writes nothing`, async () => {
      const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ids, resourceOf(route.path), userId)])));
      // An API read notes when its token was last used (at most once a minute) and counts against the token's rate
      // limit, as a page view moves its session's expiry: bookkeeping, not data.
      const api = route.path.startsWith('/api/');
      const fingerprint = () => databaseFingerprint(ctx.db, api ? { ignoreTables: ['api_tokens', 'rate_limits'] } : {});
      const before = fingerprint();
      const res = api ? await requestTo(ctx.app).get(path).set('Authorization', `Bearer ${apiToken}`) : await user.get(path);
      assert.ok(res.status < 400, `GET ${path} answered ${res.status}`);
      assert.deepEqual(headerProblems(res.headers, { userData: true }), [], `GET ${path}`);
      assert.equal(fingerprint(), before, `GET ${path} wrote to the database`);
    });

    test(`GET ${route.path} for a visitor sends the full set`, async () => {
      const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, '1'])));
      const res = await requestTo(ctx.app).get(path);
      assert.deepEqual(headerProblems(res.headers, { userData: true }), [], `GET ${path} (${res.status})`);
    });
  }

  test('error pages (403, 404, 429) send the full set too', async () => {
    const notFound = await user.get('/no-such-page');
    assert.equal(notFound.status, 404);
    assert.deepEqual(headerProblems(notFound.headers, { userData: true }), []);
    const forbidden = await user.post('/transactions').type('form').send({ amount: '1.00' });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(headerProblems(forbidden.headers, { userData: true }), []);
    const limited = createSecurityContext({ rateLimits: { registerPerIp: { limit: 0, windowMs: 60_000 } } });
    try {
      const visitor = agentFor(limited.app);
      const token = await tokenFor(visitor, '/register');
      const res = await visitor.post('/register').type('form').send({ _csrf: token, email: 'x@example.com' });
      assert.equal(res.status, 429);
      assert.deepEqual(headerProblems(res.headers, { userData: true }), []);
    } finally {
      limited.cleanup();
    }
  });

  test('static files are served with nosniff and the same CSP', async () => {
    for (const asset of ['/css/app.css', '/js/enhance.js', '/img/favicon.svg', '/css/account.css']) {
      const res = await requestTo(ctx.app).get(asset);
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', asset);
      assert.match(String(res.headers['content-security-policy']), /object-src 'none'/, asset);
    }
  });

  test('no view contains an inline script, style attribute or event handler the CSP would block', async () => {
    for (const route of GET_ROUTES) {
      const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ids, resourceOf(route.path), userId)])));
      const res = await user.get(path);
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      assert.doesNotMatch(res.text, /<script(?![^>]*\ssrc=)[^>]*>/i, `${path} has an inline <script>`);
      assert.doesNotMatch(res.text, /\sstyle="/i, `${path} has a style attribute`);
      assert.doesNotMatch(res.text, /\son[a-z]+="/i, `${path} has an inline event handler`);
    }
  });
});

describe('security headers in production', () => {
  test('HTTPS responses carry Strict-Transport-Security and upgrade-insecure-requests', async (t) => {
    const ctx = createSecurityContext({ env: { NODE_ENV: 'production', BCRYPT_COST: '12', TRUST_PROXY: 'true' } });
    t.after(() => ctx.cleanup());
    const res = await requestTo(ctx.app).get('/login').set('X-Forwarded-Proto', 'https');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['strict-transport-security']), /max-age=\d{7,}/);
    assert.ok(parseCsp(res.headers['content-security-policy']).has('upgrade-insecure-requests'));
    assert.deepEqual(headerProblems(res.headers, { userData: true }), []);
    // Over plain HTTP the header is not sent (RFC 6797, 7.2: a browser must ignore it there).
    const plain = await requestTo(ctx.app).get('/login');
    assert.equal(plain.headers['strict-transport-security'], undefined);
  });
});
