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
  /** Refunds taken off the expenses (income in expense categories), which a list of the rows counts as income. */
  readonly refundCents: number;
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
  let refundCents = 0;
  const spent = new Map<number | null, number>();
  for (const row of totals) {
    const refund = row.type === 'income' && row.categoryId !== null && refundCategoryIds.has(row.categoryId);
    if (row.type === 'income' && !refund) {
      incomeCents += row.cents;
      continue;
    }
    const cents = refund ? -row.cents : row.cents;
    if (refund) refundCents += row.cents;
    expenseCents += cents;
    spent.set(row.categoryId, (spent.get(row.categoryId) ?? 0) + cents);
  }
  const byCategory = [...spent].filter(([, cents]) => cents > 0).map(([categoryId, cents]) => ({ categoryId, cents }));
  byCategory.sort((a, b) => b.cents - a.cents || (a.categoryId ?? 0) - (b.categoryId ?? 0));
  // Shares of what the listed categories spent: a category whose refunds outweigh its spending is not listed, and
  // counting it in the whole made the others' shares add up past 100% (42.00 of 32.00 was "131%").
  const listedCents = byCategory.reduce((sum, r) => sum + r.cents, 0);
  const topExpenses = byCategory.slice(0, TOP_CATEGORIES).map((r) => ({
    categoryId: r.categoryId,
    name: r.categoryId === null ? null : (names.get(r.categoryId) ?? null),
    cents: r.cents,
    percent: percentShare(r.cents, listedCents),
  }));
  const restCents = byCategory.slice(TOP_CATEGORIES).reduce((sum, r) => sum + r.cents, 0);
  return {
    incomeCents,
    expenseCents,
    netCents: incomeCents - expenseCents,
    refundCents,
    topExpenses,
    otherExpenses: restCents > 0 ? { cents: restCents, percent: percentShare(restCents, listedCents) } : null,
  };
}

/** One category's sums for one month (categoryId null: uncategorised), refunds already netted off expenses. */
export interface CategoryMonthSum {
  readonly month: string;
  readonly type: TransactionType;
  readonly categoryId: number | null;
  readonly cents: number;
}

/** A row of the category x month table: the category's amount each month, its total and its monthly average. */
export interface CategoryMonthRow {
  readonly categoryId: number | null;
  readonly name: string | null;
  readonly byMonth: number[];
  readonly totalCents: number;
  /**
   * The average of the months that have ended, from the person's first on (a month still running, or still to come,
   * would pull it down, as would months before they kept records), rounded half away from zero to a whole cent; null
   * when there is no such month in the range.
   */
  readonly averageCents: number | null;
}

/** The table of one type (income or expenses): its rows, the column totals and the grand total. */
export interface CategoryMonthTable {
  readonly rows: CategoryMonthRow[];
  readonly monthTotals: number[];
  readonly totalCents: number;
  readonly averageCents: number | null;
}

/** The whole-cent average of a total over a number of months, rounded half away from zero. */
export function monthlyAverageCents(totalCents: number, months: number): number {
  if (months <= 0) return 0;
  const sign = totalCents < 0 ? -1 : 1;
  const abs = Math.abs(totalCents);
  // Integer arithmetic: the quotient, plus one when the remainder is at least half the divisor.
  const quotient = Math.floor(abs / months);
  const remainder = abs - quotient * months;
  return sign * (quotient + (remainder * 2 >= months ? 1 : 0));
}

/**
 * The months of a range that its monthly averages are of: those that have ended (before `thisMonth`) and are not
 * before `firstMonth`, the first month with any income or expense in the report's accounts (null: none at all). A
 * person who started in October has no spending recorded in January; counting it would halve their average. Months
 * are in order, so these are one run of them: indexes `from` (inclusive) to `to` (exclusive), empty when from = to.
 */
export function averagedMonths(months: readonly string[], thisMonth: string, firstMonth: string | null): { from: number; to: number } {
  const to = months.filter((m) => m < thisMonth).length;
  if (firstMonth === null) return { from: to, to };
  const from = Math.min(to, months.filter((m) => m < firstMonth).length);
  return { from, to };
}

/**
 * The category x month tables of a range of months: one for income and one for expenses, each row a category
 * (largest total first, then by name) with its amount per month, total and monthly average, and the column
 * totals. `names` turns ids into names (null for uncategorised and for a category deleted since). Averages are of
 * the `averaged` months (see averagedMonths).
 */
export function categoryMonthTables(
  months: readonly string[],
  sums: Iterable<CategoryMonthSum>,
  names: ReadonlyMap<number, string>,
  averaged: { from: number; to: number },
): { income: CategoryMonthTable; expense: CategoryMonthTable } {
  const index = new Map(months.map((m, i) => [m, i]));
  const count = averaged.to - averaged.from;
  const averageOf = (byMonth: readonly number[]): number | null =>
    count <= 0 ? null : monthlyAverageCents(byMonth.slice(averaged.from, averaged.to).reduce((a, b) => a + b, 0), count);
  const build = (type: TransactionType): CategoryMonthTable => {
    const rows = new Map<number | null, number[]>();
    for (const s of sums) {
      if (s.type !== type) continue;
      const at = index.get(s.month);
      if (at === undefined) continue;
      let row = rows.get(s.categoryId);
      if (!row) rows.set(s.categoryId, (row = months.map(() => 0)));
      row[at]! += s.cents;
    }
    const built = [...rows].map(([categoryId, byMonth]) => {
      const totalCents = byMonth.reduce((a, b) => a + b, 0);
      return { categoryId, name: categoryId === null ? null : (names.get(categoryId) ?? null), byMonth, totalCents, averageCents: averageOf(byMonth) };
    });
    built.sort((a, b) => b.totalCents - a.totalCents || (a.name ?? '').localeCompare(b.name ?? ''));
    const monthTotals = months.map((_, i) => built.reduce((sum, r) => sum + r.byMonth[i]!, 0));
    const totalCents = monthTotals.reduce((a, b) => a + b, 0);
    return { rows: built, monthTotals, totalCents, averageCents: averageOf(monthTotals) };
  };
  return { income: build('income'), expense: build('expense') };
}

/** A change from a previous range to this one: the difference and the percentage (null when there was nothing before). */
export interface Change {
  readonly currentCents: number;
  readonly previousCents: number;
  readonly changeCents: number;
  /** Whole percent of the previous amount; null when the previous amount is zero. */
  readonly percent: number | null;
}

/** A change as a whole percentage of the size of the amount before, rounded half away from zero (a fall of 0.5% is -1%, as a rise of 0.5% is +1%). */
function percentOf(changeCents: number, previousCents: number): number {
  const whole = Math.round((Math.abs(changeCents) * 100) / Math.abs(previousCents));
  return changeCents < 0 && whole !== 0 ? -whole : whole;
}

/** The change from `previous` to `current`, in cents and whole percent of the previous amount. */
export function changeBetween(currentCents: number, previousCents: number): Change {
  const changeCents = currentCents - previousCents;
  return {
    currentCents,
    previousCents,
    changeCents,
    percent: previousCents === 0 ? null : percentOf(changeCents, previousCents),
  };
}
