/**
 * The one file with side effects: read the environment, open and migrate the database, listen, and shut
 * down cleanly on SIGTERM/SIGINT. Start-up problems print one clear line (never a stack trace) and exit 1.
 */
import 'dotenv/config';
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { loadConfig, resolveSessionSecret, type Config } from './config.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase, type Db } from './db/open.ts';
import { SqliteSessionStore } from './db/session-store.ts';
import { createLogger } from './logger.ts';
import { describeStartupError, type StartupContext } from './startup-errors.ts';

const SHUTDOWN_GRACE_MS = 10_000;

let startup: { -readonly [K in keyof StartupContext]: StartupContext[K] } = { stage: 'config' };
let openDb: Db | undefined;

function failStartup(err: unknown): never {
  console.error(describeStartupError(err, startup));
  if (openDb?.open) openDb.close();
  process.exit(1);
}

function main(): void {
  const config: Config = loadConfig(process.env);
  startup = { config, stage: 'secret' };
  const logger = createLogger(config.logLevel);
  const { secret, generated, file } = resolveSessionSecret(config);
  if (generated) logger.info({ file }, 'SESSION_SECRET not set: generated a random one and saved it (mode 0600)');

  startup.stage = 'database';
  const db: Db = openDatabase(config.databasePath);
  openDb = db;
  const version = migrate(db);
  const sessionStore = new SqliteSessionStore(db);
  sessionStore.startPruning();
  const app = createApp({ db, config, sessionSecret: secret, logger, sessionStore });

  startup.stage = 'listen';
  const server: Server = app.listen(config.port, config.host);
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ url: `http://${config.host}:${port}`, database: config.databasePath, schema: version, env: config.env }, 'listening');
  });
  server.on('error', (err) => {
    if (!server.listening) failStartup(err);
    logger.error({ err }, 'server error');
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    sessionStore.stopPruning();
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing anyway');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // close() stops accepting at once and calls back when the last in-flight response has been sent.
    server.close(() => {
      // The last connection to close checkpoints the WAL into the main file and removes it.
      db.close();
      logger.info({ signal }, 'stopped');
      process.exit(0);
    });
    // Keep-alive sockets with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
    // Logged once the listening socket is closed, so whoever reads this line knows new connections are refused.
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

try {
  main();
} catch (err) {
  failStartup(err);
}
