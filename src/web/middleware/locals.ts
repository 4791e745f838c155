import type { Request, RequestHandler } from 'express';
import type { MoneyFormatter } from '../../domain/money.ts';

/** Sets a one-time message shown on the next page. */
export function setFlash(req: Request, kind: 'success' | 'error', message: string): void {
  req.session.flash = { kind, message };
}

/** Values every view may use: the user, the flash message, money formatting and the CSRF token. */
export function createLocalsMiddleware(options: {
  money: MoneyFormatter;
  generateCsrfToken: (req: Request) => string;
}): RequestHandler {
  return (req, res, next) => {
    res.locals.currentUser = req.user;
    res.locals.currentPath = req.path;
    res.locals.money = options.money;
    // Pages with user data must not be kept by browsers or shared caches.
    res.set('Cache-Control', 'no-store');
    let token: string | undefined;
    // Generated only when a form is rendered, so plain reads create no session.
    res.locals.csrfToken = () => (token ??= options.generateCsrfToken(req));
    if (req.session?.flash) {
      res.locals.flash = req.session.flash;
      delete req.session.flash;
    }
    next();
  };
}
