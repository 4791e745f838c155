import type { Db } from '../open.ts';

/** One security event of a person, as the account page lists it. */
export interface SecurityEventRow {
  readonly at: number;
  readonly event: string;
  readonly ip: string | null;
  readonly detail: string | null;
}

/** Prepared statements on security_events; every read and write names the user. */
export function createSecurityEventsRepo(db: Db) {
  const insert = db.prepare<[number, number, string, string | null, string | null]>('INSERT INTO security_events (user_id, at, event, ip, detail) VALUES (?, ?, ?, ?, ?)');
  const latest = db.prepare<[number, number], SecurityEventRow>('SELECT at, event, ip, detail FROM security_events WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?');
  const prune = db.prepare<[number]>('DELETE FROM security_events WHERE at < ?');
  return {
    /** Keeps one event of the user. */
    recordEvent(userId: number, at: number, event: string, ip: string | null, detail: string | null): void {
      insert.run(userId, at, event, ip, detail);
    },
    /** The user's latest events, newest first. */
    listLatestEvents(userId: number, limit: number): SecurityEventRow[] {
      return latest.all(userId, limit);
    },
    /** Deletes every event older than `before`; returns how many went. */
    pruneEventsBefore(before: number): number {
      return prune.run(before).changes;
    },
  };
}

export type SecurityEventsRepo = ReturnType<typeof createSecurityEventsRepo>;
