/**
 * The data export (GET /account/export.json, linked from /account): everything Ledgerly keeps about a person as one
 * JSON document, streamed a page at a time. It holds every table with their records (a test below fails when a new
 * table with a user_id column is neither exported nor named as left out, with the reason), none of anyone else's,
 * and never a secret.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { DATA_EXPORT_TABLES, dataExportSnapshot } from '../../src/db/repos/data-export.ts';
import { createDataExportService } from '../../src/services/data-export.ts';
import { drained } from '../../src/services/export.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import type { Db } from '../../src/db/open.ts';
import { baseUrlOf, createTestContext, registerUser, type TestContext } from '../helpers/app.ts';
import { waitUntil } from '../helpers/server-process.ts';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';

/** Tables with a user_id column that the export leaves out, and why. */
const LEFT_OUT: Readonly<Record<string, string>> = {
  monthly_totals: 'derived from the transactions, which are exported',
  user_totals: 'derived from the transactions, which are exported',
  account_monthly_totals: 'derived from the transactions, which are exported',
  account_category_totals: 'derived from the transactions, which are exported',
  recovery_codes: 'secrets (hashes of sign-in codes)',
  idempotency_keys: "the API's replay records of the last day, copies of answers already given",
  jobs: 'background work in progress or just finished (imports), not records of the person',
};

/** One of everything a person can have, made for `userId` with `tag` in its names, straight into the database. */
function fillEverything(db: Db, userId: number, tag: string): void {
  const main = accountIdOf(db, userId, 'Main account');
  const savings = Number(
    db
      .prepare("INSERT INTO accounts (user_id, name, name_key, kind, opening_balance_cents, opening_on, position) VALUES (?, ?, ?, 'savings', 150000, '2026-01-01', 2)")
      .run(userId, `Savings ${tag}`, `savings ${tag}`).lastInsertRowid,
  );
  const groceries = categoryIdOf(db, userId, 'expense', 'Groceries');
  insertTransactions(db, userId, [
    { type: 'expense', amountCents: 1234, occurredOn: '2026-03-02', description: `Bread ${tag} "quoted" \u2014 caf\u00e9`, categoryId: groceries },
    { type: 'income', amountCents: 500000, occurredOn: '2026-03-01', description: `Salary ${tag}`, categoryId: null },
  ]);
  createTransfersRepo(db).createTransfer(userId, { fromAccountId: main, toAccountId: savings, amountCents: 25000, occurredOn: '2026-03-03', description: `To savings ${tag}` });
  db.prepare("INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, '2026-03', 40000)").run(userId, groceries);
  const schedule = Number(
    db
      .prepare(
        `INSERT INTO schedules (user_id, type, account_id, amount_cents, description, frequency, every, start_on, effective_from, next_on, created_at, updated_at)
         VALUES (?, 'expense', ?, 90000, ?, 'days', 30, '2026-03-01', '2026-03-01', '2026-03-31', 0, 0)`,
      )
      .run(userId, main, `Rent ${tag}`).lastInsertRowid,
  );
  db.prepare("INSERT INTO schedule_occurrences (schedule_id, occurs_on, user_id, outcome, handled_at) VALUES (?, '2026-03-01', ?, 'skipped', 0)").run(schedule, userId);
  db.prepare("INSERT INTO rules (user_id, position, text_match, text_value, category_id, rename, created_at) VALUES (?, 1, 'contains', ?, ?, NULL, 0)").run(userId, `bread ${tag}`, groceries);
  db.prepare("INSERT INTO reconciliations (user_id, account_id, statement_on, statement_balance_cents, created_at) VALUES (?, ?, '2026-03-31', 12345, 0)").run(userId, main);
  db.prepare("INSERT INTO csv_mappings (user_id, header_key, settings, updated_at, header) VALUES (?, ?, '{\"delimiter\":\",\"}', 0, ?)").run(userId, `key ${tag}`, `date,amount ${tag}`);
  db.prepare("INSERT INTO category_undos (user_id, made_at, category_name, rows) VALUES (?, 0, ?, json_array(json_array(1, NULL, ?)))").run(userId, `Groceries ${tag}`, groceries);
  db.prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) VALUES (?, ?, x'0102', 0, '[]', ?, 0)").run(userId, `cred-${tag}`, `Laptop ${tag}`);
  db.prepare("INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) VALUES (?, ?, ?, 'read', 0)").run(userId, `Phone ${tag}`, `hash-of-${tag}-token`);
  db.prepare("INSERT INTO security_events (user_id, at, event, ip, detail) VALUES (?, 0, 'login.success', '203.0.113.7', ?)").run(userId, `Firefox ${tag}`);
}

/** Ann, signed in, with `count` expenses made by `row` (its day and description for row i). */
async function annWithRows(ctx: TestContext, count: number, row: (i: number) => { occurredOn: string; description: string }) {
  const ann = await registerUser(ctx.app, 'ann@example.com');
  const annId = userIdOf(ctx.db, 'ann@example.com');
  insertTransactions(ctx.db, annId, Array.from({ length: count }, (_, i) => ({ type: 'expense' as const, amountCents: 1 + i, categoryId: null, ...row(i) })));
  return { ann, annId };
}

test("the download holds each part of the person's data, none of anyone else's, and no secret", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await registerUser(ctx.app, 'ann@example.com');
  await registerUser(ctx.app, 'bob@example.com');
  const annId = userIdOf(ctx.db, 'ann@example.com');
  const bobId = userIdOf(ctx.db, 'bob@example.com');
  fillEverything(ctx.db, annId, 'ann');
  fillEverything(ctx.db, bobId, 'bob');

  // A row from a bank statement keeps the bank's own id for it, which keeps it from being imported twice.
  ctx.db.prepare("UPDATE transactions SET import_key = 'FITID-20260302-7' WHERE user_id = ? AND description LIKE 'Bread%'").run(annId);

  const res = await ann.get('/account/export.json');

  assert.equal(res.status, 200);
  assert.match(res.headers['content-type']!, /^application\/json; charset=utf-8/);
  assert.match(res.headers['content-disposition']!, /^attachment; filename=ledgerly-data-\d{4}-\d{2}-\d{2}\.json$/);
  assert.equal(res.headers['cache-control'], 'no-store');
  const doc = JSON.parse(res.text) as Record<string, unknown> & { profile: Record<string, unknown> };
  assert.equal(doc.format, 'ledgerly-data-export');
  assert.equal(doc.version, 2);
  assert.equal(doc.exportedAt, new Date(ctx.clock.now()).toISOString());
  assert.equal(doc.currency, 'USD', 'the currency every amount is in');
  assert.equal(doc.profile.email, 'ann@example.com');
  assert.equal(doc.profile.twoFactorSince, null);

  const part = (name: string) => doc[name] as Record<string, unknown>[];
  for (const name of ['accounts', 'categories', 'transactions', 'transfers', 'budgets', 'schedules', 'scheduleOccurrences', 'rules', 'reconciliations', 'categoryUndo', 'csvMappings', 'passkeys', 'apiTokens', 'sessions', 'securityEvents']) {
    assert.ok(Array.isArray(doc[name]) && part(name).length > 0, `${name} holds ann's rows`);
  }
  // Exact to the cent, text as typed, with its links: the transfer's two legs name it.
  const bread = part('transactions').find((tx) => String(tx.description).startsWith('Bread'))!;
  assert.deepEqual(
    { amountCents: bread.amountCents, description: bread.description, occurredOn: bread.occurredOn, status: bread.status, importKey: bread.importKey },
    { amountCents: 1234, description: 'Bread ann "quoted" \u2014 caf\u00e9', occurredOn: '2026-03-02', status: 'uncleared', importKey: 'FITID-20260302-7' },
  );
  assert.ok(part('transactions').filter((tx) => tx !== bread).every((tx) => tx.importKey === null), 'a row typed in has none');
  const [transfer] = part('transfers');
  assert.equal(part('transactions').filter((tx) => tx.transferId === transfer!.id).length, 2);
  assert.deepEqual(
    part('accounts').map((a) => [a.name, a.openingBalanceCents, a.archived]),
    [['Main account', 0, false], ['Savings ann', 150000, false]],
  );
  assert.deepEqual(part('csvMappings')[0]!.settings, { delimiter: ',' });
  assert.deepEqual(part('categoryUndo')[0]!.rows, [{ transactionId: 1, categoryIdBefore: null, categoryIdSet: categoryIdOf(ctx.db, annId, 'expense', 'Groceries') }]);
  assert.equal(part('apiTokens')[0]!.createdAt, '1970-01-01T00:00:00.000Z');

  // Nothing of bob's, and no secret of ann's.
  assert.doesNotMatch(res.text, /bob/);
  const secrets = ctx.db.prepare('SELECT password_hash AS hash FROM users WHERE id = ?').get(annId) as { hash: string };
  for (const secret of [secrets.hash, 'hash-of-ann-token', 'cred-ann', 'AQI=', '0102']) assert.ok(!res.text.includes(secret), `the export holds ${secret}`);
  for (const sid of ctx.db.prepare('SELECT sid FROM sessions WHERE user_id = ?').pluck().all(annId) as string[]) assert.ok(!res.text.includes(sid), 'a session id');
  assert.doesNotMatch(res.text, /password|secret|token_?hash|publicKey|credential/i);
});

test('a long history comes out whole, oldest first, across pages', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  // 4,500 rows on few days (pages are 500 rows): the cursor walks within a day as well as across days.
  const { ann } = await annWithRows(ctx, 4500, (i) => ({ occurredOn: `2026-0${1 + (i % 3)}-1${i % 5}`, description: `row ${i}` }));

  const doc = JSON.parse((await ann.get('/account/export.json')).text) as { transactions: { id: number; occurredOn: string; amountCents: number }[] };

  assert.equal(doc.transactions.length, 4500);
  assert.equal(new Set(doc.transactions.map((tx) => tx.id)).size, 4500);
  const order = doc.transactions.map((tx) => `${tx.occurredOn} ${String(tx.id).padStart(8, '0')}`);
  assert.deepEqual(order, [...order].sort());
  assert.equal(doc.transactions.reduce((sum, tx) => sum + tx.amountCents, 0), (4500 * 4501) / 2);
});

test('every table with a user_id column is in the export, or named here as left out with the reason', (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const tables = ctx.db
    .prepare("SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'user_id') ORDER BY m.name")
    .pluck()
    .all() as string[];
  const covered = new Set([...DATA_EXPORT_TABLES, ...Object.keys(LEFT_OUT)]);
  assert.deepEqual(tables.filter((name) => !covered.has(name)), []);
  assert.deepEqual([...covered].filter((name) => name !== 'users' && !tables.includes(name)), [], 'a table named here that does not exist');
});

test('the account page links to the download, and a visitor is sent to sign in', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await registerUser(ctx.app, 'ann@example.com');
  assert.match((await ann.get('/account')).text, /<a href="\/account\/export\.json" download>Download all your data \(JSON\)<\/a>/);
  const visitor = await (await import('supertest')).default(ctx.app).get('/account/export.json');
  assert.equal(visitor.status, 303);
  assert.match(visitor.headers.location!, /^\/login/);
});

test('a download the client abandons on its last page ends the request instead of waiting for ever', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { annId } = await annWithRows(ctx, 1, () => ({ occurredOn: '2026-03-02', description: 'one' }));
  const service = createDataExportService({ snapshot: dataExportSnapshot(ctx.db), clock: ctx.clock, currency: 'USD' });
  // A client that stops reading at the transactions and then goes away: each write waits to drain, then the stream closes.
  const out = new Writable({ highWaterMark: 1, write: (_chunk, _encoding, done) => setImmediate(done) });
  const realWrite = out.write.bind(out);
  out.write = ((chunk: string) => {
    const wants = realWrite(chunk);
    if (chunk.includes('"transactions"')) setImmediate(() => out.destroy());
    return wants;
  }) as typeof out.write;
  assert.equal(await service.write(annId, out), true);
  assert.ok(out.destroyed);
  // And the waiting itself: a stream already gone is not waited on.
  await drained(out);
});

test('a download is the data as it was when it began: rows added, moved and deleted meanwhile are not half in it', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  // Three pages of transactions (500 a page), on many days.
  const { annId } = await annWithRows(ctx, 1200, (i) => ({ occurredOn: `2026-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}`, description: `row ${i}` }));
  const before = ctx.db.prepare('SELECT id FROM transactions WHERE user_id = ? ORDER BY occurred_on, id').pluck().all(annId) as number[];
  const service = createDataExportService({ snapshot: dataExportSnapshot(ctx.db), clock: ctx.clock, currency: 'USD' });
  // A reader that takes each chunk only when told, so the writes below land between the download's pages.
  const chunks: string[] = [];
  let changed = false;
  const out = new Writable({
    highWaterMark: 1,
    write: (chunk: Buffer, _encoding, done) => {
      chunks.push(chunk.toString());
      if (!changed && chunks.join('').includes('"transactions":[')) {
        changed = true;
        // Meanwhile, on the app's own connection: one row moved from the last page to the first, one deleted, one added.
        ctx.db.prepare("UPDATE transactions SET occurred_on = '2025-12-31' WHERE id = ?").run(before.at(-1));
        ctx.db.prepare('DELETE FROM transactions WHERE id = ?').run(before[700]);
        insertTransactions(ctx.db, annId, [{ type: 'income', amountCents: 5, occurredOn: '2026-12-31', description: 'late', categoryId: null }]);
      }
      setImmediate(done);
    },
  });
  assert.equal(await service.write(annId, out), true);
  assert.ok(changed, 'the rows changed while the download was under way');
  const doc = JSON.parse(chunks.join('')) as { transactions: { id: number }[] };
  assert.deepEqual(doc.transactions.map((tx) => tx.id), before);
});

test('a second download while the first is under way is refused in the person\'s language, and allowed once it ends', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  // Enough rows (several MB of JSON) that the download waits on a reader who does not read.
  const { ann } = await annWithRows(ctx, 20_000, (i) => ({ occurredOn: '2026-03-02', description: `a row long enough to fill the socket ${i}` }));
  const cookie = (ann as unknown as { jar: { getCookies(access: object): { toValueString(): string }[] } }).jar
    .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
    .map((c) => c.toValueString())
    .join('; ');
  const base = await baseUrlOf(ctx.app);
  // The first download starts (its headers are out) and its reader stops reading.
  const first = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${base}/account/export.json`, { headers: { cookie } }, resolve).on('error', reject));
  assert.equal(first.statusCode, 200);
  first.pause();
  const second = await ann.get('/account/export.json');
  assert.equal(second.status, 429);
  assert.match(second.text, /A download of your data is already under way\./);
  // The reader goes away: the download ends, and the next one is served.
  first.destroy();
  const third = await waitUntil('the first download to end', async () => {
    const res = await ann.get('/account/export.json');
    return res.status === 200 ? res : undefined;
  });
  assert.equal((JSON.parse(third.text) as { transactions: unknown[] }).transactions.length, 20_000);
});
