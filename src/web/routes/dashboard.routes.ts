import { Router, type Response } from 'express';
import type { CategoriesRepo, Category } from '../../db/repos/categories.ts';
import type { TransactionsRepo } from '../../db/repos/transactions.ts';
import { todayIn } from '../../services/dates.ts';
import {
  adjacentPeriods,
  parsePeriod,
  percentShare,
  periodLabel,
  periodMonths,
  periodParam,
  type Period,
} from '../../services/periods.ts';
import type { FieldErrors } from '../form-fields.ts';
import { emptyTransactionForm, type TransactionFormValues } from '../forms/transaction-form.ts';
import { requireUser } from '../middleware/auth.ts';

export const DASHBOARD_RECENT = 10;

/** How many expense categories the dashboard ranks by name; the rest are summed as one line. */
export const TOP_CATEGORIES = 5;

/** One line of the top expense categories. */
export interface CategoryShare {
  readonly name: string;
  readonly categoryKey: number;
  readonly cents: number;
  readonly percent: number;
}

/** Period totals and the ranking of expense categories, read from monthly_totals only. */
export function summarisePeriod(
  repos: { transactions: TransactionsRepo; categories: CategoriesRepo },
  userId: number,
  period: Period,
  userCategories: readonly Category[] = repos.categories.listCategoriesForUser(userId),
): { incomeCents: number; expenseCents: number; topExpenses: CategoryShare[]; otherExpenses: CategoryShare | null } {
  const names = new Map(userCategories.map((c) => [c.id, c.name]));
  let incomeCents = 0;
  let expenseCents = 0;
  const byCategory: { categoryKey: number; cents: number }[] = [];
  for (const row of repos.transactions.categoryTotalsForMonths(userId, periodMonths(period))) {
    if (row.type === 'income') incomeCents += row.cents;
    else {
      expenseCents += row.cents;
      byCategory.push({ categoryKey: row.categoryKey, cents: row.cents });
    }
  }
  byCategory.sort((a, b) => b.cents - a.cents || a.categoryKey - b.categoryKey);
  const share = (r: { categoryKey: number; cents: number }): CategoryShare => ({
    name: r.categoryKey === 0 ? 'Uncategorised' : (names.get(r.categoryKey) ?? 'Uncategorised'),
    categoryKey: r.categoryKey,
    cents: r.cents,
    percent: percentShare(r.cents, expenseCents),
  });
  const top = byCategory.slice(0, TOP_CATEGORIES).map(share);
  const restCents = byCategory.slice(TOP_CATEGORIES).reduce((sum, r) => sum + r.cents, 0);
  return {
    incomeCents,
    expenseCents,
    topExpenses: top,
    otherExpenses: restCents > 0 ? { name: 'All other categories', categoryKey: -1, cents: restCents, percent: percentShare(restCents, expenseCents) } : null,
  };
}

/** The first and last day a period covers, for links to the filtered transactions list. */
function periodDays(period: Period): { from?: string; to?: string } {
  if (period.kind === 'all') return {};
  const months = periodMonths(period);
  const [year, month] = months.to.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { from: `${months.from}-01`, to: `${months.to}-${String(lastDay).padStart(2, '0')}` };
}

/** Everything the dashboard shows; used for its page and to re-render the add form with errors. */
export function renderDashboard(
  res: Response,
  repos: { transactions: TransactionsRepo; categories: CategoriesRepo },
  userId: number,
  form: { values: TransactionFormValues; errors: FieldErrors },
  today: string,
  period: Period = parsePeriod(undefined, today),
): void {
  // One read of the user's categories serves both the ranking's names and the add form's select.
  const userCategories = repos.categories.listCategoriesForUser(userId);
  const summary = summarisePeriod(repos, userId, period, userCategories);
  const allTime = repos.transactions.totalsForUser(userId);
  const { previous, next } = adjacentPeriods(period);
  const thisMonth = parsePeriod(undefined, today);
  const thisYear: Period = { kind: 'year', year: period.kind === 'all' ? today.slice(0, 4) : periodParam(period).slice(0, 4) };
  res.render('dashboard/index', {
    title: 'Dashboard',
    // The add form posts to /transactions; when it comes back with errors the nav should still say Dashboard.
    currentPath: '/dashboard',
    totals: {
      incomeCents: summary.incomeCents,
      expenseCents: summary.expenseCents,
      balanceCents: allTime.balanceCents,
    },
    periodNetCents: summary.incomeCents - summary.expenseCents,
    period: { label: periodLabel(period), param: periodParam(period), kind: period.kind, ...periodDays(period) },
    nav: {
      previous: previous && { label: periodLabel(previous), param: periodParam(previous) },
      next: next && { label: periodLabel(next), param: periodParam(next) },
      thisMonth: { label: 'This month', param: periodParam(thisMonth), current: periodParam(thisMonth) === periodParam(period) },
      year: { label: periodLabel(thisYear), param: periodParam(thisYear), current: periodParam(thisYear) === periodParam(period) },
      all: { label: 'All time', param: 'all', current: period.kind === 'all' },
    },
    topExpenses: summary.topExpenses,
    otherExpenses: summary.otherExpenses,
    recent: repos.transactions.listFilteredTransactionsPage(userId, {}, DASHBOARD_RECENT).rows,
    categories: userCategories,
    form,
  });
}

/** The dashboard: totals for a period, the all-time balance, top expense categories, the add form and the latest transactions. */
export function createDashboardRouter(deps: {
  transactions: TransactionsRepo;
  categories: CategoriesRepo;
  timeZone?: string;
}): Router {
  const router = Router();

  /* GET /: signed-in users go to the dashboard, everyone else to the login page. */
  router.get('/', (req, res) => res.redirect(303, req.user ? '/dashboard' : '/login'));

  /*
   * GET /dashboard: income and expenses for ?period= (YYYY-MM, YYYY or all; this month by default), the all-time
   * balance, the period's top expense categories with their share, the add form and the latest transactions.
   * Signed-in users.
   */
  router.get('/dashboard', requireUser, (req, res) => {
    const today = todayIn(deps.timeZone);
    renderDashboard(
      res,
      deps,
      req.user!.id,
      { values: emptyTransactionForm(today), errors: {} },
      today,
      parsePeriod(req.query.period, today),
    );
  });

  return router;
}
