import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTransaction, createTestContext, registerUser, tokenFor, type TestContext, agentFor, requestTo } from '../helpers/app.ts';

function setup(t: { after: (fn: () => void) => void }, env: Record<string, string> = {}): TestContext {
  const ctx = createTestContext(env);
  t.after(() => ctx.cleanup());
  return ctx;
}

const count = (ctx: TestContext, table: string) =>
  (ctx.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('CSRF', () => {
  test('adding a transaction with a missing or wrong token gets a clear 403 page and writes nothing', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const missing = await agent.post('/transactions').type('form').send({ type: 'income', amount: '5' });
    assert.equal(missing.status, 403);
    assert.match(missing.text, /nothing was changed/);
    const wrong = await agent.post('/transactions').type('form').send({ _csrf: 'forged-token', type: 'income', amount: '5' });
    assert.equal(wrong.status, 403);
    assert.equal(count(ctx, 'transactions'), 0);
  });

  test("a token from another visitor's session is rejected", async (t) => {
    const ctx = setup(t);
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const mallory = agentFor(ctx.app);
    const malloryToken = await tokenFor(mallory, '/login');
    const res = await ann.post('/transactions').type('form').send({ _csrf: malloryToken, type: 'income', amount: '5' });
    assert.equal(res.status, 403);
    assert.equal(count(ctx, 'transactions'), 0);
  });

  test('registration, login, logout and delete all refuse a missing token', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { amount: '1' });
    const anon = requestTo(ctx.app);
    assert.equal((await anon.post('/register').type('form').send({ email: 'x@y.co', password: 'long enough', confirmPassword: 'long enough' })).status, 403);
    assert.equal((await anon.post('/login').type('form').send({ email: 'ann@example.com', password: 'whatever1' })).status, 403);
    assert.equal((await agent.post('/transactions/1/delete').type('form').send({})).status, 403);
    assert.equal((await agent.post('/logout').type('form').send({})).status, 403);
    assert.equal(count(ctx, 'users'), 1);
    assert.equal(count(ctx, 'transactions'), 1);
    assert.equal((await agent.get('/dashboard')).status, 200, 'still signed in');
  });

  test('every form on the main pages carries the token from the shared partial', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { amount: '1' });
    for (const url of ['/dashboard', '/transactions', '/transactions/new', '/transactions/1/delete']) {
      const html = (await agent.get(url)).text;
      const forms = [...html.matchAll(/<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/g)];
      assert.ok(forms.length > 0, url);
      for (const form of forms) assert.match(form[1]!, /name="_csrf" value="[^"]{20,}"/, `${url}: ${form[0].slice(0, 80)}`);
    }
  });
});

describe('bad requests and errors', () => {
  test('a form body over the limit gets 413 and writes nothing', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await tokenFor(agent, '/transactions/new');
    const res = await agent
      .post('/transactions')
      .type('form')
      .send({ _csrf: token, type: 'income', amount: '5', description: 'x'.repeat(20_000) });
    assert.equal(res.status, 413);
    assert.match(res.text, /nothing was saved/);
    assert.equal(count(ctx, 'transactions'), 0);
  });

  test("a signed-in person's oversized form gets a 413 page with their header, in their saved language, and a way back to the form", async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const saved = await agent.post('/account/language').type('form').send({ _csrf: await tokenFor(agent, '/account'), language: 'uk' });
    assert.equal(saved.status, 303);
    const token = await tokenFor(agent, '/transactions/new');
    const send = (referer: string) =>
      agent
        .post('/transactions')
        .set('Host', 'money.example.org')
        .set('Accept-Language', 'en-US,en;q=0.9')
        .set('Referer', referer)
        .type('form')
        .send({ _csrf: token, type: 'income', amount: '5', description: 'x'.repeat(17 * 1024) });
    const res = await send('https://money.example.org/transactions/new?account=1');
    assert.equal(res.status, 413);
    assert.match(res.text, /<html lang="uk">/);
    assert.match(res.text, /Надіслано більше даних, ніж приймають форми на цьому сайті, тому нічого не збережено\./);
    // The signed-in header (the menu, Log out), and the form it came from to go back to; no "Go to log in".
    assert.match(res.text, /<form method="post" action="\/logout"/);
    assert.match(res.text, /<a class="button button--primary" href="\/transactions\/new\?account=1">Повернутися до форми<\/a>/);
    assert.match(res.text, /href="\/dashboard">Повернутися до огляду<\/a>/);
    assert.doesNotMatch(res.text, /href="\/login"/);
    // A page of another site, or none, is no way back: the dashboard is.
    for (const referer of ['https://evil.example/transactions/new', 'https://money.example.org.evil.example/x', 'javascript:alert(1)']) {
      const other = await send(referer);
      assert.equal(other.status, 413);
      assert.doesNotMatch(other.text, /Повернутися до форми/, referer);
      assert.match(other.text, /<a class="button button--primary" href="\/dashboard">Повернутися до огляду<\/a>/, referer);
    }
    assert.equal(count(ctx, 'transactions'), 0);
  });

  test('a signed-out visitor\'s oversized form gets a 413 page with the signed-out header and the way to log in, in their language', async (t) => {
    const ctx = setup(t);
    const visitor = agentFor(ctx.app);
    const token = await tokenFor(visitor, '/login');
    const res = await visitor
      .post('/login')
      .set('Host', 'money.example.org')
      .set('Accept-Language', 'uk')
      .set('Referer', 'http://money.example.org/login')
      .type('form')
      .send({ _csrf: token, email: 'x'.repeat(17 * 1024), password: 'x' });
    assert.equal(res.status, 413);
    assert.match(res.text, /<html lang="uk">/);
    assert.doesNotMatch(res.text, /action="\/logout"/);
    assert.match(res.text, /href="\/login">Перейти до входу<\/a>/);
    assert.match(res.text, /href="\/login">Повернутися до форми<\/a>/);
    assert.equal(count(ctx, 'users'), 0);
  });

  test('a budget form over the limit gets 413 too, although it may carry many more fields', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await tokenFor(agent, '/budgets/2026-03');
    // Its limit is 192 KB (an amount, a box and what the page showed of each, for up to 1,000 categories); more is
    // refused whole.
    const res = await agent.post('/budgets/2026-03').type('form').send({ _csrf: token, padding: 'x'.repeat(192 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(count(ctx, 'budgets'), 0);
  });

  test('repeated fields are a validation message, not a crash', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await tokenFor(agent, '/transactions/new');
    const res = await agent.post('/transactions').type('form').send(`_csrf=${encodeURIComponent(token)}&type=income&amount=5&amount=6`);
    assert.equal(res.status, 422);
    assert.equal(count(ctx, 'transactions'), 0);
  });

  test('unknown routes get the 404 page', async (t) => {
    const ctx = setup(t);
    const res = await requestTo(ctx.app).get('/no/such/page');
    assert.equal(res.status, 404);
    assert.match(res.text, /Page not found/);
  });

  test('an unexpected failure renders the 500 page without a stack trace outside development', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    // Breaking the schema under the running app makes the next dashboard query throw inside a handler.
    ctx.db.exec('ALTER TABLE monthly_totals RENAME TO monthly_totals_gone');
    const res = await agent.get('/dashboard');
    assert.equal(res.status, 500);
    assert.match(res.text, /Something went wrong/);
    assert.doesNotMatch(res.text, /at .*\.ts:\d+/);
    assert.doesNotMatch(res.text, /SqliteError|no such table/);
  });

  test('in development the 500 page shows the stack to help the developer', async (t) => {
    const ctx = setup(t, { NODE_ENV: 'development' });
    const agent = await registerUser(ctx.app, 'ann@example.com');
    ctx.db.exec('ALTER TABLE monthly_totals RENAME TO monthly_totals_gone');
    const res = await agent.get('/dashboard');
    assert.equal(res.status, 500);
    assert.match(res.text, /no such table/);
  });
});

describe('headers', () => {
  test('pages carry a CSP with no inline script or style, and the other helmet headers', async (t) => {
    const ctx = setup(t);
    const res = await requestTo(ctx.app).get('/login');
    const csp = res.headers['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-powered-by'], undefined);
  });

  test('no page has an inline script or a style attribute', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { amount: '1' });
    for (const url of ['/login', '/register', '/dashboard', '/transactions', '/transactions/new', '/transactions/1/delete', '/nope']) {
      const html = (await (url === '/login' || url === '/register' ? requestTo(ctx.app) : agent).get(url)).text;
      assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, `${url} has an inline script`);
      assert.doesNotMatch(html, /\sstyle="/, `${url} has a style attribute`);
      assert.doesNotMatch(html, /\son[a-z]+="/, `${url} has an inline event handler`);
    }
  });

  test('/healthz answers without creating a session', async (t) => {
    const ctx = setup(t);
    const res = await requestTo(ctx.app).get('/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ok');
    assert.equal(res.headers['set-cookie'], undefined);
    assert.equal(count(ctx, 'sessions'), 0);
  });
});
