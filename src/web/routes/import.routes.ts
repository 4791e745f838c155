import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import busboy from 'busboy';
import type { CsrfSync } from 'csrf-sync';
import { Router, type Request, type Response } from 'express';
import type { ImportsRepo } from '../../db/repos/imports.ts';
import type { Logger } from '../../logger.ts';
import { guessCsvDateFormat } from '../../services/csv-date.ts';
import {
  createRecordChecker,
  CsvFileError,
  DEFAULT_IMPORT_OPTIONS,
  guessColumns,
  readCsvSample,
  readFirstLine,
  runCsvImport,
  sniffCsvDelimiter,
  type CsvDelimiter,
  type ImportMapping,
  type ImportProgress,
  type ImportResult,
} from '../../services/csv-import.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { textField } from '../form-fields.ts';
import {
  mappingValuesFor,
  parseImportMapping,
  type ImportMappingValues,
} from '../forms/import-mapping.ts';
import { requireUser } from '../middleware/auth.ts';

/** Largest file accepted; stated on the upload page and enforced while the upload streams in. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Data rows shown in the preview. */
export const PREVIEW_ROWS = 10;
/** Uploads never imported are removed after a day; finished imports are forgotten after an hour. */
const UPLOAD_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const JOB_MAX_AGE_MS = 60 * 60 * 1000;
/** Files up to this size are imported before the POST answers (at most QUICK_FINISH_MS), so they skip the progress page. */
const QUICK_FINISH_BYTES = 256 * 1024;
const QUICK_FINISH_MS = 1000;

const UPLOAD_ID = /^[a-f0-9]{32}$/;
const DELIMITERS_BY_NAME: Record<string, CsvDelimiter> = { comma: ',', semicolon: ';', tab: '\t' };

interface ImportJob {
  readonly userId: number;
  status: 'running' | 'done' | 'failed';
  progress: ImportProgress;
  result?: ImportResult;
  error?: string;
  readonly startedAt: number;
  finishedAt?: number;
}

export interface ImportRouterDeps {
  readonly imports: ImportsRepo;
  /** The app's CSRF protection: multipart bodies skip the global check, so the upload route checks itself. */
  readonly csrf: Pick<CsrfSync, 'isRequestValid' | 'invalidCsrfTokenError'>;
  /** Uploads wait here, one folder per user, until imported or swept. */
  readonly uploadDir: string;
  readonly maxUploadBytes?: number;
  readonly logger?: Logger;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Uploading a CSV file, mapping its columns with a preview, and importing it with progress. */
export function createImportRouter(deps: ImportRouterDeps): Router {
  const router = Router();
  const maxBytes = deps.maxUploadBytes ?? MAX_IMPORT_BYTES;
  const jobs = new Map<string, ImportJob>();
  router.use('/import', requireUser);

  const userDir = (userId: number) => path.join(deps.uploadDir, String(userId));
  const jobKey = (userId: number, uploadId: string) => `${userId}/${uploadId}`;

  /** The user's uploaded file for this id; 404 for a malformed id, someone else's id or a file already imported. */
  async function ownedUpload(req: Request): Promise<{ uploadId: string; file: string; bytes: number }> {
    const uploadId = String(req.params.uploadId ?? '');
    if (!UPLOAD_ID.test(uploadId)) throw new NotFoundError();
    const file = path.join(userDir(req.user!.id), `${uploadId}.csv`);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new NotFoundError('That upload is no longer here. Upload the file again to import it.');
    return { uploadId, file, bytes: info.size };
  }

  /** Deletes every user's uploads older than a day (abandoned before import) and forgets old finished jobs. */
  async function sweepOldUploads(): Promise<void> {
    const now = Date.now();
    for (const owner of await readdir(deps.uploadDir).catch(() => [] as string[])) {
      const dir = path.join(deps.uploadDir, owner);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const file = path.join(dir, name);
        const info = await stat(file).catch(() => null);
        if (info?.isFile() && now - info.mtimeMs > UPLOAD_MAX_AGE_MS) await rm(file, { force: true });
      }
    }
    for (const [key, job] of jobs) if (job.finishedAt && now - job.finishedAt > JOB_MAX_AGE_MS) jobs.delete(key);
  }

  function renderUpload(res: Response, error?: string) {
    res.render('import/upload', {
      title: 'Import transactions',
      styles: ['/css/import.css'],
      maxSize: formatBytes(maxBytes),
      error,
    });
  }

  /*
   * GET /import: the upload form, with the size limit stated. Signed-in users.
   */
  router.get('/import', (_req, res) => {
    renderUpload(res);
  });

  /*
   * POST /import: multipart upload of one CSV file into the user's upload folder, then on to the mapping page.
   * The global CSRF check skips multipart, so the token is checked here after parsing; a bad one is a 403 and
   * the file is deleted. Over the size limit is a 413 and nothing is kept. Signed-in users.
   */
  router.post('/import', async (req, res) => {
    const userId = req.user!.id;
    const declared = Number(req.headers['content-length'] ?? 0);
    // Far over the limit by its own account: answer at once instead of reading megabytes only to discard them.
    if (declared > maxBytes + 64 * 1024) {
      res.status(413).set('Connection', 'close');
      return renderUpload(res, `That file is larger than ${formatBytes(maxBytes)}, so it was not uploaded. Split it into smaller files and import each.`);
    }
    const dir = userDir(userId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await sweepOldUploads();
    const uploadId = randomBytes(16).toString('hex');
    const target = path.join(dir, `${uploadId}.csv`);
    const upload = await receiveUpload(req, target, maxBytes).catch(async (err: unknown) => {
      await rm(target, { force: true });
      throw err;
    });
    req.body = upload.fields;
    if (!deps.csrf.isRequestValid(req)) {
      await rm(target, { force: true });
      throw deps.csrf.invalidCsrfTokenError;
    }
    if (upload.tooLarge) {
      await rm(target, { force: true });
      res.status(413);
      return renderUpload(res, `That file is larger than ${formatBytes(maxBytes)}, so it was not uploaded. Split it into smaller files and import each.`);
    }
    if (!upload.gotFile || upload.bytes === 0) {
      await rm(target, { force: true });
      res.status(422);
      return renderUpload(res, 'Choose a CSV file to upload; the file was missing or empty.');
    }
    res.redirect(303, `/import/${uploadId}`);
  });

  /** The mapping page's model: the file's first rows, its columns, the form values and the parsed mapping. */
  async function mappingPage(file: string, source: unknown, submitted: boolean) {
    const chosen = DELIMITERS_BY_NAME[textField(source, 'delimiter') ?? ''];
    const delimiter = chosen ?? sniffCsvDelimiter(await readFirstLine(file));
    let sample: { line: number; fields: Buffer[] }[];
    try {
      sample = await readCsvSample(file, delimiter, PREVIEW_ROWS + 1);
    } catch (err) {
      if (err instanceof CsvFileError) return { fileError: err.message } as const;
      throw err;
    }
    const columnCount = Math.max(1, ...sample.map((r) => r.fields.length));
    const headerCells = sample[0]?.fields.map((b) => b.toString('utf8')) ?? [];
    let values: ImportMappingValues;
    if (submitted) values = parseImportMapping(source, columnCount).values;
    else {
      const guessed = guessColumns(headerCells);
      const dateSamples = sample.slice(1).map((r) => r.fields[guessed.dateColumn]?.toString('utf8') ?? '');
      const mapping: ImportMapping = {
        delimiter,
        hasHeader: true,
        ...guessed,
        dateFormat: guessCsvDateFormat(dateSamples),
        decimalSeparator: delimiter === ';' ? 'comma' : 'dot',
      };
      values = mappingValuesFor(mapping, DEFAULT_IMPORT_OPTIONS);
    }
    const parsed = parseImportMapping(values, columnCount);
    const columns = Array.from({ length: columnCount }, (_, i) => {
      const name = values.header === '1' ? (headerCells[i] ?? '').trim().slice(0, 40) : '';
      return { index: i, label: name ? `${i + 1}: ${name}` : `Column ${i + 1}` };
    });
    return { sample, columns, values, parsed, fileError: undefined };
  }

  /** The first data rows as the import would see them: the row or its errors, duplicate and new-category flags. */
  function previewRows(userId: number, sample: { line: number; fields: Buffer[] }[], mapping: ImportMapping) {
    const hasCategory = deps.imports.categoryIndexFor(userId);
    const check = createRecordChecker(mapping);
    const rows = mapping.hasHeader ? sample.slice(1) : sample.slice(0, PREVIEW_ROWS);
    return rows.map(({ line, fields }) => {
      const result = check(fields, line);
      if (!result.ok) {
        const raw = fields.map((f) => f.toString('utf8')).join(' | ');
        return { line, ok: false as const, reason: result.reason, raw: raw.length > 120 ? `${raw.slice(0, 120)}…` : raw };
      }
      const row = result.row;
      return {
        line,
        ok: true as const,
        row,
        duplicate: deps.imports.isLikelyDuplicate(userId, row),
        newCategory: row.categoryName !== '' && !hasCategory(row.type, row.categoryName),
      };
    });
  }

  async function renderMapping(req: Request, res: Response, source: unknown, submitted: boolean) {
    const { uploadId, file, bytes } = await ownedUpload(req);
    const page = await mappingPage(file, source, submitted);
    const base = { title: 'Import: match the columns', styles: ['/css/import.css'], uploadId, size: formatBytes(bytes) };
    if (page.fileError !== undefined) {
      res.status(422);
      return res.render('import/map', { ...base, fileError: page.fileError, errors: {}, preview: [], ready: false });
    }
    const { parsed } = page;
    res.render('import/map', {
      ...base,
      fileError: undefined,
      columns: page.columns,
      values: page.values,
      errors: parsed.ok ? {} : parsed.errors,
      ready: parsed.ok,
      preview: parsed.ok ? previewRows(req.user!.id, page.sample, parsed.mapping) : [],
    });
  }

  /*
   * GET /import/:uploadId: choose which column is which, the date format and decimal separator, and preview the
   * first rows with the errors each would have. Reads only; the mapping travels in the query string. Owner only.
   */
  router.get('/import/:uploadId', async (req, res) => {
    const existing = jobs.get(jobKey(req.user!.id, String(req.params.uploadId)));
    if (existing) return res.redirect(303, `/import/${String(req.params.uploadId)}/progress`);
    const submitted = typeof req.query.date === 'string';
    await renderMapping(req, res, req.query, submitted);
  });

  /*
   * POST /import/:uploadId: import the file with the previewed mapping: rows are streamed and checked, then all good
   * rows are written in one transaction while the progress page refreshes. Bad mapping re-renders with 422.
   * Owner only.
   */
  router.post('/import/:uploadId', async (req, res) => {
    const userId = req.user!.id;
    const { uploadId, file, bytes } = await ownedUpload(req);
    const key = jobKey(userId, uploadId);
    if (jobs.has(key)) return res.redirect(303, `/import/${uploadId}/progress`);
    const job: ImportJob = {
      userId,
      status: 'running',
      progress: { phase: 'reading', bytesRead: 0, totalBytes: 1, rowsRead: 0 },
      startedAt: Date.now(),
    };
    // Claimed before the first await, so a double submit joins this import instead of starting a second one.
    jobs.set(key, job);
    const page = await mappingPage(file, req.body, true).catch((err: unknown) => {
      jobs.delete(key);
      throw err;
    });
    if (page.fileError !== undefined || !page.parsed.ok) {
      jobs.delete(key);
      res.status(422);
      return renderMapping(req, res, req.body, true);
    }
    const { mapping, options } = page.parsed;
    const finished = runCsvImport(deps.imports, userId, file, mapping, options, (progress) => {
      job.progress = progress;
    })
      .then((result) => {
        job.result = result;
        job.status = 'done';
      })
      .catch((err: unknown) => {
        job.status = 'failed';
        if (err instanceof CsvFileError) job.error = `${err.message}. Nothing was imported.`;
        else {
          deps.logger?.error({ err }, 'csv import failed');
          job.error = 'The import failed on our side, so nothing was imported. Please try again.';
        }
      })
      .finally(() => {
        job.finishedAt = Date.now();
        return rm(file, { force: true });
      });
    if (bytes <= QUICK_FINISH_BYTES) await Promise.race([finished, delay(QUICK_FINISH_MS)]);
    res.redirect(303, `/import/${uploadId}/progress`);
  });

  /*
   * GET /import/:uploadId/progress: a page that refreshes itself every second with rows checked so far, then the
   * result: rows imported, rows refused with line and reason, likely duplicates, categories created. Owner only.
   */
  router.get('/import/:uploadId/progress', (req, res) => {
    const uploadId = String(req.params.uploadId);
    const job = UPLOAD_ID.test(uploadId) ? jobs.get(jobKey(req.user!.id, uploadId)) : undefined;
    if (!job) throw new NotFoundError('There is no import with that address. Imports are kept for an hour after they finish.');
    // The Refresh header works like <meta http-equiv="refresh"> without script, so it needs no CSP exception.
    if (job.status === 'running') res.set('Refresh', '1');
    res.render('import/progress', { title: job.status === 'running' ? 'Importing…' : 'Import finished', styles: ['/css/import.css'], job });
  });

  return router;
}

/** Streams a multipart body: the `file` part to `target` (up to maxBytes), text fields into a map. */
function receiveUpload(
  req: Request,
  target: string,
  maxBytes: number,
): Promise<{ fields: Record<string, string>; gotFile: boolean; tooLarge: boolean; bytes: number }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 } });
    } catch {
      reject(new BadRequestError('Send the file as a multipart form upload.'));
      return;
    }
    const fields: Record<string, string> = {};
    let saving: Promise<void> | null = null;
    let tooLarge = false;
    let bytes = 0;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== 'file' || saving) {
        stream.resume();
        return;
      }
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      stream.on('limit', () => {
        tooLarge = true;
      });
      saving = pipeline(stream, createWriteStream(target, { mode: 0o600 }));
    });
    parser.on('error', (err) => reject(new BadRequestError(err instanceof Error ? err.message : 'Upload failed.')));
    // A browser that gives up mid-upload never ends the body; without this the request would wait forever.
    req.on('close', () => {
      if (!req.complete) {
        req.unpipe(parser);
        reject(new BadRequestError('The upload was interrupted, so nothing was kept.'));
      }
    });
    parser.on('close', () => {
      (saving ?? Promise.resolve()).then(
        () => resolve({ fields, gotFile: saving !== null, tooLarge, bytes }),
        reject,
      );
    });
    req.pipe(parser);
  });
}
