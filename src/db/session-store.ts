import { createHash } from 'node:crypto';
import session from 'express-session';
import type { Clock } from '../clock.ts';
import { MAX_SESSIONS_PER_PERSON } from '../domain/limits.ts';
import type { Db } from './open.ts';

type Callback = (err?: unknown) => void;
type GetCallback = (err: unknown, session?: session.SessionData | null) => void;

const DAY_MS = 24 * 60 * 60 * 1000;
const TOUCH_AFTER_MS = 60 * 1000;
/** At most this many read sessions waiting for their touch (the requests in flight, in practice). */
const READ_EXPIRIES_KEPT = 10_000;

/**
 * What a session is stored under: a SHA-256 digest of its id, never the id (the cookie's secret) itself, so a copy of
 * the database file or a backup holds nothing a browser could present. The id is 24 random bytes, so a plain digest
 * cannot be reversed by trying ids.
 */
function storedKey(sid: string): string {
  return createHash('sha256').update(sid, 'utf8').digest('base64url');
}

/**
 * express-session store on our SQLite file: sessions survive restarts and are shared by every process using
 * the file. Expired rows are never returned, so a stolen cookie cannot be replayed after its expiry. Expiry is
 * reckoned on the injected clock (now + the cookie's max age), not on the Date that express-session stamps into
 * the cookie, so tests can move time and the server's idea of "expired" has one source. Rows are keyed by
 * storedKey(sid); the column keeps its name.
 */
export class SqliteSessionStore extends session.Store {
  readonly #get;
  readonly #set;
  readonly #update;
  readonly #pruneSignedIn;
  readonly #prunePending;
  readonly #db: Db;
  readonly #destroy;
  readonly #touch;
  readonly #prune;
  readonly #destroyForUser;
  readonly #countForUser;
  /**
   * The stored expiry of each session read and not yet touched: the touch at the end of the same request can then
   * tell, without a statement, that its UPDATE would match nothing. An UPDATE that matches nothing still takes
   * SQLite's write lock and gives it back (about 4% of an add's CPU under load). Stored expiries only move forward,
   * so one read earlier never skips a touch that was due. Bounded: an entry whose request never reached its touch is
   * dropped with the rest when the map is full.
   */
  readonly #readExpiries = new Map<string, number>();

  constructor(
    db: Db,
    private readonly clock: Clock,
    /**
     * Told of a session that could not be written (a full disk, a file system gone read-only). express-session loses
     * the error once the page is on its way, and the person then only saw "this form was out of date" on their next
     * post, with nothing in the log.
     */
    private readonly onWriteError: (err: unknown) => void = () => {},
  ) {
    super();
    this.#db = db;
    this.#get = db.prepare<[string, number], { data: string; expires_at: number }>(
      'SELECT data, expires_at FROM sessions WHERE sid = ? AND expires_at > ?',
    );
    this.#set = db.prepare<[string, number | null, string, number, number]>(
      `INSERT INTO sessions (sid, user_id, data, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sid) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at,
                                       last_seen_at = excluded.last_seen_at`,
    );
    this.#update = db.prepare<[number | null, string, number, number, string]>(
      'UPDATE sessions SET user_id = ?, data = ?, expires_at = ?, last_seen_at = ? WHERE sid = ?',
    );
    this.#destroy = db.prepare<[string]>('DELETE FROM sessions WHERE sid = ?');
    // "Last seen" moves with the expiry, so it is as fresh as a minute and costs no extra write.
    this.#touch = db.prepare<[number, number, string, number]>('UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE sid = ? AND expires_at < ?');
    this.#prune = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
    // The new session is never among those ended, even when others were last seen in the same millisecond. Signed-in
    // sessions and sign-ins still waiting for their second factor are limited apart: a password alone (a pending
    // sign-in fifty times) must not end the sessions of someone who also has the code.
    const pruneAmong = (signedIn: boolean) => {
      const which = `json_extract(data, '$.passport.user') IS ${signedIn ? 'NOT ' : ''}NULL`;
      return db.prepare<[number, string, number, string, number]>(
        `DELETE FROM sessions WHERE user_id = ? AND sid <> ? AND sid IN (
           SELECT sid FROM sessions WHERE user_id = ? AND sid <> ? AND ${which} ORDER BY last_seen_at DESC, sid LIMIT -1 OFFSET ?)`,
      );
    };
    this.#pruneSignedIn = pruneAmong(true);
    this.#prunePending = pruneAmong(false);
    this.#destroyForUser = db.prepare<[number, string]>('DELETE FROM sessions WHERE user_id = ? AND sid <> ?');
    this.#countForUser = db.prepare<[number, number], { n: number }>(
      "SELECT count(*) AS n FROM sessions WHERE user_id = ? AND expires_at > ? AND json_extract(data, '$.passport.user') IS NOT NULL",
    );
    this.#listForUser = db.prepare<[number, number], { sid: string; data: string; last_seen_at: number | null }>(
      // Signed-in sessions only: one still waiting for its code is not a device the person uses.
      "SELECT sid, data, last_seen_at FROM sessions WHERE user_id = ? AND expires_at > ? AND json_extract(data, '$.passport.user') IS NOT NULL ORDER BY last_seen_at DESC",
    );
    this.#destroyOneOfUser = db.prepare<[number, string]>('DELETE FROM sessions WHERE user_id = ? AND sid = ?');
    this.#destroyOpenedWithPasskey = db.prepare<[number, number]>("DELETE FROM sessions WHERE user_id = ? AND json_extract(data, '$.passkeyId') = ?");
  }

  readonly #destroyOpenedWithPasskey;

  /** Ends every session of the user that signed in with this passkey (it is being removed); returns how many. */
  destroySessionsOpenedWithPasskey(userId: number, passkeyId: number): number {
    return this.#destroyOpenedWithPasskey.run(userId, passkeyId).changes;
  }

  readonly #listForUser;
  readonly #destroyOneOfUser;

  /** The user's live sessions, most recently seen first, each by its stored key, with what the app stored about it at sign-in. */
  listSessionsOfUser(userId: number): { key: string; data: session.SessionData; lastSeenAt: number | null }[] {
    return this.#listForUser.all(userId, this.clock.now()).map((r) => ({ key: r.sid, data: JSON.parse(r.data) as session.SessionData, lastSeenAt: r.last_seen_at }));
  }

  /** The key a session id is stored under, to tell the current session in listSessionsOfUser. */
  keyOf(sid: string): string {
    return storedKey(sid);
  }

  /** Ends one session of the user (by its stored key); false when the user has no such session. */
  destroySessionOfUser(userId: number, key: string): boolean {
    return this.#destroyOneOfUser.run(userId, key).changes === 1;
  }

  override get(sid: string, callback: GetCallback): void {
    try {
      const key = storedKey(sid);
      const row = this.#get.get(key, this.clock.now());
      if (row) {
        if (this.#readExpiries.size >= READ_EXPIRIES_KEPT) this.#readExpiries.clear();
        this.#readExpiries.set(key, row.expires_at);
      }
      callback(null, row ? (JSON.parse(row.data) as session.SessionData) : null);
    } catch (err) {
      callback(err);
    }
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    const key = storedKey(sid);
    this.#readExpiries.delete(key);
    try {
      // A sign-in waiting for its second factor belongs to its person too, so whatever ends their sessions (a new
      // password, signing out elsewhere, an owner's reset) ends it before its code can complete it.
      const userId = typeof data.passport?.user === 'number' ? data.passport.user : typeof data.pendingTwoFactor?.userId === 'number' ? data.pendingTwoFactor.userId : null;
      // A session read from its row is only ever updated: if the row has gone meanwhile (its person's sessions were
      // ended while this request ran), the session stays ended. Only a session new to the store is inserted. The
      // mark lives in the stored data, so it holds across worker processes; it is added to the copy written, not to
      // the session object, whose hash express-session took before calling this.
      if (data.stored === true) this.#update.run(userId, JSON.stringify(data), this.#expiryOf(data), this.clock.now(), key);
      else if (userId === null) this.#set.run(key, userId, JSON.stringify({ ...data, stored: true }), this.#expiryOf(data), this.clock.now());
      else {
        // A new sign-in: the person's sessions of its sort (signed in, or waiting for a code) beyond the newest
        // MAX_SESSIONS_PER_PERSON end, least recently seen first, in the same commit. Signing in over and over kept
        // every session, and the account page listed them all.
        const prune = typeof data.passport?.user === 'number' ? this.#pruneSignedIn : this.#prunePending;
        this.#db.transaction(() => {
          this.#set.run(key, userId, JSON.stringify({ ...data, stored: true }), this.#expiryOf(data), this.clock.now());
          prune.run(userId, key, userId, key, MAX_SESSIONS_PER_PERSON - 1);
        })();
      }
      callback?.();
    } catch (err) {
      this.onWriteError(err);
      callback?.(err);
    }
  }

  override destroy(sid: string, callback?: Callback): void {
    const key = storedKey(sid);
    this.#readExpiries.delete(key);
    try {
      this.#destroy.run(key);
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    try {
      // Moving the expiry at most once a minute means a page view usually writes (and fsyncs) nothing; the
      // stored expiry then trails the cookie's by under a minute, which only ends a session sooner.
      const expiry = this.#expiryOf(data);
      const key = storedKey(sid);
      const read = this.#readExpiries.get(key);
      this.#readExpiries.delete(key);
      if (read === undefined || read < expiry - TOUCH_AFTER_MS) this.#touch.run(expiry, this.clock.now(), key, expiry - TOUCH_AFTER_MS);
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  /** Deletes every expired session; returns how many went. */
  pruneExpired(): number {
    return this.#prune.run(this.clock.now()).changes;
  }

  /** Ends every session of the user except the one given (used after a password change). */
  destroyOtherSessionsOfUser(userId: number, keepSid: string): number {
    return this.#destroyForUser.run(userId, storedKey(keepSid)).changes;
  }

  /** How many live sessions a user has. */
  countSessionsOfUser(userId: number): number {
    return this.#countForUser.get(userId, this.clock.now())?.n ?? 0;
  }

  #expiryOf(data: session.SessionData): number {
    const maxAge = data.cookie?.originalMaxAge;
    return this.clock.now() + (typeof maxAge === 'number' && maxAge > 0 ? maxAge : DAY_MS);
  }
}
