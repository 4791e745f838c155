import { Router, type Request, type Response } from 'express';
import type { CategoriesRepo, Category } from '../../db/repos/categories.ts';
import type { PageCursor, TransactionFilter, TransactionsRepo } from '../../db/repos/transactions.ts';
import { isCalendarDate, todayIn } from '../../services/dates.ts';
import { NotFoundError } from '../errors.ts';
import type { FieldErrors } from '../form-fields.ts';
import { safeLocalPath, textField } from '../form-fields.ts';
import {
  emptyTransactionForm,
  parseTransactionForm,
  transactionFormValuesFrom,
  type TransactionFormValues,
} from '../forms/transaction-form.ts';
import { filterToQueryString, isFilterActive, readTransactionFilter } from '../forms/transaction-filter.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { renderDashboard } from './dashboard.routes.ts';

export const PAGE_SIZE = 50;

/** Most rows one bulk action may name: two full pages, so a crafted request cannot hold the write lock for long. */
export const MAX_BULK_IDS = 100;

/** Reads a route id: positive integers only, anything else is simply not found. */
export function parseIdParam(raw: unknown): number {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) throw new NotFoundError();
  const id = Number(raw);
  if (!Number.isSafeInteger(id)) throw new NotFoundError();
  return id;
}

/** Cursor in links is "YYYY-MM-DD.id"; a malformed one starts from the newest page. */
export function parseCursor(raw: unknown): PageCursor | null {
  if (typeof raw !== 'string') return null;
  const match = /^(\d{4}-\d{2}-\d{2})\.([1-9]\d{0,15})$/.exec(raw);
  if (!match || !isCalendarDate(match[1]!)) return null;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? { occurredOn: match[1]!, id } : null;
}

/** The cursor as it appears in links. */
export function formatCursor(cursor: PageCursor): string {
  return `${cursor.occurredOn}.${cursor.id}`;
}

/** The selected row ids of a bulk form: well-formed ids only, each once, in the order sent. */
export function parseSelectedIds(raw: unknown): number[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const ids = new Set<number>();
  for (const item of list) {
    if (typeof item !== 'string' || !/^[1-9]\d{0,15}$/.test(item)) continue;
    const id = Number(item);
    if (Number.isSafeInteger(id)) ids.add(id);
  }
  return [...ids];
}

/** Where a bulk action returns to: the list page the user came from (with its filter), never another site. */
function backToList(raw: unknown): string {
  const path = safeLocalPath(raw, '/transactions');
  return path === '/transactions' || path.startsWith('/transactions?') ? path : '/transactions';
}

/** Where saving or cancelling an edit returns to: the list (with its filter) or the dashboard it came from. */
export function editReturnPath(raw: unknown): string {
  const path = safeLocalPath(raw, '/transactions');
  return /^\/(transactions|dashboard)(\?|$)/.test(path) ? path : '/transactions';
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Adding, listing, filtering, editing, deleting and bulk-changing the signed-in user's transactions. */
export function createTransactionsRouter(deps: {
  transactions: TransactionsRepo;
  categories: CategoriesRepo;
  timeZone?: string;
}): Router {
  const router = Router();
  const repo = deps.transactions;
  const categories = deps.categories;
  const today = () => todayIn(deps.timeZone);
  router.use('/transactions', requireUser);

  function renderForm(
    res: Response,
    view: 'transactions/new' | 'transactions/edit',
    userId: number,
    form: { values: TransactionFormValues; errors: FieldErrors },
    extra: Record<string, unknown> = {},
  ): void {
    res.render(view, {
      title: view === 'transactions/new' ? 'Add transaction' : 'Edit transaction',
      form,
      categories: categories.listCategoriesForUser(userId),
      ...extra,
    });
  }

  /*
   * GET /transactions: the user's transactions newest first, narrowed by the filter in the query string
   * (from, to, type, category, q), with totals for the whole filtered set and PAGE_SIZE rows a page by
   * keyset cursor (after=YYYY-MM-DD.id) that keeps the filter. Signed-in users.
   */
  router.get('/transactions', (req, res) => {
    const userId = req.user!.id;
    const { filter, values, errors } = readTransactionFilter(req.query);
    const userCategories = categories.listCategoriesForUser(userId);
    const after = parseCursor(req.query.after);
    const page = repo.listFilteredTransactionsPage(userId, filter, PAGE_SIZE, after);
    const query = filterToQueryString(filter);
    const currentUrl = listUrl(filter, after);
    res.render('transactions/index', {
      title: 'Transactions',
      rows: page.rows,
      nextCursor: page.next ? formatCursor(page.next) : null,
      isFirstPage: after === null,
      filter,
      filterValues: values,
      filterErrors: errors,
      filterActive: isFilterActive(filter),
      filterQuery: query,
      totals: repo.totalsForFilter(userId, filter),
      categories: userCategories,
      unknownCategory:
        typeof filter.categoryId === 'number' && !userCategories.some((c) => c.id === filter.categoryId),
      currentUrl,
    });
  });

  /* GET /transactions/new: the add form on a page of its own. Signed-in users. */
  router.get('/transactions/new', (req, res) => {
    renderForm(res, 'transactions/new', req.user!.id, { values: emptyTransactionForm(today()), errors: {} });
  });

  /* POST /transactions: add a transaction; errors re-render the form it came from with the values kept. Signed-in users. */
  router.post('/transactions', (req, res) => {
    const userId = req.user!.id;
    const result = parseTransactionForm(req.body, today(), categories.listCategoriesForUser(userId));
    if (!result.ok) {
      res.status(422);
      const form = { values: result.values, errors: result.errors };
      if (textField(req.body, 'from') === 'dashboard') {
        return renderDashboard(res, { transactions: repo, categories }, userId, form, today());
      }
      return renderForm(res, 'transactions/new', userId, form);
    }
    repo.createTransaction(userId, result.value);
    setFlash(req, 'success', result.value.type === 'income' ? 'Income added.' : 'Expense added.');
    res.redirect(303, textField(req.body, 'from') === 'dashboard' ? '/dashboard' : '/transactions');
  });

  /*
   * POST /transactions/bulk: the checked rows of the list page with action=delete (shows a confirmation page
   * listing them; nothing is deleted yet) or action=set-category (sets the chosen category, or none, on those
   * rows of a matching type in one transaction). Ids that are not the user's are skipped and reported.
   * Signed-in users; a category that is not theirs gets 404 and nothing changes.
   */
  router.post('/transactions/bulk', (req, res) => {
    const userId = req.user!.id;
    const back = backToList(textField(req.body, 'back'));
    const ids = parseSelectedIds((req.body as Record<string, unknown>).ids).slice(0, MAX_BULK_IDS);
    const action = textField(req.body, 'action');
    if (ids.length === 0) {
      setFlash(req, 'error', 'Select at least one transaction first; nothing was changed.');
      return res.redirect(303, back);
    }
    if (action === 'delete') {
      const owned = repo.findOwnedTransactions(userId, ids);
      if (owned.length === 0) throw new NotFoundError('None of the selected transactions exist.');
      return res.render('transactions/confirm-bulk-delete', {
        title: 'Delete transactions',
        rows: owned,
        missing: ids.length - owned.length,
        back,
      });
    }
    if (action === 'set-category') {
      const choice = textField(req.body, 'category');
      let category: Category | null = null;
      if (choice === 'none') category = null;
      else if (choice && /^[1-9]\d{0,15}$/.test(choice)) {
        category = categories.findOwnedCategory(userId, Number(choice)) ?? null;
        if (!category) throw new NotFoundError('That category does not exist.');
      } else {
        setFlash(req, 'error', 'Choose a category to set (or “No category”); nothing was changed.');
        return res.redirect(303, back);
      }
      const owned = repo.findOwnedTransactions(userId, ids);
      const changed = repo.setCategoryOnOwnedTransactions(userId, ids, category);
      const missing = ids.length - owned.length;
      const mismatched = owned.length - changed;
      const notes: string[] = [];
      if (missing) notes.push(`${missing} not found`);
      if (mismatched) notes.push(`${mismatched} of the other type (a category must match the transaction's type)`);
      const what = category ? `“${category.name}”` : 'No category';
      const skipped = notes.length ? ` Skipped ${missing + mismatched}: ${notes.join(', ')}.` : '';
      setFlash(req, 'success', `${what} set on ${plural(changed, 'transaction', 'transactions')}.${skipped}`);
      return res.redirect(303, back);
    }
    setFlash(req, 'error', 'Choose Delete selected or Set category; nothing was changed.');
    res.redirect(303, back);
  });

  /* POST /transactions/bulk/delete: deletes the confirmed rows in one transaction. Owner only; other ids are skipped and reported. */
  router.post('/transactions/bulk/delete', (req, res) => {
    const userId = req.user!.id;
    const back = backToList(textField(req.body, 'back'));
    const ids = parseSelectedIds((req.body as Record<string, unknown>).ids).slice(0, MAX_BULK_IDS);
    if (ids.length === 0) {
      setFlash(req, 'error', 'Select at least one transaction first; nothing was changed.');
      return res.redirect(303, back);
    }
    const deleted = repo.deleteOwnedTransactions(userId, ids);
    if (deleted === 0) throw new NotFoundError('None of the selected transactions exist.');
    const skipped = ids.length - deleted;
    setFlash(
      req,
      'success',
      `Deleted ${plural(deleted, 'transaction', 'transactions')}.${skipped ? ` ${plural(skipped, 'selected transaction was', 'selected transactions were')} not found and skipped.` : ''}`,
    );
    res.redirect(303, back);
  });

  /* GET /transactions/:id/edit: the form filled with the transaction. Owner only; others get 404. */
  router.get('/transactions/:id/edit', (req, res) => {
    const userId = req.user!.id;
    const tx = repo.findOwnedTransaction(userId, parseIdParam(req.params.id));
    if (!tx) throw new NotFoundError('That transaction does not exist.');
    renderForm(res, 'transactions/edit', userId, { values: transactionFormValuesFrom(tx), errors: {} }, {
      tx,
      back: editReturnPath(req.query.back),
    });
  });

  /*
   * POST /transactions/:id/edit: save every field with the add form's rules, then return to the page it came from
   * (back); errors re-render with 422. Owner only; others get 404.
   */
  router.post('/transactions/:id/edit', (req, res) => {
    const userId = req.user!.id;
    const tx = repo.findOwnedTransaction(userId, parseIdParam(req.params.id));
    if (!tx) throw new NotFoundError('That transaction does not exist.');
    const back = editReturnPath(textField(req.body, 'back'));
    const result = parseTransactionForm(req.body, today(), categories.listCategoriesForUser(userId));
    if (!result.ok) {
      res.status(422);
      return renderForm(res, 'transactions/edit', userId, { values: result.values, errors: result.errors }, { tx, back });
    }
    if (!repo.updateOwnedTransaction(userId, tx.id, result.value)) throw new NotFoundError('That transaction does not exist.');
    setFlash(req, 'success', 'Transaction saved.');
    res.redirect(303, back);
  });

  /* GET /transactions/:id/delete: asks "delete this?" (works without JavaScript). Owner only; others get 404. */
  router.get('/transactions/:id/delete', (req, res) => {
    const tx = repo.findOwnedTransaction(req.user!.id, parseIdParam(req.params.id));
    if (!tx) throw new NotFoundError('That transaction does not exist.');
    res.render('transactions/confirm-delete', {
      title: 'Delete transaction',
      tx,
      from: req.query.from === 'dashboard' ? 'dashboard' : 'transactions',
    });
  });

  /* POST /transactions/:id/delete: delete it. Owner only; another user's id gets 404 and nothing changes. */
  router.post('/transactions/:id/delete', (req: Request, res) => {
    const deleted = repo.deleteOwnedTransaction(req.user!.id, parseIdParam(req.params.id));
    if (!deleted) throw new NotFoundError('That transaction does not exist.');
    setFlash(req, 'success', 'Transaction deleted.');
    const back = textField(req.body, 'from') === 'dashboard' ? '/dashboard' : '/transactions';
    res.redirect(303, back);
  });

  return router;
}

/** The filter a list link keeps, for views that build links. */
export function listUrl(filter: TransactionFilter, after?: PageCursor | null): string {
  const parts = [filterToQueryString(filter), after ? `after=${encodeURIComponent(formatCursor(after))}` : ''].filter(Boolean);
  return `/transactions${parts.length ? `?${parts.join('&')}` : ''}`;
}
