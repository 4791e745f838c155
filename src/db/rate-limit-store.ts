import { createHash } from 'node:crypto';
import { personLimitKey } from '../domain/limits.ts';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Clock } from '../clock.ts';
import { withoutFsync, type Db } from './open.ts';

interface CounterRow {
  hits: number;
  reset_at: number;
}

const PRUNE_EVERY_INCREMENTS = 500;

/**
 * express-rate-limit store on our SQLite file: fixed windows per key. Counters survive restarts and are shared
 * by every process on the file, so neither a restart nor a second worker resets an attacker's budget.
 */
export class SqliteRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  #windowMs = 60_000;
  #incrementsSincePrune = 0;
  readonly #increment;
  readonly #get;
  readonly #decrement;
  readonly #reset;
  readonly #resetAll;
  readonly #prune;

  readonly #db: Db;

  constructor(
    db: Db,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.#db = db;
    this.prefix = `${prefix}:`;
    // One statement, so two concurrent attempts can never both read the same count.
    this.#increment = db.prepare<[{ key: string; now: number; resetAt: number }], CounterRow>(
      `INSERT INTO rate_limits (key, hits, reset_at) VALUES (@key, 1, @resetAt)
       ON CONFLICT (key) DO UPDATE SET
         hits     = CASE WHEN reset_at <= @now OR reset_at > @resetAt THEN 1 ELSE hits + 1 END,
         reset_at = CASE WHEN reset_at <= @now OR reset_at > @resetAt THEN excluded.reset_at ELSE reset_at END
       RETURNING hits, reset_at`,
    );
    // A window is live from now until at most one window ahead: one ending further off was started by a clock
    // since set back (a day back made a minute's lockout a day's), so it counts as over.
    this.#get = db.prepare<[string, number, number], CounterRow>('SELECT hits, reset_at FROM rate_limits WHERE key = ? AND reset_at > ? AND reset_at <= ?');
    this.#decrement = db.prepare<[string, number, number]>(
      'UPDATE rate_limits SET hits = max(hits - 1, 0) WHERE key = ? AND reset_at > ? AND reset_at <= ?',
    );
    this.#reset = db.prepare<[string]>('DELETE FROM rate_limits WHERE key = ?');
    this.#resetAll = db.prepare<[{ prefix: string }]>('DELETE FROM rate_limits WHERE substr(key, 1, length(@prefix)) = @prefix');
    this.#prune = db.prepare<[number]>('DELETE FROM rate_limits WHERE reset_at <= ?');
  }

  /** Takes the window length from the limiter's options. */
  init(options: Options): void {
    this.#windowMs = options.windowMs;
  }

  /** Current count and reset time for a key, or undefined when its window is over. */
  get(key: string): ClientRateLimitInfo | undefined {
    const now = this.clock.now();
    const row = this.#get.get(this.#storedKey(key), now, now + this.#windowMs);
    return row && { totalHits: row.hits, resetTime: new Date(row.reset_at) };
  }

  /** Counts one hit, starting a new window when the old one has ended. */
  increment(key: string): ClientRateLimitInfo {
    const now = this.clock.now();
    // Finished windows are cleared now and then on the write path, so the table stays small without a timer.
    if (++this.#incrementsSincePrune >= PRUNE_EVERY_INCREMENTS) {
      this.#incrementsSincePrune = 0;
      this.#prune.run(now);
    }
    // A count lost in a power cut would give an attacker back a few tries at most; an fsync per counted request
    // held every other request waiting (see withoutFsync).
    const row = withoutFsync(this.#db, () => this.#increment.get({ key: this.#storedKey(key), now, resetAt: now + this.#windowMs }));
    if (!row) throw new Error('rate limit counter was not written');
    return { totalHits: row.hits, resetTime: new Date(row.reset_at) };
  }

  /** Takes back one hit (used for requests that should not count, such as a successful login). */
  decrement(key: string): void {
    const now = this.clock.now();
    withoutFsync(this.#db, () => this.#decrement.run(this.#storedKey(key), now, now + this.#windowMs));
  }

  /** Forgets one key's hits. */
  resetKey(key: string): void {
    this.#reset.run(this.#storedKey(key));
  }

  /** Forgets every key of this limiter. */
  resetAll(): void {
    this.#resetAll.run({ prefix: this.prefix });
  }

  #storedKey(key: string): string {
    return this.prefix + keyDigest(key);
  }

  /** Deletes finished windows of every limiter; returns how many rows went. */
  pruneExpired(): number {
    return this.#prune.run(this.clock.now()).changes;
  }
}

// Keys hold addresses and typed emails of any length: a fixed-size digest keeps the table small and free of them.
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/**
 * Ends the sign-in lockouts of one account, for the owner's `unlock` command: the per-account counter of its email
 * (100 an hour) and the two-factor and account-page counters of its id, under the keys the limiters of
 * web/middleware/rate-limit.ts give them. The per address and email counter lasts a minute; counters per address
 * hold back an address, not an account, and are left to their window. Returns how many of its counters held
 * failed tries when they were removed.
 */
export function clearAccountRateLimits(db: Db, account: { email: string; userId: number }, now: number): number {
  const keys = [`login-account:${keyDigest(account.email)}`, `two-factor:${keyDigest(personLimitKey(account.userId))}`, `account-password:${keyDigest(personLimitKey(account.userId))}`];
  const counting = db.prepare<[string, number], number>('SELECT count(*) FROM rate_limits WHERE key = ? AND hits > 0 AND reset_at > ?').pluck();
  const remove = db.prepare<[string]>('DELETE FROM rate_limits WHERE key = ?');
  return db.transaction(() =>
    keys.reduce((held, key) => {
      const counted = counting.get(key, now) ?? 0;
      remove.run(key);
      return held + counted;
    }, 0),
  )();
}
