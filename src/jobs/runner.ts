/**
 * The durable job runner. A job is a row in SQLite (db/repos/jobs.ts) written before any work starts; the runner
 * claims due rows one at a time, runs the handler registered for their kind, and marks them done, failed or
 * interrupted. Nothing lives only in memory: after a restart, kill -9 included, every job is found in a known state.
 *
 * - A claim is one UPDATE, so two processes on one database never take the same job.
 * - A job with a key exists at most once (a unique index), so work that must happen once (one import per upload,
 *   one sweep per hour) happens once, whichever process gets there first.
 * - A handler that writes to the database marks its job done inside its own transaction (finishWithin), so the
 *   work and "done" commit together: a crash leaves either both or neither.
 * - A job whose runner died is marked interrupted: at once when its process is gone from this host, otherwise when
 *   its heartbeat is older than the lease.
 * - stop() takes no new jobs and gives a running one the grace period; after that its AbortSignal fires and the
 *   handler must give up without keeping anything, and the job is marked interrupted.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Clock } from '../clock.ts';
import type { JobRecord, JobsRepo, RunnerIdentity } from '../db/repos/jobs.ts';
import { storageProblemOf } from '../domain/storage.ts';
import type { Logger } from '../logger.ts';

/** What a handler gets to do its work. */
export interface JobContext {
  readonly job: JobRecord;
  /** Fires when the runner is stopping and the grace period is over: give up, keep nothing, throw. */
  readonly signal: AbortSignal;
  /** Records how far the job is (and that its runner is alive), for pages that show progress. */
  progress(done: number, total: number, note?: string): void;
  /**
   * Marks the job done with this result. Call it inside the database transaction that writes the job's work, so
   * both commit together; throws JobLostError when the job is no longer this runner's, which rolls that back.
   */
  finishWithin(result: unknown): void;
}

export type JobHandler = (ctx: JobContext) => unknown;

/** An expected way for a job to fail (bad input, say): the job ends failed with this code and detail, not logged as a fault. */
export class JobFailure extends Error {
  override name = 'JobFailure';
  constructor(
    readonly code: string,
    readonly detail?: unknown,
  ) {
    super(code);
  }
}

/** The job was taken away from this runner (marked interrupted by another process); its work must not be kept. */
export class JobLostError extends Error {
  override name = 'JobLostError';
}

export interface NewJobRequest {
  readonly kind: string;
  /** At most one job ever exists with a key. */
  readonly key?: string;
  readonly userId?: number;
  readonly payload?: unknown;
  /** Not before this time (ms); now by default. */
  readonly runAt?: number;
}

export interface JobRunnerOptions {
  readonly jobs: JobsRepo;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often an idle runner looks for due work that another process queued (real time). Default 1 s. */
  readonly pollMs?: number;
  /** A running job whose heartbeat is older than this belongs to a dead runner (clock time). Default 2 minutes. */
  readonly leaseMs?: number;
  /** How often a running job's heartbeat is written (real time). Default 15 s. */
  readonly heartbeatMs?: number;
  readonly identity?: RunnerIdentity;
  /** Whether a process of this host is alive; tests replace it. */
  readonly isProcessAlive?: (pid: number) => boolean;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How many leases a job held by a live process on this host may go without a heartbeat before it counts as
 * abandoned (its pid taken by another program after the holder died): 15 of 2 minutes, half an hour.
 */
const SAME_HOST_LEASE_FACTOR = 15;

/** A fresh identity for this process's runner. */
function newRunnerIdentity(): RunnerIdentity {
  return { runnerId: randomBytes(8).toString('hex'), host: hostname(), pid: process.pid };
}

/** Creates a runner; nothing runs until start() (or, in tests, runDue()). */
export function createJobRunner(options: JobRunnerOptions) {
  const { jobs, clock, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const leaseMs = options.leaseMs ?? 2 * 60_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const identity = options.identity ?? newRunnerIdentity();
  const isAlive = options.isProcessAlive ?? processIsAlive;
  const handlers = new Map<string, JobHandler>();
  const recurring = new Map<string, { intervalMs: number; lastSlot: number }>();
  const atStart: string[] = [];
  const settled = new EventEmitter();
  settled.setMaxListeners(0);

  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  let current: { job: JobRecord; controller: AbortController; done: Promise<void> } | undefined;
  let lastRecovery = Number.NEGATIVE_INFINITY;

  const kinds = () => [...handlers.keys()];

  /** Whether the runner that holds a job is gone. */
  function holderIsGone(job: JobRecord, now: number): boolean {
    if (job.runnerId === identity.runnerId) return false;
    const lastSign = job.heartbeatAt ?? job.startedAt ?? 0;
    if (job.runnerHost === identity.host && job.runnerPid !== null) {
      // Our own pid on a row that is not ours: the process that held it has died and this one took its number.
      if (job.runnerPid === identity.pid || !isAlive(job.runnerPid)) return true;
      // Its process is alive. The heartbeat still counts, as another program may have taken a dead holder's pid,
      // but only over a much longer lease: the wall clock stepping forward (NTP, a resumed VM) made a live sibling's
      // two-minute-old heartbeat look dead, and its running import was thrown away and marked interrupted.
      return lastSign < now - leaseMs * SAME_HOST_LEASE_FACTOR;
    }
    return lastSign < now - leaseMs;
  }

  /** Marks jobs of dead runners interrupted; returns how many. */
  function recoverAbandoned(): number {
    const now = clock.now();
    lastRecovery = now;
    let n = 0;
    for (const job of jobs.listRunningJobs()) {
      if (job.runnerId !== null && holderIsGone(job, now) && jobs.markInterrupted(job.id, job.runnerId, now)) {
        n++;
        logger.warn({ jobId: job.id, kind: job.kind }, 'job interrupted: its runner stopped before it finished');
      }
    }
    return n;
  }

  /**
   * Queues this interval's job of each recurring kind (the slot key makes it once across processes); a slot's job
   * that was interrupted is queued again, so a restart resumes recurring work at once.
   */
  function queueRecurring(): void {
    const now = clock.now();
    for (const [kind, plan] of recurring) {
      const slot = Math.floor(now / plan.intervalMs);
      if (slot === plan.lastSlot) continue;
      plan.lastSlot = slot;
      const key = `${kind}:${slot}`;
      if (jobs.insertJob({ kind, key, runAfter: slot * plan.intervalMs }, now)) continue;
      // This slot's job was cut off by a crash or shutdown: run it again now rather than a whole interval later.
      const existing = jobs.findJobByKey(key);
      if (existing?.state === 'interrupted') jobs.requeueInterruptedAny(existing.id, now);
    }
  }

  async function run(job: JobRecord): Promise<void> {
    const handler = handlers.get(job.kind);
    const controller = new AbortController();
    const beat = setInterval(() => jobs.recordHeartbeat(job.id, identity.runnerId, clock.now()), heartbeatMs);
    beat.unref();
    let finishedWithin = false;
    const ctx: JobContext = {
      job,
      signal: controller.signal,
      progress(done, total, note) {
        jobs.recordProgress(job.id, identity.runnerId, done, total, note ?? null, clock.now());
      },
      finishWithin(result) {
        if (!jobs.finishJob(job.id, identity.runnerId, { state: 'done', result }, clock.now())) throw new JobLostError();
        finishedWithin = true;
      },
    };
    let resolveDone!: () => void;
    current = { job, controller, done: new Promise((resolve) => (resolveDone = resolve)) };
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const result = await handler(ctx);
      if (!finishedWithin) jobs.finishJob(job.id, identity.runnerId, { state: 'done', result }, clock.now());
    } catch (err) {
      // Every end below is guarded by state = 'running': when the work already committed as done, none applies.
      const now = clock.now();
      const storage = storageProblemOf(err);
      if (err instanceof JobLostError) logger.warn({ jobId: job.id, kind: job.kind }, 'job taken over by another runner; its work was not kept');
      else if (controller.signal.aborted) {
        if (jobs.markInterrupted(job.id, identity.runnerId, now)) logger.warn({ jobId: job.id, kind: job.kind }, 'job interrupted by shutdown');
      } else if (err instanceof JobFailure) {
        jobs.finishJob(job.id, identity.runnerId, { state: 'failed', error: err.code, result: err.detail ?? null }, now);
      } else if (storage) {
        // The disk refused a write (full, or not writable): the owner's to fix, and the job's page can say so.
        logger.error({ jobId: job.id, kind: job.kind, code: (err as { code: string }).code }, `job failed: storage ${storage}`);
        jobs.finishJob(job.id, identity.runnerId, { state: 'failed', error: `storage-${storage}` }, now);
      } else {
        logger.error({ err, jobId: job.id, kind: job.kind }, 'job failed');
        jobs.finishJob(job.id, identity.runnerId, { state: 'failed', error: 'internal' }, now);
      }
    } finally {
      clearInterval(beat);
      current = undefined;
      resolveDone();
      settled.emit('settled', job.id);
    }
  }

  /** One pass: runs due jobs one after another until none is due (or the runner stops); returns how many ran. */
  async function runPass(): Promise<number> {
    let ran = 0;
    if (clock.now() - lastRecovery >= leaseMs / 4) recoverAbandoned();
    queueRecurring();
    const known = kinds();
    while (!stopping && known.length > 0) {
      const job = jobs.claimNextJob(known, identity, clock.now());
      if (!job) break;
      await run(job);
      ran++;
    }
    return ran;
  }

  /**
   * Runs due work unless a pass is already going (then that pass goes round once more), so passes never overlap
   * and at most one job of this process runs at a time; then looks again after pollMs.
   */
  function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        pumpAgain = false;
        try {
          await runPass();
        } catch (err) {
          logger.error({ err }, 'job runner pass failed');
        }
      } while (pumpAgain && !stopping);
    })().finally(() => {
      pumping = undefined;
      if (started && !stopping) {
        clearTimeout(timer);
        timer = setTimeout(() => void pump(), pollMs);
        timer.unref();
      }
    });
    return pumping;
  }

  function register(kind: string, handler: JobHandler): void {
    if (handlers.has(kind)) throw new Error(`job kind ${kind} registered twice`);
    handlers.set(kind, handler);
  }

  return {
    identity,

    /** Says which handler runs jobs of a kind. Register every kind before start(). */
    register,

    /**
     * Runs a job of this kind once per interval (clock time), in whichever process gets to it first; with
     * `runAtStart`, also once when this runner starts (catch-up after downtime should not wait for the next slot).
     */
    every(kind: string, intervalMs: number, handler: JobHandler, options: { runAtStart?: boolean } = {}): void {
      register(kind, handler);
      recurring.set(kind, { intervalMs, lastSlot: Number.NaN });
      if (options.runAtStart) atStart.push(kind);
    },

    /** Writes a queued job; with a key that exists, returns the existing job. The job starts as soon as a runner is free. */
    enqueue(request: NewJobRequest): { job: JobRecord; created: boolean } {
      const now = clock.now();
      const created = jobs.insertJob(
        { kind: request.kind, key: request.key ?? null, userId: request.userId ?? null, payload: request.payload, runAfter: request.runAt ?? now },
        now,
      );
      if (created) {
        if (started && !stopping) setImmediate(() => void pump());
        return { job: created, created: true };
      }
      const existing = request.key === undefined ? undefined : jobs.findJobByKey(request.key);
      if (!existing) throw new Error('job was neither created nor found');
      return { job: existing, created: false };
    },

    /** Wakes the runner now (after requeueing, say). */
    wake(): void {
      if (started && !stopping) setImmediate(() => void pump());
    },

    /** Marks jobs of dead runners interrupted, then runs due work now and every poll interval. */
    start(): void {
      if (started) return;
      started = true;
      stopping = false;
      recoverAbandoned();
      const now = clock.now();
      for (const kind of atStart) jobs.insertJob({ kind, key: `${kind}:start:${identity.runnerId}`, runAfter: now }, now);
      void pump();
    },

    /**
     * Takes no new jobs; a running one gets graceMs to finish, then its signal fires and it is marked interrupted.
     * Resolves when nothing of this runner is running any more.
     */
    async stop(graceMs: number): Promise<void> {
      stopping = true;
      started = false;
      clearTimeout(timer);
      const running = current;
      if (running) {
        const cutOff = setTimeout(() => running.controller.abort(), graceMs);
        await running.done;
        clearTimeout(cutOff);
      }
      await pumping;
    },

    /**
     * Runs every job due now, one by one (after any pass already going, never beside it), and resolves when none is
     * due; for tests and tools.
     */
    async runDue(): Promise<void> {
      if (pumping) pumpAgain = true;
      await pump();
    },

    /** Marks jobs whose runner has died interrupted; returns how many. */
    recoverAbandoned,

    /** Resolves with the job once this runner has finished it, or after timeoutMs (real time), or at once if stopped. */
    waitFor(jobId: number, timeoutMs: number): Promise<JobRecord | undefined> {
      return new Promise((resolve) => {
        const done = (id: number) => {
          if (id !== jobId) return;
          finish();
        };
        const finish = () => {
          clearTimeout(timeout);
          settled.off('settled', done);
          resolve(jobs.findJob(jobId));
        };
        const timeout = setTimeout(finish, timeoutMs);
        settled.on('settled', done);
        const now = jobs.findJob(jobId);
        // A stopped runner (shutting down) will not finish it here: answer now rather than hold the request.
        if (!now || (now.state !== 'queued' && now.state !== 'running') || !started) finish();
      });
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
