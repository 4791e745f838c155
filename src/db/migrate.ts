import type { Db } from './open.ts';
import { migrations as defaultMigrations, type Migration } from './migrations.ts';

/** Thrown when the database was written by a newer version of the app than this one. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
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
