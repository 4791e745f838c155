import type { Db } from '../open.ts';

export type TransactionType = 'income' | 'expense';

/** A transaction as the pages see it. */
export interface Transaction {
  readonly id: number;
  readonly type: TransactionType;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
  readonly categoryId: number | null;
}

/** What a user submits to record a transaction, already validated. */
export interface NewTransaction {
  readonly type: TransactionType;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
  readonly categoryId?: number | null;
}

/** Position after the last row of a page, in newest-first order. */
export interface PageCursor {
  readonly occurredOn: string;
  readonly id: number;
}

export interface TransactionPage {
  readonly rows: Transaction[];
  readonly next: PageCursor | null;
}

/** Income, expenses and balance in cents. */
export interface Totals {
  readonly incomeCents: number;
  readonly expenseCents: number;
  readonly balanceCents: number;
}

interface TransactionRow {
  id: number;
  type: TransactionType;
  amount_cents: number;
  occurred_on: string;
  description: string;
  category_id: number | null;
}

const COLUMNS = 'id, type, amount_cents, occurred_on, description, category_id';

function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.id,
    type: row.type,
    amountCents: row.amount_cents,
    occurredOn: row.occurred_on,
    description: row.description,
    categoryId: row.category_id,
  };
}

/** Prepared statements on transactions; every one takes the owner's user id. */
export function createTransactionsRepo(db: Db) {
  const insert = db.prepare<[number, string, number, string, string, number | null]>(
    `INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const firstPage = db.prepare<[number, number], TransactionRow>(
    `SELECT ${COLUMNS} FROM transactions WHERE user_id = ?
     ORDER BY occurred_on DESC, id DESC LIMIT ?`,
  );
  // Row-value comparison lets SQLite seek straight to the cursor in the (user_id, occurred_on, id) index.
  const pageAfter = db.prepare<[number, string, number, number], TransactionRow>(
    `SELECT ${COLUMNS} FROM transactions WHERE user_id = ? AND (occurred_on, id) < (?, ?)
     ORDER BY occurred_on DESC, id DESC LIMIT ?`,
  );
  const byId = db.prepare<[number, number], TransactionRow>(
    `SELECT ${COLUMNS} FROM transactions WHERE user_id = ? AND id = ?`,
  );
  const remove = db.prepare<[number, number]>('DELETE FROM transactions WHERE user_id = ? AND id = ?');
  const totals = db.prepare<[number], { income: number; expense: number }>(
    `SELECT coalesce(sum(CASE WHEN type = 'income' THEN total_cents END), 0) AS income,
            coalesce(sum(CASE WHEN type = 'expense' THEN total_cents END), 0) AS expense
       FROM monthly_totals WHERE user_id = ?`,
  );
  const rawTotals = db.prepare<[number], { income: number; expense: number }>(
    `SELECT coalesce(sum(CASE WHEN type = 'income' THEN amount_cents END), 0) AS income,
            coalesce(sum(CASE WHEN type = 'expense' THEN amount_cents END), 0) AS expense
       FROM transactions WHERE user_id = ?`,
  );

  return {
    /** Records a transaction for the user and returns its id. */
    createTransaction(userId: number, tx: NewTransaction): number {
      const result = insert.run(userId, tx.type, tx.amountCents, tx.occurredOn, tx.description, tx.categoryId ?? null);
      return Number(result.lastInsertRowid);
    },

    /** One page of the user's transactions, newest first (date, then id), starting after the cursor. */
    listTransactionsPage(userId: number, limit: number, after?: PageCursor | null): TransactionPage {
      const rows = (
        after ? pageAfter.all(userId, after.occurredOn, after.id, limit + 1) : firstPage.all(userId, limit + 1)
      ).map(toTransaction);
      const hasMore = rows.length > limit;
      if (hasMore) rows.length = limit;
      const last = rows.at(-1);
      return { rows, next: hasMore && last ? { occurredOn: last.occurredOn, id: last.id } : null };
    },

    /** The user's transaction with this id, or undefined if it does not exist or belongs to someone else. */
    findOwnedTransaction(userId: number, id: number): Transaction | undefined {
      const row = byId.get(userId, id);
      return row && toTransaction(row);
    },

    /** Deletes the user's transaction; false when there was no such row of theirs. */
    deleteOwnedTransaction(userId: number, id: number): boolean {
      return remove.run(userId, id).changes === 1;
    },

    /** All-time totals for the user, summed over the per-month totals. */
    totalsForUser(userId: number): Totals {
      const row = totals.get(userId) ?? { income: 0, expense: 0 };
      return { incomeCents: row.income, expenseCents: row.expense, balanceCents: row.income - row.expense };
    },

    /** The same totals summed over every raw row: the reference the derived totals are checked against. */
    totalsForUserFromRows(userId: number): Totals {
      const row = rawTotals.get(userId) ?? { income: 0, expense: 0 };
      return { incomeCents: row.income, expenseCents: row.expense, balanceCents: row.income - row.expense };
    },
  };
}

export type TransactionsRepo = ReturnType<typeof createTransactionsRepo>;
