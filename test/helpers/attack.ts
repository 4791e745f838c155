import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../src/db/open.ts';
import { findUserTotalsMismatches } from '../../src/db/totals-check.ts';
import { addTransaction, tokenFor, type Agent, type TestContext } from './app.ts';

const statements = new WeakMap<Db, Map<string, Statement>>();

/**
 * The statement for `sql` on `db`, prepared once: the fuzzers check the whole database after every request, and
 * preparing the same dozen statements each time was a tenth of their run.
 */
function prepared(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/**
 * Where the data stands, as this connection sees it: SQLite's count of every row the connection has inserted,
 * updated or deleted (triggers' rows and rolled-back ones included), the schema's version, and `data_version`, which
 * moves when another connection commits. While all three are unchanged, no row and no table has changed, so a
 * result computed from the data alone still holds.
 */
function dataVersion(db: Db): string {
  const changes = prepared(db, 'SELECT total_changes()').pluck().get() as number;
  return `${changes}:${db.pragma('schema_version', { simple: true }) as number}:${db.pragma('data_version', { simple: true }) as number}`;
}

/** The last fingerprint of each connection, per options: reused until the connection changes a row. */
const fingerprints = new WeakMap<Db, Map<string, { version: string; digest: string }>>();
/** The data version at which each connection last passed every consistency check. */
const consistentAt = new WeakMap<Db, string>();

/**
 * A digest of everything the app stores: every row of every table, except the columns of sessions that change
 * on every request (expiry, data) and finished rate-limit windows. Equal digests mean nothing was written. With
 * `onlyUserId`, only the rows of that person (tables with a user_id column) count.
 */
export function databaseFingerprint(db: Db, options: { ignoreTables?: readonly string[]; onlyUserId?: number } = {}): string {
  // The fuzzers take one before and one after every request; most of the time nothing was written in between.
  const key = JSON.stringify(options);
  const version = dataVersion(db);
  let known = fingerprints.get(db);
  if (!known) fingerprints.set(db, (known = new Map()));
  const last = known.get(key);
  if (last?.version === version) return last.digest;
  const digest = computeFingerprint(db, options);
  known.set(key, { version, digest });
  return digest;
}

function computeFingerprint(db: Db, options: { ignoreTables?: readonly string[]; onlyUserId?: number }): string {
  const hash = createHash('sha256');
  const tables = prepared(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) {
    if (options.ignoreTables?.includes(name)) continue;
    let sql = name === 'sessions' ? 'SELECT sid, user_id FROM sessions' : `SELECT * FROM "${name}"`;
    if (options.onlyUserId !== undefined) {
      const hasUser = (prepared(db, `PRAGMA table_info("${name}")`).all() as { name: string }[]).some((c) => c.name === 'user_id');
      if (!hasUser) continue;
      sql += ` WHERE user_id = ${Number(options.onlyUserId)}`;
    }
    const rows = (prepared(db, sql).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    hash.update(`${name}\n${rows.join('\n')}\n`);
  }
  return hash.digest('hex');
}

/** Which resource a path's :id refers to: its first segment ("/transactions/:id/edit" -> "transactions"). */
export function resourceOf(path: string): string {
  // /api/v1/transactions/:id names the same objects as /transactions/:id.
  const parts = path.startsWith('/api/v1/') ? path.split('/').slice(3) : path.split('/').slice(1);
  return parts[0] ?? '';
}

/** The id of the newest row the user owns in a table. */
export function newestOwnedId(db: Db, table: string, userId: number): number | undefined {
  const row = db.prepare(`SELECT max(id) AS id FROM "${table}" WHERE user_id = ?`).get(userId) as { id: number | null };
  return row.id ?? undefined;
}

/**
 * Creates one object of every kind a user can own, through the real forms, and returns their ids by resource
 * (the first path segment of the routes that take them). A resource with no recipe here falls back to the
 * user's newest row in the table of that name, so a new :id route is covered as soon as its owner has a row.
 */
let fixtureCounter = 0;

export async function createOwnedObjects(ctx: TestContext, agent: Agent, userId: number): Promise<Record<string, number | string>> {
  const ids: Record<string, number | string> = {};
  const tx = await addTransaction(agent, { type: 'expense', amount: '42.00', date: '2026-01-15', description: `owned by user ${userId}` });
  if (tx.status !== 303) throw new Error(`could not add a transaction: ${tx.status}`);
  ids.transactions = newestOwnedId(ctx.db, 'transactions', userId)!;
  const token = await tokenFor(agent, '/categories');
  const category = await agent.post('/categories').type('form').send({ _csrf: token, kind: 'expense', name: `Category of user ${userId} #${++fixtureCounter}` });
  if (category.status !== 303) throw new Error(`could not add a category: ${category.status}`);
  ids.categories = newestOwnedId(ctx.db, 'categories', userId)!;
  ids.import = await createFinishedImport(ctx, agent);
  const accountToken = await tokenFor(agent, '/accounts');
  const account = await agent.post('/accounts').type('form').send({ _csrf: accountToken, name: `Savings of user ${userId} #${fixtureCounter}`, kind: 'savings', openingBalance: '', openingOn: '' });
  if (account.status !== 303) throw new Error(`could not add an account: ${account.status}`);
  ids.accounts = newestOwnedId(ctx.db, 'accounts', userId)!;
  const first = (ctx.db.prepare('SELECT min(id) AS id FROM accounts WHERE user_id = ?').get(userId) as { id: number }).id;
  const transferToken = await tokenFor(agent, '/transfers/new');
  const transfer = await agent
    .post('/transfers')
    .type('form')
    .send({ _csrf: transferToken, from: String(first), to: String(ids.accounts), amount: '1.00', date: '2026-01-16', description: 'owned transfer' });
  if (transfer.status !== 303) throw new Error(`could not add a transfer: ${transfer.status}`);
  ids.transfers = newestOwnedId(ctx.db, 'transfers', userId)!;
  // Months are not objects: /budgets/:month is the signed-in person's own month, so it gets a month, with a budget in
  // it that rolls over (a row of budget_rollover_settings).
  const budgetToken = await tokenFor(agent, '/budgets/2026-01');
  const budget = await agent
    .post('/budgets/2026-01')
    .type('form')
    .send({ _csrf: budgetToken, [`amount-${ids.categories}`]: '10.00', [`rollover-${ids.categories}`]: '1' });
  if (budget.status !== 303) throw new Error(`could not set a budget: ${budget.status}`);
  ids.budgets = '2026-01';
  const scheduleToken = await tokenFor(agent, '/scheduled/new');
  const schedule = await agent.post('/scheduled').type('form').send({
    _csrf: scheduleToken, type: 'expense', account: String(first), toAccount: '', category: String(ids.categories), amount: '9.99',
    description: `owned schedule ${fixtureCounter}`, frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2026-01-05', endOn: '', count: '',
    // Its past occurrences may be more than the form posts without asking: posted, as the question's button would.
    backlog: 'post',
  });
  if (schedule.status !== 303) throw new Error(`could not add a schedule: ${schedule.status}`);
  ids.scheduled = newestOwnedId(ctx.db, 'schedules', userId)!;
  const ruleToken = await tokenFor(agent, '/rules');
  const rule = await agent.post('/rules').type('form').send({
    _csrf: ruleToken, textMatch: 'contains', text: `owned rule ${fixtureCounter}`, amountFrom: '', amountTo: '', type: '', account: '', category: String(ids.categories), rename: '',
  });
  if (rule.status !== 303) throw new Error(`could not add a rule: ${rule.status}`);
  ids.rules = newestOwnedId(ctx.db, 'rules', userId)!;
  await agent.get('/dashboard'); // shows (and so clears) the flash message of the last form
  // An API token (the form shows it once; the row is what matters here).
  ctx.db
    .prepare("INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) VALUES (?, ?, ?, 'read', 0)")
    .run(userId, `Token of user ${userId}`, `hash-${userId}-${fixtureCounter}`.padEnd(64, '0'));
  // A passkey: the browser ceremony cannot run here, so the row a successful one leaves is written directly.
  ctx.db
    .prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) VALUES (?, ?, x'00', 0, '[]', ?, 0)")
    .run(userId, `credential-of-${userId}-${fixtureCounter}`, `Passkey of user ${userId}`);
  // A session is named on the account page by a handle (a digest of its id, which never reaches a page).
  const sessionHandle = /action="\/account\/sessions\/([^"/]+)\/end"/.exec((await agent.get('/account')).text)?.[1];
  if (!sessionHandle) throw new Error('the account page lists no session to end');
  ids.account = sessionHandle;
  return ids;
}

/** Hidden inputs of the form posting to `action` in a page, as a browser would submit them. */
function hiddenFieldsOf(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`method="post" action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!;
  return fields;
}

/**
 * Uploads the user's own CSV export through the real import form, confirms the previewed mapping, lets the job
 * runner finish it and returns the upload id, so /import/:uploadId routes have an object of this user to be tested with.
 */
export async function createFinishedImport(ctx: TestContext, agent: Agent): Promise<string> {
  const csv = await agent.get('/transactions/export.csv');
  if (csv.status !== 200) throw new Error(`could not export: ${csv.status}`);
  const token = await tokenFor(agent, '/import');
  const upload = await agent
    .post('/import')
    .field('_csrf', token)
    .attach('file', Buffer.from(csv.text), { filename: 'export.csv', contentType: 'text/csv' });
  const match = /^\/import\/([^/?]+)$/.exec(upload.headers.location ?? '');
  if (upload.status !== 303 || !match) throw new Error(`could not upload: ${upload.status} ${upload.headers.location}`);
  const uploadId = match[1]!;
  const mapping = await agent.get(`/import/${uploadId}`);
  const confirm = await agent.post(`/import/${uploadId}`).type('form').send(hiddenFieldsOf(mapping.text, `/import/${uploadId}`));
  if (confirm.status !== 303) throw new Error(`could not start the import: ${confirm.status}`);
  await ctx.jobs.runDue();
  const progress = await agent.get(`/import/${uploadId}/progress`);
  if (progress.status !== 200 || progress.text.includes('data-import-running')) throw new Error('the import did not finish');
  return uploadId;
}

/** The id to use for a resource, from the recipes above or the table named after it; throws when there is none. */
export function idFor(ctx: TestContext, ids: Record<string, number | string>, resource: string, userId: number): number | string {
  if (ids[resource] !== undefined) return ids[resource];
  for (const table of [resource, `${resource}s`, resource.replace(/-/g, '_')]) {
    const exists = ctx.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
    if (!exists) continue;
    const hasUser = (ctx.db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).some((c) => c.name === 'user_id');
    const id = hasUser ? newestOwnedId(ctx.db, table, userId) : undefined;
    if (id !== undefined) return id;
  }
  throw new Error(`no object of "${resource}" to test with: add a recipe for it to createOwnedObjects in test/helpers/attack.ts`);
}

/**
 * A body that would pass most of the app's forms: if a check were missing, the request would really change
 * something, so "nothing changed" means the check held, not that the form was merely invalid.
 */
export function plausibleBody(extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    type: 'income',
    amount: '999.99',
    date: '2026-02-02',
    description: 'written by an attacker',
    kind: 'expense',
    name: 'Attacker category',
    from: 'transactions',
    ...extra,
  };
}

/** Invariants that hold whatever happened: derived totals equal the rows, no dangling foreign keys. */
export function consistencyProblems(ctx: Pick<TestContext, 'db'>): string[] {
  // Nothing changed since the last clean check: the invariants, a function of the data, still hold.
  if (consistentAt.get(ctx.db) === dataVersion(ctx.db)) return [];
  const problems = findConsistencyProblems(ctx.db);
  // Read after the check, which rebuilds its temporary reference index (those rows count as changes too).
  if (problems.length === 0) consistentAt.set(ctx.db, dataVersion(ctx.db));
  return problems;
}

function findConsistencyProblems(db: Db): string[] {
  const problems: string[] = [];
  const mismatch = prepared(
    db,
    `SELECT t.user_id, t.type, t.total, coalesce(m.total, 0) AS derived FROM
         (SELECT user_id, type, sum(amount_cents) AS total FROM transactions WHERE type IN ('income', 'expense') GROUP BY user_id, type) t
         LEFT JOIN (SELECT user_id, type, sum(total_cents) AS total FROM monthly_totals GROUP BY user_id, type) m
         ON m.user_id = t.user_id AND m.type = t.type
       WHERE t.total <> coalesce(m.total, 0)`,
  ).all();
  if (mismatch.length > 0) problems.push(`monthly totals disagree with the rows: ${JSON.stringify(mismatch)}`);
  const accountMismatch = prepared(
    db,
    `SELECT t.account_id, t.net, coalesce(m.net, 0) AS derived FROM
         (SELECT account_id, sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END) AS net
            FROM transactions GROUP BY account_id) t
         LEFT JOIN (SELECT account_id, sum(net_cents) AS net FROM account_monthly_totals GROUP BY account_id) m ON m.account_id = t.account_id
       WHERE t.net <> coalesce(m.net, 0)`,
  ).all();
  if (accountMismatch.length > 0) problems.push(`account totals disagree with the rows: ${JSON.stringify(accountMismatch)}`);
  const users = findUserTotalsMismatches(db);
  if (users.length > 0) problems.push(`all-time totals disagree with the months: ${JSON.stringify(users)}`);
  const orphans = prepared(db, 'PRAGMA foreign_key_check').all();
  if (orphans.length > 0) problems.push(`dangling foreign keys: ${JSON.stringify(orphans)}`);
  problems.push(...textIndexProblems(db));
  return problems;
}

/** Connections that have the reference index below. */
const withReference = new WeakSet<Db>();

/**
 * The text index against the transactions: sound in itself, one entry per row, and every entry exactly what indexing
 * the row's description now would give: each trigram at each offset under user_id * 2^32 + id, and no other. An index
 * built afresh from the rows (a temporary one with the same tokenizer, on the same connection) is compared with the
 * real one term instance by term instance; a row the real index lacks, keeps stale, or files under another row shows.
 */
export function textIndexProblems(db: Db): string[] {
  const problems: string[] = [];
  try {
    prepared(db, "INSERT INTO transactions_fts (transactions_fts) VALUES ('integrity-check')").run();
  } catch (err) {
    problems.push(`the text index is damaged: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rows = prepared(db, 'SELECT count(*) FROM transactions').pluck().get() as number;
  const entries = prepared(db, 'SELECT count(*) FROM transactions_fts').pluck().get() as number;
  if (rows !== entries) problems.push(`the text index has ${entries} entries for ${rows} transactions`);
  if (!withReference.has(db)) {
    db.exec(`
      CREATE VIRTUAL TABLE temp.fts_reference USING fts5(
        description, content = '', contentless_delete = 1, tokenize = 'trigram remove_diacritics 1'
      );
      CREATE VIRTUAL TABLE temp.fts_reference_terms USING fts5vocab(temp, fts_reference, instance);
      CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, transactions_fts, instance);
    `);
    withReference.add(db);
  }
  prepared(db, "INSERT INTO temp.fts_reference (fts_reference) VALUES ('delete-all')").run();
  prepared(db, 'INSERT INTO temp.fts_reference (rowid, description) SELECT user_id * 4294967296 + id, description FROM transactions').run();
  const differences = prepared(
    db,
    `SELECT 'missing' AS what, doc, term FROM (
       SELECT term, doc, col, offset FROM temp.fts_reference_terms EXCEPT SELECT term, doc, col, offset FROM temp.fts_terms)
     UNION ALL
     SELECT 'unexpected', doc, term FROM (
       SELECT term, doc, col, offset FROM temp.fts_terms EXCEPT SELECT term, doc, col, offset FROM temp.fts_reference_terms)
     LIMIT 20`,
  ).all() as { what: string; doc: number | bigint; term: string }[];
  for (const d of differences) {
    const doc = BigInt(d.doc);
    problems.push(`the text index has ${d.what} term "${d.term}" for transaction ${doc & 0xffffffffn} of user ${doc >> 32n}`);
  }
  return problems;
}
