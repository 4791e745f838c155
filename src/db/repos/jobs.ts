import type { Db } from '../open.ts';

/** Where a job is in its life. `interrupted` means its runner stopped before it finished, and nothing of it was kept. */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'interrupted';

/** A job row as the runner and the pages see it; payload and result are parsed JSON. */
export interface JobRecord {
  readonly id: number;
  readonly kind: string;
  readonly key: string | null;
  readonly userId: number | null;
  readonly state: JobState;
  readonly payload: unknown;
  readonly progressDone: number;
  readonly progressTotal: number;
  readonly progressNote: string | null;
  readonly result: unknown;
  readonly error: string | null;
  readonly attempts: number;
  readonly runAfter: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly heartbeatAt: number | null;
  readonly finishedAt: number | null;
  readonly runnerId: string | null;
  readonly runnerHost: string | null;
  readonly runnerPid: number | null;
}

/** Who runs a job: one runner per process, told apart by a random id (a pid can be reused). */
export interface RunnerIdentity {
  readonly runnerId: string;
  readonly host: string;
  readonly pid: number;
}

/** What a new job row holds. */
export interface NewJob {
  readonly kind: string;
  readonly key?: string | null;
  readonly userId?: number | null;
  readonly payload?: unknown;
  readonly runAfter: number;
}

interface JobRow {
  id: number;
  kind: string;
  key: string | null;
  user_id: number | null;
  state: JobState;
  payload: string;
  progress_done: number;
  progress_total: number;
  progress_note: string | null;
  result: string | null;
  error: string | null;
  attempts: number;
  run_after: number;
  created_at: number;
  started_at: number | null;
  heartbeat_at: number | null;
  finished_at: number | null;
  runner_id: string | null;
  runner_host: string | null;
  runner_pid: number | null;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    key: row.key,
    userId: row.user_id,
    state: row.state,
    payload: JSON.parse(row.payload) as unknown,
    progressDone: row.progress_done,
    progressTotal: row.progress_total,
    progressNote: row.progress_note,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error,
    attempts: row.attempts,
    runAfter: row.run_after,
    createdAt: row.created_at,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    finishedAt: row.finished_at,
    runnerId: row.runner_id,
    runnerHost: row.runner_host,
    runnerPid: row.runner_pid,
  };
}

/** Statements on the jobs table. State changes are guarded by the state (and runner) they expect, so a lost race changes nothing. */
export function createJobsRepo(db: Db) {
  const insert = db.prepare<[{ kind: string; key: string | null; userId: number | null; payload: string; runAfter: number; now: number }], JobRow>(
    `INSERT INTO jobs (kind, key, user_id, state, payload, run_after, created_at)
     VALUES (@kind, @key, @userId, 'queued', @payload, @runAfter, @now)
     ON CONFLICT (key) DO NOTHING
     RETURNING *`,
  );
  const byId = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const byKey = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE key = ?');
  const byKeyForUser = db.prepare<[string, number], JobRow>('SELECT * FROM jobs WHERE key = ? AND user_id = ?');
  // One statement picks and takes the oldest due job, so two runners can never take the same one.
  const claim = db.prepare<[{ now: number; runnerId: string; host: string; pid: number; kinds: string }], JobRow>(
    `UPDATE jobs SET state = 'running', started_at = @now, heartbeat_at = @now, attempts = attempts + 1,
            runner_id = @runnerId, runner_host = @host, runner_pid = @pid, progress_done = 0, progress_note = NULL
      WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= @now
                     AND kind IN (SELECT value FROM json_each(@kinds))
                   ORDER BY run_after, id LIMIT 1)
      RETURNING *`,
  );
  const progress = db.prepare<[{ id: number; runnerId: string; done: number; total: number; note: string | null; now: number }]>(
    `UPDATE jobs SET progress_done = @done, progress_total = @total, progress_note = @note, heartbeat_at = @now
      WHERE id = @id AND state = 'running' AND runner_id = @runnerId`,
  );
  const heartbeat = db.prepare<[number, number, string]>(
    "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND state = 'running' AND runner_id = ?",
  );
  const finish = db.prepare<[{ id: number; runnerId: string; state: JobState; result: string | null; error: string | null; now: number }]>(
    `UPDATE jobs SET state = @state, result = @result, error = @error, finished_at = @now, heartbeat_at = @now
      WHERE id = @id AND state = 'running' AND runner_id = @runnerId`,
  );
  const running = db.prepare<[], JobRow>("SELECT * FROM jobs WHERE state = 'running'");
  const rewriteResult = db.prepare<[string, number, number]>("UPDATE jobs SET result = ? WHERE user_id = ? AND id = ? AND state = 'done'");
  const interrupt = db.prepare<[number, number, string]>(
    "UPDATE jobs SET state = 'interrupted', finished_at = ? WHERE id = ? AND state = 'running' AND runner_id = ?",
  );
  const requeue = db.prepare<[number, number, number]>(
    `UPDATE jobs SET state = 'queued', run_after = ?, result = NULL, error = NULL, finished_at = NULL,
            progress_done = 0, progress_total = 0, progress_note = NULL
      WHERE id = ? AND user_id = ? AND state = 'interrupted'`,
  );
  const requeueAny = db.prepare<[number, number]>(
    `UPDATE jobs SET state = 'queued', run_after = ?, result = NULL, error = NULL, finished_at = NULL,
            progress_done = 0, progress_total = 0, progress_note = NULL
      WHERE id = ? AND state = 'interrupted'`,
  );
  const nextDue = db.prepare<[string], { at: number | null }>(
    "SELECT min(run_after) AS at FROM jobs WHERE state = 'queued' AND kind IN (SELECT value FROM json_each(?))",
  );
  const finishedBefore = db.prepare<[string, number], { id: number; payload: string }>(
    'SELECT id, payload FROM jobs WHERE state = ? AND finished_at < ?',
  );
  const remove = db.prepare<[number]>('DELETE FROM jobs WHERE id = ?');
  // Newest first through the per-user index (ids grow with time): a person's jobs are few, kept a week at most.
  const ownedOfKinds = db.prepare<[number, string, number], JobRow>(
    'SELECT * FROM jobs WHERE user_id = ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?',
  );
  const unfinishedPayloadsOfKind = db.prepare<[string], { payload: string; user_id: number | null }>(
    "SELECT payload, user_id FROM jobs WHERE kind = ? AND state IN ('queued', 'running', 'interrupted')",
  );

  return {
    /** Adds a queued job; with a key that exists already, adds nothing and returns undefined. */
    insertJob(job: NewJob, now: number): JobRecord | undefined {
      const row = insert.get({
        kind: job.kind,
        key: job.key ?? null,
        userId: job.userId ?? null,
        payload: JSON.stringify(job.payload ?? {}),
        runAfter: job.runAfter,
        now,
      });
      return row && toJob(row);
    },

    /** The job with this id. */
    findJob(id: number): JobRecord | undefined {
      const row = byId.get(id);
      return row && toJob(row);
    },

    /** The job with this key. */
    findJobByKey(key: string): JobRecord | undefined {
      const row = byKey.get(key);
      return row && toJob(row);
    },

    /** The user's job with this key, or undefined when there is none or it is someone else's. */
    findOwnedJobByKey(userId: number, key: string): JobRecord | undefined {
      const row = byKeyForUser.get(key, userId);
      return row && toJob(row);
    },

    /** Takes the oldest due queued job of these kinds for this runner, or undefined when none is due. */
    claimNextJob(kinds: readonly string[], runner: RunnerIdentity, now: number): JobRecord | undefined {
      const row = claim.get({ now, runnerId: runner.runnerId, host: runner.host, pid: runner.pid, kinds: JSON.stringify(kinds) });
      return row && toJob(row);
    },

    /** Records progress (and that the runner is alive); false when the job is no longer this runner's. */
    recordProgress(id: number, runnerId: string, done: number, total: number, note: string | null, now: number): boolean {
      return progress.run({ id, runnerId, done, total, note, now }).changes === 1;
    },

    /** Says the runner is still at it; false when the job is no longer this runner's. */
    recordHeartbeat(id: number, runnerId: string, now: number): boolean {
      return heartbeat.run(now, id, runnerId).changes === 1;
    },

    /** Ends a running job of this runner as done or failed; false when it was no longer this runner's to end. */
    finishJob(id: number, runnerId: string, outcome: { state: 'done' | 'failed'; result?: unknown; error?: string }, now: number): boolean {
      return (
        finish.run({
          id,
          runnerId,
          state: outcome.state,
          result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
          error: outcome.error ?? null,
          now,
        }).changes === 1
      );
    },

    /** Replaces the result of the user's finished job (an import undone says so on its page); false when it is not theirs or not done. */
    rewriteOwnedJobResult(userId: number, id: number, result: unknown): boolean {
      return rewriteResult.run(JSON.stringify(result), userId, id).changes === 1;
    },

    /** Every job some runner holds. */
    listRunningJobs(): JobRecord[] {
      return running.all().map(toJob);
    },

    /** Marks a running job interrupted if the given runner still holds it. */
    markInterrupted(id: number, runnerId: string, now: number): boolean {
      return interrupt.run(now, id, runnerId).changes === 1;
    },

    /** Puts the user's interrupted job back in the queue; false when it is not theirs or not interrupted. */
    requeueInterruptedJob(userId: number, id: number, now: number): boolean {
      return requeue.run(now, id, userId).changes === 1;
    },

    /** Puts an interrupted job back in the queue, whoever it belongs to (the runner's own recurring work); false otherwise. */
    requeueInterruptedAny(id: number, now: number): boolean {
      return requeueAny.run(now, id).changes === 1;
    },

    /** When the next queued job of these kinds is due, or undefined when none is queued. */
    nextDueAt(kinds: readonly string[]): number | undefined {
      return nextDue.get(JSON.stringify(kinds))?.at ?? undefined;
    },

    /** Ids and payloads of jobs in a finished state that ended before a time (for sweeping). */
    listFinishedBefore(state: 'done' | 'failed' | 'interrupted', before: number): { id: number; payload: unknown }[] {
      return finishedBefore.all(state, before).map((r) => ({ id: r.id, payload: JSON.parse(r.payload) as unknown }));
    },

    /** Payloads of the jobs of a kind that are queued, running or interrupted (whose inputs must be kept). */
    listUnfinishedPayloads(kind: string): { userId: number | null; payload: unknown }[] {
      return unfinishedPayloadsOfKind.all(kind).map((r) => ({ userId: r.user_id, payload: JSON.parse(r.payload) as unknown }));
    },

    /** The user's jobs of these kinds, newest first, at most `limit`. */
    listOwnedJobsOfKinds(userId: number, kinds: readonly string[], limit: number): JobRecord[] {
      return ownedOfKinds.all(userId, JSON.stringify(kinds), limit).map(toJob);
    },

    /** Deletes a job row. */
    deleteJob(id: number): boolean {
      return remove.run(id).changes === 1;
    },
  };
}

export type JobsRepo = ReturnType<typeof createJobsRepo>;
