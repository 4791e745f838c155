import { Router } from 'express';
import type { TransactionService } from '../../services/transactions.ts';
import { signedInUser } from '../current-user.ts';
import { parseTransactionFilter } from '../forms/transaction-filter.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday } from '../middleware/locals.ts';

/** CSV download of the signed-in user's transactions under the same filter as the transactions page. */
export function createExportRouter(deps: { transactions: TransactionService }): Router {
  const router = Router();

  /*
   * GET /transactions/export.csv: the current filter's rows (same query parameters as /transactions), newest first,
   * as an RFC 4180 UTF-8 attachment streamed in batches. Signed-in users; only their own rows.
   */
  router.get('/transactions/export.csv', requireUser, async (req, res) => {
    const user = signedInUser(req);
    const filter = parseTransactionFilter(req.query);
    res.status(200);
    res.type('text/csv; charset=utf-8');
    // The name's word is in the person's language; Express writes a non-ASCII name as RFC 6266 filename*.
    res.attachment(deps.transactions.exportFileName(pageToday(res), pageLanguage(res).t('transactions.exportFileName')));
    // A spreadsheet opened from a download must not be sniffed into HTML, nor cached in a shared cache.
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Cache-Control', 'no-store');
    try {
      await deps.transactions.exportCsv(user.id, filter, res);
    } catch (err) {
      // The person closed the tab or lost the connection mid-download: nothing to answer, nothing to log.
      if (res.destroyed || req.destroyed) return;
      throw err;
    }
  });

  return router;
}
