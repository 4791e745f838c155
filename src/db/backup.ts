import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { createPrivateFileSync, makePrivateDirSync, removeGroupAndOtherAccess } from '../file-modes.ts';
import { latestSchemaVersion, migrate } from './migrate.ts';
import { fileNameTime, openDatabase } from './open.ts';

/** Tables every Ledgerly database has from schema version 1 on; a file without them is not one of ours. */
const REQUIRED_TABLES = ['users', 'sessions', 'transactions', 'monthly_totals'] as const;

/** A backup or restore that cannot go ahead; the message is meant for the person at the terminal. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** What a checked database file contains. */
export interface DatabaseFileFacts {
  readonly file: string;
  readonly schemaVersion: number;
  readonly bytes: number;
}

function unreadableFileError(file: string, err: unknown): BackupError | undefined {
  const code = sqliteCode(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CANTOPEN') return new BackupError(`${file} is not a SQLite database (${code}).`);
  if (code?.startsWith('SQLITE_CORRUPT')) return new BackupError(`${file} is damaged (${code}).`);
  return undefined;
}

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function removeSidecars(file: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

/**
 * Checks that a file is a healthy Ledgerly database this code can run: it opens as SQLite, integrity_check says
 * ok, it has our tables, and its schema version is not newer than the code. Throws BackupError saying what is wrong.
 */
export function checkLedgerlyDatabase(file: string, latest = latestSchemaVersion()): DatabaseFileFacts {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const stat = statSync(file);
  if (!stat.isFile()) throw new BackupError(`${file} is not a file.`);
  // SQLite opens an empty file as an empty database, which then read as "not a Ledgerly one".
  if (stat.size === 0) throw new BackupError(`${file} is empty (0 bytes): not a backup.`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new BackupError(`${file} is damaged (integrity_check: ${problems.slice(0, 3).join('; ')}).`);
    }
    const tables = new Set(
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .all()
        .map((row) => row.name),
    );
    const missing = REQUIRED_TABLES.filter((name) => !tables.has(name));
    if (missing.length > 0) {
      throw new BackupError(`${file} is a SQLite database but not a Ledgerly one (no ${missing.join(', ')} table).`);
    }
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion < 1) throw new BackupError(`${file} has no Ledgerly schema version.`);
    if (schemaVersion > latest) {
      throw new BackupError(
        `${file} has schema version ${schemaVersion}, newer than this app (${latest}). Upgrade the app first.`,
      );
    }
    return { file, schemaVersion, bytes: stat.size };
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw unreadableFileError(file, err) ?? err;
  } finally {
    db?.close();
  }
}

/**
 * Copies the live database at sourceFile to destFile with SQLite's online backup API while the app keeps
 * serving. The copy is written beside destFile first and renamed into place only once it has been checked,
 * so destFile is either a complete, consistent database or absent. The copy is owner-only (0600), like the database.
 */
export async function backupDatabase(sourceFile: string, destFile: string): Promise<DatabaseFileFacts> {
  const source = path.resolve(sourceFile);
  const dest = path.resolve(destFile);
  if (dest === source) throw new BackupError('The backup file must not be the database itself.');
  if (!existsSync(source)) throw new BackupError(`There is no database at ${source} to back up.`);
  if (existsSync(dest)) throw new BackupError(`${dest} already exists; choose a new file name (backups are never overwritten).`);
  if (!existsSync(path.dirname(dest))) throw new BackupError(`The folder ${path.dirname(dest)} does not exist.`);

  const partial = `${dest}.partial-${process.pid}`;
  // SQLite would create the copy 0644 minus the umask; made 0600 first, it stays so through the backup and the rename.
  rmSync(partial, { force: true });
  createPrivateFileSync(partial);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, {
      // After the first 100 pages, copy the rest in one step: a single step holds one read snapshot, so a
      // busy server writing meanwhile cannot make the backup restart over and over.
      progress: () => 0x7fffffff,
    });
  } catch (err) {
    rmSync(partial, { force: true });
    throw unreadableFileError(source, err) ?? err;
  } finally {
    db.close();
  }

  try {
    // A backup should be one self-contained file: take it out of WAL mode so no -wal file is ever needed.
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const facts = checkLedgerlyDatabase(partial);
    renameSync(partial, dest);
    return { ...facts, file: dest };
  } catch (err) {
    rmSync(partial, { force: true });
    removeSidecars(partial);
    throw err;
  }
}

/**
 * Throws BackupError when another process has the database open (the running server holds a shared lock on
 * it for as long as it runs). Getting an exclusive lock is the test; it is released before returning.
 * As a side effect a clean close here folds any WAL left by a crash back into the file.
 */
function assertDatabaseNotInUse(file: string): void {
  if (!existsSync(file)) return;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_BUSY') {
      throw new BackupError(
        `${file} is in use by another process (is the server running?). Stop the server, then restore.`,
      );
    }
    // A damaged or foreign file at the target is exactly what a restore replaces, so it is no reason to refuse.
  } finally {
    db?.close();
  }
}

/** Where the replaced database was kept, and what was put in its place. */
export interface RestoreResult extends DatabaseFileFacts {
  /** The backup's own schema version; `schemaVersion` is the restored database's, after upgrading it. */
  readonly backupSchemaVersion: number;
  readonly previousKeptAt: string | undefined;
  /** How many sign-ins the backup held, now ended: everyone signs in again after a restore. */
  readonly endedSessions: number;
  /** How many API tokens the backup held, now ended: each script gets a new one. */
  readonly endedApiTokens: number;
  /**
   * Who the restore changes, by email, when the database it replaces could be read: people in the backup but not in
   * that database (deleted since, who come back), and people in that database but not in the backup (registered
   * since, whose accounts go; they stay in the kept file).
   */
  readonly people: { readonly back: readonly string[]; readonly gone: readonly string[] } | undefined;
}

/** The emails of a database's people, or undefined when it cannot be read (damaged: the reason to restore, say). */
function emailsIn(file: string): Set<string> | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return new Set(db.prepare<[], string>('SELECT email FROM users').pluck().all());
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

/**
 * Replaces the database at targetFile with the backup at backupFile. The server must be stopped: this refuses
 * while the database is in use. The backup is checked first, copied beside the target and checked again, and
 * only then swapped in; the database it replaces is kept as `<target>.before-restore-<now>` (now from the caller's
 * clock, so a test can name the kept file).
 */
export async function restoreDatabase(backupFile: string, targetFile: string, now: Date): Promise<RestoreResult> {
  const backup = path.resolve(backupFile);
  const target = path.resolve(targetFile);
  if (backup === target) throw new BackupError('The backup file is the database itself; nothing to restore.');
  checkLedgerlyDatabase(backup);
  // On a new machine the data folder is not there yet: it is made owner-only, as the server makes it.
  makePrivateDirSync(path.dirname(target));
  assertDatabaseNotInUse(target);

  const staged = `${target}.restoring-${process.pid}`;
  rmSync(staged, { force: true });
  // Made 0600 before SQLite writes into it, so the restored database is owner-only like one the server creates.
  createPrivateFileSync(staged);
  const source = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    await source.backup(staged, { progress: () => 0x7fffffff });
  } catch (err) {
    // A copy cut short (a full disk) is no use to anyone: it went unnoticed beside the database before.
    rmSync(staged, { force: true });
    removeSidecars(staged);
    throw err;
  } finally {
    source.close();
  }
  let facts: DatabaseFileFacts;
  try {
    facts = checkLedgerlyDatabase(staged);
  } catch (err) {
    rmSync(staged, { force: true });
    throw err;
  }

  // No sign-in comes back with the backup: one it holds may have been ended since (a new password, signing out
  // elsewhere, a deleted account), and its cookie would work again. Everyone signs in again after a restore. API
  // tokens are bearer credentials too: one revoked after the backup (a leaked one) would answer again, so they end
  // as well, and each script is given a new one.
  let endedSessions: number;
  let endedApiTokens: number;
  try {
    const restored = new Database(staged, { fileMustExist: true });
    try {
      // Zeroed, as the server deletes (secure_delete): a backup from before the sessions' secrets were sealed held them.
      restored.pragma('secure_delete = ON');
      endedSessions = restored.prepare('DELETE FROM sessions').run().changes;
      // A backup from before the API (schema 20) has no tokens to end.
      const hasTokens = restored.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_tokens'").get() !== undefined;
      endedApiTokens = hasTokens ? restored.prepare('DELETE FROM api_tokens').run().changes : 0;
    } finally {
      restored.close();
    }
  } catch (err) {
    rmSync(staged, { force: true });
    removeSidecars(staged);
    throw err;
  }

  // Upgraded here rather than first by the next server: a backup this version cannot upgrade is refused while the
  // database it would replace is still in place. A database made by a commit whose migrations were changed after it
  // (schema 41 of 36735a1) was restored, and then no server would start on it.
  let schemaVersion: number;
  try {
    const upgrading = openDatabase(staged);
    try {
      schemaVersion = migrate(upgrading);
    } finally {
      upgrading.close();
    }
  } catch (err) {
    rmSync(staged, { force: true });
    removeSidecars(staged);
    throw new BackupError(
      `${backup} has schema version ${facts.schemaVersion}, which this app cannot upgrade (${err instanceof Error ? err.message : String(err)}). Nothing was restored.`,
    );
  }

  // Checked again just before the swap, so a server started during the copy is not pulled out from under.
  assertDatabaseNotInUse(target);
  const before = existsSync(target) ? emailsIn(target) : undefined;
  const restoredPeople = before && emailsIn(staged);
  const people = before && restoredPeople
    ? { back: [...restoredPeople].filter((email) => !before.has(email)).sort(), gone: [...before].filter((email) => !restoredPeople.has(email)).sort() }
    : undefined;
  let previousKeptAt: string | undefined;
  if (existsSync(target)) {
    // The kept copy holds the same finances, so it becomes owner-only too. Only best effort: it is set aside, not
    // used, and refusing the restore for it would help nobody; the next start-up warns about one it could not change.
    try {
      removeGroupAndOtherAccess(target);
    } catch {
      // named by the start-up warning instead
    }
    previousKeptAt = `${target}.before-restore-${fileNameTime(now)}`;
    renameSync(target, previousKeptAt);
  }
  // A WAL left beside the target belongs to the replaced file; replayed onto the restored one it would corrupt it.
  removeSidecars(target);
  renameSync(staged, target);
  return { ...facts, schemaVersion, backupSchemaVersion: facts.schemaVersion, file: target, previousKeptAt, endedSessions, endedApiTokens, people };
}

/**
 * Copies an open database as it stands (its WAL included) to a new file `target`: made 0600 before SQLite writes
 * into it, in a folder made owner-only if it is missing. A copy that fails leaves nothing behind, so a half-written
 * one is never named as the thing to restore.
 */
export async function saveOpenDatabase(db: Database.Database, target: string): Promise<void> {
  makePrivateDirSync(path.dirname(target));
  createPrivateFileSync(target);
  try {
    await db.backup(target);
  } catch (err) {
    rmSync(target, { force: true });
    removeSidecars(target);
    throw err;
  }
}
