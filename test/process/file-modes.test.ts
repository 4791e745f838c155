/**
 * Files only the owner can read: the real server and the real backup and restore tools, each run with umask 000 (the
 * most permissive there is, so nothing here passes because of a careful umask), leave the data folder 0700 and the
 * database, its -wal and -shm, uploads and backups 0600. A data folder left open by an older version is tightened at
 * start-up with one log line; what cannot be tightened is a warning, and the server still starts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  bundled,
  loginOverHttp,
  registerOverHttp,
  REPO_ROOT,
  scratchFilesOf,
  serverEnv,
  startServer,
  tempDataDir,
  waitUntil,
  type HttpClient,
  type ProcessExit,
  type ServerProcess,
} from '../helpers/server-process.ts';

/** Starts an entry point's bundle with umask 000 set by the shell that execs it, so the pid is the process's own. */
function spawnWithOpenUmask(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): ChildProcess {
  return spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, bundled(entry), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The real server on `env`, started with umask 000; killed when the test ends. */
async function startWithOpenUmask(t: TestContext, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const server = await startServer(env, 30_000, () => spawnWithOpenUmask('src/server.ts', env));
  t.after(() => server.kill());
  return server;
}

/** Runs a command-line tool to completion with umask 000. */
function runToolWithOpenUmask(entry: string, env: NodeJS.ProcessEnv, args: readonly string[]) {
  const child = spawnWithOpenUmask(entry, env, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<ProcessExit & { stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** Permission bits as chmod writes them: '0600'. */
function modeOf(file: string): string {
  return (statSync(file).mode & 0o7777).toString(8).padStart(4, '0');
}

/** The modes of several paths at once, so a failure shows every one of them. */
function modesOf(files: readonly string[]): Record<string, string> {
  return Object.fromEntries(files.map((file) => [file, existsSync(file) ? modeOf(file) : 'missing']));
}

function sameModeFor(files: readonly string[], mode: string): Record<string, string> {
  return Object.fromEntries(files.map((file) => [file, mode]));
}

const TIGHTENED = 'data files were open to other users: removed their group and other permissions';
const NOT_PRIVATE = 'data files are open to other users and could not be made private: as their owner, chmod 700 the folders and chmod 600 the files';

function logLines(server: ServerProcess, msg: string): Array<Record<string, unknown>> {
  return server.logs.filter((line) => line.msg === msg);
}

const CSV = 'date,type,category,amount,description\r\n2026-01-05,expense,Groceries,12.50,Market\r\n2026-01-06,income,,100.00,Refund\r\n';

/** The hidden fields of the form on a page that posts to `action`, as the browser would send them. */
function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`method="post" action="${action}"`);
  assert.ok(start >= 0, `the page has a form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
}

/** Uploads the CSV through the form; returns the mapping page's path (the upload is then kept on disk). */
async function uploadCsv(client: HttpClient): Promise<string> {
  const upload = await client.postFile('/import', { _csrf: await client.csrfToken('/import') }, { field: 'file', name: 'statement.csv', content: CSV });
  assert.equal(upload.status, 303, upload.text.slice(0, 300));
  return upload.location!;
}

/** Confirms the guessed mapping and waits for the import to finish. */
async function runImport(client: HttpClient, mappingPath: string): Promise<void> {
  const mapping = await client.get(mappingPath);
  const posted = await client.postForm(mappingPath, formFields(mapping.text, mappingPath));
  assert.equal(posted.status, 303);
  await waitUntil('the import to finish', async () => {
    const page = await client.get(posted.location!);
    return /Import finished/.test(page.text) ? true : undefined;
  });
}

test('under umask 000 the data folder is made 0700 and the database, WAL, SHM, import scratch, secret, uploads and backups 0600', async (t) => {
  const tmp = tempDataDir('ledgerly-modes-');
  t.after(() => tmp.remove());
  // A data folder that does not exist yet, so the server creates it; no SESSION_SECRET, so it writes one there too.
  const dataDir = path.join(tmp.dir, 'data');
  const dbPath = path.join(dataDir, 'ledgerly.sqlite');
  const env = serverEnv({ DATABASE_PATH: dbPath, SESSION_SECRET: undefined });

  const server = await startWithOpenUmask(t, env);
  // The process's scratch database, where a CSV import's rows wait, holds people's rows too.
  const database = [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, ...scratchFilesOf(dbPath, server.child.pid!)];
  assert.equal(database.length, 4, 'one scratch database for the server process');
  assert.deepEqual(modesOf([dataDir]), { [dataDir]: '0700' });
  assert.deepEqual(modesOf([...database, path.join(dataDir, 'session-secret')]), sameModeFor([...database, path.join(dataDir, 'session-secret')], '0600'));
  assert.deepEqual(logLines(server, TIGHTENED), [], 'a fresh data folder has nothing to tighten');
  assert.deepEqual(logLines(server, NOT_PRIVATE), []);

  // An upload is kept on disk between the upload and the import: its folders and the file are owner-only.
  const client = await registerOverHttp(server.url, 'owner@example.com');
  const mappingPath = await uploadCsv(client);
  const uploadsDir = path.join(dataDir, 'imports');
  const [userDir] = readdirSync(uploadsDir).map((name) => path.join(uploadsDir, name));
  assert.ok(userDir, 'the upload has a folder of its user');
  const [uploadFile] = readdirSync(userDir).map((name) => path.join(userDir, name));
  assert.ok(uploadFile, 'the upload is kept');
  assert.deepEqual(modesOf([uploadsDir, userDir, uploadFile]), { [uploadsDir]: '0700', [userDir]: '0700', [uploadFile]: '0600' });

  await runImport(client, mappingPath);
  assert.deepEqual(modesOf(database), sameModeFor(database, '0600'), 'still owner-only after the import wrote to them');

  // A backup taken by the tool while the server runs, into a folder of the operator's choosing.
  const backupsDir = path.join(tmp.dir, 'backups');
  mkdirSync(backupsDir);
  const backupFile = path.join(backupsDir, 'monday.sqlite');
  const backup = await runToolWithOpenUmask('src/tools/backup.ts', env, [backupFile]);
  assert.equal(backup.code, 0, backup.stderr);
  assert.deepEqual(modesOf([backupFile]), { [backupFile]: '0600' });
  assert.deepEqual(readdirSync(backupsDir), ['monday.sqlite'], 'no partial copy is left beside it');

  // A restore with the server stopped, over a database an older version left open to others.
  assert.equal((await server.kill()).signal, 'SIGKILL');
  chmodSync(dbPath, 0o644);
  const restore = await runToolWithOpenUmask('src/tools/restore.ts', env, [backupFile]);
  assert.equal(restore.code, 0, restore.stderr);
  const kept = readdirSync(dataDir).filter((name) => name.includes('.before-restore-')).map((name) => path.join(dataDir, name));
  assert.equal(kept.length, 1, 'the replaced database is kept');
  assert.deepEqual(modesOf([dbPath, ...kept]), sameModeFor([dbPath, ...kept], '0600'), 'the restored database and the kept one');
});

test('a start on a data folder left open to others tightens it and what is ours in it, and says so in one line', async (t) => {
  const tmp = tempDataDir('ledgerly-modes-');
  t.after(() => tmp.remove());
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath, SESSION_SECRET: undefined });
  const first = await startWithOpenUmask(t, env);
  const client = await registerOverHttp(first.url, 'owner@example.com');
  await uploadCsv(client);
  // Killed, so the -wal and -shm stay behind as after a crash.
  await first.kill();

  // Everything loosened as an older version, a copy or a careless chmod would have left it.
  const uploadsDir = path.join(tmp.dir, 'imports');
  const userDir = path.join(uploadsDir, readdirSync(uploadsDir)[0]!);
  const uploadFile = path.join(userDir, readdirSync(userDir)[0]!);
  const keptCopy = `${tmp.dbPath}.before-restore-2026-01-01T00-00-00-000Z`;
  writeFileSync(keptCopy, 'an old copy of the database\n');
  const folders = [tmp.dir, uploadsDir, userDir];
  const files = [tmp.dbPath, `${tmp.dbPath}-wal`, `${tmp.dbPath}-shm`, keptCopy, path.join(tmp.dir, 'session-secret'), uploadFile];
  for (const folder of folders) chmodSync(folder, 0o755);
  for (const file of files) chmodSync(file, 0o644);

  const second = await startWithOpenUmask(t, env);
  assert.deepEqual(modesOf(folders), sameModeFor(folders, '0700'));
  assert.deepEqual(modesOf(files), sameModeFor(files, '0600'));

  const lines = logLines(second, TIGHTENED);
  assert.equal(lines.length, 1, 'one line says what was tightened');
  const tightened = lines[0]!.tightened as Array<{ path: string; from: string; to: string }>;
  // The crash's -wal and -shm are not among them: the start's first look at the database (is it ours, is an upgrade
  // safe) closes it as its only user, which folds the WAL into the file and removes both.
  const leftOpen = files.filter((file) => !file.endsWith('-wal') && !file.endsWith('-shm'));
  assert.deepEqual(
    [...tightened].sort((a, b) => a.path.localeCompare(b.path)),
    [
      ...folders.map((folder) => ({ path: folder, from: '0755', to: '0700' })),
      ...leftOpen.map((file) => ({ path: file, from: '0644', to: '0600' })),
    ].sort((a, b) => a.path.localeCompare(b.path)),
  );
  // What the WAL held is in the database: the owner's account.
  await loginOverHttp(second.url, 'owner@example.com');
  assert.equal(lines[0]!.level, 30, 'info: the problem is fixed');
  assert.deepEqual(logLines(second, NOT_PRIVATE), []);
  await second.kill();

  const third = await startWithOpenUmask(t, env);
  assert.deepEqual(logLines(third, TIGHTENED), [], 'nothing left to tighten on the next start');
});

test('a data folder that holds other files too (DATABASE_PATH=/srv/ledgerly.sqlite) is left open with a warning; only our files in it are tightened', async (t) => {
  const tmp = tempDataDir('ledgerly-modes-');
  t.after(() => tmp.remove());
  // Another service's files beside the database: making the folder 0700 would shut that service out.
  const site = path.join(tmp.dir, 'www');
  mkdirSync(site);
  const notOurs = path.join(tmp.dir, 'notes.txt');
  writeFileSync(notOurs, 'not the app\'s\n');
  chmodSync(notOurs, 0o644);
  chmodSync(tmp.dir, 0o755);
  chmodSync(site, 0o755);

  const server = await startWithOpenUmask(t, serverEnv({ DATABASE_PATH: tmp.dbPath }));
  assert.deepEqual(modesOf([tmp.dir, site, notOurs, tmp.dbPath]), { [tmp.dir]: '0755', [site]: '0755', [notOurs]: '0644', [tmp.dbPath]: '0600' });
  const warnings = logLines(server, NOT_PRIVATE);
  assert.equal(warnings.length, 1, 'one warning');
  const untouched = warnings[0]!.untouched as Array<{ path: string; mode: string; reason: string }>;
  assert.deepEqual(untouched.map(({ path: where, mode }) => ({ where, mode })), [{ where: tmp.dir, mode: '0755' }]);
  assert.match(untouched[0]!.reason, /other files too \(notes\.txt, www\).*DATABASE_PATH/);
  assert.equal((await fetch(`${server.url}/login`)).status, 200, 'and the server serves');
});

test('a data file that chmod cannot change (immutable: EPERM even for root) is a warning naming it, and the server starts', async (t) => {
  const tmp = tempDataDir('ledgerly-modes-');
  const keptCopy = `${tmp.dbPath}.before-restore-2026-01-01T00-00-00-000Z`;
  writeFileSync(keptCopy, 'an old copy of the database\n');
  chmodSync(keptCopy, 0o644);
  chmodSync(tmp.dir, 0o755);
  // As for another user's file, chmod fails with EPERM; chattr +i needs CAP_LINUX_IMMUTABLE and an ext2/3/4-like disk.
  const lock = spawnSync('chattr', ['+i', keptCopy]);
  t.after(() => {
    spawnSync('chattr', ['-i', keptCopy]);
    tmp.remove();
  });
  if (lock.status !== 0) {
    t.skip(`chattr +i is not possible here (${lock.error?.message ?? lock.stderr.toString().trim()})`);
    return;
  }

  const server = await startWithOpenUmask(t, serverEnv({ DATABASE_PATH: tmp.dbPath }));
  const warnings = logLines(server, NOT_PRIVATE);
  assert.equal(warnings.length, 1, 'one warning');
  assert.equal(warnings[0]!.level, 40);
  assert.deepEqual(warnings[0]!.untouched, [{ path: keptCopy, mode: '0644', reason: 'EPERM' }]);
  assert.deepEqual(logLines(server, TIGHTENED)[0]?.tightened, [{ path: tmp.dir, from: '0755', to: '0700' }], 'the rest is still tightened');
  assert.equal((await fetch(`${server.url}/login`)).status, 200, 'and the server serves');
});

test('a data folder shared with others by design (sticky, like /tmp) is a warning and left as it is', async (t) => {
  const tmp = tempDataDir('ledgerly-modes-');
  t.after(() => tmp.remove());
  chmodSync(tmp.dir, 0o1777);

  const server = await startWithOpenUmask(t, serverEnv({ DATABASE_PATH: tmp.dbPath }));
  const warnings = logLines(server, NOT_PRIVATE);
  assert.equal(warnings.length, 1, 'one warning');
  const untouched = warnings[0]!.untouched as Array<{ path: string; mode: string; reason: string }>;
  assert.deepEqual(untouched.map(({ path: where, mode }) => ({ where, mode })), [{ where: tmp.dir, mode: '1777' }]);
  assert.match(untouched[0]!.reason, /sticky.*DATABASE_PATH/);
  assert.deepEqual(modesOf([tmp.dir, tmp.dbPath]), { [tmp.dir]: '1777', [tmp.dbPath]: '0600' }, 'the new database is still owner-only');
});
