import type { Db } from '../open.ts';

/** A stored answer to an idempotent write. */
export interface StoredAnswer {
  readonly request: string;
  readonly status: number;
  readonly response: string;
  readonly createdAt: number;
}

/** Prepared statements on idempotency_keys; every one names the user. */
export function createIdempotencyRepo(db: Db) {
  const find = db.prepare<[number, string], StoredAnswer>(
    'SELECT request, status, response, created_at AS createdAt FROM idempotency_keys WHERE user_id = ? AND key = ?',
  );
  const save = db.prepare<[number, string, string, number, string, number]>(
    `INSERT INTO idempotency_keys (user_id, key, request, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, key) DO UPDATE SET request = excluded.request, status = excluded.status,
       response = excluded.response, created_at = excluded.created_at`,
  );
  const prune = db.prepare<[number]>('DELETE FROM idempotency_keys WHERE created_at < ?');
  return {
    findAnswer(userId: number, key: string): StoredAnswer | undefined {
      return find.get(userId, key);
    },
    /** Stores (or, for a key older than a day, replaces) the answer under the key. */
    saveAnswer(userId: number, key: string, a: { request: string; status: number; response: string; createdAt: number }): void {
      save.run(userId, key, a.request, a.status, a.response, a.createdAt);
    },
    pruneAnswersBefore(before: number): number {
      return prune.run(before).changes;
    },
  };
}

export type IdempotencyRepo = ReturnType<typeof createIdempotencyRepo>;
