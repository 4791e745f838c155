import { migrate } from '../../src/db/migrate.ts';
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
