import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { createPrivateFileSync, makePrivateDirSync } from '../file-modes.ts';

export type Db = Database.Database;

/** How hard SQLite works to make a commit survive the machine losing power (see openDatabase). */
export type SynchronousLevel = 'NORMAL' | 'FULL';

export interface OpenOptions {
  readonly readonly?: boolean;
  /** FULL unless a caller has a reason (e.g. a throwaway bulk-load benchmark) to trade durability for speed. */
  readonly synchronous?: SynchronousLevel;
  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
}

/**
 * Milliseconds a connection waits for another one's write lock before SQLITE_BUSY (then a 503 with Retry-After). Long
 * enough for the longest write another process makes: with two workers, a 200,000-row import's one transaction held
 * the lock 7.4 s and an account deletion with its text-index rewrite 5.5 s, and at 5 s the other worker's adds failed
 * while the importing worker's own requests simply waited. A CLI command or a backup step is far shorter.
 */
export const BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens (creating if needed) the SQLite file with the pragmas the app relies on.
 *
 * WAL lets readers (pages, an online backup) run while a write commits, and a commit is one append to the WAL.
 * synchronous=FULL fsyncs the WAL at every commit. What each fault can cost:
 * - the process crashing or being killed (SIGKILL, OOM): nothing that was committed; the WAL is replayed on the
 *   next open (test/integration/crash.test.ts kills the real server 20+ times to prove it);
 * - a power loss or kernel crash: nothing committed either, as long as the disk honours fsync. With NORMAL the
 *   WAL is only synced at checkpoints, so a power loss could silently drop the last acknowledged writes (never
 *   corrupt the file). A person who saw "Expense added." must not lose it, and an fsync per commit costs about
 *   0.2-0.3 ms here against several ms for the HTTP request around it, so FULL is the default.
 * foreign_keys is off by default in SQLite and per connection, so every connection must turn it on.
 * A new database is made owner-only (folder 0700, file 0600, and so its -wal and -shm too): it holds people's finances.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  // '' is a private temporary database in SQLite; only a named file has a folder and a mode of its own.
  if (file !== ':memory:' && file !== '' && !readonly) {
    makePrivateDirSync(path.dirname(file));
    createPrivateFileSync(file);
  }
  const db = new Database(file, { readonly, fileMustExist: readonly });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    // The first pragma that reads the file is where "not a database" and "cannot write here" surface.
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      // What is deleted is overwritten with zeros, not left in free space: a deleted account's email, hash and
      // descriptions stayed readable in the file and in every backup copied from it.
      db.pragma('secure_delete = ON');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -16000');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Runs a small write whose loss in a power cut costs nothing (a rate-limit counter) without waiting for the disk:
 * its commit is synchronous=NORMAL, written to the WAL but not fsynced (the next fsynced commit, or a checkpoint,
 * carries it to the disk). A process that is killed loses nothing either way: the WAL is in the operating system's
 * page cache. An API request counted by its token's limiter blocked the event loop for an fsync, about 0.5 ms on
 * this machine's disk, to keep a number no one would miss. Inside a transaction the level cannot change and the
 * write is the transaction's, so it runs as it is.
 */
export function withoutFsync<T>(db: Db, work: () => T): T {
  if (db.inTransaction) return work();
  const level = db.pragma('synchronous', { simple: true }) as number;
  if (level <= 1) return work();
  db.pragma('synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.pragma(`synchronous = ${level}`);
  }
}

/** Which file on disk a path names (device and inode), to notice it deleted or replaced under an open connection. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The file `file` names now, or undefined when there is none; any other failure to look (EACCES) throws. */
export function fileIdentity(file: string): FileIdentity | undefined {
  try {
    const { dev, ino } = statSync(file);
    return { dev, ino };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** A moment as file names carry it, sorting in time order: "2026-12-04T19-15-52-095Z". */
export function fileNameTime(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}
