import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { fileNameTime, type Db } from './open.ts';
import { migrations as defaultMigrations, type Migration } from './migrations.ts';

/** Thrown when the database was written by a newer version of the app than this one. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Thrown when the database needs migrating but another process has it open: an older server still running. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/** Thrown when the file is a SQLite database of another application: Ledgerly would add its tables to it. */
export class ForeignDatabaseError extends Error {
  override name = 'ForeignDatabaseError';
}

/** Thrown when the database file is gone but the files kept beside it are not: the database was moved or deleted. */
export class DatabaseMissingError extends Error {
  override name = 'DatabaseMissingError';
}

/** The name of the copy a server makes of its open database when the file is deleted or replaced under it. */
export function rescuedDatabaseName(file: string, at: Date, pid: number): string {
  return `${file}.rescued-${fileNameTime(at)}-${pid}`;
}

/**
 * Refuses to make a new, empty database where one was: the file is missing, yet its write-ahead log, a copy a server
 * rescued, or the files a server keeps beside it (`companions`: the session secret, an uploads folder with something
 * in it) are there.
 * Starting afresh then lost everything without a word, and let anyone register first on a closed instance.
 */
export function assertDatabaseNotLost(file: string, companions: readonly string[]): void {
  if (file === ':memory:' || existsSync(file)) return;
  const folder = path.dirname(file);
  const rescued = existsSync(folder)
    ? readdirSync(folder).filter((name) => name.startsWith(`${path.basename(file)}.rescued-`)).sort().map((name) => path.join(folder, name))
    : [];
  // An empty folder says nothing (one made ahead of a first start, by hand or by a deployment tool).
  const left = [`${file}-wal`, ...companions].filter((companion) => existsSync(companion) && (!statSync(companion).isDirectory() || readdirSync(companion).length > 0));
  if (left.length === 0 && rescued.length === 0) return;
  const saved = rescued.length > 0 ? ` The server saved the database it had open as ${rescued.at(-1)}: stop every server, then npm run restore -- that file.` : ' Put it back, or restore a backup (npm run restore -- <file>).';
  throw new DatabaseMissingError(
    `${file} is missing, but ${[...left, ...rescued].join(', ')} ${left.length + rescued.length === 1 ? 'is' : 'are'} still there: the database was moved or deleted.${saved} To start with an empty database instead, remove those first.`,
  );
}

/**
 * Refuses, changing nothing, to upgrade a database file another process has open. `git pull && npm start` beside the
 * old server migrated the live file under it, then failed on the taken port, and the old server went on writing into a
 * schema it does not know (every add failed). Without migrations due, sharing the file is fine (two instances, the
 * workers). Every connection to a WAL database holds a shared lock on the file while open, so an exclusive lock that
 * cannot be had means another process; the probe takes it for an instant and gives it back.
 */
export function assertUpgradeNotShared(file: string, migrations: readonly Migration[] = defaultMigrations): void {
  if (file === ':memory:' || !existsSync(file)) return;
  let probe: Database.Database | undefined;
  try {
    probe = new Database(file, { fileMustExist: true, timeout: 0 });
    const version = probe.pragma('user_version', { simple: true }) as number;
    // Every Ledgerly database has a version from its first migration on; tables at version 0 are another
    // application's, which migrating would quietly turn into a Ledgerly database beside its own data.
    if (version === 0 && (probe.prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number) > 0) {
      throw new ForeignDatabaseError(`${file} is another application's SQLite database, not Ledgerly's. Set DATABASE_PATH to a file of Ledgerly's own.`);
    }
    if (version >= latestSchemaVersion(migrations)) return;
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
  } catch (err) {
    if (err instanceof ForeignDatabaseError) throw err;
    // Not a database at all: said before anything beside it is touched (its mode, a session secret next to it).
    if ((err as { code?: unknown }).code === 'SQLITE_NOTADB') throw err;
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new DatabaseInUseError(
        `${file} needs upgrading to this version's schema, but another process has it open (the previous version still running?). Stop it, then start this one.`,
      );
    }
    // Anything else (not a database, no permission) is for opening the file to report, in its own words.
  } finally {
    probe?.close();
  }
}

/** Applies every migration newer than the file's user_version, each in its own transaction; returns the new version. */
export function migrate(db: Db, migrations: readonly Migration[] = defaultMigrations): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestSchemaVersion(migrations);
  if (current > latest) {
    throw new SchemaTooNewError(
      `The database schema is version ${current}, but this app only knows up to ${latest}. Upgrade the app or restore a matching backup.`,
    );
  }
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  for (const migration of ordered) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      if (migration.up) migration.up(db);
      else db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/** The schema version this code expects. */
export function latestSchemaVersion(migrations: readonly Migration[] = defaultMigrations): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}
