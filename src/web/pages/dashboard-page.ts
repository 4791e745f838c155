import type { Response } from 'express';
import { adjacentPeriods, monthPeriod, periodDays, periodParam, periodYear, type Period } from '../../domain/periods.ts';
import { defaultAccountId } from '../../domain/accounts.ts';
import { monthOf } from '../../domain/calendar.ts';
import type { ReportService } from '../../services/reports.ts';
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
        styles: ['/css/budgets.css', '/css/scheduled.css'],
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
