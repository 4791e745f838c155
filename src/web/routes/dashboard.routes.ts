import { Router } from 'express';
import { parsePeriod } from '../../domain/periods.ts';
import { signedInUser } from '../current-user.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageToday } from '../middleware/locals.ts';
import type { DashboardPage } from '../pages/dashboard-page.ts';

/** The dashboard: totals for a period, the all-time balance, top expense categories, the add form and the latest transactions. */
export function createDashboardRouter(deps: { dashboard: DashboardPage }): Router {
  const router = Router();

  /* GET /: signed-in users go to the dashboard, everyone else to the login page. */
  router.get('/', (req, res) => res.redirect(303, req.user ? '/dashboard' : '/login'));

  /*
   * GET /dashboard: income and expenses for ?period= (YYYY-MM, YYYY or all; this month by default), the all-time
   * balance, the period's top expense categories with their share, the add form and the latest transactions.
   * Signed-in users.
   */
  router.get('/dashboard', requireUser, (req, res) => {
    const user = signedInUser(req);
    const today = pageToday(res);
    deps.dashboard.render(res, user, {
      today,
      period: parsePeriod(req.query.period, today),
      lastAccountId: req.session.lastAccountId,
    });
  });

  return router;
}
