/**
 * Prepares a test run: compiles src/ and test/ to plain JavaScript under node_modules/.cache/ledgerly/test-build,
 * file for file with inline source maps, and prints the files `node --test` should run for a tier, longest first.
 *
 * Why: tsx's loader costs each test process about half a second of CPU, and loading the app's packages as much
 * again; over sixty test files that was a third of the whole run. So every test file is compiled once, and the
 * short ones are run a few files to a process (a generated group file imports them in turn), while the long ones
 * (soak, browser) keep a process each. Each test file still runs on its own with `node --import tsx --test FILE`.
 * Types are tsc's job (`npm run typecheck`).
 *
 * Usage, from the repository root: node --import tsx test/compile.ts [fast|process|e2e|soak|all]
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { REPO_ROOT } from './helpers/paths.ts';

const TEST_BUILD = path.join(REPO_ROOT, 'node_modules', '.cache', 'ledgerly', 'test-build');

/** How many processes share the integration tests (enough to keep two cores busy to the end). */
const INTEGRATION_PROCESSES = 4;

/** Every import stays an import: ours point at the compiled .js beside them, packages stay packages. */
const keepImports: Plugin = {
  name: 'keep-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      // The catalogues (src/locales/*.json) are bundled into the module that imports them.
      if (args.path.endsWith('.json') && args.path.startsWith('.')) return undefined;
      return { path: args.path.startsWith('.') ? args.path.replace(/\.ts$/, '.js') : args.path, external: true };
    });
  },
};

function tsFilesUnder(folder: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The compiled test files of a tier folder (unit, integration, e2e, soak). */
function compiledTests(tier: string): string[] {
  return tsFilesUnder(path.join('test', tier))
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join(TEST_BUILD, path.relative(REPO_ROOT, file)).replace(/\.ts$/, '.js'));
}

/**
 * A file that runs the given test files one after another in one process. node --test runs its files in name
 * order, so the runs are numbered in the order they should start: `rank` first, then `name` for the report.
 */
function runFile(rank: number, name: string, files: readonly string[]): string {
  const file = path.join(TEST_BUILD, 'run', `${String(rank).padStart(2, '0')}-${name}.test.js`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, files.map((f) => `await import(${JSON.stringify(`./${path.relative(path.dirname(file), f)}`)});\n`).join(''));
  return file;
}

/**
 * Seconds of CPU each in-process test file costs beyond loading the app, measured one file at a time
 * (`/usr/bin/time node --test FILE` on the compiled file, less 1.2 s for an integration file's start and 0.3 s for a
 * unit file's). Only the balance of the groups depends on them: a file not listed counts as one second, and a stale
 * figure makes one group finish a little after the other, never a test go missing.
 */
const SECONDS: Record<string, number> = {
  'integration/languages': 7.6, 'integration/attack-csrf': 4.7, 'integration/derived-totals': 3.3,
  'integration/csv-import': 3.3, 'integration/attack-idor': 2.9, 'integration/rate-limit': 2.6,
  'integration/api': 2.5, 'integration/core-transactions': 2.0, 'integration/security-headers': 2.0,
  'integration/api-client': 1.8, 'integration/storage-pragmas': 1.8, 'integration/query-plans': 1.6,
  'integration/scheduled': 1.5, 'integration/rules': 1.5, 'unit/statements': 1.5, 'integration/account': 1.4,
  'integration/statement-import': 1.3, 'integration/reports': 1.2, 'integration/core-auth': 1.2,
  'unit/transactions-repo': 1.1, 'integration/two-factor': 1.1, 'integration/accounts': 1.1,
  'integration/budgets': 1.1, 'integration/transactions-filter': 1.0, 'integration/categories': 1.0,
  'integration/transfers': 1.0, 'unit/i18n': 1.0, 'unit/catalogues': 0.9, 'integration/attack-xss': 0.9,
  'integration/bulk': 0.9, 'integration/api-readme': 0.9, 'integration/core-app': 0.8, 'unit/migrate': 0.8,
  'integration/transactions-edit': 0.8, 'integration/reconciliation': 0.8, 'integration/dashboard-periods': 0.7,
  'integration/csv-export': 0.7, 'integration/accounts-csv': 0.7, 'integration/session-lifetime': 0.6,
  'unit/calendar': 0.6, 'integration/themes': 0.6, 'integration/category-names': 0.6,
  'integration/import-staging': 0.6, 'integration/scheduled-import': 0.5, 'integration/audit-log': 0.5,
  'integration/first-run': 0.5, 'integration/time-zone': 0.4, 'integration/registration': 0.4, 'unit/schedules': 0.4,
  'integration/sessions': 0.4, 'unit/csv-fields': 0.4, 'unit/csv-file': 0.4, 'unit/rate-limit-store': 0.4,
  'unit/money': 0.3, 'integration/smoke': 0.3, 'integration/rehash': 0.3, 'unit/common-passwords': 0.3,
  'unit/transaction-filter': 0.2, 'unit/periods': 0.2, 'unit/transaction-form': 0.2, 'unit/csv-mapping': 0.2,
  'unit/config': 0.2, 'unit/transactions-routes': 0.1, 'unit/rules': 0.1, 'unit/route-listing': 0.1,
  'unit/passwords': 0.1, 'unit/charts': 0.1, 'unit/budgets': 0.1, 'unit/session-store': 0.1,
  'unit/architecture': 0.1, 'unit/accounts': 0.1, 'unit/categories': 0.1, 'unit/export-stream': 0.1,
  'unit/fragment-cache': 0.1, 'integration/job-runner': 0.1, 'unit/attack-checks': 0.1,
};

function secondsOf(file: string): number {
  return SECONDS[path.relative(path.join(TEST_BUILD, 'test'), file).replace(/\.test\.js$/, '')] ?? 1;
}

/**
 * Groups files so the groups cost about the same: the most expensive file first, each into the group with the
 * least so far. Two cores then finish two groups together, not one long group after the other has ended.
 */
function split(files: readonly string[], groups: number): string[][] {
  const out = Array.from({ length: Math.min(groups, files.length) }, () => ({ seconds: 0, files: [] as string[] }));
  for (const file of [...files].sort((a, b) => secondsOf(b) - secondsOf(a) || a.localeCompare(b))) {
    const lightest = out.reduce((min, group) => (group.seconds < min.seconds ? group : min));
    lightest.files.push(file);
    lightest.seconds += secondsOf(file);
  }
  return out.map((group) => group.files.sort());
}

rmSync(TEST_BUILD, { recursive: true, force: true });
await build({
  entryPoints: [...tsFilesUnder('src'), ...tsFilesUnder('test')],
  outdir: TEST_BUILD,
  outbase: REPO_ROOT,
  bundle: true,
  plugins: [keepImports],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

/**
 * The processes of a tier, in the order they start. Long files first, so the two cores finish together; and the
 * browser files apart from one another, because two Chromiums at once each run three times slower, while a browser
 * test mostly waits on Chromium and leaves the other core to a soak or integration process.
 */
function plan(tier: string): { name: string; files: string[] }[] | undefined {
  const one = (folder: string, name: string) => ({ name, files: compiledTests(folder).filter((f) => path.basename(f) === `${name}.test.js`) });
  // The long browser files keep a process each; the short ones share one process and one Chromium (see
  // useBrowserApp): alone, each spent more on starting Node, loading the app and Playwright (2.3 s of CPU) and
  // launching Chromium (2 s) than on its tests. 11 short files took 128 s of CPU apart and 74 s together.
  // In the order they should start, longest first.
  const longE2e = ['themes', 'core-flow', 'bookkeeping', 'e2e-short', 'import', 'planning', 'statements'];
  const isLong = (f: string) => longE2e.includes(path.basename(f, '.test.js'));
  const e2e = longE2e
    .map((name) => ({ name, files: compiledTests('e2e').filter((f) => (name === 'e2e-short' ? !isLong(f) : path.basename(f, '.test.js') === name)) }))
    .filter((run) => run.files.length > 0);
  const soak = compiledTests('soak').map((f) => ({ name: path.basename(f, '.test.js'), files: [f] }));
  const integration = split(compiledTests('integration'), INTEGRATION_PROCESSES).map((files, i) => ({ name: `integration-${i + 1}`, files }));
  const unit = { name: 'unit', files: compiledTests('unit') };
  // On its own the fast tier shares the unit files out too, so its groups end together.
  const fast = split([...compiledTests('integration'), ...compiledTests('unit')], INTEGRATION_PROCESSES).map((files, i) => ({ name: `fast-${i + 1}`, files }));
  // Each spawns real server or tool processes, whose start-up is most of their cost: two processes share them.
  const processes = split(compiledTests('process'), 2).map((files, i) => ({ name: `process-${i + 1}`, files }));
  const known = new Set(['import', 'bookkeeping', 'core-flow', 'crash', 'fuzz-forms', 'import-interrupted', 'concurrency']);
  const others = [...e2e, ...soak].filter((run) => !known.has(run.name));
  switch (tier) {
    case 'fast':
      return fast;
    case 'process':
      return processes;
    case 'e2e':
      return e2e;
    case 'soak':
      return soak;
    case 'all':
      return [
        one('e2e', 'import'),
        one('soak', 'crash'),
        one('e2e', 'bookkeeping'),
        one('soak', 'fuzz-forms'),
        one('e2e', 'core-flow'),
        one('soak', 'import-interrupted'),
        ...integration.slice(0, 2),
        ...processes,
        one('soak', 'concurrency'),
        ...others,
        ...integration.slice(2),
        unit,
      ].filter((run) => run.files.length > 0);
    default:
      return undefined;
  }
}

const tier = process.argv[2] ?? 'all';
const runs = plan(tier);
if (!runs) {
  console.error(`unknown tier "${tier}": choose fast, process, e2e, soak or all`);
  process.exit(2);
}
// Every test file is in exactly one run, whatever the plan says.
const planned = runs.flatMap((run) => run.files);
const expected = tier === 'all' ? ['unit', 'integration', 'process', 'e2e', 'soak'].flatMap(compiledTests) : [];
const missing = expected.filter((file) => !planned.includes(file));
if (missing.length > 0 || new Set(planned).size !== planned.length) {
  console.error(`the run plan misses or repeats test files: ${missing.join(', ')}`);
  process.exit(1);
}
console.log(runs.map((run, i) => runFile(i + 1, run.name, run.files)).join('\n'));
