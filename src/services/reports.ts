import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import { accountBalance, compareAccounts, monthEndSeries, netWorthOf, type AccountBalance, type NetWorth } from '../domain/accounts.ts';
import { addMonths } from '../domain/calendar.ts';
import type { TransactionsRepo } from '../db/repos/transactions.ts';
import type { Category } from '../domain/categories.ts';
import { periodMonths, type Period } from '../domain/periods.ts';
import { summarisePeriod, type PeriodSummary } from '../domain/reports.ts';
import type { TransactionWithCategory } from '../domain/transactions.ts';
import type { BudgetMonth } from '../domain/budgets.ts';
import type { UpcomingOccurrence } from './schedules.ts';

/** How many of the latest transactions the dashboard lists. */
const DASHBOARD_RECENT = 10;

/** Everything the dashboard shows for a period. */
export interface DashboardReport {
  readonly summary: PeriodSummary;
  /** All time: everything in minus everything out. */
  readonly balanceCents: number;
  readonly recent: TransactionWithCategory[];
  /** The user's categories: names for the ranking, choices for the add form. */
  readonly categories: Category[];
  /** Every account with its balance (choices for the add form, too), and their net worth. */
  readonly accounts: AccountBalance[];
  readonly netWorth: NetWorth;
  /** The budget of the month asked for, against its spending. */
  readonly budget: BudgetMonth;
  /** Income and expenses (refunds taken off) of the 12 months ending with the chart month, oldest first. */
  readonly monthly: { month: string; incomeCents: number; expenseCents: number }[];
  /** Net worth at the end of each of the 24 months ending with the chart month, oldest first. */
  readonly netWorthSeries: { month: string; cents: number }[];
  /** Scheduled occurrences of the next days, with the expected bills and income. */
  readonly upcoming: { occurrences: UpcomingOccurrence[]; billsCents: number; incomeCents: number };
}

/** Reports read from the per-month totals, never from every row. */
export function createReportService(deps: {
  transactions: TransactionsRepo;
  categories: CategoriesRepo;
  accounts: AccountsRepo;
  /** A month's budget (the budget service's), so the dashboard and /budgets count alike. */
  budgetMonth: (userId: number, month: string) => BudgetMonth;
  /** The scheduled occurrences coming up from a day (the schedule service's). */
  upcoming: (userId: number, today: string) => DashboardReport['upcoming'];
}) {
  /** The 12 months ending with `last`, each with its income and expenses (zero for a month without rows). */
  function twelveMonths(userId: number, last: string) {
    const months = Array.from({ length: 12 }, (_, i) => addMonths(last, i - 11));
    const found = new Map(deps.transactions.monthlyIncomeAndExpenses(userId, { from: months[0]!, to: last }).map((m) => [m.month, m]));
    return months.map((month) => found.get(month) ?? { month, incomeCents: 0, expenseCents: 0 });
  }

  /** Net worth at the end of each of the 24 months ending with `last`, from the per-account monthly totals. */
  function netWorthMonths(userId: number, last: string) {
    const months = Array.from({ length: 24 }, (_, i) => addMonths(last, i - 23));
    const series = monthEndSeries(deps.accounts.listAccounts(userId), deps.accounts.listAccountMonthSums(userId, last), months);
    return series.map((m) => ({ month: m.month, cents: m.netWorth.netWorthCents }));
  }

  return {
    /**
     * Income and expenses of the period and where the expenses went (refunds taken off), the all-time balance, the
     * latest rows, the budget of `budgetMonth` and what is scheduled after `today`; the charts' series end with
     * `budgetMonth` too (the period's month, or this month).
     */
    dashboard(userId: number, period: Period, budgetMonth: string, today: string): DashboardReport {
      const categories = deps.categories.listCategoriesForUser(userId);
      const names = new Map(categories.map((c) => [c.id, c.name]));
      const expenseCategoryIds = new Set(categories.filter((c) => c.kind === 'expense').map((c) => c.id));
      const accounts = deps.accounts.listAccountsWithActivity(userId).map(accountBalance).sort(compareAccounts);
      return {
        accounts,
        netWorth: netWorthOf(accounts),
        summary: summarisePeriod(deps.transactions.categoryTotalsForMonths(userId, periodMonths(period)), names, expenseCategoryIds),
        balanceCents: deps.transactions.totalsForUser(userId).balanceCents,
        recent: deps.transactions.listFilteredTransactionsPage(userId, {}, DASHBOARD_RECENT).rows,
        categories,
        budget: deps.budgetMonth(userId, budgetMonth),
        upcoming: deps.upcoming(userId, today),
        monthly: twelveMonths(userId, budgetMonth),
        netWorthSeries: netWorthMonths(userId, budgetMonth),
      };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
