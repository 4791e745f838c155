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

/**
 * Sums a period's category totals into income, expenses and the ranking of expense categories. Income in an
 * expense category (listed in `refundCategoryIds`) is a refund: it lowers that category's spending and the
 * expenses, and is not income.
 */
export function summarisePeriod(
  totals: Iterable<CategoryTotal>,
  names: ReadonlyMap<number, string>,
  refundCategoryIds: ReadonlySet<number> = new Set(),
): PeriodSummary {
  let incomeCents = 0;
  let expenseCents = 0;
  const spent = new Map<number | null, number>();
  for (const row of totals) {
    const refund = row.type === 'income' && row.categoryId !== null && refundCategoryIds.has(row.categoryId);
    if (row.type === 'income' && !refund) {
      incomeCents += row.cents;
      continue;
    }
    const cents = refund ? -row.cents : row.cents;
    expenseCents += cents;
    spent.set(row.categoryId, (spent.get(row.categoryId) ?? 0) + cents);
  }
  const byCategory = [...spent].filter(([, cents]) => cents > 0).map(([categoryId, cents]) => ({ categoryId, cents }));
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
