import type { Response } from 'express';
import { adjacentPeriods, monthPeriod, periodDays, periodParam, periodYear, type Period } from '../../domain/periods.ts';
import { defaultAccountId } from '../../domain/accounts.ts';
import { addDays, monthOf } from '../../domain/calendar.ts';
import type { DashboardReport, ReportService } from '../../services/reports.ts';
import { budgetChartLegend, chartFormatsFor, chartWordsFor } from '../chart-formats.ts';
import { chartMarkup, DrawnChart } from '../chart-markup.ts';
import { createFragmentCache } from '../fragment-cache.ts';
import { horizontalBarsChart, monthlyBarsChart, monthlyLineChart, type ChartModel } from '../charts.ts';
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

/** The period inside a sentence, after "for" or «за»: "November 2026", "2026", "all time" («листопад 2026 р.», «2026 р.», «весь час»). */
export function periodInText(period: Period, language: LanguageContext): string {
  if (period.kind === 'month') return language.days.formatMonthInText(period.month);
  if (period.kind === 'year') return language.t('periods.yearInText', { year: period.year });
  return language.t('periods.allTimeInText');
}

/** The period after a heading's "·": "November 2026", "2026", "All time" («листопад 2026 р.», «2026», «увесь час»). */
export function periodAfterDot(period: Period, language: LanguageContext): string {
  if (period.kind === 'month') return language.days.formatMonthInText(period.month);
  if (period.kind === 'year') return period.year;
  return language.t('periods.allTimeAfterDot');
}

/** How a period is named inside the page's sentences and after its headings' "·". */
interface PeriodNames {
  readonly inText: string;
  readonly afterDot: string;
}

/** A category's share of the period's spending: "<1%" rather than "0%" for an amount that is not nothing. */
const shareText = (share: { cents: number; percent: number }) => (share.percent === 0 && share.cents !== 0 ? '<1%' : `${share.percent}%`);

/** The dashboard's charts as markup, with the titles its headings show. */
interface DashboardChartMarkup {
  readonly titles: { readonly monthly: string; readonly netWorth: string };
  readonly monthly: DrawnChart;
  readonly netWorth: DrawnChart;
  readonly spending: DrawnChart;
  readonly budget: DrawnChart;
}

/** What the dashboard's charts are drawn from: nothing else goes into them. */
function chartInputs(report: DashboardReport, series: NonNullable<DashboardReport['series']>, language: LanguageContext, periodName: PeriodNames) {
  const t = language.t;
  const { summary } = report;
  return {
    language: language.language,
    periodName,
    series,
    spending: [
      ...summary.topExpenses.map((s) => ({ name: s.name ?? t('common.uncategorised'), cents: s.cents, note: shareText(s) })),
      ...(summary.otherExpenses ? [{ name: t('periods.allOtherCategories'), cents: summary.otherExpenses.cents, note: shareText(summary.otherExpenses) }] : []),
    ],
    budgetMonth: report.budget.month,
    budgetLines: report.budget.lines
      .filter((l) => l.budgeted)
      .map((l) => ({ name: l.name, spentCents: l.spentCents, availableCents: l.availableCents, remainingCents: l.remainingCents, over: l.over })),
  };
}

/** The dashboard's charts, in the page's language: each with its title, description and table. */
function dashboardCharts(inputs: ReturnType<typeof chartInputs>, language: LanguageContext) {
  const t = language.t;
  const formats = chartFormatsFor(language);
  const { series, spending, budgetLines, periodName } = inputs;
  const first = series.monthly[0]!.month;
  const last = series.monthly.at(-1)!.month;
  return {
    monthly: monthlyBarsChart({
      id: 'chart-monthly',
      title: t('charts.monthly.title'),
      description: t('charts.monthly.description', { from: language.days.formatMonthSince(first), to: language.days.formatMonthInText(last) }),
      months: series.monthly,
      formats,
      labels: { income: t('totals.income'), expenses: t('totals.expenses'), month: t('charts.month') },
    }),
    spending: horizontalBarsChart({
      id: 'chart-spending',
      title: t('charts.spending.title', { period: periodName.afterDot }),
      description: t('charts.spending.description', { period: periodName.inText }),
      rows: spending,
      formats,
      labels: { name: t('common.category'), amount: t('common.amount'), note: t('charts.share') },
    }),
    netWorth: monthlyLineChart({
      id: 'chart-net-worth',
      title: t('charts.netWorth.title'),
      description: t(series.netWorthEndsToday ? 'charts.netWorth.descriptionToday' : 'charts.netWorth.description', { from: language.days.formatMonthSince(series.netWorth[0]!.month), to: language.days.formatMonthInText(last) }),
      points: series.netWorth,
      formats,
      labels: { value: t('accounts.netWorth'), month: t('charts.month') },
    }),
    budget: horizontalBarsChart({
      id: 'chart-budget',
      title: t('charts.budget.title', { month: language.days.formatMonthInText(inputs.budgetMonth) }),
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
      legend: budgetChartLegend(language),
    }),
  };
}

/**
 * The dashboard page, shared by its own route and by the add form that posts from it (which shows the page again
 * when the form has errors).
 */
export function createDashboardPage(reports: ReportService) {
  // The charts' markup by what it is drawn from: a person reloading an unchanged dashboard reuses theirs. A few
  // hundred entries of about 15 KB each at most.
  const chartCache = createFragmentCache<DashboardChartMarkup>(200);
  const drawCharts = (report: DashboardReport, series: NonNullable<DashboardReport['series']>, language: LanguageContext, periodName: PeriodNames) => {
    const inputs = chartInputs(report, series, language, periodName);
    return chartCache.get(JSON.stringify(inputs), () => {
      const charts = dashboardCharts(inputs, language);
      const words = chartWordsFor(language);
      const draw = (chart: ChartModel, options?: { showTable?: boolean }) => new DrawnChart(chartMarkup(chart, words, options));
      return {
        titles: { monthly: charts.monthly.title, netWorth: charts.netWorth.title },
        monthly: draw(charts.monthly),
        netWorth: draw(charts.netWorth),
        // The page lists these numbers itself, beside the charts.
        spending: draw(charts.spending, { showTable: false }),
        budget: draw(charts.budget, { showTable: false }),
      };
    });
  };
  return {
    /** Renders the dashboard of a period for the user, with the add form as given; charts unless they turned them off. */
    render(
      res: Response,
      user: { readonly id: number; readonly dashboardCharts?: boolean },
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
      // Without charts, their series are not even read: the same numbers stay as lists.
      const report = reports.dashboard(user.id, period, budgetMonth, today, { series: user.dashboardCharts !== false });
      const { previous, next } = adjacentPeriods(period);
      const thisMonth = monthPeriod(today);
      const thisYear = periodYear(period, today);
      const { summary } = report;
      const language = pageLanguage(res);
      const label = (p: Period) => periodLabel(p, language);
      const names: PeriodNames = { inText: periodInText(period, language), afterDot: periodAfterDot(period, language) };
      res.render('dashboard/index', {
        title: 'dashboard.title',
        styles: ['/css/budgets.css', '/css/scheduled.css', '/css/charts.css'],
        charts: report.series && drawCharts(report, report.series, language, names),
        // The add form posts to /transactions; when it comes back with errors the nav should still say Dashboard.
        currentPath: '/dashboard',
        totals: { incomeCents: summary.incomeCents, expenseCents: summary.expenseCents, refundCents: summary.refundCents, balanceCents: report.balanceCents },
        periodNetCents: summary.netCents,
        period: { label: label(period), ...names, param: periodParam(period), kind: period.kind, ...periodDays(period) },
        nav: {
          previous: previous && { label: label(previous), param: periodParam(previous) },
          next: next && { label: label(next), param: periodParam(next) },
          thisMonth: { label: language.t('periods.thisMonth'), param: periodParam(thisMonth), current: periodParam(thisMonth) === periodParam(period) },
          year: { label: label(thisYear), param: periodParam(thisYear), current: periodParam(thisYear) === periodParam(period) },
          all: { label: language.t('periods.allTime'), param: 'all', current: period.kind === 'all' },
        },
        topExpenses: summary.topExpenses.map((share) => ({ ...share, name: share.name ?? language.t('common.uncategorised'), share: shareText(share) })),
        otherExpenses: summary.otherExpenses && { ...summary.otherExpenses, name: language.t('periods.allOtherCategories'), share: shareText(summary.otherExpenses) },
        recent: report.recent,
        categories: report.categories,
        accounts: report.accounts,
        netWorth: report.netWorth,
        laterCents: report.laterCents,
        laterRows: report.laterRows,
        // Where the rows entered ahead of time start: the transactions list from tomorrow on.
        laterFrom: addDays(today, 1),
        budget: report.budget,
        upcoming: report.upcoming,
        form: options.form ?? { values: emptyTransactionForm(today, defaultAccountId(report.accounts, options.lastAccountId)), errors: {} },
      });
    },
  };
}

export type DashboardPage = ReturnType<typeof createDashboardPage>;
