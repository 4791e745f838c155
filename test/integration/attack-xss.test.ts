import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTransaction, registerUser, TEST_PASSWORD, tokenFor, agentFor } from '../helpers/app.ts';
import { XSS_PAYLOADS } from '../helpers/payloads.ts';
import { countRows, createSecurityContext, logInAgent, userIdOf } from '../helpers/security.ts';


const SQL_PAYLOADS = [
  "'; DROP TABLE transactions; --",
  "Robert'); DELETE FROM users WHERE ('1'='1",
  '1 OR 1=1',
  "\" OR \"\"=\"",
  'x UNION SELECT password_hash FROM users --',
];

/** What EJS's <%= %> makes of a string. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

function transactionIdsOf(ctx: { db: { prepare(sql: string): { all(...a: unknown[]): unknown[] } } }, userId: number): number[] {
  return (ctx.db.prepare('SELECT id FROM transactions WHERE user_id = ? ORDER BY id').all(userId) as { id: number }[]).map((r) => r.id);
}

describe('stored XSS', () => {
  test('payloads in a description are stored as typed and shown escaped on every page that shows them', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx, 'ann@example.com');
    for (const payload of XSS_PAYLOADS) {
      assert.equal((await addTransaction(agent, { amount: '1.00', date: '2026-01-02', description: payload })).status, 303);
    }
    const stored = ctx.db.prepare('SELECT description FROM transactions WHERE user_id = ? ORDER BY id').all(userId) as { description: string }[];
    assert.deepEqual(stored.map((r) => r.description), XSS_PAYLOADS, 'stored verbatim');

    const ids = transactionIdsOf(ctx, userId);
    const pages = ['/dashboard', '/transactions', ...ids.flatMap((id) => [`/transactions/${id}/delete`, `/transactions/${id}/edit`])];
    for (const page of pages) {
      const res = await agent.get(page);
      assert.equal(res.status, 200, page);
      for (const payload of XSS_PAYLOADS) {
        assert.ok(!res.text.includes(payload), `${page} contains the raw payload ${payload}`);
      }
      const onThisPage = XSS_PAYLOADS.filter((p) => res.text.includes(escapeHtml(p)));
      assert.ok(onThisPage.length > 0, `${page} shows at least one payload, escaped`);
      assert.doesNotMatch(res.text, /<script>alert|onerror=alert\(1\)>|<svg onload/);
    }
  });

  test('payloads re-rendered in a form after a validation error are escaped in the value attribute', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    for (const payload of XSS_PAYLOADS) {
      const token = await tokenFor(agent, '/transactions/new');
      const res = await agent.post('/transactions').type('form').send({ _csrf: token, type: 'expense', amount: payload, date: payload, description: payload });
      assert.equal(res.status, 422);
      assert.ok(!res.text.includes(payload), `raw payload echoed: ${payload}`);
      assert.ok(res.text.includes(`value="${escapeHtml(payload)}"`), `escaped value missing for ${payload}`);
    }
    assert.equal(countRows(ctx, 'transactions'), 0);
  });

  test('payloads in an email are escaped on the register, login and account pages', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    // Valid as an address (no spaces, one @), so it is stored and shown back to its owner.
    const storedEmail = '"><svg/onload=alert(1)>@example.com';
    const agent = await registerUser(ctx.app, storedEmail);
    const account = await agent.get('/account');
    assert.equal(account.status, 200);
    assert.ok(!account.text.includes(storedEmail));
    assert.ok(account.text.includes(escapeHtml(storedEmail)));

    for (const payload of XSS_PAYLOADS) {
      const visitor = agentFor(ctx.app);
      let token = await tokenFor(visitor, '/register');
      const reg = await visitor.post('/register').type('form').send({ _csrf: token, email: payload, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
      assert.equal(reg.status, 422);
      assert.ok(!reg.text.includes(payload), `register echoed ${payload}`);
      token = await tokenFor(visitor, '/login');
      const login = await visitor.post('/login').type('form').send({ _csrf: token, email: payload, password: TEST_PASSWORD });
      assert.equal(login.status, 401);
      assert.ok(!login.text.includes(payload), `login echoed ${payload}`);
      assert.ok(login.text.includes(escapeHtml(payload)), `login did not keep the typed email ${payload}`);
    }
  });

  test('payloads in a category name are escaped on the categories and transaction pages', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const payload = '"><img src=x onerror=alert(1)>';
    const token = await tokenFor(agent, '/categories');
    assert.equal((await agent.post('/categories').type('form').send({ _csrf: token, kind: 'expense', name: payload })).status, 303);
    for (const page of ['/categories', '/transactions/new', '/transactions']) {
      const res = await agent.get(page);
      assert.equal(res.status, 200);
      assert.ok(!res.text.includes(payload), `${page} contains the raw payload`);
    }
    assert.ok((await agent.get('/categories')).text.includes(escapeHtml(payload)));
  });
});

describe('SQL injection strings', () => {
  test('are stored and shown verbatim in descriptions, and the tables are intact', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await registerUser(ctx.app, 'bob@example.com');
    const userId = userIdOf(ctx, 'ann@example.com');
    for (const payload of SQL_PAYLOADS) {
      assert.equal((await addTransaction(agent, { amount: '3.00', date: '2026-01-03', description: payload })).status, 303);
    }
    const stored = ctx.db.prepare('SELECT description FROM transactions WHERE user_id = ? ORDER BY id').all(userId) as { description: string }[];
    assert.deepEqual(stored.map((r) => r.description), SQL_PAYLOADS);
    assert.equal(countRows(ctx, 'users'), 2);
    const list = await agent.get('/transactions');
    for (const payload of SQL_PAYLOADS) assert.ok(list.text.includes(escapeHtml(payload)), `list does not show ${payload}`);
  });

  test('in the email field neither sign in nor break anything, and an apostrophe address works end to end', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    for (const payload of ["' OR '1'='1", "ann@example.com' --", "' OR 1=1 --@example.com"]) {
      const visitor = agentFor(ctx.app);
      const token = await tokenFor(visitor, '/login');
      const res = await visitor.post('/login').type('form').send({ _csrf: token, email: payload, password: 'anything at all' });
      assert.equal(res.status, 401, payload);
      assert.equal((await visitor.get('/dashboard')).status, 303, `${payload} signed someone in`);
    }
    const irish = "o'brien@example.com";
    await registerUser(ctx.app, irish);
    const agent = await logInAgent(ctx.app, irish, TEST_PASSWORD);
    const account = await agent.get('/account');
    assert.ok(account.text.includes(escapeHtml(irish)));
    assert.equal(countRows(ctx, 'users'), 2);
  });
});
