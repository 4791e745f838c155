import type { Config } from './config.ts';
import { SchemaTooNewError } from './db/migrate.ts';

/** Turns a start-up failure into one line a person can act on, instead of a stack trace. */
export function describeStartupError(err: unknown, config?: Config): string {
  const e = err as { code?: string; message?: string; path?: string };
  if (err instanceof SchemaTooNewError) return `Cannot start: ${err.message}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `Cannot start: port ${config?.port ?? ''} on ${config?.host ?? ''} is already in use. Stop the other program or set PORT.`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `Cannot start: no permission to write ${e.path ?? 'the data folder'}. Make it writable or set DATABASE_PATH.`;
    case 'SQLITE_NOTADB':
      return 'Cannot start: the database file is not a SQLite database. Point DATABASE_PATH at the right file or restore a backup.';
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
      return 'Cannot start: the database file cannot be opened for writing. Check the permissions of the data folder.';
    default:
      return `Cannot start: ${e.message ?? String(err)}`;
  }
}
