import express, { type Express } from 'express';
import helmet from 'helmet';
import passport from 'passport';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { csrfSync } from 'csrf-sync';
import type { Config } from './config.ts';
import type { Db } from './db/open.ts';
import { createTransactionsRepo } from './db/repos/transactions.ts';
import { createCategoriesRepo } from './db/repos/categories.ts';
import { createUsersRepo } from './db/repos/users.ts';
import { SqliteSessionStore } from './db/session-store.ts';
import { createAuditLog, createLogger, type Logger } from './logger.ts';
import { createAccountService } from './services/accounts.ts';
import { createMoneyFormatter } from './services/money.ts';
import { createPasswordHasher } from './services/passwords.ts';
import { commonPasswords } from './services/common-passwords.ts';
import { createErrorHandler, notFound } from './web/middleware/errors.ts';
import { createLocalsMiddleware } from './web/middleware/locals.ts';
import { createAuthRateLimiters, type AuthRateLimits } from './web/middleware/rate-limit.ts';
import { createSessionMiddleware, enforceAbsoluteLifetime, sessionCookieName } from './web/middleware/session.ts';
import { createAccountRouter } from './web/routes/account.routes.ts';
import { configurePassport, createAuthRouter } from './web/routes/auth.routes.ts';
import { createDashboardRouter } from './web/routes/dashboard.routes.ts';
import { createTransactionsRouter } from './web/routes/transactions.routes.ts';
import { createCategoriesRouter } from './web/routes/categories.routes.ts';
import { createExportRouter } from './web/routes/export.routes.ts';
import { createImportRouter } from './web/routes/import.routes.ts';
import { createImportsRepo } from './db/repos/imports.ts';

/**
 * The folder holding views/ and public/: found by walking up from this module, so the same code works when run
 * from src/ by tsx and when bundled for production into node_modules/.cache.
 */
export function findAppRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'views')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the app folder (with views/) above ${start}`);
  }
}

const ROOT = findAppRoot(import.meta.dirname);

/** POST paths that take multipart uploads and check the CSRF token themselves after parsing the body. */
export const MULTIPART_UPLOAD_PATHS: ReadonlySet<string> = new Set(['/import']);

/** Largest urlencoded form body accepted; anything bigger is answered with 413 before it is parsed. */
export const FORM_BODY_LIMIT = '16kb';

export interface AppDeps {
  readonly db: Db;
  readonly config: Config;
  /** Required: the secret that signs session cookies (server.ts resolves it). */
  readonly sessionSecret: string;
  readonly logger?: Logger;
  readonly sessionStore?: SqliteSessionStore;
  /** Clock for session lifetimes and rate-limit windows; tests move it forward instead of waiting. */
  readonly now?: () => number;
  /** Overrides of the login/registration limits (tests use small ones). */
  readonly rateLimits?: Partial<AuthRateLimits>;
}

/** Builds the Express app on an open, migrated database. No listening, no process.env: tests call this directly. */
export function createApp(deps: AppDeps): Express {
  const { db, config } = deps;
  const logger = deps.logger ?? createLogger('silent');
  const app = express();

  const users = createUsersRepo(db);
  const transactions = createTransactionsRepo(db);
  const categories = createCategoriesRepo(db);
  const hasher = createPasswordHasher(config.bcryptCost);
  const accounts = createAccountService(users, hasher);
  const money = createMoneyFormatter(config.locale, config.currency);
  const now = deps.now ?? Date.now;
  const store = deps.sessionStore ?? new SqliteSessionStore(db, now);
  const audit = createAuditLog(logger);
  const limiters = createAuthRateLimiters({
    db,
    audit,
    userIdForEmail: (email) => accounts.findUserIdByEmail(email),
    limits: deps.rateLimits,
    now,
  });
  commonPasswords(); // built once here, not on the first registration
  const authenticator = new passport.Authenticator();
  configurePassport(authenticator, accounts, users);

  app.set('trust proxy', config.trustProxy);
  app.set('views', path.join(ROOT, 'views'));
  app.set('view engine', 'ejs');
  app.set('view cache', config.isProduction);
  app.set('x-powered-by', false);
  app.locals.appName = 'Ledgerly';
  app.locals.currentUser = undefined;
  app.locals.flash = undefined;
  app.locals.csrfToken = undefined;
  app.locals.currentPath = '';
  app.locals.money = money;

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
      strictTransportSecurity: config.isProduction,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );

  // Mounted only where files live, so page requests never pay for a filesystem stat.
  const staticOptions = { index: false, maxAge: config.isProduction ? '1d' : 0 };
  app.use('/css', express.static(path.join(ROOT, 'public', 'css'), staticOptions));
  app.use('/js', express.static(path.join(ROOT, 'public', 'js'), staticOptions));
  app.use('/img', express.static(path.join(ROOT, 'public', 'img'), staticOptions));

  /* GET /healthz: liveness for load balancers; touches neither session nor database. Anyone. */
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });

  // A bulk form carries one field per checked row (up to two pages of 50), so it gets a higher field count.
  app.use('/transactions/bulk', express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 120 }));
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 50 }));
  app.use(createSessionMiddleware(config, store, deps.sessionSecret));
  app.use(enforceAbsoluteLifetime(config, now));
  app.use(authenticator.session());

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
  app.use((_req, res, next) => {
    res.locals.sessionCookieName = sessionCookieName(config);
    next();
  });
  app.use(createLocalsMiddleware({ money, generateCsrfToken: (req) => csrf.generateToken(req) }));
  app.use(csrf.csrfSynchronisedProtection);

  app.use(createAuthRouter({ accounts, authenticator, limiters, audit, now }));
  const uploadDir = path.join(config.dataDir, 'imports');
  app.use(
    createAccountRouter({
      accounts,
      sessionStore: store,
      audit,
      limiters,
      now,
      removeUserFiles: (userId) => rm(path.join(uploadDir, String(userId)), { recursive: true, force: true }),
    }),
  );
  app.use(createDashboardRouter({ transactions, categories }));
  // Before the transactions router, so /transactions/export.csv is never read as a transaction id.
  app.use(createExportRouter({ transactions }));
  app.use(createTransactionsRouter({ transactions, categories }));
  app.use(createCategoriesRouter({ categories }));
  app.use(createImportRouter({ imports: createImportsRepo(db), csrf, uploadDir, logger }));

  app.use(notFound);
  app.use(createErrorHandler({ logger, showStack: config.env === 'development' }));
  return app;
}
