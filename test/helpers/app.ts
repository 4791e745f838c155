import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';

export const TEST_PASSWORD = 'correct horse battery';
export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestContext {
  app: Express;
  db: Db;
  config: Config;
  dir: string;
  dbPath: string;
  /** Closes this app's database and builds a fresh app on the same file, as a restart would. */
  rebuild(): Express;
  cleanup(): void;
}

/** A fresh app on a fresh SQLite file in a temp folder; bcrypt cost 4 so tests stay quick. */
export function createTestContext(env: Record<string, string> = {}): TestContext {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-test-'));
  const dbPath = path.join(dir, 'test.sqlite');
  const config = loadConfig({ NODE_ENV: 'test', BCRYPT_COST: '4', DATABASE_PATH: dbPath, ...env });
  let db = openDatabase(dbPath);
  migrate(db);
  const ctx: TestContext = {
    app: createApp({ db, config, sessionSecret: TEST_SECRET }),
    db,
    config,
    dir,
    dbPath,
    rebuild() {
      db.close();
      db = openDatabase(dbPath);
      migrate(db);
      ctx.db = db;
      ctx.app = createApp({ db, config, sessionSecret: TEST_SECRET });
      return ctx.app;
    },
    cleanup() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return ctx;
}

/** Reads the CSRF token out of the first form on a page, as a browser would submit it. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('page has no CSRF field');
  return match[1];
}

export type Agent = ReturnType<typeof request.agent>;

/** GETs a page and returns its CSRF token. */
export async function tokenFor(agent: Agent, url: string): Promise<string> {
  const res = await agent.get(url);
  return csrfFrom(res.text);
}

/** Registers a new account through the real form and leaves the agent signed in. */
export async function registerUser(app: Express, email: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
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
