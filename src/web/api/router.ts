import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Clock } from '../../clock.ts';
import { canWrite, type TokenScope } from '../../domain/api-tokens.ts';
import { centsToDecimalString } from '../../domain/money.ts';
import { parsePeriod, periodDays, periodParam } from '../../domain/periods.ts';
import { dayAt } from '../../domain/calendar.ts';
import type { AccountService } from '../../services/accounts.ts';
import type { ApiTokenService } from '../../services/api-tokens.ts';
import type { ReportService } from '../../services/reports.ts';
import type { UserService } from '../../services/users.ts';
import { sendProblem } from './problems.ts';

/** Who an API request speaks for, set by the bearer check. */
interface ApiCaller {
  readonly userId: number;
  readonly tokenId: number;
  readonly scope: TokenScope;
}

const callerOf = (res: Response): ApiCaller => res.locals.apiCaller as ApiCaller;

/** An amount both ways: integer cents for arithmetic, and the exact decimal string for people. Never a float. */
const money = (cents: number) => ({ cents, amount: centsToDecimalString(cents) });

/** How many requests one token may make per minute. */
const REQUESTS_PER_MINUTE = 600;

/**
 * `/api/v1`: JSON for scripts and apps, authenticated by a personal access token (`Authorization: Bearer lgy_...`)
 * and nothing else. It is mounted before the session middleware, so a browser's cookie never reaches it: there is no
 * session to ride on, so CSRF does not apply, and no CORS headers are sent. Errors are RFC 9457 problem documents.
 */
export function createApiRouter(deps: {
  tokens: ApiTokenService;
  reports: ReportService;
  accounts: AccountService;
  users: Pick<UserService, 'findUser'>;
  clock: Clock;
  defaultTimeZone: string;
  rateLimitStore: Store;
}): Router {
  const router = Router();
  router.use((_req, res, next) => {
    // Answers hold a person's data: no cache may keep them.
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(express.json({ limit: '16kb', strict: true }));

  // The bearer token, checked by one indexed lookup of its SHA-256 (no bcrypt).
  router.use((req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const result = deps.tokens.authenticate(match?.[1]);
    if (!result.ok) {
      res.set('WWW-Authenticate', `Bearer realm="ledgerly"${result.refusal === 'missing' ? '' : ', error="invalid_token"'}`);
      const detail = { missing: 'Send a personal access token: Authorization: Bearer lgy_...', unknown: 'The token is not valid, or it was revoked.', expired: 'The token has expired.' }[result.refusal];
      return sendProblem(res, 401, 'unauthorized', 'Unauthorized', detail);
    }
    res.locals.apiCaller = { userId: result.userId, tokenId: result.tokenId, scope: result.scope } satisfies ApiCaller;
    next();
  });

  // Per token, counted in SQLite like the sign-in limits.
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: REQUESTS_PER_MINUTE,
      store: deps.rateLimitStore,
      keyGenerator: (_req, res) => `token:${callerOf(res).tokenId}`,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      validate: { keyGeneratorIpFallback: false },
      handler: (_req, res) => sendProblem(res, 429, 'rate-limited', 'Too Many Requests', `At most ${REQUESTS_PER_MINUTE} requests a minute per token; see Retry-After.`),
    }),
  );

  // A read-only token may not change anything.
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && !canWrite(callerOf(res).scope)) {
      return sendProblem(res, 403, 'read-only-token', 'Forbidden', 'This token is read-only; make a read-write token to change data.');
    }
    next();
  });

  /** "Today" in the token owner's zone, by the app's clock. */
  const todayOf = (userId: number) => dayAt(deps.clock.now(), deps.users.findUser(userId)?.timeZone ?? deps.defaultTimeZone);

  /* GET /api/v1/summary?period=YYYY-MM|YYYY|all: income, expenses, balance and top categories, as on the dashboard. */
  router.get('/summary', (req, res) => {
    const { userId } = callerOf(res);
    const raw = req.query.period;
    if (raw !== undefined && (typeof raw !== 'string' || !/^(\d{4}-\d{2}|\d{4}|all)$/.test(raw))) {
      return sendProblem(res, 400, 'invalid-query', 'Bad Request', 'period must be YYYY-MM, YYYY or all.', [{ field: 'period', message: 'Use YYYY-MM, YYYY or all.' }]);
    }
    const period = parsePeriod(raw, todayOf(userId));
    if (raw !== undefined && periodParam(period) !== raw) {
      return sendProblem(res, 400, 'invalid-query', 'Bad Request', 'period is not a month or year Ledgerly keeps.', [{ field: 'period', message: 'Not a month or year Ledgerly keeps.' }]);
    }
    const { summary, balanceCents } = deps.reports.periodSummary(userId, period);
    const days = periodDays(period);
    res.json({
      period: { param: periodParam(period), from: days?.from ?? null, to: days?.to ?? null },
      income: money(summary.incomeCents),
      expenses: money(summary.expenseCents),
      net: money(summary.netCents),
      balance: money(balanceCents),
      topCategories: summary.topExpenses.map((c) => ({ categoryId: c.categoryId, name: c.name, ...money(c.cents), percent: c.percent })),
      otherCategories: summary.otherExpenses && { ...money(summary.otherExpenses.cents), percent: summary.otherExpenses.percent },
    });
  });

  /* GET /api/v1/accounts: every account with its balance. */
  router.get('/accounts', (_req, res) => {
    const { accounts } = deps.accounts.overview(callerOf(res).userId);
    res.json({
      data: accounts.map((a) => ({ id: a.id, name: a.name, kind: a.kind, archived: a.archived, openingOn: a.openingOn, opening: money(a.openingBalanceCents), balance: money(a.balanceCents), transactionCount: a.transactionCount })),
    });
  });

  // Anything else under /api/v1, and errors: problem documents, never the HTML error page.
  router.use((_req, res) => sendProblem(res, 404, 'not-found', 'Not Found', 'No such resource.'));
  router.use(((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status === 413) return sendProblem(res, 413, 'too-large', 'Content Too Large', 'The body is over 16 KB.');
    if (status === 400) return sendProblem(res, 400, 'malformed', 'Bad Request', 'The body is not valid JSON.');
    next(err);
  }) as unknown as RequestHandler);
  return router;
}
