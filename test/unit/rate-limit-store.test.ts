import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Options } from 'express-rate-limit';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { SqliteRateLimitStore } from '../../src/db/rate-limit-store.ts';

function tempDb(t: { after(fn: () => void): void }): { db: Db; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-rl-'));
  const file = path.join(dir, 'rl.sqlite');
  const db = openDatabase(file);
  migrate(db);
  t.after(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, file };
}

function storeOn(db: Db, prefix: string, clock: { now: number }, windowMs = 60_000): SqliteRateLimitStore {
  const store = new SqliteRateLimitStore(db, prefix, { now: () => clock.now });
  store.init({ windowMs } as Options);
  return store;
}

test('hits count up inside one window and reset time stays at the window end', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 1_000_000 };
  const store = storeOn(db, 'a', clock);
  assert.deepEqual(store.increment('k'), { totalHits: 1, resetTime: new Date(1_060_000) });
  clock.now += 30_000;
  assert.deepEqual(store.increment('k'), { totalHits: 2, resetTime: new Date(1_060_000) });
  assert.deepEqual(store.get('k'), { totalHits: 2, resetTime: new Date(1_060_000) });
});

test('a new window starts from one once the old one has ended', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 5_000 };
  const store = storeOn(db, 'a', clock);
  for (let i = 0; i < 5; i++) store.increment('k');
  clock.now += 60_000;
  assert.equal(store.get('k'), undefined, 'an ended window reads as no hits');
  assert.deepEqual(store.increment('k'), { totalHits: 1, resetTime: new Date(125_000) });
});

test('a clock set back (a day, say) does not stretch a window: one ending more than a window ahead counts as over', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 100 * 86_400_000 };
  const store = storeOn(db, 'a', clock);
  for (let i = 0; i < 11; i++) store.increment('k');
  store.decrement('k');
  assert.equal(store.get('k')?.totalHits, 10, 'ten hits in the window');
  clock.now -= 86_400_000;
  assert.equal(store.get('k'), undefined, 'the window from the clock\'s old time is over, not a day long');
  store.decrement('k');
  assert.deepEqual(store.increment('k'), { totalHits: 1, resetTime: new Date(clock.now + 60_000) }, 'a fresh window of a minute');
  clock.now += 30_000;
  assert.deepEqual(store.increment('k'), { totalHits: 2, resetTime: new Date(clock.now + 30_000) }, 'which then counts as any other');
});

test('decrement takes one hit back but never below zero, and resetKey forgets the key', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 0 };
  const store = storeOn(db, 'a', clock);
  store.increment('k');
  store.increment('k');
  store.decrement('k');
  assert.equal(store.get('k')?.totalHits, 1);
  store.decrement('k');
  store.decrement('k');
  assert.equal(store.get('k')?.totalHits, 0);
  store.increment('k');
  store.resetKey('k');
  assert.equal(store.get('k'), undefined);
});

test('prefixes keep limiters apart, and resetAll clears only its own keys', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 0 };
  const login = storeOn(db, 'login', clock);
  const register = storeOn(db, 'register', clock);
  login.increment('same-key');
  login.increment('same-key');
  register.increment('same-key');
  assert.equal(login.get('same-key')?.totalHits, 2);
  assert.equal(register.get('same-key')?.totalHits, 1);
  login.resetAll();
  assert.equal(login.get('same-key'), undefined);
  assert.equal(register.get('same-key')?.totalHits, 1);
});

test('counts survive closing and reopening the database, as after a restart', (t) => {
  const { db, file } = tempDb(t);
  const clock = { now: 0 };
  const before = storeOn(db, 'login', clock);
  for (let i = 0; i < 7; i++) before.increment('ip|email');
  db.close();
  const reopened = openDatabase(file);
  t.after(() => reopened.close());
  assert.deepEqual(storeOn(reopened, 'login', clock).increment('ip|email'), { totalHits: 8, resetTime: new Date(60_000) });
});

test('two stores on one file (two processes) share one count', (t) => {
  const { db, file } = tempDb(t);
  const other = openDatabase(file);
  t.after(() => other.close());
  const clock = { now: 0 };
  const a = storeOn(db, 'login', clock);
  const b = storeOn(other, 'login', clock);
  a.increment('k');
  b.increment('k');
  assert.equal(a.increment('k').totalHits, 3);
});

test('pruning deletes only finished windows', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 0 };
  const short = storeOn(db, 'short', clock, 1_000);
  const long = storeOn(db, 'long', clock, 100_000);
  short.increment('k');
  long.increment('k');
  clock.now = 2_000;
  assert.equal(short.pruneExpired(), 1);
  assert.equal(long.get('k')?.totalHits, 1);
});

test('finished windows are pruned on the write path without a timer', (t) => {
  const { db } = tempDb(t);
  const clock = { now: 0 };
  const store = storeOn(db, 'p', clock, 1_000);
  store.increment('old');
  clock.now = 5_000;
  for (let i = 0; i < 500; i++) store.increment(`fresh-${i % 3}`);
  const left = db.prepare("SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'p:%'").get() as { n: number };
  assert.equal(left.n, 3, 'only the three fresh keys remain');
  assert.equal(store.get('fresh-0')?.totalHits, 167);
});

test('keys are stored as fixed-size digests, never as the typed email or address', (t) => {
  const { db } = tempDb(t);
  const store = storeOn(db, 'login', { now: 0 });
  const key = `127.0.0.1|${'x'.repeat(5000)}@example.com`;
  store.increment(key);
  const rows = db.prepare('SELECT key FROM rate_limits').all() as { key: string }[];
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.key.startsWith('login:'));
  assert.ok(rows[0]!.key.length < 60);
  assert.ok(!rows[0]!.key.includes('example.com'));
  assert.equal(store.get(key)?.totalHits, 1);
});
