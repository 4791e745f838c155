import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import { openDatabase } from '../../src/db/open.ts';
import { addDays, dayAt } from '../../src/domain/calendar.ts';
import { assertMonthlyTotalsMatchRows } from '../helpers/bookkeeping.ts';
import { registerOverHttp, serverEnv, startServer, tempDataDir, type ServerProcess } from '../helpers/server-process.ts';

/** Daily schedules, each 9,000 days behind: 45,000 occurrences to catch up, far more than one batch. */
const SCHEDULES = 5;
const DAYS_BEHIND = 9_000;

for (const workers of [undefined, '2'] as const) {
test(`a real server${workers ? ' with two workers, each with a job runner,' : ''} killed with SIGKILL in the middle of a catch-up, then restarted, posts every occurrence exactly once`, async (t) => {
  const tmp = tempDataDir('ledgerly-schedule-crash-');
  t.after(() => tmp.remove());
  const env = serverEnv({ DATABASE_PATH: tmp.dbPath, TIME_ZONE: 'UTC', WEB_CONCURRENCY: workers });
  let server: ServerProcess = await startServer(env);
  t.after(() => server.kill());
  await registerOverHttp(server.url, 'ann@example.com');
  await server.kill();

  // Long downtime, written straight into the file while no server runs: schedules whose next occurrence is 9,000 days ago.
  const today = dayAt(Date.now(), 'UTC');
  const start = addDays(today, -DAYS_BEHIND);
  const db = openDatabase(tmp.dbPath);
  t.after(() => db.close());
  const { user_id: userId, id: accountId } = db.prepare('SELECT user_id, id FROM accounts').get() as { user_id: number; id: number };
  const insert = db.prepare(
    `INSERT INTO schedules (user_id, type, account_id, amount_cents, description, frequency, every, start_on, effective_from, next_on, created_at, updated_at)
     VALUES (?, 'expense', ?, ?, ?, 'days', 1, ?, ?, ?, 0, 0)`,
  );
  for (let i = 0; i < SCHEDULES; i++) insert.run(userId, accountId, 100 + i, `daily ${i}`, start, start, start);
  const expected = SCHEDULES * (DAYS_BEHIND + 1);
  const handled = db.prepare('SELECT count(*) FROM schedule_occurrences').pluck();

  // The poster starts with the server; kill it once some, but not all, of the backlog is in.
  server = await startServer(env);
  for (;;) {
    const n = handled.get() as number;
    if (n > 0) break;
    await pause(10); // polling a condition, not waiting a fixed time
  }
  await server.kill();
  const atKill = handled.get() as number;
  assert.ok(atKill > 0 && atKill < expected, `killed mid-way (${atKill} of ${expected} posted)`);

  // Restarted, it finishes the catch-up from where the last committed batch left it.
  server = await startServer(env);
  for (;;) {
    const pending = db.prepare('SELECT count(*) FROM schedules WHERE next_on <= ?').pluck().get(today) as number;
    if (pending === 0) break;
    await pause(10); // polling a condition, not waiting a fixed time
  }
  await server.kill();

  assert.equal(handled.get(), expected);
  const rows = db.prepare('SELECT count(*) FROM transactions WHERE schedule_id IS NOT NULL').pluck().get();
  assert.equal(rows, expected, 'one transaction per occurrence');
  const doubled = db
    .prepare('SELECT count(*) FROM (SELECT schedule_id, occurred_on FROM transactions WHERE schedule_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)')
    .pluck()
    .get();
  assert.equal(doubled, 0, 'nothing twice');
  const unlinked = db.prepare('SELECT count(*) FROM schedule_occurrences WHERE transaction_id IS NULL').pluck().get();
  assert.equal(unlinked, 0, 'every occurrence has its transaction');
  assertMonthlyTotalsMatchRows(db);
});
}
