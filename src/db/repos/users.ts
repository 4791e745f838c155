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
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
