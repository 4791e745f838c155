import { Router } from 'express';
import { spreadsheetCsv } from '../../domain/imports.ts';
import type { TransactionService } from '../../services/transactions.ts';
import { signedInUser } from '../current-user.ts';
import { sendDownload } from '../download.ts';
import { parseTransactionFilter } from '../forms/transaction-filter.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday } from '../middleware/locals.ts';

/** CSV download of the signed-in user's transactions under the same filter as the transactions page. */
export function createExportRouter(deps: { transactions: TransactionService }): Router {
  const router = Router();

  /*
   * GET /transactions/export.csv: the current filter's rows (same query parameters as /transactions), newest first,
   * as an RFC 4180 UTF-8 attachment streamed in batches. Signed-in users; only their own rows. With `format=excel`,
   * the same rows as Excel opens them in the page's region: a byte-order mark, and in a decimal-comma language
   * (Ukrainian) semicolons between fields and commas in amounts.
   */
  router.get('/transactions/export.csv', requireUser, async (req, res) => {
    const user = signedInUser(req);
    const filter = parseTransactionFilter(req.query);
    const language = pageLanguage(res);
    const dialect = req.query.format === 'excel' ? spreadsheetCsv(language.decimal) : undefined;
    // The name's word is in the person's language (Ukrainian for a Ukrainian page).
    const name = deps.transactions.exportFileName(pageToday(res), language.t('transactions.exportFileName'));
    await sendDownload(req, res, { type: 'text/csv; charset=utf-8', name }, () => deps.transactions.exportCsv(user.id, filter, res, dialect));
  });

  return router;
}
