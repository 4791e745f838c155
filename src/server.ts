/**
 * The one file with side effects: read the environment, open and migrate the database, start the job runner,
 * listen, and shut down cleanly on SIGTERM/SIGINT. Start-up problems print one clear line (never a stack trace)
 * and exit 1.
 *
 * With WEB_CONCURRENCY above 1 this process is the primary of a node:cluster: it migrates the database once, then
 * forks that many workers, each of which serves requests on the shared port and runs a job runner. Sessions, rate
 * limits, idempotency keys and jobs live in SQLite, so any worker can answer any request; a job is claimed by one
 * UPDATE and a scheduled occurrence by a unique key, so background work still happens exactly once. A stop signal
 * is passed to every worker, each finishes what it has in flight, and the primary exits when the last one has.
 */
import cluster from 'node:cluster';
import 'dotenv/config';
import { existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import path from 'node:path';
import { createApp } from './app.ts';
import { systemClock } from './clock.ts';
import { loadConfig, resolveSessionSecret, SESSION_SECRET_FILE_NAME, type Config } from './config.ts';
import { assertDatabaseNotLost, assertUpgradeNotShared, migrate, rescuedDatabaseName } from './db/migrate.ts';
import { fileIdentity, fileNameTime, openDatabase, type Db, type FileIdentity } from './db/open.ts';
import { assertStoredCurrency } from './db/instance-settings.ts';
import { saveOpenDatabase } from './db/backup.ts';
import { removeOwnScratchFiles } from './db/repos/import-rows.ts';
import { createJobsRepo } from './db/repos/jobs.ts';
import { tightenPrivateArea } from './file-modes.ts';
import { createJobRunner } from './jobs/runner.ts';
import { createLogger, type Logger } from './logger.ts';
import { describeStartupError, type StartupContext } from './startup-errors.ts';

let startup: { -readonly [K in keyof StartupContext]: StartupContext[K] } = { stage: 'config' };
let openDb: Db | undefined;

function failStartup(err: unknown): void {
  const line = describeStartupError(err, startup);
  if (openDb?.open) openDb.close();
  // A worker hands its one line to the primary, which prints the first it gets: one line however many workers fail.
  if (cluster.isWorker && process.send) {
    process.send({ cannotStart: line }, undefined, {}, () => process.exit(1));
    return;
  }
  console.error(line);
  process.exit(1);
}

/**
 * The folder holding views/ and public/: found by walking up from this module, so the same code works when run
 * from src/ by tsx and when bundled for production into node_modules/.cache.
 */
function findAppRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'views')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the app folder (with views/) above ${start}`);
  }
}

/**
 * Makes a data folder left by an older version, a restore or a copy owner-only before anything opens it: the folder
 * 0700, and the database (with -wal, -shm and the copies a restore keeps), the session secret and the uploads 0600.
 * One line says what changed; what cannot be changed (another user's file) is a warning, and start-up goes on.
 */
function makeDataFilesPrivate(config: Config, logger: Logger): void {
  const databaseName = path.basename(config.databasePath);
  const report = tightenPrivateArea({
    folder: config.dataDir,
    // 'imports' is where app.ts keeps uploads. Other files in the folder are not ours to change.
    owns: (name) => name.startsWith(databaseName) || name === SESSION_SECRET_FILE_NAME || name === 'imports',
  });
  if (report.tightened.length > 0) {
    logger.info({ tightened: report.tightened }, 'data files were open to other users: removed their group and other permissions');
  }
  if (report.untouched.length > 0) {
    logger.warn(
      { untouched: report.untouched },
      'data files are open to other users and could not be made private: as their owner, chmod 700 the folders and chmod 600 the files',
    );
  }
}

/** What a server keeps beside its database: found without the database, they say one was there. */
function companionsOf(config: Config): string[] {
  return [path.join(config.dataDir, SESSION_SECRET_FILE_NAME), path.join(config.dataDir, 'imports')];
}

/** How often a serving process looks whether its database file is still the one it opened. */
const DATABASE_FILE_CHECK_MS = 2_000;

/** A serving process's exit code when its database file went: its primary then stops every worker, forking none. */
const DATABASE_LOST_EXIT_CODE = 3;

const sameFile = (a: FileIdentity | undefined, b: FileIdentity | undefined) => a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;

function main(): void {
  const config: Config = loadConfig(process.env);
  startup = { config, stage: 'secret' };
  const logger = createLogger(config.logLevel);
  if (cluster.isWorker) return serve(config, logger.child({ worker: cluster.worker!.id }));
  // The file is checked before anything beside it is changed or made: not missing where one was, not a database,
  // another application's, or an older schema another process still has open.
  startup.stage = 'database';
  assertDatabaseNotLost(config.databasePath, companionsOf(config));
  assertUpgradeNotShared(config.databasePath);
  startup.stage = 'secret';
  makeDataFilesPrivate(config, logger);
  // Made (and saved) here, before any worker starts, so that every worker reads the same one.
  const { generated, file, replacedShort } = resolveSessionSecret(process.env, config);
  if (replacedShort) {
    logger.warn({ file }, 'the session-secret file held fewer than 32 characters: replaced it with a random secret (mode 0600); everyone signed in must sign in again');
  } else if (generated) logger.info({ file }, 'SESSION_SECRET not set: generated a random one and saved it (mode 0600)');
  if (config.trustProxy === true) {
    // Express then takes the leftmost X-Forwarded-For address, which the client writes itself: each request can
    // claim a new address and pass the per-address sign-in limits, and the logs record what it claimed.
    logger.warn('TRUST_PROXY=true believes any X-Forwarded-For a client sends; set the number of proxies in front (e.g. 1) or their addresses (e.g. loopback)');
  }
  if (config.webConcurrency > 1) return runPrimary(config, logger);
  serve(config, logger);
}

/**
 * The primary of WEB_CONCURRENCY workers: migrates once (a schema problem stops everything with one line), forks
 * the workers, replaces one that dies while serving, and on SIGTERM or SIGINT stops them all and exits once they
 * have. A worker that dies before it ever listened is a start-up failure: the primary stops rather than loop.
 */
function runPrimary(config: Config, logger: Logger): void {
  startup.stage = 'database';
  assertUpgradeNotShared(config.databasePath);
  const db: Db = openDatabase(config.databasePath);
  openDb = db;
  const before = db.pragma('user_version', { simple: true }) as number;
  const version = migrate(db);
  if (version !== before && before > 0) logger.info({ from: before, to: version }, 'database schema upgraded');
  recordOrCheckCurrency(db, config, logger);
  db.close();
  openDb = undefined;
  logger.info({ workers: config.webConcurrency, schema: version }, 'starting workers');
  let stopping = false;
  const listened = new Set<number>();
  cluster.on('listening', (worker) => listened.add(worker.id));
  let stopSignal = '';
  let toldWhy = false;
  cluster.on('message', (_worker, message: unknown) => {
    if (toldWhy || typeof message !== 'object' || message === null || !('cannotStart' in message)) return;
    toldWhy = true;
    console.error(String(message.cannotStart));
  });
  cluster.on('exit', (worker, code, signal) => {
    if (code === DATABASE_LOST_EXIT_CODE && !stopping) {
      // A replacement would open whatever is at the path now: a new empty database, or a file put in its place.
      logger.error({ worker: worker.id }, 'a worker found the database file deleted or replaced: stopping every worker (each saves the database it has open)');
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    if (stopping) {
      if (code !== 0 && process.exitCode === undefined) process.exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        if (stopSignal !== '') logger.info({ signal: stopSignal }, 'stopped');
        process.exit();
      }
      return;
    }
    if (!listened.has(worker.id)) {
      logger.error({ worker: worker.id, code, signal }, 'a worker stopped before it could serve; stopping');
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'a worker stopped; starting another');
    cluster.fork();
  });
  for (let i = 0; i < config.webConcurrency; i++) cluster.fork();
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stopSignal = signal;
    logger.info({ signal }, 'shutting down: stopping the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The terminal that started it closing (an SSH session's end) stops it as gracefully, not at once.
  process.on('SIGHUP', () => stop('SIGHUP'));
}

/**
 * The currency the database's amounts are in: recorded by the first start, and a start with another CURRENCY refused
 * (CurrencyMismatchError), since every stored amount would silently read as the new one.
 */
function recordOrCheckCurrency(db: Db, config: Config, logger: Logger): void {
  if (assertStoredCurrency(db, config.currency) === 'recorded') logger.info({ currency: config.currency }, "recorded CURRENCY as the currency of this database's amounts");
}

/** One serving process: the whole app on the database, its job runner, and a graceful stop. */
function serve(config: Config, logger: Logger): void {
  const { secret } = resolveSessionSecret(process.env, config);
  startup.stage = 'database';
  // A worker started in place of one that stopped because the file went must not make a new one.
  if (cluster.isWorker) assertDatabaseNotLost(config.databasePath, companionsOf(config));
  // (A worker finds nothing to migrate: its primary has.)
  assertUpgradeNotShared(config.databasePath);
  const db: Db = openDatabase(config.databasePath);
  openDb = db;
  const opened = fileIdentity(config.databasePath);
  const before = db.pragma('user_version', { simple: true }) as number;
  const version = migrate(db);
  // A fresh database (version 0) is made, not upgraded: only an upgrade is worth a line.
  if (version !== before && before > 0) logger.info({ from: before, to: version }, 'database schema upgraded');
  recordOrCheckCurrency(db, config, logger);
  // The write-ahead log this process writes (the migration made it), to tell it from one beside a file put in place.
  const walFile = `${config.databasePath}-wal`;
  const openedWal = opened ? fileIdentity(walFile) : undefined;
  const jobs = createJobRunner({ jobs: createJobsRepo(db), clock: systemClock, logger });
  const app = createApp({ db, config, clock: systemClock, jobs, sessionSecret: secret, appRoot: findAppRoot(import.meta.dirname), logger });

  startup.stage = 'listen';
  const server: Server = app.listen(config.port, config.host);
  server.on('listening', () => {
    // Jobs start once the port is ours, so a second copy that cannot listen never touches the queue.
    jobs.start();
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ url: `http://${config.host}:${port}`, database: config.databasePath, schema: version, env: config.env }, 'listening');
  });
  server.on('error', (err) => {
    if (!server.listening) failStartup(err);
    logger.error({ err }, 'server error');
  });

  /** 'deleted' or 'replaced' when the path no longer names the file this process opened; undefined if it does, or if it cannot tell. */
  const fileLost = (): 'deleted' | 'replaced' | undefined => {
    if (!opened) return undefined;
    let now: FileIdentity | undefined;
    try {
      now = fileIdentity(config.databasePath);
    } catch {
      return undefined; // cannot look just now (a permission): no news
    }
    if (now === undefined) return 'deleted';
    return sameFile(now, opened) ? undefined : 'replaced';
  };
  /** Saves the open database beside the path (or, with the folder gone and not to be made, in the temp folder). */
  const rescueOpenDatabase = async (): Promise<void> => {
    const at = new Date(systemClock.now());
    const places = [config.databasePath, path.join(tmpdir(), path.basename(config.databasePath))];
    for (const place of places) {
      const rescued = rescuedDatabaseName(place, at, process.pid);
      try {
        await saveOpenDatabase(db, rescued);
        logger.fatal({ rescued }, 'saved the open database, with every write it acknowledged: stop every server, then npm run restore -- that file');
        return;
      } catch (err) {
        logger.error({ err, rescued }, 'could not save the open database there');
      }
    }
    logger.fatal('could not save the open database anywhere: what it held since its file went is lost; restore a backup');
  };
  /**
   * A file put in place of the database leaves this process's WAL and shared-memory index beside it (SQLite keeps
   * them when the file has moved), and the next open would replay the old database's pages onto the new file:
   * a corrupt database. Set aside under names no one opens, and only when the WAL is the one this process wrote.
   */
  const setAsideStaleLog = (): void => {
    if (!sameFile(fileIdentity(walFile), openedWal)) return;
    const stamp = `${fileNameTime(new Date(systemClock.now()))}-${process.pid}`;
    for (const suffix of ['-wal', '-shm']) {
      try {
        renameSync(`${config.databasePath}${suffix}`, `${config.databasePath}.stale${suffix}-${stamp}`);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ENOENT') logger.error({ err }, `could not set the old database's ${suffix} file aside`);
      }
    }
  };

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing anyway');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    // close() stops accepting at once and calls back when the last in-flight response has been sent.
    const requestsDone = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive sockets with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
    // A running import gets the same grace; after it, it is cut off, keeps nothing and is marked interrupted.
    const jobsDone = jobs.stop(config.shutdownGraceMs);
    // Logged once the listening socket is closed, so whoever reads this line knows new connections are refused.
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    void Promise.all([requestsDone, jobsDone]).then(async () => {
      // Looked at on every stop, not only the watcher's: a worker told to stop by its primary because another found
      // the file gone saves what it wrote since, too.
      const lost = fileLost();
      if (lost) await rescueOpenDatabase();
      // The last connection to close checkpoints the WAL into the main file and removes it.
      db.close();
      if (lost === 'replaced') {
        try {
          setAsideStaleLog();
        } catch (err) {
          logger.error({ err }, "could not look at the old database's WAL: move the -wal and -shm files beside the database aside before the next start");
        }
      }
      // Best effort: on a file system gone read-only the scratch file stays, for the next start to remove.
      try {
        removeOwnScratchFiles();
      } catch (err) {
        logger.warn({ err }, 'could not remove this process\'s import scratch file; the next start removes it');
      }
      logger.info({ signal }, 'stopped');
      process.exit(lost ? DATABASE_LOST_EXIT_CODE : 0);
    });
  };
  // A database file deleted or replaced under the server (rm, mv, a copy put in its place): SQLite goes on writing
  // into the file it has open, which no one will see again, and the next start made a new, empty one. The server
  // stops instead, once what is in flight is done, saving the database it has open (see stop).
  if (opened) {
    const watch = setInterval(() => {
      const lost = fileLost();
      if (!lost) return;
      clearInterval(watch);
      logger.fatal({ file: config.databasePath }, `the database file was ${lost} while the server ran: stopping, after saving the database it has open`);
      stop('database file lost');
    }, DATABASE_FILE_CHECK_MS);
    watch.unref();
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // A worker whose primary is gone (killed, say) stops as gracefully as on SIGTERM, rather than serve on alone.
  if (cluster.isWorker) process.on('disconnect', () => stop('primary gone'));
}

try {
  main();
} catch (err) {
  failStartup(err);
}
