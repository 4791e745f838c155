import type { Db } from '../open.ts';
import type { TransactionType } from './transactions.ts';

/** Categories share the two transaction types: an income category only goes on income. */
export type CategoryKind = TransactionType;

/** A user's category. */
export interface Category {
  readonly id: number;
  readonly kind: CategoryKind;
  readonly name: string;
}

/** A category with how many of the user's transactions carry it. */
export interface CategoryWithCount extends Category {
  readonly transactionCount: number;
}

/** Raised when the user already has a category of that kind with that name (case-insensitively). */
export class CategoryNameTakenError extends Error {
  override name = 'CategoryNameTakenError';
}

/** Longest category name the schema accepts. */
export const MAX_CATEGORY_NAME_CHARS = 60;

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Prepared statements on categories; every one takes the owner's user id. */
export function createCategoriesRepo(db: Db) {
  const list = db.prepare<[number], Category>(
    `SELECT id, kind, name FROM categories WHERE user_id = ? ORDER BY kind DESC, name COLLATE NOCASE, id`,
  );
  // Counts come from monthly_totals (kept exact by triggers), so the page never scans a user's history.
  const listWithCounts = db.prepare<[number, number], Category & { transactionCount: number }>(
    `SELECT c.id, c.kind, c.name,
            coalesce((SELECT sum(m.tx_count) FROM monthly_totals m
                       WHERE m.user_id = ? AND m.category_key = c.id), 0) AS transactionCount
       FROM categories c WHERE c.user_id = ? ORDER BY c.kind DESC, c.name COLLATE NOCASE, c.id`,
  );
  const byId = db.prepare<[number, number], Category>('SELECT id, kind, name FROM categories WHERE user_id = ? AND id = ?');
  const byName = db.prepare<[number, string, string], Category>(
    'SELECT id, kind, name FROM categories WHERE user_id = ? AND kind = ? AND name = ? COLLATE NOCASE',
  );
  const insert = db.prepare<[number, string, string]>('INSERT INTO categories (user_id, kind, name) VALUES (?, ?, ?)');
  const rename = db.prepare<[string, number, number]>('UPDATE categories SET name = ? WHERE user_id = ? AND id = ?');
  const remove = db.prepare<[number, number]>('DELETE FROM categories WHERE user_id = ? AND id = ?');
  const countUses = db.prepare<[number, number], { n: number | null }>(
    'SELECT sum(tx_count) AS n FROM monthly_totals WHERE user_id = ? AND category_key = ?',
  );

  return {
    /** The user's categories, income first, then by name. */
    listCategoriesForUser(userId: number): Category[] {
      return list.all(userId);
    },

    /** The user's categories with the number of transactions in each. */
    listCategoriesWithCounts(userId: number): CategoryWithCount[] {
      return listWithCounts.all(userId, userId);
    },

    /** The user's category with this id, or undefined if it does not exist or belongs to someone else. */
    findOwnedCategory(userId: number, id: number): Category | undefined {
      return byId.get(userId, id);
    },

    /** The user's category of this kind with this name, compared case-insensitively. */
    findCategoryByName(userId: number, kind: CategoryKind, name: string): Category | undefined {
      return byName.get(userId, kind, name.trim());
    },

    /** Creates a category; throws CategoryNameTakenError when the name is taken for that kind. */
    createCategory(userId: number, kind: CategoryKind, name: string): Category {
      const trimmed = name.trim();
      try {
        return { id: Number(insert.run(userId, kind, trimmed).lastInsertRowid), kind, name: trimmed };
      } catch (err) {
        if (isUniqueViolation(err)) throw new CategoryNameTakenError('category name taken');
        throw err;
      }
    },

    /** Renames the user's category; false when there is no such category of theirs; throws CategoryNameTakenError. */
    renameOwnedCategory(userId: number, id: number, name: string): boolean {
      try {
        return rename.run(name.trim(), userId, id).changes === 1;
      } catch (err) {
        if (isUniqueViolation(err)) throw new CategoryNameTakenError('category name taken');
        throw err;
      }
    },

    /** Deletes the user's category; its transactions become uncategorised (ON DELETE SET NULL). */
    deleteOwnedCategory(userId: number, id: number): boolean {
      return remove.run(userId, id).changes === 1;
    },

    /** How many of the user's transactions carry this category. */
    countTransactionsInCategory(userId: number, id: number): number {
      return countUses.get(userId, id)?.n ?? 0;
    },
  };
}

export type CategoriesRepo = ReturnType<typeof createCategoriesRepo>;
