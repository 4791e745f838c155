import { Router, type Request } from 'express';
import type { PageCursor, TransactionsRepo } from '../../db/repos/transactions.ts';
import { isCalendarDate, todayIn } from '../../services/dates.ts';
import { NotFoundError } from '../errors.ts';
import { emptyTransactionForm, parseTransactionForm, type TransactionFormValues } from '../forms/transaction-form.ts';
import type { FieldErrors } from '../form-fields.ts';
import { textField } from '../form-fields.ts';
import { requireUser } from '../middleware/auth.ts';
import { renderDashboard } from './dashboard.routes.ts';
import { setFlash } from '../middleware/locals.ts';

export const PAGE_SIZE = 50;

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
  return { occurredOn: match[1]!, id: Number(match[2]) };
}

export function formatCursor(cursor: PageCursor): string {
  return `${cursor.occurredOn}.${cursor.id}`;
}

/** Adding, listing and deleting the signed-in user's transactions. */
export function createTransactionsRouter(deps: { transactions: TransactionsRepo; timeZone?: string }): Router {
  const router = Router();
  const repo = deps.transactions;
  const today = () => todayIn(deps.timeZone);
  router.use('/transactions', requireUser);

  /* GET /transactions: the user's transactions newest first, PAGE_SIZE a page by keyset cursor. Signed-in users. */
  router.get('/transactions', (req, res) => {
    const userId = req.user!.id;
    const after = parseCursor(req.query.after);
    const page = repo.listTransactionsPage(userId, PAGE_SIZE, after);
    res.render('transactions/index', {
      title: 'Transactions',
      rows: page.rows,
      nextCursor: page.next ? formatCursor(page.next) : null,
      isFirstPage: after === null,
    });
  });

  /* GET /transactions/new: the add form on a page of its own. Signed-in users. */
  router.get('/transactions/new', (_req, res) => {
    res.render('transactions/new', { title: 'Add transaction', form: { values: emptyTransactionForm(today()), errors: {} } });
  });

  /* POST /transactions: add a transaction; errors re-render the form it came from with the values kept. Signed-in users. */
  router.post('/transactions', (req, res) => {
    const userId = req.user!.id;
    const result = parseTransactionForm(req.body, today());
    if (!result.ok) {
      res.status(422);
      const form = { values: result.values, errors: result.errors };
      if (textField(req.body, 'from') === 'dashboard') return renderDashboard(res, repo, userId, form);
      return res.render('transactions/new', { title: 'Add transaction', form });
    }
    repo.createTransaction(userId, result.value);
    setFlash(req, 'success', result.value.type === 'income' ? 'Income added.' : 'Expense added.');
    res.redirect(303, textField(req.body, 'from') === 'dashboard' ? '/dashboard' : '/transactions');
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
