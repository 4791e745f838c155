import type { Request, RequestHandler } from 'express';

/** A body reader's refusal, kept until the page that says so knows whose it is. */
const refusals = new WeakMap<Request, unknown>();

/**
 * Runs a body reader (express.urlencoded, the reconcile form's reader) and keeps its refusal (413 for a body over its
 * limit, 400 or 415 for one it cannot read) instead of answering at once: the session and the page's language are
 * read after the body readers, so a refusal answered from here showed a signed-in person the signed-out header, "Go
 * to log in", and the browser's language instead of their own. The reader has already refused the body whole (and
 * read none of it into the request): nothing after it sees a byte, and raiseBodyRefusal answers before any route.
 */
export function keepBodyRefusal(reader: RequestHandler): RequestHandler {
  return (req, res, next) => {
    reader(req, res, (err?: unknown) => {
      if (err !== undefined && err !== null && !refusals.has(req)) refusals.set(req, err);
      next();
    });
  };
}

/** Answers a kept refusal through the error handler, once the session and the page's language are known. */
export const raiseBodyRefusal: RequestHandler = (req, _res, next) => {
  const err = refusals.get(req);
  if (err === undefined) return next();
  refusals.delete(req);
  next(err);
};
