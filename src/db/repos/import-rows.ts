import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EntryType } from '../../domain/accounts.ts';
import type { ImportRow } from '../../domain/imports.ts';
import { createPrivateFileSync } from '../../file-modes.ts';
import type { Db } from '../open.ts';

/** Rows per multi-row INSERT: 100 x 8 parameters stays far below SQLite's parameter limit. */
const STAGE_BATCH_ROWS = 100;

const COLUMNS = 'line, type, amount_cents, occurred_on, description, category_name, account_name, transfer_ref, refund';
const COLUMN_TYPES = `line INTEGER NOT NULL, type TEXT NOT NULL, amount_cents INTEGER NOT NULL, occurred_on TEXT NOT NULL,
  description TEXT NOT NULL, category_name TEXT NOT NULL, account_name TEXT NOT NULL, transfer_ref TEXT NOT NULL, refund INTEGER NOT NULL`;

/** A staged row as read back, in COLUMNS' order after its number (arrays: cheaper to read than named columns). */
type StagedRowData = [n: number, line: number, type: EntryType, amountCents: number, occurredOn: string, description: string, categoryName: string, accountName: string, transferRef: string, refund: 0 | 1];

/** A staged row and its place in the order it is read back in (the keyset cursor of the next page). */
export interface StagedRow {
  readonly n: number;
  readonly row: ImportRow;
}

const toStaged = ([n, line, type, amountCents, occurredOn, description, categoryName, accountName, transferRef, refund]: StagedRowData): StagedRow => ({
  n,
  row: refund === 1 ? { line, occurredOn, type, amountCents, description, categoryName, accountName, transferRef, refund: true } : { line, occurredOn, type, amountCents, description, categoryName, accountName, transferRef },
});

/** A scratch file's name ends in the id of the process that made it and a random part (one per connection). */
const SCRATCH_FILE = /-import-(\d+)-[0-9a-f]{12}$/;

/** The scratch files this process made: any other bearing its id was made by an earlier process that had the same id. */
const ownScratchFiles = new Set<string>();

/** Whether a process with this id is running (ours, or one we may not signal). */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid)) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The connection's scratch database, where a CSV import's checked rows wait between reading the file and writing
 * them, so that a large file is never held in memory. It is a file of its own beside the database, one per connection
 * (each cluster worker has its own), named with the process id, without a journal or fsync: staged rows are made again from the kept upload if
 * the process dies, so staging costs no WAL writes and no checkpoints, and backups never see it. Dropped tables
 * give their space back (auto_vacuum). A file left by a process that is gone (killed) is removed here, and so is one
 * left by an earlier process that had this one's id (a container's server is often process 1 every time).
 */
function attachScratch(db: Db): void {
  if (db.prepare("SELECT 1 FROM pragma_database_list WHERE name = 'import_scratch'").get() !== undefined) return;
  const named = db.name !== '' && db.name !== ':memory:' && !db.readonly;
  let file = '';
  if (named) {
    const dir = path.dirname(db.name);
    const prefix = `${path.basename(db.name)}-import-`;
    for (const name of readdirSync(dir)) {
      const pid = Number(SCRATCH_FILE.exec(name)?.[1]);
      const left = pid === process.pid ? !ownScratchFiles.has(path.join(dir, name)) : !isRunning(pid);
      if (name.startsWith(prefix) && Number.isInteger(pid) && left) rmSync(path.join(dir, name), { force: true });
    }
    file = path.join(dir, `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
    createPrivateFileSync(file);
    ownScratchFiles.add(file);
  }
  db.prepare('ATTACH DATABASE ? AS import_scratch').run(file);
  db.pragma('import_scratch.auto_vacuum = FULL');
  // The scratch file holds an upload on its way in and is removed after; zeroing what it deletes (secure_delete, on
  // for the main database) would only add writes to every import.
  db.pragma('import_scratch.secure_delete = OFF');
  // better-sqlite3 opens connections in SQLite's defensive mode, which quietly ignores journal_mode=OFF (the scratch
  // file then kept a rollback journal beside it during every write); the mode is lifted for this one pragma only.
  db.unsafeMode(true);
  try {
    db.pragma('import_scratch.journal_mode = OFF');
  } finally {
    db.unsafeMode(false);
  }
  db.pragma('import_scratch.synchronous = OFF');
  // Reading back walks the sorted tables in order, so a small cache serves it; the OS caches the file.
  db.pragma('import_scratch.cache_size = -2000');
}

/**
 * Removes the scratch files this process made, once its connections are closed (a graceful stop): without it
 * they stayed until the next start swept them.
 */
export function removeOwnScratchFiles(): void {
  for (const file of ownScratchFiles) {
    rmSync(file, { force: true });
    ownScratchFiles.delete(file);
  }
}

/**
 * An import's rows in the scratch database (see attachScratch). Each import (owner and batch key) has its own
 * tables, named from a digest of both: `staged` takes rows as read, appended in file order (cheap: each insert
 * touches the last page only); `sort` then copies incomes and expenses in date order, then line, and transfer legs
 * by reference, then line, so the writer reads both a page at a time straight through; `finish` drops them.
 */
export function createImportRowsRepo(db: Db) {
  attachScratch(db);
  const tablesOf = (userId: number, batch: string) => {
    const id = `${userId}_${createHash('sha256').update(batch).digest('hex').slice(0, 24)}`;
    return { staged: `import_scratch."staged_${id}"`, entries: `import_scratch."entries_${id}"`, legs: `import_scratch."legs_${id}"` };
  };
  const drop = (userId: number, batch: string) => {
    const t = tablesOf(userId, batch);
    db.exec(`DROP TABLE IF EXISTS ${t.staged}; DROP TABLE IF EXISTS ${t.entries}; DROP TABLE IF EXISTS ${t.legs};`);
  };
  const pageOf = (table: string, after: number, limit: number): StagedRow[] =>
    db
      .prepare<[number, number], StagedRowData>(`SELECT rowid AS n, ${COLUMNS} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
      .raw()
      .all(after, limit)
      .map(toStaged);

  return {
    /** Starts staging an import's rows, forgetting any left from an earlier run of it. */
    startStaging(userId: number, batch: string): void {
      drop(userId, batch);
      db.exec(`CREATE TABLE ${tablesOf(userId, batch).staged} (${COLUMN_TYPES})`);
    },

    /** Appends checked rows of the import, in file order. */
    stageRows(userId: number, batch: string, rows: readonly ImportRow[]): void {
      const table = tablesOf(userId, batch).staged;
      const insert = (count: number) =>
        db.prepare<unknown[]>(`INSERT INTO ${table} (${COLUMNS}) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`);
      const full = insert(STAGE_BATCH_ROWS);
      const values: unknown[] = [];
      for (let i = 0; i < rows.length; i += STAGE_BATCH_ROWS) {
        values.length = 0;
        const part = rows.slice(i, i + STAGE_BATCH_ROWS);
        for (const r of part) values.push(r.line, r.type, r.amountCents, r.occurredOn, r.description, r.categoryName, r.accountName, r.transferRef, r.refund ? 1 : 0);
        (part.length === STAGE_BATCH_ROWS ? full : insert(part.length)).run(...values);
      }
    },

    /** Puts the staged rows in the orders the writer reads them in (SQLite sorts, spilling to disk when large). */
    sort(userId: number, batch: string): void {
      const t = tablesOf(userId, batch);
      db.exec(`CREATE TABLE ${t.entries} (${COLUMN_TYPES});
        INSERT INTO ${t.entries} SELECT ${COLUMNS} FROM ${t.staged} WHERE transfer_ref = '' ORDER BY occurred_on, line;
        CREATE TABLE ${t.legs} (${COLUMN_TYPES});
        INSERT INTO ${t.legs} SELECT ${COLUMNS} FROM ${t.staged} WHERE transfer_ref <> '' ORDER BY transfer_ref, line;
        DROP TABLE ${t.staged};`);
    },

    /** The next `limit` incomes and expenses (in date order, then line) after the one numbered `after` (0: the first). */
    listEntries(userId: number, batch: string, after: number, limit: number): StagedRow[] {
      return pageOf(tablesOf(userId, batch).entries, after, limit);
    },

    /** The next `limit` transfer legs (by reference, then line) after the one numbered `after` (0: the first). */
    listLegs(userId: number, batch: string, after: number, limit: number): StagedRow[] {
      return pageOf(tablesOf(userId, batch).legs, after, limit);
    },

    /** Drops everything staged for the import. */
    finish(userId: number, batch: string): void {
      drop(userId, batch);
    },
  };
}

export type ImportRowsRepo = ReturnType<typeof createImportRowsRepo>;
