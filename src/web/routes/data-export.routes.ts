import { Router } from 'express';
import type { DataExportService } from '../../services/data-export.ts';
import { signedInUser } from '../current-user.ts';
import { HttpError } from '../errors.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday } from '../middleware/locals.ts';

/** The person's whole data as one JSON download, linked from the account page. */
export function createDataExportRouter(deps: { exports: DataExportService }): Router {
  const router = Router();

  /*
   * GET /account/export.json: everything Ledgerly keeps about the signed-in person, secrets left out, as a JSON
   * attachment streamed a page at a time (src/services/data-export.ts). Signed-in users; only their own data.
   */
  router.get('/account/export.json', requireUser, async (req, res) => {
    const user = signedInUser(req);
    // Each download reads the person's whole history: a second one while the first runs is refused, not stacked.
    if (deps.exports.isDownloading(user.id)) throw new HttpError(429, msg('account.data.busy'));
    res.status(200);
    res.type('application/json; charset=utf-8');
    res.attachment(deps.exports.fileName(pageToday(res), pageLanguage(res).t('account.data.fileName')));
    // A download of someone's whole history: never sniffed into something else, never kept in a shared cache.
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Cache-Control', 'no-store');
    try {
      await deps.exports.write(user.id, res);
    } catch (err) {
      // The person closed the tab or lost the connection mid-download: nothing to answer, nothing to log.
      if (res.destroyed || req.destroyed) return;
      throw err;
    }
  });

  return router;
}
