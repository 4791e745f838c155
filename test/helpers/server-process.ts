import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { TEST_PASSWORD, TEST_SECRET } from './app.ts';
import { REPO_ROOT } from './paths.ts';

export { REPO_ROOT };

/** How a spawned process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A real server process, as an operator would run it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Base URL from the server's own "listening" log line, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** Parsed JSON log lines written to stdout so far. */
  readonly logs: Array<Record<string, unknown>>;
  stderr(): string;
  readonly exited: Promise<ProcessExit>;
  /** Sends SIGKILL and resolves once the process is gone. */
  kill(): Promise<ProcessExit>;
}

/**
 * Environment for a spawned server: only what it needs, so a developer's own .env or shell cannot change a test.
 * dotenv never overrides variables that are set, so every value given here wins over a local .env file.
 */
export function serverEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    BCRYPT_COST: '4',
    // Most suites sign up several people; the registration modes have their own tests.
    REGISTRATION: 'open',
    SESSION_SECRET: TEST_SECRET,
    LOG_LEVEL: 'info',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A temp folder for one test's database files; remove() deletes it. */
/** The import scratch files (src/db/repos/import-rows.ts) process `pid` keeps beside the database `dbPath`. */
export function scratchFilesOf(dbPath: string, pid: number): string[] {
  const prefix = `${path.basename(dbPath)}-import-${pid}-`;
  return readdirSync(path.dirname(dbPath))
    .filter((name) => name.startsWith(prefix))
    .map((name) => path.join(path.dirname(dbPath), name));
}

/**
 * The servers started on each data folder and still running, each as a way to kill it (the whole group of a clustered
 * one). A test registers its folder's removal before it starts a server, and after hooks run in the order registered,
 * so the removal would come first: it ends them, else a server still starting (a cluster's workers open their scratch
 * files then) writes into the folder while it is removed, and the kill registered after never runs.
 */
const runningServers = new Map<string, Set<() => void>>();

export function tempDataDir(prefix = 'ledgerly-proc-'): { dir: string; dbPath: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    dbPath: path.join(dir, 'ledgerly.sqlite'),
    remove: () => {
      for (const kill of runningServers.get(dir) ?? []) kill();
      // A killed process's last writes can land while the folder goes: rmSync tries again on ENOTEMPTY.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    },
  };
}

let bundles: string | undefined;

/** The entry points a test may run as a process: the server and the command-line tools. */
const ENTRY_POINTS = ['src/server.ts', 'src/tools/backup.ts', 'src/tools/restore.ts', 'src/tools/seed-demo.ts', 'src/tools/admin.ts'];

/**
 * The server and the tools bundled as `npm run build` bundles the server (same esbuild options), once per test
 * process, beside the real bundle so the server finds views/ the same way: each starts on plain Node in half the
 * time tsx takes. Returns the bundle of one entry point (a path like 'src/tools/backup.ts').
 */
export function bundled(entry: string): string {
  if (!ENTRY_POINTS.includes(entry)) throw new Error(`${entry} is not one of the bundled entry points`);
  if (!bundles) {
    const outdir = path.join(REPO_ROOT, 'node_modules', '.cache', 'ledgerly', `test-bin-${process.pid}`);
    buildSync({
      entryPoints: ENTRY_POINTS.map((e) => path.join(REPO_ROOT, e)),
      outdir,
      outbase: path.join(REPO_ROOT, 'src'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      target: 'node20',
      logLevel: 'warning',
    });
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    bundles = outdir;
  }
  return path.join(bundles, entry.replace(/^src\//, '').replace(/\.ts$/, '.mjs'));
}

/**
 * The Node flags `npm start` gives the server (e.g. --max-semi-space-size=2), read from package.json so a spawned
 * server's memory is the memory people get.
 */
export const START_NODE_FLAGS: readonly string[] = (() => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start does not run node: ${pkg.scripts.start}`);
  return words.slice(1).filter((word) => word.startsWith('--'));
})();

/** Spawns the server from its bundle with plain Node, from the repo root, as `npm start` runs it. */
export function spawnServer(env: NodeJS.ProcessEnv): ChildProcess {
  // A clustered server is its own process group, so that a kill reaches the primary and every worker at once.
  return spawn(process.execPath, [...START_NODE_FLAGS, bundled('src/server.ts')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: clustered(env) });
}

/** Whether the environment runs the server as a primary with workers. */
function clustered(env: NodeJS.ProcessEnv): boolean {
  return env.WEB_CONCURRENCY !== undefined && env.WEB_CONCURRENCY !== '1';
}

/** Runs an entry point ('src/server.ts' or a tool) from its bundle to completion and returns its exit and output. */
export async function runToExit(
  entry: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
  timeoutMs = 30_000,
): Promise<ProcessExit & { stdout: string; stderr: string }> {
  const flags = entry === 'src/server.ts' ? START_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, bundled(entry), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await new Promise<ProcessExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  clearTimeout(timer);
  return { ...exit, stdout, stderr };
}

/** Starts the server and resolves when it logs "listening"; rejects with its stderr if it exits first. */
export function startServer(
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  spawnChild: () => ChildProcess = () => spawnServer(env),
): Promise<ServerProcess> {
  const child = spawnChild();
  const hardKill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The whole group of a clustered server: the primary and its workers die together, as in a crash.
    if (clustered(env) && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  };
  const folder = env.DATABASE_PATH ? path.dirname(env.DATABASE_PATH) : undefined;
  if (folder !== undefined) {
    const running = runningServers.get(folder) ?? new Set();
    runningServers.set(folder, running.add(hardKill));
    child.on('close', () => running.delete(hardKill));
  }
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let partial = '';
  const exited = new Promise<ProcessExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not log "listening" within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { msg: line };
        }
        logs.push(entry);
        if (entry.msg === 'listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          const url = entry.url;
          resolve({
            child,
            url,
            port: Number(new URL(url).port),
            logs,
            stderr: () => stderr,
            exited,
            kill: () => {
              hardKill();
              return exited;
            },
          });
        }
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${exit.code ?? exit.signal}) before listening; stderr: ${stderr}`));
    });
  });
}

/** True when fetch failed because the connection was reset or closed before any of the answer arrived. */
function wasResetBeforeAnswer(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}

/** Reads the CSRF token from a page's form. */
export function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('page has no CSRF field');
  return match[1];
}

/** The answer to one request: status, where a redirect points, and the body. */
export interface HttpAnswer {
  readonly status: number;
  readonly location: string | null;
  readonly text: string;
}

/**
 * A browser-like client of a real server: keeps cookies, does not follow redirects (a 303 is the acknowledgement
 * the tests count), and can be pointed at a new base URL when the server restarts on another port.
 */
export class HttpClient {
  readonly #cookies = new Map<string, string>();

  constructor(public baseUrl: string) {}

  /** The Cookie header this client sends, for tests that write raw HTTP. */
  cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** GET a path and return the answer. */
  async get(pathname: string): Promise<HttpAnswer> {
    return this.#send(pathname, { method: 'GET' });
  }

  /** POST a urlencoded form. */
  async postForm(pathname: string, fields: Record<string, string>): Promise<HttpAnswer> {
    return this.#send(pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** POST a multipart form with one file, as a browser's upload form does. */
  async postFile(pathname: string, fields: Record<string, string>, file: { field: string; name: string; content: string | Buffer }): Promise<HttpAnswer> {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    body.set(file.field, new Blob([file.content], { type: 'text/csv' }), file.name);
    return this.#send(pathname, { method: 'POST', body });
  }

  /** The CSRF token of the form on a page, read as a browser would submit it. */
  async csrfToken(pathname: string): Promise<string> {
    const page = await this.get(pathname);
    if (page.status !== 200) throw new Error(`GET ${pathname} answered ${page.status}`);
    return csrfTokenIn(page.text);
  }

  async #send(pathname: string, init: RequestInit): Promise<HttpAnswer> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) {
      headers.set('cookie', this.cookieHeader());
    }
    const res = await fetch(new URL(pathname, this.baseUrl), { ...init, headers, redirect: 'manual' }).catch((err: unknown) => {
      // A kept-alive connection reset before any answer (seen once, polling a progress page on a loaded machine
      // while the server's import held its event loop for seconds): a browser sends an idempotent request again on
      // a new connection, and so does this client, once. A POST is never repeated.
      if (init.method !== 'GET' || !wasResetBeforeAnswer(err)) throw err;
      return fetch(new URL(pathname, this.baseUrl), { ...init, headers, redirect: 'manual' });
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }
}

/** Registers an account through the real form on a running server; the client comes back signed in. */
export async function registerOverHttp(baseUrl: string, email: string, password = TEST_PASSWORD): Promise<HttpClient> {
  const client = new HttpClient(baseUrl);
  const token = await client.csrfToken('/register');
  const res = await client.postForm('/register', { _csrf: token, email, password, confirmPassword: password });
  if (res.status !== 303) throw new Error(`registration of ${email} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return client;
}

/** Signs in through the real login form; each call gives a separate session (a separate browser). */
export async function loginOverHttp(baseUrl: string, email: string, password = TEST_PASSWORD): Promise<HttpClient> {
  const client = new HttpClient(baseUrl);
  const token = await client.csrfToken('/login');
  const res = await client.postForm('/login', { _csrf: token, email, password });
  if (res.status !== 303) throw new Error(`login of ${email} answered ${res.status}`);
  return client;
}

/**
 * Asks `check` again and again (a few milliseconds apart) until it answers something other than undefined, and
 * returns that; fails after `timeoutMs` saying what it was waiting for. Waiting on a condition, never for a time.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
