import type { Db } from '../open.ts';
import type { TransactionType } from './transactions.ts';

/** One validated CSV row, ready to be written. */
export interface ImportRow {
  /** Line in the file where the row starts, for messages. */
  readonly line: number;
  readonly occurredOn: string;
  readonly type: TransactionType;
  readonly amountCents: number;
  readonly description: string;
  /** Category name as written in the file; '' means uncategorised. */
  readonly categoryName: string;
}

/** What to do with rows the file and the user's data disagree on. */
export interface ImportWriteOptions {
  /** 'create' adds categories the user does not have yet; 'uncategorised' leaves those rows without one. */
  readonly unknownCategories: 'create' | 'uncategorised';
  /** Write rows that look like an existing transaction instead of skipping them. */
  readonly keepDuplicates: boolean;
}

/** What one import transaction wrote. */
export interface ImportWriteResult {
  readonly inserted: number;
  /** Lines of rows that matched an existing transaction (skipped unless duplicates were kept). */
  readonly duplicateLines: number[];
  /** Categories the import created, in the order the file first used them. */
  readonly createdCategories: { kind: TransactionType; name: string }[];
}

/** Rows per multi-row INSERT; 100 x 6 parameters stays far below SQLite's parameter limit. */
const INSERT_BATCH_ROWS = 100;

/**
 * Oldest first, so ids rise with dates (inserting in index order is also much faster). A file listed newest first,
 * like our own export, is reversed before the stable sort, so rows of the same day keep their order on the page
 * and a re-export lists them exactly as the file did.
 */
function chronological<T extends { row: ImportRow }>(items: T[]): T[] {
  const first = items[0]?.row.occurredOn;
  const last = items.at(-1)?.row.occurredOn;
  const copy = first !== undefined && last !== undefined && first > last ? [...items].reverse() : [...items];
  return copy.sort((a, b) => (a.row.occurredOn < b.row.occurredOn ? -1 : a.row.occurredOn > b.row.occurredOn ? 1 : 0));
}

// The categories index is NOCASE, which folds ASCII letters only; matching in JavaScript must fold the same way
// or "Über" and "über" (two different categories to SQLite) would collide here.
function categoryKey(kind: TransactionType, name: string): string {
  return `${kind}\u0000${name.replace(/[A-Z]/g, (c) => c.toLowerCase())}`;
}

/** Prepared statements for CSV import: category lookup and creation, duplicate checks, bulk insert. */
export function createImportsRepo(db: Db) {
  const categories = db.prepare<[number], { id: number; kind: TransactionType; name: string }>(
    'SELECT id, kind, name FROM categories WHERE user_id = ?',
  );
  const insertCategory = db.prepare<[number, string, string]>(
    'INSERT INTO categories (user_id, kind, name) VALUES (?, ?, ?)',
  );
  // Seeks the (user_id, occurred_on) prefix of the date index, then checks that day's few rows.
  const duplicate = db.prepare<[number, string, number, string, string], { found: number }>(
    `SELECT 1 AS found FROM transactions
      WHERE user_id = ? AND occurred_on = ? AND amount_cents = ? AND type = ? AND description = ? LIMIT 1`,
  );
  const dayRows = db.prepare<[number, string], { type: string; amount_cents: number; description: string }>(
    'SELECT type, amount_cents, description FROM transactions WHERE user_id = ? AND occurred_on = ?',
  );
  const insertOne = db.prepare<[number, string, number, string, string, number | null]>(
    `INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // Many rows per statement: a 100,000-row import spends far less time crossing into SQLite this way.
  const insertBatch = db.prepare<unknown[]>(
    `INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id)
     VALUES ${Array.from({ length: INSERT_BATCH_ROWS }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
  );

  function loadCategoryIndex(userId: number): Map<string, number> {
    const index = new Map<string, number>();
    for (const c of categories.iterate(userId)) index.set(categoryKey(c.kind, c.name), c.id);
    return index;
  }

  const writeAll = db.transaction(
    (userId: number, rows: readonly ImportRow[], options: ImportWriteOptions): ImportWriteResult => {
      const index = loadCategoryIndex(userId);
      // Duplicates are judged against what existed before this import, so two identical rows in one file
      // (two coffees on the same day) are both written.
      const isDuplicate = markExisting(userId, rows);
      const duplicateLines: number[] = [];
      const createdCategories: { kind: TransactionType; name: string }[] = [];
      const toWrite: { row: ImportRow; categoryId: number | null }[] = [];
      // Files repeat a handful of category names; fold each name once, not once per row.
      const keys = new Map<string, string>();
      const keyFor = (kind: TransactionType, name: string): string => {
        const seen = keys.get(`${kind}:${name}`);
        if (seen !== undefined) return seen;
        const key = categoryKey(kind, name);
        keys.set(`${kind}:${name}`, key);
        return key;
      };
      rows.forEach((row, i) => {
        if (isDuplicate[i]) {
          duplicateLines.push(row.line);
          if (!options.keepDuplicates) return;
        }
        let categoryId: number | null = null;
        if (row.categoryName !== '') {
          const key = keyFor(row.type, row.categoryName);
          const known = index.get(key);
          if (known !== undefined) categoryId = known;
          else if (options.unknownCategories === 'create') {
            categoryId = Number(insertCategory.run(userId, row.type, row.categoryName).lastInsertRowid);
            index.set(key, categoryId);
            createdCategories.push({ kind: row.type, name: row.categoryName });
          }
        }
        toWrite.push({ row, categoryId });
      });
      const ordered = chronological(toWrite);
      const params: unknown[] = [];
      let at = 0;
      for (; at + INSERT_BATCH_ROWS <= ordered.length; at += INSERT_BATCH_ROWS) {
        params.length = 0;
        for (let i = at; i < at + INSERT_BATCH_ROWS; i++) {
          const { row, categoryId } = ordered[i]!;
          params.push(userId, row.type, row.amountCents, row.occurredOn, row.description, categoryId);
        }
        insertBatch.run(...params);
      }
      for (; at < ordered.length; at++) {
        const { row, categoryId } = ordered[at]!;
        insertOne.run(userId, row.type, row.amountCents, row.occurredOn, row.description, categoryId);
      }
      return { inserted: ordered.length, duplicateLines, createdCategories };
    },
  );

  // One query per distinct day instead of one per row: a 100,000-row file spans a few thousand days at most.
  function markExisting(userId: number, rows: readonly ImportRow[]): boolean[] {
    const existingByDay = new Map<string, Set<string>>();
    return rows.map((row) => {
      let existing = existingByDay.get(row.occurredOn);
      if (!existing) {
        existing = new Set(dayRows.all(userId, row.occurredOn).map((r) => `${r.type}|${r.amount_cents}|${r.description}`));
        existingByDay.set(row.occurredOn, existing);
      }
      return existing.size > 0 && existing.has(`${row.type}|${row.amountCents}|${row.description}`);
    });
  }

  function isExisting(userId: number, row: ImportRow): boolean {
    return duplicate.get(userId, row.occurredOn, row.amountCents, row.type, row.description) !== undefined;
  }

  return {
    /** True when the user already has a transaction with this date, amount, type and description. */
    isLikelyDuplicate(userId: number, row: ImportRow): boolean {
      return isExisting(userId, row);
    },

    /** Whether the user has a category of this kind and name (ASCII case-insensitive, as the unique index). */
    categoryIndexFor(userId: number): (kind: TransactionType, name: string) => boolean {
      const index = loadCategoryIndex(userId);
      return (kind, name) => index.has(categoryKey(kind, name));
    },

    /** Writes all rows in one immediate transaction: every row or, on any failure, none. */
    writeImportedRows(userId: number, rows: readonly ImportRow[], options: ImportWriteOptions): ImportWriteResult {
      return writeAll.immediate(userId, rows, options);
    },
  };
}

export type ImportsRepo = ReturnType<typeof createImportsRepo>;
