import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';

/**
 * With TRUST_PROXY unset, a request that arrives with X-Forwarded-For most likely came through a reverse proxy the
 * server was not told about: every person then has the proxy's address, so one visitor's failed sign-ins lock the
 * whole household out, and the session list shows the proxy. Said once per process, at the first such request.
 */
export function warnAboutUntrustedProxy(trustProxy: unknown, logger: Logger): RequestHandler {
  let warned = trustProxy !== false;
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
