import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';

/**
 * With TRUST_PROXY unset, a request that arrives with X-Forwarded-For most likely came through a reverse proxy the
 * server was not told about: every person then has the proxy's address, so one visitor's failed sign-ins lock the
 * whole household out, and the session list shows the proxy. Said once per process, at the first such request.
 */
export function warnAboutUntrustedProxy(trustProxy: unknown, logger: Logger): RequestHandler | undefined {
  // With a proxy configured there is nothing to say: not installed at all.
  if (trustProxy !== false) return undefined;
  let warned = false;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn(
        'a request came with X-Forwarded-For but TRUST_PROXY is not set: behind a reverse proxy every client has the proxy\'s address, so sign-in limits count everyone as one. Set TRUST_PROXY to the number of proxies in front (1) or their address (loopback)',
      );
    }
    next();
  };
}

/**
 * At LOG_LEVEL=debug, one line per request once it is answered: method, path (never the query string, which can
 * carry an invite), status and milliseconds. Not installed at all at other levels, so it costs nothing there.
 */
export function requestLog(logger: Logger): RequestHandler | undefined {
  if (!logger.isLevelEnabled('debug')) return undefined;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      // The whole path: a router's req.path is relative to where it is mounted (an API call logged as /rules).
      logger.debug({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms }, 'request');
    });
    next();
  };
}
