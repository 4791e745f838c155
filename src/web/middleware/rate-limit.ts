import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import type { Clock } from '../../clock.ts';
import { personLimitKey } from '../../domain/limits.ts';
import { zoneResolver } from '../../domain/calendar.ts';
import { normaliseEmail } from '../../domain/users.ts';
import type { AuditLog } from '../../logger.ts';
import { textField } from '../form-fields.ts';
import { msg, type MessageKey, type Translate } from '../i18n.ts';
import { pageLanguage } from './locals.ts';

/** How many requests a key may make in one fixed window. */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Defaults: enough for a person who mistypes, far too few for guessing; a successful login gives its hit back. */
const DEFAULT_AUTH_RATE_LIMITS = Object.freeze({
  loginPerIpAndEmail: { limit: 10, windowMs: MINUTE_MS },
  // Caps password spraying (one guess at many accounts) from one address; roomy enough for a shared NAT.
  loginPerIp: { limit: 50, windowMs: 15 * MINUTE_MS },
  loginPerAccount: { limit: 100, windowMs: HOUR_MS },
  registerPerIp: { limit: 10, windowMs: HOUR_MS },
  // Someone holding a stolen session must not be able to guess the password through the account page.
  accountPasswordPerUser: { limit: 10, windowMs: 15 * MINUTE_MS },
  // Wrong two-factor codes after a correct password, per account: a 6-digit code must not be guessable.
  twoFactorPerUser: { limit: 10, windowMs: 15 * MINUTE_MS },
});

export type AuthRateLimits = { readonly [K in keyof typeof DEFAULT_AUTH_RATE_LIMITS]: RateLimitRule };

export interface AuthRateLimiters {
  /** Runs before passport on POST /login: per IP + email, per IP, then per account. */
  readonly login: RequestHandler[];
  /** Runs before any hashing on POST /register: per IP. */
  readonly register: RequestHandler;
  /** Runs before the current-password check on the account page's forms: per signed-in user. */
  readonly accountPassword: RequestHandler;
  /** Runs before a two-factor code is checked at sign-in: per account waiting for its code. */
  readonly twoFactor: RequestHandler;
}

/** The client address for limits and the audit log (express resolves proxies per the trust proxy setting). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Email as typed in the form, normalised the way accounts are looked up; '' when missing or repeated. */
function emailKey(req: Request): string {
  return normaliseEmail(textField(req.body, 'email') ?? '');
}

/**
 * How long to wait, in the page's language ("90 seconds", "5 хвилин"), and the clock time the wait ends, in the given
 * zone and named by it ("14:05 EET", "14:05 GMT+2"): a person reads their own clock, not UTC.
 */
function whenToRetry(resetAt: Date, nowMs: number, language: { t: Translate; locale: string }, timeZone: string): { seconds: number; wait: string; at: string } {
  const seconds = Math.max(1, Math.ceil((resetAt.getTime() - nowMs) / 1000));
  const wait =
    seconds < 90
      ? language.t('errors.rateLimit.seconds', { count: seconds })
      : language.t('errors.rateLimit.minutes', { count: Math.ceil(seconds / 60) });
  return { seconds, wait, at: clockTime(language.locale, timeZone).format(resetAt) };
}

const clockTimes = new Map<string, Intl.DateTimeFormat>();
function clockTime(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let format = clockTimes.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone, timeZoneName: 'short' });
    clockTimes.set(key, format);
  }
  return format;
}

/**
 * The limiters on login and registration. Counters live in SQLite (rate_limits) so they survive restarts;
 * over the limit the client gets 429, a Retry-After header and a page that says when to come back.
 */
export function createAuthRateLimiters(deps: {
  /** The counter store of one limiter (SQLite, so counts survive restarts and are shared by processes). */
  storeFor: (limiter: string) => Store;
  audit: AuditLog;
  userIdForEmail: (email: string) => number | undefined;
  limits?: Partial<AuthRateLimits>;
  clock: Clock;
  /**
   * The instance's TIME_ZONE: the wait's end is told in it to someone not signed in (whose zone is unknown, and
   * whose account's zone a stranger must not learn), and in the person's own zone once signed in.
   */
  defaultTimeZone: string;
}): AuthRateLimiters {
  const now = () => deps.clock.now();
  const zoneOf = zoneResolver(deps.defaultTimeZone);
  const limits: AuthRateLimits = { ...DEFAULT_AUTH_RATE_LIMITS, ...deps.limits };

  const limiter = (
    name: string,
    rule: RateLimitRule,
    key: (req: Request) => string,
    message: MessageKey,
    options: { skipSuccessfulRequests: boolean },
  ): RequestHandler => {
    return rateLimit({
      windowMs: rule.windowMs,
      limit: rule.limit,
      store: deps.storeFor(name),
      keyGenerator: key,
      skipSuccessfulRequests: options.skipSuccessfulRequests,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // The key generators below already fold IPv6 addresses to their /56 with ipKeyGenerator.
      validate: { keyGeneratorIpFallback: false },
      handler: (req: Request, res: Response) => {
        const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
        const retry = whenToRetry(info?.resetTime ?? new Date(now() + rule.windowMs), now(), pageLanguage(res), zoneOf(req.user?.timeZone));
        const email = emailKey(req);
        const userId = req.user?.id ?? req.session?.pendingTwoFactor?.userId ?? (name.startsWith('login') && email !== '' ? deps.userIdForEmail(email) : undefined);
        deps.audit.record({
          event: 'rate_limit.lockout',
          limiter: name,
          userId: userId ?? null,
          ip: clientIp(req),
          retryAfterSeconds: retry.seconds,
        });
        res.set('Retry-After', String(retry.seconds));
        res.set('Cache-Control', 'no-store');
        res.status(429).render('errors/error', {
          title: 'errors.rateLimit.title',
          status: 429,
          message: msg(message, { wait: retry.wait, at: retry.at }),
          stack: undefined,
        });
      },
    });
  };

  const ipKey = (req: Request) => ipKeyGenerator(clientIp(req));
  return {
    login: [
      limiter(
        'login-ip-email',
        limits.loginPerIpAndEmail,
        (req) => `${ipKey(req)}|${emailKey(req)}`,
        'errors.rateLimit.loginIpEmail',
        { skipSuccessfulRequests: true },
      ),
      limiter(
        'login-ip',
        limits.loginPerIp,
        ipKey,
        'errors.rateLimit.loginIp',
        { skipSuccessfulRequests: true },
      ),
      limiter(
        'login-account',
        limits.loginPerAccount,
        // A sign-in without an email (a passkey's) names no account: counted per address, or every such attempt in
        // the world would share one counter, and anyone could lock passkey sign-in out for everyone.
        (req) => emailKey(req) || `no-email:${ipKey(req)}`,
        'errors.rateLimit.loginAccount',
        { skipSuccessfulRequests: true },
      ),
    ],
    register: limiter(
      'register-ip',
      limits.registerPerIp,
      ipKey,
      'errors.rateLimit.register',
      { skipSuccessfulRequests: false },
    ),
    accountPassword: limiter(
      'account-password',
      limits.accountPasswordPerUser,
      (req) => personLimitKey(req.user?.id ?? ipKey(req)),
      'errors.rateLimit.accountPassword',
      { skipSuccessfulRequests: true },
    ),
    twoFactor: limiter(
      'two-factor',
      limits.twoFactorPerUser,
      (req) => personLimitKey(req.session?.pendingTwoFactor?.userId ?? ipKey(req)),
      'errors.rateLimit.twoFactor',
      { skipSuccessfulRequests: true },
    ),
  };
}
