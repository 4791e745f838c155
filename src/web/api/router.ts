import { parse as parseContentType } from 'content-type';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import { canWrite, type TokenScope } from '../../domain/api-tokens.ts';
import { centsToDecimalString, isTotalsTooLarge } from '../../domain/money.ts';
import { BUSY_RETRY_AFTER_SECONDS, isDatabaseBusy } from '../errors.ts';
import { storageProblemOf } from '../../domain/storage.ts';
import { limitReachedIn } from '../../domain/limits.ts';
import { parsePeriod, periodDays, periodParam } from '../../domain/periods.ts';
import { dayAt, isCalendarMonth, zoneResolver } from '../../domain/calendar.ts';
import { parseCursorText, type PageCursor, type TransactionWithCategory } from '../../domain/transactions.ts';
import type { Transfer } from '../../domain/transfers.ts';
import type { BudgetMonth as BudgetMonthModel } from '../../domain/budgets.ts';
import type { AccountService } from '../../services/accounts.ts';
import type { AccountBalance } from '../../domain/accounts.ts';
import type { ApiTokenService } from '../../services/api-tokens.ts';
import type { ReportService } from '../../services/reports.ts';
import type { UserService } from '../../services/users.ts';
import type { TransactionService } from '../../services/transactions.ts';
import type { CategoryService } from '../../services/categories.ts';
import type { TransferService } from '../../services/transfers.ts';
import type { BudgetService } from '../../services/budgets.ts';
import type { ScheduleService } from '../../services/schedules.ts';
import type { IdempotencyService } from '../../services/idempotency.ts';
import type { RuleService } from '../../services/rules.ts';
import type { Rule as RuleModel } from '../../domain/rules.ts';
import { parseRuleForm, ruleFormValuesFrom, ruleRefusal } from '../forms/rule-form.ts';
import type { LanguageContext } from '../i18n.ts';
import { isLanguage, LANGUAGES, type Language } from '../../domain/languages.ts';
import type { FieldErrors } from '../form-fields.ts';
import { msg, type MessageKey } from '../i18n.ts';
import { categoryNameTakenMessage, limitReachedMessage } from '../messages.ts';
import { parseTransferForm, transferFormValuesFrom, transferRefusal } from '../forms/transfer-form.ts';
import { choiceErrors, parseTransactionForm, transactionFormValuesFrom, withChoiceErrors, type TransactionFormResult } from '../forms/transaction-form.ts';
import { parseCategoryForm, parseRenameForm } from '../forms/category-form.ts';
import { accountFormValuesFrom, parseAccountForm } from '../forms/account-form.ts';
import { parseBudgetForm } from '../forms/budget-form.ts';
import { parseScheduleForm, scheduleFormValuesFrom, scheduleRefusal } from '../forms/schedule-form.ts';
import type { Schedule as ScheduleModel } from '../../domain/schedules.ts';
import { readTransactionFilter } from '../forms/transaction-filter.ts';
import { sendProblem, type FieldProblem } from './problems.ts';
import { loadApiDocument } from './openapi.ts';
import * as S from './schemas.ts';
import type { Logger } from '../../logger.ts';


/**
 * The charset a Content-Type header declares, lower-cased, as the JSON body reader will read it (the same parser);
 * undefined when it declares none, and "unreadable" for a header the parser refuses.
 */
function declaredCharset(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return parseContentType(header).parameters['charset']?.toLowerCase();
  } catch {
    return 'unreadable';
  }
}
/** An opaque keyset cursor: the last row's date and id, base64url. */
const encodeCursor = (c: PageCursor) => Buffer.from(`${c.occurredOn}.${c.id}`, 'utf8').toString('base64url');
/** The cursor back, or undefined when it is not one this API gave. */
function decodeCursor(raw: string): PageCursor | undefined {
  return /^[A-Za-z0-9_-]{1,40}$/.test(raw) ? parseCursorText(Buffer.from(raw, 'base64url').toString('utf8')) : undefined;
}

/** The query parameters GET /transfers takes. */

/** Who an API request speaks for, set by the bearer check. */
interface ApiCaller {
  readonly userId: number;
  readonly tokenId: number;
  readonly scope: TokenScope;
}

const callerOf = (res: Response): ApiCaller => res.locals.apiCaller as ApiCaller;

/** An amount both ways: integer cents for arithmetic, and the exact decimal string for people. Never a float. */
const money = (cents: number): S.Wire<typeof S.Money> => ({ cents, amount: centsToDecimalString(cents) });

/** What a write answers, kept whole so that a retry with the same Idempotency-Key gets exactly the same. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}
/** A success answer, typed by the schema the OpenAPI document gives for it. */
const answer = <T extends z.ZodType>(status: number, _schema: T, body: S.Wire<T>): Answer => ({ status, body });
const problemAnswer = (status: number, type: string, title: string, detail: string, errors?: readonly FieldProblem[]): Answer => ({
  status,
  body: { type: `/api/v1/problems/${type}`, title, status, detail, ...(errors ? { errors } : {}) },
});

/** What a 404 says is missing, each a catalogue entry. */
type Missing = 'transaction' | 'transfer' | 'category' | 'expenseCategory' | 'schedule' | 'rule' | 'account' | 'resource';
const MISSING_KEYS = {
  transaction: 'api.notFound.transaction',
  transfer: 'api.notFound.transfer',
  category: 'api.notFound.category',
  expenseCategory: 'api.notFound.expenseCategory',
  schedule: 'api.notFound.schedule',
  rule: 'api.notFound.rule',
  account: 'api.notFound.account',
  resource: 'api.notFound.resource',
} as const;

/** Where the app mounts the API. */
const API_PREFIX = '/api/v1';

/** The order methods are listed in an Allow header. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** zod's own words for a JSON shape that is wrong, in each language (English is zod's default). */
const SHAPE_WORDS: Partial<Record<Language, z.core.$ZodErrorMap>> = { uk: z.locales.uk().localeError };

/**
 * A checked JSON body as the fields the web forms read, so that the API and the pages share every rule: ids and
 * amounts as text, null as an empty field ("none"), a box as '1' or ''. Fields left out stay out.
 */
function formFieldsOf(data: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    if (value === undefined) continue;
    fields[name] = value === null ? '' : typeof value === 'boolean' ? (value ? '1' : '') : String(value);
  }
  return fields;
}

/**
 * What a body's JSON shape got wrong, in the caller's words: a field left out, a value of the wrong JSON type (an id
 * that may be null says so), a word that is not one of the choices. Other issues keep zod's own words (in the
 * caller's language).
 */
function shapeMessage(issue: z.core.$ZodIssue, words: LanguageContext, takesNull: boolean): string {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return words.t('api.field.required');
  if (issue.code === 'invalid_value') return words.t('api.field.oneOf', { values: issue.values.map((v) => JSON.stringify(v)).join(', ') });
  if (issue.code !== 'invalid_type') return issue.message;
  if (issue.expected === 'number' || issue.expected === 'int') return words.t(takesNull ? 'api.field.wholeOrNull' : 'api.field.whole');
  if (issue.expected === 'string') return words.t('api.field.text');
  if (issue.expected === 'boolean') return words.t('api.field.boolean');
  return issue.message;
}

/**
 * A list filter's problems in the API's words: the pages' filter messages say the part "was ignored", but the API
 * refuses the whole request (400) instead.
 */
const FILTER_WORDS: Readonly<Record<string, MessageKey>> = {
  'transactions.filters.badAccount': 'api.field.account',
  'transactions.filters.badFrom': 'api.field.day',
  'transactions.filters.badTo': 'api.field.day',
  'transactions.filters.notADayFrom': 'api.field.notADay',
  'transactions.filters.notADayTo': 'api.field.notADay',
  'transactions.filters.toBeforeFrom': 'api.field.toBeforeFrom',
  'transactions.filters.badType': 'api.field.type',
  'transactions.filters.badCategory': 'api.field.category',
};
function apiFilterErrors(errors: FieldErrors): FieldErrors {
  return Object.fromEntries(Object.entries(errors).map(([field, message]) => [field, message && FILTER_WORDS[message.key] ? msg(FILTER_WORDS[message.key]!) : message]));
}

/** The field a zod issue is about: its path, or the unknown keys it names, or the body as a whole. */
function issueField(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
  return issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
}

/**
 * `/api/v1`: JSON for scripts and apps, authenticated by a personal access token (`Authorization: Bearer lgy_...`)
 * and nothing else. It is mounted before the session middleware, so a browser's cookie never reaches it: there is no
 * session to ride on, so CSRF does not apply, and no CORS headers are sent. Errors are RFC 9457 problem documents.
 * Bodies are checked against the wire schemas (schemas.ts, which the OpenAPI document is generated from), then by the
 * same form rules the pages use.
 */
export function createApiRouter(deps: {
  tokens: ApiTokenService;
  reports: ReportService;
  accounts: AccountService;
  users: Pick<UserService, 'findUser'>;
  transactions: TransactionService;
  idempotency: IdempotencyService;
  categories: Pick<CategoryService, 'listWithCounts' | 'findWithCount' | 'create' | 'rename' | 'delete'>;
  transfers: Pick<TransferService, 'find' | 'listPage' | 'create' | 'update' | 'delete'>;
  budgets: Pick<BudgetService, 'month' | 'save'>;
  schedules: Pick<ScheduleService, 'list' | 'find' | 'create' | 'update' | 'delete'>;
  rules: Pick<RuleService, 'list' | 'find' | 'create' | 'update' | 'delete'>;
  /** How the API reads amounts: English's way, with a decimal point, whatever the caller's language. */
  language: LanguageContext;
  /** The languages of its words (problem details and field messages), chosen by Accept-Language. */
  languages: Readonly<Record<Language, LanguageContext>>;
  /** DEFAULT_LANGUAGE: problems are worded in it when neither the request nor the token's owner names one. */
  defaultLanguage: Language;
  clock: Clock;
  defaultTimeZone: string;
  /** Where a request the server failed is logged. */
  logger: Logger;
  rateLimitStore: Store;
  /** How many requests one token may make a minute (API_RATE_LIMIT). */
  requestsPerMinute: number;
}): Router {
  // Paths are matched as written: /TRANSACTIONS is no path of the API (it made Location /api/v1/TRANSACTIONS/42).
  const router = Router({ caseSensitive: true });
  /**
   * The methods a path answers (HEAD with GET), or undefined for a path the API does not have, read off the routes
   * declared below the first time it is asked (every route is declared by then). Route paths are literal segments
   * and `:name` parameters, one segment each.
   */
  let routeTable: { pattern: RegExp; methods: string[] }[] | undefined;
  const methodsAt = (path: string): string[] | undefined => {
    routeTable ??= router.stack.flatMap((layer) => {
      const route = (layer as { route?: { path: unknown; methods: Record<string, boolean> } }).route;
      if (!route || typeof route.path !== 'string') return [];
      const pattern = new RegExp(`^${route.path.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`);
      const methods = Object.keys(route.methods).map((m) => m.toUpperCase());
      return [{ pattern, methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods }];
    });
    const methods = new Set(routeTable.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods));
    return methods.size === 0 ? undefined : METHOD_ORDER.filter((m) => methods.has(m));
  };
  // The mount point is matched without regard to case by the app; the API's paths are matched as written, its own
  // prefix included (POST /API/V1/transactions wrote a row, under another idempotency fingerprint).
  router.use((req, res, next) => {
    if (req.baseUrl !== API_PREFIX) return sendProblem(res.set('Cache-Control', 'no-store'), 404, 'not-found', 'Not Found', deps.languages.en.t('api.notFound.resource'));
    next();
  });
  router.use((req, res, next) => {
    // Answers hold a person's data: no cache may keep them.
    res.set('Cache-Control', 'no-store');
    // Problems are worded in the language the request asks for (Accept-Language); when it names none of ours, in
    // the token owner's (once the token is known, below), else the instance's.
    // "*" (any language) names none of ours in particular: the owner's own then, as with no header.
    const header = req.headers['accept-language'];
    const asked = header === undefined || header.trim() === '*' ? false : req.acceptsLanguages(...LANGUAGES);
    res.locals.apiWords = deps.languages[asked === false ? deps.defaultLanguage : (asked as Language)];
    res.locals.apiLanguageAsked = asked !== false;
    res.vary('Accept-Language');
    next();
  });
  /** The words of this request's answers. */
  const wordsOf = (res: Response): LanguageContext => res.locals.apiWords as LanguageContext;
  const notFound = (res: Response, what: Missing) => problemAnswer(404, 'not-found', 'Not Found', wordsOf(res).t(MISSING_KEYS[what]));

  /* GET /api/v1/openapi.json: the document, open to all (it holds no one's data). */
  router.get('/openapi.json', async (_req, res) => {
    res.json(await loadApiDocument());
  });

  // The bearer token, checked by one indexed lookup of its SHA-256 (no bcrypt).
  router.use((req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const result = deps.tokens.authenticate(match?.[1]);
    if (!result.ok) {
      res.set('WWW-Authenticate', `Bearer realm="ledgerly"${result.refusal === 'missing' ? '' : ', error="invalid_token"'}`);
      const detail = ({ missing: 'api.problem.missingToken', unknown: 'api.problem.unknownToken', expired: 'api.problem.expiredToken' } as const)[result.refusal];
      return sendProblem(res, 401, 'unauthorized', 'Unauthorized', wordsOf(res).t(detail));
    }
    res.locals.apiCaller = { userId: result.userId, tokenId: result.tokenId, scope: result.scope } satisfies ApiCaller;
    if (res.locals.apiLanguageAsked !== true && isLanguage(result.language)) res.locals.apiWords = deps.languages[result.language];
    next();
  });

  // Per token, counted in SQLite like the sign-in limits.
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.requestsPerMinute,
      store: deps.rateLimitStore,
      keyGenerator: (_req, res) => `token:${callerOf(res).tokenId}`,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      validate: { keyGeneratorIpFallback: false },
      handler: (req, res) => {
        // When the window ends by the app's clock (the library's own header reads the wall clock).
        const resetAt = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime?.getTime();
        if (resetAt !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil((resetAt - deps.clock.now()) / 1000))));
        sendProblem(res, 429, 'rate-limited', 'Too Many Requests', wordsOf(res).t('api.problem.rateLimited', { limit: deps.requestsPerMinute }));
      },
    }),
  );

  // A path the API does not have is 404 and a method its path does not take is 405 (with Allow), before the token's
  // scope is looked at: a read-only token sending PUT /transactions/1 learns that no such operation exists, not that
  // it may not use it. OPTIONS is answered with Allow. A write takes no query parameter: one given (?dryRun=true) is
  // refused by name, never ignored, since the write would otherwise run.
  router.use((req, res, next) => {
    const allowed = methodsAt(req.path);
    if (allowed === undefined) return sendProblem(res, 404, 'not-found', 'Not Found', wordsOf(res).t('api.notFound.resource'));
    if (req.method === 'OPTIONS') return void res.set('Allow', allowed.join(', ')).status(204).end();
    if (!allowed.includes(req.method)) {
      res.set('Allow', allowed.join(', '));
      return sendProblem(res, 405, 'method-not-allowed', 'Method Not Allowed', wordsOf(res).t('api.problem.methodNotAllowed', { allowed: allowed.join(', ') }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const given = Object.keys(req.query as Record<string, unknown>)[0];
      if (given !== undefined) return badParameter(res, given, 'api.field.unknownParameter');
    }
    next();
  });

  // A read-only token may not change anything.
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && !canWrite(callerOf(res).scope)) {
      return sendProblem(res, 403, 'read-only-token', 'Forbidden', wordsOf(res).t('api.problem.readOnly'));
    }
    next();
  });

  // Bodies are read only after the token is accepted, so a caller without a token learns nothing but 401; and only
  // for writes, the only requests that take one.
  // Any JSON value is read (strict: false), so that a body that is valid JSON but no object ("x", null, [1]) is
  // told so below, not called "not valid JSON".
  // Bytes that are not UTF-8 are refused (400 malformed), not read as replacement characters and stored.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const jsonBody = express.json({ limit: '16kb', strict: false, verify: (_req, _res, bytes) => void utf8.decode(bytes) });
  router.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    // A body in anything but JSON (a form post, say) is refused for what it is, not read as an empty object.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is('application/json')) {
      return sendProblem(res, 415, 'unsupported-media-type', 'Unsupported Media Type', wordsOf(res).t('api.problem.unsupportedType'));
    }
    // UTF-8 only: the body reader would also take UTF-16 and UTF-7, whose bytes hide quotes and braces from anything
    // that looks at them on the way. The charset is read by the parser the body reader itself uses, so a quoted
    // parameter holding the text "charset=utf-8" cannot stand in for the real one.
    const charset = declaredCharset(req.headers['content-type']);
    if (hasBody && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return sendProblem(res, 415, 'unsupported-media-type', 'Unsupported Media Type', wordsOf(res).t('api.problem.unsupportedCharset'));
    }
    jsonBody(req, res, (err?: unknown) => {
      if (err !== undefined) return next(err);
      if (hasBody && (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))) {
        return sendProblem(res, 400, 'malformed', 'Bad Request', wordsOf(res).t('api.problem.notObject'));
      }
      next();
    });
  });

  /** "Today" in the token owner's zone (the instance's when theirs is none or no longer known), by the app's clock. */
  const zoneOf = zoneResolver(deps.defaultTimeZone);
  const todayOf = (userId: number) => dayAt(deps.clock.now(), zoneOf(deps.users.findUser(userId)?.timeZone));
  /** Field problems, in the caller's words. */
  const problemsOf = (res: Response, errors: FieldErrors): FieldProblem[] =>
    Object.entries(errors).flatMap(([field, message]) => (message ? [{ field, message: wordsOf(res).t(message.key, message.values) }] : []));
  const validationProblem = (res: Response, problems: readonly FieldProblem[]) =>
    problemAnswer(422, 'validation', 'Unprocessable Content', wordsOf(res).t('api.problem.validation'), problems);
  const refusedBy = (res: Response, errors: FieldErrors) => validationProblem(res, problemsOf(res, errors));
  // A query parameter given twice (?account=4&account=1) is refused by name: the page's filters ignore such a
  // parameter, and a script quietly answered for every account, or the first page again for two cursors, would not know.
  router.use((req, res, next) => {
    const repeated = Object.entries(req.query).find(([, value]) => Array.isArray(value));
    if (repeated) return badParameter(res, repeated[0], 'api.field.once');
    next();
  });

  /** One field's problem with the query or path, as a 400. */
  const badParameter = (res: Response, field: string, message: Parameters<LanguageContext['t']>[0], where: 'query' | 'path' = 'query') =>
    sendProblem(res, 400, `invalid-${where}`, 'Bad Request', wordsOf(res).t(where === 'query' ? 'api.problem.badQuery' : 'api.problem.badPath'), [{ field, message: wordsOf(res).t(message) }]);

  /**
   * Refuses by name a query parameter the operation's document does not list (400): ignored, it would mislead a
   * script. /summary?from=2026-01-01&to=2026-03-31 answered for this month, and /transfers?q=rent with every transfer.
   */
  const onlyQuery =
    (schema: { shape: Record<string, unknown> } | null): RequestHandler =>
    (req, res, next) => {
      const foreign = Object.keys(req.query as Record<string, unknown>).find((name) => !schema || !Object.hasOwn(schema.shape, name));
      if (foreign !== undefined) return badParameter(res, foreign, 'api.field.unknownParameter');
      next();
    };

  /**
   * A list's `cursor` and `limit` (1 to 200, 50 when left out), or undefined once a 400 naming the bad one is sent.
   * Digits only for the limit: Number() would also read "0x10", "1e2" and " 7" as numbers.
   */
  const pagingOf = (req: Request, res: Response): { after: PageCursor | null; limit: number } | undefined => {
    const rawCursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const after = rawCursor === undefined ? null : decodeCursor(rawCursor);
    if (after === undefined) return void badParameter(res, 'cursor', 'api.field.cursor');
    const limitText = req.query.limit;
    const limit = limitText === undefined ? 50 : typeof limitText === 'string' && /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) return void badParameter(res, 'limit', 'api.field.limit');
    return { after, limit };
  };

  /**
   * A body checked in two steps, with every problem listed at once: its JSON shape against the wire schema, then the
   * fields that passed it by the form's own rules (`parse`). A field the shape refuses is listed once, by the shape.
   */
  function readInput<T>(
    res: Response,
    schema: z.ZodObject,
    raw: unknown,
    parse: (fields: Record<string, string>) => { ok: true; value: T } | { ok: false; errors: FieldErrors },
  ): { ok: true; value: T } | { ok: false; answer: Answer } {
    const words = wordsOf(res);
    const shaped = schema.safeParse(raw === undefined ? {} : raw, { error: SHAPE_WORDS[words.language], reportInput: true });
    let fields: Record<string, string>;
    const problems: FieldProblem[] = [];
    if (shaped.success) fields = formFieldsOf(shaped.data);
    else {
      const refused = new Set(shaped.error.issues.map((issue) => String(issue.path[0] ?? '')));
      const passed = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.entries(raw).filter(([name]) => !refused.has(name) && Object.hasOwn(schema.shape, name)) : [];
      fields = formFieldsOf(Object.fromEntries(passed));
      for (const issue of shaped.error.issues) {
        if (issue.code === 'unrecognized_keys') problems.push(...issue.keys.map((key) => ({ field: key, message: words.t('api.field.unknown') })));
        else if (issue.path[0] === 'amount' && issue.code === 'invalid_type' && issue.input !== undefined) problems.push({ field: 'amount', message: words.t('api.field.amountText') });
        else {
          const field = schema.shape[String(issue.path[0])] as z.ZodType | undefined;
          problems.push({ field: issueField(issue), message: shapeMessage(issue, words, field?.safeParse(null).success ?? false) });
        }
      }
    }
    const parsed = parse(fields);
    if (problems.length === 0 && parsed.ok) return { ok: true, value: parsed.value };
    const listed = new Set(problems.map((p) => p.field));
    const ruled = parsed.ok ? [] : problemsOf(res, parsed.errors).filter((p) => !listed.has(p.field));
    return { ok: false, answer: validationProblem(res, [...problems, ...ruled]) };
  }

  /** The :id (or another) path parameter, when it is a positive whole number. */
  const idParam = (req: Request, name = 'id'): number | undefined => {
    const id = Number(req.params[name]);
    return /^[1-9]\d{0,14}$/.test(String(req.params[name])) && Number.isSafeInteger(id) ? id : undefined;
  };

  /**
   * Runs a write once per Idempotency-Key (when sent): a retry with the same key and body gets the first answer,
   * the same key with another body is 422. Without a key the write simply runs.
   */
  // Every write is answered once it is on disk: its shared commit (services/idempotency.ts) carries it, keyed or not.
  const idempotent = async (req: Request, res: Response, write: () => Answer): Promise<void> => {
    const key = req.get('idempotency-key');
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      return sendProblem(res, 400, 'invalid-idempotency-key', 'Bad Request', wordsOf(res).t('api.problem.invalidKey'));
    }
    const outcome = await deps.idempotency.run(callerOf(res).userId, key, { method: req.method, path: req.originalUrl, body: req.body ?? null }, write);
    if (outcome.kind === 'mismatch') {
      return sendProblem(res, 422, 'idempotency-key-reused', 'Unprocessable Content', wordsOf(res).t('api.problem.keyReused'));
    }
    if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
    const sent = outcome.answer;
    if (sent.status === 204) return void res.status(204).end();
    // What a POST made lives at the collection's path and its id (RFC 9110's Location for a 201), a retry's answer too.
    const made = sent.body as { id?: unknown } | null;
    if (sent.status === 201 && typeof made?.id === 'number') res.location(`${req.baseUrl}${req.path.replace(/\/$/, '')}/${made.id}`);
    const problem = sent.status >= 400;
    res.status(sent.status).type(problem ? 'application/problem+json' : 'application/json').send(JSON.stringify(sent.body));
  };

  /**
   * GET and DELETE of one object by id, the same for every resource: the token owner's object, or 404 (another
   * person's included). A delete answers 204 and is idempotent with a key.
   */
  function readAndDelete<T, W>(path: string, what: Missing, find: (userId: number, id: number) => T | undefined, json: (found: T) => W, remove: (userId: number, id: number) => boolean) {
    /* GET /api/v1/<resource>/:id */
    router.get(`${path}/:id`, onlyQuery(null), (req, res) => {
      const id = idParam(req);
      const found = id === undefined ? undefined : find(callerOf(res).userId, id);
      if (found === undefined) return sendProblem(res, 404, 'not-found', 'Not Found', wordsOf(res).t(MISSING_KEYS[what]));
      res.json(json(found));
    });
    /* DELETE /api/v1/<resource>/:id */
    router.delete(`${path}/:id`, (req, res) => {
      const { userId } = callerOf(res);
      const id = idParam(req);
      return idempotent(req, res, () => (id !== undefined && remove(userId, id) ? { status: 204, body: null } : notFound(res, what)));
    });
  }

  /* GET /api/v1/summary?period=YYYY-MM|YYYY|all: income, expenses, balance and top categories, as on the dashboard. */
  router.get('/summary', onlyQuery(S.SummaryQuery), (req, res) => {
    const { userId } = callerOf(res);
    const raw = req.query.period;
    if (raw !== undefined && (typeof raw !== 'string' || !/^(\d{4}-\d{2}|\d{4}|all)$/.test(raw))) {
      return badParameter(res, 'period', 'api.field.period');
    }
    const period = parsePeriod(raw, todayOf(userId));
    if (raw !== undefined && periodParam(period) !== raw) {
      return badParameter(res, 'period', 'api.field.period');
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
    } satisfies S.Wire<typeof S.Summary>);
  });

  const accountJson = (a: AccountBalance): S.Wire<typeof S.Account> => ({
    id: a.id,
    name: a.name,
    kind: a.kind,
    archived: a.archived,
    openingOn: a.openingOn,
    opening: money(a.openingBalanceCents),
    balance: money(a.balanceCents),
    transactionCount: a.transactionCount,
  });
  /** The user's account with its balance, as the list has it. */
  const accountWithBalance = (userId: number, id: number) => deps.accounts.overview(userId).accounts.find((a) => a.id === id);
  const savedAccount = (status: number, userId: number, id: number): Answer => ({ status, body: accountJson(accountWithBalance(userId, id)!) });
  /**
   * An account body read by the account form's own rules. The API calls the opening balance `opening`, as its
   * answers do; the form calls it `openingBalance`, and a problem with it is named as the API names it.
   */
  const parseAccountFields = (fields: Record<string, string>, userId: number) => {
    const { opening, ...rest } = fields;
    const parsed = parseAccountForm(opening === undefined ? rest : { ...rest, openingBalance: opening }, todayOf(userId), deps.language);
    if (parsed.ok) return parsed;
    const { openingBalance, ...errors } = parsed.errors;
    return { ...parsed, errors: openingBalance ? { ...errors, opening: openingBalance } : errors };
  };

  /* GET /api/v1/accounts: every account with its balance. */
  router.get('/accounts', onlyQuery(null), (_req, res) => {
    const { accounts } = deps.accounts.overview(callerOf(res).userId);
    res.json({ data: accounts.map(accountJson) } satisfies S.Wire<typeof S.AccountList>);
  });

  /* GET /api/v1/accounts/:id: one account with its balance. */
  router.get('/accounts/:id', onlyQuery(null), (req, res) => {
    const id = idParam(req);
    const found = id === undefined ? undefined : accountWithBalance(callerOf(res).userId, id);
    if (!found) return sendProblem(res, 404, 'not-found', 'Not Found', wordsOf(res).t('api.notFound.account'));
    res.json(accountJson(found));
  });

  /* POST /api/v1/accounts: opens an account, checked by the account form's own rules. Idempotent with a key. */
  router.post('/accounts', (req, res) => {
    const { userId } = callerOf(res);
    return idempotent(req, res, () => {
      const input = readInput(res, S.AccountCreate, req.body, (fields) => parseAccountFields(fields, userId));
      if (!input.ok) return input.answer;
      const created = deps.accounts.create(userId, input.value);
      if (!created.ok) return refusedBy(res, { name: msg('validation.account.nameTaken', { name: created.problem === 'taken' ? (created.existing?.name ?? input.value.name) : input.value.name }) });
      return savedAccount(201, userId, created.id);
    });
  });

  /* PATCH /api/v1/accounts/:id: changes the fields sent (name, kind, opening balance and day, archived). */
  router.patch('/accounts/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.accounts.find(userId, id);
      if (!current) return notFound(res, 'account');
      const { openingBalance, ...values } = accountFormValuesFrom(current, deps.language);
      let archived: boolean | undefined;
      const input = readInput(res, S.AccountPatch, req.body, (fields) => {
        const { archived: box, ...rest } = fields;
        if (box !== undefined) archived = box === '1';
        return parseAccountFields({ ...values, opening: openingBalance, ...rest }, userId);
      });
      if (!input.ok) return input.answer;
      const saved = deps.accounts.updateWithArchived(userId, current.id, input.value, archived);
      if (saved.ok) return savedAccount(200, userId, current.id);
      return saved.problem === 'taken' ? refusedBy(res, { name: msg('validation.account.nameTaken', { name: saved.existing?.name ?? input.value.name }) }) : notFound(res, 'account');
    });
  });

  /* DELETE /api/v1/accounts/:id: deletes an empty account (with the schedules and rules that use it); one holding transactions is 409. */
  router.delete('/accounts/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const result = id === undefined ? ({ ok: false, problem: 'not-found' } as const) : deps.accounts.delete(userId, id);
      if (result.ok) return { status: 204, body: null };
      if (result.problem === 'not-found') return notFound(res, 'account');
      return problemAnswer(409, 'account-not-empty', 'Conflict', wordsOf(res).t('api.problem.accountNotEmpty', { count: result.count }));
    });
  });

  // --- Transactions ---

  const transactionJson = (t: TransactionWithCategory): S.Wire<typeof S.Transaction> => ({
    id: t.id,
    accountId: t.accountId,
    type: t.type,
    ...money(t.amountCents),
    date: t.occurredOn,
    description: t.description,
    categoryId: t.categoryId,
    categoryName: t.categoryName,
    refund: t.refund,
    status: t.status,
  });
  const savedTransaction = (status: number, userId: number, id: number) => answer(status, S.Transaction, transactionJson(deps.transactions.findWithCategory(userId, id)!));

  /* GET /api/v1/transactions: the list with the same filters as /transactions, newest first, by an opaque cursor. */
  router.get('/transactions', onlyQuery(S.TransactionListQuery), (req, res) => {
    const { userId } = callerOf(res);
    const { filter, errors } = readTransactionFilter(req.query);
    if (Object.keys(errors).length > 0) return sendProblem(res, 400, 'invalid-query', 'Bad Request', wordsOf(res).t('api.problem.badQuery'), problemsOf(res, apiFilterErrors(errors)));
    const paging = pagingOf(req, res);
    if (!paging) return;
    const { page, totals } = deps.transactions.listPage(userId, filter, paging.after, paging.limit);
    res.json({
      data: page.rows.map(transactionJson),
      nextCursor: page.next ? encodeCursor(page.next) : null,
      totals: { count: totals.count, income: money(totals.incomeCents), expenses: money(totals.expenseCents) },
    } satisfies S.Wire<typeof S.TransactionPage>);
  });

  /** A transaction body refused for its fields also hears what is wrong with its category or account: every problem at once. */
  const withChoicesChecked = (userId: number, input: TransactionFormResult, keeping?: number): TransactionFormResult =>
    input.ok ? input : { ...input, errors: withChoiceErrors(input.errors, deps.transactions.checkChoices(userId, input.choices, keeping)) };

  /* POST /api/v1/transactions: adds an income or expense, checked by the add form's own rules. Idempotent with a key. */
  router.post('/transactions', (req, res) => {
    const { userId } = callerOf(res);
    return idempotent(req, res, () => {
      const input = readInput(res, S.TransactionCreate, req.body, (fields) => withChoicesChecked(userId, parseTransactionForm(fields, todayOf(userId), deps.language)));
      if (!input.ok) return input.answer;
      // A category given, null included, is the caller's choice; left out, the person's rules may place the row.
      const result = deps.transactions.add(userId, input.value, undefined, { rules: !Object.hasOwn(req.body ?? {}, 'category') });
      const refused = choiceErrors(result);
      if (refused) return refusedBy(res, refused);
      if (!result.ok) return refusedBy(res, {});
      return savedTransaction(201, userId, result.id);
    });
  });

  /* PATCH /api/v1/transactions/:id: changes the fields sent (the others keep their value). Idempotent with a key. */
  router.patch('/transactions/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.transactions.find(userId, id);
      if (!current) return notFound(res, 'transaction');
      const values = transactionFormValuesFrom(current, deps.language.decimal);
      const input = readInput(res, S.TransactionPatch, req.body, (fields) => withChoicesChecked(userId, parseTransactionForm({ ...values, ...fields }, todayOf(userId), deps.language, 'edit'), current.accountId));
      if (!input.ok) return input.answer;
      // API edits are deliberate calls: a reconciled row changes without the confirmation box the pages show.
      const result = deps.transactions.update(userId, current.id, input.value, true);
      const refused = choiceErrors(result);
      if (refused) return refusedBy(res, refused);
      if (!result.ok) return notFound(res, 'transaction');
      return savedTransaction(200, userId, current.id);
    });
  });

  // API deletes are deliberate calls: a reconciled row goes without the confirmation box the pages show.
  readAndDelete('/transactions', 'transaction', (u, id) => deps.transactions.findWithCategory(u, id), transactionJson, (u, id) => deps.transactions.delete(u, id, true) === 'deleted');

  // --- Transfers ---

  /** A transfer the service refused because an account it names is not the caller's: a field problem, not a 404. */
  const foreignAccounts = (res: Response, userId: number, draft: { fromAccountId: number; toAccountId: number }): Answer => {
    const own = new Set(deps.accounts.overview(userId).accounts.map((a) => a.id));
    const errors: FieldErrors = {};
    if (!own.has(draft.fromAccountId)) errors.from = msg('validation.account.choose');
    if (!own.has(draft.toAccountId)) errors.to = msg('validation.account.choose');
    return refusedBy(res, errors);
  };
  const transferJson = (t: Transfer): S.Wire<typeof S.Transfer> => ({ id: t.id, fromAccountId: t.fromAccountId, toAccountId: t.toAccountId, ...money(t.amountCents), date: t.occurredOn, description: t.description });
  const savedTransfer = (status: number, userId: number, id: number) => answer(status, S.Transfer, transferJson(deps.transfers.find(userId, id)!));

  readAndDelete('/transfers', 'transfer', (u, id) => deps.transfers.find(u, id), transferJson, (u, id) => deps.transfers.delete(u, id, true) === 'deleted');

  /* GET /api/v1/transfers: newest first, by an opaque cursor; `account` keeps those with either side in it, `from` and `to` bound the day. */
  router.get('/transfers', onlyQuery(S.TransferListQuery), (req, res) => {
    const { userId } = callerOf(res);
    const { filter, errors } = readTransactionFilter(req.query);
    if (Object.keys(errors).length > 0) return sendProblem(res, 400, 'invalid-query', 'Bad Request', wordsOf(res).t('api.problem.badQuery'), problemsOf(res, apiFilterErrors(errors)));
    const paging = pagingOf(req, res);
    if (!paging) return;
    const page = deps.transfers.listPage(userId, { accountId: filter.accountId, fromOn: filter.fromOn, toOn: filter.toOn }, paging.after, paging.limit);
    res.json({ data: page.rows.map(transferJson), nextCursor: page.next ? encodeCursor(page.next) : null } satisfies S.Wire<typeof S.TransferPage>);
  });

  /* POST /api/v1/transfers: moves money between two of the owner's accounts (from, to, amount, date, description). */
  router.post('/transfers', (req, res) => {
    const { userId } = callerOf(res);
    return idempotent(req, res, () => {
      const input = readInput(res, S.TransferCreate, req.body, (fields) => parseTransferForm(fields, todayOf(userId), deps.language));
      if (!input.ok) return input.answer;
      const result = deps.transfers.create(userId, input.value);
      const refused = transferRefusal(result);
      if (refused) return refusedBy(res, refused);
      if (!result.ok) return foreignAccounts(res, userId, input.value);
      return savedTransfer(201, userId, result.id);
    });
  });

  /* PATCH /api/v1/transfers/:id: changes the fields sent; a reconciled transfer changes without a confirmation. */
  router.patch('/transfers/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.transfers.find(userId, id);
      if (!current) return notFound(res, 'transfer');
      const values = transferFormValuesFrom(current, deps.language);
      const input = readInput(res, S.TransferPatch, req.body, (fields) => parseTransferForm({ ...values, ...fields }, todayOf(userId), deps.language, 'edit'));
      if (!input.ok) return input.answer;
      const result = deps.transfers.update(userId, current.id, input.value, true);
      const refused = transferRefusal(result);
      if (refused) return refusedBy(res, refused);
      if (!result.ok) return foreignAccounts(res, userId, input.value);
      return savedTransfer(200, userId, current.id);
    });
  });

  // --- Categories ---

  /* GET /api/v1/categories: income and expense categories, each with how many transactions it holds. */
  router.get('/categories', onlyQuery(null), (_req, res) => {
    const { income, expense } = deps.categories.listWithCounts(callerOf(res).userId);
    res.json({ data: [...income, ...expense].map((c) => ({ id: c.id, kind: c.kind, name: c.name, transactionCount: c.transactionCount })) } satisfies S.Wire<typeof S.CategoryList>);
  });

  const categoryJson = (found: { category: { id: number; kind: 'income' | 'expense'; name: string }; count: number }): S.Wire<typeof S.Category> => ({
    id: found.category.id,
    kind: found.category.kind,
    name: found.category.name,
    transactionCount: found.count,
  });
  const savedCategory = (status: number, userId: number, id: number) => answer(status, S.Category, categoryJson(deps.categories.findWithCount(userId, id)!));

  // Deleting a category keeps its transactions, uncategorised, as the page does.
  readAndDelete('/categories', 'category', (u, id) => deps.categories.findWithCount(u, id), categoryJson, (u, id) => deps.categories.delete(u, id) !== undefined);

  /* POST /api/v1/categories: adds a category by the category form's name rule. */
  router.post('/categories', (req, res) => {
    const { userId } = callerOf(res);
    return idempotent(req, res, () => {
      const input = readInput(res, S.CategoryCreate, req.body, (fields) => {
        const form = parseCategoryForm(fields);
        return form.ok ? { ok: true, value: { kind: form.kind, name: form.name } } : form;
      });
      if (!input.ok) return input.answer;
      const { kind, name } = input.value;
      const created = deps.categories.create(userId, kind, name);
      if (!created.ok) return refusedBy(res, { name: categoryNameTakenMessage(kind, created.problem === 'taken' ? (created.existing?.name ?? name) : name) });
      return savedCategory(201, userId, created.category.id);
    });
  });

  /* PATCH /api/v1/categories/:id: renames a category. */
  router.patch('/categories/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.categories.findWithCount(userId, id);
      if (!current) return notFound(res, 'category');
      const input = readInput(res, S.CategoryPatch, req.body, (fields) => {
        const form = parseRenameForm(fields);
        return form.ok ? { ok: true, value: form.name } : form;
      });
      if (!input.ok) return input.answer;
      const renamed = deps.categories.rename(userId, current.category.id, input.value);
      if (!renamed.ok && renamed.problem === 'taken') return refusedBy(res, { name: categoryNameTakenMessage(current.category.kind, renamed.existing?.name ?? input.value) });
      if (!renamed.ok) return notFound(res, 'category');
      return savedCategory(200, userId, current.category.id);
    });
  });

  // --- Budgets ---

  const budgetJson = (budget: BudgetMonthModel): S.Wire<typeof S.BudgetMonth> => ({
    month: budget.month,
    lines: budget.lines.map((l) => ({
      categoryId: l.categoryId,
      name: l.name,
      rollover: l.rollover,
      budgeted: l.budgetedCents === null ? null : money(l.budgetedCents),
      carried: money(l.carriedCents),
      available: money(l.availableCents),
      spent: money(l.spentCents),
      // A category without a budget this month has nothing to remain or to use a share of.
      remaining: l.budgeted ? money(l.remainingCents) : null,
      percentUsed: l.budgeted ? l.percentUsed : null,
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
  const badMonth = (res: Response) => badParameter(res, 'month', 'api.field.month', 'path');

  /* GET /api/v1/budgets/:month: a month's budget per expense category against its spending (refunds netted). */
  router.get('/budgets/:month', onlyQuery(null), (req, res) => {
    const month = String(req.params.month);
    if (!isCalendarMonth(month)) return badMonth(res);
    res.json(budgetJson(deps.budgets.month(callerOf(res).userId, month)));
  });

  /* PUT /api/v1/budgets/:month/:categoryId: sets (or with null removes) one expense category's amount for a month. */
  router.put('/budgets/:month/:categoryId', (req, res) => {
    const { userId } = callerOf(res);
    const month = String(req.params.month);
    if (!isCalendarMonth(month)) return badMonth(res);
    const categoryId = idParam(req, 'categoryId');
    return idempotent(req, res, () => {
      const line = categoryId === undefined ? undefined : deps.budgets.month(userId, month).lines.find((l) => l.categoryId === categoryId);
      if (!line) return notFound(res, 'expenseCategory');
      // Read as the budget form's own fields, so the amount goes by its rule; an empty amount removes it.
      const input = readInput(res, S.BudgetLineSet, req.body, (fields) => {
        const form = parseBudgetForm({ [`amount-${line.categoryId}`]: fields.amount ?? '', [`rollover-${line.categoryId}`]: fields.rollover ?? '' }, deps.language);
        if (!form.ok) return { ok: false, errors: { amount: Object.values(form.errors)[0] } };
        // Rollover left out is left as it is: nothing is saved for the month, which goes on following the months before.
        return { ok: true, value: fields.rollover === undefined ? form.entries.map(({ rollover: _left, ...entry }) => entry) : form.entries };
      });
      if (!input.ok) return input.answer;
      // Deleted between the look above and the save: refused as a category that is not there.
      if (!deps.budgets.save(userId, month, input.value).ok) return notFound(res, 'expenseCategory');
      return answer(200, S.BudgetMonth, budgetJson(deps.budgets.month(userId, month)));
    });
  });

  // --- Scheduled transactions ---

  const scheduleJson = (s: ScheduleModel & { paused: boolean }): S.Wire<typeof S.Schedule> => ({
    id: s.id,
    type: s.type,
    accountId: s.accountId,
    toAccountId: s.toAccountId,
    categoryId: s.categoryId,
    ...money(s.amountCents),
    description: s.description,
    // The rule as the person wrote it; where its count stands after edits is the server's own bookkeeping.
    rule: { frequency: s.rule.frequency, interval: s.rule.interval, startOn: s.rule.startOn, weekday: s.rule.weekday, monthDay: s.rule.monthDay, endOn: s.rule.endOn, maxCount: s.rule.maxCount },
    nextOn: s.nextOn,
    postedThrough: s.postedThrough,
    paused: s.paused,
  });
  const savedSchedule = (status: number, userId: number, id: number) => answer(status, S.Schedule, scheduleJson(deps.schedules.find(userId, id)!));

  /* GET /api/v1/scheduled: every scheduled transaction with its rule and next date. */
  router.get('/scheduled', onlyQuery(null), (_req, res) => {
    res.json({ data: deps.schedules.list(callerOf(res).userId).map(scheduleJson) } satisfies S.Wire<typeof S.ScheduleList>);
  });

  // Deleting a schedule keeps what it posted, as the page does.
  readAndDelete('/scheduled', 'schedule', (u, id) => deps.schedules.find(u, id), scheduleJson, (u, id) => deps.schedules.delete(u, id) !== undefined);

  /* POST /api/v1/scheduled: adds a schedule by the schedule form's rules; what is already due is posted at once, or found already recorded (services/schedules.ts create). */
  router.post('/scheduled', (req, res) => {
    const { userId } = callerOf(res);
    return idempotent(req, res, () => {
      const input = readInput(res, S.ScheduleCreate, req.body, (fields) => parseScheduleForm(fields, deps.language));
      if (!input.ok) return input.answer;
      const result = deps.schedules.create(userId, input.value);
      // A new schedule cannot be missing: every refusal here is about its fields.
      if (!result.ok) return refusedBy(res, result.problems === 'not-found' ? {} : scheduleRefusal(result.problems));
      return savedSchedule(201, userId, result.id);
    });
  });

  /* PATCH /api/v1/scheduled/:id: changes the fields sent, as the form does (services/schedules.ts update); what was due under the old rule is posted first. */
  router.patch('/scheduled/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.schedules.find(userId, id);
      if (!current) return notFound(res, 'schedule');
      const values = scheduleFormValuesFrom(current, deps.language);
      const input = readInput(res, S.SchedulePatch, req.body, (fields) => parseScheduleForm({ ...values, ...fields }, deps.language));
      if (!input.ok) return input.answer;
      const result = deps.schedules.update(userId, current.id, input.value);
      if (!result.ok && result.problems !== 'not-found' && result.problems.backlog) {
        // Not the request's fault and not for ever: the poster is still posting what the present rule made due.
        res.set('Retry-After', '60');
        return problemAnswer(503, 'catching-up', 'Service Unavailable', wordsOf(res).t('api.problem.catchingUp'));
      }
      if (!result.ok) return result.problems === 'not-found' ? notFound(res, 'schedule') : refusedBy(res, scheduleRefusal(result.problems));
      return savedSchedule(200, userId, current.id);
    });
  });

  // --- Rules ---

  const ruleJson = (r: RuleModel, position: number): S.Wire<typeof S.Rule> => ({
    id: r.id,
    position,
    text: r.text,
    amount: r.amount && { min: money(r.amount.minCents), max: money(r.amount.maxCents) },
    type: r.type,
    accountId: r.accountId,
    categoryId: r.categoryId,
    transferAccountId: r.transferAccountId,
    rename: r.rename,
  });
  /** A rule with its place in the owner's list (1 is tried first). */
  const placedRule = (userId: number, id: number) => {
    const rules = deps.rules.list(userId).rules;
    const at = rules.findIndex((r) => r.id === id);
    return at < 0 ? undefined : { rule: rules[at]!, position: at + 1 };
  };
  const savedRule = (status: number, userId: number, id: number) => {
    const placed = placedRule(userId, id)!;
    return answer(status, S.Rule, ruleJson(placed.rule, placed.position));
  };

  /* GET /api/v1/rules: the rules in the order they are tried. */
  router.get('/rules', onlyQuery(null), (_req, res) => {
    res.json({ data: deps.rules.list(callerOf(res).userId).rules.map((r, i) => ruleJson(r, i + 1)) } satisfies S.Wire<typeof S.RuleList>);
  });

  // Deleting a rule leaves the transactions it categorised as they are.
  readAndDelete('/rules', 'rule', (u, id) => placedRule(u, id), (p) => ruleJson(p.rule, p.position), (u, id) => deps.rules.delete(u, id));

  /* POST /api/v1/rules: adds a rule at the end, by the rule form's own rules. */
  router.post('/rules', (req, res) => {
    const { userId } = callerOf(res);
    return idempotent(req, res, () => {
      const input = readInput(res, S.RuleCreate, req.body, (fields) => parseRuleForm({ textMatch: 'contains', ...fields }, deps.language));
      if (!input.ok) return input.answer;
      const result = deps.rules.create(userId, input.value);
      if (!result.ok) return refusedBy(res, ruleRefusal(result));
      return savedRule(201, userId, result.id);
    });
  });

  /* PATCH /api/v1/rules/:id: changes the fields sent; the others keep their value. */
  router.patch('/rules/:id', (req, res) => {
    const { userId } = callerOf(res);
    const id = idParam(req);
    return idempotent(req, res, () => {
      const current = id === undefined ? undefined : deps.rules.find(userId, id);
      if (!current) return notFound(res, 'rule');
      const values = ruleFormValuesFrom(current, deps.language);
      const input = readInput(res, S.RulePatch, req.body, (fields) => parseRuleForm({ ...values, ...fields }, deps.language));
      if (!input.ok) return input.answer;
      const result = deps.rules.update(userId, current.id, input.value);
      if (!result.ok) return 'notFound' in result ? notFound(res, 'rule') : refusedBy(res, ruleRefusal(result));
      return savedRule(200, userId, current.id);
    });
  });

  // Anything else under /api/v1, and errors: problem documents, never the HTML error page.
  router.use((_req, res) => sendProblem(res, 404, 'not-found', 'Not Found', wordsOf(res).t('api.notFound.resource')));
  router.use(((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    const type = typeof err === 'object' && err !== null && 'type' in err ? err.type : undefined;
    const words = wordsOf(res);
    if (isTotalsTooLarge(err)) return sendProblem(res, 422, 'totals-too-large', 'Unprocessable Content', words.t('api.problem.totalsTooLarge'));
    const limited = limitReachedIn(err);
    if (limited) return sendProblem(res, 422, 'limit-reached', 'Unprocessable Content', words.t(limitReachedMessage(limited)));
    if (status === 413) return sendProblem(res, 413, 'too-large', 'Content Too Large', words.t('api.problem.tooLarge'));
    if (type === 'charset.unsupported') return sendProblem(res, 415, 'unsupported-media-type', 'Unsupported Media Type', words.t('api.problem.unsupportedCharset'));
    if (type === 'encoding.unsupported') return sendProblem(res, 415, 'unsupported-media-type', 'Unsupported Media Type', words.t('api.problem.unsupportedEncoding'));
    if (status === 415) return sendProblem(res, 415, 'unsupported-media-type', 'Unsupported Media Type', words.t('api.problem.unsupportedType'));
    if (type === 'entity.parse.failed') return sendProblem(res, 400, 'malformed', 'Bad Request', words.t('api.problem.malformed'));
    // The router's own 400: a path parameter with a malformed %-escape, before any handler saw it.
    if (status === 400 && type === undefined) return sendProblem(res, 400, 'invalid-path', 'Bad Request', words.t('api.problem.badPath'));
    if (status >= 400 && status < 500) return sendProblem(res, 400, 'malformed', 'Bad Request', words.t('api.problem.malformed'));
    if (isDatabaseBusy(err)) {
      deps.logger.warn({ method: req.method, path: req.originalUrl.split('?')[0] }, 'database busy: another write held the lock past the busy timeout; answered 503');
      res.set('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
      return sendProblem(res, 503, 'busy', 'Service Unavailable', words.t('api.problem.busy'));
    }
    const storage = storageProblemOf(err);
    if (storage) {
      deps.logger.error({ method: req.method, path: req.originalUrl.split('?')[0], code: (err as { code: string }).code }, `storage ${storage}: a write was refused; answered 503`);
      return storage === 'full'
        ? sendProblem(res, 503, 'storage-full', 'Service Unavailable', words.t('api.problem.storageFull'))
        : sendProblem(res, 503, 'storage-read-only', 'Service Unavailable', words.t('api.problem.storageReadOnly'));
    }
    // The server's own failure: logged as a page's is (method and path, never the token), answered as a problem.
    deps.logger.error({ err, method: req.method, path: req.originalUrl.split('?')[0] }, 'request failed');
    sendProblem(res, 500, 'internal', 'Internal Server Error', wordsOf(res).t('api.problem.internal'));
  }) as unknown as RequestHandler);
  return router;
}
