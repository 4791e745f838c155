import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';
import { HttpError, NotFoundError } from '../errors.ts';

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

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Log in first',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too large',
  429: 'Too many requests',
  500: 'Something went wrong',
};

/** The one place errors become pages: status from the error, no stack outside development. */
export function createErrorHandler(options: { logger: Logger; showStack: boolean }): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const e = (err ?? {}) as StatusLike;
    let status = 500;
    let message = 'Something went wrong on our side. Your data is safe; please try again.';
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
    } else if (e.code === 'EBADCSRFTOKEN') {
      status = 403;
      message = 'This form was out of date or did not come from this site, so nothing was changed. Go back, reload the page and try again.';
    } else if (e.type === 'entity.too.large') {
      status = 413;
      message = 'That was more data than a form here accepts, so nothing was saved.';
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status;
      message = 'That request could not be understood, so nothing was changed.';
    }
    if (status >= 500) {
      options.logger.error({ err, method: req.method, path: req.path }, 'request failed');
    }
    res.status(status);
    res.set('Cache-Control', 'no-store');
    res.render('errors/error', {
      title: TITLES[status] ?? 'Error',
      status,
      message,
      stack: options.showStack && status >= 500 && err instanceof Error ? err.stack : undefined,
    });
  };
}
