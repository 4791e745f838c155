import type { Response } from 'express';
import { adjacentPeriods, monthPeriod, periodDays, periodParam, periodYear, type Period } from '../../domain/periods.ts';
import { defaultAccountId } from '../../domain/accounts.ts';
import { monthOf } from '../../domain/calendar.ts';
import type { DashboardReport, ReportService } from '../../services/reports.ts';
import { chartFormatsFor } from '../chart-formats.ts';
import { horizontalBarsChart, monthlyBarsChart, monthlyLineChart } from '../charts.ts';
import type { FieldErrors } from '../form-fields.ts';
import { emptyTransactionForm, type TransactionFormValues } from '../forms/transaction-form.ts';
import type { LanguageContext } from '../i18n.ts';
import { pageLanguage } from '../middleware/locals.ts';

/** "November 2026" ("Листопад 2026 р."), "2026" or "All time" ("Увесь час"), in the page's language. */
export function periodLabel(period: Period, language: LanguageContext): string {
  if (period.kind === 'month') return language.days.formatMonth(period.month);
  if (period.kind === 'year') return period.year;
  return language.t('periods.allTime');
}

/** The dashboard's charts, in the page's language: each with its title, description and table. */
function dashboardCharts(report: DashboardReport, language: LanguageContext, periodName: string) {
  const t = language.t;
  const formats = chartFormatsFor(language);
  const first = report.monthly[0]!.month;
  const last = report.monthly.at(-1)!.month;
  const { summary } = report;
  const spending = [
    ...summary.topExpenses.map((s) => ({ name: s.name ?? t('common.uncategorised'), cents: s.cents, note: `${s.percent}%` })),
    ...(summary.otherExpenses ? [{ name: t('periods.allOtherCategories'), cents: summary.otherExpenses.cents, note: `${summary.otherExpenses.percent}%` }] : []),
  ];
  const budgetLines = report.budget.lines.filter((l) => l.budgetedCents !== null || l.carriedFrom !== null);
  return {
    monthly: monthlyBarsChart({
      id: 'chart-monthly',
      title: t('charts.monthly.title'),
      description: t('charts.monthly.description', { from: formats.longMonth(first), to: formats.longMonth(last) }),
      months: report.monthly,
      formats,
      labels: { income: t('totals.income'), expenses: t('totals.expenses'), month: t('charts.month') },
    }),
    spending: horizontalBarsChart({
      id: 'chart-spending',
      title: t('charts.spending.title', { period: periodName }),
      description: t('charts.spending.description', { period: periodName }),
      rows: spending,
      formats,
      labels: { name: t('common.category'), amount: t('common.amount'), note: t('charts.share') },
    }),
    netWorth: monthlyLineChart({
      id: 'chart-net-worth',
      title: t('charts.netWorth.title'),
      description: t('charts.netWorth.description', { from: formats.longMonth(report.netWorthSeries[0]!.month), to: formats.longMonth(last) }),
      points: report.netWorthSeries,
      formats,
      labels: { value: t('accounts.netWorth'), month: t('charts.month') },
    }),
    budget: horizontalBarsChart({
      id: 'chart-budget',
      title: t('charts.budget.title', { month: formats.longMonth(report.budget.month) }),
      description: t('charts.budget.description'),
      rows: budgetLines.map((l) => ({
        name: l.name,
        cents: l.spentCents,
        trackCents: l.availableCents,
        className: l.over ? 'chart__bar--over' : 'chart__bar--budget',
        note: l.over ? t('budgets.overBy', { amount: formats.money(l.spentCents - l.availableCents) }) : t('budgets.left', { amount: formats.money(l.remainingCents) }),
      })),
      formats,
      labels: { name: t('common.category'), amount: t('budgets.spent') },
    }),
  };
}

/**
 * The dashboard page, shared by its own route and by the add form that posts from it (which shows the page again
 * when the form has errors).
 */
export function createDashboardPage(reports: ReportService) {
  return {
    /** Renders the dashboard of a period for the user, with the add form as given. */
    render(
      res: Response,
      userId: number,
      options: {
        today: string;
        period: Period;
        /** The add form as it came back with errors; a blank one in the account last used (or the first open one) otherwise. */
        form?: { values: TransactionFormValues; errors: FieldErrors };
        lastAccountId?: number;
      },
    ): void {
      const { today, period } = options;
      // The budget card follows a month the dashboard shows, else this month.
      const budgetMonth = period.kind === 'month' ? period.month : monthOf(today);
      const report = reports.dashboard(userId, period, budgetMonth, today);
      const { previous, next } = adjacentPeriods(period);
      const thisMonth = monthPeriod(today);
      const thisYear = periodYear(period, today);
      const { summary } = report;
      const language = pageLanguage(res);
      const label = (p: Period) => periodLabel(p, language);
      res.render('dashboard/index', {
        title: 'dashboard.title',
        styles: ['/css/budgets.css', '/css/scheduled.css', '/css/charts.css'],
        charts: dashboardCharts(report, language, label(period)),
        // The add form posts to /transactions; when it comes back with errors the nav should still say Dashboard.
        currentPath: '/dashboard',
        totals: { incomeCents: summary.incomeCents, expenseCents: summary.expenseCents, balanceCents: report.balanceCents },
        periodNetCents: summary.netCents,
        period: { label: label(period), param: periodParam(period), kind: period.kind, ...periodDays(period) },
        nav: {
          previous: previous && { label: label(previous), param: periodParam(previous) },
          next: next && { label: label(next), param: periodParam(next) },
          thisMonth: { label: language.t('periods.thisMonth'), param: periodParam(thisMonth), current: periodParam(thisMonth) === periodParam(period) },
          year: { label: label(thisYear), param: periodParam(thisYear), current: periodParam(thisYear) === periodParam(period) },
          all: { label: language.t('periods.allTime'), param: 'all', current: period.kind === 'all' },
        },
        topExpenses: summary.topExpenses.map((share) => ({ ...share, name: share.name ?? language.t('common.uncategorised') })),
        otherExpenses: summary.otherExpenses && { ...summary.otherExpenses, name: language.t('periods.allOtherCategories') },
        recent: report.recent,
        categories: report.categories,
        accounts: report.accounts,
        netWorth: report.netWorth,
        budget: report.budget,
        upcoming: report.upcoming,
        form: options.form ?? { values: emptyTransactionForm(today, defaultAccountId(report.accounts, options.lastAccountId)), errors: {} },
      });
    },
  };
}

export type DashboardPage = ReturnType<typeof createDashboardPage>;
