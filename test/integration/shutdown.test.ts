import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/open.ts';
import { registerOverHttp, serverEnv, sleep, startServer, tempDataDir, type ServerProcess } from '../helpers/server-process.ts';

async function waitForLog(server: ServerProcess, msg: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = server.logs.find((entry) => entry.msg === msg);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no "${msg}" log line within ${timeoutMs} ms; logs: ${JSON.stringify(server.logs)}`);
    await sleep(20);
  }
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

test('SIGTERM lets an in-flight request finish, refuses new connections, closes the database and exits 0', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath }));
  t.after(() => server.kill());
  const client = await registerOverHttp(server.url, 'slow@example.com');
  const token = await client.csrfToken('/transactions/new');
  assert.ok(existsSync(`${tmp.dbPath}-wal`), 'while running, the database is in WAL mode with a -wal file');

  // A slow client: the request line, headers and half the form body now, the rest after the signal.
  const body = new URLSearchParams({ _csrf: token, type: 'expense', amount: '12.34', date: '2026-05-06', description: 'sent across the shutdown' }).toString();
  const half = Math.floor(body.length / 2);
  let slowRequest: ReturnType<typeof request> | undefined;
  const answer = new Promise<{ status: number; location: string | undefined; connection: string | undefined }>((resolve, reject) => {
    const req = request(
      new URL('/transactions', server.url),
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie: client.cookieHeader(),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, connection: res.headers.connection }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, half));
    t.after(() => req.destroy());
    slowRequest = req;
  });
  // Time for the server to accept the connection and start reading the body.
  await sleep(500);
  assert.equal(server.child.exitCode, null);

  server.child.kill('SIGTERM');
  await waitForLog(server, 'shutting down: finishing in-flight requests');
  assert.equal(await tryConnect(server.port), 'ECONNREFUSED', 'a new connection is refused once shutdown begins');
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

  const db = openDatabase(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare<[], { amount_cents: number }>("SELECT amount_cents FROM transactions WHERE description = 'sent across the shutdown'").all();
  assert.deepEqual(rows, [{ amount_cents: 1234 }], 'the write acknowledged during shutdown is stored once');
});

test('SIGINT (Ctrl+C) stops an idle server the same way, with exit code 0', async (t) => {
  const tmp = tempDataDir();
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath }));
  t.after(() => server.kill());
  // A keep-alive connection with no request in flight must not hold the shutdown open.
  const client = await registerOverHttp(server.url, 'idle@example.com');
  assert.equal((await client.get('/dashboard')).status, 200);

  const started = Date.now();
  server.child.kill('SIGINT');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  assert.ok(Date.now() - started < 5000, 'idle keep-alive connections do not delay the stop');
  assert.ok(server.logs.some((entry) => entry.msg === 'stopped' && entry.signal === 'SIGINT'));
  assert.ok(!existsSync(`${tmp.dbPath}-wal`));
});
