import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createJobsRepo } from '../../src/db/repos/jobs.ts';
import { dayAt } from '../../src/domain/calendar.ts';
import { createJobRunner, type JobRunner } from '../../src/jobs/runner.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import type { AuthRateLimits } from '../../src/web/middleware/rate-limit.ts';
import { manualClock, type ManualClock } from './clock.ts';
import { REPO_ROOT } from './paths.ts';
import { takeViolations, watchApiAnswer } from './api-contract.ts';

export const TEST_PASSWORD = 'correct horse battery';
export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestContext {
  app: Express;
  db: Db;
  config: Config;
  /** The app's only source of "now": tests move it instead of waiting. */
  clock: ManualClock;
  /** The app's job runner, started as server.ts starts it. */
  jobs: JobRunner;
  dir: string;
  dbPath: string;
  /** Today in the app's time zone, by its clock. */
  today(): string;
  /** Stops this app's jobs, closes its database and builds a fresh app on the same file, as a restart would. */
  rebuild(): Promise<Express>;
  cleanup(): Promise<void>;
}

export interface TestContextOptions {
  readonly clock?: ManualClock;
  readonly logger?: Logger;
  readonly rateLimits?: Partial<AuthRateLimits>;
}

let template: string | undefined;

/**
 * A database file migrated to the latest schema, made once per test process and copied for each test: a copy is
 * a fresh file like any other (the app migrates it, finding nothing to do), at an eighth of the cost of migrating.
 */
function migratedTemplate(): string {
  if (!template) {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-template-'));
    const file = path.join(dir, 'template.sqlite');
    const db = openDatabase(file);
    migrate(db);
    db.close(); // folds the WAL into the file, so the file alone is the whole database
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    template = file;
  }
  return template;
}

/** Makes `file` a fresh database at the latest schema: a copy of the template, opened and migrated like any other. */
export function copyMigratedDatabase(file: string): void {
  copyFileSync(migratedTemplate(), file);
}

/**
 * A fresh app on a fresh SQLite file in a temp folder, with a manual clock (see clock.ts), days in UTC
 * unless TIME_ZONE says otherwise, and bcrypt cost 4 so tests stay quick.
 */
export function createTestContext(env: Record<string, string> = {}, options: TestContextOptions = {}): TestContext {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-test-'));
  const dbPath = path.join(dir, 'test.sqlite');
  let config: Config;
  try {
    config = loadConfig({ NODE_ENV: 'test', BCRYPT_COST: '4', TIME_ZONE: 'UTC', REGISTRATION: 'open', DATABASE_PATH: dbPath, ...env });
  } catch (err) {
    // A test of a refused setting gets its error, and no folder is left behind.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const clock = options.clock ?? manualClock();
  const logger = options.logger ?? createLogger('silent');

  copyFileSync(migratedTemplate(), dbPath);
  const build = () => {
    const db = openDatabase(dbPath);
    migrate(db);
    const jobs = createJobRunner({ jobs: createJobsRepo(db), clock, logger });
    const app = createApp({ db, config, clock, jobs, sessionSecret: TEST_SECRET, appRoot: REPO_ROOT, logger, rateLimits: options.rateLimits });
    jobs.start();
    return { db, jobs, app };
  };
  const stop = async () => {
    await stopServing(ctx.app);
    await ctx.jobs.stop(0);
    if (ctx.db.open) ctx.db.close();
  };

  const ctx: TestContext = {
    ...build(),
    config,
    clock,
    dir,
    dbPath,
    today: () => dayAt(clock.now(), config.timeZone),
    async rebuild() {
      await stop();
      Object.assign(ctx, build());
      return ctx.app;
    },
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return ctx;
}

/** An app on a database a test opened itself (its job runner is not started), with a manual clock. */
export function appOn(db: Db, env: Record<string, string>): Express {
  return appAndJobsOn(db, env).app;
}

/** appOn's app with its job runner, for a test that starts the runner (and stops it) itself. */
export function appAndJobsOn(db: Db, env: Record<string, string>): { app: Express; jobs: JobRunner } {
  const config = loadConfig({ NODE_ENV: 'test', BCRYPT_COST: '4', TIME_ZONE: 'UTC', REGISTRATION: 'open', ...env });
  const clock = manualClock();
  const logger = createLogger('silent');
  const jobs = createJobRunner({ jobs: createJobsRepo(db), clock, logger });
  return { app: createApp({ db, config, clock, jobs, sessionSecret: TEST_SECRET, appRoot: REPO_ROOT, logger }), jobs };
}

/** Reads the CSRF token out of the first form on a page, as a browser would submit it. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('page has no CSRF field');
  return match[1];
}

export type Agent = ReturnType<typeof request.agent>;

const listening = new WeakMap<Express, { server: Server; violations: string[] }>();

/** 127.0.0.0/8 and ::1, also as an IPv4 address mapped into IPv6 (how a dual-stack socket sees 127.0.0.1). */
function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(?:::ffff:)?127\./.test(address));
}

/**
 * The app served on a loopback port, once per app: supertest given an Express app starts and stops a server for
 * every request, which costs about a sixth of each request's CPU; given a listening server, it reuses it. Every
 * answer under /api/v1 is checked against the OpenAPI document on the way out (api-contract.ts).
 */
function serverFor(app: Express): Server {
  let served = listening.get(app);
  if (!served) {
    const violations: string[] = [];
    const server = createServer((req, res) => {
      watchApiAnswer(req, res, violations);
      app(req, res);
    });
    // Bound at once: with a host, listen() looks the address up first and binds a tick later, and supertest, finding
    // the server not listening at a test's first request (made in the same tick), started it itself and closed it
    // after that request, and so again for every later one: a bind and a close per request, a tenth of a fuzzing
    // run's CPU. Without a host the bind is immediate but on every interface, so whatever does not come from this
    // machine is cut off as it connects.
    server.on('connection', (socket) => {
      if (!isLoopback(socket.remoteAddress)) socket.destroy();
    });
    server.listen(0);
    // A test that forgets stopServing must not keep its process alive (supertest's closing used to hide that).
    server.unref();
    served = { server, violations };
    listening.set(app, served);
  }
  return served.server;
}

/**
 * Stops serving an app that serverFor started (a test context does this when it ends or is rebuilt), and fails if
 * any of its API answers broke the OpenAPI document.
 */
export async function stopServing(app: Express): Promise<void> {
  const served = listening.get(app);
  listening.delete(app);
  if (!served) return;
  served.server.closeAllConnections();
  await new Promise<void>((resolve) => served.server.close(() => resolve()));
  const broken = takeViolations(served.violations);
  if (broken.length > 0) throw new Error(`API answers that break the OpenAPI document:\n${broken.join('\n')}`);
}

/** The origin the app is served on (its answers watched like every other test's), for clients such as fetch. */
export async function baseUrlOf(app: Express): Promise<string> {
  const server = serverFor(app);
  // serverFor binds at once, so the server is listening and supertest never started (or closed) it itself.
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A cookie-keeping client of the app, as a browser is. */
export function agentFor(app: Express): Agent {
  return request.agent(serverFor(app));
}

/** One request to the app, without cookies kept. */
export function requestTo(app: Express) {
  return request(serverFor(app));
}

/** GETs a page and returns its CSRF token. */
export async function tokenFor(agent: Agent, url: string): Promise<string> {
  const res = await agent.get(url);
  return csrfFrom(res.text);
}

/** Posts a form as a browser would after opening `page`: with that page's CSRF token. */
export async function postForm(agent: Agent, page: string, action: string, fields: Record<string, string | string[]>) {
  const token = await tokenFor(agent, page);
  return agent.post(action).type('form').send({ _csrf: token, ...fields });
}

/** Registers a new account through the real form and leaves the agent signed in. */
export async function registerUser(app: Express, email: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = agentFor(app);
  const token = await tokenFor(agent, '/register');
  const res = await agent
    .post('/register')
    .type('form')
    .send({ _csrf: token, email, password, confirmPassword: password });
  if (res.status !== 303) throw new Error(`registration failed with ${res.status}: ${res.text.slice(0, 500)}`);
  return agent;
}

/** Adds a transaction through the real form; returns the response. */
export async function addTransaction(
  agent: Agent,
  fields: { type?: string; amount: string; date?: string; description?: string },
) {
  const token = await tokenFor(agent, '/transactions/new');
  return agent
    .post('/transactions')
    .type('form')
    .send({ _csrf: token, type: fields.type ?? 'expense', amount: fields.amount, date: fields.date ?? '', description: fields.description ?? '' });
}

/** Reads the Income / Expenses / Balance values from the dashboard's <dl>. */
export function totalsFrom(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<dt>([^<]+)<\/dt>\s*<dd[^>]*>([^<]+)<\/dd>/g)) out[m[1]!.trim()] = m[2]!.trim();
  return out;
}
