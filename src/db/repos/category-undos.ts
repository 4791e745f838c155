import type { Db } from '../open.ts';

/**
 * One row of a bulk category change: its id, the category it had, the one it was given (null: none), and the row's
 * version once changed (domain transactionVersion): an undo restores only a row still exactly as the change left it,
 * not one edited since (its type made an expense) nor a new row that SQLite gave a deleted row's id.
 */
export interface CategoryChangeRow {
  readonly id: number;
  readonly before: number | null;
  readonly after: number | null;
  readonly version: string;
}

/** A person's last bulk category change, kept so it can be undone. */
export interface CategoryUndo {
  readonly madeAt: number;
  /** The category's name when it was set (null: the category was removed). */
  readonly categoryName: string | null;
  readonly rows: readonly CategoryChangeRow[];
}

/** The last bulk category change of each person (migration 48); every statement takes the owner's id. */
export function createCategoryUndosRepo(db: Db) {
  const save = db.prepare<[number, number, string | null, string]>(
    `INSERT INTO category_undos (user_id, made_at, category_name, rows) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET made_at = excluded.made_at, category_name = excluded.category_name, rows = excluded.rows`,
  );
  const find = db.prepare<[number, number], { made_at: number; category_name: string | null; rows: string }>(
    'SELECT made_at, category_name, rows FROM category_undos WHERE user_id = ? AND made_at >= ?',
  );
  const remove = db.prepare<[number]>('DELETE FROM category_undos WHERE user_id = ?');
  const toUndo = (row: { made_at: number; category_name: string | null; rows: string }): CategoryUndo => ({
    madeAt: row.made_at,
    categoryName: row.category_name,
    rows: (JSON.parse(row.rows) as [number, number | null, number | null, string?][]).map(([id, before, after, version]) => ({ id, before, after, version: version ?? '' })),
  });

  return {
    /** Keeps the user's last bulk category change, in place of the one before. */
    saveCategoryUndo(userId: number, madeAt: number, categoryName: string | null, rows: readonly CategoryChangeRow[]): void {
      save.run(userId, madeAt, categoryName, JSON.stringify(rows.map((r) => [r.id, r.before, r.after, r.version])));
    },

    /** The user's last bulk category change made at `notBefore` or later, if one is kept. */
    findCategoryUndo(userId: number, notBefore: number): CategoryUndo | undefined {
      const row = find.get(userId, notBefore);
      return row && toUndo(row);
    },

    /** The same, taken: it is forgotten, so it is undone once (the caller holds the transaction). */
    takeCategoryUndo(userId: number, notBefore: number): CategoryUndo | undefined {
      const row = find.get(userId, notBefore);
      remove.run(userId);
      return row && toUndo(row);
    },
  };
}

export type CategoryUndosRepo = ReturnType<typeof createCategoryUndosRepo>;
