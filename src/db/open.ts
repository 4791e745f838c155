import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file with the pragmas the app relies on.
 *
 * WAL lets readers run while a write commits. synchronous=NORMAL in WAL mode never corrupts the database:
 * an application crash loses nothing that was committed, and a power loss or OS crash can lose at most the
 * last transactions committed since the previous checkpoint, never leave a half-written one.
 */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -16000');
  return db;
}
