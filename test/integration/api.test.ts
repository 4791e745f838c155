import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentFor, createTestContext, postForm, registerUser, totalsFrom, type Agent, type TestContext } from '../helpers/app.ts';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';
import { apiOperations, fillTemplate, makeApiToken as makeToken, type ApiOperation } from '../helpers/api.ts';
import { contractViolation } from '../helpers/api-contract.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { createLogger } from '../../src/logger.ts';
import { listRoutes } from '../helpers/routes.ts';
import { apiDocument, loadApiDocument } from '../../src/web/api/openapi.ts';

// The document's generator loads lazily in the app; the suites read the document from the start.
await loadApiDocument();

/** Sends a request to /api/v1 with the token, a JSON body when given, and an Idempotency-Key when given. */
const caller =
  (ctx: TestContext, token: string) =>
  (method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, body?: unknown, key?: string) => {
    let req = agentFor(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    if (key) req = req.set('Idempotency-Key', key);
    return body === undefined ? req : req.send(body as object);
  };

const api = (ctx: TestContext, path: string, token?: string) => {
  const req = agentFor(ctx.app).get(`/api/v1${path}`);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

describe('personal access tokens and /api/v1', () => {
  test('a token is made on its page, shown once with its lgy_ prefix, stored as SHA-256 only, listed with when it was last used, and revoked at once', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    let agent = await registerUser(ctx.app, 'ann@example.com');
    const bad = await postForm(agent, '/account/api-tokens', '/account/api-tokens', { name: '', scope: 'admin', lifetime: '7' });
    assert.equal(bad.status, 422);
    for (const id of ['token-name-error', 'token-scope-error', 'token-lifetime-error']) assert.match(bad.text, new RegExp(`id="${id}"`));
    assert.equal(ctx.db.prepare('SELECT count(*) FROM api_tokens').pluck().get(), 0);
    // The password is asked again: a token acts without a session, so a stolen session alone cannot make one.
    for (const [password, message] of [['', /Enter your password to make a token\./], ['not my password', /That is not your password, so no token was made\./]] as const) {
      const refused = await postForm(agent, '/account/api-tokens', '/account/api-tokens', { name: 'Stolen', scope: 'read-write', lifetime: 'never', password });
      assert.equal(refused.status, 422);
      assert.match(refused.text, /id="token-password-error"[^>]*>(<span[^>]*>[^<]*<\/span>)?[^<]*/);
      assert.match(refused.text, message);
      assert.match(refused.text, /name="name"[^>]*value="Stolen"/, 'the rest of the form is kept');
    }
    assert.equal(ctx.db.prepare('SELECT count(*) FROM api_tokens').pluck().get(), 0);

    const token = await makeToken(agent, { name: 'Phone shortcut', scope: 'read', lifetime: '30' });
    assert.doesNotMatch((await agent.get('/account/api-tokens')).text, /id="fresh-token"/, 'shown once');
    const stored = ctx.db.prepare('SELECT token_hash FROM api_tokens').pluck().get() as string;
    assert.match(stored, /^[0-9a-f]{64}$/);
    assert.ok(!stored.includes(token.slice(4)));

    assert.equal((await api(ctx, '/accounts', token)).status, 200);
    assert.match((await agent.get('/account/api-tokens')).text, /Read only[\s\S]*last used Mar 15, 2026, 12:00 PM/);

    // Expired after its 30 days.
    ctx.clock.advance(30 * 24 * 3600 * 1000);
    const expired = await api(ctx, '/accounts', token);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.detail, 'The token has expired.');
    // The browser session has expired too by now: sign in again.
    agent = agentFor(ctx.app);
    assert.equal((await postForm(agent, '/login', '/login', { email: 'ann@example.com', password: 'correct horse battery' })).status, 303);

    // Revoked: refused at once.
    const another = await makeToken(agent, { name: 'Script', scope: 'read-write', lifetime: 'never' });
    assert.equal((await api(ctx, '/accounts', another)).status, 200);
    const id = Number(ctx.db.prepare("SELECT id FROM api_tokens WHERE name = 'Script'").pluck().get());
    assert.equal((await postForm(agent, '/account/api-tokens', `/api-tokens/${id}/revoke`, {})).status, 303);
    assert.equal((await api(ctx, '/accounts', another)).status, 401);

    // A password change does not revoke tokens; deleting the account does.
    const kept = await makeToken(agent, { name: 'Kept', scope: 'read', lifetime: 'never' });
    await postForm(agent, '/account', '/account/password', { currentPassword: 'correct horse battery', newPassword: 'a new long passphrase', confirmPassword: 'a new long passphrase' });
    assert.equal((await api(ctx, '/accounts', kept)).status, 200);
    await postForm(agent, '/account', '/account/delete', { password: 'a new long passphrase' });
    assert.equal((await api(ctx, '/accounts', kept)).status, 401);
  });

  test('bearer tokens only: no token, a made-up one, or a signed-in browser\'s cookie alone get 401 problems; no CORS headers', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const withCookie = await agent.get('/api/v1/accounts');
    assert.equal(withCookie.status, 401, 'the session cookie does not authenticate');
    assert.match(String(withCookie.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(Object.keys(withCookie.body).sort(), ['detail', 'status', 'title', 'type']);
    assert.match(String(withCookie.headers['www-authenticate']), /^Bearer realm="ledgerly"$/);
    const madeUp = await api(ctx, '/accounts', `lgy_${'A'.repeat(43)}`);
    assert.equal(madeUp.status, 401);
    assert.match(String(madeUp.headers['www-authenticate']), /error="invalid_token"/);
    assert.equal((await api(ctx, '/accounts', 'not-even-a-token')).status, 401);
    const token = await makeToken(agent, { name: 'x', scope: 'read', lifetime: 'never' });
    const ok = await api(ctx, '/accounts', token).set('Origin', 'https://evil.example');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], undefined);
    assert.equal(ok.headers['set-cookie'], undefined, 'no session is started');
    const missing = await api(ctx, '/nothing-here', token);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.type, '/api/v1/problems/not-found');
  });

  test("the server's own failure is a 500 problem document in the caller's language, logged without the token", async (t) => {
    const lines: string[] = [];
    const ctx = createTestContext({}, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await makeToken(agent, { name: 'x', scope: 'read', lifetime: 'never' });
    // Tables the list and the rules need are gone, as a damaged database or a half-done manual change would leave them.
    ctx.db.exec('ALTER TABLE rules RENAME TO rules_elsewhere');
    ctx.db.exec('ALTER TABLE user_totals RENAME TO user_totals_elsewhere');
    const failed = await api(ctx, '/transactions?limit=10', token);
    assert.equal(failed.status, 500);
    assert.match(String(failed.headers['content-type']), /^application\/problem\+json/, 'never the HTML error page');
    assert.deepEqual(failed.body, { type: '/api/v1/problems/internal', title: 'Internal Server Error', status: 500, detail: 'Something went wrong on the server. It has been logged; try again later.' });
    const inUkrainian = await api(ctx, '/rules', token).set('Accept-Language', 'uk');
    assert.equal(inUkrainian.body.detail, 'На сервері сталася помилка. Її записано в журнал; спробуйте пізніше.');
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; path?: string; method?: string }).filter((entry) => entry.msg === 'request failed');
    assert.deepEqual(logged.map((entry) => [entry.method, entry.path]), [['GET', '/api/v1/transactions'], ['GET', '/api/v1/rules']], 'the path without its query');
    assert.equal(lines.join('').includes(token), false, 'the token is not logged');
    assert.equal(lines.join('').includes(token.slice(4, 20)), false, 'nor any part of it');
  });

  test('a read token cannot write (403); a token sees only its owner\'s data', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    await postForm(bob, '/accounts', '/accounts', { name: 'Bob savings', kind: 'savings', openingBalance: '5', openingOn: '' });
    const annRead = await makeToken(ann, { name: 'r', scope: 'read', lifetime: 'never' });
    const write = await agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${annRead}`).send({ type: 'expense', amount: '1.00' });
    assert.equal(write.status, 403);
    assert.equal(write.body.type, '/api/v1/problems/read-only-token');
    const annAccounts = (await api(ctx, '/accounts', annRead)).body.data as { name: string }[];
    assert.deepEqual(annAccounts.map((a) => a.name), ['Main account']);
  });

  test("the summary's totals equal the dashboard's for the same period, with transfers and refunds, as cents and exact decimal strings", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const cat = (name: string) => categoryIdOf(ctx.db, userId, 'expense', name);
    insertTransactions(ctx.db, userId, [
      { type: 'income', amountCents: 320_012, occurredOn: '2026-03-01', description: 'Salary', categoryId: categoryIdOf(ctx.db, userId, 'income', 'Salary') },
      { type: 'expense', amountCents: 120_001, occurredOn: '2026-03-02', description: 'Rent', categoryId: cat('Housing') },
      { type: 'expense', amountCents: 8_450, occurredOn: '2026-03-03', description: 'Market', categoryId: cat('Groceries') },
      // A refund: income in an expense category lowers that category's spending.
      { type: 'income', amountCents: 1_450, occurredOn: '2026-03-04', description: 'Returned', categoryId: cat('Groceries') },
      { type: 'expense', amountCents: 999, occurredOn: '2026-02-27', description: 'Last month', categoryId: cat('Groceries') },
    ]);
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    await postForm(agent, '/transfers/new', '/transfers', { from: String(accountIdOf(ctx.db, userId, 'Main account')), to: String(accountIdOf(ctx.db, userId, 'Savings')), amount: '100', date: '2026-03-05', description: 'Saving' });
    const token = await makeToken(agent, { name: 's', scope: 'read', lifetime: 'never' });
    for (const period of ['2026-03', '2026', 'all']) {
      const summary = (await api(ctx, `/summary?period=${period}`, token)).body;
      const dashboard = totalsFrom((await agent.get(`/dashboard?period=${period}`)).text);
      const usd = (cents: number) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
      assert.equal(usd(summary.income.cents), dashboard.Income, period);
      assert.equal(usd(summary.expenses.cents), dashboard.Expenses, period);
      assert.equal(usd(summary.net.cents), dashboard['Net'], period);
      assert.equal(summary.period.param, period);
    }
    const march = (await api(ctx, '/summary?period=2026-03', token)).body;
    assert.deepEqual(march.income, { cents: 320_012, amount: '3200.12' });
    assert.deepEqual(march.expenses, { cents: 127_001, amount: '1270.01' }, 'the refund nets off; the transfer never counts');
    assert.deepEqual(march.topCategories.map((c: { name: string; cents: number }) => [c.name, c.cents]), [['Housing', 120_001], ['Groceries', 7_000]]);
    const bad = await api(ctx, '/summary?period=2026-13', token);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, [{ field: 'period', message: 'Use YYYY-MM, YYYY or all.' }].map((e) => ({ ...e, message: bad.body.errors[0].message })));
  });
});

describe('/api/v1/transactions', () => {
  async function setup(t: { after: (fn: () => unknown) => void }) {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const call = caller(ctx, token);
    return { ctx, ann, token, call };
  }
  const count = (ctx: TestContext) => Number(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get());

  test('add, read, list by cursor, edit and delete; amounts in as decimal strings and out as cents and strings', async (t) => {
    const { ctx, call } = await setup(t);
    const groceries = categoryIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'expense', 'Groceries');
    const made = await call('post', '/transactions', { type: 'expense', amount: '1234.56', date: '2026-03-10', description: 'Market', category: groceries });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual({ ...made.body, id: 0, accountId: 0 }, { id: 0, accountId: 0, type: 'expense', cents: 123_456, amount: '1234.56', date: '2026-03-10', description: 'Market', categoryId: groceries, categoryName: 'Groceries', refund: false, status: 'uncleared' });
    const id = made.body.id as number;
    assert.equal((await call('get', `/transactions/${id}`)).body.cents, 123_456);
    for (let i = 0; i < 3; i++) await call('post', '/transactions', { type: 'income', amount: `${i + 1}.00`, date: `2026-03-0${i + 1}`, description: `In ${i}` });
    const first = await call('get', '/transactions?limit=2');
    assert.equal(first.body.data.length, 2);
    assert.equal(first.body.totals.count, 4);
    const second = await call('get', `/transactions?limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual([...first.body.data, ...second.body.data].map((r: { date: string }) => r.date), ['2026-03-10', '2026-03-03', '2026-03-02', '2026-03-01']);
    assert.equal(second.body.nextCursor, null);
    const filtered = await call('get', '/transactions?type=income&q=In');
    assert.equal(filtered.body.totals.count, 3);
    // A parameter given twice, or a limit that is not plain digits, is a 400 naming it, never a quiet other answer.
    // A cursor this API could not have given (a day that does not exist, an id of 0) is refused the same way: one rule
    // for cursors, the pages' and the API's.
    const forged = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    for (const [query, field] of [['type=income&type=expense', 'type'], [`cursor=${first.body.nextCursor}&cursor=x`, 'cursor'], ['limit=0x10', 'limit'], ['limit=1e2', 'limit'], ['limit=%207', 'limit'], [`cursor=${forged('2026-99-99.5')}`, 'cursor'], [`cursor=${forged('2026-03-01.0')}`, 'cursor']]) {
      const refused = await call('get', `/transactions?${query}`);
      assert.equal(refused.status, 400, query);
      assert.deepEqual(refused.body.errors.map((e: { field: string }) => e.field), [field], query);
    }
    assert.equal((await call('get', '/summary?period=all&period=2026')).status, 400);
    const edited = await call('patch', `/transactions/${id}`, { amount: '10.05', description: 'Corner shop' });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.cents, 1_005);
    assert.equal(edited.body.description, 'Corner shop');
    assert.equal(edited.body.categoryId, groceries, 'fields left out keep their value');
    assert.equal((await call('delete', `/transactions/${id}`)).status, 204);
    assert.equal((await call('get', `/transactions/${id}`)).status, 404);
  });

  test('bad input is a 422 problem with each field, and nothing is stored', async (t) => {
    const { ctx, call, token } = await setup(t);
    const before = count(ctx);
    const bad = await call('post', '/transactions', { type: 'gift', amount: '12.345', date: '2026-02-30', description: 'x'.repeat(500) });
    assert.equal(bad.status, 422);
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['amount', 'date', 'description', 'type']);
    // An income category on an expense is named in the same answer as a bad amount, not after it is fixed.
    const salary = categoryIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'income', 'Salary');
    const both = await call('post', '/transactions', { type: 'expense', amount: '1e3', category: salary });
    assert.equal(both.status, 422);
    assert.deepEqual(Object.fromEntries(both.body.errors.map((e: { field: string; message: string }) => [e.field, e.message])), {
      amount: 'Enter an amount in numbers, like 12.50 or 1,234.56.',
      category: '“Salary” is an income category; choose one for expenses, or none.',
    });
    assert.equal((await call('post', '/transactions', { type: 'expense', amount: 12.5 })).status, 422, 'a number is not an amount: amounts are strings');
    const malformed = await agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"type":');
    assert.equal(malformed.status, 400);
    assert.deepEqual([malformed.body.type, malformed.body.detail], ['/api/v1/problems/malformed', 'The body is not valid JSON.']);
    // A path the router cannot decode is said to be the path, not the body; an encoding it cannot read, the encoding.
    const badPath = await agentFor(ctx.app).get('/api/v1/transactions/%ZZ').set('Authorization', `Bearer ${token}`);
    assert.deepEqual([badPath.status, badPath.body.type, badPath.body.detail], [400, '/api/v1/problems/invalid-path', 'The path is not valid.']);
    const compressed = await agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').set('Content-Encoding', 'compress').send('{}');
    assert.deepEqual([compressed.status, compressed.body.detail], [415, "The body's Content-Encoding is not one this server reads; send it uncompressed."]);
    // A form post is refused for what it is (415), and a big one without a token is still a 401 problem, not a page.
    const form = await agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).type('form').send({ type: 'expense', amount: '1.00' });
    assert.deepEqual([form.status, form.body.type], [415, '/api/v1/problems/unsupported-media-type']);
    const bigForm = await agentFor(ctx.app).post('/api/v1/transactions').type('form').send({ a: 'x'.repeat(200_000) });
    assert.deepEqual([bigForm.status, bigForm.headers['content-type']], [401, 'application/problem+json; charset=utf-8']);
    assert.equal(count(ctx), before);
  });

  test('problems are worded in the language Accept-Language asks for (Ukrainian or English), while amounts are still read with a decimal point', async (t) => {
    const { ctx, token } = await setup(t);
    const post = (language: string, body: object) =>
      agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).set('Accept-Language', language).send(body);
    const uk = await post('uk-UA,uk;q=0.9,en;q=0.5', { type: 'gift', amount: '12,50', colour: 'red' });
    assert.equal(uk.status, 422);
    assert.match(String(uk.headers.vary), /Accept-Language/);
    assert.equal(uk.body.detail, 'Деякі поля потрібно виправити.');
    const byField = Object.fromEntries(uk.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]));
    assert.equal(byField.colour, 'Такого поля в цьому запиті немає.');
    assert.equal(byField.type, 'Використайте одне з: "income", "expense".', 'a wrong choice, in Ukrainian');
    assert.equal(byField.amount, 'Дробову частину відокремте крапкою: 12.50.', 'the amount rule in Ukrainian, with the API\'s decimal point');
    const en = await post('fr', { type: 'expense', amount: 12.5 });
    assert.deepEqual([en.body.detail, en.body.errors[0].message], ['Some fields need fixing.', 'Write amounts as a decimal string, such as "12.50".']);
    const missing = await agentFor(ctx.app).get('/api/v1/transactions/999999').set('Authorization', `Bearer ${token}`).set('Accept-Language', 'uk');
    assert.equal(missing.body.detail, 'Такої операції немає.');
    const noToken = await agentFor(ctx.app).get('/api/v1/accounts').set('Accept-Language', 'uk');
    assert.equal(noToken.body.detail, 'Надішліть персональний токен доступу: Authorization: Bearer lgy_...');
    // A request that names none of our languages is answered in the token owner's own, as their pages are.
    ctx.db.prepare("UPDATE users SET language = 'uk'").run();
    const plain = (language?: string) => {
      const req = agentFor(ctx.app).get('/api/v1/transactions/999999').set('Authorization', `Bearer ${token}`);
      return language === undefined ? req : req.set('Accept-Language', language);
    };
    assert.equal((await plain()).body.detail, 'Такої операції немає.', 'no Accept-Language');
    assert.equal((await plain('fr')).body.detail, 'Такої операції немає.', 'only a language Ledgerly does not speak');
    assert.equal((await plain('*')).body.detail, 'Такої операції немає.', 'any language at all');
    assert.equal((await plain('en-GB,en;q=0.8')).body.detail, 'No such transaction.', 'the request names English: it wins');
  });

  test("another person's transaction is 404 to read, edit or delete, and stays as it was", async (t) => {
    const { ctx, call } = await setup(t);
    const bob = await registerUser(ctx.app, 'bob@example.com');
    await postForm(bob, '/transactions/new', '/transactions', { type: 'expense', amount: '9.99', date: '2026-03-01', description: 'Bob', category: '' });
    const bobs = Number(ctx.db.prepare("SELECT id FROM transactions WHERE description = 'Bob'").pluck().get());
    assert.equal((await call('get', `/transactions/${bobs}`)).status, 404);
    assert.equal((await call('patch', `/transactions/${bobs}`, { amount: '1.00' })).status, 404);
    assert.equal((await call('delete', `/transactions/${bobs}`)).status, 404);
    assert.equal(ctx.db.prepare('SELECT amount_cents FROM transactions WHERE id = ?').pluck().get(bobs), 999);
    assert.equal((await call('get', '/transactions')).body.totals.count, 0);
  });

  test('Idempotency-Key: a retry gets the first answer and adds nothing; concurrent retries add one; another body with the key is 422', async (t) => {
    const { ctx, call } = await setup(t);
    const body = { type: 'expense', amount: '4.20', date: '2026-03-11', description: 'Coffee' };
    const first = await call('post', '/transactions', body, 'phone-1');
    const retry = await call('post', '/transactions', body, 'phone-1');
    assert.equal(first.status, 201);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(count(ctx), 1);
    // The same fields in another order (another JSON library's way of writing them) are the same request.
    const reordered = await call('post', '/transactions', { description: 'Coffee', date: '2026-03-11', amount: '4.20', type: 'expense' }, 'phone-1');
    assert.equal(reordered.status, 201);
    assert.deepEqual(reordered.body, first.body);
    assert.equal(count(ctx), 1);
    const changed = await call('post', '/transactions', { ...body, amount: '5.00' }, 'phone-1');
    assert.equal(changed.status, 422);
    assert.equal(changed.body.type, '/api/v1/problems/idempotency-key-reused');
    assert.equal(count(ctx), 1);
    // The same key on another path (the same empty body) is another request: deleting row 6 under the key that
    // deleted row 5 must not replay "deleted" and leave row 6.
    const second = await call('post', '/transactions', { ...body, description: 'Tea' });
    const deleted = await call('delete', `/transactions/${first.body.id}`, undefined, 'delete-1');
    assert.equal(deleted.status, 204);
    const other = await call('delete', `/transactions/${second.body.id}`, undefined, 'delete-1');
    assert.equal(other.status, 422, 'the key belongs to the first delete');
    assert.equal(other.body.type, '/api/v1/problems/idempotency-key-reused');
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM transactions WHERE id = ?').pluck().get(second.body.id)), 1, 'the second row is still there');
    await call('delete', `/transactions/${second.body.id}`);
    assert.equal(count(ctx), 0);
    await call('post', '/transactions', body);
    assert.equal(count(ctx), 1);

    const racing = await Promise.all(Array.from({ length: 8 }, () => call('post', '/transactions', { ...body, description: 'Race' }, 'race-key')));
    assert.ok(racing.every((r) => r.status === 201));
    assert.equal(new Set(racing.map((r) => r.body.id)).size, 1);
    assert.equal(Number(ctx.db.prepare("SELECT count(*) FROM transactions WHERE description = 'Race'").pluck().get()), 1);

    // After 24 hours a key may be used again.
    ctx.clock.advance(24 * 3600 * 1000 + 1);
    assert.notEqual((await call('post', '/transactions', body, 'phone-1')).body.id, first.body.id);
    assert.equal(count(ctx), 3);
  });
});

describe('/api/v1 categories, budgets and scheduled transactions', () => {
  test("read the person's categories, a month's budget against its spending, and their schedules; never another person's", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, annId, 'expense', 'Groceries');
    await postForm(ann, '/budgets/2026-03', '/budgets/2026-03', { [`amount-${groceries}`]: '100.00' });
    insertTransactions(ctx.db, annId, [{ type: 'expense', amountCents: 3_025, occurredOn: '2026-03-03', description: 'Market', categoryId: groceries }]);
    const made = await postForm(ann, '/scheduled/new', '/scheduled', { type: 'expense', account: String(accountIdOf(ctx.db, annId, 'Main account')), toAccount: '', category: String(groceries), amount: '50', description: 'Veg box', frequency: 'weeks', every: '1', weekday: '', monthDay: '', startOn: '2026-03-20', endOn: '', count: '' });
    assert.equal(made.status, 303);
    await postForm(bob, '/scheduled/new', '/scheduled', { type: 'expense', account: String(accountIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'Main account')), toAccount: '', category: '', amount: '7', description: 'Bob only', frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2026-03-20', endOn: '', count: '' });
    assert.equal(Number(ctx.db.prepare("SELECT count(*) FROM schedules WHERE description = 'Bob only'").pluck().get()), 1, 'bob has one to hide');
    const token = await makeToken(ann, { name: 'r', scope: 'read', lifetime: 'never' });

    const categories = (await api(ctx, '/categories', token)).body.data as { name: string; kind: string; transactionCount: number }[];
    assert.deepEqual(categories.find((c) => c.name === 'Groceries'), { id: groceries, kind: 'expense', name: 'Groceries', transactionCount: 1 });

    const budget = (await api(ctx, '/budgets/2026-03', token)).body;
    const line = budget.lines.find((l: { categoryId: number }) => l.categoryId === groceries);
    assert.deepEqual([line.budgeted, line.spent, line.remaining, line.percentUsed], [{ cents: 10_000, amount: '100.00' }, { cents: 3_025, amount: '30.25' }, { cents: 6_975, amount: '69.75' }, 30]);
    assert.equal((await api(ctx, '/budgets/2026-3', token)).status, 400);
    // Spending in a category with no budget is not over one: an alert on `over` fired for every such category.
    const eatingOut = categoryIdOf(ctx.db, annId, 'expense', 'Eating out');
    insertTransactions(ctx.db, annId, [{ type: 'expense', amountCents: 1_250, occurredOn: '2026-03-04', description: 'Lunch', categoryId: eatingOut }]);
    const after = (await api(ctx, '/budgets/2026-03', token)).body;
    const unbudgeted = after.lines.find((l: { categoryId: number }) => l.categoryId === eatingOut);
    assert.deepEqual([unbudgeted.budgeted, unbudgeted.spent, unbudgeted.remaining, unbudgeted.percentUsed, unbudgeted.over], [null, { cents: 1_250, amount: '12.50' }, null, null, false]);
    assert.deepEqual([after.totals.unbudgetedSpent, after.totals.over], [{ cents: 1_250, amount: '12.50' }, false]);

    const scheduled = (await api(ctx, '/scheduled', token)).body.data as { description: string; nextOn: string; cents: number }[];
    assert.deepEqual(scheduled.map((s) => [s.description, s.nextOn, s.cents]), [['Veg box', '2026-03-20', 5_000]]);

    // Paid early with "Post now": the next one is a week on, in the list and in the schedule alike.
    const id = Number(ctx.db.prepare("SELECT id FROM schedules WHERE description = 'Veg box'").pluck().get());
    assert.equal((await postForm(ann, '/scheduled', `/scheduled/${id}/occurrence`, { on: '2026-03-20', action: 'post' })).status, 303);
    const listed = ((await api(ctx, '/scheduled', token)).body.data as { id: number; nextOn: string }[]).find((s) => s.id === id);
    assert.equal(listed?.nextOn, '2026-03-27');
    assert.equal((await api(ctx, `/scheduled/${id}`, token)).body.nextOn, '2026-03-27');
  });

  test('categories are added, renamed and deleted by the category form\'s rules; a month\'s budget is set, changed and removed one category at a time', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const send = caller(ctx, token);

    // The one name rule: trimmed, runs of any space collapsed; the same name ignoring case is taken.
    const made = await send('post', '/categories', { kind: 'expense', name: '  Takeaway\u00a0\u00a0food ' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual({ ...made.body, id: 0 }, { id: 0, kind: 'expense', name: 'Takeaway food', transactionCount: 0 });
    const taken = await send('post', '/categories', { kind: 'expense', name: 'takeaway FOOD' });
    assert.deepEqual([taken.status, taken.body.errors], [422, [{ field: 'name', message: 'You already have an expense category called “Takeaway food” (names ignore upper/lower case and extra spaces).' }]]);
    const bad = await send('post', '/categories', { kind: 'gift', name: 'x\ty', colour: 'red' });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['colour', 'kind', 'name'], 'every problem at once: an unknown field, the shape and the name rule');
    const renamed = await send('patch', `/categories/${made.body.id}`, { name: 'Restaurants' });
    assert.deepEqual([renamed.status, renamed.body.name], [200, 'Restaurants']);

    // A budget line: set, rollover kept when left out, removed with null; the amount rule is the budget form's.
    const set = await send('put', `/budgets/2026-03/${made.body.id}`, { amount: '120.00', rollover: true });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const line = (body: { lines: { categoryId: number; budgeted: unknown; rollover: boolean }[] }) => body.lines.find((l) => l.categoryId === made.body.id)!;
    assert.deepEqual([line(set.body).budgeted, line(set.body).rollover], [{ cents: 12_000, amount: '120.00' }, true]);
    const changed = await send('put', `/budgets/2026-03/${made.body.id}`, { amount: '80' });
    assert.deepEqual([line(changed.body).budgeted, line(changed.body).rollover], [{ cents: 8_000, amount: '80.00' }, true]);
    const refused = await send('put', `/budgets/2026-03/${made.body.id}`, { amount: '-5' });
    assert.deepEqual([refused.status, refused.body.errors.map((e: { field: string }) => e.field)], [422, ['amount']]);
    const floaty = await send('put', `/budgets/2026-03/${made.body.id}`, { amount: 80.5 });
    assert.deepEqual([floaty.status, floaty.body.errors[0].message], [422, 'Write amounts as a decimal string, such as "12.50".']);
    const salary = categoryIdOf(ctx.db, annId, 'income', 'Salary');
    assert.equal((await send('put', `/budgets/2026-03/${salary}`, { amount: '10.00' })).status, 404, 'budgets are for expense categories');
    const removed = await send('put', `/budgets/2026-03/${made.body.id}`, { amount: null });
    assert.equal(line(removed.body).budgeted, null);
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM budgets WHERE amount_cents IS NOT NULL').pluck().get()), 0);

    // Deleting a category keeps its transactions, uncategorised.
    insertTransactions(ctx.db, annId, [{ type: 'expense', amountCents: 1_500, occurredOn: '2026-03-03', description: 'Pizza', categoryId: made.body.id }]);
    assert.equal((await send('delete', `/categories/${made.body.id}`)).status, 204);
    assert.equal(ctx.db.prepare("SELECT category_id FROM transactions WHERE description = 'Pizza'").pluck().get(), null);
    assert.equal((await send('delete', `/categories/${made.body.id}`)).status, 404);
  });
});

describe('/api/v1/scheduled', () => {
  test('a schedule is added by the schedule form\'s rules and posts what is already due; an edit applies from tomorrow; deleting keeps what it posted', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const main = accountIdOf(ctx.db, annId, 'Main account');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const send = caller(ctx, token);
    const posted = () => ctx.db.prepare("SELECT occurred_on, amount_cents FROM transactions WHERE description = 'Gym' ORDER BY occurred_on").all();

    const made = await send('post', '/scheduled', { type: 'expense', account: main, amount: '30.00', description: 'Gym', frequency: 'months', startOn: '2026-01-10' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual([made.body.rule.monthDay, made.body.rule.interval, made.body.postedThrough, made.body.nextOn], [10, 1, '2026-03-15', '2026-04-10']);
    assert.deepEqual(posted(), [{ occurred_on: '2026-01-10', amount_cents: 3_000 }, { occurred_on: '2026-02-10', amount_cents: 3_000 }, { occurred_on: '2026-03-10', amount_cents: 3_000 }], 'the three already due, at once');

    const refused = await send('post', '/scheduled', { type: 'transfer', account: main, amount: '5', frequency: 'weeks', startOn: '2026-03-01', every: 0 });
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.body.errors.map((e: { field: string }) => e.field), ['every']);
    const noTarget = await send('post', '/scheduled', { type: 'transfer', account: main, amount: '5', frequency: 'weeks', startOn: '2026-03-01' });
    assert.deepEqual([noTarget.status, noTarget.body.errors.map((e: { field: string }) => e.field)], [422, ['toAccount']], 'a transfer needs the account it goes to');
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM schedules').pluck().get()), 1, 'refusals store nothing');

    const edited = await send('patch', `/scheduled/${made.body.id}`, { amount: '35.00' });
    assert.deepEqual([edited.status, edited.body.cents, edited.body.rule.startOn], [200, 3_500, '2026-01-10']);
    assert.equal(posted().length, 3, 'what was posted stays as it was');
    assert.equal((await send('get', `/scheduled/${made.body.id}`)).body.cents, 3_500);

    assert.equal((await send('delete', `/scheduled/${made.body.id}`)).status, 204);
    assert.equal((await send('get', `/scheduled/${made.body.id}`)).status, 404);
    assert.equal(posted().length, 3, 'deleting a schedule keeps the transactions it posted');
  });
});

describe('/api/v1/rules', () => {
  test('rules are added, read in order, changed and deleted by the rule form\'s own checks', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const groceries = categoryIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'expense', 'Groceries');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const send = caller(ctx, token);
    // An expense rule with an income category is refused beside the category: it would decide a row's category
    // and have it dropped, so no later rule could place the row.
    const salary = categoryIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'income', 'Salary');
    const wrongKind = await send('post', '/rules', { type: 'expense', category: salary });
    assert.equal(wrongKind.status, 422);
    assert.deepEqual(wrongKind.body.errors.map((e: { field: string }) => e.field), ['category']);
    assert.match(wrongKind.body.errors[0].message, /Salary/);
    assert.equal((await send('post', '/rules', { type: 'income', category: salary })).status, 201, 'an income rule may');
    assert.equal((await send('delete', `/rules/${Number(ctx.db.prepare('SELECT max(id) FROM rules').pluck().get())}`)).status, 204);
    const refused = await send('post', '/rules', { text: '' });
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.body.errors.map((e: { field: string }) => e.field).sort(), ['actions', 'conditions']);
    const made = await send('post', '/rules', { textMatch: 'starts', text: 'AMZN', amountFrom: '5', amountTo: '50.00', category: groceries, rename: 'Amazon' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual({ ...made.body, id: 0 }, { id: 0, position: 1, text: { match: 'starts', value: 'AMZN' }, amount: { min: { cents: 500, amount: '5.00' }, max: { cents: 5_000, amount: '50.00' } }, type: null, accountId: null, categoryId: groceries, transferAccountId: null, rename: 'Amazon' });
    const second = await send('post', '/rules', { text: 'rent', type: 'expense', rename: 'Rent' });
    assert.equal(second.body.position, 2);
    const changed = await send('patch', `/rules/${made.body.id}`, { amountFrom: '', amountTo: '', rename: null });
    assert.deepEqual([changed.status, changed.body.amount, changed.body.rename, changed.body.categoryId], [200, null, null, groceries]);
    // Adds now meet the rule: the API's own add leaves the category to it.
    const tx = await send('post', '/transactions', { type: 'expense', amount: '12.00', description: 'AMZN Mktp' });
    assert.equal(tx.body.categoryName, 'Groceries');
    // "category": null is the caller's choice: uncategorised, and the description as sent (a script storing bank
    // text verbatim had it renamed by a rule).
    const renaming = await send('post', '/rules', { text: 'grocer', rename: 'Groceries shop', category: groceries });
    const ruled = await send('post', '/transactions', { type: 'expense', amount: '3.00', description: 'grocer downtown' });
    assert.deepEqual([ruled.body.categoryId, ruled.body.description], [groceries, 'Groceries shop']);
    const verbatim = await send('post', '/transactions', { type: 'expense', amount: '3.00', description: 'grocer downtown', category: null });
    assert.deepEqual([verbatim.status, verbatim.body.categoryId, verbatim.body.description], [201, null, 'grocer downtown']);
    assert.equal((await send('delete', `/rules/${renaming.body.id}`)).status, 204);
    assert.deepEqual((await send('get', '/rules')).body.data.map((r: { position: number }) => r.position), [1, 2]);
    assert.equal((await send('delete', `/rules/${made.body.id}`)).status, 204);
    assert.deepEqual((await send('get', '/rules')).body.data.map((r: { rename: string }) => [r.rename]), [['Rent']]);
  });
});

describe('/api/v1 rate limit', () => {
  test('each token has its own per-minute budget (API_RATE_LIMIT), counted in SQLite; over it is a 429 problem with Retry-After', async (t) => {
    const ctx = createTestContext({ API_RATE_LIMIT: '3' }, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const first = await makeToken(ann, { name: 'one', scope: 'read', lifetime: 'never' });
    const second = await makeToken(ann, { name: 'two', scope: 'read', lifetime: 'never' });
    for (let i = 0; i < 3; i++) assert.equal((await api(ctx, '/accounts', first)).status, 200);
    const over = await api(ctx, '/accounts', first);
    assert.equal(over.status, 429);
    assert.equal(over.body.type, '/api/v1/problems/rate-limited');
    assert.ok(Number(over.headers['retry-after']) > 0, JSON.stringify(over.headers));
    assert.equal((await api(ctx, '/accounts', second)).status, 200, 'another token has its own budget');
    assert.ok(Number(ctx.db.prepare("SELECT count(*) FROM rate_limits WHERE key LIKE 'api-token:%'").pluck().get()) >= 2, 'the counters live in SQLite');
    ctx.clock.advance(61_000);
    assert.equal((await api(ctx, '/accounts', first)).status, 200, 'a new minute, a new budget');
  });
});

describe('the OpenAPI document', () => {
  test('is served at /api/v1/openapi.json without a token, as OpenAPI 3.1, and is the document every answer in the suite is checked against', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const served = await agentFor(ctx.app).get('/api/v1/openapi.json');
    assert.equal(served.status, 200);
    assert.equal(served.body.openapi, '3.1.0');
    assert.deepEqual(served.body, JSON.parse(JSON.stringify(apiDocument())));
    // Every route the router answers is in the document, and nothing else.
    const documented = Object.entries(served.body.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`));
    const routed = listRoutes(ctx.app).filter((r) => r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${r.path.slice('/api/v1'.length)}`);
    assert.deepEqual([...new Set(routed)].sort(), documented.sort());
  });

  test('an answer that breaks the document is caught: a made-up field, a float amount, an undocumented status', () => {
    const tx = { id: 1, accountId: 1, type: 'expense', cents: 450, amount: '4.50', date: '2026-03-01', description: 'Tea', categoryId: null, categoryName: null, refund: false, status: 'uncleared' };
    const check = (status: number, body: unknown, type = 'application/json') => contractViolation('GET', '/api/v1/transactions/1', status, type, Buffer.from(JSON.stringify(body)));
    assert.equal(check(200, tx), undefined);
    assert.match(check(200, { ...tx, extra: 1 })!, /additional properties/);
    assert.match(check(200, { ...tx, amount: 4.5 })!, /amount must be string/);
    assert.match(check(200, { ...tx, date: '2026-02-30' })!, /format "date"/);
    assert.match(check(201, tx)!, /status 201 is not documented/);
    assert.match(check(404, { title: 'x' }, 'application/problem+json')!, /must have required property/);
    assert.match(contractViolation('GET', '/api/v1/nope', 200, 'application/json', Buffer.from('{}'))!, /not a documented operation/);
  });
});

describe('/api/v1 query parameters', () => {
  test('every read refuses by name a query parameter its document does not list, and takes the ones it lists', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const send = caller(ctx, await makeToken(ann, { name: 'r', scope: 'read', lifetime: 'never' }));
    const reads = apiOperations().filter((op) => op.method === 'get');
    assert.ok(reads.length >= 10, 'every list and every object by id');
    for (const op of reads) {
      const path = fillTemplate(op.template, { id: 1, month: '2026-03', categoryId: 1 });
      const refused = await send('get', `${path}?bogus=1`);
      assert.equal(refused.status, 400, `GET ${path}?bogus=1`);
      assert.deepEqual(refused.body.errors, [{ field: 'bogus', message: 'This request takes no such parameter.' }], path);
      // What the document lists is taken: no parameter it names is refused as unknown.
      for (const name of op.queryParams) {
        const res = await send('get', `${path}?${name}=`);
        assert.notDeepEqual(res.body.errors?.map((e: { field: string; message: string }) => e.message), ['This request takes no such parameter.'], `${path}?${name}`);
      }
    }
    // A summary asked for a range of days would otherwise have answered for this month.
    const range = await send('get', '/summary?from=2026-01-01&to=2026-03-31');
    assert.deepEqual([range.status, range.body.errors[0].field], [400, 'from']);
    assert.equal((await send('get', '/summary?period=2026-03')).status, 200);
    // A list filter that cannot be read refuses the request, and says so in the API's words (the page ignores the
    // part, and its message says it "was ignored").
    const filters = await send('get', '/transactions?account=x&type=gift&from=2026-02-30&category=y');
    assert.equal(filters.status, 400);
    assert.deepEqual(Object.fromEntries(filters.body.errors.map((e: { field: string; message: string }) => [e.field, e.message])), {
      account: 'Use the id of one of your accounts.',
      from: 'There is no such day: use a real calendar date between 1900 and 2999, as YYYY-MM-DD.',
      type: 'Use income or expense.',
      category: 'Use the id of one of your categories, or none.',
    });
    const written = await send('get', '/transactions?from=2026%2F02%2F03');
    assert.deepEqual(written.body.errors, [{ field: 'from', message: 'Use a day as YYYY-MM-DD.' }]);
    const backwards = await send('get', '/transfers?from=2026-03-10&to=2026-03-01');
    assert.deepEqual([backwards.status, backwards.body.errors], [400, [{ field: 'to', message: 'The end date is before the start date.' }]]);
  });

  test('every write refuses a query parameter by name (a write takes none) and changes nothing: DELETE ?dryRun=true deleted the row', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const send = caller(ctx, await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' }));
    const made = await send('post', '/transactions', { type: 'expense', amount: '4.00', description: 'Kept' });
    assert.equal(made.status, 201);
    const writes = apiOperations().filter((op) => op.method !== 'get');
    assert.ok(writes.length >= 15, 'every add, edit and delete');
    const before = databaseFingerprint(ctx.db, { onlyUserId: annId, ignoreTables: ['sessions', 'api_tokens'] });
    for (const op of writes) {
      const path = fillTemplate(op.template, { id: made.body.id, month: '2026-03', categoryId: 1 });
      const body = op.method === 'delete' ? undefined : { type: 'expense', amount: '1.00' };
      const refused = await send(op.method, `${path}?dryRun=true`, body);
      assert.equal(refused.status, 400, `${op.method.toUpperCase()} ${path}?dryRun=true`);
      assert.deepEqual(refused.body.errors, [{ field: 'dryRun', message: 'This request takes no such parameter.' }], path);
    }
    assert.equal(databaseFingerprint(ctx.db, { onlyUserId: annId, ignoreTables: ['sessions', 'api_tokens'] }), before);
    assert.equal((await send('get', `/transactions/${made.body.id}`)).body.description, 'Kept');
  });
});

describe('/api/v1 paths, methods and bodies', () => {
  test('a method a path does not take is 405 with Allow, OPTIONS is answered with Allow, and a path the API lacks is 404, for a read-only token too', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const token = await makeToken(ann, { name: 'r', scope: 'read', lifetime: 'never' });
    const request = (method: 'put' | 'post' | 'patch' | 'options' | 'get', path: string) => agentFor(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const put = await request('put', '/transactions/1');
    assert.deepEqual([put.status, put.headers.allow, put.body.type, put.body.detail], [405, 'GET, HEAD, PATCH, DELETE', '/api/v1/problems/method-not-allowed', 'This path takes GET, HEAD, PATCH, DELETE only.']);
    const summary = await request('post', '/summary');
    assert.deepEqual([summary.status, summary.headers.allow], [405, 'GET, HEAD']);
    const options = await request('options', '/transactions');
    assert.deepEqual([options.status, options.headers.allow, options.text], [204, 'GET, HEAD, POST', '']);
    // Not 403 for a read-only token: no such operation exists for any token.
    // The prefix too: POST /API/V1/transactions wrote a row.
    const upper = await agentFor(ctx.app).post('/API/V1/transactions').set('Authorization', `Bearer ${token}`).send({ type: 'expense', amount: '1.00' });
    assert.deepEqual([upper.status, upper.headers.location], [404, undefined]);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get(), 0);
    for (const [method, path] of [['post', '/nothing-here'], ['get', '/transactions/1/more'], ['get', '/TRANSACTIONS'], ['patch', '/Transactions/1']] as const) {
      const res = await request(method, path);
      assert.deepEqual([res.status, res.body.type], [404, '/api/v1/problems/not-found'], `${method} ${path}`);
    }
  });

  test('a body that is JSON but no object, JSON in another charset, or fields of the wrong JSON type are each told in plain words', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const raw = (text: string, type = 'application/json', language = 'en') =>
      agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).set('Content-Type', type).set('Accept-Language', language).send(text);
    for (const text of ['"x"', 'null', '[1]', '5', 'true']) {
      const res = await raw(text);
      assert.deepEqual([res.status, res.body.type, res.body.detail], [400, '/api/v1/problems/malformed', 'Send the body as one JSON object, such as {"type": "expense", "amount": "12.50"}.'], text);
    }
    assert.equal((await raw('{"type":')).body.detail, 'The body is not valid JSON.');
    for (const charset of ['latin1', 'utf-16le', 'utf-7', '"UTF-16"']) {
      const other = await raw('{"type":"expense","amount":"1.00"}', `application/json; charset=${charset}`);
      assert.deepEqual([other.status, other.body.detail], [415, 'Send JSON in UTF-8 (Content-Type: application/json, with charset=utf-8 or none).'], charset);
    }
    // A body truly in UTF-16, its header hiding "charset=utf-8" in a quoted parameter before the charset the body
    // reader goes by.
    const hidden = await agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json; x="; charset=utf-8"; charset=utf-16le')
      .send(Buffer.from('{"type":"expense","amount":"1.00"}', 'utf16le'));
    assert.equal(hidden.status, 415);
    assert.equal((await raw('{"type":"expense","amount":"1.00"}', 'application/json; charset=UTF-8')).status, 201);
    const fields = (res: { body: { errors: { field: string; message: string }[] } }) => Object.fromEntries(res.body.errors.map((e) => [e.field, e.message]));
    assert.deepEqual(fields(await raw('{}')), { type: 'This field is required.', amount: 'This field is required.' });
    assert.deepEqual(fields(await raw('{"type":"gift","amount":"1.00","date":null,"category":"a"}')), {
      type: 'Use one of "income", "expense".',
      date: 'Give this as a JSON string.',
      category: 'Give a whole number, or null.',
    });
    assert.deepEqual(fields(await raw('{"type":"expense","amount":"1.00","category":1.5}')), { category: 'Give a whole number, or null.' });
    const groceries = categoryIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'expense', 'Groceries');
    const budget = await agentFor(ctx.app).put(`/api/v1/budgets/2026-03/${groceries}`).set('Authorization', `Bearer ${token}`).send({ amount: '5.00', rollover: 'yes' });
    assert.deepEqual(fields(budget), { rollover: 'Give true or false.' });
    const schedule = await agentFor(ctx.app).post('/api/v1/scheduled').set('Authorization', `Bearer ${token}`).send({ type: 'expense', account: accountIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'Main account'), amount: '5.00', frequency: 'months', startOn: '2026-03-01', every: 1.5 });
    assert.equal(fields(schedule).every, 'Give a whole number.');
    assert.deepEqual(fields(await raw('{}', 'application/json', 'uk')), { type: 'Це поле обов’язкове.', amount: 'Це поле обов’язкове.' });
    assert.equal((await agentFor(ctx.app).get('/api/v1/transactions').set('Authorization', `Bearer ${token}`)).body.data.length, 1, 'only the UTF-8 one');
  });
});

describe('/api/v1 isolation', () => {
  test("a signed-in browser's cookie alone is refused on every operation (so there is no session to forge a request on), and nothing changes", async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const before = databaseFingerprint(ctx.db, { onlyUserId: annId, ignoreTables: ['sessions'] });
    for (const op of apiOperations()) {
      const path = fillTemplate(op.template, { id: 1, month: '2026-03', categoryId: 1 });
      const req = ann[op.method](`/api/v1${path}`).set('Origin', 'https://evil.example');
      const res = await (op.method === 'get' ? req : req.send({ type: 'expense', amount: '1.00', name: 'x', from: 1, to: 2 }));
      assert.equal(res.status, 401, `${op.method.toUpperCase()} ${path} with only a cookie`);
    }
    assert.equal(databaseFingerprint(ctx.db, { onlyUserId: annId, ignoreTables: ['sessions'] }), before);
  });

  test("every operation with an id in its path answers 404 to another person's token, and their data stays as it was", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const annToken = await makeToken(ann, { name: 'a', scope: 'read-write', lifetime: 'never' });
    await postForm(ann, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    const main = accountIdOf(ctx.db, annId, 'Main account');
    const savings = accountIdOf(ctx.db, annId, 'Savings');
    const as = (token: string, method: ApiOperation['method'], path: string) => agentFor(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const groceries = categoryIdOf(ctx.db, annId, 'expense', 'Groceries');
    const annIds: Record<string, number> = {
      transactions: (await as(annToken, 'post', '/transactions').send({ type: 'expense', amount: '5.00', category: groceries })).body.id,
      transfers: (await as(annToken, 'post', '/transfers').send({ from: main, to: savings, amount: '5.00' })).body.id,
      categories: groceries,
      scheduled: (await as(annToken, 'post', '/scheduled').send({ type: 'expense', account: main, amount: '5.00', frequency: 'months', startOn: '2026-04-01' })).body.id,
      rules: (await as(annToken, 'post', '/rules').send({ text: 'mine', category: groceries })).body.id,
    };
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobToken = await makeToken(bob, { name: 'b', scope: 'read-write', lifetime: 'never' });
    const before = databaseFingerprint(ctx.db, { onlyUserId: annId, ignoreTables: ['api_tokens'] });

    const aimed = apiOperations().filter((op) => op.pathParams.some((p) => p === 'id' || p === 'categoryId'));
    assert.ok(aimed.length >= 10, 'the by-id operations of every resource');
    for (const op of aimed) {
      const resource = op.template.split('/')[1]!;
      const path = fillTemplate(op.template, { id: annIds[resource]!, month: '2026-03', categoryId: groceries });
      const body = op.method === 'get' || op.method === 'delete' ? undefined : { amount: '1.00', description: 'Mine now', ...(resource === 'categories' ? { name: 'Mine now' } : {}) };
      const res = await (body ? as(bobToken, op.method, path).send(body) : as(bobToken, op.method, path));
      assert.equal(res.status, 404, `${op.method.toUpperCase()} ${path} with another person's token: ${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.equal(databaseFingerprint(ctx.db, { onlyUserId: annId, ignoreTables: ['api_tokens'] }), before);
  });
});

describe('/api/v1/accounts', () => {
  test('accounts are opened, read, changed, archived and deleted by the account form\'s own rules; one holding transactions is 409; another person\'s is 404', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const send = caller(ctx, await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' }));
    const bobSend = caller(ctx, await makeToken(bob, { name: 'b', scope: 'read-write', lifetime: 'never' }));

    const card = await send('post', '/accounts', { name: '  Visa   card ', kind: 'credit_card', opening: '-500.00', openingOn: '2026-01-01' }, 'open-card');
    assert.equal(card.status, 201, JSON.stringify(card.body));
    assert.equal(card.headers.location, `/api/v1/accounts/${card.body.id}`);
    assert.deepEqual({ ...card.body, id: 0 }, { id: 0, name: 'Visa card', kind: 'credit_card', archived: false, openingOn: '2026-01-01', opening: { cents: -50_000, amount: '-500.00' }, balance: { cents: -50_000, amount: '-500.00' }, transactionCount: 0 });
    const retry = await send('post', '/accounts', { name: '  Visa   card ', kind: 'credit_card', opening: '-500.00', openingOn: '2026-01-01' }, 'open-card');
    assert.deepEqual([retry.status, retry.body.id, retry.headers['idempotent-replayed']], [201, card.body.id, 'true'], 'a retry with its key opens nothing more');
    const savings = await send('post', '/accounts', { name: 'Savings', kind: 'savings' });
    assert.deepEqual([savings.status, savings.body.openingOn, savings.body.opening.cents], [201, '2026-03-15', 0], 'opened today with nothing in it');
    // The form's rules: a taken name (any case), an unknown kind, a bad amount and day, all at once.
    const taken = await send('post', '/accounts', { name: 'SAVINGS', kind: 'loan', opening: '12.345', openingOn: '2026-02-30' });
    assert.equal(taken.status, 422);
    assert.deepEqual(taken.body.errors.map((e: { field: string }) => e.field).sort(), ['opening', 'openingOn']);
    const sameName = await send('post', '/accounts', { name: 'SAVINGS', kind: 'cash' });
    assert.deepEqual([sameName.status, sameName.body.errors.map((e: { field: string }) => e.field)], [422, ['name']]);
    assert.deepEqual((await send('post', '/accounts', { name: 'X', kind: 'piggy' })).body.errors.map((e: { field: string }) => e.field), ['kind']);

    assert.deepEqual((await send('get', `/accounts/${card.body.id}`)).body, card.body);
    const renamed = await send('patch', `/accounts/${card.body.id}`, { name: 'Visa', opening: '-450' });
    assert.deepEqual([renamed.status, renamed.body.name, renamed.body.kind, renamed.body.opening.amount, renamed.body.openingOn], [200, 'Visa', 'credit_card', '-450.00', '2026-01-01']);
    const archived = await send('patch', `/accounts/${card.body.id}`, { archived: true });
    assert.deepEqual([archived.status, archived.body.archived, archived.body.name], [200, true, 'Visa']);
    // An archived account takes no new rows, as on the forms.
    assert.equal((await send('post', '/transactions', { type: 'expense', amount: '1.00', account: card.body.id })).status, 422);
    assert.equal((await send('patch', `/accounts/${card.body.id}`, { archived: false })).body.archived, false);
    // A refused change changes nothing, the archived flag included.
    const refused = await send('patch', `/accounts/${card.body.id}`, { archived: true, name: 'Savings' });
    assert.equal(refused.status, 422);
    assert.equal((await send('get', `/accounts/${card.body.id}`)).body.archived, false);

    // Another person's account is not there for them.
    for (const [method, body] of [['get', undefined], ['patch', { name: 'Mine' }], ['delete', undefined]] as const) {
      assert.equal((await bobSend(method, `/accounts/${card.body.id}`, body)).status, 404, method);
    }
    // Holding a transaction, it is not deleted; empty, it goes.
    assert.equal((await send('post', '/transactions', { type: 'expense', amount: '3.00', account: card.body.id })).status, 201);
    const full = await send('delete', `/accounts/${card.body.id}`);
    assert.deepEqual([full.status, full.body.type, full.body.detail], [409, '/api/v1/problems/account-not-empty', 'The account holds 1 transaction, so it cannot be deleted; archive it instead (PATCH with "archived": true).']);
    assert.equal((await send('delete', `/accounts/${savings.body.id}`)).status, 204);
    assert.equal((await send('get', `/accounts/${savings.body.id}`)).status, 404);
    assert.deepEqual((await send('get', '/accounts')).body.data.map((a: { name: string }) => a.name).sort(), ['Main account', 'Visa']);
  });
});

describe('/api/v1/transfers', () => {
  test('a transfer moves money between two accounts, never income or expense; a retry adds nothing; the same account twice is refused; another person\'s is 404', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    await postForm(ann, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const main = accountIdOf(ctx.db, annId, 'Main account');
    const savings = accountIdOf(ctx.db, annId, 'Savings');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const send = caller(ctx, token);
    const body = { from: main, to: savings, amount: '250.00', date: '2026-03-10', description: 'Saving' };
    const made = await send('post', '/transfers', body, 'move-1');
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual({ ...made.body, id: 0 }, { id: 0, fromAccountId: main, toAccountId: savings, cents: 25_000, amount: '250.00', date: '2026-03-10', description: 'Saving' });
    assert.equal((await send('post', '/transfers', body, 'move-1')).body.id, made.body.id);
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM transfers').pluck().get()), 1);
    const summary = (await api(ctx, '/summary?period=2026-03', token)).body;
    assert.deepEqual([summary.income.cents, summary.expenses.cents], [0, 0], 'a transfer is never income or expense');
    const balances = Object.fromEntries(((await api(ctx, '/accounts', token)).body.data as { name: string; balance: { cents: number } }[]).map((a) => [a.name, a.balance.cents]));
    assert.deepEqual(balances, { 'Main account': -25_000, Savings: 25_000 });
    const bobsAccount = accountIdOf(ctx.db, userIdOf(ctx.db, (await registerUser(ctx.app, 'carol@example.com'), 'carol@example.com')), 'Main account');
    const foreign = await send('post', '/transfers', { ...body, to: bobsAccount });
    assert.deepEqual([foreign.status, foreign.body.errors], [422, [{ field: 'to', message: 'Choose one of your accounts.' }]], "another person's account is a field problem");
    const same = await send('post', '/transfers', { ...body, to: main });
    assert.equal(same.status, 422);
    assert.deepEqual(same.body.errors.map((e: { field: string }) => e.field), ['to']);
    assert.equal((await send('get', `/transfers/${made.body.id}`)).body.cents, 25_000);
    const edited = await agentFor(ctx.app).patch(`/api/v1/transfers/${made.body.id}`).set('Authorization', `Bearer ${token}`).send({ amount: '300.00', description: 'Saving more' });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual([edited.body.cents, edited.body.description, edited.body.fromAccountId, edited.body.date], [30_000, 'Saving more', main, '2026-03-10'], 'fields left out keep their value');
    const badEdit = await agentFor(ctx.app).patch(`/api/v1/transfers/${made.body.id}`).set('Authorization', `Bearer ${token}`).send({ to: main, amount: '0' });
    // Every problem at once: the zero amount and the same account on both sides.
    assert.deepEqual([badEdit.status, badEdit.body.errors.map((e: { field: string }) => e.field).sort()], [422, ['amount', 'to']]);
    assert.equal((await send('get', `/transfers/${made.body.id}`)).body.cents, 30_000, 'a refused edit changes nothing');
    // An empty date in an edit is refused, not read as today (a date left out keeps its value).
    const undated = await send('patch', `/transfers/${made.body.id}`, { date: '' });
    assert.deepEqual([undated.status, undated.body.errors?.map((e: { field: string }) => e.field)], [422, ['date']]);
    assert.equal((await send('get', `/transfers/${made.body.id}`)).body.date, '2026-03-10');

    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobToken = await makeToken(bob, { name: 'b', scope: 'read-write', lifetime: 'never' });
    assert.equal((await agentFor(ctx.app).get(`/api/v1/transfers/${made.body.id}`).set('Authorization', `Bearer ${bobToken}`)).status, 404);
    assert.equal((await agentFor(ctx.app).delete(`/api/v1/transfers/${made.body.id}`).set('Authorization', `Bearer ${bobToken}`)).status, 404);
    assert.equal((await send('delete', `/transfers/${made.body.id}`)).status, 204);
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM transfers').pluck().get()), 0);
  });

  test("another person's account named in a body (a transaction's account, a transfer's from or to) is a 422 field problem, answered as for an account that does not exist, and nothing is written", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    await registerUser(ctx.app, 'bob@example.com');
    await postForm(ann, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    const main = accountIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'Main account');
    const bobs = accountIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'Main account');
    const send = caller(ctx, await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' }));
    const rows = () => ctx.db.prepare('SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM transfers)').pluck().get();
    const answers = async (account: number) => {
      const transaction = await send('post', '/transactions', { type: 'expense', account, amount: '5.00', date: '2026-03-10' });
      const into = await send('post', '/transfers', { from: main, to: account, amount: '5.00', date: '2026-03-10' });
      const outOf = await send('post', '/transfers', { from: account, to: main, amount: '5.00', date: '2026-03-10' });
      return [transaction, into, outOf].map((res) => [res.status, res.body.errors]);
    };
    const foreign = await answers(bobs);
    assert.deepEqual(foreign, [
      [422, [{ field: 'account', message: 'Choose one of your accounts.' }]],
      [422, [{ field: 'to', message: 'Choose one of your accounts.' }]],
      [422, [{ field: 'from', message: 'Choose one of your accounts.' }]],
    ]);
    assert.deepEqual(await answers(bobs + 1000), foreign, 'the same answer as for an account that does not exist: nothing said of whose it is');
    assert.equal(rows(), 0);
  });

  test("transfers are listed newest first a page at a time, by account on either side and by day, never another person's; a list parameter a transfer has no part in is refused", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    for (const name of ['Savings', 'Cash']) await postForm(ann, '/accounts', '/accounts', { name, kind: 'savings', openingBalance: '', openingOn: '' });
    const annId = userIdOf(ctx.db, 'ann@example.com');
    const [main, savings, cash] = ['Main account', 'Savings', 'Cash'].map((name) => accountIdOf(ctx.db, annId, name)) as [number, number, number];
    const send = caller(ctx, await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' }));
    const made: Record<string, number> = {};
    // Recorded out of date order, two on one day: the list is by day, then the later-recorded first.
    for (const [name, from, to, date] of [
      ['a', main, savings, '2026-03-02'],
      ['b', savings, cash, '2026-03-09'],
      ['c', main, cash, '2026-02-20'],
      ['d', cash, main, '2026-03-09'],
      ['e', main, savings, '2026-03-12'],
    ] as const) {
      const res = await send('post', '/transfers', { from, to, amount: '10.00', date, description: name });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      // The 201 says where the new transfer lives, and that is where it is.
      assert.equal(res.headers.location, `/api/v1/transfers/${res.body.id}`);
      assert.equal((await send('get', res.headers.location.slice('/api/v1'.length))).body.description, name);
      made[name] = res.body.id;
    }
    await send('post', '/transactions', { type: 'expense', amount: '5.00', date: '2026-03-10', description: 'not a transfer' });
    const bob = await registerUser(ctx.app, 'bob@example.com');
    const bobSend = caller(ctx, await makeToken(bob, { name: 'b', scope: 'read-write', lifetime: 'never' }));
    const bobsMain = accountIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'Main account');
    await postForm(bob, '/accounts', '/accounts', { name: 'Jar', kind: 'cash', openingBalance: '', openingOn: '' });
    await bobSend('post', '/transfers', { from: bobsMain, to: accountIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'Jar'), amount: '1.00', date: '2026-03-11' });

    /** Every page of a list, followed by its cursor; the descriptions in order. */
    const walk = async (call: typeof send, query: string) => {
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('get', `/transfers?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.data.length <= 2);
        names.push(...res.body.data.map((tr: { description: string }) => tr.description));
        cursor = res.body.nextCursor;
      } while (cursor !== null);
      return names;
    };
    assert.deepEqual(await walk(send, ''), ['e', 'd', 'b', 'a', 'c']);
    const [newest] = (await send('get', '/transfers?limit=1')).body.data;
    assert.deepEqual(newest, { id: made.e, fromAccountId: main, toAccountId: savings, cents: 1_000, amount: '10.00', date: '2026-03-12', description: 'e' });
    assert.deepEqual(await walk(send, `&account=${savings}`), ['e', 'b', 'a'], 'out of the account or into it');
    assert.deepEqual(await walk(send, `&account=${cash}&from=2026-03-01`), ['d', 'b']);
    assert.deepEqual(await walk(send, '&from=2026-03-02&to=2026-03-09'), ['d', 'b', 'a'], 'both days included');
    assert.deepEqual(await walk(bobSend, ''), [''], "Bob's list holds his one transfer");
    assert.deepEqual(await walk(bobSend, `&account=${savings}`), [], "another person's account lists nothing");
    const reader = caller(ctx, await makeToken(ann, { name: 'r', scope: 'read', lifetime: 'never' }));
    assert.equal((await walk(reader, '')).length, 5, 'a read-only token lists them');

    for (const [query, field] of [['q=rent', 'q'], ['type=income', 'type'], ['category=none', 'category'], ['limit=0', 'limit'], ['limit=201', 'limit'], ['cursor=%25%25', 'cursor'], ['from=2026-02-30', 'from'], ['account=main', 'account'], ['from=2026-03-10&to=2026-03-01', 'to'], ['account=1&account=2', 'account']]) {
      const refused = await send('get', `/transfers?${query}`);
      assert.equal(refused.status, 400, query);
      assert.deepEqual(refused.body.errors.map((e: { field: string }) => e.field), [field], query);
    }
  });
});

describe('totals within exact range', () => {
  test('a write that would take a person\'s all-time totals past 2^52 cents is refused whole, on a form (422) and in the API (422), and deleting rows still works', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const [first] = insertTransactions(ctx.db, userId, [{ type: 'expense', amountCents: 1_000, occurredOn: '2026-03-01', description: 'first' }]);
    // As if decades of the largest amounts had been recorded: 500 cents short of the limit.
    ctx.db.prepare("UPDATE user_totals SET total_cents = ? WHERE user_id = ? AND type = 'expense'").run(2 ** 52 - 500, userId);
    const rows = () => Number(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId));

    const page = await postForm(agent, '/transactions/new', '/transactions', { type: 'expense', amount: '10.00', date: '2026-03-02', description: 'one too many' });
    assert.equal(page.status, 422);
    assert.match(page.text, /past what Ledgerly can count to the cent, so nothing was saved/);
    const token = await makeToken(agent, { name: 'script', scope: 'read-write', lifetime: '30' });
    const account = accountIdOf(ctx.db, userId, 'Main account');
    const api = await agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).send({ type: 'expense', amount: '10.00', account, description: 'one too many' });
    assert.equal(api.status, 422);
    assert.equal(api.body.type, '/api/v1/problems/totals-too-large');
    assert.equal(rows(), 1, 'nothing was written');
    // An amount that fits is still saved, and deleting brings the total back down.
    assert.equal((await postForm(agent, '/transactions/new', '/transactions', { type: 'expense', amount: '4.00', date: '2026-03-02', description: 'fits' })).status, 303);
    assert.equal((await postForm(agent, `/transactions/${first}/delete`, `/transactions/${first}/delete`, {})).status, 303);
    assert.equal(rows(), 1);
    assert.equal((await agent.get('/dashboard')).status, 200);
    assert.equal((await agentFor(ctx.app).get('/api/v1/summary').set('Authorization', `Bearer ${token}`)).status, 200);
  });
});

describe('/api/v1/scheduled edits years behind', () => {
  test('an edit while the poster still catches up is a 503 with Retry-After, not kept under its Idempotency-Key: the same retry later applies', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 9)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const account = accountIdOf(ctx.db, userIdOf(ctx.db, 'ann@example.com'), 'Main account');
    const token = await makeToken(ann, { name: 'w', scope: 'read-write', lifetime: 'never' });
    const send = caller(ctx, token);
    const made = await send('post', '/scheduled', { type: 'expense', account, amount: '1.00', frequency: 'days', startOn: '2020-01-01', description: 'Daily' });
    assert.equal(made.status, 201);
    const early = await send('patch', `/scheduled/${made.body.id}`, { amount: '2.00' }, 'edit-1');
    assert.equal(early.status, 503);
    assert.equal(early.body.type, '/api/v1/problems/catching-up');
    assert.equal(early.headers['retry-after'], '60');
    for (let minute = 2; minute < 60; minute += 2) {
      ctx.clock.set(Date.UTC(2026, 2, 15, 9, minute));
      await ctx.jobs.runDue();
    }
    const later = await send('patch', `/scheduled/${made.body.id}`, { amount: '2.00' }, 'edit-1');
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.equal(later.headers['idempotent-replayed'], undefined);
    assert.equal(later.body.amount, '2.00');
  });
});
