import { Router, type Response } from 'express';
import { formatCursor } from '../../domain/transactions.ts';
import { transferVersion } from '../../domain/transfers.ts';
import type { TransferService } from '../../services/transfers.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { returnPath, textField, type FieldErrors } from '../form-fields.ts';
import { filterToQueryString, parseCursor, readTransactionFilter } from '../forms/transaction-filter.ts';
import { emptyTransferForm, parseTransferForm, transferFormValuesFrom, transferRefusal, type TransferFormValues } from '../forms/transfer-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';

const NOT_FOUND = msg('transfers.notFound');

/** Where a transfer form returns to: the register of the account it came from, the accounts page, or the transfers list. */
function backPath(raw: unknown): string {
  return returnPath(raw, /^\/(accounts(\/[1-9]\d{0,15})?|transfers(\?(account=[1-9]\d{0,15}|from=[\d-]{10}|to=[\d-]{10}|after=[\d.-]{12,28})(&(account=[1-9]\d{0,15}|from=[\d-]{10}|to=[\d-]{10}|after=[\d.-]{12,28}))*)?)$/, '/accounts');
}

/** Transfers a page of the list shows. */
const PAGE_SIZE = 50;


/** Moving money between the signed-in user's own accounts. */
export function createTransfersRouter(deps: { transfers: TransferService }): Router {
  const router = Router();
  const service = deps.transfers;
  router.use('/transfers', requireUser);

  function renderForm(
    res: Response,
    view: 'transfers/new' | 'transfers/edit',
    userId: number,
    form: { values: TransferFormValues; errors: FieldErrors },
    extra: Record<string, unknown>,
  ): void {
    res.render(view, {
      title: view === 'transfers/new' ? 'transfers.new.title' : 'transfers.edit.title',
      accounts: service.accountsFor(userId),
      form,
      ...extra,
    });
  }

  /*
   * GET /transfers: the user's transfers newest first, one row each (from one account to the other), narrowed by
   * account (either side), from and to; PAGE_SIZE a page by keyset cursor (after=YYYY-MM-DD.id). A part of the filter
   * that does not parse, or an account that is not the person's, is named beside its field and the rest still
   * applies. Signed-in users.
   */
  router.get('/transfers', (req, res) => {
    const userId = signedInUser(req).id;
    // The transactions list's own rules for these three parts: the same messages, the same dates.
    const { filter, values, errors } = readTransactionFilter({ account: req.query.account, from: req.query.from, to: req.query.to });
    const after = parseCursor(req.query.after);
    const { page, newer, totals, accounts } = service.listWithAccounts(userId, { accountId: filter.accountId, fromOn: filter.fromOn, toOn: filter.toOn }, after, PAGE_SIZE);
    const query = filterToQueryString({ accountId: filter.accountId, fromOn: filter.fromOn, toOn: filter.toOn });
    const here = [query, after ? `after=${formatCursor(after)}` : ''].filter(Boolean).join('&');
    res.render('transfers/index', {
      title: 'transfers.list.title',
      rows: page.rows,
      today: pageToday(res),
      totals,
      accountNames: new Map(accounts.map((a) => [a.id, a.name])),
      accounts,
      filter,
      filterValues: values,
      filterErrors: errors,
      filterActive: query !== '',
      filterQuery: query,
      unknownAccount: filter.accountId !== undefined && !accounts.some((a) => a.id === filter.accountId),
      nextCursor: page.next ? formatCursor(page.next) : null,
      // '' for the first page (no cursor), a cursor for another, null when this is the first page.
      newerCursor: newer === null ? null : newer === 'first' ? '' : formatCursor(newer),
      isFirstPage: after === null,
      // Where a row's edit and delete come back to: this page, its filter and place kept.
      back: here === '' ? '/transfers' : `/transfers?${here}`,
    });
  });

  /* GET /transfers/new: the transfer form; ?from= names the account it starts from. Signed-in users. */
  router.get('/transfers/new', (req, res) => {
    const userId = signedInUser(req).id;
    const open = service.accountsFor(userId).filter((a) => !a.archived);
    const fromId = Number(req.query.from);
    const from = open.find((a) => a.id === fromId) ?? open[0];
    const to = open.find((a) => a.id !== from?.id);
    const back = backPath(req.query.back);
    renderForm(res, 'transfers/new', userId, { values: emptyTransferForm(pageToday(res), from?.id ?? null, to?.id ?? null), errors: {} }, { back });
  });

  /*
   * POST /transfers: record a transfer; its two legs are written in one transaction. The same account on both sides
   * or an archived account re-renders with 422; another person's account is a 404 and nothing is written.
   * Signed-in users.
   */
  router.post('/transfers', (req, res) => {
    const user = signedInUser(req);
    const back = backPath(textField(req.body, 'back'));
    const input = parseTransferForm(req.body, pageToday(res), pageLanguage(res));
    const result = input.ok ? service.create(user.id, input.value) : undefined;
    if (result && !result.ok && result.problem === 'not-found') throw new NotFoundError(msg('accounts.notFound'));
    const errors = input.ok ? result && transferRefusal(result) : input.errors;
    if (errors) {
      res.status(422);
      return renderForm(res, 'transfers/new', user.id, { values: input.values, errors }, { back });
    }
    setFlash(req, 'success', 'transfers.flash.added');
    res.redirect(303, back);
  });

  /* GET /transfers/:id/edit: the form filled with the transfer. Owner only; others get 404. */
  router.get('/transfers/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const transfer = service.find(user.id, parseIdParam(req.params.id, NOT_FOUND));
    if (!transfer) throw new NotFoundError(NOT_FOUND);
    const values = transferFormValuesFrom(transfer, pageLanguage(res));
    renderForm(res, 'transfers/edit', user.id, { values, errors: {} }, { transfer, back: backPath(req.query.back), version: transferVersion(transfer) });
  });

  /*
   * POST /transfers/:id/edit: change both legs in one transaction, with the new form's rules; a reconciled transfer
   * needs the confirmation box. Owner only; others get 404.
   */
  router.post('/transfers/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const transfer = service.find(user.id, parseIdParam(req.params.id, NOT_FOUND));
    if (!transfer) throw new NotFoundError(NOT_FOUND);
    const back = backPath(textField(req.body, 'back'));
    const input = parseTransferForm(req.body, pageToday(res), pageLanguage(res), 'edit');
    // What the form was opened on (a form from before there was one says nothing, and saves as it always did).
    const openedOn = /^[\w-]{16}$/.exec(textField(req.body, 'version') ?? '')?.[0];
    const result = input.ok ? service.update(user.id, transfer.id, input.value, input.confirmedReconciled, openedOn) : undefined;
    if (result && !result.ok && result.problem === 'not-found') throw new NotFoundError(NOT_FOUND);
    if (result && !result.ok && result.problem === 'changed') {
      // Changed in another tab or on another device since this form was opened: shown again with what was typed and
      // what the transfer holds now; saving again (now on the current version) replaces it.
      const now = result.current;
      const names = new Map(service.accountsFor(user.id).map((a) => [a.id, a.name]));
      res.status(409);
      return renderForm(res, 'transfers/edit', user.id, { values: input.values, errors: {} }, {
        transfer: { ...transfer, ...now },
        back,
        version: transferVersion(now),
        changedElsewhere: { amount: now.amountCents, from: names.get(now.fromAccountId) ?? '', to: names.get(now.toAccountId) ?? '', date: now.occurredOn, description: now.description },
      });
    }
    const errors = input.ok ? result && transferRefusal(result) : input.errors;
    if (errors) {
      res.status(422);
      // The version the form was opened on goes back with it, so the next save is still checked.
      return renderForm(res, 'transfers/edit', user.id, { values: input.values, errors }, { transfer, back, ...(openedOn === undefined ? {} : { version: openedOn }) });
    }
    setFlash(req, 'success', 'transfers.flash.saved');
    res.redirect(303, back);
  });

  /* GET /transfers/:id/delete: asks "delete this transfer?" and names both accounts. Owner only; others get 404. */
  router.get('/transfers/:id/delete', (req, res) => {
    const user = signedInUser(req);
    const transfer = service.find(user.id, parseIdParam(req.params.id, NOT_FOUND));
    if (!transfer) throw new NotFoundError(NOT_FOUND);
    const accounts = new Map(service.accountsFor(user.id).map((a) => [a.id, a.name]));
    res.render('transfers/confirm-delete', {
      title: 'transfers.delete.title',
      transfer,
      fromName: accounts.get(transfer.fromAccountId),
      toName: accounts.get(transfer.toAccountId),
      back: backPath(req.query.back),
      error: undefined,
    });
  });

  /* POST /transfers/:id/delete: deletes both legs in one transaction (a reconciled one when confirmed). Owner only; others get 404. */
  router.post('/transfers/:id/delete', (req, res) => {
    const user = signedInUser(req);
    const id = parseIdParam(req.params.id, NOT_FOUND);
    const back = backPath(textField(req.body, 'back'));
    const outcome = service.delete(user.id, id, textField(req.body, 'confirmReconciled') === '1');
    if (outcome === 'not-found') throw new NotFoundError(NOT_FOUND);
    if (outcome === 'reconciled') {
      const transfer = service.find(user.id, id)!;
      const accounts = new Map(service.accountsFor(user.id).map((a) => [a.id, a.name]));
      return res.status(422).render('transfers/confirm-delete', {
        title: 'transfers.delete.title',
        transfer,
        fromName: accounts.get(transfer.fromAccountId),
        toName: accounts.get(transfer.toAccountId),
        back,
        error: msg('transfers.confirmReconciledNeeded'),
      });
    }
    setFlash(req, 'success', 'transfers.flash.deleted');
    res.redirect(303, back);
  });

  return router;
}

