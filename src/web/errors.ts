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
