import type { Db } from './open.ts';

/**
 * Runs a piece of work as one database transaction: every write in it commits together or not at all. BEGIN
 * IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read. Inside another
 * transaction it becomes a savepoint of that one.
 */
export type RunInTransaction = <T>(work: () => T) => T;

type Begin = 'deferred' | 'immediate' | 'nested';

/**
 * Runs work in a transaction of the given kind through one better-sqlite3 transaction function, made once.
 * `db.transaction(work)` builds a new function (with its deferred, immediate and exclusive variants) on every call:
 * 5 µs, against 11 µs for a read transaction of two statements, once for every page and every write. This one
 * calls whatever work it was handed last; nested runs hand it theirs and put the outer one back. 'nested' is for a
 * run inside a transaction already open, where better-sqlite3 makes it a savepoint.
 */
function reusableTransaction(db: Db): <T>(work: () => T, begin: Begin) => T {
  let current: (() => unknown) | undefined;
  const transaction = db.transaction(() => current!());
  return <T>(work: () => T, begin: Begin): T => {
    const outer = current;
    current = work;
    try {
      return (begin === 'nested' ? transaction() : transaction[begin]()) as T;
    } finally {
      current = outer;
    }
  };
}

/** The transaction runner for a database; services receive it to own the transactions of their use cases. */
export function createTransactionRunner(db: Db): RunInTransaction {
  const run = reusableTransaction(db);
  return (work) => run(work, 'immediate');
}

/**
 * Runs a page's reads as one read transaction. Every statement then sees the same committed state, so a page's
 * totals and its rows agree even while another process (a cluster worker, the admin tool) commits between two of
 * them. It is also cheaper: outside a transaction each statement begins and ends a read transaction of its own,
 * which in WAL mode takes and releases a lock in the shared-memory index; a primary-key read cost 7 µs alone and
 * 1 µs inside one (in-process, on a 20,000-row database). For reads only: a write inside would have to upgrade the
 * transaction's lock.
 */
export type RunAsOneRead = <T>(work: () => T) => T;

/** The read-transaction runner for a database; inside another transaction it becomes a savepoint of that one. */
export function createReadRunner(db: Db): RunAsOneRead {
  const run = reusableTransaction(db);
  return (work) => run(work, 'deferred');
}

/** Thrown inside a shared commit when SQLite has rolled back its transaction under one of its writes. */
class TransactionEnded extends Error {
  constructor() {
    super('the database rolled back the shared transaction; none of its writes was kept');
  }
}

/** Runs a write together with the others that arrive in the same turn of the event loop; settles once committed. */
export type RunInSharedCommit = <T>(work: () => T) => Promise<T>;

/** Most writes one shared commit carries; more wait for the next, so no batch holds the event loop for long. */
const SHARED_COMMIT_MOST = 256;

/**
 * Group commit. With `synchronous=FULL` every commit waits for an fsync of the WAL (about a millisecond here), and
 * with the event loop blocked meanwhile, adds were bound by their fsyncs. Writes handed to the returned runner in the
 * same turn of the event loop are run, each in a savepoint of its own, inside one IMMEDIATE transaction that commits
 * once, in the loop's check phase (after the turn has read every request that was waiting). Each caller's promise
 * settles only after that commit, so an acknowledged write is as durable as before; a write that throws rolls back
 * alone and rejects alone; a commit that fails rejects every write in it, none of which is then in the database; and
 * an error after which SQLite rolls back the whole transaction rejects the writes that had run, while the ones not
 * yet run go into the next commit.
 */
export function createSharedCommit(db: Db): RunInSharedCommit {
  interface Pending {
    readonly work: () => unknown;
    readonly resolve: (value: unknown) => void;
    readonly reject: (reason: unknown) => void;
  }
  let queue: Pending[] = [];
  let scheduled = false;
  const run = reusableTransaction(db);

  const flush = (): void => {
    scheduled = false;
    // Never inside someone else's transaction: its commit, not ours, would make these writes durable.
    if (db.inTransaction) return schedule();
    const batch = queue.slice(0, SHARED_COMMIT_MOST);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      run(() => {
        for (const pending of batch) {
          try {
            outcomes.push({ ok: true, value: run(pending.work, 'nested') });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
          // Some errors (a full disk, an I/O error, no memory) make SQLite roll back the whole transaction, this
          // batch's earlier writes with it. The next write must not run here: outside a transaction it would begin
          // and commit one of its own, and be reported failed when the batch's commit then fails.
          if (!db.inTransaction) throw new TransactionEnded();
        }
      }, 'immediate');
    } catch (error) {
      if (error instanceof TransactionEnded) {
        // Whatever ran is not in the database: each fails with its own error or the one that ended the
        // transaction. Those that never ran wait for the next commit, at the front of the queue.
        const ended = outcomes.at(-1)!;
        const cause = ended.ok ? error : ended.error;
        outcomes.forEach((outcome, i) => batch[i]!.reject(outcome.ok ? cause : outcome.error));
        const waiting = batch.slice(outcomes.length);
        if (waiting.length > 0) {
          queue = [...waiting, ...queue];
          schedule();
        }
        return;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}
