import assert from 'node:assert/strict';
import { test } from 'node:test';
import type session from 'express-session';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { SqliteSessionStore } from '../../src/db/session-store.ts';
import { MAX_SESSIONS_PER_PERSON } from '../../src/domain/limits.ts';

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

test('a touch after reading the session within a minute runs no statement at all; after a minute it moves the expiry', () => {
  const db = openDatabase(':memory:');
  migrate(db);
  let now = 1_000_000;
  // Counts the store's UPDATE runs: one that matches nothing still takes SQLite's write lock.
  let updates = 0;
  const counted = new Proxy(db, {
    get(target, property) {
      if (property !== 'prepare') return Reflect.get(target, property, target) as unknown;
      return (sql: string) => {
        const statement = target.prepare(sql);
        if (!sql.startsWith('UPDATE sessions')) return statement;
        return new Proxy(statement, {
          get(st, name) {
            if (name === 'run') return (...args: unknown[]) => (updates++, st.run(...args));
            const value = Reflect.get(st, name, st) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(st) : value;
          },
        });
      };
    },
  });
  const store = new SqliteSessionStore(counted, { now: () => now });
  const data = { cookie: { originalMaxAge: 4_000_000, expires: new Date(0) } } as unknown as session.SessionData;
  const request = () => {
    store.get('sid-1', () => undefined);
    store.touch('sid-1', data);
  };
  store.set('sid-1', data);
  now += 30_000;
  request();
  assert.equal(updates, 0, 'read at 30 s: the stored expiry is fresh enough, so no UPDATE runs');
  now += 31_000;
  request();
  assert.equal(updates, 1);
  assert.equal((db.prepare('SELECT expires_at AS e FROM sessions').get() as { e: number }).e, 5_061_000);
  // A touch without a read first (another process read it) falls back to the UPDATE, which decides in SQL.
  now += 1_000;
  store.touch('sid-1', data);
  assert.equal(updates, 2);
  assert.equal((db.prepare('SELECT expires_at AS e FROM sessions').get() as { e: number }).e, 5_061_000);
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

test('a session ended while a request held it stays ended when that request saves it; a new one is still stored', () => {
  const { store, data, db } = setUp();
  const userId = Number(db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')").run().lastInsertRowid);
  const signedIn = () => ({ ...data(4_000_000), passport: { user: userId } }) as session.SessionData;
  const rows = () => (db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
  const read = (sid: string): session.SessionData | null | undefined => {
    let found: session.SessionData | null | undefined;
    store.get(sid, (_err, s) => (found = s));
    return found;
  };
  store.set('thief', signedIn());
  store.set('owner', signedIn());
  // The thief's request reads its session; the owner then changes the password, which ends every other session.
  const held = read('thief');
  assert.ok(held);
  assert.equal(store.destroyOtherSessionsOfUser(userId, 'owner'), 1);
  // The thief's request finishes and saves what it changed in its session.
  store.set('thief', { ...held, lastAccountId: 7 });
  assert.equal(read('thief'), null, 'the ended session is not written back');
  assert.equal(rows(), 1);
  // A session the store has never held (a sign-in's new id) is written, and saving it again updates its one row.
  store.set('fresh', signedIn());
  const fresh = read('fresh');
  assert.ok(fresh);
  store.set('fresh', { ...fresh, lastAccountId: 3 });
  assert.equal(read('fresh')?.lastAccountId, 3);
  assert.equal(rows(), 2);
});

test('a session that cannot be written is reported to the caller and to the error listener, which the app logs', () => {
  const db = openDatabase(':memory:');
  migrate(db);
  const reported: unknown[] = [];
  const store = new SqliteSessionStore(db, { now: () => 1_000_000 }, (err) => reported.push(err));
  // A database that refuses writes, as a full disk or a file system gone read-only does.
  db.exec("CREATE TRIGGER no_writes BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'disk is full'); END");
  let given: unknown;
  store.set('sid-1', { cookie: { originalMaxAge: 60_000, expires: new Date(0) } } as unknown as session.SessionData, (err) => (given = err));
  assert.match(String(given), /disk is full/);
  assert.equal(reported.length, 1);
  assert.equal(reported[0], given);
});

test('a new sign-in ends the least recently seen sessions of the person beyond 50, and no one else\'s', () => {
  const { db, store, data, advance } = setUp();
  const signedIn = (user: number) => ({ ...data(4_000_000), passport: { user } }) as unknown as session.SessionData;
  db.prepare("INSERT INTO users (id, email, password_hash) VALUES (1, 'a@example.com', 'x'), (2, 'b@example.com', 'x')").run();
  store.set('bob-1', signedIn(2));
  for (let i = 1; i <= MAX_SESSIONS_PER_PERSON + 2; i++) {
    advance(1_000);
    store.set(`ann-${i}`, signedIn(1));
  }
  const left = (db.prepare('SELECT data FROM sessions WHERE user_id = 1').pluck().all() as string[]).length;
  assert.equal(left, MAX_SESSIONS_PER_PERSON);
  const has = (sid: string) => new Promise((resolve) => store.get(sid, (_err, found) => resolve(found != null)));
  return Promise.all([has('ann-1'), has('ann-2'), has('ann-3'), has(`ann-${MAX_SESSIONS_PER_PERSON + 2}`), has('bob-1')])
    .then((found) => assert.deepEqual(found, [false, false, true, true, true], 'the two seen longest ago went; the newest and another person\'s stay'))
    .then(async () => {
      // Signed in again and again within one millisecond (the clock not moving), the new session is always kept.
      for (let i = 0; i < 2 * MAX_SESSIONS_PER_PERSON; i++) {
        store.set(`same-${i}`, signedIn(2));
        assert.equal(await has(`same-${i}`), true, `same-${i}`);
      }
      assert.equal(db.prepare('SELECT count(*) FROM sessions WHERE user_id = 2').pluck().get(), MAX_SESSIONS_PER_PERSON);
    })
    .then(async () => {
      // Sign-ins waiting for a second factor (the password alone) never end a session that is signed in.
      const pending = { ...data(4_000_000), pendingTwoFactor: { userId: 2 } } as unknown as session.SessionData;
      for (let i = 0; i < 2 * MAX_SESSIONS_PER_PERSON; i++) {
        advance(1_000);
        store.set(`pending-${i}`, pending);
      }
      assert.equal(await has('same-99'), true, 'the signed-in sessions are all still there');
      assert.equal(db.prepare("SELECT count(*) FROM sessions WHERE user_id = 2 AND sid IN (SELECT sid FROM sessions WHERE json_extract(data, '$.passport.user') IS NOT NULL)").pluck().get(), MAX_SESSIONS_PER_PERSON);
      assert.equal(db.prepare("SELECT count(*) FROM sessions WHERE user_id = 2 AND json_extract(data, '$.passport.user') IS NULL").pluck().get(), MAX_SESSIONS_PER_PERSON, 'pending ones are limited among themselves');
    });
});
