import type { EntryType } from '../../domain/accounts.ts';
import type { PageCursor } from '../../domain/transactions.ts';
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

interface ReconcilableDbRow {
  id: number;
  type: EntryType;
  amount_cents: number;
  occurred_on: string;
  description: string;
  status: string;
}

const toReconcilable = (r: ReconcilableDbRow): ReconcilableRow => ({
  id: r.id,
  type: r.type,
  amountCents: r.amount_cents,
  occurredOn: r.occurred_on,
  description: r.description,
  cleared: r.status === 'cleared',
});

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
  const correct = db.prepare<[string, number, number, number]>(
    'UPDATE reconciliations SET statement_on = ?, statement_balance_cents = ? WHERE user_id = ? AND id = ? AND finished_at IS NULL',
  );
  // The account's ticked (cleared) rows up to a day, and those its open reconciliation ticked (cleared_in, migration
  // 47), along the account's status index.
  const tickedThrough = db
    .prepare<[number, string, number], number>(
      "SELECT count(*) FROM transactions INDEXED BY transactions_by_account_status_date WHERE account_id = ? AND status = 'cleared' AND occurred_on <= ? AND user_id = ?",
    )
    .pluck();
  const tickedIn = db
    .prepare<[number, number, number], number>(
      "SELECT count(*) FROM transactions INDEXED BY transactions_by_account_status_date WHERE account_id = ? AND status = 'cleared' AND user_id = ? AND cleared_in = ?",
    )
    .pluck();
  const untickIn = db.prepare<[number, number, number]>(
    "UPDATE transactions SET status = 'uncleared', cleared_in = NULL WHERE account_id = ? AND status = 'cleared' AND user_id = ? AND cleared_in = ?",
  );
  const forgetIn = db.prepare<[number, number, number]>(
    "UPDATE transactions SET cleared_in = NULL WHERE account_id = ? AND status = 'cleared' AND user_id = ? AND cleared_in = ?",
  );
  // A page of the rows still to check, oldest first: one ordered seek per status in the account's status index,
  // merged as they come, so a page costs the same whether 20 or 1,000,000 rows wait. INDEXED BY because, with a
  // row-value bound, SQLite preferred the person's date index and sorted the whole history (4.4 s at 1,000,000 rows).
  const pageSide = (status: 'uncleared' | 'cleared') =>
    `SELECT id, type, amount_cents, occurred_on, description, status FROM transactions INDEXED BY transactions_by_account_status_date
      WHERE account_id = ? AND status = '${status}' AND occurred_on <= ? AND (occurred_on, id) > (?, ?) AND user_id = ?`;
  const rowsPage = db.prepare<[number, string, string, number, number, number, string, string, number, number, number], ReconcilableDbRow>(
    `${pageSide('uncleared')} UNION ALL ${pageSide('cleared')} ORDER BY occurred_on, id LIMIT ?`,
  );
  // The rows just before a page, newest first, to find where the page before it starts. The bound is the page's first
  // row alone (on or before the statement date already): with the date as well, SQLite walked down from the date.
  const earlierSide = (status: 'uncleared' | 'cleared') =>
    `SELECT occurred_on, id FROM transactions INDEXED BY transactions_by_account_status_date
      WHERE account_id = ? AND status = '${status}' AND (occurred_on, id) < (?, ?) AND user_id = ?`;
  const earlier = db.prepare<[number, string, number, number, number, string, number, number, number], { occurred_on: string; id: number }>(
    `${earlierSide('uncleared')} UNION ALL ${earlierSide('cleared')} ORDER BY occurred_on DESC, id DESC LIMIT ?`,
  );
  // The cleared balance (cleared and reconciled rows) through a day: whole months from the account's monthly totals,
  // and of the day's own month only its rows up to the day.
  const clearedMonthsBefore = db.prepare<[number, number, string], { n: number | null }>(
    'SELECT sum(cleared_net_cents) AS n FROM account_monthly_totals WHERE user_id = ? AND account_id = ? AND month < ?',
  );
  const clearedInMonth = db.prepare<[number, number, string, string], { n: number | null }>(
    `SELECT sum(${SIGNED}) AS n FROM transactions INDEXED BY transactions_by_account_date
      WHERE account_id = ? AND user_id = ? AND occurred_on >= ? AND occurred_on <= ? AND status != 'uncleared'`,
  );
  // Only rows whose mark changes are written: the rest keep their row and their totals as they are.
  // A tick also says which reconciliation made it (cleared_in); an untick, or a mark from the register, forgets it.
  const setStatus = db.prepare<[string, number | null, number, number, number, string, string]>(
    `UPDATE transactions SET status = ?, cleared_in = ? WHERE id = ? AND account_id = ? AND user_id = ? AND status NOT IN ('reconciled', ?) AND occurred_on <= ?`,
  );
  const setAllStatus = db.prepare<[string, number | null, number, number, string, string]>(
    `UPDATE transactions SET status = ?, cleared_in = ? WHERE account_id = ? AND user_id = ? AND status = ? AND occurred_on <= ?`,
  );
  const markReconciled = db.prepare<[number, number, string]>(
    `UPDATE transactions SET status = 'reconciled', cleared_in = NULL WHERE account_id = ? AND user_id = ? AND status = 'cleared' AND occurred_on <= ?`,
  );
  const setRowStatus = db.prepare<[string, number, number]>(
    "UPDATE transactions SET status = ?, cleared_in = NULL WHERE id = ? AND user_id = ? AND status != 'reconciled'",
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

    /** Drops an open reconciliation (the cleared ticks stay; see releaseTicks). */
    cancelReconciliation(userId: number, id: number): boolean {
      return cancel.run(userId, id).changes === 1;
    },

    /** Sets the statement's date and ending balance of the user's open reconciliation; false when it is not open. */
    correctStatement(userId: number, id: number, statementOn: string, statementBalanceCents: number): boolean {
      return correct.run(statementOn, statementBalanceCents, userId, id).changes === 1;
    },

    /** How many of the account's rows up to the day are ticked (cleared), and how many of those the reconciliation ticked. */
    countTicks(userId: number, accountId: number, throughOn: string, reconciliationId: number): { ticked: number; tickedHere: number } {
      return { ticked: tickedThrough.get(accountId, throughOn, userId) ?? 0, tickedHere: tickedIn.get(accountId, userId, reconciliationId) ?? 0 };
    },

    /**
     * Lets go of the rows the reconciliation ticked (before it is stopped): unticked back to uncleared, or kept cleared
     * without its mark. Returns how many rows it had ticked.
     */
    releaseTicks(userId: number, accountId: number, reconciliationId: number, untick: boolean): number {
      return (untick ? untickIn : forgetIn).run(accountId, userId, reconciliationId).changes;
    },

    /**
     * A page of the account's rows not reconciled yet, on or before the day, oldest first, starting after `after`
     * (from the first when null); `next` is where the page after it starts, null on the last.
     */
    listReconcilableRows(userId: number, accountId: number, throughOn: string, after: PageCursor | null, limit: number): { rows: ReconcilableRow[]; next: PageCursor | null } {
      const from = after ?? { occurredOn: '', id: 0 };
      const found = rowsPage.all(accountId, throughOn, from.occurredOn, from.id, userId, accountId, throughOn, from.occurredOn, from.id, userId, limit + 1);
      const rows = found.slice(0, limit).map(toReconcilable);
      const last = rows[rows.length - 1];
      return { rows, next: found.length > limit && last ? { occurredOn: last.occurredOn, id: last.id } : null };
    },

    /**
     * Where the page before the one starting at `first` starts: 'first' when it is the first page, null when there
     * is no row before `first`.
     */
    earlierReconcilableCursor(userId: number, accountId: number, first: PageCursor, limit: number): PageCursor | 'first' | null {
      const found = earlier.all(accountId, first.occurredOn, first.id, userId, accountId, first.occurredOn, first.id, userId, limit + 1);
      if (found.length === 0) return null;
      const beyond = found[limit];
      return beyond ? { occurredOn: beyond.occurred_on, id: beyond.id } : 'first';
    },

    /** The signed sum of the account's cleared and reconciled rows on or before the day. */
    clearedNetThrough(userId: number, accountId: number, throughOn: string): number {
      const month = throughOn.slice(0, 7);
      return (clearedMonthsBefore.get(userId, accountId, month)?.n ?? 0) + (clearedInMonth.get(accountId, userId, `${month}-01`, throughOn)?.n ?? 0);
    },

    /**
     * Marks these rows of the account on or before the day cleared or not (reconciled rows never change here); a row
     * cleared by a reconciliation (`reconciliationId`) remembers it.
     */
    setClearedRows(userId: number, accountId: number, throughOn: string, ids: readonly number[], cleared: boolean, reconciliationId: number | null = null): number {
      const status = cleared ? 'cleared' : 'uncleared';
      const by = cleared ? reconciliationId : null;
      let n = 0;
      for (const id of ids) n += setStatus.run(status, by, id, accountId, userId, status, throughOn).changes;
      return n;
    },

    /**
     * Marks every row of the account on or before the day that is not reconciled cleared (remembering the reconciliation
     * that did, when one did), or every cleared one uncleared.
     */
    setAllCleared(userId: number, accountId: number, throughOn: string, cleared: boolean, reconciliationId: number | null = null): number {
      return cleared
        ? setAllStatus.run('cleared', reconciliationId, accountId, userId, 'uncleared', throughOn).changes
        : setAllStatus.run('uncleared', null, accountId, userId, 'cleared', throughOn).changes;
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
