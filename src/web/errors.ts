import { msg, type Msg } from './i18n.ts';

/** An error that carries the HTTP status the error handler should answer with, and what the page says. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly userMessage: Msg,
  ) {
    // The key, not a sentence: the page translates it, and logs stay in one language.
    super(userMessage.key);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist, or is not the caller's to see. */
export class NotFoundError extends HttpError {
  constructor(message: Msg = msg('errors.notFound')) {
    super(404, message);
  }
}

/** A request the app cannot make sense of at all (not a form the user can fix). */
export class BadRequestError extends HttpError {
  constructor(message: Msg = msg('errors.notUnderstood')) {
    super(400, message);
  }
}

/** Seconds a client is asked to wait after the database was busy: about what the longest write (an import) holds it. */
export const BUSY_RETRY_AFTER_SECONDS = 10;

/**
 * SQLite's "database is locked" after the busy timeout: another process (a second worker writing a large import, a
 * backup, an admin command) held the write lock longer than a request waits. Nothing of the request was written (its
 * statement or commit failed whole), so it is the client's to send again: 503 with Retry-After, not a 500.
 */
export function isDatabaseBusy(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}
