import { Router, type Response } from 'express';
import { addMonths, isCalendarMonth, monthOf } from '../../domain/calendar.ts';
import type { BudgetService } from '../../services/budgets.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import type { FieldErrors } from '../form-fields.ts';
import { parseBudgetForm } from '../forms/budget-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash, setFlashMessages } from '../middleware/locals.ts';
import { budgetChartLegend, chartFormatsFor } from '../chart-formats.ts';
import { horizontalBarsChart } from '../charts.ts';

const NOT_FOUND = msg('budgets.notFound');

/** A month in a path (YYYY-MM in the supported years); anything else is simply not found. */
function monthParam(raw: unknown): string {
  if (typeof raw !== 'string' || !isCalendarMonth(raw)) throw new NotFoundError(NOT_FOUND);
  return raw;
}

/** Monthly budgets per expense category: the month's page, saving it, and copying last month's amounts. */
export function createBudgetsRouter(deps: { budgets: BudgetService }): Router {
  const router = Router();
  const service = deps.budgets;
  router.use('/budgets', requireUser);

  function renderMonth(
    res: Response,
    userId: number,
    month: string,
    form?: { values: Record<string, string>; errors: FieldErrors; gone?: number },
  ): void {
    const budget = service.month(userId, month);
    const currentMonth = monthOf(pageToday(res));
    const previous = addMonths(month, -1);
    const next = addMonths(month, 1);
    const language = pageLanguage(res);
    const formats = chartFormatsFor(language);
    const active = budget.lines.filter((l) => l.budgetedCents !== null || l.carriedFrom !== null);
    res.render('budgets/index', {
      title: 'budgets.title',
      titleValues: { month: language.days.formatMonth(month) },
      styles: ['/css/budgets.css', '/css/charts.css'],
      budget,
      // Spent against available per budgeted category; the table below the form says the same in words.
      progressChart: horizontalBarsChart({
        id: 'chart-budget',
        title: language.t('charts.budget.title', { month: language.days.formatMonthInText(month) }),
        description: language.t('charts.budget.description'),
        rows: active.map((l) => ({
          name: l.name,
          cents: l.spentCents,
          trackCents: l.availableCents,
          className: l.over ? 'chart__bar--over' : 'chart__bar--budget',
          note: l.over ? language.t('budgets.overBy', { amount: formats.money(l.spentCents - l.availableCents) }) : language.t('budgets.left', { amount: formats.money(l.remainingCents) }),
        })),
        formats,
        labels: { name: language.t('common.category'), amount: language.t('budgets.spent'), note: language.t('budgets.remaining') },
        legend: budgetChartLegend(language),
      }),
      currentMonth,
      nav: { previous: isCalendarMonth(previous) ? previous : null, next: isCalendarMonth(next) ? next : null },
      form: form ?? { values: {}, errors: {} },
    });
  }

  /* GET /budgets: this month's budget in the person's time zone. Signed-in users. */
  router.get('/budgets', (req, res) => {
    renderMonth(res, signedInUser(req).id, monthOf(pageToday(res)));
  });

  /* GET /budgets/export.csv: every budget amount of the person, by month and category, as a CSV attachment. Signed-in users. */
  router.get('/budgets/export.csv', (req, res) => {
    const csv = service.exportCsv(signedInUser(req).id);
    res.type('text/csv; charset=utf-8');
    res.attachment(`ledgerly-${pageLanguage(res).t('budgets.exportFileName')}-${pageToday(res)}.csv`);
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(csv);
  });

  /* GET /budgets/:month: a month's budget (YYYY-MM): amounts, carried amounts, spending and what remains. Signed-in users. */
  router.get('/budgets/:month', (req, res) => {
    renderMonth(res, signedInUser(req).id, monthParam(req.params.month));
  });

  /*
   * POST /budgets/:month: save the month's amounts (empty removes one) and each category's rollover. A bad amount
   * re-renders the page with 422, a message beside it, and nothing saved. Signed-in users, their own categories only.
   */
  router.post('/budgets/:month', (req, res) => {
    const user = signedInUser(req);
    const month = monthParam(req.params.month);
    const input = parseBudgetForm(req.body, pageLanguage(res));
    if (!input.ok) {
      res.status(422);
      return renderMonth(res, user.id, month, { values: input.values, errors: input.errors });
    }
    const saved = service.save(user.id, month, input.entries);
    if (!saved.ok) {
      // An amount for a category deleted since the page was opened (or an id that was never the person's): said, and
      // nothing saved, the other amounts kept as typed.
      res.status(422);
      return renderMonth(res, user.id, month, { values: input.values, errors: {}, gone: saved.gone.length });
    }
    setFlash(req, 'success', 'budgets.flash.saved', { month: pageLanguage(res).days.formatMonthInText(month) });
    res.redirect(303, `/budgets/${month}`);
  });

  /*
   * POST /budgets/:month/copy: fill the month from last month's amounts, keeping any already set. The button submits
   * the amounts form, so what was typed there and not yet saved is saved first and kept (a bad amount: 422, as on
   * saving, and nothing copied). Signed-in users.
   */
  router.post('/budgets/:month/copy', (req, res) => {
    const user = signedInUser(req);
    const month = monthParam(req.params.month);
    const input = parseBudgetForm(req.body, pageLanguage(res));
    if (!input.ok) {
      res.status(422);
      return renderMonth(res, user.id, month, { values: input.values, errors: input.errors });
    }
    const result = service.copyPreviousMonth(user.id, month, input.entries);
    if (!result.ok) {
      res.status(422);
      return renderMonth(res, user.id, month, { values: input.values, errors: {}, gone: result.gone.length });
    }
    const from = pageLanguage(res).days.formatMonthInText(result.from);
    if (result.previousCount === 0) setFlash(req, 'error', 'budgets.flash.nothingToCopy', { month: from });
    else {
      const kept = result.previousCount - result.copied;
      setFlashMessages(req, 'success', [
        msg('budgets.flash.copied', { count: result.copied, month: from }),
        ...(kept > 0 ? [msg('budgets.flash.kept', { count: kept })] : []),
      ]);
    }
    res.redirect(303, `/budgets/${month}`);
  });

  return router;
}
