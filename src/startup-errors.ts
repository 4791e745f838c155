import { ConfigError, type Config } from './config.ts';
import { DatabaseInUseError, DatabaseMissingError, ForeignDatabaseError, SchemaTooNewError } from './db/migrate.ts';
import { CurrencyMismatchError } from './db/instance-settings.ts';

interface SystemErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly path?: unknown;
  readonly syscall?: unknown;
}

/** What start-up was doing when it failed; it decides which path a message names. */
export interface StartupContext {
  readonly config?: Config;
  readonly stage?: 'config' | 'secret' | 'database' | 'listen';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}

/**
 * Turns a start-up failure into one line a person can act on, instead of a stack trace. Every line starts with
 * "Cannot start:" so an operator (and the tests) can tell it from a log line.
 */
export function describeStartupError(err: unknown, context: StartupContext = {}): string {
  const { config, stage } = context;
  if (err instanceof ConfigError) {
    // ConfigError lists one problem per line; a start-up message is one line, so join them.
    const [, ...problems] = err.message.split('\n');
    const listed = problems.map((line) => line.trim()).filter(Boolean);
    return listed.length > 0 ? `Cannot start: invalid configuration: ${listed.join('; ')}` : `Cannot start: ${oneLine(err.message)}`;
  }
  if (err instanceof SchemaTooNewError || err instanceof DatabaseInUseError || err instanceof ForeignDatabaseError || err instanceof DatabaseMissingError || err instanceof CurrencyMismatchError) {
    return `Cannot start: ${oneLine(err.message)}`;
  }

  const e = (typeof err === 'object' && err !== null ? err : {}) as SystemErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const where = typeof e.path === 'string' ? e.path : (config?.dataDir ?? 'the data folder');
  const dbFile = config?.databasePath ?? 'the database file';
  const address = `${config?.host ?? 'the host'}:${config?.port ?? '?'}`;

  if (e.syscall === 'listen' || stage === 'listen') {
    if (code === 'EADDRINUSE') return `Cannot start: port ${address} is already in use. Stop the other program or set PORT.`;
    if (code === 'EACCES') return `Cannot start: no permission to listen on ${address}. Use a port above 1023 or set PORT.`;
    if (code === 'EADDRNOTAVAIL') return `Cannot start: ${config?.host ?? 'HOST'} is not an address of this machine. Set HOST.`;
    // A name the resolver does not know (a typo, or a name only another machine's hosts file has).
    if (code === 'ENOTFOUND') return `Cannot start: HOST ${config?.host ?? ''} is not a name this machine can resolve. Set HOST to an address of this machine (127.0.0.1, 0.0.0.0) or a name that resolves to one.`;
    // A name server that did not answer in time: the name may be right.
    if (code === 'EAI_AGAIN') return `Cannot start: HOST ${config?.host ?? ''} could not be resolved just now (the name server did not answer). Try again, or set HOST to an address (127.0.0.1, 0.0.0.0).`;
  }
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `Cannot start: no permission to write ${where}. Make the data folder writable or set DATABASE_PATH.`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `Cannot start: cannot create the data folder for ${dbFile}: part of that path is a file, not a folder. Set DATABASE_PATH to a path in a writable folder.`;
    case 'ENOENT':
      return `Cannot start: the data folder for ${dbFile} cannot be created (${where} does not exist and cannot be made). Set DATABASE_PATH.`;
    case 'ENOSPC':
      return `Cannot start: the disk holding ${dbFile} is full. Free some space.`;
    case 'SQLITE_NOTADB':
      return `Cannot start: ${dbFile} is not a SQLite database. Point DATABASE_PATH at the right file or restore a backup (npm run restore -- <file>).`;
    case 'SQLITE_CORRUPT':
      return `Cannot start: ${dbFile} is damaged. Restore a backup (npm run restore -- <file>).`;
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_IOERR_WRITE':
      return `Cannot start: ${dbFile} cannot be opened for writing. Check that DATABASE_PATH is a file in a folder this user can write.`;
    case 'SQLITE_BUSY':
      return `Cannot start: ${dbFile} is locked by another program (a restore in progress?). Try again when it has finished.`;
    default: {
      const message = typeof e.message === 'string' ? e.message : String(err);
      return `Cannot start: ${oneLine(message)}${code ? ` (${code})` : ''}`;
    }
  }
}
