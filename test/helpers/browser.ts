import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { after, before } from 'node:test';
import { createTestContext, TEST_PASSWORD, type TestContext } from './app.ts';
import { REPO_ROOT } from './paths.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test', 'artifacts', 'screenshots');

/**
 * Whether browser tests can run. Outside CI a missing Chromium skips them with a loud message;
 * in CI (CI=true) it is a failure, so a broken install step cannot pass unnoticed.
 */
export function browserAvailability(): { skip: false } | { skip: string } {
  if (existsSync(CHROMIUM_PATH)) return { skip: false };
  const message = `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) to run the browser tests`;
  if (process.env.CI === 'true') throw new Error(`${message}. CI=true, so this is a failure.`);
  console.warn(`\n*** SKIPPING BROWSER TESTS: ${message} ***\n`);
  return { skip: message };
}

/** Launches Debian's Chromium headless with flags that keep it off the network. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Serves an app on a loopback port (random unless given); returns its base URL and a close function. */
export async function serve(app: Express, port = 0): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  // Beside the app, the test server offers axe-core at one cacheable address, so Chromium compiles it once per
  // page context instead of each time a page is checked (the app itself never serves it).
  const server: Server = await new Promise((resolve) => {
    const s = createServer((req, res) => {
      if (req.url !== AXE_PATH) return void app(req, res);
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' });
      res.end(axeSource);
    }).listen(port, '127.0.0.1', () => resolve(s));
  });
  const listening = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${listening}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Opens the header's menu when its places are behind the Menu button (a phone), as a person would before choosing
 * one; on a wide screen, where they show already, does nothing.
 */
export async function openMenu(page: Page): Promise<void> {
  const toggle = page.locator('.site-menu__toggle');
  if ((await toggle.isVisible()) && (await page.locator('.site-menu[open]').count()) === 0) await toggle.click();
}

/** Saves a full-page screenshot under test/artifacts/screenshots (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  // Pictures for a person to look at, compared with nothing: taken when asked for (SCREENSHOTS=1, which
  // `npm run test:e2e` sets), not in every `npm test`, where they were a tenth of the browser tier's CPU.
  if (process.env.SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** Where the test server offers axe-core (see serve). */
const AXE_PATH = '/__test__/axe.min.js';

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/**
 * Runs axe-core inside the page (WCAG 2.x A and AA rules) and returns the violations.
 * The CSP forbids inline script, so axe is injected through the devtools protocol, not a <script> tag.
 */
export async function runAxe(page: Page, options: { rules?: readonly string[] } = {}): Promise<AxeViolation[]> {
  // Once per document: a page checked again (another width or colour scheme) keeps the axe it has.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ url: AXE_PATH });
  return page.evaluate(async (rules) => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const runOnly = rules ? { type: 'rule', values: rules } : { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] };
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })),
    }));
  }, options.rules ? [...options.rules] : null);
}

/** Readable summary of axe violations for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `   ${n.target.join(' ')}  ${n.html}`).join('\n')}`)
    .join('\n');
}

/** What a browser suite works with: the app's test context, its URL and a running Chromium. */
export interface BrowserApp {
  ctx: TestContext;
  baseUrl: string;
  browser: Browser;
}

/**
 * Registers before/after hooks in the calling suite: a fresh app on a temp database served on loopback, and
 * one Chromium; the returned object is filled in once the hooks have run.
 */
/**
 * One Chromium for every browser suite of this process (test/compile.ts runs the short browser files in one): each
 * suite still has its own app, database, port and browser contexts; the last suite to end closes it. Launching one
 * per file cost about 2 s of CPU, and the process for each file as much again.
 */
let sharedBrowser: Promise<Browser> | undefined;
let suitesUsing = 0;

export function useBrowserApp(env: Record<string, string> = {}): BrowserApp {
  const web = {} as BrowserApp;
  let server: { baseUrl: string; close: () => Promise<void> } | undefined;
  // Counted as the suite is declared (every file of the process is imported before the first suite ends), so
  // the browser stays open between suites. Were one to end first, the next suite would launch another: slower, as correct.
  suitesUsing++;
  before(async () => {
    // Chromium starts while the app is built and served.
    const launching = (sharedBrowser ??= launchBrowser());
    web.ctx = createTestContext(env);
    server = await serve(web.ctx.app);
    web.baseUrl = server.baseUrl;
    web.browser = await launching;
  });
  after(async () => {
    // The suite's contexts (its cookies, pages and emulations) go with it, whatever the next suite does.
    if (web.browser) await Promise.all(web.browser.contexts().map((context) => context.close()));
    // Counted down whatever happened in before(): a suite whose set-up failed must not keep Chromium, and with it
    // the whole test process, alive.
    if (--suitesUsing === 0 && sharedBrowser) {
      const closing = sharedBrowser;
      sharedBrowser = undefined;
      await (await closing.catch(() => undefined))?.close();
    }
    await server?.close();
    web.ctx?.cleanup();
  });
  return web;
}

/** Opens a page, creates an account through the real form and leaves it signed in on the dashboard. */
export async function registerInBrowser(
  web: BrowserApp,
  email: string,
  viewport = { width: 1280, height: 900 },
): Promise<Page> {
  const page = await web.browser.newPage({ viewport });
  await page.goto(`${web.baseUrl}/register`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
  await page.getByLabel(/Confirm/).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: /Create account/ }).click();
  await page.waitForURL(/\/dashboard/);
  return page;
}

/** Fails with axe's own explanation when the page has any accessibility violation. */
export async function assertAccessible(page: Page, what: string, options: { rules?: readonly string[] } = {}): Promise<void> {
  const violations = await runAxe(page, options);
  assert.deepEqual(violations.map((v) => v.id), [], `${what}:\n${describeViolations(violations)}`);
}
