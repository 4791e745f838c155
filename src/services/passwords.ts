import bcrypt from 'bcrypt';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MAX_PASSWORD_BYTES, passwordProblem, type PasswordProblem } from '../domain/users.ts';

/** The common-password list, sorted, held as one string and where each entry starts: no object per password. */
export interface CommonPasswordList {
  readonly size: number;
  has(password: string): boolean;
}

let common: CommonPasswordList | undefined;

/**
 * The most used passwords from real breaches (zxcvbn-ts's list of about 49,000), lower-cased, built on first use
 * and kept for the life of the process; createApp calls it so no request pays for it. Only the plain JSON list is
 * read: the package's entry point would also load dictionaries we never use (about 15 MB of memory). The entries
 * live in one sorted string with their start offsets, searched by halving: about 0.6 MB, where a Set of 49,000
 * strings held 2.4 MB of the idle server's heap.
 */
export function commonPasswords(): CommonPasswordList {
  if (!common) {
    const file = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/src/passwords.json');
    const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(list) || list.length < 10_000 || !list.every((p) => typeof p === 'string')) {
      throw new Error(`common-password list at ${file} is not a list of at least 10,000 passwords`);
    }
    common = sortedList((list as string[]).map((p) => p.toLowerCase()));
  }
  return common;
}

/**
 * A sorted, de-duplicated list searched by halving; entries never hold a line feed, which separates them. Sorted
 * first and de-duplicated by neighbours: the default sort orders by UTF-16 code units as `compare` does, without a
 * comparator call per pair, and no Set hashes every entry (every process start paid about 20 ms more for both).
 */
function sortedList(entries: string[]): CommonPasswordList {
  entries.sort();
  const sorted: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry !== entries[i - 1] && !entry.includes('\n')) sorted.push(entry);
  }
  const text = sorted.join('\n');
  const starts = new Uint32Array(sorted.length + 1);
  for (let i = 0, at = 0; i < sorted.length; i++) {
    starts[i] = at;
    at += sorted[i]!.length + 1;
  }
  starts[sorted.length] = text.length + 1;
  /** Compares `word` with entry i as a < b on UTF-16 code units, as the sort did. */
  const compare = (word: string, i: number): number => {
    const start = starts[i]!;
    const length = starts[i + 1]! - 1 - start;
    const n = Math.min(word.length, length);
    for (let k = 0; k < n; k++) {
      const d = word.charCodeAt(k) - text.charCodeAt(start + k);
      if (d !== 0) return d;
    }
    return word.length - length;
  };
  return {
    size: sorted.length,
    has(word: string): boolean {
      let lo = 0;
      let hi = sorted.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const c = compare(word, mid);
        if (c === 0) return true;
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
      }
      return false;
    },
  };
}

/** True when the password, ignoring case and surrounding spaces, is on the common-passwords list. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.trim().toLowerCase());
}

/** Why a new password cannot be used (length, bytes, the common list, guessable from the email), or undefined when it can. */
export function newPasswordProblem(password: string, email = ''): PasswordProblem | undefined {
  return passwordProblem(password, isCommonPassword, email);
}

/** The bcrypt calls the hasher makes (a test counts the work they do by passing its own). */
export type Bcrypt = Pick<typeof bcrypt, 'hash' | 'compare'>;

/** The cost a bcrypt hash was made at ($2b$<cost>$...), or undefined when it is not one. */
function bcryptCostOf(hash: string): number | undefined {
  const stored = /^\$2[aby]\$(\d\d)\$/.exec(hash);
  return stored === null ? undefined : Number(stored[1]);
}

/**
 * Hashing and checking with a fixed cost; the dummy hash makes a miss cost the same as a wrong password, and a wrong
 * password against a hash of a lower cost (made before BCRYPT_COST was raised) pays the dummy's cost too.
 */
export function createPasswordHasher(cost: number, impl: Bcrypt = bcrypt) {
  let dummyHash: Promise<string> | undefined;
  return {
    /** Hashes with bcrypt's async API so the event loop keeps serving. */
    hashPassword(password: string): Promise<string> {
      return impl.hash(password, cost);
    },
    /**
     * Compares a password with a stored hash; with no hash, does the same work against a dummy and fails. A failed
     * check against a hash cheaper than the current cost is followed by the dummy's comparison too: otherwise a wrong
     * password for a known email whose hash predates a raised BCRYPT_COST answered sooner than an unknown email,
     * and the time told the two apart.
     */
    async verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
      const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
      dummyHash ??= impl.hash('dummy password for timing', cost);
      const matches = await impl.compare(password, hash ?? (await dummyHash));
      const ok = matches && hash !== undefined && !tooLong;
      if (!ok && hash !== undefined && (bcryptCostOf(hash) ?? 0) < cost) await impl.compare(password, await dummyHash);
      return ok;
    },
    /** True when a stored hash was made at a lower cost than the one configured now (BCRYPT_COST was raised). */
    needsRehash(hash: string): boolean {
      // Anything unreadable as a bcrypt hash is rehashed too.
      return (bcryptCostOf(hash) ?? 0) < cost;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
