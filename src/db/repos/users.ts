import type { User } from '../../domain/users.ts';
import type { Db } from '../open.ts';
import { keyDigest } from '../rate-limit-store.ts';

/** A user with the password hash, only for the code that checks passwords. */
export interface UserCredentials extends User {
  readonly passwordHash: string;
}

/** Raised when an email is already registered; the service turns it into a field problem. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** Prepared statements on users and on the sessions that belong to them. */
export function createUsersRepo(db: Db) {
  const insert = db.prepare<[string, string, string | null]>('INSERT INTO users (email, password_hash, language) VALUES (?, ?, ?)');
  const byEmail = db.prepare<[string], { id: number; email: string; language: string | null; password_hash: string }>(
    'SELECT id, email, language, password_hash FROM users WHERE email = ?',
  );
  const byId = db.prepare<[number], Omit<User, 'dashboardCharts'> & { dashboard_charts: number }>(
    'SELECT id, email, language, time_zone AS timeZone, theme, dashboard_charts FROM users WHERE id = ?',
  );
  const updateTimeZone = db.prepare<[string | null, number]>('UPDATE users SET time_zone = ? WHERE id = ?');
  const updateAppearance = db.prepare<[string | null, number, number]>('UPDATE users SET theme = ?, dashboard_charts = ? WHERE id = ?');
  const updateLanguage = db.prepare<[string | null, number]>('UPDATE users SET language = ? WHERE id = ?');
  const hashById = db.prepare<[number], { password_hash: string }>('SELECT password_hash FROM users WHERE id = ?');
  const updateHash = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
  const forAdmin = db.prepare<[], { id: number; email: string; created_at: string; last_sign_in_at: number | null; transactions: number }>(
    // Counted from the per-account monthly totals (every row, transfer legs included), not the rows: 83 ms at 1M rows.
    `SELECT id, email, created_at, last_sign_in_at, (SELECT coalesce(sum(tx_count), 0) FROM account_monthly_totals m WHERE m.user_id = u.id) AS transactions
       FROM users u ORDER BY u.id`,
  );
  const signedIn = db.prepare<[number, number]>('UPDATE users SET last_sign_in_at = ? WHERE id = ?');
  const replaceHash = db.prepare<[string, number, string]>('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?');
  const removeSessions = db.prepare<[number]>('DELETE FROM sessions WHERE user_id = ?');
  // A limiter's rows are "<name>:<digest of the key>"; the digest is 43 characters of base64url.
  const forgetLimits = db.prepare<[string]>("DELETE FROM rate_limits WHERE substr(key, -44) = ':' || ?");
  const removeUser = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
  const optimizeText = db.prepare("INSERT INTO transactions_fts (transactions_fts) VALUES ('optimize')");

  return {
    /**
     * Inserts a user (the database gives them the starter categories) and returns it; throws EmailTakenError if the
     * address exists (case-insensitively). A null language follows the browser.
     */
    createUser(email: string, passwordHash: string, language: string | null = null): User {
      try {
        return { id: Number(insert.run(email, passwordHash, language).lastInsertRowid), email, language };
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
      return row && { id: row.id, email: row.email, language: row.language, passwordHash: row.password_hash };
    },

    /** Sets the language of the user's pages; false when there is no such user. */
    updateLanguage(id: number, language: string | null): boolean {
      return updateLanguage.run(language, id).changes === 1;
    },

    /** Sets the zone of the user's days and months (null: the instance's); false when there is no such user. */
    updateTimeZone(id: number, timeZone: string | null): boolean {
      return updateTimeZone.run(timeZone, id).changes === 1;
    },

    /** Sets the person's colour theme (null: follow the device) and whether the dashboard draws its charts. */
    updateAppearance(id: number, appearance: { theme: string | null; dashboardCharts: boolean }): boolean {
      return updateAppearance.run(appearance.theme, appearance.dashboardCharts ? 1 : 0, id).changes === 1;
    },

    /** The user with this id, without the hash. */
    findUserById(id: number): User | undefined {
      const row = byId.get(id);
      if (!row) return undefined;
      const { dashboard_charts, ...user } = row;
      return { ...user, dashboardCharts: dashboard_charts === 1 };
    },

    /** The stored hash of this user, for re-checking the password before a sensitive change. */
    findPasswordHashById(id: number): string | undefined {
      return hashById.get(id)?.password_hash;
    },

    /** Every account for the owner's list: email, created, last sign-in, how many transactions. */
    listUsersForAdmin(): { id: number; email: string; createdAt: string; lastSignInAt: number | null; transactionCount: number }[] {
      return forAdmin.all().map((r) => ({ id: r.id, email: r.email, createdAt: r.created_at, lastSignInAt: r.last_sign_in_at, transactionCount: r.transactions }));
    },

    /** Notes when the person last signed in (for the owner's list of accounts). */
    recordSignIn(id: number, at: number): void {
      signedIn.run(at, id);
    },

    /** Replaces the hash only while it is still `current` (a rehash must not undo a password change); true if replaced. */
    replacePasswordHash(id: number, current: string, next: string): boolean {
      return replaceHash.run(next, id, current).changes === 1;
    },

    /** Replaces the user's password hash; false when there is no such user. */
    updatePasswordHash(id: number, passwordHash: string): boolean {
      return updateHash.run(passwordHash, id).changes === 1;
    },

    /** Deletes every stored session of the user; returns how many. */
    deleteSessionsOfUser(id: number): number {
      return removeSessions.run(id).changes;
    },

    /**
     * Deletes the user; the foreign keys cascade to categories, transactions and jobs. Their sessions are deleted
     * by the caller in the same transaction, so a deleted user's cookie is dead even on a connection opened
     * without foreign_keys.
     */
    deleteUser(id: number): boolean {
      return removeUser.run(id).changes === 1;
    },

    /** Deletes what every rate limit counted under `key` (stored as a digest after its limiter's name); returns how many. */
    forgetRateLimits(key: string): number {
      return forgetLimits.run(keyDigest(key)).changes;
    },

    /**
     * Rewrites the text index without what deleted rows left in it (the caller holds the transaction of the deletion).
     * Deleting a row from this contentless index only marks it deleted: its words and their positions stay in the
     * index's pages, enough to spell its description again, until a merge rewrites them; secure_delete cannot reach
     * them. Rewriting the whole index (about 0.3-0.45 s per million rows) drops them, and the pages it frees are zeroed.
     */
    rewriteTextIndex(): void {
      optimizeText.run();
    },

    /**
     * After a deletion commits: copies the WAL into the database and empties it, so the pages that held the deleted
     * rows, zeroed in the file (secure_delete), are not still readable in the WAL as they were. Best effort: a reader
     * in the middle of a transaction keeps some frames, and the next checkpoint takes them.
     */
    checkpointAfterDeletion(): void {
      // Without waiting: a busy database (another worker writing, a backup reading) is left to the next checkpoint,
      // rather than holding this request, and this process's event loop, for the busy timeout.
      const wait = db.pragma('busy_timeout', { simple: true }) as number;
      db.pragma('busy_timeout = 0');
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // the next checkpoint takes what this one could not
      } finally {
        db.pragma(`busy_timeout = ${wait}`);
      }
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
