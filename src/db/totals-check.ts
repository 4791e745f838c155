import type { Db } from './open.ts';

/** One (user, month, type, category) group whose stored total differs from the sum of its rows. */
export interface TotalsMismatch {
  readonly userId: number;
  readonly month: string;
  readonly type: string;
  readonly categoryKey: number;
  readonly storedCents: number | null;
  readonly storedCount: number | null;
  readonly fromRowsCents: number | null;
  readonly fromRowsCount: number | null;
}

interface MismatchRow {
  user_id: number;
  month: string;
  type: string;
  category_key: number;
  stored_cents: number | null;
  stored_count: number | null;
  rows_cents: number | null;
  rows_count: number | null;
}

/**
 * Every group where monthly_totals disagrees with the transactions table, in both directions (a stored group
 * with no rows, rows with no stored group, or different sums/counts). Empty means the derived totals are exact.
 * Reads every row: for tests and the seed tool's --verify, never for pages.
 */
export function findMonthlyTotalsMismatches(db: Db): TotalsMismatch[] {
  const rows = db
    .prepare<[], MismatchRow>(
      `WITH from_rows AS (
         SELECT user_id, substr(occurred_on, 1, 7) AS month, type, coalesce(category_id, 0) AS category_key,
                sum(amount_cents) AS total_cents, count(*) AS tx_count
           FROM transactions WHERE type IN ('income', 'expense')
          GROUP BY user_id, substr(occurred_on, 1, 7), type, coalesce(category_id, 0)
       ),
       keys AS (
         SELECT user_id, month, type, category_key FROM from_rows
         UNION
         SELECT user_id, month, type, category_key FROM monthly_totals
       )
       SELECT k.user_id, k.month, k.type, k.category_key,
              m.total_cents AS stored_cents, m.tx_count AS stored_count,
              r.total_cents AS rows_cents, r.tx_count AS rows_count
         FROM keys k
         LEFT JOIN monthly_totals m
           ON m.user_id = k.user_id AND m.month = k.month AND m.type = k.type AND m.category_key = k.category_key
         LEFT JOIN from_rows r
           ON r.user_id = k.user_id AND r.month = k.month AND r.type = k.type AND r.category_key = k.category_key
        WHERE m.total_cents IS NOT r.total_cents OR m.tx_count IS NOT r.tx_count
        ORDER BY k.user_id, k.month, k.type, k.category_key`,
    )
    .all();
  return rows.map((row) => ({
    userId: row.user_id,
    month: row.month,
    type: row.type,
    categoryKey: row.category_key,
    storedCents: row.stored_cents,
    storedCount: row.stored_count,
    fromRowsCents: row.rows_cents,
    fromRowsCount: row.rows_count,
  }));
}

/** One person's all-time total of a type whose stored value (user_totals) differs from the sum of monthly_totals. */
export interface UserTotalsMismatch {
  readonly userId: number;
  readonly type: string;
  readonly storedCents: number | null;
  readonly fromMonthsCents: number | null;
  readonly storedCount: number | null;
  readonly fromMonthsCount: number | null;
}

/**
 * Every (user, type) where user_totals disagrees with monthly_totals (sum or count), both ways; a stored zero with
 * no months is no disagreement. Empty means the all-time totals are exact. For tests and the seed tool's --verify.
 */
export function findUserTotalsMismatches(db: Db): UserTotalsMismatch[] {
  return db
    .prepare<[], { user_id: number; type: string; stored: number | null; months: number | null; stored_count: number | null; months_count: number | null }>(
      `WITH months AS (SELECT user_id, type, sum(total_cents) AS total, sum(tx_count) AS n FROM monthly_totals GROUP BY user_id, type),
            keys AS (SELECT user_id, type FROM months UNION SELECT user_id, type FROM user_totals)
       SELECT k.user_id, k.type, u.total_cents AS stored, m.total AS months, u.tx_count AS stored_count, m.n AS months_count
         FROM keys k
         LEFT JOIN user_totals u ON u.user_id = k.user_id AND u.type = k.type
         LEFT JOIN months m ON m.user_id = k.user_id AND m.type = k.type
        WHERE coalesce(u.total_cents, 0) <> coalesce(m.total, 0) OR coalesce(u.tx_count, 0) <> coalesce(m.n, 0)
        ORDER BY k.user_id, k.type`,
    )
    .all()
    .map((r) => ({ userId: r.user_id, type: r.type, storedCents: r.stored, fromMonthsCents: r.months, storedCount: r.stored_count, fromMonthsCount: r.months_count }));
}
