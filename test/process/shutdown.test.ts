import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/open.ts';
import { registerOverHttp, serverEnv, startServer, tempDataDir, waitUntil, type ServerProcess } from '../helpers/server-process.ts';

function waitForLog(server: ServerProcess, msg: string): Promise<Record<string, unknown>> {
  return waitUntil(`a "${msg}" log line`, () => server.logs.find((entry) => entry.msg === msg));
}

/** Resolves with the connection error code, or "connected" if a new connection was accepted. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

for (const workers of [undefined, '2'] as const) {
test(`SIGTERM lets an in-flight request finish, refuses new connections, closes the database and exits 0${workers ? ', with two workers (WEB_CONCURRENCY=2)' : ''}`, async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath, WEB_CONCURRENCY: workers }));
  t.after(() => server.kill());
  // Clustered: every worker is serving before the test starts, so the slow request may land on either.
  if (workers) await waitUntil('both workers listening', () => (server.logs.filter((e) => e.msg === 'listening').length === 2 ? true : undefined));
  const client = await registerOverHttp(server.url, 'slow@example.com');
  const token = await client.csrfToken('/transactions/new');
  assert.ok(existsSync(`${tmp.dbPath}-wal`), 'while running, the database is in WAL mode with a -wal file');

  // A slow client: the request line and headers now, half the body once the server has read the headers (its
  // "100 Continue" says so), the rest after the signal.
  const body = new URLSearchParams({ _csrf: token, type: 'expense', amount: '12.34', date: '2026-05-06', description: 'sent across the shutdown' }).toString();
  const half = Math.floor(body.length / 2);
  let headersRead!: () => void;
  const serverHasIt = new Promise<void>((resolve) => (headersRead = resolve));
  let slowRequest: ReturnType<typeof request> | undefined;
  const answer = new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const req = request(
      new URL('/transactions', server.url),
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie: client.cookieHeader(),
          expect: '100-continue',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      },
    );
    req.on('error', reject);
    req.on('continue', () => req.write(body.slice(0, half), () => headersRead()));
    req.flushHeaders();
    t.after(() => req.destroy());
    slowRequest = req;
  });
  await serverHasIt;
  assert.equal(server.child.exitCode, null);

  server.child.kill('SIGTERM');
  await waitForLog(server, 'shutting down: finishing in-flight requests');
  if (workers) {
    // The primary passes the signal to each worker; the shared port closes once every worker has stopped taking connections.
    await waitUntil('every worker shutting down', () => (server.logs.filter((e) => e.msg === 'shutting down: finishing in-flight requests').length === 2 ? true : undefined));
    await waitUntil('the shared port refusing', async () => ((await tryConnect(server.port)) === 'ECONNREFUSED' ? true : undefined));
  } else assert.equal(await tryConnect(server.port), 'ECONNREFUSED', 'a new connection is refused once shutdown begins');
  assert.equal(server.child.exitCode, null, 'the process waits for the request in flight');

  slowRequest!.end(body.slice(half));
  const res = await answer;
  assert.equal(res.status, 303, 'the in-flight request completed normally');
  assert.equal(res.location, '/transactions');

  const exit = await server.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  const stopped = await waitForLog(server, 'stopped');
  assert.equal(stopped.signal, 'SIGTERM');
  assert.equal(server.stderr(), '', 'nothing on stderr');
  // Closing the last connection checkpoints the WAL into the database file and deletes it.
  assert.ok(!existsSync(`${tmp.dbPath}-wal`), 'the database was closed cleanly: no -wal file left');
  assert.deepEqual(readdirSync(tmp.dir).filter((name) => name.includes('-import-')), [], 'each process removed its import scratch file');

  const db = openDatabase(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare<[], { amount_cents: number }>("SELECT amount_cents FROM transactions WHERE description = 'sent across the shutdown'").all();
  assert.deepEqual(rows, [{ amount_cents: 1234 }], 'the write acknowledged during shutdown is stored once');
  if (workers) assert.equal(server.logs.filter((e) => e.msg === 'stopped').length, 3, 'each worker, then the primary, said it stopped');
});
}

for (const signal of ['SIGINT', 'SIGHUP'] as const) {
test(`${signal === 'SIGINT' ? 'SIGINT (Ctrl+C)' : 'SIGHUP (the terminal that started it closing)'} stops an idle server the same way, closing idle keep-alive connections, with exit code 0`, async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath }));
  t.after(() => server.kill());
  await registerOverHttp(server.url, 'idle@example.com');
  // A keep-alive connection that has finished its request and sits idle must not hold the shutdown open.
  const socket = connect(server.port, '127.0.0.1');
  const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const answered = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(String(chunk))));
  socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  assert.match(await answered, /^HTTP\/1\.1 200 OK/);

  server.child.kill(signal);
  await closedByServer;
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  assert.ok(server.logs.some((entry) => entry.msg === 'stopped' && entry.signal === signal));
  assert.ok(!existsSync(`${tmp.dbPath}-wal`));
  assert.deepEqual(readdirSync(tmp.dir).filter((name) => name.includes('-import-')), [], 'no import scratch file left');
});
}

test('a server whose log reader has gone (a closed pipe) still stops on SIGTERM, with exit code 0', { timeout: 60_000 }, async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath }));
  t.after(() => server.kill());
  // The other end of its stdout closes, as when a log tool piped to it stops: every later log line meets EPIPE.
  server.child.stdout!.destroy();
  server.child.kill('SIGTERM');
  // It used to retry its last log line forever at exit; the test's own time-out would be the failure here.
  assert.deepEqual(await server.exited, { code: 0, signal: null });
});
