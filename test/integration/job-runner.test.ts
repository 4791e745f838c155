/**
 * The durable job runner on real SQLite files: work that must happen once happens once across processes (two
 * connections stand in for two server processes on one file), a dead runner's job is found interrupted, a stop
 * gives a running job its grace and then cuts it off, and every timestamp comes from the clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createJobsRepo, type RunnerIdentity } from '../../src/db/repos/jobs.ts';
import { createJobRunner, JobFailure, JobLostError, type JobContext } from '../../src/jobs/runner.ts';
import { createLogger } from '../../src/logger.ts';
import { manualClock, type ManualClock } from '../helpers/clock.ts';

const HOUR = 60 * 60 * 1000;

function databaseFile(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-jobs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'jobs.sqlite');
}

/** A connection of its own to the file, as a separate server process would have. */
function connect(t: TestContext, file: string): Db {
  const db = openDatabase(file);
  migrate(db);
  t.after(() => db.close());
  return db;
}

function runnerOn(db: Db, clock: ManualClock, identity?: RunnerIdentity, isProcessAlive?: (pid: number) => boolean) {
  return createJobRunner({ jobs: createJobsRepo(db), clock, logger: createLogger('silent'), identity, isProcessAlive });
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('a scheduled job runs once per slot even when two processes on one database both reach it', async (t) => {
  const file = databaseFile(t);
  const clock = manualClock(Date.parse('2026-12-01T08:00:00Z'));
  const ran: string[] = [];
  // Two processes: two connections, two runner identities, each alive as far as the other can tell.
  const first = runnerOn(connect(t, file), clock, { runnerId: 'first', host: 'this-host', pid: 1001 }, () => true);
  const second = runnerOn(connect(t, file), clock, { runnerId: 'second', host: 'this-host', pid: 1002 }, () => true);
  first.every('posting', HOUR, () => void ran.push('first'));
  second.every('posting', HOUR, () => void ran.push('second'));

  await Promise.all([first.runDue(), second.runDue(), first.runDue(), second.runDue()]);
  assert.equal(ran.length, 1, `ran by ${ran.join(', ')}`);

  clock.advance(30 * 60 * 1000); // the same hour
  await Promise.all([second.runDue(), first.runDue()]);
  assert.equal(ran.length, 1, 'nothing more within the hour');

  clock.advance(HOUR); // the next hour
  await Promise.all([second.runDue(), first.runDue()]);
  assert.equal(ran.length, 2, 'once for the next hour');
  const rows = connect(t, file).prepare("SELECT key, state FROM jobs WHERE kind = 'posting' ORDER BY id").all();
  const slot = Math.floor(Date.parse('2026-12-01T08:00:00Z') / HOUR);
  assert.deepEqual(rows, [
    { key: `posting:${slot}`, state: 'done' },
    { key: `posting:${slot + 1}`, state: 'done' },
  ]);
});

test('a job with a key is written once however often, and wherever, it is asked for', async (t) => {
  const file = databaseFile(t);
  const clock = manualClock();
  const a = runnerOn(connect(t, file), clock, { runnerId: 'a', host: 'this-host', pid: 1001 }, () => true);
  const b = runnerOn(connect(t, file), clock, { runnerId: 'b', host: 'this-host', pid: 1002 }, () => true);
  const ran: number[] = [];
  a.register('import', (ctx) => void ran.push(ctx.job.id));
  b.register('import', (ctx) => void ran.push(ctx.job.id));

  const one = a.enqueue({ kind: 'import', key: 'import:upload-1', payload: { n: 1 } });
  const two = b.enqueue({ kind: 'import', key: 'import:upload-1', payload: { n: 2 } });
  assert.equal(one.created, true);
  assert.equal(two.created, false);
  assert.equal(two.job.id, one.job.id);
  assert.deepEqual(two.job.payload, { n: 1 }, 'the first request wins');
  await Promise.all([a.runDue(), b.runDue()]);
  assert.deepEqual(ran, [one.job.id]);
});

test('the queued, started, heartbeat and finished times of a job are the clock\'s', async (t) => {
  const clock = manualClock(Date.parse('2026-06-01T12:00:00Z'));
  const runner = runnerOn(connect(t, databaseFile(t)), clock);
  runner.register('work', (ctx) => {
    clock.advance(5_000);
    ctx.progress(3, 10, 'note');
    clock.advance(5_000);
    return { answer: 42 };
  });
  const { job } = runner.enqueue({ kind: 'work', userId: undefined });
  clock.advance(1_000);
  await runner.runDue();
  const done = await runner.waitFor(job.id, 0);
  assert.ok(done);
  assert.equal(done.state, 'done');
  assert.deepEqual(done.result, { answer: 42 });
  assert.equal(done.createdAt, Date.parse('2026-06-01T12:00:00Z'));
  assert.equal(done.startedAt, Date.parse('2026-06-01T12:00:01Z'));
  assert.equal(done.finishedAt, Date.parse('2026-06-01T12:00:11Z'));
  assert.deepEqual([done.progressDone, done.progressTotal, done.progressNote], [3, 10, 'note']);
  assert.equal(done.attempts, 1);
});

test('a job due later waits for the clock', async (t) => {
  const clock = manualClock(Date.parse('2026-06-01T12:00:00Z'));
  const runner = runnerOn(connect(t, databaseFile(t)), clock);
  let ran = 0;
  runner.register('later', () => void ran++);
  runner.enqueue({ kind: 'later', runAt: Date.parse('2026-06-02T00:00:00Z') });
  await runner.runDue();
  assert.equal(ran, 0);
  clock.set(Date.parse('2026-06-02T00:00:00Z'));
  await runner.runDue();
  assert.equal(ran, 1);
});

test('an expected failure ends the job failed with its code and detail; a refused write as storage-full or storage-read-only; an unexpected one as internal', async (t) => {
  const runner = runnerOn(connect(t, databaseFile(t)), manualClock());
  runner.register('bad-input', () => {
    throw new JobFailure('invalid-csv', 'quote never closed');
  });
  runner.register('bug', () => {
    throw new TypeError('undefined is not a function');
  });
  // A write the disk refused is neither: its page names the storage, for the owner to fix.
  runner.register('full-disk', () => {
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  });
  runner.register('read-only', () => {
    throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
  });
  const a = runner.enqueue({ kind: 'bad-input' }).job;
  const b = runner.enqueue({ kind: 'bug' }).job;
  const c = runner.enqueue({ kind: 'full-disk' }).job;
  const d = runner.enqueue({ kind: 'read-only' }).job;
  await runner.runDue();
  const [failed, broken, full, readOnly] = [await runner.waitFor(a.id, 0), await runner.waitFor(b.id, 0), await runner.waitFor(c.id, 0), await runner.waitFor(d.id, 0)];
  assert.deepEqual([failed?.state, failed?.error, failed?.result], ['failed', 'invalid-csv', 'quote never closed']);
  assert.deepEqual([broken?.state, broken?.error], ['failed', 'internal']);
  assert.deepEqual([full?.state, full?.error], ['failed', 'storage-full']);
  assert.deepEqual([readOnly?.state, readOnly?.error], ['failed', 'storage-read-only']);
});

test('a job whose process died is found interrupted by the next runner, and its late work is not kept', async (t) => {
  const file = databaseFile(t);
  const clock = manualClock();
  const held = gate();
  const dead: RunnerIdentity = { runnerId: 'a-dead-runner', host: 'this-host', pid: 4242 };
  const crashed = runnerOn(connect(t, file), clock, dead);
  let lostError: unknown;
  crashed.register('import', async (ctx: JobContext) => {
    await held.promise;
    try {
      ctx.finishWithin('too late');
    } catch (err) {
      lostError = err;
      throw err;
    }
  });
  const { job } = crashed.enqueue({ kind: 'import', key: 'import:x' });
  const running = crashed.runDue();
  await new Promise<void>((resolve) => setImmediate(resolve));
  const db = connect(t, file);
  assert.equal((db.prepare('SELECT state FROM jobs WHERE id = ?').get(job.id) as { state: string }).state, 'running');

  // The next process on this host: the old pid is gone.
  const next = runnerOn(db, clock, { runnerId: 'the-next-runner', host: 'this-host', pid: 5151 }, (pid) => pid !== 4242);
  next.register('import', () => undefined);
  assert.equal(next.recoverAbandoned(), 1);
  const row = db.prepare('SELECT state, finished_at FROM jobs WHERE id = ?').get(job.id) as { state: string; finished_at: number };
  assert.deepEqual(row, { state: 'interrupted', finished_at: clock.now() });

  held.open();
  await running;
  assert.ok(lostError instanceof JobLostError, 'the old runner could not mark it done');
  assert.equal((db.prepare('SELECT state FROM jobs WHERE id = ?').get(job.id) as { state: string }).state, 'interrupted');
  await next.runDue();
  assert.equal((db.prepare('SELECT state FROM jobs WHERE id = ?').get(job.id) as { state: string }).state, 'interrupted', 'not run again by itself');
});

test("a live process's job is left alone; on another host only a heartbeat older than the lease counts as dead", async (t) => {
  const file = databaseFile(t);
  const clock = manualClock();
  const held = gate();
  const elsewhere = runnerOn(connect(t, file), clock, { runnerId: 'remote', host: 'another-host', pid: 99 });
  elsewhere.register('import', () => held.promise);
  elsewhere.enqueue({ kind: 'import' });
  const running = elsewhere.runDue();
  await new Promise<void>((resolve) => setImmediate(resolve));

  const here = runnerOn(connect(t, file), clock, { runnerId: 'local', host: 'this-host', pid: 1 }, () => true);
  assert.equal(here.recoverAbandoned(), 0, 'a fresh heartbeat from another host');
  clock.advance(60_000);
  assert.equal(here.recoverAbandoned(), 0, 'within the two-minute lease');
  clock.advance(61_000);
  assert.equal(here.recoverAbandoned(), 1, 'past the lease');
  held.open();
  await running;
});

test("a live process on this host keeps its job through a step of the wall clock past the lease; only a heartbeat half an hour old counts as dead (its pid taken by another program)", async (t) => {
  const file = databaseFile(t);
  const clock = manualClock();
  const held = gate();
  const sibling = runnerOn(connect(t, file), clock, { runnerId: 'sibling', host: 'this-host', pid: 1001 }, () => true);
  let finished: unknown;
  sibling.register('import', async () => {
    await held.promise;
    finished = 'finished';
  });
  const { job } = sibling.enqueue({ kind: 'import' });
  const running = sibling.runDue();
  await new Promise<void>((resolve) => setImmediate(resolve));
  const here = runnerOn(connect(t, file), clock, { runnerId: 'here', host: 'this-host', pid: 1002 }, () => true);
  // NTP steps the clock three minutes forward between two of the sibling's 15-second heartbeats.
  clock.advance(3 * 60_000);
  assert.equal(here.recoverAbandoned(), 0, 'the sibling is alive: its import goes on');
  clock.advance(26 * 60_000);
  assert.equal(here.recoverAbandoned(), 0, 'under half an hour without a heartbeat');
  clock.advance(2 * 60_000);
  assert.equal(here.recoverAbandoned(), 1, 'half an hour: the pid is another program');
  held.open();
  await running;
  assert.equal(finished, 'finished');
  assert.equal(createJobsRepo(connect(t, file)).findJob(job.id)?.state, 'interrupted', 'its work was not kept once it was given up');
});

test('stop() lets a running job finish within the grace period, and takes no new jobs', async (t) => {
  const file = databaseFile(t);
  const clock = manualClock();
  const runner = runnerOn(connect(t, file), clock);
  const held = gate();
  const started = gate();
  let second = 0;
  runner.register('slow', async () => {
    started.open();
    await held.promise;
    return 'finished';
  });
  runner.register('next', () => void second++);
  const { job } = runner.enqueue({ kind: 'slow' });
  const { job: next } = runner.enqueue({ kind: 'next' });
  const pass = runner.runDue();
  await started.promise;

  const stopped = runner.stop(60_000);
  held.open();
  await stopped;
  await pass;
  const row = (await runner.waitFor(job.id, 0))!;
  assert.equal(row.state, 'done');
  assert.equal(second, 0, 'the queued job was not started during the stop');
  const queued = connect(t, file).prepare("SELECT state FROM jobs WHERE kind = 'next'").get() as { state: string };
  assert.equal(queued.state, 'queued', 'it waits in the database for the next start');
  // Nothing here will run it now, so a request waiting for it (an import's redirect) is answered at once.
  const answer = await Promise.race([runner.waitFor(next.id, 60_000), new Promise((resolve) => setImmediate(() => resolve('still waiting')))]);
  assert.equal((answer as { state?: string }).state, 'queued');
});

test('after the grace period the job is signalled, gives up, and is marked interrupted', async (t) => {
  const runner = runnerOn(connect(t, databaseFile(t)), manualClock());
  const started = gate();
  let sawAbort = false;
  runner.register('long', async (ctx) => {
    started.open();
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    sawAbort = true;
    ctx.signal.throwIfAborted();
  });
  const { job } = runner.enqueue({ kind: 'long' });
  const pass = runner.runDue();
  await started.promise;
  await runner.stop(0);
  await pass;
  assert.equal(sawAbort, true);
  assert.equal((await runner.waitFor(job.id, 0))?.state, 'interrupted');
});
