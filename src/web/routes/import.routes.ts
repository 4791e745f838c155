import type { CsrfSync } from 'csrf-sync';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_IMPORT_OPTIONS, otherCurrencyInName } from '../../domain/imports.ts';
import { MAX_IMPORT_BYTES, MAX_WAITING_UPLOADS, type ImportService, type Upload } from '../../services/imports.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { textField } from '../form-fields.ts';
import { delimiterNamed, mappingValuesFor, parseImportMapping, skipRowsNamed, type ImportMappingValues } from '../forms/import-mapping.ts';
import { msg, type Msg } from '../i18n.ts';
import { csvFileMessage, describeRowProblems, importFailureMessage, mistakenFormatMessage, statementFileMessage, statementFormatKey } from '../messages.ts';
import { idText, type FieldErrors } from '../form-fields.ts';
import type { StatementInspection } from '../../services/imports.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageTimeZone, setFlash } from '../middleware/locals.ts';
import { dayAt } from '../../domain/calendar.ts';
import { formatBytes, receiveUpload } from '../upload.ts';

/** Files up to this size are imported before the POST answers (waiting at most QUICK_FINISH_MS), skipping the progress page's wait. */
const QUICK_FINISH_BYTES = 256 * 1024;
const QUICK_FINISH_MS = 1000;

const UPLOAD_GONE = msg('import.upload.gone');

export interface ImportRouterDeps {
  readonly imports: ImportService;
  /** The app's CSRF protection: multipart bodies skip the global check, so the upload route checks itself. */
  readonly csrf: Pick<CsrfSync, 'isRequestValid' | 'invalidCsrfTokenError'>;
  readonly maxUploadBytes?: number;
}

/** Uploading a CSV file, mapping its columns with a preview, and importing it as a durable job with progress. */
export function createImportRouter(deps: ImportRouterDeps): Router {
  const router = Router();
  const service = deps.imports;
  const maxBytes = deps.maxUploadBytes ?? MAX_IMPORT_BYTES;
  const tooLargeMessage = (res: Response) => msg('import.upload.tooLarge', { size: formatBytes(maxBytes, pageLanguage(res).locale) });
  router.use('/import', requireUser);

  function renderUpload(req: Request, res: Response, error?: Msg) {
    const maxSize = formatBytes(maxBytes, pageLanguage(res).locale);
    const zone = pageTimeZone(res);
    const layouts = service.rememberedLayouts(signedInUser(req).id).map((layout) => ({ ...layout, usedOn: dayAt(layout.usedAt, zone) }));
    const imports = service.recentImports(signedInUser(req).id);
    res.render('import/upload', { title: 'import.upload.title', styles: ['/css/import.css'], maxSize, error, layouts, imports });
  }

  /** The user's upload named in the path, or 404. */
  async function ownedUpload(req: Request): Promise<Upload> {
    const upload = await service.findUpload(signedInUser(req).id, String(req.params.uploadId ?? ''));
    if (!upload) throw new NotFoundError(UPLOAD_GONE);
    return upload;
  }

  /** The mapping page: the form as guessed or as submitted, its messages and a preview of the first rows. */
  async function renderMapping(req: Request, res: Response, upload: Upload, source: unknown, submitted: boolean) {
    const base = { title: 'import.map.title', styles: ['/css/import.css'], uploadId: upload.uploadId, size: formatBytes(upload.bytes, pageLanguage(res).locale) };
    const inspection = await service.inspect(signedInUser(req).id, upload, delimiterNamed(textField(source, 'delimiter')), submitted ? skipRowsNamed(textField(source, 'skipRows')) : undefined, pageLanguage(res).monthFirst);
    if (!inspection.ok) {
      res.status(422);
      const fileError = csvFileMessage(inspection.fileError, 'file');
      return res.render('import/map', { ...base, fileError, remembered: false, errors: {}, preview: [], ready: false });
    }
    const values: ImportMappingValues = submitted
      ? parseImportMapping(source, inspection.columnCount).values
      : mappingValuesFor(inspection.guess, inspection.rememberedOptions ?? DEFAULT_IMPORT_OPTIONS);
    const parsed = parseImportMapping(values, inspection.columnCount);
    const columns = Array.from({ length: inspection.columnCount }, (_, i) => {
      const name = values.header === '1' ? (inspection.headerCells[i] ?? '').trim().slice(0, 40) : '';
      return { index: i, label: name ? msg('import.map.columnNamed', { n: i + 1, name }) : msg('import.map.column', { n: i + 1 }) };
    });
    const preview = parsed.ok
      ? service
          .preview(signedInUser(req).id, inspection.sample, parsed.mapping, parsed.options.targetAccountId)
          .map((p) => (p.ok ? p : { ...p, reason: describeRowProblems(p.problems, pageLanguage(res).t) }))
      : [];
    const owned = service.accountsFor(signedInUser(req).id);
    const accounts = owned.filter((a) => !a.archived);
    const remembered = !submitted && inspection.rememberedOptions !== undefined;
    // Rows new in their account but just like rows of another: said above the preview, naming the account most of them are in.
    const counts = new Map<number, number>();
    for (const p of preview) if (p.ok && p.elsewhere !== null) counts.set(p.elsewhere, (counts.get(p.elsewhere) ?? 0) + 1);
    const [mostIn] = [...counts].reduce<[number | undefined, number]>((best, [id, n]) => (n > best[1] ? [id, n] : best), [undefined, 0]);
    const elsewhere =
      mostIn === undefined
        ? null
        : { count: [...counts.values()].reduce((a, b) => a + b, 0), shown: preview.filter((p) => p.ok).length, account: owned.find((a) => a.id === mostIn)?.name ?? '' };
    // An amount column named for another currency: said beside the choice, since there is no conversion.
    const ours = pageLanguage(res).money.currency;
    const amountHeader = values.header === '1' && /^\d+$/.test(values.amount) ? (inspection.headerCells[Number(values.amount)] ?? '') : '';
    const amountCurrency = otherCurrencyInName(amountHeader, ours);
    res.render('import/map', { ...base, fileError: undefined, columns, values, accounts, remembered, errors: parsed.ok ? {} : parsed.errors, ready: parsed.ok, preview, amountCurrency, ours, elsewhere });
  }

  /**
   * The statement page: what the bank file holds, counted against the account it would go into, and the form that
   * imports it. Statements need no mapping: their formats say which field is which.
   */
  function renderStatement(req: Request, res: Response, upload: Upload, inspection: StatementInspection, errors: FieldErrors = {}, keepDuplicates = false) {
    const { t } = pageLanguage(res);
    res.render('import/statement', {
      title: 'import.statement.pageTitle',
      styles: ['/css/import.css'],
      uploadId: upload.uploadId,
      size: formatBytes(upload.bytes, pageLanguage(res).locale),
      s: inspection,
      formatName: statementFormatKey(inspection.format),
      fileError: inspection.ok
        ? undefined
        : inspection.problem === 'currency'
          ? statementFileMessage('currency', undefined, { theirs: inspection.currency, ours: pageLanguage(res).money.currency })
          : statementFileMessage(inspection.problem, inspection.line),
      accounts: service.accountsFor(signedInUser(req).id).filter((a) => !a.archived),
      problems: inspection.ok ? inspection.problems.map((e) => ({ line: e.line, reason: describeRowProblems(e.problems, t) })) : [],
      errors,
      keepDuplicates,
    });
  }

  /** The statement form's "import them anyway" box: ticked only when it says 1. */
  const ticked = z.literal('1');
  const keepsDuplicates = (body: unknown): boolean => ticked.safeParse(textField(body, 'keepDuplicates')).success;

  /** The account field of the statement form: one of the person's ids, or undefined. */
  const chosenAccount = (body: unknown): number | undefined => {
    const parsed = idText.safeParse(textField(body, 'account'));
    return parsed.success ? parsed.data : undefined;
  };

  /* GET /import: the upload form, with the size limit stated. Signed-in users. */
  router.get('/import', (req, res) => {
    renderUpload(req, res);
  });

  /* POST /import/layouts/forget: forgets one remembered CSV layout (by its key); the next such file opens on guesses. Signed-in users. */
  router.post('/import/layouts/forget', (req, res) => {
    const key = textField(req.body, 'key') ?? '';
    const forgotten = /^[\w-]{43}$/.test(key) && service.forgetLayout(signedInUser(req).id, key);
    if (forgotten) setFlash(req, 'success', 'import.layouts.forgotten');
    else setFlash(req, 'error', 'import.layouts.notFound');
    res.redirect(303, '/import');
  });

  /*
   * POST /import: multipart upload of one CSV file into the user's upload folder, then on to the mapping page.
   * The global CSRF check skips multipart, so the token is checked here after parsing; a bad one is a 403 and
   * the file is deleted. Over the size limit is a 413 and nothing is kept. Signed-in users.
   */
  router.post('/import', async (req, res) => {
    const user = signedInUser(req);
    const declared = Number(req.headers['content-length'] ?? 0);
    // Far over the limit by its own account: answer at once instead of reading megabytes only to discard them.
    if (declared > maxBytes + 64 * 1024) {
      res.status(413).set('Connection', 'close');
      return renderUpload(req, res, tooLargeMessage(res));
    }
    const { uploadId, file } = await service.newUpload(user.id);
    const upload = await receiveUpload(req, file, maxBytes).catch(async (err: unknown) => {
      await service.discardFile(file);
      throw err;
    });
    req.body = upload.fields;
    if (!deps.csrf.isRequestValid(req)) {
      await service.discardFile(file);
      throw deps.csrf.invalidCsrfTokenError;
    }
    if (upload.tooLarge) {
      await service.discardFile(file);
      res.status(413);
      return renderUpload(req, res, tooLargeMessage(res));
    }
    if (!upload.gotFile || upload.bytes === 0) {
      await service.discardFile(file);
      res.status(422);
      return renderUpload(req, res, msg('import.upload.missing'));
    }
    if (await service.isBlankUpload(file, upload.bytes)) {
      await service.discardFile(file);
      res.status(422);
      return renderUpload(req, res, msg('import.upload.blank'));
    }
    // A PDF, a spreadsheet or a ZIP archive is neither a statement nor CSV: named here, and what to upload instead.
    const mistaken = await service.mistakenFormatOf(file);
    if (mistaken !== undefined) {
      await service.discardFile(file);
      res.status(422);
      return renderUpload(req, res, mistakenFormatMessage(mistaken));
    }
    // Only now, for a checked upload: a forged form must not make anyone's waiting files go.
    if (!(await service.makeRoomForUpload(user.id, uploadId))) {
      await service.discardFile(file);
      res.status(429);
      return renderUpload(req, res, msg('import.upload.tooManyWaiting', { count: MAX_WAITING_UPLOADS }));
    }
    await service.keepUpload(file);
    res.redirect(303, `/import/${uploadId}`);
  });

  /*
   * GET /import/:uploadId: choose which column is which, the date format and decimal separator, and preview the
   * first rows with the errors each would have. Reads only; the mapping travels in the query string. Owner only.
   */
  router.get('/import/:uploadId', async (req, res) => {
    const uploadId = String(req.params.uploadId);
    if (service.hasImport(signedInUser(req).id, uploadId)) return res.redirect(303, `/import/${uploadId}/progress`);
    const upload = await ownedUpload(req);
    const statement = await service.inspectStatement(signedInUser(req).id, upload);
    if (statement) return renderStatement(req, statement.ok ? res : res.status(422), upload, statement);
    await renderMapping(req, res, upload, req.query, typeof req.query.date === 'string');
  });

  /*
   * POST /import/:uploadId: import the file with the previewed mapping as a job: rows are streamed and checked,
   * then all good rows are written in one transaction while the progress page shows how far it has got. A bad mapping
   * re-renders with 422; pressing twice imports once. Owner only.
   */
  router.post('/import/:uploadId', async (req, res) => {
    const user = signedInUser(req);
    const uploadId = String(req.params.uploadId);
    if (service.hasImport(user.id, uploadId)) return res.redirect(303, `/import/${uploadId}/progress`);
    const upload = await ownedUpload(req);
    const statement = await service.inspectStatement(user.id, upload, chosenAccount(req.body));
    if (statement) {
      if (!statement.ok) return renderStatement(req, res.status(422), upload, statement);
      const accountId = chosenAccount(req.body);
      const begun = accountId === undefined ? 'account' : await service.startStatement(user.id, uploadId, accountId, keepsDuplicates(req.body));
      if (begun === 'account') return renderStatement(req, res.status(422), upload, statement, { account: msg('validation.account.choose') }, keepsDuplicates(req.body));
      if (!begun) throw new NotFoundError(UPLOAD_GONE);
      if (begun.created && upload.bytes <= QUICK_FINISH_BYTES) await service.waitForImport(begun.job.id, QUICK_FINISH_MS);
      return res.redirect(303, `/import/${uploadId}/progress`);
    }
    const inspection = await service.inspect(user.id, upload, delimiterNamed(textField(req.body, 'delimiter')), skipRowsNamed(textField(req.body, 'skipRows')), pageLanguage(res).monthFirst);
    const parsed = inspection.ok ? parseImportMapping(req.body, inspection.columnCount) : undefined;
    if (!parsed?.ok) return renderMapping(req, res.status(422), upload, req.body, true);
    const started = await service.start(user.id, uploadId, parsed.mapping, parsed.options);
    if (!started) throw new NotFoundError(UPLOAD_GONE);
    if (started.created && upload.bytes <= QUICK_FINISH_BYTES) await service.waitForImport(started.job.id, QUICK_FINISH_MS);
    res.redirect(303, `/import/${uploadId}/progress`);
  });

  /*
   * GET /import/:uploadId/progress: while the import waits or runs, the rows checked so far and a Check progress
   * link back to this page (public/js/import-progress.js reads it again in the background); then the result (rows imported, rows refused with line and reason, likely
   * duplicates, categories created), or why it failed, or that it was interrupted with a Run again button.
   * Kept for a week after it ends, across restarts. Owner only.
   */
  router.get('/import/:uploadId/progress', (req, res) => {
    const status = service.status(signedInUser(req).id, String(req.params.uploadId));
    if (!status) throw new NotFoundError(msg('import.progress.noSuchImportKept'));
    // No Refresh header: reloading every second restarted a screen reader and lost focus (WCAG 2.2.2). Without
    // script the person asks again with the page's link; with it, import-progress.js updates the page in place.
    const titles = {
      queued: 'import.progress.importing',
      running: 'import.progress.importing',
      done: 'import.progress.finished',
      failed: 'import.progress.failed',
      interrupted: 'import.progress.interrupted',
    } as const;
    const { t } = pageLanguage(res);
    const running = status.state === 'queued' || status.state === 'running';
    res.render('import/progress', {
      title: titles[status.state],
      styles: ['/css/import.css'],
      scripts: running ? ['/js/import-progress.js'] : [],
      uploadId: String(req.params.uploadId),
      status,
      failure: status.state === 'failed' ? importFailureMessage(status.reason, status.detail, pageLanguage(res).money.currency) : undefined,
      errors: status.state === 'done' ? status.result.errors.map((e) => ({ line: e.line, reason: describeRowProblems(e.problems, t) })) : [],
      undoneOn: status.state === 'done' && status.result.undone ? dayAt(status.result.undone.at, pageTimeZone(res)) : null,
    });
  });

  /*
   * POST /import/:uploadId/run-again: queue an interrupted import again, from its kept upload with the same mapping;
   * the interrupted run kept nothing, so every row is imported once. Owner only; others get 404.
   */
  router.post('/import/:uploadId/run-again', (req, res) => {
    const uploadId = String(req.params.uploadId);
    const outcome = service.runAgain(signedInUser(req).id, uploadId);
    if (outcome === 'not-found') throw new NotFoundError(msg('import.progress.noSuchImport'));
    if (outcome === 'upload-gone') setFlash(req, 'error', 'import.progress.cannotRunAgain');
    res.redirect(303, `/import/${uploadId}/progress`);
  });

  /*
   * GET /import/:uploadId/undo: what undoing a finished import would remove (its transactions still there, transfers
   * counted once), with the button that does it; an import with reconciled rows says it cannot be. Owner only.
   */
  router.get('/import/:uploadId/undo', (req, res) => {
    const uploadId = String(req.params.uploadId);
    const plan = service.undoPlan(signedInUser(req).id, uploadId);
    if (plan === 'not-found') throw new NotFoundError(msg('import.progress.noSuchImportKept'));
    if (typeof plan === 'string') return res.redirect(303, `/import/${uploadId}/progress`);
    res.render('import/undo', { title: 'import.undo.title', styles: ['/css/import.css'], uploadId, plan });
  });

  /*
   * POST /import/:uploadId/undo: remove what the import wrote, in one transaction (categories and accounts it made
   * stay), and say how many went; refused while any of its rows is reconciled. Owner only; others get 404.
   */
  router.post('/import/:uploadId/undo', (req, res) => {
    const uploadId = String(req.params.uploadId);
    const outcome = service.undo(signedInUser(req).id, uploadId);
    if (outcome === 'not-found') throw new NotFoundError(msg('import.progress.noSuchImportKept'));
    if (outcome === 'reconciled') {
      setFlash(req, 'error', 'import.undo.reconciled');
      return res.redirect(303, `/import/${uploadId}/undo`);
    }
    if (typeof outcome === 'object') setFlash(req, 'success', 'import.undo.done', { count: outcome.removed });
    res.redirect(303, `/import/${uploadId}/progress`);
  });

  return router;
}
