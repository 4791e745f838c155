import { Router } from 'express';
import type { DataExportService } from '../../services/data-export.ts';
import { signedInUser } from '../current-user.ts';
import { sendDownload } from '../download.ts';
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
    const name = deps.exports.fileName(pageToday(res), pageLanguage(res).t('account.data.fileName'));
    await sendDownload(req, res, { type: 'application/json; charset=utf-8', name }, () => deps.exports.write(user.id, res));
  });

  return router;
}
