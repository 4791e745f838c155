import { Router, type Response } from 'express';
import type { Account } from '../../domain/accounts.ts';
import type { AccountSave, AccountService } from '../../services/accounts.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { textField, type FieldErrors } from '../form-fields.ts';
import { accountFormValuesFrom, emptyAccountForm, parseAccountForm, type AccountFormValues } from '../forms/account-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';
import { formatCursor } from '../../domain/transactions.ts';
import { parseCursor } from '../forms/transaction-filter.ts';
import { chartFormatsFor } from '../chart-formats.ts';
import { monthlyLineChart } from '../charts.ts';

/** Rows per register page. */
const REGISTER_PAGE_SIZE = 50;

const NOT_FOUND = msg('accounts.notFound');

/** The name message of a save refused because another account has the name. */
function nameTaken(result: AccountSave, typed: string): FieldErrors | undefined {
  if (result.ok || result.problem !== 'taken') return undefined;
  return { name: msg('validation.account.nameTaken', { name: result.existing?.name ?? typed }) };
}

/** The places the signed-in user keeps money: the list with balances and net worth, and each account's settings. */
export function createAccountsRouter(deps: { accounts: AccountService }): Router {
  const router = Router();
  const service = deps.accounts;
  router.use('/accounts', requireUser);

  function renderList(res: Response, userId: number, form: { values: AccountFormValues; errors: FieldErrors }): void {
    res.render('accounts/index', { title: 'accounts.title', styles: ['/css/accounts.css'], ...service.overviewOn(userId, pageToday(res)), form });
  }

  function renderEdit(res: Response, account: Account, form: { values: AccountFormValues; errors: FieldErrors }): void {
    res.render('accounts/edit', { title: 'accounts.edit.title', account, form });
  }

  function ownedOr404(userId: number, rawId: unknown): Account {
    const account = service.find(userId, parseIdParam(rawId, NOT_FOUND));
    if (!account) throw new NotFoundError(NOT_FOUND);
    return account;
  }

  /*
   * GET /accounts: every account with its balance and cleared balance, assets, liabilities and net worth, and the
   * form for a new account. Signed-in users.
   */
  router.get('/accounts', (req, res) => {
    renderList(res, signedInUser(req).id, { values: emptyAccountForm(pageToday(res)), errors: {} });
  });

  /* POST /accounts: create an account; a bad field or a name in use re-renders the page with 422. Signed-in users. */
  router.post('/accounts', (req, res) => {
    const user = signedInUser(req);
    const input = parseAccountForm(req.body, pageToday(res), pageLanguage(res));
    const result = input.ok ? service.create(user.id, input.value) : undefined;
    const errors = input.ok ? result && nameTaken(result, input.value.name) : input.errors;
    if (errors) {
      res.status(422);
      return renderList(res, user.id, { values: input.values, errors });
    }
    setFlash(req, 'success', 'accounts.flash.added', { name: input.ok ? input.value.name : '' });
    res.redirect(303, '/accounts');
  });

  /*
   * GET /accounts/:id: the account's register: every row (income, expenses and both kinds of transfer leg) newest
   * first, 50 a page by keyset cursor (?after=YYYY-MM-DD.id), each with the balance after it. Owner only; others get 404.
   */
  router.get('/accounts/:id', (req, res) => {
    const user = signedInUser(req);
    const after = parseCursor(req.query.after);
    const register = service.register(user.id, parseIdParam(req.params.id, NOT_FOUND), after, REGISTER_PAGE_SIZE, pageToday(res));
    if (!register) throw new NotFoundError(NOT_FOUND);
    const language = pageLanguage(res);
    const formats = chartFormatsFor(language);
    const name = register.account.name;
    res.render('accounts/show', {
      title: 'accounts.register.title',
      titleValues: { name },
      styles: ['/css/charts.css'],
      ...register,
      balanceChart: monthlyLineChart({
        id: 'chart-balance',
        title: language.t('charts.balance.title', { name }),
        description: language.t('charts.balance.descriptionToday', { name, from: language.days.formatMonthSince(register.series[0]!.month), to: language.days.formatMonthInText(register.series.at(-1)!.month) }),
        points: register.series,
        formats,
        labels: { value: language.t('accounts.balance'), month: language.t('charts.month') },
      }),
      isFirstPage: after === null,
      currentCursor: after ? formatCursor(after) : '',
      nextCursor: register.next ? formatCursor(register.next) : null,
      newerCursor: register.newer ? formatCursor(register.newer) : null,
    });
  });

  /* GET /accounts/:id/edit: rename the account, change its kind or opening balance. Owner only; others get 404. */
  router.get('/accounts/:id/edit', (req, res) => {
    const account = ownedOr404(signedInUser(req).id, req.params.id);
    renderEdit(res, account, { values: accountFormValuesFrom(account, pageLanguage(res)), errors: {} });
  });

  /* POST /accounts/:id/edit: save the account's settings; errors re-render with 422. Owner only; others get 404. */
  router.post('/accounts/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const account = ownedOr404(user.id, req.params.id);
    const input = parseAccountForm(req.body, pageToday(res), pageLanguage(res));
    const result = input.ok ? service.update(user.id, account.id, input.value) : undefined;
    if (result && !result.ok && result.problem === 'not-found') throw new NotFoundError(NOT_FOUND);
    const errors = input.ok ? result && nameTaken(result, input.value.name) : input.errors;
    if (errors) {
      res.status(422);
      return renderEdit(res, account, { values: input.values, errors });
    }
    setFlash(req, 'success', 'accounts.flash.saved', { name: input.ok ? input.value.name : account.name });
    res.redirect(303, '/accounts');
  });

  /* POST /accounts/:id/move: one place up or down among the open accounts (direction=up|down). Owner only; others get 404. */
  router.post('/accounts/:id/move', (req, res) => {
    const user = signedInUser(req);
    const account = ownedOr404(user.id, req.params.id);
    const direction = textField(req.body, 'direction');
    if (direction !== 'up' && direction !== 'down') {
      setFlash(req, 'error', 'accounts.flash.chooseDirection');
      return res.redirect(303, '/accounts');
    }
    service.move(user.id, account.id, direction);
    res.redirect(303, '/accounts');
  });

  /* POST /accounts/:id/archive and /unarchive: hide the account from the forms, or bring it back. Owner only; others get 404. */
  for (const [action, archived] of [['archive', true], ['unarchive', false]] as const) {
    router.post(`/accounts/:id/${action}`, (req, res) => {
      const user = signedInUser(req);
      const account = ownedOr404(user.id, req.params.id);
      service.setArchived(user.id, account.id, archived);
      setFlash(req, 'success', archived ? 'accounts.flash.archived' : 'accounts.flash.unarchived', { name: account.name });
      res.redirect(303, '/accounts');
    });
  }

  /*
   * GET /accounts/:id/delete: asks to confirm deleting an empty account, saying which schedules and rules go with it;
   * for one that holds transactions, says how many and offers to archive it instead. Owner only; others get 404.
   */
  router.get('/accounts/:id/delete', (req, res) => {
    const found = service.findWithCount(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND));
    if (!found) throw new NotFoundError(NOT_FOUND);
    res.render('accounts/confirm-delete', { title: 'accounts.delete.title', account: found.account, count: found.count, deletion: found.deletion });
  });

  /* POST /accounts/:id/delete: delete the account if it is empty; otherwise the page says why (409). Owner only; others get 404. */
  router.post('/accounts/:id/delete', (req, res) => {
    const result = service.delete(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND));
    if (!result.ok && result.problem === 'not-found') throw new NotFoundError(NOT_FOUND);
    if (!result.ok) {
      return res.status(409).render('accounts/confirm-delete', { title: 'accounts.delete.title', account: result.account, count: result.count });
    }
    setFlash(req, 'success', 'accounts.flash.deleted', { name: result.account.name });
    res.redirect(303, '/accounts');
  });

  return router;
}
