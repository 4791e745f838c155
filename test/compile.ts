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

/** Round-robin over name-sorted files, so each group gets a mix of long and short ones. */
function split(files: readonly string[], groups: number): string[][] {
  const out: string[][] = Array.from({ length: Math.min(groups, files.length) }, () => []);
  files.forEach((file, i) => out[i % out.length]!.push(file));
  return out;
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
  const e2e = compiledTests('e2e').map((f) => ({ name: path.basename(f, '.test.js'), files: [f] }));
  const soak = compiledTests('soak').map((f) => ({ name: path.basename(f, '.test.js'), files: [f] }));
  const integration = split(compiledTests('integration'), INTEGRATION_PROCESSES).map((files, i) => ({ name: `integration-${i + 1}`, files }));
  const unit = { name: 'unit', files: compiledTests('unit') };
  // Each spawns real server or tool processes, whose start-up is most of their cost: two processes share them.
  const processes = split(compiledTests('process'), 2).map((files, i) => ({ name: `process-${i + 1}`, files }));
  const known = new Set(['import', 'bookkeeping', 'core-flow', 'crash', 'fuzz-forms', 'import-interrupted', 'concurrency']);
  const others = [...e2e, ...soak].filter((run) => !known.has(run.name));
  switch (tier) {
    case 'fast':
      return [...integration, unit];
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
