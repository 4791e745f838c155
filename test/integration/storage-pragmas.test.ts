import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { BUSY_TIMEOUT_MS, openDatabase } from '../../src/db/open.ts';
import { createLogger } from '../../src/logger.ts';
import { agentFor, createTestContext, registerUser, type TestContext } from '../helpers/app.ts';
import { makeApiToken } from '../helpers/api.ts';
import { REPO_ROOT, serverEnv, startServer, tempDataDir, waitUntil } from '../helpers/server-process.ts';

function sqliteCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

test('a database opened by the app is in WAL mode, enforces foreign keys, waits on locks and syncs every commit', (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const db = openDatabase(tmp.dbPath);
  t.after(() => db.close());

  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), BUSY_TIMEOUT_MS);
  assert.ok(BUSY_TIMEOUT_MS >= 1000, 'long enough to ride out a backup step or a CLI write');
  // 2 is FULL: the WAL is fsynced at every commit, so an acknowledged write survives a power loss.
  assert.equal(db.pragma('synchronous', { simple: true }), 2);
  // Deleted rows are overwritten with zeros, not left readable in free space (and in backups of the file).
  assert.equal(db.pragma('secure_delete', { simple: true }), 1);
});

test('the connection the test harness builds apps on has the same pragmas', (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  assert.equal(ctx.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(ctx.db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(ctx.db.pragma('synchronous', { simple: true }), 2);
});

test('a rate-limit count commits without an fsync (synchronous=NORMAL), every other write with one (FULL), and FULL holds after it', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const token = await makeApiToken(agent, { name: 'sync', scope: 'read-write', lifetime: 'never' });
  // Each write records the level its statement ran under (a temporary trigger of this connection, the app's own).
  ctx.db.exec(`CREATE TEMP TABLE seen (what TEXT, level INTEGER);
    CREATE TEMP TRIGGER seen_count AFTER INSERT ON rate_limits BEGIN INSERT INTO seen SELECT 'count', synchronous FROM pragma_synchronous; END;
    CREATE TEMP TRIGGER seen_count_again AFTER UPDATE ON rate_limits BEGIN INSERT INTO seen SELECT 'count', synchronous FROM pragma_synchronous; END;
    CREATE TEMP TRIGGER seen_row AFTER INSERT ON transactions BEGIN INSERT INTO seen SELECT 'row', synchronous FROM pragma_synchronous; END;`);
  const api = (method: 'get' | 'post', path: string) => agentFor(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  assert.equal((await api('get', '/accounts')).status, 200);
  assert.equal((await api('post', '/transactions').send({ type: 'expense', amount: '2.00' })).status, 201);
  assert.equal((await api('get', '/accounts')).status, 200);
  const seen = ctx.db.prepare('SELECT what, level FROM seen ORDER BY rowid').all() as { what: string; level: number }[];
  assert.deepEqual([...new Set(seen.map((r) => `${r.what} ${r.level}`))].sort(), ['count 1', 'row 2']);
  assert.equal(ctx.db.pragma('synchronous', { simple: true }), 2);
});

test('a read-only connection still enforces foreign keys and waits on locks', (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  openDatabase(tmp.dbPath).close();
  const db = openDatabase(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), BUSY_TIMEOUT_MS);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal', 'WAL is a property of the file, kept from the writer');
});

test('the database file the real server creates is in WAL mode', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath }));
  t.after(() => server.kill());
  const db = openDatabase(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.ok((db.pragma('user_version', { simple: true }) as number) >= 1, 'and migrated on first start');
});

test('foreign keys are enforced: a row for a user that does not exist is refused, and deleting a user removes their rows', (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const db = ctx.db;
  const insertTx = db.prepare(
    `INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description)
     VALUES (@user, (SELECT id FROM accounts WHERE user_id = @user), 'expense', 100, '2026-01-02', 'x')`,
  );
  const insertAccount = db.prepare("INSERT INTO accounts (user_id, name, name_key, kind, opening_on) VALUES (?, 'A', 'a', 'cash', '2026-01-01')");
  assert.equal(sqliteCode(() => insertAccount.run(424242)), 'SQLITE_CONSTRAINT_FOREIGNKEY');
  assert.equal(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM accounts').get()!.n, 0);

  const userId = Number(db.prepare("INSERT INTO users (email, password_hash) VALUES ('fk@example.com', 'x')").run().lastInsertRowid);
  insertTx.run({ user: userId });
  insertTx.run({ user: userId });
  db.prepare('DELETE FROM users WHERE id = ?').run(userId);
  const left = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM transactions WHERE user_id = ?').get(userId)!.n;
  assert.equal(left, 0, 'ON DELETE CASCADE ran, which only happens with foreign_keys=ON');
});

test('a second process waits for a write lock instead of failing at once', { timeout: 60_000 }, async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const holder = openDatabase(tmp.dbPath);
  t.after(() => holder.close());
  migrate(holder);

  // Another process (a backup, a CLI, a second server) tries to write while this one holds the write lock.
  const script = `
    import { openDatabase } from './src/db/open.ts';
    const db = openDatabase(${JSON.stringify(tmp.dbPath)});
    console.log('trying');
    try {
      db.prepare("INSERT INTO users (email, password_hash) VALUES ('waited@example.com', 'x')").run();
      console.log('wrote');
    } catch (err) {
      console.log('failed ' + err.code);
    }
    db.close();`;
  holder.exec('BEGIN IMMEDIATE');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise((resolve) => child.on('close', resolve));

  // SQLite's busy handler sleeps between tries (clock_nanosleep, or nanosleep on older C libraries): once the
  // other process is seen asleep in it after saying it is trying, it is waiting for our lock, not failing.
  const SLEEP_CALLS = new Set(['35', '230']);
  await waitUntil('the other process to wait in the busy handler', () => {
    if (/failed/.test(out)) throw new Error(`it failed at once instead of waiting: ${out}`);
    if (!out.includes('trying')) return undefined;
    const syscall = readFileSync(`/proc/${child.pid}/syscall`, 'utf8').split(' ')[0]!;
    return SLEEP_CALLS.has(syscall) ? true : undefined;
  });
  assert.equal(out.trim(), 'trying', 'still waiting while the lock is held');
  holder.exec('COMMIT');
  await closed;

  assert.equal(out.trim(), 'trying\nwrote', `the waiting process wrote once the lock was free (stderr: ${err})`);
  const row = holder.prepare("SELECT count(*) AS n FROM users WHERE email = 'waited@example.com'").get() as { n: number };
  assert.equal(row.n, 1);
});

test('a migration that fails half-way leaves neither its tables nor a new schema version', (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const db = openDatabase(tmp.dbPath);
  t.after(() => db.close());
  const steps = [
    { version: 1, name: 'first', sql: 'CREATE TABLE kept (id INTEGER PRIMARY KEY);' },
    { version: 2, name: 'broken', sql: 'CREATE TABLE half_done (id INTEGER PRIMARY KEY); INSERT INTO no_such_table VALUES (1);' },
  ];
  assert.throws(() => migrate(db, steps), /no such table/);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
  assert.deepEqual(tables.map((r) => r.name), ['kept']);
});

/** Ann signed in with a read-write API token, adding a tea through the form or the API, and the rows there are. */
async function annAddingTea(ctx: TestContext) {
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const token = await makeApiToken(agent, { name: 'script', scope: 'read-write', lifetime: '30' });
  const formToken = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/transactions/new')).text)![1]!;
  return {
    count: () => ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get() as number,
    onPage: (description = 'tea') => agent.post('/transactions').type('form').send({ _csrf: formToken, type: 'expense', amount: '4.20', date: '2026-01-02', description }),
    inApi: () => agentFor(ctx.app).post('/api/v1/transactions').set('Authorization', `Bearer ${token}`).send({ type: 'expense', amount: '4.20', date: '2026-01-02', description: 'tea' }),
  };
}

test('a write that waits past the busy timeout for another process (a second worker importing) is a 503 with Retry-After, on a page and in the API, and writes nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { count, onPage, inApi } = await annAddingTea(ctx);
  // Another process holds the write lock (as a second worker's large import does); this test waits 50 ms, not 30 s.
  ctx.db.pragma('busy_timeout = 50');
  const other = openDatabase(ctx.dbPath);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  try {
    const page = await onPage();
    assert.equal(page.status, 503);
    assert.equal(page.headers['retry-after'], '10');
    assert.match(page.text, /The database was busy with a large change \(an import, say\) for longer than this request could wait, so nothing was changed\. Try again in a few seconds\./);
    const api = await inApi();
    assert.equal(api.status, 503);
    assert.equal(api.headers['retry-after'], '10');
    assert.equal(api.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(api.body.type ?? JSON.parse(api.text).type, '/api/v1/problems/busy');
  } finally {
    other.exec('ROLLBACK');
  }
  assert.equal(count(), 0, 'nothing written');
  // Once the lock is free, the same add goes through.
  assert.equal((await onPage()).status, 303);
  assert.equal(count(), 1);
});

test('a write the disk refuses (full, or not writable) is a 503 that names the storage, on a page and in the API; nothing is half-written, and the owner\'s log says which', async (t) => {
  const lines: string[] = [];
  const ctx = createTestContext({}, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  t.after(() => ctx.cleanup());
  const { count, onPage, inApi } = await annAddingTea(ctx);
  const add = (n: number) => onPage(`tea ${n}`);

  // The disk fills as the person adds: SQLite may use no page beyond those the file has now, so the adds go
  // through until one needs a new page, and that one is refused whole (SQLITE_FULL, as on a full disk).
  ctx.db.pragma(`max_page_count = ${ctx.db.pragma('page_count', { simple: true }) as number}`);
  let acknowledged = 0;
  let refused: Awaited<ReturnType<typeof add>> | undefined;
  for (let n = 1; n <= 2000 && !refused; n++) {
    const res = await add(n);
    if (res.status === 303) acknowledged++;
    else refused = res;
  }
  assert.ok(refused, 'an add was refused once the file could not grow');
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], undefined, 'no time would help: the owner must make room');
  assert.match(refused.text, /<title>[^<]*Not saved: the server’s storage · Ledgerly</);
  assert.match(refused.text, /The server has run out of disk space, so nothing was saved\. What you saved before is safe\./);
  assert.equal(count(), acknowledged, 'every acknowledged add is there, and nothing of the refused one');
  const api = await inApi();
  assert.equal(api.status, 503);
  assert.equal(JSON.parse(api.text).type, '/api/v1/problems/storage-full');
  assert.equal(count(), acknowledged);
  const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string; err?: unknown });
  const storageLines = logged.filter((l) => l.msg.startsWith('storage full'));
  assert.equal(storageLines.length, 2, 'the page and the API each log it once');
  assert.ok(storageLines.every((l) => l.level === 50 && l.code === 'SQLITE_FULL' && l.err === undefined), 'an error with its code, without a stack');

  // Room made: the same add goes through.
  ctx.db.pragma('max_page_count = 1073741823');
  assert.equal((await add(0)).status, 303);
  assert.equal(count(), acknowledged + 1);

  // A database the server may not write (a read-only file or folder): the same, in its own words.
  ctx.db.pragma('query_only = 1');
  const readOnly = await add(-1);
  assert.equal(readOnly.status, 503);
  assert.match(readOnly.text, /The server may not write to its data folder just now, so nothing was saved\./);
  const readOnlyApi = await inApi();
  assert.equal(readOnlyApi.status, 503);
  assert.equal(JSON.parse(readOnlyApi.text).type, '/api/v1/problems/storage-read-only');
  // A session that cannot be saved once its page has gone out (a sign-in form's token) is in the log, in the
  // log's format, not printed raw by Express's last handler.
  const signIn = await agentFor(ctx.app).get('/login');
  assert.equal(signIn.status, 200);
  await new Promise((resolve) => setImmediate(resolve));
  const late = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { code?: string } }).filter((l) => l.msg === 'request failed after its answer began');
  assert.deepEqual(late.map((l) => [l.level, l.err?.code]), [[50, 'SQLITE_READONLY']]);
  ctx.db.pragma('query_only = 0');
  assert.equal(count(), acknowledged + 1);
});
