import { Router, type Request, type Response } from 'express';
import type { ReconciliationService, WriteRefusal } from '../../services/reconciliations.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { isCalendarDate } from '../../domain/calendar.ts';
import { formatCursor, type PageCursor } from '../../domain/transactions.ts';
import { returnPath, textField, type FieldErrors } from '../form-fields.ts';
import { parseReconcileForm, parseReconcileRowsForm, reconciliationNamed, type ReconcileFormValues } from '../forms/reconcile-form.ts';
import { parseCursor } from '../forms/transaction-filter.ts';
import { msg, type Msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';

const NOT_FOUND = msg('accounts.notFound');

/** Where the register's cleared toggle returns: the account register it was pressed on. */
function registerPath(raw: unknown): string {
  return returnPath(raw, /^\/accounts\/[1-9]\d{0,15}(\?after=[\w.%-]+)?$/, '/accounts');
}

/** Checking an account against a bank statement, and marking single rows cleared from a register. */
export function createReconcileRouter(deps: { reconciliations: ReconciliationService }): Router {
  const router = Router();
  const service = deps.reconciliations;
  router.use(['/accounts', '/transactions'], requireUser);

  /** The reconcile page, at the page of rows after `after` (the first when null). */
  const pagePath = (accountId: number, after: PageCursor | null) => `/accounts/${accountId}/reconcile${after ? `?after=${formatCursor(after)}` : ''}`;

  /**
   * A form the service refused: another person's account is a 404; one from a reconciliation finished, stopped or
   * replaced meanwhile (another tab) changed nothing, and the page says so.
   */
  function refuse(req: Request, res: Response, accountId: number, problem: WriteRefusal): void {
    if (problem === 'not-found') throw new NotFoundError(NOT_FOUND);
    setFlash(req, 'error', 'reconcile.flash.stale');
    res.redirect(303, pagePath(accountId, null));
  }

  function renderPage(
    res: Response,
    userId: number,
    accountId: number,
    extra: { start?: { values: ReconcileFormValues; errors: FieldErrors }; correct?: { values: ReconcileFormValues; errors: FieldErrors }; error?: Msg; after?: PageCursor | null } = {},
  ) {
    const after = extra.after ?? null;
    const found = service.find(userId, accountId, after);
    if (!found) throw new NotFoundError(NOT_FOUND);
    res.render('accounts/reconcile', {
      title: 'reconcile.title',
      titleValues: { name: found.account.name },
      account: found.account,
      reconciliation: found.reconciliation,
      start: extra.start ?? { values: { statementOn: pageToday(res), statementBalance: '' }, errors: {} },
      // The open reconciliation's statement as it is, in its correction form (or as typed, when refused).
      correct: extra.correct ?? (found.reconciliation
        ? { values: { statementOn: found.reconciliation.statementOn, statementBalance: pageLanguage(res).formatPlain(found.reconciliation.statementBalanceCents) }, errors: {} }
        : null),
      error: extra.error,
      currentCursor: after ? formatCursor(after) : '',
      nextCursor: found.reconciliation?.next ? formatCursor(found.reconciliation.next) : null,
      earlierCursor: found.reconciliation?.earlier === 'first' ? 'first' : found.reconciliation?.earlier ? formatCursor(found.reconciliation.earlier) : null,
      latestCursor: found.reconciliation?.latest ? formatCursor(found.reconciliation.latest) : null,
    });
  }

  /*
   * GET /accounts/:id/reconcile: without an open reconciliation, the form to start one (statement date and ending
   * balance); with one, the account's rows up to that date that are not reconciled, ticked when cleared, oldest
   * first, 200 a page by keyset cursor (?after=YYYY-MM-DD.id), and the difference between the statement and the
   * cleared balance. Owner only; others get 404.
   */
  router.get('/accounts/:id/reconcile', (req, res) => {
    // A statement's import links here with its day and closing balance (?on=YYYY-MM-DD&balance=cents), so the start
    // form opens filled in; anything else in them is ignored, and nothing starts until the form is sent.
    const on = typeof req.query.on === 'string' && isCalendarDate(req.query.on) ? req.query.on : undefined;
    const cents = typeof req.query.balance === 'string' && /^-?\d{1,13}$/.test(req.query.balance) ? Number(req.query.balance) : undefined;
    const start = on !== undefined || cents !== undefined
      ? { values: { statementOn: on ?? pageToday(res), statementBalance: cents === undefined ? '' : pageLanguage(res).formatPlain(cents) }, errors: {} }
      : undefined;
    renderPage(res, signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND), { after: parseCursor(req.query.after), ...(start ? { start } : {}) });
  });

  /* POST /accounts/:id/reconcile: start a reconciliation; bad fields re-render with 422. Owner only; others get 404. */
  router.post('/accounts/:id/reconcile', (req, res) => {
    const user = signedInUser(req);
    const accountId = parseIdParam(req.params.id, NOT_FOUND);
    const input = parseReconcileForm(req.body, pageLanguage(res));
    if (!input.ok) {
      res.status(422);
      return renderPage(res, user.id, accountId, { start: { values: input.values, errors: input.errors } });
    }
    const started = service.start(user.id, accountId, input.statementOn, input.statementBalanceCents);
    if (!started.ok && started.problem === 'not-found') throw new NotFoundError(NOT_FOUND);
    if (!started.ok) setFlash(req, 'error', 'reconcile.flash.alreadyOpen', { date: pageLanguage(res).days.formatDayInText(started.statementOn) });
    res.redirect(303, `/accounts/${accountId}/reconcile`);
  });

  /*
   * POST /accounts/:id/reconcile/rows: save the page's ticks (action=update: ticked rows become cleared, rows the page
   * showed and not ticked uncleared), or save them and finish (action=finish: when the difference is zero every
   * cleared row up to the statement date becomes reconciled; otherwise 422 says by how much it is off and keeps the
   * ticks), or tick every row up to the statement date (action=tickAll) or untick every one (action=untickAll).
   * Owner only; others get 404.
   */
  router.post('/accounts/:id/reconcile/rows', (req, res) => {
    const user = signedInUser(req);
    const accountId = parseIdParam(req.params.id, NOT_FOUND);
    const form = parseReconcileRowsForm(req.body);
    const refused = (problem: WriteRefusal) => refuse(req, res, accountId, problem);
    if (form.action === 'finish') {
      const result = service.finish(user.id, accountId, form.ticks, form.reconciliationId);
      if (!result.ok && result.problem !== 'difference') return refused(result.problem);
      if (!result.ok) {
        res.status(422);
        const difference = pageLanguage(res).money.formatCents(Math.abs(result.differenceCents));
        return renderPage(res, user.id, accountId, { error: msg('reconcile.notBalanced', { difference }), after: form.after });
      }
      setFlash(req, 'success', 'reconcile.flash.finished', { count: result.reconciled });
      return res.redirect(303, `/accounts/${accountId}`);
    }
    if (form.action === 'tickAll' || form.action === 'untickAll') {
      const result = service.tickAll(user.id, accountId, form.action === 'tickAll', form.reconciliationId);
      if (typeof result === 'string') return refused(result);
      setFlash(req, 'success', form.action === 'tickAll' ? 'reconcile.flash.tickedAll' : 'reconcile.flash.untickedAll', { count: result.changed });
      return res.redirect(303, pagePath(accountId, form.after));
    }
    const saved = service.tick(user.id, accountId, form.ticks, form.reconciliationId);
    if (saved !== 'saved') return refused(saved);
    // A page button saves the ticks and opens its page; Update stays on this one.
    res.redirect(303, pagePath(accountId, form.go === undefined ? form.after : form.go));
  });

  /*
   * POST /accounts/:id/reconcile/statement: corrects the open reconciliation's statement date and ending balance in
   * place, its ticks kept; bad fields re-render the page with 422 and change nothing. Owner only; others get 404.
   */
  router.post('/accounts/:id/reconcile/statement', (req, res) => {
    const user = signedInUser(req);
    const accountId = parseIdParam(req.params.id, NOT_FOUND);
    const input = parseReconcileForm(req.body, pageLanguage(res));
    const named = reconciliationNamed(req.body).reconciliationId;
    if (!input.ok) {
      // Another person's account is a 404 before anything is said about the form.
      if (!service.find(user.id, accountId)) throw new NotFoundError(NOT_FOUND);
      res.status(422);
      return renderPage(res, user.id, accountId, { correct: { values: input.values, errors: input.errors } });
    }
    const saved = service.correctStatement(user.id, accountId, input.statementOn, input.statementBalanceCents, named);
    if (saved !== 'saved') return refuse(req, res, accountId, saved);
    const language = pageLanguage(res);
    setFlash(req, 'success', 'reconcile.flash.corrected', { date: language.days.formatDayInText(input.statementOn), balance: language.money.formatCents(input.statementBalanceCents) });
    res.redirect(303, pagePath(accountId, null));
  });

  /*
   * GET /accounts/:id/reconcile/cancel: asks before stopping the open reconciliation: how many rows up to its date are
   * ticked, how many of them it ticked, and whether to untick those or keep them cleared (two buttons); nothing changes
   * here. Without an open reconciliation, back to the reconcile page. Owner only; others get 404.
   */
  router.get('/accounts/:id/reconcile/cancel', (req, res) => {
    const accountId = parseIdParam(req.params.id, NOT_FOUND);
    const plan = service.stopPlan(signedInUser(req).id, accountId);
    if (!plan) throw new NotFoundError(NOT_FOUND);
    if (!plan.open) return res.redirect(303, pagePath(accountId, null));
    res.render('accounts/reconcile-stop', { title: 'reconcile.stop.title', titleValues: { name: plan.account.name }, account: plan.account, open: plan.open });
  });

  /*
   * POST /accounts/:id/reconcile/cancel: stop the open reconciliation, nothing reconciled; with ticks=untick the rows
   * it ticked go back to uncleared, otherwise (ticks=keep, or a form from before the choice) they stay cleared. Owner
   * only; others get 404.
   */
  router.post('/accounts/:id/reconcile/cancel', (req, res) => {
    const user = signedInUser(req);
    const accountId = parseIdParam(req.params.id, NOT_FOUND);
    const untick = textField(req.body, 'ticks') === 'untick';
    const stopped = service.cancel(user.id, accountId, reconciliationNamed(req.body).reconciliationId, untick);
    if (typeof stopped === 'string') return refuse(req, res, accountId, stopped);
    if (untick) setFlash(req, 'success', 'reconcile.flash.cancelledUnticked', { count: stopped.unticked });
    else setFlash(req, 'success', 'reconcile.flash.cancelled');
    res.redirect(303, `/accounts/${accountId}`);
  });

  /*
   * POST /transactions/:id/cleared: mark one row (income, expense or a transfer leg) cleared (cleared=1) or not, from
   * its register; reconciled rows do not change. Owner only; others get 404.
   */
  router.post('/transactions/:id/cleared', (req, res) => {
    const user = signedInUser(req);
    const id = parseIdParam(req.params.id, msg('transactions.notFound'));
    const cleared = textField(req.body, 'cleared') === '1';
    if (!service.setCleared(user.id, id, cleared)) throw new NotFoundError(msg('transactions.notFound'));
    setFlash(req, 'success', cleared ? 'reconcile.flash.markedCleared' : 'reconcile.flash.markedUncleared');
    // Back to the row, not the top of the register: the fragment is made here from the id, after the path is checked.
    res.redirect(303, `${registerPath(textField(req.body, 'back'))}#row-${id}`);
  });

  return router;
}
