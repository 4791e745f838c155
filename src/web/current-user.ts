import type { Request } from 'express';
import { HttpError } from './errors.ts';
import { msg } from './i18n.ts';

/**
 * The signed-in user of a request behind requireUser: typed, without a non-null assertion. Reaching it without a
 * user is a wiring mistake, answered as "log in first" rather than a crash.
 */
export function signedInUser(req: Request): Express.User {
  if (!req.user) throw new HttpError(401, msg('errors.logInFirst'));
  return req.user;
}
