import type { Db } from '../../src/db/open.ts';

/**
 * Reads the benchmark makes of its own database, outside the app: counts over every row and positions deep in a
 * list, which no page may afford but a benchmark needs to set up and check its runs.
 */

/** How many transactions the user has (a count over their rows). */
export function countTransactionsOfUser(db: Db, userId: number): number {
  return db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM transactions WHERE user_id = ?').get(userId)?.n ?? 0;
}

/**
 * The keyset cursor ("YYYY-MM-DD.id" parts) of the row `depth` rows into the user's newest-first list, so the
 * benchmark can open a page deep in history exactly as following "Older" links would reach it.
 */
export function cursorAtDepth(db: Db, userId: number, depth: number): { occurredOn: string; id: number } | undefined {
  const row = db
    .prepare<[number, number], { occurred_on: string; id: number }>(
      'SELECT occurred_on, id FROM transactions WHERE user_id = ? ORDER BY occurred_on DESC, id DESC LIMIT 1 OFFSET ?',
    )
    .get(userId, depth);
  return row && { occurredOn: row.occurred_on, id: row.id };
}
