import type { Statement } from 'better-sqlite3';
import type { Db } from '../open.ts';

export type TransactionType = 'income' | 'expense';

/**
 * Which of a user's transactions a list, total or export covers; every field is optional and they combine with AND.
 * Dates are inclusive; `categoryId: 'none'` means uncategorised; `search` matches part of the description.
 */
export interface TransactionFilter {
  readonly fromOn?: string;
  readonly toOn?: string;
  readonly type?: TransactionType;
  readonly categoryId?: number | 'none';
  readonly search?: string;
}

/** A transaction with its category's name (null when uncategorised), for lists and exports. */
export interface TransactionWithCategory extends Transaction {
  readonly categoryName: string | null;
}

/** Income, expenses, net and row count of a filtered set, in cents. */
export interface FilteredTotals {
  readonly incomeCents: number;
  readonly expenseCents: number;
  readonly netCents: number;
  readonly count: number;
}

/** Fields a user may change on one of their transactions. */
export type TransactionChanges = Required<NewTransaction>;

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

export interface FilteredTransactionPage {
  readonly rows: TransactionWithCategory[];
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

/** The schema's CHECK on description length (characters); forms and imports report it before the database refuses. */
export const MAX_DESCRIPTION_CHARS = 200;

const COLUMNS = 'id, type, amount_cents, occurred_on, description, category_id';
const JOINED_COLUMNS =
  't.id, t.type, t.amount_cents, t.occurred_on, t.description, t.category_id, c.name AS category_name';
const ALL_MONTHS = { from: '0000-00', to: '9999-99' };

type SumRow = { type: TransactionType; cents: number; n: number };

interface TransactionWithCategoryRow extends TransactionRow {
  category_name: string | null;
}

function toTransactionWithCategory(row: TransactionWithCategoryRow): TransactionWithCategory {
  return { ...toTransaction(row), categoryName: row.category_name };
}

/** Escapes LIKE wildcards so a search for "50%" finds the text "50%", not everything starting with 50. */
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** WHERE clause (on alias t) and its parameters for a filter; the clause text depends only on which fields are set. */
function filterClause(userId: number, filter: TransactionFilter): { sql: string; params: unknown[]; shape: string } {
  const parts = ['t.user_id = ?'];
  const params: unknown[] = [userId];
  let shape = '';
  if (filter.fromOn !== undefined) {
    parts.push('t.occurred_on >= ?');
    params.push(filter.fromOn);
    shape += 'f';
  }
  if (filter.toOn !== undefined) {
    parts.push('t.occurred_on <= ?');
    params.push(filter.toOn);
    shape += 't';
  }
  if (filter.type !== undefined) {
    parts.push('t.type = ?');
    params.push(filter.type);
    shape += 'y';
  }
  if (filter.categoryId === 'none') {
    parts.push('t.category_id IS NULL');
    shape += 'n';
  } else if (filter.categoryId !== undefined) {
    parts.push('t.category_id = ?');
    params.push(filter.categoryId);
    shape += 'c';
  }
  if (filter.search !== undefined && filter.search !== '') {
    parts.push("t.description LIKE ? ESCAPE '\\'");
    params.push(likePattern(filter.search));
    shape += 'q';
  }
  return { sql: parts.join(' AND '), params, shape };
}

/** Last day of a YYYY-MM month as YYYY-MM-DD. */
function lastDayOfMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const day = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  return `${month}-${String(day).padStart(2, '0')}`;
}

/** The month after a YYYY-MM month. */
function nextMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, '0')}`;
}

/** The month before a YYYY-MM month. */
function previousMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return mon === 1 ? `${year - 1}-12` : `${year}-${String(mon - 1).padStart(2, '0')}`;
}

/**
 * Splits a date range into whole months (read from monthly_totals) and at most two partial-month day ranges
 * (read from rows), so totals cost a few rows per month instead of one per transaction.
 */
export function splitRangeIntoMonths(
  fromOn: string | undefined,
  toOn: string | undefined,
): { months: { from: string; to: string } | null; dayRanges: { fromOn: string; toOn: string }[] } {
  if (fromOn !== undefined && toOn !== undefined && fromOn > toOn) return { months: null, dayRanges: [] };
  const dayRanges: { fromOn: string; toOn: string }[] = [];
  let monthFrom = '0000-00';
  let monthTo = '9999-99';
  if (fromOn !== undefined) {
    const month = fromOn.slice(0, 7);
    if (fromOn.endsWith('-01')) monthFrom = month;
    else {
      const end = lastDayOfMonth(month);
      dayRanges.push({ fromOn, toOn: toOn !== undefined && toOn < end ? toOn : end });
      monthFrom = nextMonth(month);
    }
  }
  if (toOn !== undefined) {
    const month = toOn.slice(0, 7);
    if (toOn === lastDayOfMonth(month)) monthTo = month;
    else {
      monthTo = previousMonth(month);
      const start = `${month}-01`;
      // When both ends fall in one month, the first range above already covers it.
      if (fromOn === undefined || fromOn.slice(0, 7) !== month) dayRanges.push({ fromOn: start, toOn });
      else if (fromOn.endsWith('-01')) dayRanges.push({ fromOn, toOn });
    }
  }
  return { months: monthFrom <= monthTo ? { from: monthFrom, to: monthTo } : null, dayRanges };
}

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

  const update = db.prepare<[string, number, string, string, number | null, number, number]>(
    `UPDATE transactions SET type = ?, amount_cents = ?, occurred_on = ?, description = ?, category_id = ?
      WHERE user_id = ? AND id = ?`,
  );
  const monthRangeSums = db.prepare<[number, string, string], SumRow & { category_key: number }>(
    `SELECT type, category_key, sum(total_cents) AS cents, sum(tx_count) AS n FROM monthly_totals
      WHERE user_id = ? AND month BETWEEN ? AND ? GROUP BY type, category_key`,
  );

  const setCategory = db.prepare<[number, number, number, string]>(
    'UPDATE transactions SET category_id = ? WHERE user_id = ? AND id = ? AND type = ?',
  );
  const clearCategory = db.prepare<[number, number]>(
    'UPDATE transactions SET category_id = NULL WHERE user_id = ? AND id = ?',
  );
  const deleteMany = db.transaction((userId: number, ids: readonly number[]): number => {
    let n = 0;
    for (const id of new Set(ids)) n += remove.run(userId, id).changes;
    return n;
  });
  const setCategoryMany = db.transaction(
    (userId: number, ids: readonly number[], category: { id: number; kind: TransactionType } | null): number => {
      let n = 0;
      for (const id of new Set(ids)) {
        n += (category ? setCategory.run(category.id, userId, id, category.kind) : clearCategory.run(userId, id)).changes;
      }
      return n;
    },
  );

  // Filters combine freely, so statements are prepared per combination of set fields, once each, on first use.
  const cache = new Map<string, Statement<unknown[], unknown>>();
  function cached<Row>(key: string, build: () => string): Statement<unknown[], Row> {
    let stmt = cache.get(key);
    if (!stmt) {
      stmt = db.prepare<unknown[], unknown>(build());
      cache.set(key, stmt);
    }
    return stmt as Statement<unknown[], Row>;
  }

  function filteredRowsStatement(filter: TransactionFilter, userId: number, withCursor: boolean, withLimit: boolean) {
    const where = filterClause(userId, filter);
    const stmt = cached<TransactionWithCategoryRow>(`rows:${where.shape}:${withCursor}:${withLimit}`, () =>
      `SELECT ${JOINED_COLUMNS} FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
        WHERE ${where.sql}${withCursor ? ' AND (t.occurred_on, t.id) < (?, ?)' : ''}
        ORDER BY t.occurred_on DESC, t.id DESC${withLimit ? ' LIMIT ?' : ''}`,
    );
    return { stmt, params: where.params };
  }

  function sumRows(filter: TransactionFilter, userId: number): SumRow[] {
    const where = filterClause(userId, filter);
    return cached<SumRow>(`sum:${where.shape}`, () =>
      `SELECT t.type AS type, sum(t.amount_cents) AS cents, count(*) AS n FROM transactions t
        WHERE ${where.sql} GROUP BY t.type`,
    ).all(...where.params);
  }

  function sumMonths(filter: TransactionFilter, userId: number, months: { from: string; to: string }): SumRow[] {
    const parts = ['user_id = ?', 'month BETWEEN ? AND ?'];
    const params: unknown[] = [userId, months.from, months.to];
    let shape = '';
    if (filter.type !== undefined) {
      parts.push('type = ?');
      params.push(filter.type);
      shape += 'y';
    }
    if (filter.categoryId !== undefined) {
      // monthly_totals keys uncategorised rows as category 0.
      parts.push('category_key = ?');
      params.push(filter.categoryId === 'none' ? 0 : filter.categoryId);
      shape += 'c';
    }
    return cached<SumRow>(`months:${shape}`, () =>
      `SELECT type, sum(total_cents) AS cents, sum(tx_count) AS n FROM monthly_totals
        WHERE ${parts.join(' AND ')} GROUP BY type`,
    ).all(...params);
  }

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

    /** Replaces every field of the user's transaction; false when there was no such row of theirs. */
    updateOwnedTransaction(userId: number, id: number, tx: NewTransaction): boolean {
      return (
        update.run(tx.type, tx.amountCents, tx.occurredOn, tx.description, tx.categoryId ?? null, userId, id).changes === 1
      );
    },

    /** One page of the user's transactions matching the filter, newest first, with category names. */
    listFilteredTransactionsPage(
      userId: number,
      filter: TransactionFilter,
      limit: number,
      after?: PageCursor | null,
    ): FilteredTransactionPage {
      const { stmt, params } = filteredRowsStatement(filter, userId, Boolean(after), true);
      const bound = after ? [...params, after.occurredOn, after.id, limit + 1] : [...params, limit + 1];
      const rows = stmt.all(...bound).map(toTransactionWithCategory);
      const hasMore = rows.length > limit;
      if (hasMore) rows.length = limit;
      const last = rows.at(-1);
      return { rows, next: hasMore && last ? { occurredOn: last.occurredOn, id: last.id } : null };
    },

    /** Every transaction of the user matching the filter, newest first, streamed one row at a time (for export). */
    *iterateFilteredTransactions(userId: number, filter: TransactionFilter): IterableIterator<TransactionWithCategory> {
      const { stmt, params } = filteredRowsStatement(filter, userId, false, false);
      for (const row of stmt.iterate(...params)) yield toTransactionWithCategory(row);
    },

    /**
     * Income, expenses, net and count for the filtered set. Without a text search, whole months come from
     * monthly_totals and only the partial months at either end are summed from rows.
     */
    totalsForFilter(userId: number, filter: TransactionFilter): FilteredTotals {
      const sums: SumRow[] = [];
      if (filter.search !== undefined && filter.search !== '') sums.push(...sumRows(filter, userId));
      else {
        const split = splitRangeIntoMonths(filter.fromOn, filter.toOn);
        if (split.months) sums.push(...sumMonths(filter, userId, split.months));
        for (const range of split.dayRanges) {
          sums.push(...sumRows({ ...filter, fromOn: range.fromOn, toOn: range.toOn }, userId));
        }
      }
      let incomeCents = 0;
      let expenseCents = 0;
      let count = 0;
      for (const row of sums) {
        if (row.type === 'income') incomeCents += row.cents;
        else expenseCents += row.cents;
        count += row.n;
      }
      return { incomeCents, expenseCents, netCents: incomeCents - expenseCents, count };
    },

    /** The same totals summed over every matching raw row: the reference totalsForFilter is checked against. */
    totalsForFilterFromRows(userId: number, filter: TransactionFilter): FilteredTotals {
      let incomeCents = 0;
      let expenseCents = 0;
      let count = 0;
      for (const row of sumRows(filter, userId)) {
        if (row.type === 'income') incomeCents += row.cents;
        else expenseCents += row.cents;
        count += row.n;
      }
      return { incomeCents, expenseCents, netCents: incomeCents - expenseCents, count };
    },

    /** Per type and category key (0 = uncategorised) sums for whole months from..to (YYYY-MM), from monthly_totals. */
    categoryTotalsForMonths(
      userId: number,
      months: { from: string; to: string } = ALL_MONTHS,
    ): { type: TransactionType; categoryKey: number; cents: number; count: number }[] {
      return monthRangeSums
        .all(userId, months.from, months.to)
        .map((r) => ({ type: r.type, categoryKey: r.category_key, cents: r.cents, count: r.n }));
    },

    /** Deletes those of the ids that belong to the user, in one transaction; returns how many were deleted. */
    deleteOwnedTransactions(userId: number, ids: readonly number[]): number {
      return deleteMany(userId, ids);
    },

    /**
     * Sets the category (or none) on those of the ids that belong to the user and whose type matches the
     * category's kind, in one transaction; returns how many rows changed.
     */
    setCategoryOnOwnedTransactions(
      userId: number,
      ids: readonly number[],
      category: { id: number; kind: TransactionType } | null,
    ): number {
      return setCategoryMany(userId, ids, category);
    },

    /** The user's transactions among these ids (others' and missing ids are left out). */
    findOwnedTransactions(userId: number, ids: readonly number[]): Transaction[] {
      const found: Transaction[] = [];
      for (const id of ids) {
        const row = byId.get(userId, id);
        if (row) found.push(toTransaction(row));
      }
      return found;
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
