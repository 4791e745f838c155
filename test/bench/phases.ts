/**
 * `node --import tsx test/bench/phases.ts [--rows 1000000] [--requests 400] [--database FILE] [--pages /dashboard,/transactions]`: where each
 * millisecond of a page goes, phase by phase, for the dashboard and the list page at 1k and at `--rows` rows.
 *
 * The real app (production settings, view cache on) is built on a seeded database and asked for each page
 * `--requests` times, one request at a time after a warm-up, over real HTTP. Every middleware layer is timed from
 * its entry to its call of next() (the route's layer until the response is finished), every SQL statement by its
 * run/get/all/iterate, and every EJS render. Layer times include the queries they make (express-session's
 * read of the session row, Passport's read of the user); the route's own time is split into its queries, its
 * rendering and the rest (the service's JavaScript). Means per request, in ms.
 *
 * `--allocations` also samples what the measured requests allocate (V8's sampling heap profiler, counting objects
 * that young and old collections have already freed): bytes a request, and the functions that allocate most. Every
 * byte allocated is work for the garbage collector, about a fifth of the server's time under load.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import type { Statement } from 'better-sqlite3';
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createJobsRepo } from '../../src/db/repos/jobs.ts';
import { dayAt } from '../../src/domain/calendar.ts';
import { createJobRunner } from '../../src/jobs/runner.ts';
import { createLogger } from '../../src/logger.ts';
import { createRandomSource, seedTransactionsForUser, seedUsers } from '../../src/tools/seed.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '400' },
    database: { type: 'string', default: '/tmp/ledgerly-phases.sqlite' },
    pages: { type: 'string', default: '/dashboard,/transactions' },
    allocations: { type: 'boolean', default: false },
  },
});
const PASSWORD = 'phases password 1';
const SMALL = 'phases-1k@example.com';
const LARGE = 'phases-large@example.com';

/** Time accumulated per name, and how many times. */
class Tally {
  readonly ms = new Map<string, number>();
  add(name: string, ms: number): void {
    this.ms.set(name, (this.ms.get(name) ?? 0) + ms);
  }
  reset(): void {
    this.ms.clear();
  }
}
const layers = new Tally();
const queries = new Tally();
let renderMs = 0;
let routeMs = 0;

/** The database with every statement's executions timed into `queries`, by a short form of its SQL. */
function timedDb(db: Db): Db {
  const label = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 90);
  const wrap = (stmt: Statement): Statement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const fn = value as (...a: unknown[]) => unknown;
        if (prop === 'run' || prop === 'get' || prop === 'all') {
          return (...a: unknown[]) => {
            const t0 = performance.now();
            try {
              return fn.apply(target, a);
            } finally {
              queries.add(label(target.source), performance.now() - t0);
            }
          };
        }
        if (prop === 'iterate') {
          return (...a: unknown[]) => {
            const it = fn.apply(target, a) as IterableIterator<unknown>;
            return {
              [Symbol.iterator]() {
                return this;
              },
              next() {
                const t0 = performance.now();
                try {
                  return it.next();
                } finally {
                  queries.add(label(target.source), performance.now() - t0);
                }
              },
              return(v?: unknown) {
                return it.return ? it.return(v) : { done: true, value: v };
              },
            };
          };
        }
        return (...a: unknown[]) => {
          const out = fn.apply(target, a);
          return out === target ? wrap(target) : out;
        };
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Times every layer of the app's router: a middleware until it calls next(), the one that answers until it has. */
function timeLayers(app: Express): void {
  const router = (app as unknown as { router: { stack: { name: string; handle: (...a: unknown[]) => unknown; matchers?: unknown; regexp?: RegExp }[] } }).router;
  router.stack.forEach((layer, i) => {
    const original = layer.handle;
    const name = `${String(i).padStart(2, '0')} ${layer.name}`;
    if (original.length === 4) return; // error handlers
    layer.handle = function (this: unknown, ...a: unknown[]) {
      const [req, res, next] = a as [unknown, { once(e: string, f: () => void): void }, (err?: unknown) => void];
      const t0 = performance.now();
      let done = false;
      const stop = (answered: boolean) => {
        if (done) return;
        done = true;
        const ms = performance.now() - t0;
        layers.add(answered ? `${name} (answered)` : name, ms);
        if (answered) routeMs += ms;
      };
      res.once('finish', () => stop(true));
      return original.call(this, req, res, (err?: unknown) => {
        stop(false);
        next(err);
      });
    };
  });
}

/** A sampling heap profile's bytes per request, and the 25 functions that allocated most (self, not callees). */
function allocationsOf(profile: import('node:inspector').HeapProfiler.SamplingHeapProfile, requests: number): { perRequest: number; top: [string, number][] } {
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: import('node:inspector').HeapProfiler.SamplingHeapProfileNode): void => {
    const bytes = node.selfSize;
    if (bytes > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(REPO_ROOT, '')}:${lineNumber + 1}`;
      byFunction.set(where, (byFunction.get(where) ?? 0) + bytes);
      total += bytes;
    }
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([where, bytes]) => [where, bytes / requests] as [string, number]);
  return { perRequest: total / requests, top };
}

async function main(): Promise<void> {
  const rows = Number(args.rows);
  const requests = Number(args.requests);
  const file = path.resolve(args.database!);
  const fresh = !existsSync(file);
  const raw = openDatabase(file);
  migrate(raw);
  const hash = await bcrypt.hash(PASSWORD, 12);
  const [small, large] = seedUsers(raw, [SMALL, LARGE], hash);
  if (fresh) {
    const today = dayAt(Date.now(), 'UTC');
    seedTransactionsForUser(raw, large!, { count: rows, endOn: today, years: 10, random: createRandomSource(3) });
    seedTransactionsForUser(raw, small!, { count: 1_000, endOn: today, years: 10, random: createRandomSource(4) });
  }
  const db = timedDb(raw);
  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'p'.repeat(40), DATABASE_PATH: file, TIME_ZONE: 'UTC', TRUST_PROXY: 'loopback', LOG_LEVEL: 'silent' });
  const clock = systemClock;
  const app = createApp({ db, config, clock, jobs: createJobRunner({ jobs: createJobsRepo(db), clock, logger: createLogger('silent') }), sessionSecret: 'p'.repeat(40), appRoot: REPO_ROOT });
  // The EJS engine, timed: every page is one renderFile (its includes inside).
  const engine = (app as unknown as { engines: Record<string, (f: string, d: object, cb: (e: Error | null, html?: string) => void) => void> }).engines['.ejs']!;
  (app as unknown as { engines: Record<string, unknown> }).engines['.ejs'] = (f: string, d: object, cb: (e: Error | null, html?: string) => void) => {
    const t0 = performance.now();
    engine(f, d, (e, html) => {
      renderMs += performance.now() - t0;
      cb(e, html);
    });
  };
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  timeLayers(app);

  // A browser behind a TLS proxy on the same host: the production cookie is __Host- and Secure.
  const headers = { 'x-forwarded-proto': 'https' };
  async function logIn(email: string): Promise<string> {
    const page = await fetch(`${base}/login`, { headers });
    const cookie = (page.headers.getSetCookie()[0] ?? '').split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, email, password: PASSWORD }),
    });
    if (res.status !== 303) throw new Error(`login answered ${res.status}`);
    // The session is regenerated at sign-in: its new cookie is the one to send.
    const name = cookie.slice(0, cookie.indexOf('='));
    return (res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? cookie).split(';')[0]!;
  }

  const inspector = args.allocations ? new Session() : undefined;
  inspector?.connect();
  const results: {
    page: string;
    user: string;
    cpuMs: number;
    layers: [string, number][];
    queries: [string, number][];
    renderMs: number;
    routeMs: number;
    allocations?: { perRequest: number; top: [string, number][] };
  }[] = [];
  for (const [user, email] of [['1k', SMALL], [`${rows / 1000}k`, LARGE]] as const) {
    const cookie = await logIn(email);
    for (const page of args.pages!.split(',')) {
      const get = async () => {
        const res = await fetch(`${base}${page}`, { headers: { ...headers, cookie }, redirect: 'manual' });
        if (res.status !== 200) throw new Error(`${page} answered ${res.status}`);
        await res.text();
      };
      for (let i = 0; i < 50; i++) await get();
      layers.reset();
      queries.reset();
      renderMs = 0;
      routeMs = 0;
      await inspector?.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      const cpu = process.cpuUsage();
      for (let i = 0; i < requests; i++) await get();
      const used = process.cpuUsage(cpu);
      const sampled = inspector && (await inspector.post('HeapProfiler.stopSampling')).profile;
      const per = (ms: number) => ms / requests;
      results.push({
        page,
        user,
        cpuMs: per((used.user + used.system) / 1000),
        layers: [...layers.ms].map(([k, v]) => [k, per(v)] as [string, number]).filter(([, v]) => v >= 0.005),
        queries: [...queries.ms].map(([k, v]) => [k, per(v)] as [string, number]).sort((a, b) => b[1] - a[1]),
        renderMs: per(renderMs),
        routeMs: per(routeMs),
        ...(sampled && { allocations: allocationsOf(sampled, requests) }),
      });
    }
  }
  server.close();
  for (const r of results) {
    console.log(`\n### ${r.page}, ${r.user} user: ${r.cpuMs.toFixed(2)} ms of process CPU per request (client included)\n`);
    console.log('| phase | ms/request |\n|---|---:|');
    for (const [name, ms] of r.layers) console.log(`| ${name} | ${ms.toFixed(3)} |`);
    const queryMs = r.queries.reduce((s, [, v]) => s + v, 0);
    console.log(`| of which, all SQL | ${queryMs.toFixed(3)} |`);
    for (const [sql, ms] of r.queries.slice(0, 12)) console.log(`| SQL: \`${sql.replaceAll('|', '\\|')}\` | ${ms.toFixed(3)} |`);
    console.log(`| EJS render | ${r.renderMs.toFixed(3)} |`);
    if (r.allocations) {
      console.log(`\n${(r.allocations.perRequest / 1024).toFixed(0)} KB allocated a request (server and client), by the function that allocated:\n`);
      console.log('| KB/request | function |\n|---:|---|');
      for (const [where, bytes] of r.allocations.top) console.log(`| ${(bytes / 1024).toFixed(1)} | ${where.replaceAll('|', '\\|')} |`);
    }
  }
}

await main();
