import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { backupDatabase, BackupError, checkLedgerlyDatabase, restoreDatabase } from '../../src/db/backup.ts';
import { latestSchemaVersion, migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { TEST_PASSWORD, totalsFrom } from '../helpers/app.ts';
import { totalsForUserFromRows } from '../helpers/bookkeeping.ts';
import {
  csrfTokenIn,
  HttpClient,
  loginOverHttp,
  REPO_ROOT,
  registerOverHttp,
  runToExit,
  serverEnv,
  startServer,
  tempDataDir,
  waitUntil,
  type ProcessExit,
} from '../helpers/server-process.ts';

/** The moment a restore in these tests happens (the tools hand in the system clock). */
const RESTORED_AT = new Date('2026-03-14T09:26:53Z');

/** Runs `npm run <script> -- <file>` as an operator would, with DATABASE_PATH pointing at the test's file. */
function npmRun(script: 'backup' | 'restore', file: string, dbPath: string) {
  const child = spawn('npm', ['run', '--silent', script, '--', file], {
    cwd: REPO_ROOT,
    env: serverEnv({ DATABASE_PATH: dbPath }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<ProcessExit & { stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function addOverHttp(client: HttpClient, fields: { type: string; amount: string; description: string }) {
  const token = await client.csrfToken('/transactions/new');
  const res = await client.postForm('/transactions', { _csrf: token, date: '2026-03-14', ...fields });
  assert.equal(res.status, 303, `adding ${fields.description}: ${res.text.slice(0, 200)}`);
}

function descriptionsOnPage(html: string): string[] {
  return [...html.matchAll(/<td class="tx__desc">([^<]*)<\/td>/g)].map((m) => m[1]!);
}

test('backup while the server runs, change data, restore after stopping it, and the old data is back', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const backupFile = path.join(tmp.dir, 'before-changes.sqlite');
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath });

  let server = await startServer(env);
  t.after(() => server.kill());
  let ann = await registerOverHttp(server.url, 'ann@example.com');
  // Dave is in the backup and deletes his account after it; Carol registers after it.
  const dave = await registerOverHttp(server.url, 'dave@example.com');
  await addOverHttp(ann, { type: 'income', amount: '2,500.00', description: 'Salary March' });
  await addOverHttp(ann, { type: 'expense', amount: '40.10', description: 'Groceries' });
  // A budget and a schedule, so the backup is seen to carry them too.
  const budgetPage = await ann.get('/budgets/2026-03');
  const budgetField = /name="(amount-\d+)"/.exec(budgetPage.text)![1]!;
  assert.equal((await ann.postForm('/budgets/2026-03', { _csrf: csrfTokenIn(budgetPage.text), [budgetField]: '300.00' })).status, 303);
  const schedulePage = await ann.get('/scheduled/new');
  const accountId = /<select id="sch-account" name="account"[^>]*>\s*<option value="(\d+)"/.exec(schedulePage.text)![1]!;
  const scheduled = await ann.postForm('/scheduled', {
    _csrf: csrfTokenIn(schedulePage.text), type: 'expense', account: accountId, toAccount: '', category: '', amount: '800', description: 'Rent plan',
    frequency: 'months', every: '1', weekday: '', monthDay: '', startOn: '2099-01-01', endOn: '', count: '',
  });
  assert.equal(scheduled.status, 303);
  const planned = async () => ({
    budget: /name="amount-\d+"[^>]*value="([^"]*)"/.exec((await ann.get('/budgets/2026-03')).text)?.[1],
    schedules: ((await ann.get('/scheduled')).text.match(/class="schedule__name">Rent plan/g) ?? []).length,
  });
  assert.deepEqual(await planned(), { budget: '300.00', schedules: 1 });

  // The backup is taken while another client keeps writing, as a cron job on a live system would.
  let writing = true;
  let writesDuringBackup = 0;
  const writer = (async () => {
    const bob = await registerOverHttp(server.url, 'bob@example.com');
    const token = await bob.csrfToken('/transactions/new');
    while (writing) {
      const res = await bob.postForm('/transactions', { _csrf: token, type: 'expense', amount: '1.00', date: '2026-03-14', description: `during backup ${writesDuringBackup}` });
      assert.equal(res.status, 303);
      writesDuringBackup++;
    }
  })();
  const backup = await npmRun('backup', backupFile, tmp.dbPath);
  writing = false;
  await writer;
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /^Backed up .* \(schema version \d+, \d+ KiB, integrity ok\)\.$/m);
  assert.ok(existsSync(backupFile));
  assert.ok(!existsSync(`${backupFile}-wal`), 'a backup is one self-contained file');

  // Change the data after the backup: a new expense, and the salary deleted; Dave leaves, Carol joins.
  await addOverHttp(ann, { type: 'expense', amount: '999.99', description: 'After the backup' });
  assert.equal((await dave.postForm('/account/delete', { _csrf: await dave.csrfToken('/account'), password: TEST_PASSWORD })).status, 303);
  await registerOverHttp(server.url, 'carol@example.com');
  const list = await ann.get('/transactions');
  const salaryId = /<td class="tx__desc">Salary March<\/td>[\s\S]*?\/transactions\/(\d+)\/delete/.exec(list.text)?.[1];
  assert.ok(salaryId, 'the list links to deleting the salary');
  const delToken = await ann.csrfToken(`/transactions/${salaryId}/delete`);
  assert.equal((await ann.postForm(`/transactions/${salaryId}/delete`, { _csrf: delToken })).status, 303);
  const scheduleId = /\/scheduled\/(\d+)\/delete/.exec((await ann.get('/scheduled')).text)![1]!;
  assert.equal((await ann.postForm(`/scheduled/${scheduleId}/delete`, { _csrf: await ann.csrfToken(`/scheduled/${scheduleId}/delete`) })).status, 303);
  assert.equal((await ann.postForm('/budgets/2026-03', { _csrf: await ann.csrfToken('/budgets/2026-03'), [budgetField]: '' })).status, 303);
  assert.deepEqual(await planned(), { budget: '', schedules: 0 });
  const changed = totalsFrom((await ann.get('/dashboard?period=all')).text);
  assert.deepEqual(changed, { Income: '$0.00', Expenses: '$1,040.09', 'Net': '−$1,040.09' });

  // Restoring under the running server would pull the file from under it: refused, and nothing changes.
  const refused = await npmRun('restore', backupFile, tmp.dbPath);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^Restore refused: .* is in use by another process \(is the server running\?\)/);
  assert.deepEqual(totalsFrom((await ann.get('/dashboard?period=all')).text), changed);

  server.child.kill('SIGTERM');
  assert.deepEqual(await server.exited, { code: 0, signal: null });

  const restored = await npmRun('restore', backupFile, tmp.dbPath);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /^Restored .* The previous database was kept as .*before-restore-.*\. 3 sign-in\(s\) from the backup were ended: everyone signs in again\.$/m);
  // The owner is told who comes back and who goes.
  assert.match(restored.stdout, /^1 account\(s\) in the backup had been deleted since, and are back: dave@example\.com\. Anyone who asked to be forgotten: npm run admin -- delete-user EMAIL\.$/m);
  assert.match(restored.stdout, /^1 account\(s\) made since the backup are not in it, and are gone: carol@example\.com\. Their data is in the kept file\.$/m);
  const kept = readdirSync(tmp.dir).filter((name) => name.includes('.before-restore-'));
  assert.equal(kept.length, 1, 'the replaced database is kept, not deleted');

  // A fresh server on the restored file shows the data as it was when the backup was taken.
  // No sign-in comes back with it: one the backup held may have been ended since. Signing in again shows the data.
  server = await startServer(env);
  ann.baseUrl = server.url;
  const before = await ann.get('/dashboard?period=all');
  assert.equal(before.status, 303, 'the session from before the backup was ended by the restore');
  assert.match(String(before.location), /^\/login/);
  ann = await loginOverHttp(server.url, 'ann@example.com');
  const dashboard = await ann.get('/dashboard?period=all');
  assert.equal(dashboard.status, 200);
  assert.deepEqual(totalsFrom(dashboard.text), { Income: '$2,500.00', Expenses: '$40.10', 'Net': '$2,459.90' });
  const descriptions = descriptionsOnPage((await ann.get('/transactions')).text);
  assert.deepEqual(descriptions.sort(), ['Groceries', 'Salary March']);
  assert.deepEqual(await planned(), { budget: '300.00', schedules: 1 }, 'the budget and the schedule are back');

  // The kept file really is the changed database, so a restore by mistake can be undone.
  const keptDb = new Database(path.join(tmp.dir, kept[0]!), { readonly: true });
  t.after(() => keptDb.close());
  const keptDescriptions = keptDb.prepare<[], { description: string }>("SELECT description FROM transactions WHERE description NOT LIKE 'during backup%' ORDER BY description").all();
  assert.deepEqual(keptDescriptions.map((r) => r.description), ['After the backup', 'Groceries']);
});

test('a backup taken during a stream of writes is internally consistent', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath }));
  t.after(() => server.kill());
  const clients = await Promise.all([1, 2, 3].map((n) => registerOverHttp(server.url, `writer${n}@example.com`)));

  let writing = true;
  const acknowledgedBeforeBackup = new Set<string>();
  let backupStarted = false;
  const writers = clients.map(async (client, n) => {
    const token = await client.csrfToken('/transactions/new');
    for (let i = 0; writing; i++) {
      const description = `w${n}-${i}`;
      const res = await client.postForm('/transactions', { _csrf: token, type: i % 3 === 0 ? 'income' : 'expense', amount: `${1 + (i % 97)}.${String(i % 100).padStart(2, '0')}`, date: `2026-0${1 + (i % 9)}-1${i % 10}`, description });
      assert.equal(res.status, 303);
      // Only an acknowledgement received before the first backup began proves the row was committed before it.
      if (!backupStarted) acknowledgedBeforeBackup.add(description);
    }
  });
  await waitUntil('some writes to be acknowledged before the backups', () => (acknowledgedBeforeBackup.size >= 30 ? true : undefined));
  const files = [1, 2, 3].map((n) => path.join(tmp.dir, `online-${n}.sqlite`));
  for (const file of files) {
    backupStarted = true;
    await backupDatabase(tmp.dbPath, file);
  }
  writing = false;
  await Promise.all(writers);

  for (const file of files) {
    const facts = checkLedgerlyDatabase(file);
    assert.equal(facts.schemaVersion, latestSchemaVersion());
    const db = new Database(file, { readonly: true });
    try {
      const repo = createTransactionsRepo(db);
      const ids = db.prepare<[], { id: number }>('SELECT id FROM users ORDER BY id').all().map((r) => r.id);
      assert.equal(ids.length, 3);
      for (const id of ids) {
        // The per-month totals are written by triggers in the same transaction as each row: a torn copy would differ.
        assert.deepEqual(repo.totalsForUser(id), totalsForUserFromRows(db, id));
      }
      const inBackup = new Set(db.prepare<[], { description: string }>('SELECT description FROM transactions').all().map((r) => r.description));
      for (const description of acknowledgedBeforeBackup) assert.ok(inBackup.has(description), `${description} was acknowledged before the backup began`);
    } finally {
      db.close();
    }
  }
  assert.ok(acknowledgedBeforeBackup.size > 0, 'writes were acknowledged before the backups');
});

test('restore refuses files that are not a healthy Ledgerly database and leaves the current one untouched', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const live = openDatabase(tmp.dbPath);
  migrate(live);
  live.prepare("INSERT INTO users (email, password_hash) VALUES ('keep@example.com', 'x')").run();
  live.close();
  const before = sha256(tmp.dbPath);

  const good = path.join(tmp.dir, 'good.sqlite');
  await backupDatabase(tmp.dbPath, good);

  const notSqlite = path.join(tmp.dir, 'notes.txt');
  writeFileSync(notSqlite, 'these are not the pages you are looking for\n'.repeat(100));
  const foreign = path.join(tmp.dir, 'foreign.sqlite');
  const other = new Database(foreign);
  other.exec('CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)');
  other.close();
  const newer = path.join(tmp.dir, 'newer.sqlite');
  await backupDatabase(tmp.dbPath, newer);
  const bump = new Database(newer);
  bump.pragma(`user_version = ${latestSchemaVersion() + 1}`);
  bump.close();
  const damaged = path.join(tmp.dir, 'damaged.sqlite');
  await backupDatabase(tmp.dbPath, damaged);
  // Cut the file after its first pages, as an interrupted copy to a full disk would.
  truncateSync(damaged, 4096 * 3);
  const empty = path.join(tmp.dir, 'empty.sqlite');
  writeFileSync(empty, '');
  // A schema 41 without the rollover table migration 43 puts its owner check on: no migration can bring it up to date.
  const stuck = path.join(tmp.dir, 'stuck.sqlite');
  await backupDatabase(tmp.dbPath, stuck);
  const unmake = new Database(stuck);
  unmake.exec('DROP TRIGGER budget_rollover_settings_owner; DROP TRIGGER budget_rollover_settings_owner_update; DROP TABLE budget_rollover_settings');
  unmake.pragma('user_version = 41');
  unmake.close();

  const cases: Array<[string, string, RegExp]> = [
    ['a text file', notSqlite, /is not a SQLite database/],
    ['a SQLite file of another app', foreign, /not a Ledgerly one \(no users, sessions, transactions, monthly_totals table\)/],
    ['a newer schema', newer, new RegExp(`schema version ${latestSchemaVersion() + 1}, newer than this app`)],
    ['a truncated copy', damaged, /is damaged/],
    ['a missing file', path.join(tmp.dir, 'nope.sqlite'), /does not exist/],
    ['an empty file (a copy that never started)', empty, /is empty \(0 bytes\): not a backup/],
    ['a schema this app cannot upgrade', stuck, /has schema version 41, which this app cannot upgrade \(.+\)\. Nothing was restored\./],
  ];
  for (const [what, file, message] of cases) {
    await assert.rejects(restoreDatabase(file, tmp.dbPath, RESTORED_AT), (err: unknown) => err instanceof BackupError && message.test(err.message), what);
    assert.equal(sha256(tmp.dbPath), before, `${what}: the current database is unchanged`);
  }
  // The command prints the refusal as one line and exits 1 (the tool adds nothing else to the library's answer).
  const result = await runToExit('src/tools/restore.ts', serverEnv({ DATABASE_PATH: tmp.dbPath }), [foreign]);
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got ${result.stderr}`);
  assert.match(lines[0]!, /^Restore refused: .*not a Ledgerly one/);
  assert.equal(sha256(tmp.dbPath), before);
  assert.deepEqual(readdirSync(tmp.dir).filter((name) => /before-restore|restoring|partial/.test(name)), [], 'no leftovers');

  // The same good file is accepted, which shows the refusals above were about the files themselves.
  const ok = await restoreDatabase(good, tmp.dbPath, RESTORED_AT);
  assert.equal(ok.schemaVersion, latestSchemaVersion());

  // A backup made by an older version is upgraded as it is restored, and the command says from which version to which.
  const older = path.join(tmp.dir, 'older.sqlite');
  const made = openDatabase(older);
  migrate(made, migrations.filter((m) => m.version <= 42));
  made.close();
  const upgraded = await runToExit('src/tools/restore.ts', serverEnv({ DATABASE_PATH: tmp.dbPath }), [older]);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  assert.match(upgraded.stdout, new RegExp(`\\(schema version 42, upgraded to ${latestSchemaVersion()}, integrity ok\\)`));
  const restored = new Database(tmp.dbPath, { readonly: true });
  assert.equal(restored.pragma('user_version', { simple: true }), latestSchemaVersion());
  restored.close();
});

test('backup never overwrites an existing file and says how to use it when given no file', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const db = openDatabase(tmp.dbPath);
  migrate(db);
  db.close();
  const existing = path.join(tmp.dir, 'existing.sqlite');
  writeFileSync(existing, 'precious');

  const refused = await runToExit('src/tools/backup.ts', serverEnv({ DATABASE_PATH: tmp.dbPath }), [existing]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^Backup failed: .*existing\.sqlite already exists/);
  assert.equal(readFileSync(existing, 'utf8'), 'precious');

  const usage = await runToExit('src/tools/backup.ts', serverEnv({ DATABASE_PATH: tmp.dbPath }));
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^Usage: npm run backup -- <backup-file>/);
});

test('restoring over a database left by a crash keeps the crashed one whole, including writes still in its WAL', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const backupSource = path.join(tmp.dir, 'source.sqlite');
  const source = openDatabase(backupSource);
  migrate(source);
  source.close();
  const backupFile = path.join(tmp.dir, 'backup.sqlite');
  await backupDatabase(backupSource, backupFile);

  // A crash snapshot: the database file and its -wal copied while a connection still had them open, so the
  // last committed rows exist only in the -wal, as after SIGKILL.
  const live = openDatabase(path.join(tmp.dir, 'live.sqlite'));
  migrate(live);
  live.pragma('wal_autocheckpoint = 0');
  live.prepare("INSERT INTO users (email, password_hash) VALUES ('only-in-wal@example.com', 'x')").run();
  copyFileSync(path.join(tmp.dir, 'live.sqlite'), tmp.dbPath);
  copyFileSync(path.join(tmp.dir, 'live.sqlite-wal'), `${tmp.dbPath}-wal`);
  live.close();

  const result = await restoreDatabase(backupFile, tmp.dbPath, RESTORED_AT);
  // The kept copy is named by the time handed in, so two restores never collide and an admin can tell them apart.
  assert.equal(result.previousKeptAt, `${path.resolve(tmp.dbPath)}.before-restore-2026-03-14T09-26-53-000Z`);
  assert.ok(!existsSync(`${tmp.dbPath}-wal`), 'the old WAL is not left to be replayed onto the restored file');
  const restored = new Database(tmp.dbPath, { readonly: true });
  t.after(() => restored.close());
  assert.deepEqual(restored.prepare('SELECT email FROM users').all(), [], 'the restored file has the backup\'s (empty) users');
  const kept = new Database(result.previousKeptAt, { readonly: true });
  t.after(() => kept.close());
  assert.deepEqual(kept.prepare('SELECT email FROM users').all(), [{ email: 'only-in-wal@example.com' }], 'the kept copy includes what was in the WAL');
});

test('a restore ends every API token the backup held, as it ends sign-ins: one revoked since the backup must not answer again', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const source = openDatabase(path.join(tmp.dir, 'source.sqlite'));
  migrate(source);
  const ann = Number(source.prepare("INSERT INTO users (email, password_hash) VALUES ('ann@example.com', 'x')").run().lastInsertRowid);
  source.prepare("INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) VALUES (?, 'leaked', 'h1', 'read', 0), (?, 'kept', 'h2', 'read', 0)").run(ann, ann);
  source.close();
  const backupFile = path.join(tmp.dir, 'backup.sqlite');
  await backupDatabase(path.join(tmp.dir, 'source.sqlite'), backupFile);

  const result = await restoreDatabase(backupFile, tmp.dbPath, RESTORED_AT);

  assert.equal(result.endedApiTokens, 2);
  const restored = new Database(tmp.dbPath, { readonly: true });
  t.after(() => restored.close());
  assert.equal(restored.prepare('SELECT count(*) FROM api_tokens').pluck().get(), 0);
  assert.deepEqual(restored.prepare('SELECT email FROM users').all(), [{ email: 'ann@example.com' }], 'the person and their data come back');
});

test('a restore onto a new machine, where the data folder does not exist yet, makes it owner-only and restores into it', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const source = openDatabase(path.join(tmp.dir, 'source.sqlite'));
  migrate(source);
  source.prepare("INSERT INTO users (email, password_hash) VALUES ('kept@example.com', 'x')").run();
  source.close();
  const backupFile = path.join(tmp.dir, 'backup.sqlite');
  await backupDatabase(path.join(tmp.dir, 'source.sqlite'), backupFile);

  const target = path.join(tmp.dir, 'new-machine', 'data', 'finance.sqlite');
  const result = await restoreDatabase(backupFile, target, RESTORED_AT);

  assert.equal(result.file, target);
  assert.equal(result.previousKeptAt, undefined, 'there was nothing to keep');
  for (const folder of [path.dirname(target), path.dirname(path.dirname(target))]) assert.equal(statSync(folder).mode & 0o777, 0o700, folder);
  assert.equal(statSync(target).mode & 0o777, 0o600);
  const restored = new Database(target, { readonly: true });
  t.after(() => restored.close());
  assert.deepEqual(restored.prepare('SELECT email FROM users').all(), [{ email: 'kept@example.com' }]);
});

/** A real server on a data folder of its own, with Ann signed in: what the lost-file tests take away from under it. */
async function serverWithAnn(t: { after(fn: () => unknown): void }) {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath });
  const server = await startServer(env);
  t.after(() => server.kill());
  return { tmp, env, server, ann: await registerOverHttp(server.url, 'ann@example.com') };
}

/** Waits for a server to notice its database file went and stop, with the exit code that says so. */
async function stopsForLostFile(server: Awaited<ReturnType<typeof startServer>>): Promise<void> {
  await waitUntil('the server to notice and stop', () => (server.child.exitCode === null ? undefined : true), 20_000);
  assert.equal((await server.exited).code, 3, 'it stops with the code for a lost database file');
}

test('a database file deleted under the running server: it saves the database it has open and stops; a start then refuses to make an empty one; restoring the saved copy brings back every acknowledged write', async (t) => {
  const { tmp, env, server, ann } = await serverWithAnn(t);
  await addOverHttp(ann, { type: 'expense', amount: '1.00', description: 'before the file went' });
  rmSync(tmp.dbPath);
  // Adds go on into the file the server still has open, until it notices (within two seconds) and closes its port.
  const acknowledged: string[] = [];
  const token = await ann.csrfToken('/transactions/new');
  for (let n = 1; server.child.exitCode === null && n <= 2000; n++) {
    const res = await ann.postForm('/transactions', { _csrf: token, date: '2026-03-14', type: 'expense', amount: '2.00', description: `after ${n}` }).catch(() => undefined);
    if (res?.status === 303) acknowledged.push(`after ${n}`);
    else break;
  }
  assert.ok(acknowledged.length > 0, 'adds were acknowledged after the file went');
  await stopsForLostFile(server);
  const rescued = readdirSync(tmp.dir).filter((name) => name.startsWith(`${path.basename(tmp.dbPath)}.rescued-`));
  assert.equal(rescued.length, 1, `one saved copy: ${readdirSync(tmp.dir).join(', ')}`);
  const rescuedFile = path.join(tmp.dir, rescued[0]!);
  assert.equal(statSync(rescuedFile).mode & 0o777, 0o600, 'owner-only, as the database');
  const fatal = server.logs.filter((line) => line.level === 60).map((line) => String(line.msg));
  assert.ok(fatal.some((msg) => msg.startsWith('the database file was deleted while the server ran')), fatal.join('\n'));
  assert.ok(fatal.some((msg) => msg.startsWith('saved the open database')), fatal.join('\n'));
  assert.ok(!existsSync(tmp.dbPath), 'stopping made no new file at the path');

  // The next start would have made an empty database (and a stranger could register first): it refuses, naming
  // the saved copy.
  const refused = await runToExit('src/server.ts', env, [], 30_000);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr.trim(), new RegExp(`^Cannot start: ${tmp.dbPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is missing, but .* still there: the database was moved or deleted\\. The server saved the database it had open as .*\\.rescued-.*npm run restore -- that file`));
  assert.ok(!existsSync(tmp.dbPath), 'no empty database was made');

  const restored = await npmRun('restore', rescuedFile, tmp.dbPath);
  assert.equal(restored.code, 0, restored.stderr);
  const again = await startServer(env);
  t.after(() => again.kill());
  const client = await loginOverHttp(again.url, 'ann@example.com');
  assert.ok(descriptionsOnPage((await client.get('/transactions')).text).includes(acknowledged.at(-1)!), 'the last acknowledged add is listed');
  const db = new Database(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  const descriptions = db.prepare<[], string>('SELECT description FROM transactions ORDER BY id').pluck().all();
  assert.deepEqual(descriptions, ['before the file went', ...acknowledged], 'every acknowledged add, once, and nothing else');
});

test('a file put in place of the running server\'s database: the server saves its own and stops, and the file put in place opens whole, without the old database\'s log replayed onto it', async (t) => {
  const { tmp, env, server, ann } = await serverWithAnn(t);
  for (let n = 1; n <= 30; n++) await addOverHttp(ann, { type: 'expense', amount: '1.00', description: `old ${n}` });
  // Another healthy Ledgerly database, moved over the path as an operator's hand restore would.
  const other = path.join(tmp.dir, 'other.sqlite');
  const made = openDatabase(other);
  migrate(made);
  made.prepare("INSERT INTO users (email, password_hash) VALUES ('bob@example.com', 'x')").run();
  made.close();
  renameSync(other, tmp.dbPath);

  await stopsForLostFile(server);
  const names = readdirSync(tmp.dir);
  assert.ok(names.some((name) => name.includes('.rescued-')), names.join(', '));
  assert.ok(names.some((name) => name.includes('.stale-wal-')), `the old WAL is set aside: ${names.join(', ')}`);
  assert.ok(!names.includes(`${path.basename(tmp.dbPath)}-wal`), 'no WAL beside the file put in place');

  // A restart (systemd's, say) opens the file put in place as it is.
  const again = await startServer(env);
  t.after(() => again.kill());
  await again.kill();
  const db = new Database(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.prepare('SELECT email FROM users').pluck().all(), ['bob@example.com']);
  const saved = new Database(path.join(tmp.dir, names.find((name) => name.includes('.rescued-'))!), { readonly: true });
  t.after(() => saved.close());
  assert.equal(saved.prepare("SELECT count(*) FROM transactions WHERE description LIKE 'old %'").pluck().get(), 30, 'the saved copy holds the old database');
});
