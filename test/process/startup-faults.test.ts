import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { latestSchemaVersion, migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { loginOverHttp, registerOverHttp, runToExit, serverEnv, startServer, tempDataDir } from '../helpers/server-process.ts';

/**
 * Each fault is produced for real and the real server is spawned on it. What an operator must see: exit code 1,
 * exactly one line on stderr starting "Cannot start:", naming the cause, and no stack trace.
 */
async function startExpectingFailure(env: NodeJS.ProcessEnv) {
  const result = await runToExit('src/server.ts', env, [], 30_000);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return { ...result, lines };
}

function assertOneCleanLine(result: { code: number | null; lines: string[]; stderr: string; stdout: string }): string {
  assert.equal(result.code, 1, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.lines.length, 1, `exactly one line on stderr, got:\n${result.stderr}`);
  const line = result.lines[0]!;
  assert.match(line, /^Cannot start: /);
  assert.doesNotMatch(result.stderr + result.stdout, /\n\s+at .+:\d+:\d+|\bat (?:Object|Module|new |async )/, 'no stack trace');
  assert.doesNotMatch(result.stdout, /"msg":"listening"/, 'it never started listening');
  return line;
}

test('a data folder that cannot be created (a file sits where a folder should be) stops start-up with one line', async (t) => {
  // Tests run as root, which ignores permission bits, so "not writable" is made with something root cannot do
  // either: creating a folder below a regular file fails with ENOTDIR for everyone.
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const blocker = path.join(tmp.dir, 'not-a-folder');
  writeFileSync(blocker, 'a plain file\n');
  const dbPath = path.join(blocker, 'data', 'ledgerly.sqlite');

  for (const secret of ['set', 'unset'] as const) {
    // Without SESSION_SECRET the first write is the secret file; with it, the database. Both must read well.
    const env = serverEnv({ DATABASE_PATH: dbPath, ...(secret === 'unset' ? { SESSION_SECRET: undefined } : {}) });
    const line = assertOneCleanLine(await startExpectingFailure(env));
    assert.match(line, /data folder/);
    assert.ok(line.includes(dbPath), `names the path: ${line}`);
    assert.match(line, /DATABASE_PATH/);
  }
});

test('a data folder that is not writable even for root (immutable attribute) stops start-up with one line', async (t) => {
  const tmp = tempDataDir();
  const folder = path.join(tmp.dir, 'locked');
  mkdirSync(folder);
  // A database that already exists there: SQLite can read it but cannot create the -wal file beside it.
  const existing = path.join(folder, 'existing.sqlite');
  const made = new Database(existing);
  made.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  // A version, as every database of ours has (tables at version 0 are another application's, refused as such).
  made.pragma('user_version = 1');
  made.close();
  // chattr +i makes a folder unwritable for root too; it needs CAP_LINUX_IMMUTABLE and an ext2/3/4-like disk.
  const lock = spawnSync('chattr', ['+i', folder]);
  t.after(() => {
    spawnSync('chattr', ['-i', folder]);
    tmp.remove();
  });
  if (lock.status !== 0) {
    t.skip(`chattr +i is not possible here (${lock.error?.message ?? lock.stderr.toString().trim()}); the ENOTDIR case above still runs`);
    return;
  }
  const dbPath = path.join(folder, 'ledgerly.sqlite');
  for (const secret of ['set', 'unset'] as const) {
    const env = serverEnv({ DATABASE_PATH: dbPath, ...(secret === 'unset' ? { SESSION_SECRET: undefined } : {}) });
    const line = assertOneCleanLine(await startExpectingFailure(env));
    assert.ok(line.includes(folder), `names the folder or file: ${line}`);
    assert.match(line, /writ/);
  }
  const line = assertOneCleanLine(await startExpectingFailure(serverEnv({ DATABASE_PATH: existing })));
  assert.ok(line.includes(existing), `names the file: ${line}`);
  assert.match(line, /cannot be opened for writing/);
});

test('a database file gone from a folder that still holds what a server keeps beside it is not started afresh: one line says what is left and how to restore', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  // A folder a server has used: its session secret and uploads folder stay when only the database is moved away.
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath, SESSION_SECRET: undefined });
  const server = await startServer(env);
  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
  rmSync(tmp.dbPath);
  const left = readdirSync(tmp.dir).sort();

  const line = assertOneCleanLine(await startExpectingFailure(env));
  assert.match(line, /is missing, but .*session-secret.* still there: the database was moved or deleted\. Put it back, or restore a backup \(npm run restore -- <file>\)\. To start with an empty database instead, remove those first\.$/);
  assert.deepEqual(readdirSync(tmp.dir).sort(), left, 'no new database, nothing else made');
  // A first start is still a first start, in a folder made ahead of it with an empty uploads folder (by a
  // deployment tool, say).
  rmSync(tmp.dir, { recursive: true, force: true });
  mkdirSync(path.join(tmp.dir, 'imports'), { recursive: true });
  const fresh = await startServer(env);
  t.after(() => fresh.kill());
  assert.ok(existsSync(tmp.dbPath));
});

test('a database file that is not a SQLite database stops start-up with one line and is left untouched', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const content = 'date,amount\n2026-01-01,12.50\n'.repeat(200);
  writeFileSync(tmp.dbPath, content, { mode: 0o644 });
  chmodSync(tmp.dbPath, 0o644);

  const line = assertOneCleanLine(await startExpectingFailure(serverEnv({ DATABASE_PATH: tmp.dbPath, SESSION_SECRET: undefined })));
  assert.match(line, /is not a SQLite database/);
  assert.ok(line.includes(tmp.dbPath));
  assert.equal(readFileSync(tmp.dbPath, 'utf8'), content, 'the file is not overwritten');
  // Nothing beside it was touched before it was found out: its mode, and no session secret written there.
  assert.equal(statSync(tmp.dbPath).mode & 0o777, 0o644);
  assert.deepEqual(readdirSync(tmp.dir), [path.basename(tmp.dbPath)]);
});

test("another application's SQLite database is refused, not turned into Ledgerly's beside its own tables", async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const other = new Database(tmp.dbPath);
  other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
  other.close();
  const line = assertOneCleanLine(await startExpectingFailure(serverEnv({ DATABASE_PATH: tmp.dbPath })));
  assert.match(line, /is another application's SQLite database, not Ledgerly's/);
  const after = new Database(tmp.dbPath, { readonly: true });
  t.after(() => after.close());
  assert.deepEqual(after.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all(), ['notes'], 'no table of ours added');
  assert.equal(after.pragma('user_version', { simple: true }), 0);
});

test('a schema newer than the code stops start-up with one line and leaves the version as it was', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const newer = latestSchemaVersion() + 5;
  const db = new Database(tmp.dbPath);
  db.exec('CREATE TABLE from_the_future (id INTEGER PRIMARY KEY)');
  db.pragma(`user_version = ${newer}`);
  db.close();

  const line = assertOneCleanLine(await startExpectingFailure(serverEnv({ DATABASE_PATH: tmp.dbPath })));
  assert.match(line, new RegExp(`schema is version ${newer}`));
  assert.match(line, new RegExp(`only knows up to ${latestSchemaVersion()}`));

  const after = new Database(tmp.dbPath, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), newer);
});

for (const workers of [undefined, '2'] as const) {
test(`an older schema that another process still has open (the previous version running) is not upgraded under it${workers ? ', with two workers' : ''}`, async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  // The previous version's database, held open by it (every WAL connection keeps a shared lock on the file).
  const older = latestSchemaVersion() - 1;
  const made = new Database(tmp.dbPath);
  migrate(made, migrations.filter((m) => m.version <= older));
  made.pragma('journal_mode = WAL');
  const running = new Database(tmp.dbPath);
  running.prepare('SELECT count(*) FROM users').get();
  const line = assertOneCleanLine(await startExpectingFailure(serverEnv({ DATABASE_PATH: tmp.dbPath, WEB_CONCURRENCY: workers })));
  assert.match(line, /needs upgrading to this version's schema, but another process has it open/);
  assert.ok(line.includes(tmp.dbPath), `names the file: ${line}`);
  assert.equal(running.pragma('user_version', { simple: true }), older, 'nothing was migrated under it');
  // Once the previous version has stopped, this one upgrades it and starts.
  running.close();
  made.close();
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath, WEB_CONCURRENCY: workers }));
  // The upgrade is said in one line, from which version to which.
  assert.ok(server.logs.some((l) => l.msg === 'database schema upgraded' && l.from === older && l.to === latestSchemaVersion()), JSON.stringify(server.logs));
  await server.kill();
  const after = new Database(tmp.dbPath, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), latestSchemaVersion());
});

test(`a port already in use stops start-up with one line naming the port${workers ? ', with two workers' : ''}`, async (t) => {
  const tmp = tempDataDir();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    blocker.close();
    tmp.remove();
  });
  const address = blocker.address();
  assert.ok(address && typeof address === 'object');

  const result = await startExpectingFailure(serverEnv({ DATABASE_PATH: tmp.dbPath, PORT: String(address.port), WEB_CONCURRENCY: workers }));
  const line = assertOneCleanLine(result);
  assert.match(line, /already in use/);
  assert.ok(line.includes(`:${address.port}`), `names the port: ${line}`);
});
}

test('a HOST no resolver knows stops start-up with one line naming HOST', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  // .invalid is reserved (RFC 2606): no resolver anywhere answers for it.
  const line = assertOneCleanLine(await startExpectingFailure(serverEnv({ DATABASE_PATH: tmp.dbPath, HOST: 'money-box.invalid' })));
  assert.match(line, /^Cannot start: HOST money-box\.invalid is not a name this machine can resolve\. Set HOST to an address of this machine/);
});

test('invalid configuration stops start-up with one line listing every problem', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath, PORT: 'eighty', CURRENCY: 'DOLLARS', SESSION_SECRET: 'short' });
  const line = assertOneCleanLine(await startExpectingFailure(env));
  assert.match(line, /invalid configuration/);
  for (const name of ['PORT', 'CURRENCY', 'SESSION_SECRET']) assert.ok(line.includes(`${name}:`), `mentions ${name}: ${line}`);
});

test('production refuses a cheap bcrypt cost with one line', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath, NODE_ENV: 'production', BCRYPT_COST: '4' });
  const line = assertOneCleanLine(await startExpectingFailure(env));
  assert.match(line, /BCRYPT_COST: must be at least 12 in production/);
});

test('a start with another CURRENCY than the database recorded is refused in one line naming both; npm run admin -- set-currency changes it on purpose, amounts unconverted', async (t) => {
  const data = tempDataDir();
  t.after(() => data.remove());
  const usd = serverEnv({ DATABASE_PATH: data.dbPath, CURRENCY: 'USD' });
  const eur = serverEnv({ DATABASE_PATH: data.dbPath, CURRENCY: 'EUR' });
  // The first start records USD; a rent of 1,200.00 is typed in.
  const first = await startServer(usd);
  assert.ok(first.logs.some((entry) => entry.currency === 'USD' && /recorded CURRENCY/.test(String(entry.msg))), 'the first start says what it recorded');
  const ann = await registerOverHttp(first.url, 'ann@example.com');
  const added = await ann.postForm('/transactions', { _csrf: await ann.csrfToken('/transactions/new'), type: 'expense', amount: '1,200.00', date: '2026-03-01', description: 'Rent' });
  assert.equal(added.status, 303);
  await first.kill();

  // Restarted with EUR: refused, and nothing is relabelled.
  const refused = assertOneCleanLine(await startExpectingFailure(eur));
  assert.match(refused, /this database's amounts are in USD, but CURRENCY is EUR/);
  assert.match(refused, /Start with CURRENCY=USD/);
  assert.match(refused, /npm run admin -- set-currency EUR/);
  assert.match(refused, /not converted/);
  const again = await startServer(usd);
  assert.match((await (await loginOverHttp(again.url, 'ann@example.com')).get('/transactions')).text, /\$1,200\.00/);
  await again.kill();

  // Changed on purpose: the command says the amounts are not converted, and EUR then starts; USD no longer does.
  const set = await runToExit('src/tools/admin.ts', eur, ['set-currency', 'EUR']);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /The currency of this database's amounts is now EUR \(it was USD\)\. Amounts were not converted: what read 12\.50 USD now reads 12\.50 EUR\./);
  const bad = await runToExit('src/tools/admin.ts', eur, ['set-currency', 'JPY']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /CURRENCY: JPY has 0 minor digits/);
  const inEuros = await startServer(eur);
  t.after(() => inEuros.kill());
  // The same cents, now said to be euros: 1,200.00 as typed, nothing converted.
  assert.match((await (await loginOverHttp(inEuros.url, 'ann@example.com')).get('/transactions')).text, /€1,200\.00/);
  await inEuros.kill();
  assert.match(assertOneCleanLine(await startExpectingFailure(usd)), /amounts are in EUR, but CURRENCY is USD/);
});
