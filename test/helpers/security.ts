import type { Express } from 'express';
import { createLogger } from '../../src/logger.ts';
import type { AuthRateLimits } from '../../src/web/middleware/rate-limit.ts';
import { createTestContext, tokenFor, type Agent, type TestContext, agentFor } from './app.ts';
import type { ManualClock } from './clock.ts';

/** Limits no test of the attack suites reaches: they post to /login and /register many times on purpose. */
export const GENEROUS_RATE_LIMITS: Partial<AuthRateLimits> = Object.freeze({
  loginPerIpAndEmail: { limit: 1_000_000, windowMs: 60_000 },
  loginPerIp: { limit: 1_000_000, windowMs: 60_000 },
  loginPerAccount: { limit: 1_000_000, windowMs: 60_000 },
  registerPerIp: { limit: 1_000_000, windowMs: 60_000 },
  accountPasswordPerUser: { limit: 1_000_000, windowMs: 60_000 },
});

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface SecurityContext extends TestContext {
  /** Every line the app logged, parsed. */
  readonly logs: LogLine[];
  /** The raw text of every line the app logged, for searching for secrets. */
  readonly rawLog: string[];
  /** Stops the app and builds a new one on the same file with the same clock and log, as a restart would. */
  restart(): Promise<Express>;
}

/** A test app on a temp database with a manual clock and a captured info-level log. */
export function createSecurityContext(
  options: { env?: Record<string, string>; rateLimits?: Partial<AuthRateLimits>; clock?: ManualClock } = {},
): SecurityContext {
  const logs: LogLine[] = [];
  const rawLog: string[] = [];
  const logger = createLogger('info', {
    write(line: string) {
      rawLog.push(line);
      logs.push(JSON.parse(line) as LogLine);
    },
  });
  // PUBLIC_URL on, so the passkey routes are live for the attack suites (without it they are all 404).
  const base = createTestContext({ PUBLIC_URL: 'http://localhost:3000', ...options.env }, { logger, rateLimits: options.rateLimits, clock: options.clock });
  return Object.assign(base, { logs, rawLog, restart: () => base.rebuild() });
}

/** Audit lines only (the app tags them audit: true). */
export function auditEvents(ctx: SecurityContext, event?: string): LogLine[] {
  return ctx.logs.filter((l) => l.audit === true && (event === undefined || l.event === event));
}

/** Count of rows in a table (the table name comes from the test, never from input). */
export function countRows(ctx: TestContext, table: string): number {
  return (ctx.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Signs in through the real login form on a fresh agent; fails the test if the login does not succeed. */
export async function logInAgent(app: Express, email: string, password: string): Promise<Agent> {
  const agent = agentFor(app);
  const token = await tokenFor(agent, '/login');
  const res = await agent.post('/login').type('form').send({ _csrf: token, email, password });
  if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
  return agent;
}

/** Session ids stored for a user. */
export function sessionIdsOf(ctx: TestContext, userId: number): string[] {
  return (ctx.db.prepare('SELECT sid FROM sessions WHERE user_id = ? ORDER BY sid').all(userId) as { sid: string }[]).map((r) => r.sid);
}

/** The id of the user with this email. */
export function userIdOf(ctx: TestContext, email: string): number {
  const row = ctx.db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: number } | undefined;
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}
