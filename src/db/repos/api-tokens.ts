import type { TokenScope } from '../../domain/api-tokens.ts';
import type { Db } from '../open.ts';

/** A token as listed on the account page (never its hash). */
export interface ApiTokenRow {
  readonly id: number;
  readonly name: string;
  readonly scope: TokenScope;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
}

/** What a bearer token resolves to. */
export interface TokenOwner {
  readonly tokenId: number;
  readonly userId: number;
  readonly scope: TokenScope;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  /** The owner's language (null: the instance's), read in the same lookup: problems are worded in it. */
  readonly language: string | null;
}

/** Prepared statements on api_tokens: every one takes the user, except the lookup by hash a request starts with. */
export function createApiTokensRepo(db: Db) {
  const insert = db.prepare<[number, string, string, string, number, number | null]>(
    'INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const ofUser = db.prepare<[number], ApiTokenRow>(
    'SELECT id, name, scope, created_at AS createdAt, expires_at AS expiresAt, last_used_at AS lastUsedAt FROM api_tokens WHERE user_id = ? ORDER BY id',
  );
  const byHash = db.prepare<[string], TokenOwner>(
    `SELECT t.id AS tokenId, t.user_id AS userId, t.scope, t.expires_at AS expiresAt, t.last_used_at AS lastUsedAt, u.language
       FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`,
  );
  const touch = db.prepare<[number, number]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
  const remove = db.prepare<[number, number]>('DELETE FROM api_tokens WHERE id = ? AND user_id = ?');
  const removeAll = db.prepare<[number]>('DELETE FROM api_tokens WHERE user_id = ?');
  const countOf = db.prepare<[number], number>('SELECT count(*) FROM api_tokens WHERE user_id = ?').pluck();
  return {
    createToken(userId: number, t: { name: string; hash: string; scope: TokenScope; createdAt: number; expiresAt: number | null }): number {
      return Number(insert.run(userId, t.name, t.hash, t.scope, t.createdAt, t.expiresAt).lastInsertRowid);
    },
    listTokens(userId: number): ApiTokenRow[] {
      return ofUser.all(userId);
    },
    /** The token with this hash: one lookup on a unique index. */
    findTokenByHash(hash: string): TokenOwner | undefined {
      return byHash.get(hash);
    },
    markUsed(tokenId: number, at: number): void {
      touch.run(at, tokenId);
    },
    revokeToken(userId: number, id: number): boolean {
      return remove.run(id, userId).changes === 1;
    },
    /** Revokes every token of the user; returns how many there were. */
    revokeAllTokens(userId: number): number {
      return removeAll.run(userId).changes;
    },
    countTokens(userId: number): number {
      return countOf.get(userId) ?? 0;
    },
  };
}

export type ApiTokensRepo = ReturnType<typeof createApiTokensRepo>;
