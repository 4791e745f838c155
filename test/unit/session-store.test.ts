import assert from 'node:assert/strict';
import { test } from 'node:test';
import type session from 'express-session';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { SqliteSessionStore } from '../../src/db/session-store.ts';

function setUp() {
  const db = openDatabase(':memory:');
  migrate(db);
  let now = 1_000_000;
  const store = new SqliteSessionStore(db, { now: () => now });
  // express-session passes the cookie's max age along; the store counts it from its own clock.
  const data = (maxAgeMs: number) => ({ cookie: { originalMaxAge: maxAgeMs, expires: new Date(0) } }) as unknown as session.SessionData;
  const storedExpiry = () => (db.prepare('SELECT expires_at AS e FROM sessions').get() as { e: number }).e;
  return { db, store, data, storedExpiry, advance: (ms: number) => (now += ms) };
}

test('the expiry is the clock plus the max age; a touch within a minute writes nothing, a later one moves it', () => {
  const { store, data, storedExpiry, advance } = setUp();
  store.set('sid-1', data(4_000_000));
  assert.equal(storedExpiry(), 5_000_000, 'the Date express-session stamped into the cookie is not used');
  advance(30_000);
  store.touch('sid-1', data(4_000_000));
  assert.equal(storedExpiry(), 5_000_000, 'a page view 30 s later does not rewrite the row');
  advance(31_000);
  store.touch('sid-1', data(4_000_000));
  assert.equal(storedExpiry(), 5_061_000);
});

test('an expired session is never returned, and pruning removes it', () => {
  const { store, data, advance, db } = setUp();
  store.set('sid-1', data(60_000));
  let found: session.SessionData | null | undefined;
  store.get('sid-1', (_err, s) => (found = s));
  assert.ok(found);
  advance(60_001);
  store.get('sid-1', (_err, s) => (found = s));
  assert.equal(found, null);
  assert.equal(store.pruneExpired(), 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n, 0);
});
