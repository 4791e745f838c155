import type { Db } from '../open.ts';

/** The public face of a user: what the session and the pages may see. */
export interface User {
  readonly id: number;
  readonly email: string;
}

/** A user with the password hash, only for the code that checks passwords. */
export interface UserCredentials extends User {
  readonly passwordHash: string;
}

/** Raised when an email is already registered; the route turns it into a field message. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** Prepared statements on the users table. */
export function createUsersRepo(db: Db) {
  const insert = db.prepare<[string, string]>('INSERT INTO users (email, password_hash) VALUES (?, ?)');
  const byEmail = db.prepare<[string], { id: number; email: string; password_hash: string }>(
    'SELECT id, email, password_hash FROM users WHERE email = ?',
  );
  const byId = db.prepare<[number], User>('SELECT id, email FROM users WHERE id = ?');
  const hashById = db.prepare<[number], { password_hash: string }>('SELECT password_hash FROM users WHERE id = ?');
  const updateHash = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
  const removeSessions = db.prepare<[number]>('DELETE FROM sessions WHERE user_id = ?');
  const removeUser = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
  // The foreign keys cascade to categories and transactions; sessions are deleted explicitly as well, so a
  // deleted user's cookie is dead even on a connection opened without foreign_keys.
  // A new password and the end of every session commit together: no crash can leave old sessions alive
  // after the password they were opened with has been replaced.
  const replaceHashEndingSessions = db.transaction((id: number, passwordHash: string): number | undefined => {
    if (updateHash.run(passwordHash, id).changes !== 1) return undefined;
    return removeSessions.run(id).changes;
  });
  const deleteEverything = db.transaction((id: number): boolean => {
    removeSessions.run(id);
    return removeUser.run(id).changes === 1;
  });

  return {
    /** Inserts a user and returns it; throws EmailTakenError if the address exists (case-insensitively). */
    createUser(email: string, passwordHash: string): User {
      try {
        const id = Number(insert.run(email, passwordHash).lastInsertRowid);
        return { id, email };
      } catch (err) {
        if (err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new EmailTakenError('email already registered');
        }
        throw err;
      }
    },

    /** The user with this email and their hash, for login. */
    findCredentialsByEmail(email: string): UserCredentials | undefined {
      const row = byEmail.get(email);
      return row && { id: row.id, email: row.email, passwordHash: row.password_hash };
    },

    /** The user with this id, without the hash. */
    findUserById(id: number): User | undefined {
      return byId.get(id);
    },

    /** The stored hash of this user, for re-checking the password before a sensitive change. */
    findPasswordHashById(id: number): string | undefined {
      return hashById.get(id)?.password_hash;
    },

    /**
     * Replaces the user's password hash and deletes every one of their sessions in one transaction; returns how
     * many sessions ended, or undefined when there is no such user.
     */
    replacePasswordHashEndingSessions(id: number, passwordHash: string): number | undefined {
      return replaceHashEndingSessions.immediate(id, passwordHash);
    },

    /** Deletes the user, every session of theirs and (by cascade) all their data, in one transaction. */
    deleteUserAndSessions(id: number): boolean {
      return deleteEverything.immediate(id);
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
