/**
 * `node --import tsx test/bench/startup.ts [--runs N] [--database FILE]`: cold start to the first 200 on /login
 * and idle RSS one second later, as medians of N starts, for the server as `npm start` runs it
 * (`node --import tsx src/server.ts`) and for the same code bundled ahead of time with esbuild (the binary tsx
 * already brings; packages stay external, so only our own TypeScript is precompiled). The difference is what a
 * build step would save; the app itself is identical.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** Starts the server with `args`, times the first 200 on /login, reads RSS a second later, stops it. */
async function startOnce(args: readonly string[], dbPath: string): Promise<{ coldStartMs: number; idleRssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      BCRYPT_COST: '12',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      DATABASE_PATH: dbPath,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let coldStartMs = NaN;
  while (Number.isNaN(coldStartMs)) {
    if (child.exitCode !== null) throw new Error('server exited during start-up');
    if (performance.now() - started > 30_000) throw new Error('no answer within 30 s');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/login`);
      await res.arrayBuffer();
      if (res.status === 200) coldStartMs = performance.now() - started;
    } catch {
      await sleep(5);
    }
  }
  await sleep(1000);
  const idleRssMb = rssMb(child.pid!);
  child.kill('SIGTERM');
  await exited;
  return { coldStartMs, idleRssMb };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, database: { type: 'string' } } });
  const runs = Math.max(1, Number(values.runs));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledgerly-startup-'));
  const dbPath = values.database ? path.resolve(values.database) : path.join(dir, 'startup.sqlite');
  const bundle = path.join(dir, 'build', 'server.mjs');
  mkdirSync(path.dirname(bundle), { recursive: true });
  const build = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [
      'src/server.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      // app.ts finds views/ and public/ from its own folder; the bundle lives elsewhere, so pin that folder.
      `--define:import.meta.dirname=${JSON.stringify(path.join(ROOT, 'src'))}`,
      `--outfile=${bundle}`,
      '--log-level=warning',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('esbuild failed');
  // Packages are resolved from the bundle's folder upwards; a link to our node_modules makes them resolve the same.
  spawnSync('ln', ['-s', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')]);

  const variants: { name: string; args: string[] }[] = [
    { name: 'node --import tsx src/server.ts (npm start)', args: ['--import', 'tsx', 'src/server.ts'] },
    { name: 'node build/server.mjs (esbuild bundle, packages external)', args: [bundle] },
  ];
  const results: Record<string, { coldStartMs: number[]; idleRssMb: number[] }> = {};
  // Alternate the variants so load from elsewhere on the machine falls on both alike.
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const r = await startOnce(v.args, dbPath);
      (results[v.name] ??= { coldStartMs: [], idleRssMb: [] }).coldStartMs.push(Math.round(r.coldStartMs));
      results[v.name]!.idleRssMb.push(Math.round(r.idleRssMb));
    }
  }
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; database ${values.database ?? '(new, empty)'}`);
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name}: cold start median ${median(r.coldStartMs)} ms [${r.coldStartMs.join(', ')}], idle RSS median ${median(r.idleRssMb)} MB [${r.idleRssMb.join(', ')}]`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
