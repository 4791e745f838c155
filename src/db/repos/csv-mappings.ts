import type { Db } from '../open.ts';

/** A remembered mapping as stored: the header it was made for, its settings (JSON) and when it was last used. */
export interface StoredCsvMapping {
  readonly headerKey: string;
  readonly header: string;
  readonly settings: string;
  readonly updatedAt: number;
}

/** Prepared statements on csv_mappings; every one names the user. */
export function createCsvMappingsRepo(db: Db) {
  const find = db.prepare<[number, string], string>('SELECT settings FROM csv_mappings WHERE user_id = ? AND header_key = ?').pluck();
  const save = db.prepare<[number, string, string, string, number]>(
    `INSERT INTO csv_mappings (user_id, header_key, header, settings, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, header_key) DO UPDATE SET header = excluded.header, settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  const list = db.prepare<[number], { header_key: string; header: string; settings: string; updated_at: number }>(
    'SELECT header_key, header, settings, updated_at FROM csv_mappings WHERE user_id = ? ORDER BY updated_at DESC, header_key',
  );
  const remove = db.prepare<[number, string]>('DELETE FROM csv_mappings WHERE user_id = ? AND header_key = ?');
  return {
    /** The settings (JSON) remembered for a header, or undefined. */
    findSettings(userId: number, headerKey: string): string | undefined {
      return find.get(userId, headerKey);
    },
    saveSettings(userId: number, headerKey: string, header: string, settings: string, at: number): void {
      save.run(userId, headerKey, header.slice(0, 500), settings, at);
    },
    /** Every mapping the user's imports remembered, the most recently used first. */
    listMappings(userId: number): StoredCsvMapping[] {
      return list.all(userId).map((r) => ({ headerKey: r.header_key, header: r.header, settings: r.settings, updatedAt: r.updated_at }));
    },
    /** Forgets one of the user's mappings; false when they have none by that key. */
    deleteMapping(userId: number, headerKey: string): boolean {
      return remove.run(userId, headerKey).changes === 1;
    },
  };
}

export type CsvMappingsRepo = ReturnType<typeof createCsvMappingsRepo>;
