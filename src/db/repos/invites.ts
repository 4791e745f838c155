import type { Db } from '../open.ts';

/** An invite as the admin command lists it: never the token, which only its link carries. */
export interface InviteRow {
  readonly id: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

/** Prepared statements on invites (sign-up links) and the count that decides whether the instance is empty. */
export function createInvitesRepo(db: Db) {
  const insert = db.prepare<[string, number, number]>('INSERT INTO invites (token_hash, created_at, expires_at) VALUES (?, ?, ?)');
  const byHash = db.prepare<[string], InviteRow>(
    'SELECT id, created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt FROM invites WHERE token_hash = ?',
  );
  const consume = db.prepare<[number, number, string, number]>(
    'UPDATE invites SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
  );
  const anyUser = db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM users)').pluck();

  return {
    /** Stores a new invite by the hash of its token. */
    createInvite(tokenHash: string, createdAt: number, expiresAt: number): void {
      insert.run(tokenHash, createdAt, expiresAt);
    },

    /** The invite with this token hash, used or not, expired or not. */
    findInvite(tokenHash: string): InviteRow | undefined {
      return byHash.get(tokenHash);
    },

    /** Spends the invite for this account if it is unused and unexpired at `now`; false otherwise (nothing changes). */
    consumeInvite(tokenHash: string, userId: number, now: number): boolean {
      return consume.run(now, userId, tokenHash, now).changes === 1;
    },

    /** Whether any account exists: the first account of an empty instance needs no invite. */
    hasUsers(): boolean {
      return anyUser.get() === 1;
    },
  };
}

export type InvitesRepo = ReturnType<typeof createInvitesRepo>;
