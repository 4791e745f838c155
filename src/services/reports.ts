import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import { accountBalance, compareAccounts, monthEndSeries, netWorthOf, withLaterRows, withRunningMonthToday, type AccountBalance, type AccountBalanceWithLater, type NetWorth } from '../domain/accounts.ts';
import { addMonths, lastDayOfMonth, monthsSpanned, sameDayOfMonthIn } from '../domain/calendar.ts';
import type { TransactionsRepo } from '../db/repos/transactions.ts';
import type { RunAsOneRead } from '../db/unit-of-work.ts';
import type { Category } from '../domain/categories.ts';
import { periodMonths, type Period } from '../domain/periods.ts';
import { averagedMonths, categoryMonthTables, changeBetween, summarisePeriod, type CategoryMonthTable, type Change, type PeriodSummary } from '../domain/reports.ts';
import { stringify } from 'csv-stringify/sync';
import { neutraliseCsvCell } from '../domain/imports.ts';
import { centsToDecimalString } from '../domain/money.ts';
import type { Account } from '../domain/accounts.ts';
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
  readonly accounts: AccountBalanceWithLater[];
  readonly netWorth: NetWorth;
  /** How much of net worth is dated after today (rows entered ahead of time, openings dated later); 0 when none. */
  readonly laterCents: number;
  /** Whether an income or an expense is dated after today: the transactions list from tomorrow has something to show. */
  readonly laterRows: boolean;
  /** The budget of the month asked for, against its spending. */
  readonly budget: BudgetMonth;
  /** The charts' series; null when the person turned the dashboard's charts off. */
  readonly series: {
    /** Income and expenses (refunds taken off) of the 12 months ending with the chart month, oldest first. */
    readonly monthly: { month: string; incomeCents: number; expenseCents: number }[];
    /** Net worth at the end of each of the 24 months ending with the chart month, oldest first; today's month as of today. */
    readonly netWorth: { month: string; cents: number }[];
    /** Whether the last month of netWorth is today's, and so stands as of today rather than at its end. */
    readonly netWorthEndsToday: boolean;
  } | null;
  /** Scheduled occurrences of the next days, with the expected bills and income. */
  readonly upcoming: { occurrences: UpcomingOccurrence[]; billsCents: number; incomeCents: number };
}

/** What a report covers: a range of whole months, some accounts (null: all), and the category whose trend to draw. */
export interface ReportRange {
  readonly fromMonth: string;
  readonly toMonth: string;
  readonly accountIds: readonly number[] | null;
  readonly trendCategoryId: number | null;
}

/** A report over a range of months. */
export interface RangeReport {
  readonly months: string[];
  readonly tables: { income: CategoryMonthTable; expense: CategoryMonthTable };
  /**
   * The same number of months just before, and how each total and expense category changed from it. When the range
   * ends with the month still running, both count that last month only up to today's day of the month (`throughOn`
   * for each, null otherwise), so an unfinished month is not compared with a whole one.
   */
  readonly previous: { fromMonth: string; toMonth: string; throughOn: string | null };
  readonly throughOn: string | null;
  /** How many months the monthly averages are of: those that have ended, from the first with income or expenses on. */
  readonly averagedMonths: number;
  /** The first month with income or expenses, when it falls after the range's first month (averages start there). */
  readonly firstMonth: string | null;
  /** The first month with income or expenses in the chosen accounts, wherever it falls; null when there is none. */
  readonly recordsBegin: string | null;
  readonly changes: {
    income: Change;
    expense: Change;
    net: Change;
    categories: { categoryId: number | null; name: string | null; change: Change }[];
  };
  readonly biggest: TransactionWithCategory[];
  readonly trend: { categoryId: number; name: string; points: { month: string; cents: number }[] } | null;
  readonly categories: Category[];
  readonly accounts: Account[];
}

/** How many of the range's largest expenses the report lists. */
const BIGGEST = 10;

/** Reports read from the per-month totals, never from every row. */
export function createReportService(deps: {
  transactions: TransactionsRepo;
  categories: CategoriesRepo;
  accounts: AccountsRepo;
  /** A month's budget (the budget service's), so the dashboard and /budgets count alike. */
  budgetMonth: (userId: number, month: string) => BudgetMonth;
  /** The scheduled occurrences coming up from a day (the schedule service's). */
  upcoming: (userId: number, today: string) => DashboardReport['upcoming'];
  /** A page's reads as one read transaction (the dashboard's dozen, a report's, the API summary's): its numbers from one moment. */
  asOneRead: RunAsOneRead;
}) {
  /** The 12 months ending with `last`, each with its income and expenses (zero for a month without rows). */
  function twelveMonths(userId: number, last: string) {
    const months = Array.from({ length: 12 }, (_, i) => addMonths(last, i - 11));
    const found = new Map(deps.transactions.monthlyIncomeAndExpenses(userId, { from: months[0]!, to: last }).map((m) => [m.month, m]));
    return months.map((month) => found.get(month) ?? { month, incomeCents: 0, expenseCents: 0 });
  }

  /**
   * Net worth at the end of each of the 24 months ending with `last`, from the per-account monthly totals; the running
   * month as of today (`today`: its month, each account's balance, and what of it is dated later).
   */
  function netWorthMonths(
    userId: number,
    accounts: readonly Pick<Account, 'id' | 'openingBalanceCents' | 'openingOn'>[],
    last: string,
    today: { month: string; balances: readonly AccountBalance[]; later: ReadonlyMap<number, number> },
  ) {
    const months = Array.from({ length: 24 }, (_, i) => addMonths(last, i - 23));
    const series = monthEndSeries(accounts, deps.accounts.listAccountMonthSums(userId, { from: months[0]!, through: last }), months);
    // Only a series ending with the running month shows it as of today (its description says so); one ending later
    // (a future period's) is month ends throughout, as its description says.
    const shown = last === today.month ? withRunningMonthToday(series, today.month, today.balances, today.later) : series;
    return shown.map((m) => ({ month: m.month, cents: m.netWorth.netWorthCents }));
  }

  const service = {
    /**
     * A report over whole months: the category x month tables (income and expenses, refunds netted), the change from
     * the same number of months before, the largest expenses, and the monthly trend of one category. All accounts
     * read the per-month totals; some accounts read their rows.
     */
    range(userId: number, range: ReportRange, today: string): RangeReport {
      return deps.asOneRead(() => {
        const count = monthsSpanned(range.fromMonth, range.toMonth);
        const months = Array.from({ length: count }, (_, i) => addMonths(range.fromMonth, i));
        const thisMonth = today.slice(0, 7);
        // A range holding this month is compared to date: both ranges count up to today and its counterpart (the
        // same day of the month as many months before; the 31st is the last day of a shorter month), never a part
        // month, or months still to come, against whole ones.
        const running = range.fromMonth <= thisMonth && thisMonth <= range.toMonth;
        const counterpart = addMonths(thisMonth, -count);
        const previous = {
          fromMonth: addMonths(range.fromMonth, -count),
          toMonth: addMonths(range.fromMonth, -1),
          throughOn: running ? sameDayOfMonthIn(counterpart, today) : null,
        };
        const categories = deps.categories.listCategoriesForUser(userId);
        const names = new Map(categories.map((c) => [c.id, c.name]));
        const sums = deps.transactions.categoryMonthSums(userId, { from: range.fromMonth, to: range.toMonth }, range.accountIds);
        const firstMonth = deps.transactions.firstIncomeOrExpenseMonth(userId, range.accountIds);
        const averaged = averagedMonths(months, thisMonth, firstMonth);
        const tables = categoryMonthTables(months, sums, names, averaged);
        // What the comparison counts: whole months before the cut month, and the cut month up to its day.
        const upTo = (whole: typeof sums, cutMonth: string, throughOn: string | null) =>
          throughOn === null
            ? whole
            : [...whole.filter((s) => s.month < cutMonth), ...deps.transactions.categorySumsOfDays(userId, `${cutMonth}-01`, throughOn, range.accountIds)];
        const current = upTo(sums, thisMonth, running ? today : null);
        const before = upTo(
          deps.transactions.categoryMonthSums(userId, { from: previous.fromMonth, to: previous.toMonth }, range.accountIds),
          counterpart,
          previous.throughOn,
        );
        const total = (list: typeof sums, type: 'income' | 'expense') => list.filter((s) => s.type === type).reduce((a, s) => a + s.cents, 0);
        const byCategory = (list: typeof sums) => {
          const map = new Map<number | null, number>();
          for (const s of list) if (s.type === 'expense') map.set(s.categoryId, (map.get(s.categoryId) ?? 0) + s.cents);
          return map;
        };
        const now = byCategory(current);
        const then = byCategory(before);
        const keys = [...new Set([...now.keys(), ...then.keys()])];
        const income = changeBetween(total(current, 'income'), total(before, 'income'));
        const expense = changeBetween(total(current, 'expense'), total(before, 'expense'));
        const trendCategory = range.trendCategoryId === null ? undefined : categories.find((c) => c.id === range.trendCategoryId);
        return {
          months,
          tables,
          previous,
          throughOn: running ? today : null,
          averagedMonths: averaged.to - averaged.from,
          // Named when it cuts the averages short: the months before it hold nothing, and are not in them.
          firstMonth: firstMonth !== null && firstMonth > range.fromMonth && firstMonth <= range.toMonth ? firstMonth : null,
          recordsBegin: firstMonth,
          changes: {
            income,
            expense,
            net: changeBetween(income.currentCents - expense.currentCents, income.previousCents - expense.previousCents),
            categories: keys
              .map((categoryId) => ({ categoryId, name: categoryId === null ? null : (names.get(categoryId) ?? null), change: changeBetween(now.get(categoryId) ?? 0, then.get(categoryId) ?? 0) }))
              .sort((a, b) => Math.abs(b.change.changeCents) - Math.abs(a.change.changeCents) || (a.name ?? '').localeCompare(b.name ?? '')),
          },
          biggest: deps.transactions.biggestExpenses(userId, `${range.fromMonth}-01`, lastDayOfMonth(range.toMonth), range.accountIds, BIGGEST),
          trend: trendCategory
            ? {
                categoryId: trendCategory.id,
                name: trendCategory.name,
                points: months.map((month) => ({
                  month,
                  cents: sums.filter((s) => s.month === month && s.categoryId === trendCategory.id && s.type === trendCategory.kind).reduce((a, s) => a + s.cents, 0),
                })),
              }
            : null,
          categories,
          accounts: deps.accounts.listAccounts(userId),
        };
      });
    },

    /** The category x month tables of a report as CSV: one row per category and type, the month columns, total and average. */
    rangeCsv(userId: number, range: ReportRange, today: string): string {
      const report = service.range(userId, range, today);
      const header = ['type', 'category', ...report.months, 'total', 'average'];
      const lines: string[][] = [];
      for (const [type, table] of [['income', report.tables.income], ['expense', report.tables.expense]] as const) {
        for (const row of table.rows) {
          lines.push([type, neutraliseCsvCell(row.name ?? ''), ...row.byMonth.map(centsToDecimalString), centsToDecimalString(row.totalCents), averageCell(row.averageCents)]);
        }
        lines.push([type, 'total', ...table.monthTotals.map(centsToDecimalString), centsToDecimalString(table.totalCents), averageCell(table.averageCents)]);
      }
      return stringify([header, ...lines], { record_delimiter: '\r\n' });
    },

    /**
     * Income and expenses of the period and where the expenses went (refunds taken off), the all-time balance, the
     * latest rows, the budget of `budgetMonth` and what is scheduled after `today`; the charts' series end with
     * `budgetMonth` too (the period's month, or this month).
     */
    /** A period's income, expenses and top categories, and the all-time balance: the dashboard's numbers, alone. */
    periodSummary(userId: number, period: Period): { summary: PeriodSummary; balanceCents: number } {
      return deps.asOneRead(() => {
        const categories = deps.categories.listCategoriesForUser(userId);
        const names = new Map(categories.map((c) => [c.id, c.name]));
        const expenseCategoryIds = new Set(categories.filter((c) => c.kind === 'expense').map((c) => c.id));
        return {
          summary: summarisePeriod(deps.transactions.categoryTotalsForMonths(userId, periodMonths(period)), names, expenseCategoryIds),
          balanceCents: deps.transactions.totalsForUser(userId).balanceCents,
        };
      });
    },

    dashboard(userId: number, period: Period, budgetMonth: string, today: string, options: { series: boolean }): DashboardReport {
      return deps.asOneRead(() => {
        const categories = deps.categories.listCategoriesForUser(userId);
        const names = new Map(categories.map((c) => [c.id, c.name]));
        const expenseCategoryIds = new Set(categories.filter((c) => c.kind === 'expense').map((c) => c.id));
        const withActivity = deps.accounts.listAccountsWithActivity(userId);
        const balances = withActivity.map(accountBalance).sort(compareAccounts);
        const later = deps.accounts.laterNetByAccount(userId, today, lastDayOfMonth(today.slice(0, 7)));
        const { accounts, laterCents } = withLaterRows(balances, later);
        return {
          accounts,
          netWorth: netWorthOf(balances),
          laterCents,
          laterRows: laterCents !== 0 && deps.transactions.hasIncomeOrExpenseAfter(userId, today),
          summary: summarisePeriod(deps.transactions.categoryTotalsForMonths(userId, periodMonths(period)), names, expenseCategoryIds),
          balanceCents: deps.transactions.totalsForUser(userId).balanceCents,
          recent: deps.transactions.listFilteredTransactionsPage(userId, {}, DASHBOARD_RECENT).rows,
          categories,
          budget: deps.budgetMonth(userId, budgetMonth),
          upcoming: deps.upcoming(userId, today),
          series: options.series ? { monthly: twelveMonths(userId, budgetMonth), netWorth: netWorthMonths(userId, withActivity, budgetMonth, { month: today.slice(0, 7), balances, later }), netWorthEndsToday: budgetMonth === today.slice(0, 7) } : null,
        };
      });
    },
  };
  return service;
}

export type ReportService = ReturnType<typeof createReportService>;

/** An average in the CSV: empty when no month of the range has ended. */
function averageCell(cents: number | null): string {
  return cents === null ? '' : centsToDecimalString(cents);
}
