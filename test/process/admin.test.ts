import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { latestSchemaVersion, migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { TEST_PASSWORD } from '../helpers/app.ts';
import { bundled, HttpClient, loginOverHttp, REPO_ROOT, registerOverHttp, serverEnv, startServer, tempDataDir } from '../helpers/server-process.ts';

/** Runs `npm run admin -- ...` (its bundle, on plain Node) as a child process, with `input` on its stdin. */
function admin(env: NodeJS.ProcessEnv, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bundled('src/tools/admin.ts'), ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A session of pat's that got past the code page (the code checked against the key set above, by the server). */
async function loginPastCode(url: string): Promise<HttpClient> {
  const client = new HttpClient(url);
  const token = await client.csrfToken('/login');
  const answer = await client.postForm('/login', { _csrf: token, email: 'pat@example.com', password: 'a brand new passphrase' });
  assert.equal(answer.location, '/login/code');
  const { TOTP, Secret } = await import('otpauth');
  const code = new TOTP({ secret: Secret.fromBase32('JBSWY3DPEHPK3PXP') }).generate();
  const done = await client.postForm('/login/code', { _csrf: await client.csrfToken('/login/code'), code });
  assert.equal(done.status, 303, done.text.slice(0, 200));
  return client;
}

/** The JSON audit lines a command wrote on stderr. */
const auditLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.audit === true);

test('the admin commands, run as child processes against a running server\'s database', async (t) => {
  const data = tempDataDir();
  t.after(() => data.remove());
  const env = serverEnv({ DATABASE_PATH: data.dbPath, REGISTRATION: 'invite', PUBLIC_URL: 'https://money.example.org' });
  const server = await startServer(env);
  t.after(() => server.kill());

  // The first account needs no invite; the second comes through a link the owner prints.
  const owner = await registerOverHttp(server.url, 'owner@example.com');
  const ownerToken = await owner.csrfToken('/transactions/new');
  await owner.postForm('/transactions', { _csrf: ownerToken, type: 'expense', amount: '12.50', date: '2026-01-02', description: 'Lunch' });

  const invite = await admin(env, ['invite']);
  assert.equal(invite.code, 0, invite.stderr);
  const link = invite.stdout.trim();
  assert.match(link, /^https:\/\/money\.example\.org\/register\?invite=[A-Za-z0-9_-]{32}$/);
  assert.deepEqual(auditLines(invite.stderr).map((a) => a.event), ['admin.invite_created']);
  const visitor = new HttpClient(server.url);
  const path = new URL(link).pathname + new URL(link).search;
  const form = await visitor.get(path);
  assert.match(form.text, /You were invited to this server/);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
  const joined = await visitor.postForm('/register', { _csrf: token, email: 'pat@example.com', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD, invite: new URL(link).searchParams.get('invite')! });
  assert.equal(joined.status, 303);

  // list-users: both, with their transaction counts; never a hash.
  const list = await admin(env, ['list-users']);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  assert.match(lines[0]!, /^email\s+created\s+last sign-in\s+transactions\s+2fa$/);
  assert.match(lines[1]!, /^owner@example\.com\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1\s+off$/);
  assert.match(lines[2]!, /^pat@example\.com\s+.*\s+0\s+off$/);
  assert.doesNotMatch(list.stdout + list.stderr, /\$2[aby]\$/);

  // reset-password: the password comes from stdin, every session of that person ends at its next request.
  const patSession = await loginOverHttp(server.url, 'pat@example.com');
  assert.equal((await patSession.get('/dashboard')).status, 200);
  // An API token of pat's (made by whoever had the password, for all the owner knows) goes with the reset.
  const tokens = new Database(data.dbPath);
  tokens.prepare("INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) SELECT id, 'Script', 'a1b2', 'read', 0 FROM users WHERE email = 'pat@example.com'").run();
  // And a passkey of pat's: it signs in as both factors without the password, so it must not outlive the reset.
  tokens.prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) SELECT id, 'cred-pat', x'00', 0, '[]', 'Phone', 0 FROM users WHERE email = 'pat@example.com'").run();
  tokens.prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) SELECT id, 'cred-owner', x'00', 0, '[]', 'Laptop', 0 FROM users WHERE email = 'owner@example.com'").run();
  tokens.close();
  const reset = await admin(env, ['reset-password', 'pat@example.com'], 'a brand new passphrase\n');
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /Password of pat@example\.com changed; 2 session\(s\) ended, 1 API token\(s\) revoked, 1 passkey\(s\) removed\./);
  const passkeysLeft = new Database(data.dbPath, { readonly: true });
  assert.deepEqual(passkeysLeft.prepare('SELECT credential_id FROM passkeys').pluck().all(), ['cred-owner'], "pat's passkey went; the owner's stayed");
  passkeysLeft.close();
  assert.doesNotMatch(reset.stdout + reset.stderr, /a brand new passphrase/, 'the password is never echoed');
  assert.deepEqual(auditLines(reset.stderr).map((a) => a.event), ['admin.password_reset']);
  const after = await patSession.get('/dashboard');
  assert.equal(after.status, 303);
  assert.match(after.location ?? '', /^\/login/);
  await assert.rejects(loginOverHttp(server.url, 'pat@example.com'), /answered 401/);
  await loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase');
  // A weak one is refused and changes nothing.
  const weak = await admin(env, ['reset-password', 'pat@example.com'], 'password\n');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /password refused: the password is shorter than 8 characters|most common/);
  await loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase');

  // disable-2fa: for a lost phone. Two-factor is turned on here as the account page would leave it.
  const db = new Database(data.dbPath);
  db.prepare("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP', totp_enabled_at = 1 WHERE email = 'pat@example.com'").run();
  db.prepare("INSERT INTO recovery_codes (user_id, code_hash) SELECT id, 'x' FROM users WHERE email = 'pat@example.com'").run();
  assert.match((await admin(env, ['list-users'])).stdout, /pat@example\.com\s+.*\s+on\n/);
  const patAgain = await loginPastCode(server.url);
  const disabled = await admin(env, ['disable-2fa', 'pat@example.com']);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, /Two-factor sign-in of pat@example\.com is now off; \d+ session\(s\) ended\./);
  assert.deepEqual(auditLines(disabled.stderr).map((a) => a.event), ['admin.two_factor_disabled']);
  assert.equal(db.prepare("SELECT count(*) FROM recovery_codes").pluck().get(), 0);
  db.close();
  assert.equal((await patAgain.get('/dashboard')).status, 303, 'that session ended');
  assert.match((await admin(env, ['list-users'])).stdout, /pat@example\.com\s+.*\s+off\n/);
  // Again, now that it is off: nothing changes, and nobody is signed out for it.
  const patSignedIn = await loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase');
  const again = await admin(env, ['disable-2fa', 'pat@example.com']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), 'Two-factor sign-in of pat@example.com was already off; nothing changed.');
  assert.equal((await patSignedIn.get('/dashboard')).status, 200, 'still signed in');
  await loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase');

  // unlock: someone tried 100 wrong passwords for pat's account from many addresses, so pat is locked out for an
  // hour, whatever address they sign in from. The counter is written as that limiter keeps it (a digest of the email).
  const lockDb = new Database(data.dbPath);
  const digest = createHash('sha256').update('pat@example.com').digest('base64url');
  lockDb.prepare('INSERT OR REPLACE INTO rate_limits (key, hits, reset_at) VALUES (?, 100, ?)').run(`login-account:${digest}`, Date.now() + 3_600_000);
  lockDb.close();
  await assert.rejects(loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase'), /answered 429/);
  const unlocked = await admin(env, ['unlock', 'PAT@example.com']);
  assert.equal(unlocked.code, 0, unlocked.stderr);
  assert.equal(unlocked.stdout.trim(), 'pat@example.com can sign in again.');
  assert.deepEqual(auditLines(unlocked.stderr).map((a) => [a.event, a.cleared]), [['admin.unlocked', 1]]);
  await loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase');
  assert.match((await admin(env, ['unlock', 'pat@example.com'])).stdout, /can sign in again \(it was not locked\)\./);

  // delete-user: refused without a terminal to confirm at, done with --yes.
  const unconfirmed = await admin(env, ['delete-user', 'pat@example.com']);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /needs --yes when stdin is not a terminal/);
  const deleted = await admin(env, ['delete-user', 'pat@example.com', '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(auditLines(deleted.stderr).map((a) => [a.event, typeof a.userId]), [['admin.user_deleted', 'number']]);
  assert.doesNotMatch((await admin(env, ['list-users'])).stdout, /pat@example\.com/);
  await assert.rejects(loginOverHttp(server.url, 'pat@example.com', 'a brand new passphrase'), /answered 401/);

  // Unknown emails and bad arguments: a clear message and a non-zero exit, and no audit line.
  for (const [args, code, message] of [
    [['reset-password', 'nobody@example.com'], 1, /no account has the email nobody@example\.com/],
    [['delete-user', 'nobody@example.com', '--yes'], 1, /no account has the email nobody@example\.com/],
    [['reset-password'], 2, /reset-password takes one EMAIL/],
    [['list-users', 'extra'], 2, /list-users takes no arguments/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['disable-2fa', 'nobody@example.com'], 1, /no account has the email nobody@example\.com/],
    [['unlock', 'nobody@example.com'], 1, /no account has the email nobody@example\.com/],
    [['unlock'], 2, /unlock takes one EMAIL/],
  ] as const) {
    const run = await admin(env, [...args]);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.deepEqual(auditLines(run.stderr), []);
  }
  // An email stored before control characters were refused (ESC clears the screen, a bidi override reverses what
  // follows) is printed escaped, so it cannot rewrite the owner's terminal or pass for another line; an email given
  // on the command line is echoed escaped too.
  const oldRows = new Database(data.dbPath);
  oldRows.prepare("INSERT INTO users (email, password_hash) VALUES ('eve\u001b[2J\u001b[H@example.com', 'x'), ('mallory\u202e@example.com', 'x')").run();
  oldRows.close();
  const listed = await admin(env, ['list-users']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/u);
  assert.match(listed.stdout, /^eve\\u\{1b\}\[2J\\u\{1b\}\[H@example\.com\s/m);
  assert.match(listed.stdout, /^mallory\\u\{202e\}@example\.com\s/m);
  const echoed = await admin(env, ['unlock', 'nobody\u001b[2J@example.com']);
  assert.match(echoed.stderr, /no account has the email nobody\\u\{1b\}\[2J@example\.com/);
  assert.doesNotMatch(echoed.stderr, /\u001b/);
  // The owner's account and session were untouched by all of it.
  assert.equal((await owner.get('/dashboard')).status, 200);
});

test('the admin commands refuse a DATABASE_PATH with no database there, and create nothing', async (t) => {
  const data = tempDataDir();
  t.after(() => data.remove());
  const env = serverEnv({ DATABASE_PATH: data.dbPath });
  for (const args of [['list-users'], ['invite'], ['delete-user', 'pat@example.com', '--yes']]) {
    const run = await admin(env, args);
    assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^admin: no database at .*: set DATABASE_PATH to the file the server uses \(nothing was created\)$/m);
    assert.equal(run.stdout, '', 'no invite link to a database no server uses');
    assert.equal(existsSync(data.dbPath), false);
  }
});

test('the admin commands say which database they act on, and never upgrade one an older server still has open', async (t) => {
  const data = tempDataDir();
  t.after(() => data.remove());
  const env = serverEnv({ DATABASE_PATH: data.dbPath });
  // The previous version's database, held open by it (every WAL connection keeps a shared lock on the file).
  const older = latestSchemaVersion() - 1;
  const made = new Database(data.dbPath);
  migrate(made, migrations.filter((m) => m.version <= older));
  made.pragma('journal_mode = WAL');
  const running = new Database(data.dbPath);
  t.after(() => {
    running.close();
    made.close();
  });
  running.prepare('SELECT count(*) FROM users').get();
  const refused = await admin(env, ['list-users']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.ok(refused.stderr.includes(`database: ${data.dbPath}\n`), refused.stderr);
  assert.match(refused.stderr, /^admin: .* needs upgrading to this version's schema, but a server \(the previous version\?\) has it open: restart the server with this version first .*nothing was changed$/m);
  assert.equal(refused.stdout, '');
  assert.equal(running.pragma('user_version', { simple: true }), older, 'nothing was migrated under the running server');
  // Once it has stopped, the command upgrades the file as the server's start would, and answers.
  running.close();
  made.close();
  const listed = await admin(env, ['list-users']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(listed.stderr.includes(`database: ${data.dbPath}\n`), listed.stderr);
  const after = new Database(data.dbPath, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), latestSchemaVersion());
});
