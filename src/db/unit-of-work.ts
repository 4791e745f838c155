import type { Db } from './open.ts';

/**
 * Runs a piece of work as one database transaction: every write in it commits together or not at all. BEGIN
 * IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read. Inside another
 * transaction it becomes a savepoint of that one.
 */
export type RunInTransaction = <T>(work: () => T) => T;

/** The transaction runner for a database; services receive it to own the transactions of their use cases. */
export function createTransactionRunner(db: Db): RunInTransaction {
  return (work) => db.transaction(work).immediate();
}
