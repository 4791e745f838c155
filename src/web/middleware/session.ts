import type { RequestHandler } from 'express';
import session from 'express-session';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';

/** Cookie name: not the default "connect.sid"; in production the __Host- prefix pins it to our origin over HTTPS. */
export function sessionCookieName(config: Config): string {
  return config.isProduction ? '__Host-ft.sid' : 'ft.sid';
}

/** express-session on the given store with the cookie rules the app promises. */
export function createSessionMiddleware(config: Config, store: session.Store, secret: string): RequestHandler {
  return session({
    name: sessionCookieName(config),
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    // Every response pushes the idle deadline forward; the absolute lifetime is enforced separately.
    rolling: true,
    proxy: config.trustProxy !== false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: config.sessionIdleMinutes * 60 * 1000,
    },
  });
}

/** Ends sessions older than the absolute lifetime (on the clock), however active they have been. */
export function enforceAbsoluteLifetime(config: Config, clock: Clock): RequestHandler {
  const maxAgeMs = config.sessionAbsoluteHours * 60 * 60 * 1000;
  return (req, _res, next) => {
    const startedAt = req.session?.authenticatedAt;
    if (startedAt === undefined || clock.now() - startedAt <= maxAgeMs) return next();
    req.session.regenerate((err) => next(err));
  };
}
