import type { Response } from 'express';
import { adjacentPeriods, monthPeriod, periodDays, periodParam, periodYear, type Period } from '../../domain/periods.ts';
import type { ReportService } from '../../services/reports.ts';
import type { FieldErrors } from '../form-fields.ts';
import type { TransactionFormValues } from '../forms/transaction-form.ts';

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** "November 2026", "2026" or "All time". */
export function periodLabel(period: Period): string {
  if (period.kind === 'month') return `${MONTH_NAMES[Number(period.month.slice(5, 7)) - 1]} ${period.month.slice(0, 4)}`;
  if (period.kind === 'year') return period.year;
  return 'All time';
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
      options: { today: string; period: Period; form: { values: TransactionFormValues; errors: FieldErrors } },
    ): void {
      const { today, period } = options;
      const report = reports.dashboard(userId, period);
      const { previous, next } = adjacentPeriods(period);
      const thisMonth = monthPeriod(today);
      const thisYear = periodYear(period, today);
      const { summary } = report;
      res.render('dashboard/index', {
        title: 'Dashboard',
        // The add form posts to /transactions; when it comes back with errors the nav should still say Dashboard.
        currentPath: '/dashboard',
        totals: { incomeCents: summary.incomeCents, expenseCents: summary.expenseCents, balanceCents: report.balanceCents },
        periodNetCents: summary.netCents,
        period: { label: periodLabel(period), param: periodParam(period), kind: period.kind, ...periodDays(period) },
        nav: {
          previous: previous && { label: periodLabel(previous), param: periodParam(previous) },
          next: next && { label: periodLabel(next), param: periodParam(next) },
          thisMonth: { label: 'This month', param: periodParam(thisMonth), current: periodParam(thisMonth) === periodParam(period) },
          year: { label: periodLabel(thisYear), param: periodParam(thisYear), current: periodParam(thisYear) === periodParam(period) },
          all: { label: 'All time', param: 'all', current: period.kind === 'all' },
        },
        topExpenses: summary.topExpenses.map((share) => ({ ...share, name: share.name ?? 'Uncategorised' })),
        otherExpenses: summary.otherExpenses && { ...summary.otherExpenses, name: 'All other categories' },
        recent: report.recent,
        categories: report.categories,
        form: options.form,
      });
    },
  };
}

export type DashboardPage = ReturnType<typeof createDashboardPage>;
