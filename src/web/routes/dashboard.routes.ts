import { Router, type Response } from 'express';
import type { TransactionsRepo } from '../../db/repos/transactions.ts';
import { todayIn } from '../../services/dates.ts';
import type { FieldErrors } from '../form-fields.ts';
import { emptyTransactionForm, type TransactionFormValues } from '../forms/transaction-form.ts';
import { requireUser } from '../middleware/auth.ts';

export const DASHBOARD_RECENT = 10;

/** Everything the dashboard shows; used for its page and to re-render the add form with errors. */
export function renderDashboard(
  res: Response,
  repo: TransactionsRepo,
  userId: number,
  form: { values: TransactionFormValues; errors: FieldErrors },
): void {
  res.render('dashboard/index', {
    title: 'Dashboard',
    totals: repo.totalsForUser(userId),
    recent: repo.listTransactionsPage(userId, DASHBOARD_RECENT).rows,
    form,
  });
}

/** The dashboard: totals, the add form and the latest transactions. */
export function createDashboardRouter(deps: { transactions: TransactionsRepo; timeZone?: string }): Router {
  const router = Router();

  /* GET /: signed-in users go to the dashboard, everyone else to the login page. */
  router.get('/', (req, res) => res.redirect(303, req.user ? '/dashboard' : '/login'));

  /* GET /dashboard: totals, add form, latest transactions. Signed-in users. */
  router.get('/dashboard', requireUser, (req, res) => {
    renderDashboard(res, deps.transactions, req.user!.id, {
      values: emptyTransactionForm(todayIn(deps.timeZone)),
      errors: {},
    });
  });

  return router;
}
