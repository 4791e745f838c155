import { Router, type Request, type Response } from 'express';
import { monthPeriod } from '../../domain/periods.ts';
import { formatCursor, transactionVersion } from '../../domain/transactions.ts';
import type { TransactionService } from '../../services/transactions.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { textField, type FieldErrors } from '../form-fields.ts';
import { deleteReturnPath, editReturnPath, parseBulkForm, parseIncomesChoice, type BulkRequest } from '../forms/bulk-form.ts';
import { filterToQueryString, isFilterActive, listUrl, parseCursor, readTransactionFilter } from '../forms/transaction-filter.ts';
import {
  choiceErrors,
  emptyTransactionForm,
  parseTransactionForm,
  withChoiceErrors,
  transactionFormValuesFrom,
  type TransactionFormValues,
} from '../forms/transaction-form.ts';
import { msg, type Msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash, setFlashMessages, setFlashWithLink } from '../middleware/locals.ts';
import type { DashboardPage } from '../pages/dashboard-page.ts';
import { parseIdParam } from '../params.ts';

/** Rows per list page. */
const PAGE_SIZE = 50;

const NOT_FOUND = msg('transactions.notFound');

type BulkProblem = Extract<BulkRequest, { action: 'invalid' }>['problem'];

/** What a refused bulk form says, above the form. */
const BULK_PROBLEMS: Record<BulkProblem, Msg> = {
  'no-rows': msg('transactions.bulk.noRows'),
  'no-category': msg('transactions.bulk.noCategory'),
  'no-action': msg('transactions.bulk.noAction'),
};


/** Adding, listing, filtering, editing, deleting and bulk-changing the signed-in user's transactions. */
export function createTransactionsRouter(deps: { transactions: TransactionService; dashboard: DashboardPage }): Router {
  const router = Router();
  const service = deps.transactions;
  router.use('/transactions', requireUser);

  function renderForm(
    res: Response,
    view: 'transactions/new' | 'transactions/edit',
    userId: number,
    form: { values: TransactionFormValues; errors: FieldErrors },
    extra: Record<string, unknown> = {},
  ): void {
    res.render(view, {
      title: view === 'transactions/new' ? 'transactions.new.title' : 'transactions.edit.title',
      form,
      categories: service.categoriesFor(userId),
      accounts: service.accountsFor(userId),
      ...extra,
    });
  }

  /*
   * GET /transactions: the user's transactions newest first, narrowed by the filter in the query string
   * (from, to, type, category, q), with totals for the whole filtered set and PAGE_SIZE rows a page by
   * keyset cursor (after=YYYY-MM-DD.id) that keeps the filter. Signed-in users.
   */
  router.get('/transactions', (req, res) => {
    renderList(res, signedInUser(req).id, req.query);
  });

  /**
   * The list page for a query string's filter and cursor; with `refused`, a bulk action sent wrong, shown again with
   * its rows still ticked and the field at fault marked (422).
   */
  function renderList(res: Response, userId: number, query: Record<string, unknown>, refused?: { ids: readonly number[]; problem: BulkProblem }): void {
    const { filter, values, errors } = readTransactionFilter(query);
    const after = parseCursor(query.after);
    const { page, newer, totals, categories, accounts } = service.listPage(userId, filter, after, PAGE_SIZE);
    if (refused) res.status(422);
    res.render('transactions/index', {
      title: 'transactions.list.title',
      rows: page.rows,
      nextCursor: page.next ? formatCursor(page.next) : null,
      // '' for the first page (no cursor), a cursor for another, null when this is the first page.
      newerCursor: newer === null ? null : newer === 'first' ? '' : formatCursor(newer),
      isFirstPage: after === null,
      filter,
      filterValues: values,
      filterErrors: errors,
      filterActive: isFilterActive(filter),
      filterQuery: filterToQueryString(filter),
      totals,
      categories,
      accounts,
      unknownCategory: typeof filter.categoryId === 'number' && !categories.some((c) => c.id === filter.categoryId),
      unknownAccount: filter.accountId !== undefined && !accounts.some((a) => a.id === filter.accountId),
      currentUrl: listUrl(filter, after),
      bulkRefused: refused ? { ids: new Set(refused.ids), problem: refused.problem, message: BULK_PROBLEMS[refused.problem] } : null,
      categoryUndo: service.lastCategoryChange(userId) ?? null,
    });
  }

  /* GET /transactions/new: the add form on a page of its own. Signed-in users. */
  router.get('/transactions/new', (req, res) => {
    const userId = signedInUser(req).id;
    const values = emptyTransactionForm(pageToday(res), service.defaultAccountFor(userId, req.session.lastAccountId));
    renderForm(res, 'transactions/new', userId, { values, errors: {} });
  });

  /* POST /transactions: add a transaction; errors re-render the form it came from with the values kept. Signed-in users. */
  router.post('/transactions', async (req, res) => {
    const user = signedInUser(req);
    const fromDashboard = textField(req.body, 'from') === 'dashboard';
    const today = pageToday(res);
    const input = parseTransactionForm(req.body, today, pageLanguage(res));
    const result = input.ok ? await service.addShared(user.id, input.value, req.session.lastAccountId) : undefined;
    const errors = input.ok ? result && choiceErrors(result) : withChoiceErrors(input.errors, service.checkChoices(user.id, input.choices));
    if (errors) {
      res.status(422);
      const form = { values: input.values, errors };
      if (fromDashboard) return deps.dashboard.render(res, user, { today, period: monthPeriod(today), form });
      return renderForm(res, 'transactions/new', user.id, form);
    }
    if (result?.ok && result.accountId !== undefined) req.session.lastAccountId = result.accountId;
    setFlash(req, 'success', input.ok && input.value.type === 'income' ? 'transactions.flash.incomeAdded' : 'transactions.flash.expenseAdded');
    // From the dashboard, back to its add form (#add) rather than the top of the page, ready for the next one.
    res.redirect(303, fromDashboard ? '/dashboard#add' : '/transactions');
  });

  /** Says what a bulk category change did, on the page it returns to. */
  function flashCategoryResult(req: Request, result: Extract<ReturnType<TransactionService['setCategoryOn']>, { ok: true }>): void {
    const sentences: Msg[] = [
      result.category
        ? msg('transactions.bulk.categorySet', { count: result.changed, name: result.category.name })
        : msg('transactions.bulk.categoryCleared', { count: result.changed }),
    ];
    if (result.refunds) sentences.push(msg('transactions.bulk.madeRefunds', { count: result.refunds }));
    if (result.keptIncomes) sentences.push(msg('transactions.bulk.keptIncomes', { count: result.keptIncomes }));
    if (result.missing) sentences.push(msg('transactions.bulk.skippedMissing', { count: result.missing }));
    if (result.mismatched) sentences.push(msg('transactions.bulk.skippedMismatched', { count: result.mismatched }));
    // Nothing changed is not a success, whatever the reason. A change can be undone (each row's category before is kept).
    setFlashMessages(req, result.changed > 0 ? 'success' : 'error', sentences, result.undoable ? { href: '/transactions/bulk/undo', label: msg('transactions.categoryUndo.link') } : undefined);
  }

  /** The address of the page asking what to do with the incomes among rows given an expense category. */
  function categoryQuestionUrl(ids: readonly number[], categoryId: number, back: string): string {
    const query = new URLSearchParams(ids.map((id): [string, string] => ['ids', String(id)]));
    query.set('category', String(categoryId));
    query.set('back', back);
    return `/transactions/bulk/category?${query}`;
  }

  /*
   * POST /transactions/bulk: the checked rows of the list page with action=delete (shows a confirmation page
   * listing them; nothing is deleted yet) or action=set-category (sets the chosen category, or none, on those
   * rows of a matching type in one transaction). An expense category on a selection holding incomes, which it would
   * make refunds, asks first what to do with them (a page of its own; nothing changes yet). Ids that are not the
   * user's are skipped and reported. Signed-in users; a category that is not theirs gets 404 and nothing changes.
   */
  router.post('/transactions/bulk', (req, res) => {
    const user = signedInUser(req);
    const request = parseBulkForm(req.body);
    if (request.action === 'invalid') {
      // Shown again in place of a redirect, which lost every tick and put focus at the top of the page: the list
      // the form came from, the same rows ticked, and the field at fault marked and focused. Nothing is changed.
      const query = Object.fromEntries(new URLSearchParams(request.back.split('?')[1] ?? ''));
      return renderList(res, user.id, query, { ids: request.ids, problem: request.problem });
    }
    if (request.action === 'delete') {
      // The confirmation is a page of its own (a GET), so Back after confirming shows it again rather than the
      // browser's "resubmit the form?" error.
      const query = new URLSearchParams(request.ids.map((id): [string, string] => ['ids', String(id)]));
      query.set('back', request.back);
      return res.redirect(303, `/transactions/bulk/delete?${query}`);
    }
    const plan = service.planCategoryChange(user.id, request.ids, request.categoryId);
    if (!plan.ok) throw new NotFoundError(msg('categories.notFound'));
    // An income given an expense category stops counting as income: a month's salary vanished from the dashboard and
    // its expenses went below zero. The person says first whether the incomes among the rows are to become refunds.
    if (plan.incomes.length > 0 && request.categoryId !== null) return res.redirect(303, categoryQuestionUrl(request.ids, request.categoryId, request.back));
    const result = service.setCategoryOn(user.id, request.ids, request.categoryId);
    if (!result.ok) throw new NotFoundError(msg('categories.notFound'));
    flashCategoryResult(req, result);
    res.redirect(303, request.back);
  });

  /*
   * GET /transactions/bulk/category?ids=..&category=..&back=..: asks what to do with the incomes among the rows an
   * expense category is for: leave them as they are (the category goes on the others) or make each a refund of it;
   * lists them, and changes nothing. A category that is not the signed-in person's, or none of the rows theirs: 404.
   */
  router.get('/transactions/bulk/category', (req, res) => {
    const user = signedInUser(req);
    const request = parseBulkForm({ ...req.query, action: 'set-category' });
    if (request.action !== 'set-category' || request.categoryId === null) return res.redirect(303, request.back);
    const plan = service.planCategoryChange(user.id, request.ids, request.categoryId);
    if (!plan.ok || plan.category === null) throw new NotFoundError(msg('categories.notFound'));
    if (plan.incomes.length + plan.others === 0 && plan.missing === request.ids.length) throw new NotFoundError(msg('transactions.bulk.noneExist'));
    // No income among them (an income category, or a page opened again after they were changed): nothing to ask.
    if (plan.incomes.length === 0) return res.redirect(303, request.back);
    res.render('transactions/confirm-bulk-category', {
      title: 'transactions.bulkCategory.title',
      category: plan.category,
      incomes: plan.incomes,
      others: plan.others,
      missing: plan.missing,
      ids: request.ids,
      back: request.back,
    });
  });

  /*
   * POST /transactions/bulk/category: sets the category on the rows as the person chose on the page above, in one
   * transaction: incomes=refund makes the incomes among them refunds of it; anything else leaves them as they are.
   * Signed-in users; other people's ids are skipped and reported, another person's category gets 404.
   */
  router.post('/transactions/bulk/category', (req, res) => {
    const user = signedInUser(req);
    const request = parseBulkForm({ ...(typeof req.body === 'object' && req.body !== null ? req.body : {}), action: 'set-category' });
    if (request.action === 'invalid') {
      setFlash(req, 'error', request.problem === 'no-rows' ? 'transactions.bulk.noRows' : 'transactions.bulk.noCategory');
      return res.redirect(303, request.back);
    }
    if (request.action !== 'set-category') return res.redirect(303, request.back);
    const result = service.setCategoryOn(user.id, request.ids, request.categoryId, parseIncomesChoice(req.body));
    if (!result.ok) throw new NotFoundError(msg('categories.notFound'));
    flashCategoryResult(req, result);
    res.redirect(303, request.back);
  });

  /*
   * GET /transactions/bulk/undo: asks "undo the last category change?", saying what it set on how many rows (nothing
   * changes here); with none to undo (none made, over a day ago, or undone already), says so. Signed-in users, their
   * own change only.
   */
  router.get('/transactions/bulk/undo', (req, res) => {
    res.render('transactions/confirm-category-undo', { title: 'transactions.categoryUndo.title', change: service.lastCategoryChange(signedInUser(req).id) ?? null });
  });

  /*
   * POST /transactions/bulk/undo: undoes the signed-in person's last bulk category change, once, in one transaction:
   * each row gets its category back unless it was changed since. Back to the list, saying how many.
   */
  router.post('/transactions/bulk/undo', (req, res) => {
    const result = service.undoLastCategoryChange(signedInUser(req).id);
    if (result === 'none') setFlash(req, 'error', 'transactions.categoryUndo.nothing');
    else {
      const sentences: Msg[] = [msg('transactions.categoryUndo.done', { count: result.restored })];
      if (result.left > 0) sentences.push(msg('transactions.categoryUndo.left', { count: result.left }));
      setFlashMessages(req, result.restored > 0 ? 'success' : 'error', sentences);
    }
    res.redirect(303, '/transactions');
  });

  /*
   * GET /transactions/bulk/delete?ids=..&back=..: asks "delete these?", listing the signed-in person's rows among the
   * ids (nothing is deleted yet). None of theirs: 404.
   */
  router.get('/transactions/bulk/delete', (req, res) => {
    const user = signedInUser(req);
    const request = parseBulkForm({ ...req.query, action: 'delete' });
    if (request.action !== 'delete') return res.redirect(303, request.back);
    const owned = service.findMany(user.id, request.ids);
    if (owned.length === 0) throw new NotFoundError(msg('transactions.bulk.noneExist'));
    res.render('transactions/confirm-bulk-delete', {
      title: 'transactions.bulkDelete.title',
      rows: owned,
      missing: request.ids.length - owned.length,
      back: request.back,
    });
  });

  /* POST /transactions/bulk/delete: deletes the confirmed rows in one transaction. Owner only; other ids are skipped and reported. */
  router.post('/transactions/bulk/delete', (req, res) => {
    const user = signedInUser(req);
    const { ids, back } = parseBulkForm(req.body);
    if (ids.length === 0) {
      setFlash(req, 'error', 'transactions.bulk.noRows');
      return res.redirect(303, back);
    }
    const { deleted, skipped, reconciled } = service.deleteMany(user.id, ids, textField(req.body, 'confirmReconciled') === '1');
    if (deleted === 0 && reconciled === 0) throw new NotFoundError(msg('transactions.bulk.noneExist'));
    const sentences = [msg('transactions.bulk.deleted', { count: deleted })];
    if (skipped) sentences.push(msg('transactions.bulk.deletedSkipped', { count: skipped }));
    if (reconciled) sentences.push(msg('transactions.bulk.keptReconciled', { count: reconciled }));
    setFlashMessages(req, 'success', sentences);
    res.redirect(303, back);
  });

  /* GET /transactions/:id/edit: the form filled with the transaction. Owner only; others get 404. */
  router.get('/transactions/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const found = service.findForEdit(user.id, parseIdParam(req.params.id, NOT_FOUND));
    if (!found) throw new NotFoundError(NOT_FOUND);
    const { tx, suggestedCategoryId } = found;
    // A row without a category opens on the one its description was most often given, said so beside the field.
    const values = { ...transactionFormValuesFrom(tx, pageLanguage(res).decimal), ...(suggestedCategoryId === null ? {} : { category: String(suggestedCategoryId) }) };
    renderForm(res, 'transactions/edit', user.id, { values, errors: {} }, { tx, back: editReturnPath(req.query.back), suggestedCategory: suggestedCategoryId !== null, version: transactionVersion(tx) });
  });

  /*
   * POST /transactions/:id/edit: save every field with the add form's rules, then return to the page it came from
   * (back); errors re-render with 422. Owner only; others get 404.
   */
  router.post('/transactions/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const tx = service.find(user.id, parseIdParam(req.params.id, NOT_FOUND));
    if (!tx) {
      // Deleted elsewhere after our own edit form was opened on it (it names the version it saw): what was typed is
      // shown on the add form, said so, rather than lost behind "does not exist". Any other missing id is a 404.
      if (textField(req.body, 'version') === undefined) throw new NotFoundError(NOT_FOUND);
      const typed = parseTransactionForm(req.body, pageToday(res), pageLanguage(res), 'edit');
      res.status(404);
      return renderForm(res, 'transactions/new', user.id, { values: typed.values, errors: {} }, { deletedElsewhere: true });
    }
    const back = editReturnPath(textField(req.body, 'back'));
    const input = parseTransactionForm(req.body, pageToday(res), pageLanguage(res), 'edit');
    const confirmed = textField(req.body, 'confirmReconciled') === '1';
    // What the form was opened on (a form from before there was one says nothing, and saves as it always did).
    const openedOn = /^[\w-]{16}$/.exec(textField(req.body, 'version') ?? '')?.[0];
    const result = input.ok ? service.update(user.id, tx.id, input.value, confirmed, openedOn) : undefined;
    if (result && !result.ok && 'problem' in result && result.problem === 'not-found') throw new NotFoundError(NOT_FOUND);
    if (result && !result.ok && 'problem' in result && result.problem === 'changed') {
      // Changed in another tab or on another device since this form was opened: shown again with what was typed, and
      // what the row holds now; saving again (now on the current version) replaces it.
      res.status(409);
      const now = result.current;
      return renderForm(res, 'transactions/edit', user.id, { values: input.values, errors: {} }, {
        tx: now,
        back,
        version: transactionVersion(now),
        changedElsewhere: { amount: now.amountCents, type: now.type, date: now.occurredOn, description: now.description },
      });
    }
    const errors = input.ok
      ? result && ('problem' in result && result.problem === 'reconciled' ? { confirmReconciled: msg('transactions.confirmReconciledNeeded') } : choiceErrors(result))
      : withChoiceErrors(input.errors, service.checkChoices(user.id, input.choices, tx.accountId));
    if (errors) {
      res.status(422);
      // The version the form was opened on goes back with it: a 422 (a typo, an unticked confirmation) must not turn
      // the next save into one without the check.
      return renderForm(res, 'transactions/edit', user.id, { values: input.values, errors }, { tx, back, ...(openedOn === undefined ? {} : { version: openedOn }) });
    }
    if (result?.ok && result.offer) {
      const { text, categoryId, categoryName } = result.offer;
      setFlashWithLink(req, 'success', msg('rules.offer.ask', { text, category: categoryName }), {
        href: `/rules?${new URLSearchParams({ text: text.slice(0, 100), category: String(categoryId) })}`,
        label: msg('rules.offer.create'),
      });
    } else setFlash(req, 'success', 'transactions.flash.saved');
    res.redirect(303, back);
  });

  /* GET /transactions/:id/delete: asks "delete this?" (works without JavaScript). Owner only; others get 404. */
  router.get('/transactions/:id/delete', (req, res) => {
    const tx = service.find(signedInUser(req).id, parseIdParam(req.params.id, NOT_FOUND));
    if (!tx) throw new NotFoundError(NOT_FOUND);
    res.render('transactions/confirm-delete', { title: 'transactions.delete.title', tx, back: deleteReturnPath(req.query) });
  });

  /* POST /transactions/:id/delete: delete it. Owner only; another user's id gets 404 and nothing changes. */
  router.post('/transactions/:id/delete', (req, res) => {
    const userId = signedInUser(req).id;
    const id = parseIdParam(req.params.id, NOT_FOUND);
    const outcome = service.delete(userId, id, textField(req.body, 'confirmReconciled') === '1');
    if (outcome === 'not-found') throw new NotFoundError(NOT_FOUND);
    if (outcome === 'reconciled') {
      return res.status(422).render('transactions/confirm-delete', {
        title: 'transactions.delete.title',
        tx: service.find(userId, id),
        back: deleteReturnPath(req.body),
        error: msg('transactions.confirmReconciledNeeded'),
      });
    }
    setFlash(req, 'success', 'transactions.flash.deleted');
    res.redirect(303, deleteReturnPath(req.body));
  });

  return router;
}
