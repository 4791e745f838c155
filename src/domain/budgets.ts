/**
 * Monthly budgets: an amount per expense category and month, what was spent against it, and the optional rollover
 * that carries a month's leftover (or overspend) into the next. Pure arithmetic on integer cents; the months and
 * sums come in from the per-month totals, never from rows.
 */
import { addMonths } from './calendar.ts';
import { percentShare } from './money.ts';

/** What one expense category spent in one month: its expenses, and the refunds (income entered in it) taken off. */
export interface MonthSpending {
  readonly expenseCents: number;
  readonly refundCents: number;
}

/** Spending net of refunds: what the budget counts. Negative when refunds outweigh the month's expenses. */
export function netSpentCents(spending: MonthSpending | undefined): number {
  return spending ? spending.expenseCents - spending.refundCents : 0;
}

/** Where a carried amount came from: the previous month's available amount and what was spent of it. */
export interface CarrySource {
  readonly month: string;
  readonly availableCents: number;
  readonly spentCents: number;
}

/** One category's line of a month's budget. */
export interface BudgetLine {
  readonly categoryId: number;
  readonly name: string;
  readonly rollover: boolean;
  /** This month's amount, or null when the category has none. */
  readonly budgetedCents: number | null;
  /** Brought from last month by rollover (negative for an overspend); 0 without rollover. */
  readonly carriedCents: number;
  readonly carriedFrom: CarrySource | null;
  /** Budgeted plus carried: what may be spent this month. */
  readonly availableCents: number;
  readonly expenseCents: number;
  readonly refundCents: number;
  readonly spentCents: number;
  /** Available minus spent; negative means over budget. */
  readonly remainingCents: number;
  /** Spent as a whole percentage of available (0 when nothing is available). */
  readonly percentUsed: number;
  /** Spent more than available; never for a category with no budget this month (see `budgeted`). */
  readonly over: boolean;
  /** Whether the category has a budget this month: an amount, or one carried by rollover. */
  readonly budgeted: boolean;
}

/** A month's budget: a line per expense category (the form sets each one's amount), and the totals. */
export interface BudgetMonth {
  readonly month: string;
  readonly lines: BudgetLine[];
  readonly totals: {
    readonly budgetedCents: number;
    readonly carriedCents: number;
    readonly availableCents: number;
    readonly spentCents: number;
    readonly remainingCents: number;
    readonly percentUsed: number;
    readonly over: boolean;
    /** Spent in categories without a budget this month, and uncategorised, outside the totals above. */
    readonly unbudgetedSpentCents: number;
  };
}

/** What the arithmetic needs about a category. */
export interface BudgetCategory {
  readonly id: number;
  readonly name: string;
  /** Whether this month's leftover goes on to the next (the box the month's form shows). */
  readonly rollover: boolean;
  /**
   * Where the rollover that carries into this month began: the previous month's setting was on since this month.
   * Months before it carry nothing, as they showed then. Null when the previous month did not roll over.
   */
  readonly rolloverFrom: string | null;
}

/** Reads per-month amounts and spending, keyed by category and month. */
export interface BudgetHistory {
  /** The category's budgeted amount in a month, if it has one. */
  amount(categoryId: number, month: string): number | undefined;
  spending(categoryId: number, month: string): MonthSpending | undefined;
  /** The first month the category has an amount in, up to the month being shown; rollover counts from there. */
  firstBudgetMonth(categoryId: number): string | undefined;
}

/**
 * The first month of the rollover chain that carries into the month shown: the category's first budgeted month, or
 * the month rollover was turned on in when that is later (turning it on never changes what earlier months showed,
 * and turning it off later never changes them either). Undefined when nothing rolls into the month.
 */
export function rolloverChainStart(category: BudgetCategory, firstBudgetMonth: string | undefined): string | undefined {
  if (category.rolloverFrom === null || firstBudgetMonth === undefined) return undefined;
  return firstBudgetMonth > category.rolloverFrom ? firstBudgetMonth : category.rolloverFrom;
}

/**
 * What is available in a month for a category with rollover: the chain starts at rolloverChainStart, and each
 * month's available amount is its budget plus the previous month's available minus spent. Months in the chain
 * without an amount budget zero, so an overspend keeps being carried until it is covered.
 */
function rolledOver(category: BudgetCategory, month: string, history: BudgetHistory): { carried: number; from: CarrySource | null } {
  let first = rolloverChainStart(category, history.firstBudgetMonth(category.id));
  // The chain starts at a month with an amount. A month before that has no budget line: its spending is counted
  // outside the budget, and carrying it as an overspend too counted it twice (rollover ticked in a month left empty).
  while (first !== undefined && first < month && history.amount(category.id, first) === undefined) first = addMonths(first, 1);
  if (first === undefined || first >= month) return { carried: 0, from: null };
  let available = history.amount(category.id, first) ?? 0;
  let current = first;
  for (;;) {
    const spent = netSpentCents(history.spending(category.id, current));
    const next = addMonths(current, 1);
    const carried = available - spent;
    if (next === month) return { carried, from: { month: current, availableCents: available, spentCents: spent } };
    available = (history.amount(category.id, next) ?? 0) + carried;
    current = next;
  }
}

/**
 * Builds a month's budget: a line per expense category; the totals cover the lines with an amount or a carried
 * amount, and spending outside them is summed on its own.
 */
export function buildBudgetMonth(
  month: string,
  categories: readonly BudgetCategory[],
  history: BudgetHistory,
  uncategorisedSpentCents: number,
): BudgetMonth {
  const lines: BudgetLine[] = [];
  let unbudgetedSpentCents = uncategorisedSpentCents;
  for (const category of categories) {
    const budgetedCents = history.amount(category.id, month) ?? null;
    const carry = rolledOver(category, month, history);
    const spending = history.spending(category.id, month);
    const spentCents = netSpentCents(spending);
    const availableCents = (budgetedCents ?? 0) + carry.carried;
    const budgeted = budgetedCents !== null || carry.from !== null;
    if (!budgeted) unbudgetedSpentCents += spentCents;
    lines.push({
      categoryId: category.id,
      name: category.name,
      rollover: category.rollover,
      budgetedCents,
      carriedCents: carry.carried,
      carriedFrom: carry.from,
      availableCents,
      expenseCents: spending?.expenseCents ?? 0,
      refundCents: spending?.refundCents ?? 0,
      spentCents,
      remainingCents: availableCents - spentCents,
      percentUsed: usedPercent(spentCents, availableCents),
      // Spending in a category without a budget is not "over" one: it is counted in unbudgetedSpentCents.
      over: budgeted && spentCents > availableCents,
      budgeted,
    });
  }
  const budgeted = lines.filter((l) => l.budgeted);
  const sum = (pick: (l: BudgetLine) => number) => budgeted.reduce((total, l) => total + pick(l), 0);
  const availableCents = sum((l) => l.availableCents);
  const spentCents = sum((l) => l.spentCents);
  return {
    month,
    lines,
    totals: {
      budgetedCents: sum((l) => l.budgetedCents ?? 0),
      carriedCents: sum((l) => l.carriedCents),
      availableCents,
      spentCents,
      remainingCents: availableCents - spentCents,
      percentUsed: usedPercent(spentCents, availableCents),
      over: spentCents > availableCents,
      unbudgetedSpentCents,
    },
  };
}

/**
 * Spent as a whole percentage of available; nothing spent, or a refund-only month, is 0 while money is left.
 * Rounded so it never contradicts the budget's state: a budget overspent, by a little or with nothing available (an
 * overspend carried in), is at least 101%, not 100% beside "over by", and one with money left is at most 99%.
 */
function usedPercent(spentCents: number, availableCents: number): number {
  // Over: at least 101%, also when nothing (or less than nothing, an overspend carried in) was available.
  if (spentCents > availableCents) return availableCents > 0 ? Math.max(percentShare(spentCents, availableCents), 101) : 101;
  if (spentCents <= 0) return 0;
  const percent = percentShare(spentCents, availableCents);
  return spentCents < availableCents ? Math.min(percent, 99) : percent;
}
