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
  const store = new SqliteSessionStore(db, () => now);
  const data = (expiresAt: number) => ({ cookie: { expires: new Date(expiresAt) } }) as unknown as session.SessionData;
  const storedExpiry = () => (db.prepare('SELECT expires_at AS e FROM sessions').get() as { e: number }).e;
  return { db, store, data, storedExpiry, advance: (ms: number) => (now += ms) };
}

test('a touch within a minute of the stored expiry writes nothing; a later one moves the expiry', () => {
  const { store, data, storedExpiry } = setUp();
  store.set('sid-1', data(5_000_000));
  store.touch('sid-1', data(5_030_000));
  assert.equal(storedExpiry(), 5_000_000, 'a page view 30 s later does not rewrite the row');
  store.touch('sid-1', data(5_061_000));
  assert.equal(storedExpiry(), 5_061_000);
});

test('an expired session is never returned, and pruning removes it', () => {
  const { store, data, advance, db } = setUp();
  store.set('sid-1', data(1_060_000));
  let found: session.SessionData | null | undefined;
  store.get('sid-1', (_err, s) => (found = s));
  assert.ok(found);
  advance(60_001);
  store.get('sid-1', (_err, s) => (found = s));
  assert.equal(found, null);
  assert.equal(store.pruneExpired(), 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n, 0);
});
