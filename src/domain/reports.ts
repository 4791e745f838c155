import { percentShare } from './money.ts';
import type { TransactionType } from './transactions.ts';

/** How many expense categories the dashboard ranks by name; the rest are summed as one line. */
const TOP_CATEGORIES = 5;

/** Per-category sums of a span of months; categoryId null is uncategorised. */
export interface CategoryTotal {
  readonly type: TransactionType;
  readonly categoryId: number | null;
  readonly cents: number;
}

/** One line of the expense ranking; `name` is null for uncategorised (and for a category deleted meanwhile). */
export interface CategoryShare {
  readonly categoryId: number | null;
  readonly name: string | null;
  readonly cents: number;
  readonly percent: number;
}

/** Income and expenses of a period and where the expenses went. */
export interface PeriodSummary {
  readonly incomeCents: number;
  readonly expenseCents: number;
  readonly netCents: number;
  /** The largest expense categories, largest first (ties by id). */
  readonly topExpenses: CategoryShare[];
  /** Everything below the top ones, summed; null when there is nothing below. */
  readonly otherExpenses: { readonly cents: number; readonly percent: number } | null;
}

/** Sums a period's category totals into income, expenses and the ranking of expense categories. */
export function summarisePeriod(totals: Iterable<CategoryTotal>, names: ReadonlyMap<number, string>): PeriodSummary {
  let incomeCents = 0;
  let expenseCents = 0;
  const byCategory: { categoryId: number | null; cents: number }[] = [];
  for (const row of totals) {
    if (row.type === 'income') incomeCents += row.cents;
    else {
      expenseCents += row.cents;
      byCategory.push({ categoryId: row.categoryId, cents: row.cents });
    }
  }
  byCategory.sort((a, b) => b.cents - a.cents || (a.categoryId ?? 0) - (b.categoryId ?? 0));
  const topExpenses = byCategory.slice(0, TOP_CATEGORIES).map((r) => ({
    categoryId: r.categoryId,
    name: r.categoryId === null ? null : (names.get(r.categoryId) ?? null),
    cents: r.cents,
    percent: percentShare(r.cents, expenseCents),
  }));
  const restCents = byCategory.slice(TOP_CATEGORIES).reduce((sum, r) => sum + r.cents, 0);
  return {
    incomeCents,
    expenseCents,
    netCents: incomeCents - expenseCents,
    topExpenses,
    otherExpenses: restCents > 0 ? { cents: restCents, percent: percentShare(restCents, expenseCents) } : null,
  };
}
