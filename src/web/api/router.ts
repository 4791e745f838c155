import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Clock } from '../../clock.ts';
import { canWrite, type TokenScope } from '../../domain/api-tokens.ts';
import { centsToDecimalString } from '../../domain/money.ts';
import { parsePeriod, periodDays, periodParam } from '../../domain/periods.ts';
import { dayAt, isCalendarMonth } from '../../domain/calendar.ts';
import type { AccountService } from '../../services/accounts.ts';
import type { ApiTokenService } from '../../services/api-tokens.ts';
import type { ReportService } from '../../services/reports.ts';
import type { UserService } from '../../services/users.ts';
import { sendProblem } from './problems.ts';
import type { TransactionService } from '../../services/transactions.ts';
import type { CategoryService } from '../../services/categories.ts';
import type { TransferService } from '../../services/transfers.ts';
import type { Transfer } from '../../domain/transfers.ts';
import { parseTransferForm, transferRefusal } from '../forms/transfer-form.ts';
import type { BudgetService } from '../../services/budgets.ts';
import type { ScheduleService } from '../../services/schedules.ts';
import type { IdempotencyService } from '../../services/idempotency.ts';
import type { LanguageContext } from '../i18n.ts';
import type { FieldErrors } from '../form-fields.ts';
import { choiceErrors, parseTransactionForm, transactionFormValuesFrom } from '../forms/transaction-form.ts';
import { readTransactionFilter } from '../forms/transaction-filter.ts';
import type { PageCursor, Transaction } from '../../domain/transactions.ts';

/** An opaque keyset cursor: the last row's date and id, base64url. */
const encodeCursor = (c: PageCursor) => Buffer.from(`${c.occurredOn}.${c.id}`, 'utf8').toString('base64url');
/** The cursor back, or undefined when it is not one this API gave. */
function decodeCursor(raw: string): PageCursor | undefined {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  const m = /^(\d{4}-\d{2}-\d{2})\.(\d{1,15})$/.exec(text);
  return m ? { occurredOn: m[1]!, id: Number(m[2]) } : undefined;
}

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
  transactions: TransactionService;
  idempotency: IdempotencyService;
  categories: Pick<CategoryService, 'listWithCounts'>;
  transfers: Pick<TransferService, 'find' | 'create' | 'delete'>;
  budgets: Pick<BudgetService, 'month'>;
  schedules: Pick<ScheduleService, 'list'>;
  /** The language of the API's words (error details) and of the amounts it reads: English, with a decimal point. */
  language: LanguageContext;
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

  /** The form fields the transaction form reads, from a JSON body: ids may be numbers, and null is "none". */
  const asFormFields = (body: unknown): Record<string, unknown> => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
    const fields: Record<string, unknown> = { ...(body as Record<string, unknown>) };
    for (const name of ['account', 'category', 'from', 'to']) {
      const value = fields[name];
      if (typeof value === 'number' && Number.isSafeInteger(value)) fields[name] = String(value);
      else if (value === null) fields[name] = '';
    }
    return fields;
  };
  /** Field problems, in words (English: the API's language). */
  const problemsOf = (errors: FieldErrors) =>
    Object.entries(errors).flatMap(([field, message]) => (message ? [{ field, message: deps.language.t(message.key, message.values) }] : []));
  const transactionJson = (t: Transaction & { categoryName?: string | null; refund?: boolean }) => ({
    id: t.id,
    accountId: t.accountId,
    type: t.type,
    ...money(t.amountCents),
    date: t.occurredOn,
    description: t.description,
    categoryId: t.categoryId,
    ...(t.categoryName !== undefined ? { categoryName: t.categoryName } : {}),
    ...(t.refund !== undefined ? { refund: t.refund } : {}),
    status: t.status,
  });
  const validationProblem = (errors: FieldErrors) => ({ status: 422, body: { type: '/api/v1/problems/validation', title: 'Unprocessable Content', status: 422, detail: 'Some fields need fixing.', errors: problemsOf(errors) } });
  const notFoundAnswer = (what: string) => ({ status: 404, body: { type: '/api/v1/problems/not-found', title: 'Not Found', status: 404, detail: `No such ${what}.` } });
  const notFoundProblem = () => notFoundAnswer('transaction');
  /** The :id of the path, when it is a positive whole number. */
  const idParam = (req: Request): number | undefined => {
    const id = Number(req.params.id);
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  };

  /**
   * Runs a write once per Idempotency-Key (when sent): a retry with the same key and body gets the first answer,
   * the same key with another body is 422. Without a key the write simply runs.
   */
  const idempotent = (req: Request, res: Response, write: () => { status: number; body: unknown }) => {
    const key = req.get('idempotency-key');
    const send = (answer: { status: number; body: unknown }, replayed = false) => {
      if (replayed) res.set('Idempotent-Replayed', 'true');
      if (answer.status === 204) return res.status(204).end();
      const problem = answer.status >= 400;
      res.status(answer.status).type(problem ? 'application/problem+json' : 'application/json').send(JSON.stringify(answer.body));
    };
    if (key === undefined) return send(write());
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      return sendProblem(res, 400, 'invalid-idempotency-key', 'Bad Request', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const outcome = deps.idempotency.run(callerOf(res).userId, key, { method: req.method, path: req.originalUrl, body: req.body ?? null }, write);
    if (outcome.kind === 'mismatch') {
      return sendProblem(res, 422, 'idempotency-key-reused', 'Unprocessable Content', 'This Idempotency-Key was used with another request in the last 24 hours.');
    }
    send(outcome.answer, outcome.replayed);
  };

  /* GET /api/v1/transactions: the list with the same filters as /transactions, newest first, by an opaque cursor. */
  router.get('/transactions', (req, res) => {
    const { userId } = callerOf(res);
    const { filter, errors } = readTransactionFilter(req.query);
    if (Object.keys(errors).length > 0) return sendProblem(res, 400, 'invalid-query', 'Bad Request', 'Some filters are not valid.', problemsOf(errors));
    const rawCursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const after = rawCursor === undefined ? null : decodeCursor(rawCursor);
    if (after === undefined) return sendProblem(res, 400, 'invalid-query', 'Bad Request', 'cursor is not one this API gave.', [{ field: 'cursor', message: 'Use the nextCursor of a previous page.' }]);
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) return sendProblem(res, 400, 'invalid-query', 'Bad Request', 'limit must be 1 to 200.', [{ field: 'limit', message: 'A whole number from 1 to 200.' }]);
    const { page, totals } = deps.transactions.listPage(userId, filter, after, limit);
    res.json({
      data: page.rows.map(transactionJson),
      nextCursor: page.next ? encodeCursor(page.next) : null,
      totals: { count: totals.count, income: money(totals.incomeCents), expenses: money(totals.expenseCents) },
    });
  });

  /* POST /api/v1/transactions: adds an income or expense, checked by the add form's own rules. Idempotent with a key. */
  router.post('/transactions', (req, res) => {
    const { userId } = callerOf(res);
    idempotent(req, res, () => {
      const input = parseTransactionForm(asFormFields(req.body), todayOf(userId), deps.language);
      if (!input.ok) return validationProblem(input.errors);
      const result = deps.transactions.add(userId, input.value);
      const refused = choiceErrors(result);
      if (refused) return validationProblem(refused);
      if (!result.ok) return validationProblem({});
      return { status: 201, body: transactionJson(deps.transactions.find(userId, result.id)!) };
    });
  });

  /* PATCH /api/v1/transactions/:id: replaces its fields (those left out keep their value). Idempotent with a key. */
  router.patch('/transactions/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.transactions.find(userId, id);
      if (!current) return notFoundProblem();
      const merged = { ...transactionFormValuesFrom(current, deps.language.decimal), ...asFormFields(req.body) };
      const input = parseTransactionForm(merged, todayOf(userId), deps.language);
      if (!input.ok) return validationProblem(input.errors);
      const result = deps.transactions.update(userId, id!, input.value, true);
      const refused = choiceErrors(result);
      if (refused) return validationProblem(refused);
      if (!result.ok) return notFoundProblem();
      return { status: 200, body: transactionJson(deps.transactions.find(userId, id!)!) };
    });
  });

  const transferJson = (t: Transfer) => ({ id: t.id, fromAccountId: t.fromAccountId, toAccountId: t.toAccountId, ...money(t.amountCents), date: t.occurredOn, description: t.description });
  const noTransfer = () => notFoundAnswer('transfer');

  /**
   * GET and DELETE of one object by id, the same for every resource: the token owner's object, or 404 (another
   * person's included). A delete answers 204 and is idempotent with a key.
   */
  function readAndDelete<T>(path: string, what: string, find: (userId: number, id: number) => T | undefined, json: (found: T) => unknown, remove: (userId: number, id: number) => string) {
    /* GET /api/v1/<resource>/:id */
    router.get(`${path}/:id`, (req, res) => {
      const id = idParam(req);
      const found = id === undefined ? undefined : find(callerOf(res).userId, id);
      if (found === undefined) return sendProblem(res, 404, 'not-found', 'Not Found', `No such ${what}.`);
      res.json(json(found));
    });
    /* DELETE /api/v1/<resource>/:id */
    router.delete(`${path}/:id`, (req, res) => {
      const { userId } = callerOf(res);
      const id = idParam(req);
      idempotent(req, res, () => (id !== undefined && remove(userId, id) === 'deleted' ? { status: 204, body: null } : notFoundAnswer(what)));
    });
  }
  // API deletes are deliberate calls: a reconciled row goes without the confirmation box the pages show.
  readAndDelete('/transactions', 'transaction', (u, id) => deps.transactions.find(u, id), transactionJson, (u, id) => deps.transactions.delete(u, id, true));
  readAndDelete('/transfers', 'transfer', (u, id) => deps.transfers.find(u, id), transferJson, (u, id) => deps.transfers.delete(u, id, true));

  /* POST /api/v1/transfers: moves money between two of the owner's accounts (from, to, amount, date, description). */
  router.post('/transfers', (req, res) => {
    const { userId } = callerOf(res);
    idempotent(req, res, () => {
      const input = parseTransferForm(asFormFields(req.body), todayOf(userId), deps.language);
      if (!input.ok) return validationProblem(input.errors);
      const result = deps.transfers.create(userId, input.value);
      const refused = transferRefusal(result);
      if (refused) return validationProblem(refused);
      if (!result.ok) return noTransfer();
      return { status: 201, body: transferJson(deps.transfers.find(userId, result.id)!) };
    });
  });

  /* GET /api/v1/categories: income and expense categories, each with how many transactions it holds. */
  router.get('/categories', (_req, res) => {
    const { income, expense } = deps.categories.listWithCounts(callerOf(res).userId);
    res.json({ data: [...income, ...expense].map((c) => ({ id: c.id, kind: c.kind, name: c.name, transactionCount: c.transactionCount })) });
  });

  /* GET /api/v1/budgets/:month: a month's budget per expense category against its spending (refunds netted). */
  router.get('/budgets/:month', (req, res) => {
    const month = String(req.params.month);
    if (!isCalendarMonth(month)) return sendProblem(res, 400, 'invalid-path', 'Bad Request', 'The month must be YYYY-MM.', [{ field: 'month', message: 'Use YYYY-MM.' }]);
    const budget = deps.budgets.month(callerOf(res).userId, month);
    res.json({
      month: budget.month,
      lines: budget.lines.map((l) => ({
        categoryId: l.categoryId,
        name: l.name,
        rollover: l.rollover,
        budgeted: l.budgetedCents === null ? null : money(l.budgetedCents),
        carried: money(l.carriedCents),
        available: money(l.availableCents),
        spent: money(l.spentCents),
        remaining: money(l.remainingCents),
        percentUsed: l.percentUsed,
        over: l.over,
      })),
      totals: {
        budgeted: money(budget.totals.budgetedCents),
        available: money(budget.totals.availableCents),
        spent: money(budget.totals.spentCents),
        remaining: money(budget.totals.remainingCents),
        unbudgetedSpent: money(budget.totals.unbudgetedSpentCents),
        percentUsed: budget.totals.percentUsed,
        over: budget.totals.over,
      },
    });
  });

  /* GET /api/v1/scheduled: every scheduled transaction with its rule and next date. */
  router.get('/scheduled', (_req, res) => {
    res.json({
      data: deps.schedules.list(callerOf(res).userId).map((s) => ({
        id: s.id,
        type: s.type,
        accountId: s.accountId,
        toAccountId: s.toAccountId,
        categoryId: s.categoryId,
        ...money(s.amountCents),
        description: s.description,
        rule: s.rule,
        nextOn: s.nextOn,
        postedThrough: s.postedThrough,
      })),
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
