import { compareCategoryNames } from '../../domain/categories.ts';
import type { Db } from '../open.ts';

/** An expense category as the budget page sees it. */
export interface BudgetCategoryRow {
  readonly id: number;
  readonly name: string;
  /** Whether this month's leftover goes on to the next. */
  readonly rollover: boolean;
  /** Where the rollover that carries into this month began: last month's setting was on since then. Null when it was off. */
  readonly rolloverFrom: string | null;
}

/** One month's sums for one category key (0 is uncategorised), from the per-month totals. */
export interface MonthCategorySums {
  readonly month: string;
  readonly categoryKey: number;
  readonly expenseCents: number;
  readonly incomeCents: number;
}

/**
 * Statements on budgets; every one takes the owner's user id. Spending is read from monthly_totals (kept exact by
 * triggers), so a month's budget costs the same at a million transactions as at a thousand.
 */
export function createBudgetsRepo(db: Db) {
  // A month's rollover setting is the one it was last saved with, or else the latest month's saved before it (none:
  // off). What a month receives is the previous month's: when that was on, carrying began with the run of months on
  // it belongs to (the first month saved on after the last one saved off).
  const categories = db.prepare<{ userId: number; month: string; previous: string }, { id: number; name: string; rollover: number; rollover_from: string | null }>(
    `SELECT c.id, c.name,
            coalesce((SELECT r.rollover FROM budget_rollover_settings r
                       WHERE r.user_id = c.user_id AND r.category_id = c.id AND r.month <= :month ORDER BY r.month DESC LIMIT 1), 0) AS rollover,
            CASE WHEN (SELECT r.rollover FROM budget_rollover_settings r
                        WHERE r.user_id = c.user_id AND r.category_id = c.id AND r.month <= :previous ORDER BY r.month DESC LIMIT 1) = 1
                 THEN (SELECT min(r.month) FROM budget_rollover_settings r
                        WHERE r.user_id = c.user_id AND r.category_id = c.id AND r.rollover = 1 AND r.month <= :previous
                          AND r.month > coalesce((SELECT max(x.month) FROM budget_rollover_settings x
                                                   WHERE x.user_id = c.user_id AND x.category_id = c.id AND x.rollover = 0 AND x.month <= :previous), ''))
            END AS rollover_from
       FROM categories c WHERE c.user_id = :userId AND c.kind = 'expense' ORDER BY c.name_key, c.id`,
  );
  const amounts = db.prepare<[number, string, string], { category_id: number; month: string; amount_cents: number }>(
    'SELECT category_id, month, amount_cents FROM budgets WHERE user_id = ? AND month BETWEEN ? AND ?',
  );
  const firstMonths = db.prepare<[number, string], { category_id: number; month: string }>(
    'SELECT category_id, min(month) AS month FROM budgets WHERE user_id = ? AND month <= ? GROUP BY category_id',
  );
  const sums = db.prepare<[number, string, string], { month: string; category_key: number; type: string; total_cents: number }>(
    'SELECT month, category_key, type, total_cents FROM monthly_totals WHERE user_id = ? AND month BETWEEN ? AND ?',
  );
  const upsert = db.prepare<[number, number, string, number]>(
    `INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, category_id, month) DO UPDATE SET amount_cents = excluded.amount_cents`,
  );
  const remove = db.prepare<[number, number, string]>('DELETE FROM budgets WHERE user_id = ? AND category_id = ? AND month = ?');
  const copy = db.prepare<[string, number, string]>(
    `INSERT INTO budgets (user_id, category_id, month, amount_cents)
     SELECT user_id, category_id, ?, amount_cents FROM budgets WHERE user_id = ? AND month = ?
     ON CONFLICT (user_id, category_id, month) DO NOTHING`,
  );
  const countMonth = db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM budgets WHERE user_id = ? AND month = ?');
  const countOfCategory = db.prepare<[number, number], number>('SELECT count(*) FROM budgets WHERE user_id = ? AND category_id = ?').pluck();
  // The settings saved for one category: whether it has any, and the one of a month.
  type Key = { userId: number; id: number; month: string };
  const isOwnExpenseCategory = db.prepare<Key, number>("SELECT 1 FROM categories WHERE user_id = :userId AND id = :id AND kind = 'expense'").pluck();
  const hasAny = db.prepare<Key, number>('SELECT 1 FROM budget_rollover_settings WHERE user_id = :userId AND category_id = :id LIMIT 1').pluck();
  const putSettingIfNone = db.prepare<Key & { on: number }>(
    `INSERT INTO budget_rollover_settings (user_id, category_id, month, rollover) VALUES (:userId, :id, :month, :on)
     ON CONFLICT (user_id, category_id, month) DO NOTHING`,
  );
  const putSetting = db.prepare<Key & { on: number }>(
    `INSERT INTO budget_rollover_settings (user_id, category_id, month, rollover) VALUES (:userId, :id, :month, :on)
     ON CONFLICT (user_id, category_id, month) DO UPDATE SET rollover = excluded.rollover`,
  );
  const exportRows = db.prepare<[number], { month: string; category: string; amount_cents: number; rollover: number }>(
    // A month rolls over when the latest change up to it turned rollover on.
    `SELECT b.month, c.name AS category, b.amount_cents,
            coalesce((SELECT r.rollover FROM budget_rollover_settings r
                       WHERE r.user_id = b.user_id AND r.category_id = b.category_id AND r.month <= b.month ORDER BY r.month DESC LIMIT 1), 0) AS rollover
       FROM budgets b JOIN categories c ON c.id = b.category_id
      WHERE b.user_id = ? ORDER BY b.month, c.name_key`,
  );

  return {
    /** How many monthly amounts the user budgeted for a category (deleting it deletes them; its page says so). */
    countAmountsOfCategory(userId: number, categoryId: number): number {
      return countOfCategory.get(userId, categoryId) ?? 0;
    },

    /**
     * The user's expense categories by name, with their rollover setting in `month`, and where the rollover that
     * carries into it began (`previous` is the month before).
     */
    listExpenseCategories(userId: number, month: string, previous: string): BudgetCategoryRow[] {
      return categories
        .all({ userId, month, previous })
        .sort((a, b) => compareCategoryNames(a.name, b.name) || a.id - b.id)
        .map((r) => ({ id: r.id, name: r.name, rollover: r.rollover === 1, rolloverFrom: r.rollover_from }));
    },

    /** The user's amounts in an inclusive range of months. */
    listAmounts(userId: number, fromMonth: string, toMonth: string): { categoryId: number; month: string; amountCents: number }[] {
      return amounts.all(userId, fromMonth, toMonth).map((r) => ({ categoryId: r.category_id, month: r.month, amountCents: r.amount_cents }));
    },

    /** Per category, the first month with an amount, up to and including a month. */
    firstBudgetMonths(userId: number, upTo: string): Map<number, string> {
      return new Map(firstMonths.all(userId, upTo).map((r) => [r.category_id, r.month]));
    },

    /** Expenses and income per month and category key in an inclusive range of months. */
    monthCategorySums(userId: number, fromMonth: string, toMonth: string): MonthCategorySums[] {
      const byKey = new Map<string, { month: string; categoryKey: number; expenseCents: number; incomeCents: number }>();
      for (const r of sums.all(userId, fromMonth, toMonth)) {
        const key = `${r.month}:${r.category_key}`;
        let entry = byKey.get(key);
        if (!entry) byKey.set(key, (entry = { month: r.month, categoryKey: r.category_key, expenseCents: 0, incomeCents: 0 }));
        if (r.type === 'expense') entry.expenseCents += r.total_cents;
        else entry.incomeCents += r.total_cents;
      }
      return [...byKey.values()];
    },

    /** Sets (or, with null, removes) the amount of one category in one month. */
    setAmount(userId: number, categoryId: number, month: string, amountCents: number | null): void {
      if (amountCents === null) remove.run(userId, categoryId, month);
      else upsert.run(userId, categoryId, month, amountCents);
    },

    /** Copies one month's amounts into another, keeping those already set there; returns how many were copied. */
    copyMonth(userId: number, fromMonth: string, toMonth: string): number {
      return copy.run(toMonth, userId, fromMonth).changes;
    },

    /** How many amounts a month has. */
    countAmounts(userId: number, month: string): number {
      return countMonth.get(userId, month)?.n ?? 0;
    },

    /**
     * Saves the category's rollover setting for `month`, as the month's form showed it when saved: it holds for that
     * month and the months after it up to the next one saved, so changing an earlier month never moves a later one
     * saved with its own box, and months before keep theirs. A category that never rolled over keeps nothing for a
     * box left empty. False when there is no such expense category of the user's.
     */
    setRollover(userId: number, categoryId: number, rollover: boolean, month: string): boolean {
      const key = { userId, id: categoryId, month };
      if (isOwnExpenseCategory.get(key) === undefined) return false;
      if (rollover || hasAny.get(key) !== undefined) putSetting.run({ ...key, on: rollover ? 1 : 0 });
      return true;
    },

    /**
     * As setRollover, for a box left as the page showed it: the month keeps its own setting if it has one (saved since
     * in another tab), and otherwise gets the one shown, so the month is still one saved with its own box.
     */
    keepRollover(userId: number, categoryId: number, rollover: boolean, month: string): boolean {
      const key = { userId, id: categoryId, month };
      if (isOwnExpenseCategory.get(key) === undefined) return false;
      if (rollover || hasAny.get(key) !== undefined) putSettingIfNone.run({ ...key, on: rollover ? 1 : 0 });
      return true;
    },

    /** Every amount of the user with its category's name, for the export. */
    listForExport(userId: number): { month: string; category: string; amountCents: number; rollover: boolean }[] {
      return exportRows.all(userId).map((r) => ({ month: r.month, category: r.category, amountCents: r.amount_cents, rollover: r.rollover === 1 }));
    },
  };
}

export type BudgetsRepo = ReturnType<typeof createBudgetsRepo>;
