/**
 * The composition root: builds the Express app from its dependencies. No listening, no process.env, no file-system
 * search: server.ts (or a test) opens the database, makes the clock and the job runner, and hands them in.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { csrfSync } from 'csrf-sync';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { assetCacheControl, createAssets } from './web/assets.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/open.ts';
import { SqliteRateLimitStore } from './db/rate-limit-store.ts';
import { dataExportSnapshot } from './db/repos/data-export.ts';
import { createAccountsRepo } from './db/repos/accounts.ts';
import { createInvitesRepo } from './db/repos/invites.ts';
import { createBudgetsRepo } from './db/repos/budgets.ts';
import { createSchedulesRepo } from './db/repos/schedules.ts';
import { createReconciliationsRepo } from './db/repos/reconciliations.ts';
import { createTransfersRepo } from './db/repos/transfers.ts';
import { createCategoriesRepo } from './db/repos/categories.ts';
import { createJobsRepo } from './db/repos/jobs.ts';
import { createTransactionsRepo } from './db/repos/transactions.ts';
import { createUsersRepo } from './db/repos/users.ts';
import { SqliteSessionStore } from './db/session-store.ts';
import { createReadRunner, createSharedCommit, createTransactionRunner } from './db/unit-of-work.ts';
import type { JobRunner } from './jobs/runner.ts';
import { createAuditLog, createLogger, type Logger } from './logger.ts';
import { createUserService } from './services/users.ts';
import { createAccountService } from './services/accounts.ts';
import { createCategoryService } from './services/categories.ts';
import { createBudgetService } from './services/budgets.ts';
import { createScheduleService, schedulePosting } from './services/schedules.ts';
import { createImportService } from './services/imports.ts';
import { scheduleSweeps } from './services/maintenance.ts';
import { createSecurityService } from './services/security.ts';
import { createSecurityEventsRepo } from './db/repos/security-events.ts';
import { commonPasswords, createPasswordHasher } from './services/passwords.ts';
import { createReportService } from './services/reports.ts';
import { createTransactionService } from './services/transactions.ts';
import { createDataExportService } from './services/data-export.ts';
import { createCategoryUndosRepo } from './db/repos/category-undos.ts';
import { createTransferService } from './services/transfers.ts';
import { createReconciliationService } from './services/reconciliations.ts';
import { createAuthenticator } from './web/auth.ts';
import { ACCOUNT_KINDS } from './domain/accounts.ts';
import { dayFieldValue, monthFieldType } from './web/form-fields.ts';
import { accountKindKey } from './web/messages.ts';
import { createLanguageContexts } from './web/i18n.ts';
import { createErrorHandler, notFound } from './web/middleware/errors.ts';
import { createEarlyLanguageMiddleware, createLocalsMiddleware } from './web/middleware/locals.ts';
import { createAuthRateLimiters, type AuthRateLimits } from './web/middleware/rate-limit.ts';
import { requestLog, warnAboutUntrustedProxy } from './web/middleware/request-log.ts';
import { createSessionMiddleware, enforceAbsoluteLifetime, sessionCookieName } from './web/middleware/session.ts';
import { createDashboardPage } from './web/pages/dashboard-page.ts';
import { createAccountRouter } from './web/routes/account.routes.ts';
import { createAccountsRouter } from './web/routes/accounts.routes.ts';
import { createAuthRouter } from './web/routes/auth.routes.ts';
import { createApiRouter } from './web/api/router.ts';
import { createIdempotencyService } from './services/idempotency.ts';
import { createIdempotencyRepo } from './db/repos/idempotency.ts';
import { createImportRowsRepo } from './db/repos/import-rows.ts';
import { createCsvMappingsRepo } from './db/repos/csv-mappings.ts';
import { createApiTokensRouter } from './web/routes/api-tokens.routes.ts';
import { createApiTokenService } from './services/api-tokens.ts';
import { createApiTokensRepo } from './db/repos/api-tokens.ts';
import { createPasskeysRouter } from './web/routes/passkeys.routes.ts';
import { createPasskeyService } from './services/passkeys.ts';
import { createPasskeysRepo } from './db/repos/passkeys.ts';
import { createTwoFactorRouter } from './web/routes/two-factor.routes.ts';
import { createSessionSealer } from './web/session-secrets.ts';
import { createTwoFactorService } from './services/two-factor.ts';
import { createTwoFactorRepo } from './db/repos/two-factor.ts';
import { createBudgetsRouter } from './web/routes/budgets.routes.ts';
import { createScheduledRouter } from './web/routes/scheduled.routes.ts';
import { createReportsRouter } from './web/routes/reports.routes.ts';
import { createCategoriesRouter } from './web/routes/categories.routes.ts';
import { createRulesRouter } from './web/routes/rules.routes.ts';
import { createFlashCookies } from './web/flash.ts';
import { createRuleService } from './services/rules.ts';
import { createRulesRepo } from './db/repos/rules.ts';
import { createDashboardRouter } from './web/routes/dashboard.routes.ts';
import { createExportRouter } from './web/routes/export.routes.ts';
import { createDataExportRouter } from './web/routes/data-export.routes.ts';
import { createImportRouter } from './web/routes/import.routes.ts';
import { createLanguageRouter } from './web/routes/language.routes.ts';
import { createTransactionsRouter } from './web/routes/transactions.routes.ts';
import { createTransfersRouter } from './web/routes/transfers.routes.ts';
import { createReconcileRouter } from './web/routes/reconcile.routes.ts';
import { createViewEngine } from './web/views.ts';
import { largeFormForSignedIn } from './web/middleware/large-form.ts';
import { keepBodyRefusal, raiseBodyRefusal } from './web/middleware/body-errors.ts';
import { PER_PERSON_LIMITS } from './domain/limits.ts';

/** POST paths that take multipart uploads and check the CSRF token themselves after parsing the body. */
const MULTIPART_UPLOAD_PATHS: ReadonlySet<string> = new Set(['/import']);

/** Largest urlencoded form body accepted; anything bigger is answered with 413 before it is parsed. */
const FORM_BODY_LIMIT = '16kb';
/**
 * The budget form's: an amount and a rollover box for each of up to 1,000 expense categories, with what the page
 * showed of each. About 80 bytes a category in English, up to 110 with the largest amounts grouped by no-break
 * spaces (6 bytes each, %-encoded).
 */
const BUDGET_FORM_BODY_LIMIT = '192kb';

/**
 * The reconcile form sends one `ids` field per ticked row and one `shown` per listed row: a page lists 200, but a
 * script (or a page saved from before paging) may post thousands of ticks, which are read in one pass rather than
 * refused at the other forms' 16 KB. 1 MB holds about 80,000 seven-digit ids.
 */
const RECONCILE_BODY_LIMIT_BYTES = 1024 * 1024;
const RECONCILE_ROWS_PATH = /^\/accounts\/[^/]+\/reconcile\/rows\/?$/i;

export interface AppDeps {
  readonly db: Db;
  readonly config: Config;
  /** The one source of "now": today's date, session expiry, rate-limit windows, job timestamps. */
  readonly clock: Clock;
  /** The durable job runner; the app registers its job kinds on it, server.ts starts and stops it. */
  readonly jobs: JobRunner;
  /** The secret that signs session cookies (server.ts resolves it once: config.ts resolveSessionSecret). */
  readonly sessionSecret: string;
  /** The folder holding views/ and public/. */
  readonly appRoot: string;
  readonly logger?: Logger;
  /** Overrides of the login/registration limits (tests use small ones). */
  readonly rateLimits?: Partial<AuthRateLimits>;
}

/** Builds the Express app on an open, migrated database. Tests call this directly, with a fixed clock and no port. */
export function createApp(deps: AppDeps): Express {
  const { db, config, clock, jobs: runner, appRoot } = deps;
  const logger = deps.logger ?? createLogger('silent');
  const app = express();

  // Data access.
  const users = createUsersRepo(db);
  const transactionsRepo = createTransactionsRepo(db);
  const categoriesRepo = createCategoriesRepo(db);
  const accountsRepo = createAccountsRepo(db);
  const jobsRepo = createJobsRepo(db);
  const sessionStore = new SqliteSessionStore(db, clock, (err) => logger.error({ err }, 'a session could not be saved: sign-ins and forms fail until the database can be written again'));
  const inTransaction = createTransactionRunner(db);
  const asOneRead = createReadRunner(db);
  const inSharedCommit = createSharedCommit(db);

  // Use cases.
  const transfersRepo = createTransfersRepo(db);
  const schedulesRepo = createSchedulesRepo(db);
  const rulesRepo = createRulesRepo(db);
  const rules = createRuleService({ rules: rulesRepo, categories: categoriesRepo, accounts: accountsRepo, transactions: transactionsRepo, transfers: transfersRepo, inTransaction, clock });
  const imports = createImportService({
    transactions: transactionsRepo,
    categories: categoriesRepo,
    accounts: accountsRepo,
    transfers: transfersRepo,
    schedules: schedulesRepo,
    jobs: jobsRepo,
    runner,
    inTransaction,
    clock,
    mappings: createCsvMappingsRepo(db),
    importRows: createImportRowsRepo(db),
    rules: (userId) => rules.applierFor(userId, { suggest: true }),
    uploadDir: path.join(config.dataDir, 'imports'),
    currency: config.currency,
  });
  const apiTokensRepo = createApiTokensRepo(db);
  const passkeysRepo = createPasskeysRepo(db);
  const people = createUserService({
    users,
    categories: categoriesRepo,
    accounts: accountsRepo,
    hasher: createPasswordHasher(config.bcryptCost),
    inTransaction,
    sessions: sessionStore,
    apiTokens: apiTokensRepo,
    passkeys: passkeysRepo,
    invites: createInvitesRepo(db),
    clock,
    registration: config.registration,
    removeUserFiles: (userId) => imports.removeUserFiles(userId),
  });
  const twoFactor = createTwoFactorService({
    twoFactor: createTwoFactorRepo(db),
    users,
    hasher: createPasswordHasher(config.bcryptCost),
    inTransaction,
    clock,
    issuer: 'Ledgerly',
  });
  // Passkeys are bound to the address people use: without PUBLIC_URL there is none to bind them to.
  const passkeys = config.publicUrl
    ? createPasskeyService({ passkeys: passkeysRepo, sessions: sessionStore, inTransaction, clock, rp: { origin: config.publicUrl, id: new URL(config.publicUrl).hostname, name: 'Ledgerly' } })
    : undefined;
  const tokenHasher = createPasswordHasher(config.bcryptCost);
  const apiTokens = createApiTokenService({
    tokens: apiTokensRepo,
    clock,
    passwordMatches: (userId, password) => tokenHasher.verifyPassword(password, users.findPasswordHashById(userId)),
  });
  const transactions = createTransactionService({
    transactions: transactionsRepo,
    categories: categoriesRepo,
    accounts: accountsRepo,
    inTransaction,
    asOneRead,
    inSharedCommit,
    rules: (userId) => rules.applierFor(userId),
    suggestions: (userId) => rules.suggesterFor(userId),
    undo: { changes: createCategoryUndosRepo(db), clock },
  });
  const moneyAccounts = createAccountService({ accounts: accountsRepo, schedules: schedulesRepo, rules: rulesRepo, inTransaction, asOneRead });
  const reconciliations = createReconciliationService({ reconciliations: createReconciliationsRepo(db), accounts: accountsRepo, inTransaction, clock });
  const transfers = createTransferService({ transfers: transfersRepo, accounts: accountsRepo, inTransaction, asOneRead });
  const budgetsRepo = createBudgetsRepo(db);
  const categories = createCategoryService({ categories: categoriesRepo, rules: rulesRepo, schedules: schedulesRepo, budgets: budgetsRepo, inTransaction });
  const budgets = createBudgetService({ budgets: budgetsRepo, inTransaction, asOneRead });
  const schedules = createScheduleService({
    schedules: schedulesRepo,
    accounts: accountsRepo,
    categories: categoriesRepo,
    transfers: transfersRepo,
    inTransaction,
    clock,
    defaultTimeZone: config.timeZone,
  });
  schedulePosting({ runner, schedules });
  const reports = createReportService({
    transactions: transactionsRepo,
    categories: categoriesRepo,
    accounts: accountsRepo,
    budgetMonth: (userId, month) => budgets.month(userId, month),
    upcoming: (userId, today) => schedules.upcoming(userId, today),
    asOneRead,
  });
  // Pruning finished rate-limit windows covers every limiter's rows, whichever store does it.
  const security = createSecurityService({ events: createSecurityEventsRepo(db), sessions: sessionStore, clock });
  const idempotency = createIdempotencyService({ keys: createIdempotencyRepo(db), inSharedCommit, clock });
  scheduleSweeps({ runner, imports, sessions: sessionStore, rateLimits: new SqliteRateLimitStore(db, 'sweep', clock), securityEvents: security, idempotencyKeys: idempotency, logger });
  commonPasswords(); // built once here, not on the first registration

  // The web.
  const languages = createLanguageContexts(config);
  const audit = createAuditLog(logger, (entry) => security.recordEvent(entry));
  const cookieName = sessionCookieName(config);
  const limiters = createAuthRateLimiters({
    storeFor: (name) => new SqliteRateLimitStore(db, name, clock),
    audit,
    userIdForEmail: (email) => people.findUserIdByEmail(email),
    limits: deps.rateLimits,
    clock,
    defaultTimeZone: config.timeZone,
  });
  const authenticator = createAuthenticator(people);

  app.set('trust proxy', config.trustProxy);
  app.set('views', path.join(appRoot, 'views'));
  app.set('view engine', 'ejs');
  app.set('view cache', config.env !== 'development');
  // Views include each other by absolute path from views/ ('/partials/head'), with views/ as EJS's root: EJS then
  // resolves an include without asking the file system whether it exists, which a relative include costs on every
  // render of every include.
  app.engine('ejs', createViewEngine({ root: path.join(appRoot, 'views'), cache: config.env !== 'development' }));
  app.set('x-powered-by', false);
  // Every page is Cache-Control: no-store, so no browser ever revalidates one: an ETag would only cost a SHA-1 of
  // each response body (about 1% of the server's CPU under load). Static files keep theirs (serve-static's own).
  app.set('etag', false);
  app.locals.appName = 'Ledgerly';
  app.locals.currency = config.currency;
  app.locals.currentUser = undefined;
  app.locals.flash = undefined;
  app.locals.csrfToken = undefined;
  app.locals.currentPath = '';
  app.locals.dayFieldValue = dayFieldValue;
  app.locals.monthFieldType = monthFieldType;
  app.locals.accountKinds = ACCOUNT_KINDS;
  app.locals.accountKindKey = accountKindKey;

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          ...(config.isProduction ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      // Sent below, over HTTPS only: over plain HTTP a browser must ignore it (RFC 6797, 7.2) and the header may not go.
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  if (config.isProduction) {
    const hsts = helmet.strictTransportSecurity();
    app.use((req, res, next) => (req.secure ? hsts(req, res, next) : next()));
  }
  // A request for "*" (OPTIONS * asks about the server as a whole) names no page: answered here, before the session,
  // which skips any path not beginning with "/" and so left sign-in without a session to read (a 500 and a stack in
  // the log, for anyone to cause).
  // The absolute form ("GET http://host/path"), which a server must accept (RFC 9112, 3.2.2), names a path as well.
  app.use((req, res, next) => {
    if (req.url.startsWith('/') || /^https?:\/\//i.test(req.url)) return next();
    if (req.method === 'OPTIONS' && req.url === '*') return void res.set('Allow', 'GET, HEAD, POST, OPTIONS').status(204).end();
    res.status(400).type('text/plain').send('Bad Request');
  });

  const logRequests = requestLog(logger);
  if (logRequests) app.use(logRequests);
  const proxyWarning = warnAboutUntrustedProxy(config.trustProxy, logger);
  if (proxyWarning) app.use(proxyWarning);
  app.use(createEarlyLanguageMiddleware({ languages, defaultLanguage: config.defaultLanguage }));

  // Mounted only where files live, so page requests never pay for a filesystem stat. Pages link them by URLs that
  // name their content (web/assets.ts), kept a year; any other request for them is answered after a check.
  // The browser half of the passkey ceremony, from our own origin (the CSP allows no other): the package's bundle.
  const webauthnBundle = path.join(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle');
  const assetFolders = [
    ['/js/vendor/simplewebauthn', webauthnBundle],
    ['/css', path.join(appRoot, 'public', 'css')],
    ['/js', path.join(appRoot, 'public', 'js')],
    ['/img', path.join(appRoot, 'public', 'img')],
  ] as const;
  const assets = createAssets({ versioned: config.env !== 'development', folders: assetFolders });
  app.locals.asset = assets.url;
  for (const [prefix, folder] of assetFolders) {
    app.use(prefix, assets.cacheHeaders(), express.static(folder, { index: false, setHeaders: assetCacheControl }));
  }

  /* GET /healthz: liveness for load balancers; touches neither session nor database. Anyone. */
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });

  // The API before the session: a cookie never authenticates an API call (bearer tokens only), so CSRF does not apply;
  // and before the form parsers, so every answer under /api/v1, a too-large form body included, is a problem document.
  app.use(
    '/api/v1',
    createApiRouter({
      tokens: apiTokens,
      reports,
      accounts: moneyAccounts,
      users: people,
      transactions,
      idempotency,
      categories,
      transfers,
      budgets,
      schedules,
      rules,
      language: languages.en,
      languages,
      defaultLanguage: config.defaultLanguage,
      clock,
      defaultTimeZone: config.timeZone,
      logger,
      rateLimitStore: new SqliteRateLimitStore(db, 'api-token', clock),
      requestsPerMinute: config.apiRequestsPerMinute,
    }),
  );
  // A bulk form carries one field per checked row (up to two pages of 50), so it gets a higher field count.
  // Each body reader's refusal (a body over its limit) is answered once the session says whose page it is.
  app.use('/transactions/bulk', keepBodyRefusal(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 120 })));
  // A budget form carries four fields per expense category, for as many as one person may keep.
  app.use('/budgets', keepBodyRefusal(express.urlencoded({ extended: false, limit: BUDGET_FORM_BODY_LIMIT, parameterLimit: 4 * PER_PERSON_LIMITS.categories + 10 })));
  // The reconcile form is read further down, once the session says who sent it (middleware/large-form.ts).
  const formParser = keepBodyRefusal(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 50 }));
  app.use((req, res, next) => (RECONCILE_ROWS_PATH.test(req.path) ? next() : formParser(req, res, next)));
  app.use(createSessionMiddleware(config, sessionStore, deps.sessionSecret));
  app.use(enforceAbsoluteLifetime(config, clock));
  app.use(authenticator.session());
  app.use('/accounts/:id/reconcile/rows', keepBodyRefusal(largeFormForSignedIn(RECONCILE_BODY_LIMIT_BYTES)));

  const csrf = csrfSync({
    // Multipart bodies are not parsed yet at this point; each upload route parses the body and then checks
    // the token itself with csrf.isRequestValid (the attack tests prove every POST route rejects a bad token).
    // Only the listed upload paths are skipped: a multipart body sent anywhere else has no readable token and
    // gets 403, or a cross-site form with enctype=multipart/form-data could log users out or delete rows.
    skipCsrfProtection: (req) =>
      req.is('multipart/form-data') === 'multipart/form-data' && MULTIPART_UPLOAD_PATHS.has(req.path),
    getTokenFromRequest: (req) => {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof token === 'string' ? token : undefined;
    },
  });
  app.use(
    createLocalsMiddleware({
      languages,
      defaultLanguage: config.defaultLanguage,
      generateCsrfToken: (req) => csrf.generateToken(req),
      clock,
      defaultTimeZone: config.timeZone,
      flash: createFlashCookies({ secret: deps.sessionSecret, secure: config.isProduction, clock }),
    }),
  );
  // Before the CSRF check: a refused body holds no token to check.
  app.use(raiseBodyRefusal);
  app.use(csrf.csrfSynchronisedProtection);

  const dashboard = createDashboardPage(reports);
  app.use(createLanguageRouter());
  app.use(createAuthRouter({ users: people, twoFactor, passkeysEnabled: passkeys !== undefined, authenticator, limiters, audit, clock, sessionCookieName: cookieName }));
  const sealer = createSessionSealer(deps.sessionSecret);
  app.use(createAccountRouter({ users: people, twoFactor, security, passkeys, audit, limiters, clock, sealer }));
  app.use(createPasskeysRouter({ passkeys, users: people, twoFactor, limiters, audit, clock }));
  app.use(createTwoFactorRouter({ twoFactor, audit, clock, sealer, limiters }));
  app.use(createApiTokensRouter({ tokens: apiTokens, audit, clock, sealer, limiters }));
  app.use(createDataExportRouter({ exports: createDataExportService({ snapshot: dataExportSnapshot(db), clock, currency: config.currency }) }));
  app.use(createDashboardRouter({ dashboard }));
  // Before the transactions router, so /transactions/export.csv is never read as a transaction id.
  app.use(createExportRouter({ transactions }));
  app.use(createTransactionsRouter({ transactions, dashboard }));
  app.use(createCategoriesRouter({ categories }));
  app.use(createRulesRouter({ rules }));
  app.use(createAccountsRouter({ accounts: moneyAccounts }));
  app.use(createTransfersRouter({ transfers }));
  app.use(createReconcileRouter({ reconciliations }));
  app.use(createBudgetsRouter({ budgets }));
  app.use(createScheduledRouter({ schedules }));
  app.use(createReportsRouter({ reports }));
  app.use(createImportRouter({ imports, csrf }));

  app.use(notFound);
  app.use(createErrorHandler({ logger, showStack: config.env === 'development', secureCookies: config.isProduction }));
  return app;
}
