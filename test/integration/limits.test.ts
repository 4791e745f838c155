/**
 * The most of each kind one person may keep (domain/limits.ts, held by triggers in the schema): a form, the API and
 * an import are all refused at the limit with the reason, write nothing, and another person is not affected.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { limitReachedIn, PER_PERSON_LIMITS } from '../../src/domain/limits.ts';
import { MAX_WAITING_UPLOADS } from '../../src/services/imports.ts';
import { agentFor, createTestContext, postForm, registerUser, TEST_PASSWORD, type TestContext } from '../helpers/app.ts';
import { makeApiToken } from '../helpers/api.ts';
import { accountIdOf, importServiceOn, userIdOf } from '../helpers/bookkeeping.ts';
import { importCsv, importFormFields, upload } from '../helpers/csv-import.ts';
import { databaseFile } from '../helpers/databases.ts';

const count = (ctx: TestContext, table: string, userId: number) => ctx.db.prepare(`SELECT count(*) FROM ${table} WHERE user_id = ?`).pluck().get(userId) as number;

/** Copies the person's row `id` of `table` until they have `total`, each copy with a name of its own where it needs one. */
function fillTo(ctx: TestContext, table: 'categories' | 'accounts' | 'rules' | 'schedules', userId: number, total: number): void {
  const missing = total - count(ctx, table, userId);
  const columns = (ctx.db.prepare(`SELECT name FROM pragma_table_info('${table}') WHERE name <> 'id'`).pluck().all() as string[]).map((c) =>
    c === 'name' ? `name || ' ' || n.i` : c === 'name_key' ? `name_key || ' ' || n.i` : c === 'statement_account' ? 'NULL' : c,
  );
  ctx.db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO ${table} (${(ctx.db.prepare(`SELECT name FROM pragma_table_info('${table}') WHERE name <> 'id'`).pluck().all() as string[]).join(', ')})
       SELECT ${columns.join(', ')} FROM ${table}, n WHERE id = (SELECT min(id) FROM ${table} WHERE user_id = ?)`,
    )
    .run(missing, userId);
  assert.equal(count(ctx, table, userId), total);
}

test('at the limit, a new category, account, rule or schedule is refused in the API and on the page with the reason, and nothing is written', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const token = await makeApiToken(agent, { name: 'script', scope: 'read-write', lifetime: '30' });
  const send = (path: string, body: object) => agentFor(ctx.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body);
  const main = accountIdOf(ctx.db, ann, 'Main account');
  // One of each made the usual way, then copied up to the limit.
  assert.equal((await send('/rules', { textMatch: 'contains', text: 'coffee', rename: 'Coffee' })).status, 201);
  assert.equal((await send('/scheduled', { type: 'expense', account: main, amount: '5.00', frequency: 'months', startOn: '2099-03-01' })).status, 201);
  const cases = [
    { table: 'categories', path: '/categories', body: { kind: 'expense', name: 'One more' }, words: /You have 1,000 categories, the most one person can keep, so nothing was added\./ },
    { table: 'accounts', path: '/accounts', body: { name: 'One more', kind: 'cash' }, words: /You have 200 accounts, the most one person can keep/ },
    { table: 'rules', path: '/rules', body: { textMatch: 'contains', text: 'tea', rename: 'Tea' }, words: /You have 500 rules, the most one person can keep/ },
    { table: 'schedules', path: '/scheduled', body: { type: 'expense', account: main, amount: '5.00', frequency: 'months', startOn: '2099-03-01' }, words: /You have 500 scheduled transactions, the most one person can keep/ },
  ] as const;
  for (const c of cases) {
    fillTo(ctx, c.table, ann, PER_PERSON_LIMITS[c.table]);
    const refused = await send(c.path, c.body);
    assert.equal(refused.status, 422, `${c.table}: ${refused.text}`);
    const problem = JSON.parse(refused.text) as { type: string; detail: string };
    assert.equal(problem.type, '/api/v1/problems/limit-reached');
    assert.match(problem.detail, c.words);
    assert.equal(count(ctx, c.table, ann), PER_PERSON_LIMITS[c.table], `${c.table}: nothing written`);
  }
  // The forms say the same, in the person's language.
  const page = await postForm(agent, '/categories', '/categories', { kind: 'expense', name: 'One more' });
  assert.equal(page.status, 422);
  assert.match(page.text, /You have 1,000 categories, the most one person can keep, so nothing was added\. Delete or merge categories you no longer use to make room\./);
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const uk = await postForm(agent, '/accounts', '/accounts', { name: 'Ще один', kind: 'cash', openingBalance: '0', openingOn: '2026-01-01' });
  assert.equal(uk.status, 422);
  assert.match(uk.text, /У вас 200 рахунків — найбільше, скільки може мати одна людина, тож нічого не додано\./);
  // Another person is not held by Ann's limits.
  assert.equal((await postForm(bob, '/categories', '/categories', { kind: 'expense', name: 'One more' })).status, 303);
  // Deleting one makes room.
  ctx.db.prepare("DELETE FROM categories WHERE user_id = ? AND name LIKE '% 7'").run(ann);
  assert.equal((await send('/categories', { kind: 'expense', name: 'One more' })).status, 201);
});

test('an import that would make more categories or accounts than one person may keep imports the rest and refuses those rows, saying why', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  fillTo(ctx, 'categories', ann, PER_PERSON_LIMITS.categories - 1);
  fillTo(ctx, 'accounts', ann, PER_PERSON_LIMITS.accounts - 1);
  const csv = [
    'date,type,category,amount,description,account',
    '2026-01-02,expense,Groceries,1.00,known category,Main account',
    '2026-01-03,expense,Brand new,2.00,the last category there is room for,Main account',
    '2026-01-04,expense,One too many,3.00,no room for this category,Main account',
    '2026-01-04,expense,Yet another,3.50,no room for this one either,Main account',
    '2026-01-05,expense,Groceries,4.00,the last account there is room for,Wallet',
    '2026-01-06,expense,Groceries,5.00,no room for this account,Piggy bank',
  ].join('\n');
  const { result } = await importCsv(agent, csv);
  assert.match(result, /<strong>3<\/strong> transactions were imported/);
  assert.match(result, /the category “One too many” would be new, and you have 1,000 categories, the most one person can keep/);
  assert.match(result, /the category “Yet another” would be new, and you have 1,000 categories/);
  assert.match(result, /the account “Piggy bank” would be new, and you have 200 accounts, the most one person can keep/);
  assert.equal(count(ctx, 'categories', ann), PER_PERSON_LIMITS.categories);
  assert.equal(count(ctx, 'accounts', ann), PER_PERSON_LIMITS.accounts);
});

test('migration 37 keeps what a person had over a limit before it, and holds them there', (t) => {
  const db = databaseFile(t, 36);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('ann@example.com', 'x')").run();
  const before = db.prepare('SELECT count(*) FROM categories').pluck().get() as number;
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO categories (user_id, kind, name, name_key) SELECT 1, 'expense', 'Old ' || i, 'old ' || i FROM n`,
  ).run(PER_PERSON_LIMITS.categories + 5 - before);
  migrate(db);
  assert.equal(db.prepare('SELECT count(*) FROM categories').pluck().get(), PER_PERSON_LIMITS.categories + 5, 'nothing taken away');
  assert.throws(() => createCategoriesRepo(db).createCategory(1, 'expense', 'One more'), (err: unknown) => limitReachedIn(err) === 'categories');
});

test('at most 25 API tokens that have not expired: the 26th is refused with the reason, and an expired one makes room', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  await makeApiToken(agent, { name: 'first', scope: 'read', lifetime: '30' });
  ctx.db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at)
       SELECT user_id, name || ' ' || i, token_hash || i, scope, created_at, expires_at FROM api_tokens, n WHERE user_id = ?`,
    )
    .run(PER_PERSON_LIMITS.apiTokens - 1, ann);
  assert.equal(count(ctx, 'api_tokens', ann), PER_PERSON_LIMITS.apiTokens);
  // Before anything is typed, the page says the limit is reached, and the name field points to it.
  const page = (await agent.get('/account/api-tokens')).text;
  assert.match(page, /<p class="form__summary" role="status" id="token-limit">You have 25 API tokens that have not expired, the most one person can keep: revoke one you no longer use before making another\.<\/p>/);
  assert.match(page, /<input id="token-name" name="name"[^>]*aria-describedby="token-limit token-name-hint"/);
  const form = { name: 'one more', scope: 'read-write', lifetime: '30' };
  const refused = await postForm(agent, '/account/api-tokens', '/account/api-tokens', { ...form, password: TEST_PASSWORD });
  // The token form again, the message beside the name, what was typed kept; not a bare error page.
  assert.equal(refused.status, 422);
  assert.match(refused.text, /<h1 class="page__title">API tokens<\/h1>/);
  assert.match(refused.text, /<input id="token-name" name="name"[^>]*value="one more"[^>]*aria-describedby="token-name-hint token-name-error" aria-invalid="true">/);
  assert.match(refused.text, /<p class="field__error" id="token-name-error"><span aria-hidden="true">⚠ <\/span>You have 25 API tokens that have not expired, the most one person can keep, so no token was made\. Revoke ones you no longer use to make room\.<\/p>/);
  assert.match(refused.text, /<input type="radio" name="scope" value="read-write" checked>/);
  assert.doesNotMatch(refused.text, /id="token-limit"/, 'said once, beside the name');
  assert.equal(count(ctx, 'api_tokens', ann), PER_PERSON_LIMITS.apiTokens);
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  assert.match((await agent.get('/account/api-tokens')).text, /У вас 25 чинних токенів API — найбільше, скільки може мати одна людина: відкличте той/);
  // One that has expired no longer counts.
  ctx.db.prepare('UPDATE api_tokens SET expires_at = ? WHERE id = (SELECT min(id) FROM api_tokens WHERE user_id = ?)').run(ctx.clock.now() - 1, ann);
  assert.equal((await postForm(agent, '/account/api-tokens', '/account/api-tokens', { ...form, password: TEST_PASSWORD })).status, 303);
});

test('at most 10 uploaded files wait for their import: the oldest waiting one goes to make room, never one an import still needs', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const waiting = () => readdirSync(path.join(ctx.config.dataDir, 'imports', String(ann))).length;
  const csv = (i: number) => `date,type,amount,description\n2026-01-0${1 + (i % 9)},expense,1.00,file ${i}\n`;
  // Ten imports queued (the runner is busy elsewhere), each holding its file.
  await ctx.jobs.stop(0);
  for (let i = 0; i < MAX_WAITING_UPLOADS; i++) {
    const mapUrl = (await upload(agent, csv(i))).headers.location!;
    const page = await agent.get(mapUrl);
    assert.equal((await agent.post(mapUrl).type('form').send({ ...importFormFields(page.text), _csrf: /name="_csrf" value="([^"]+)"/.exec(page.text.slice(page.text.indexOf('class="import-go"')))![1]! })).status, 303);
  }
  assert.equal(waiting(), MAX_WAITING_UPLOADS);
  const refused = await upload(agent, csv(10));
  assert.equal(refused.status, 429);
  assert.match(refused.text, /You have 10 files waiting for imports that have not run yet, the most one person can have; this one was not kept\./);
  assert.equal(waiting(), MAX_WAITING_UPLOADS, 'the new file was not kept, and no queued import lost its file');
  // Once they have run, their files are gone; uploads left unimported then make room for new ones, oldest first.
  ctx.jobs.start();
  await ctx.jobs.runDue();
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(ann), MAX_WAITING_UPLOADS, 'every queued import ran');
  const left: string[] = [];
  for (let i = 0; i < MAX_WAITING_UPLOADS + 2; i++) {
    ctx.clock.advance(60_000);
    left.push((await upload(agent, csv(i))).headers.location!);
  }
  assert.equal(waiting(), MAX_WAITING_UPLOADS);
  for (const url of left.slice(0, 2)) assert.match((await agent.get(url)).text, /That upload is no longer here\. Upload the file again to import it\./);
  assert.equal((await agent.get(left.at(-1)!)).status, 200);
});

test('keeping an upload whose file already went to make room is no error (its page then says it is no longer here, as for any upload gone)', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const service = importServiceOn(ctx.db, path.join(ctx.config.dataDir, 'imports'));
  const { file } = await service.newUpload(1);
  await assert.doesNotReject(service.keepUpload(file), 'a file already gone is not an error');
  writeFileSync(file, 'date,amount\n');
  await service.keepUpload(file);
  assert.equal(readFileSync(file, 'utf8'), 'date,amount\n', 'a file that is there is kept as it is');
});
