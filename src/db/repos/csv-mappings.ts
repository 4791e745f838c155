import type { Db } from '../open.ts';

/** Prepared statements on csv_mappings; every one names the user. */
export function createCsvMappingsRepo(db: Db) {
  const find = db.prepare<[number, string], string>('SELECT settings FROM csv_mappings WHERE user_id = ? AND header_key = ?').pluck();
  const save = db.prepare<[number, string, string, number]>(
    `INSERT INTO csv_mappings (user_id, header_key, settings, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, header_key) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  return {
    /** The settings (JSON) remembered for a header, or undefined. */
    findSettings(userId: number, headerKey: string): string | undefined {
      return find.get(userId, headerKey);
    },
    saveSettings(userId: number, headerKey: string, settings: string, at: number): void {
      save.run(userId, headerKey, settings, at);
    },
  };
}

export type CsvMappingsRepo = ReturnType<typeof createCsvMappingsRepo>;
