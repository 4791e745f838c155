import type { EntryType } from '../../domain/accounts.ts';
import type { Db } from '../open.ts';

/** An open or finished check of an account against a bank statement. */
export interface Reconciliation {
  readonly id: number;
  readonly accountId: number;
  readonly statementOn: string;
  readonly statementBalanceCents: number;
  readonly finishedAt: number | null;
}

/** A row a reconciliation lists: not reconciled yet, on or before the statement date. */
export interface ReconcilableRow {
  readonly id: number;
  readonly type: EntryType;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
  readonly cleared: boolean;
}

interface ReconciliationRow {
  id: number;
  account_id: number;
  statement_on: string;
  statement_balance_cents: number;
  finished_at: number | null;
}

const SIGNED = "CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END";

/** Prepared statements on reconciliations and the cleared state of an account's rows; every one takes the owner's id. */
export function createReconciliationsRepo(db: Db) {
  const open = db.prepare<[number, number], ReconciliationRow>(
    'SELECT id, account_id, statement_on, statement_balance_cents, finished_at FROM reconciliations WHERE user_id = ? AND account_id = ? AND finished_at IS NULL',
  );
  const insert = db.prepare<[number, number, string, number, number]>(
    'INSERT INTO reconciliations (user_id, account_id, statement_on, statement_balance_cents, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const finish = db.prepare<[number, number, number]>('UPDATE reconciliations SET finished_at = ? WHERE user_id = ? AND id = ? AND finished_at IS NULL');
  const cancel = db.prepare<[number, number]>('DELETE FROM reconciliations WHERE user_id = ? AND id = ? AND finished_at IS NULL');
  const rows = db.prepare<[number, number, string], { id: number; type: EntryType; amount_cents: number; occurred_on: string; description: string; status: string }>(
    `SELECT id, type, amount_cents, occurred_on, description, status FROM transactions
      WHERE account_id = ? AND user_id = ? AND status != 'reconciled' AND occurred_on <= ? ORDER BY occurred_on, id`,
  );
  const reconciledThrough = db.prepare<[number, number, string], { n: number | null }>(
    `SELECT sum(${SIGNED}) AS n FROM transactions WHERE account_id = ? AND user_id = ? AND status = 'reconciled' AND occurred_on <= ?`,
  );
  const setStatus = db.prepare<[string, number, number, number, string]>(
    `UPDATE transactions SET status = ? WHERE id = ? AND account_id = ? AND user_id = ? AND status != 'reconciled' AND occurred_on <= ?`,
  );
  const markReconciled = db.prepare<[number, number, string]>(
    `UPDATE transactions SET status = 'reconciled' WHERE account_id = ? AND user_id = ? AND status = 'cleared' AND occurred_on <= ?`,
  );
  const setRowStatus = db.prepare<[string, number, number]>(
    "UPDATE transactions SET status = ? WHERE id = ? AND user_id = ? AND status != 'reconciled'",
  );

  return {
    /** The account's open reconciliation, if one was started. */
    findOpenReconciliation(userId: number, accountId: number): Reconciliation | undefined {
      const row = open.get(userId, accountId);
      return (
        row && { id: row.id, accountId: row.account_id, statementOn: row.statement_on, statementBalanceCents: row.statement_balance_cents, finishedAt: row.finished_at }
      );
    },

    /** Starts a reconciliation of the user's account; the schema allows one open per account. */
    startReconciliation(userId: number, accountId: number, statementOn: string, statementBalanceCents: number, at: number): number {
      return Number(insert.run(userId, accountId, statementOn, statementBalanceCents, at).lastInsertRowid);
    },

    /** Closes the reconciliation as finished at `at`. */
    finishReconciliation(userId: number, id: number, at: number): boolean {
      return finish.run(at, userId, id).changes === 1;
    },

    /** Drops an open reconciliation (the cleared ticks stay). */
    cancelReconciliation(userId: number, id: number): boolean {
      return cancel.run(userId, id).changes === 1;
    },

    /** The account's rows not reconciled yet, on or before the day, oldest first. */
    listReconcilableRows(userId: number, accountId: number, throughOn: string): ReconcilableRow[] {
      return rows.all(accountId, userId, throughOn).map((r) => ({
        id: r.id,
        type: r.type,
        amountCents: r.amount_cents,
        occurredOn: r.occurred_on,
        description: r.description,
        cleared: r.status === 'cleared',
      }));
    },

    /** The signed sum of the account's reconciled rows on or before the day. */
    reconciledNetThrough(userId: number, accountId: number, throughOn: string): number {
      return reconciledThrough.get(accountId, userId, throughOn)?.n ?? 0;
    },

    /** Marks rows of the account on or before the day cleared or not (reconciled rows never change here). */
    setClearedRows(userId: number, accountId: number, throughOn: string, ids: readonly number[], cleared: boolean): number {
      let n = 0;
      for (const id of ids) n += setStatus.run(cleared ? 'cleared' : 'uncleared', id, accountId, userId, throughOn).changes;
      return n;
    },

    /** Marks one row of the user cleared or uncleared (not a reconciled one); false when nothing changed. */
    setRowCleared(userId: number, id: number, cleared: boolean): boolean {
      return setRowStatus.run(cleared ? 'cleared' : 'uncleared', id, userId).changes === 1;
    },

    /** Marks the account's cleared rows on or before the day reconciled. */
    markClearedReconciled(userId: number, accountId: number, throughOn: string): number {
      return markReconciled.run(accountId, userId, throughOn).changes;
    },
  };
}

export type ReconciliationsRepo = ReturnType<typeof createReconciliationsRepo>;
