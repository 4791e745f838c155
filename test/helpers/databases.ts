import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { tempDataDir } from './server-process.ts';

/**
 * A migrated database file and a second connection to it, as another process (a cluster worker, the admin tool)
 * would hold one; both closed and the folder removed when the test ends.
 */
export function twoConnectionsToOneFile(t: { after: (fn: () => void) => void }): { db: Db; other: Db } {
  const tmp = tempDataDir();
  const db = openDatabase(tmp.dbPath);
  migrate(db);
  const other = openDatabase(tmp.dbPath);
  t.after(() => {
    other.close();
    db.close();
    tmp.remove();
  });
  return { db, other };
}

/**
 * A database file of its own, migrated to the latest schema or (with `upTo`) to that version only, as an older
 * release left it; closed and its folder removed when the test ends.
 */
export function databaseFile(t: { after: (fn: () => void) => void }, upTo?: number): Db {
  const tmp = tempDataDir();
  const db = openDatabase(tmp.dbPath);
  migrate(db, upTo === undefined ? undefined : migrations.filter((m) => m.version <= upTo));
  t.after(() => {
    db.close();
    tmp.remove();
  });
  return db;
}
