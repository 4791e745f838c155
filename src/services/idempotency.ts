import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { IdempotencyRepo } from '../db/repos/idempotency.ts';
import type { RunInSharedCommit } from '../db/unit-of-work.ts';

/** How long a key's answer is kept and replayed. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** An answer to an API write: its status and JSON body. */
export interface WriteAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A JSON value with every object's keys in order, so two bodies that say the same thing (their fields written in
 * another order, as another JSON library writes them) are the same request.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
}

/**
 * The API's writes. Each runs in a shared commit (db/unit-of-work.ts): with the other writes that reach the server in
 * the same moment, in a savepoint of its own inside one IMMEDIATE transaction, answered once that transaction is on
 * disk. With a key, the first request runs and its answer is stored in the same savepoint as the write (IMMEDIATE, so
 * a concurrent retry in another process waits for it and then finds it; a retry in the same batch finds it too). A
 * retry with the same key and the same request within 24 hours gets that answer and changes nothing; the same key
 * with another request is refused.
 */
export function createIdempotencyService(deps: { keys: IdempotencyRepo; inSharedCommit: RunInSharedCommit; clock: Clock }) {
  return {
    run(
      userId: number,
      key: string | undefined,
      request: { method: string; path: string; body: unknown },
      write: () => WriteAnswer,
    ): Promise<{ kind: 'done'; answer: WriteAnswer; replayed: boolean } | { kind: 'mismatch' }> {
      if (key === undefined) return deps.inSharedCommit(() => ({ kind: 'done' as const, answer: write(), replayed: false }));
      const fingerprint = createHash('sha256').update(JSON.stringify([request.method, request.path, canonical(request.body)])).digest('hex');
      return deps.inSharedCommit(() => {
        const now = deps.clock.now();
        const stored = deps.keys.findAnswer(userId, key);
        if (stored && now - stored.createdAt < IDEMPOTENCY_WINDOW_MS) {
          if (stored.request !== fingerprint) return { kind: 'mismatch' as const };
          return { kind: 'done' as const, answer: { status: stored.status, body: JSON.parse(stored.response) as unknown }, replayed: true };
        }
        const answer = write();
        // Refusals (4xx) are stored too: the same request again would be refused the same way. A 503 ("not now, try
        // again") is not: replaying it would refuse the retry it asks for.
        if (answer.status < 500) deps.keys.saveAnswer(userId, key, { request: fingerprint, status: answer.status, response: JSON.stringify(answer.body), createdAt: now });
        return { kind: 'done' as const, answer, replayed: false };
      });
    },

    /** Forgets answers older than 24 hours (the hourly sweep). */
    pruneOld(): number {
      return deps.keys.pruneAnswersBefore(deps.clock.now() - IDEMPOTENCY_WINDOW_MS);
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
