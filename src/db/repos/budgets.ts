import { compareCategoryNames } from '../../domain/categories.ts';
import type { Db } from '../open.ts';

/** An expense category as the budget page sees it. */
export interface BudgetCategoryRow {
  readonly id: number;
  readonly name: string;
  readonly rollover: boolean;
  /** The month rollover was turned on in (carrying begins there), or null when it is off. */
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
  const categories = db.prepare<[number], { id: number; name: string; rollover_from: string | null }>(
    "SELECT id, name, budget_rollover_from AS rollover_from FROM categories WHERE user_id = ? AND kind = 'expense' ORDER BY name_key, id",
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
  // Turning it on keeps the month it was first turned on in; turning it off forgets it (budget_rollover, the old
  // yes/no, is kept in step for the data export and older readers).
  const setRollover = db.prepare<{ on: number; month: string; userId: number; id: number }>(
    `UPDATE categories SET budget_rollover = :on,
            budget_rollover_from = CASE WHEN :on = 1 THEN coalesce(budget_rollover_from, :month) END
      WHERE user_id = :userId AND id = :id AND kind = 'expense'`,
  );
  const exportRows = db.prepare<[number], { month: string; category: string; amount_cents: number; rollover: number }>(
    // A month rolls over when rollover is on for the category and was turned on by then (earlier months showed none).
    `SELECT b.month, c.name AS category, b.amount_cents,
            c.budget_rollover = 1 AND c.budget_rollover_from IS NOT NULL AND b.month >= c.budget_rollover_from AS rollover
       FROM budgets b JOIN categories c ON c.id = b.category_id
      WHERE b.user_id = ? ORDER BY b.month, c.name_key`,
  );

  return {
    /** How many monthly amounts the user budgeted for a category (deleting it deletes them; its page says so). */
    countAmountsOfCategory(userId: number, categoryId: number): number {
      return countOfCategory.get(userId, categoryId) ?? 0;
    },

    /** The user's expense categories by name, with their rollover setting. */
    listExpenseCategories(userId: number): BudgetCategoryRow[] {
      return categories.all(userId).sort((a, b) => compareCategoryNames(a.name, b.name) || a.id - b.id).map((r) => ({ id: r.id, name: r.name, rollover: r.rollover_from !== null, rolloverFrom: r.rollover_from }));
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
     * Turns rollover on (from `month`, unless it is on already) or off for the user's expense category; false when
     * there is no such category of theirs.
     */
    setRollover(userId: number, categoryId: number, rollover: boolean, month: string): boolean {
      return setRollover.run({ on: rollover ? 1 : 0, month, userId, id: categoryId }).changes === 1;
    },

    /** Every amount of the user with its category's name, for the export. */
    listForExport(userId: number): { month: string; category: string; amountCents: number; rollover: boolean }[] {
      return exportRows.all(userId).map((r) => ({ month: r.month, category: r.category, amountCents: r.amount_cents, rollover: r.rollover === 1 }));
    },
  };
}

export type BudgetsRepo = ReturnType<typeof createBudgetsRepo>;
