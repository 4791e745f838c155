import type { ErrorRequestHandler, RequestHandler } from 'express';
import { limitReachedIn } from '../../domain/limits.ts';
import { isTotalsTooLarge } from '../../domain/money.ts';
import { storageProblemOf } from '../../domain/storage.ts';
import type { Logger } from '../../logger.ts';
import { BUSY_RETRY_AFTER_SECONDS, HttpError, isDatabaseBusy, NotFoundError } from '../errors.ts';
import { msg, type MessageKey, type Msg } from '../i18n.ts';
import { limitReachedMessage } from '../messages.ts';
import { safeLocalPath } from '../form-fields.ts';

/** Turns any unmatched route into the 404 page. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError());
};

interface StatusLike {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
}

const TITLES: Record<number, MessageKey> = {
  400: 'errors.title.400',
  401: 'errors.title.401',
  403: 'errors.title.403',
  404: 'errors.title.404',
  413: 'errors.title.413',
  422: 'errors.title.422',
  429: 'errors.title.429',
  500: 'errors.title.500',
  503: 'errors.title.503',
};

/** The forms a person who is not signed in may send. */
const SIGNED_OUT_FORMS: ReadonlySet<string> = new Set(['/login', '/register', '/language', '/login/code', '/login/passkey', '/login/passkey/options', '/logout']);

/**
 * The page a refused form was sent from, when the browser says (Referer) and it is one of ours: its path and query, on
 * this host, with nothing a link could misuse. Our Referrer-Policy (same-origin) sends it only between our own pages.
 */
function referringPage(referer: string | undefined, host: string | undefined): string | undefined {
  if (referer === undefined || host === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host !== host.toLowerCase()) return undefined;
  const path = safeLocalPath(`${url.pathname}${url.search}`, '');
  return path === '' ? undefined : path;
}

/** The one place errors become pages: status from the error, no stack outside development. */
export function createErrorHandler(options: { logger: Logger; showStack: boolean; secureCookies: boolean }): ErrorRequestHandler {
  let warnedInsecure = false;
  return (err, req, res, next) => {
    if (res.headersSent) {
      // An error after the answer began (a download cut short, a session that could not be saved once the page was
      // sent): logged here, in the log's own format, never printed raw by Express's last handler. An answer still
      // open is cut off, so a partial download is never taken for a whole one; one already sent is left to finish.
      const code = (err as StatusLike | undefined)?.code;
      // A client that went away mid-download is no fault of the server's.
      const clientGone = !res.writableEnded && (req.destroyed || code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE');
      if (clientGone) options.logger.warn({ method: req.method, path: req.path, code }, 'the client went away before the answer was complete');
      else options.logger.error({ err, method: req.method, path: req.path }, 'request failed after its answer began');
      if (!res.writableEnded) res.destroy();
      return;
    }
    const e = (err ?? {}) as StatusLike;
    const limited = limitReachedIn(err);
    const storage = storageProblemOf(err);
    let status = 500;
    let title: MessageKey | undefined;
    let message: Msg = msg('errors.internal');
    if (err instanceof HttpError) {
      status = err.status;
      message = err.userMessage;
    } else if (e.code === 'EBADCSRFTOKEN') {
      status = 403;
      message = msg('errors.csrf');
      // A form only a signed-in person has, sent by a browser no longer signed in: signed out in another tab, or the
      // session ended while the page stood open. Said so, not "did not come from this site".
      if (!req.user && !req.session?.pendingTwoFactor && !SIGNED_OUT_FORMS.has(req.path.toLowerCase().replace(/\/+$/, ''))) message = msg('errors.csrfSignedOut');
      // Over plain HTTP a browser keeps no Secure session cookie, so every form fails here: say why, on the page
      // and once in the log, instead of "out of date".
      if (options.secureCookies && !req.secure) {
        message = msg('errors.csrfInsecure');
        if (!warnedInsecure) {
          warnedInsecure = true;
          options.logger.warn('a form came over plain HTTP: production session cookies are Secure, so browsers send them only over HTTPS. Serve Ledgerly over HTTPS, or behind a proxy that does, with TRUST_PROXY set');
        }
      }
    } else if (isTotalsTooLarge(err)) {
      status = 422;
      message = msg('errors.totalsTooLarge');
    } else if (limited) {
      status = 422;
      message = limitReachedMessage(limited);
    } else if (e.type === 'entity.too.large') {
      status = 413;
      message = msg('errors.tooLarge');
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status;
      message = msg('errors.badRequest');
    } else if (isDatabaseBusy(err)) {
      status = 503;
      message = msg('errors.busy');
      res.set('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
      // Not the server failing: a long write elsewhere. Said once a time, without the stack.
      options.logger.warn({ method: req.method, path: req.path }, 'database busy: another write held the lock past the busy timeout; answered 503');
    } else if (storage) {
      status = 503;
      title = 'errors.title.storage';
      message = msg(storage === 'full' ? 'errors.storageFull' : 'errors.storageReadOnly');
      // The owner's to fix, so an error; the code says which, and a stack would say nothing more.
      options.logger.error({ method: req.method, path: req.path, code: (err as StatusLike).code }, storage === 'full'
        ? 'storage full: a write was refused (no space left on the disk holding the database or uploads); answered 503'
        : 'storage read-only: a write was refused (the database or its folder is not writable by the server); answered 503');
    }
    if (status >= 500 && status !== 503) {
      options.logger.error({ err, method: req.method, path: req.path }, 'request failed');
    }
    res.status(status);
    res.set('Cache-Control', 'no-store');
    // A static file's refusal (a range past its end, a failed If-Match) comes with the file's own headers set: the
    // page is HTML, and validators of the file would describe the wrong body.
    for (const name of ['Content-Type', 'ETag', 'Last-Modified', 'Accept-Ranges']) res.removeHeader(name);
    res.render('errors/error', {
      title: title ?? TITLES[status] ?? 'errors.title.other',
      status,
      message,
      // A form too large to read: back to the page it came from, where the person can shorten it.
      backPath: status === 413 ? referringPage(req.get('referer'), req.get('host')) : undefined,
      stack: options.showStack && status >= 500 && err instanceof Error ? err.stack : undefined,
    });
  };
}
