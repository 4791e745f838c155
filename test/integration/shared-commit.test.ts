/**
 * Group commit (db/unit-of-work.ts, createSharedCommit): writes handed over in the same turn of the event loop share
 * one transaction and one commit, each settles only after that commit, and one write's failure is its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../src/db/open.ts';
import { createReadRunner, createSharedCommit, createTransactionRunner } from '../../src/db/unit-of-work.ts';
import { twoConnectionsToOneFile } from '../helpers/databases.ts';

function setUp(t: { after: (fn: () => void) => void }) {
  const { db, other } = twoConnectionsToOneFile(t);
  const userId = Number(db.prepare("INSERT INTO users (email, password_hash) VALUES ('g@example.com', 'x')").run().lastInsertRowid);
  const addCategory = (on: Db, name: string) => on.prepare("INSERT INTO categories (user_id, kind, name, name_key) VALUES (?, 'expense', ?, lower(?))").run(userId, name, name);
  const has = (on: Db, name: string) => on.prepare('SELECT count(*) FROM categories WHERE user_id = ? AND name = ?').pluck().get(userId, name) === 1;
  return { db, other, userId, addCategory, has, shared: createSharedCommit(db) };
}

test('writes handed over in the same turn run in one transaction and are committed together, after the turn', async (t) => {
  const { db, other, addCategory, has, shared } = setUp(t);
  const seenBySecond: { inTransaction: boolean; ownSeesFirst: boolean; otherSeesFirst: boolean }[] = [];
  const first = shared(() => addCategory(db, 'Shared one').changes);
  const second = shared(() => {
    addCategory(db, 'Shared two');
    // The first write is in, but not committed: another connection cannot see it yet, so the two commit as one.
    seenBySecond.push({ inTransaction: db.inTransaction, ownSeesFirst: has(db, 'Shared one'), otherSeesFirst: has(other, 'Shared one') });
    return 'second';
  });
  assert.equal(has(db, 'Shared one'), false, 'nothing runs before the turn ends');
  assert.deepEqual(await Promise.all([first, second]), [1, 'second']);
  assert.deepEqual(seenBySecond, [{ inTransaction: true, ownSeesFirst: true, otherSeesFirst: false }]);
  assert.ok(has(other, 'Shared one') && has(other, 'Shared two'), 'both are committed when their promises settle');
});

test('a write that throws rolls back alone and rejects alone', async (t) => {
  const { db, other, addCategory, has, shared } = setUp(t);
  const failing = shared(() => {
    addCategory(db, 'Half done');
    throw new Error('refused after writing');
  });
  const fine = shared(() => addCategory(db, 'Kept').changes);
  await assert.rejects(failing, /refused after writing/);
  assert.equal(await fine, 1);
  assert.equal(has(other, 'Half done'), false, 'the failing write left nothing');
  assert.equal(has(other, 'Kept'), true);
});

test('a commit that fails rejects every write in it, and none of them is in the database', async (t) => {
  const { db, other, userId, addCategory, has, shared } = setUp(t);
  const one = shared(() => addCategory(db, 'Lost one'));
  const two = shared(() => {
    // A foreign key checked only at commit: the commit itself fails.
    db.pragma('defer_foreign_keys = ON');
    db.prepare("INSERT INTO categories (user_id, kind, name, name_key) VALUES (?, 'expense', 'Orphan', 'orphan')").run(userId + 1000);
  });
  await assert.rejects(one, { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  await assert.rejects(two, { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  assert.equal(has(other, 'Lost one'), false);
  assert.equal(db.inTransaction, false);
  // The next write commits as usual.
  await shared(() => addCategory(db, 'Afterwards'));
  assert.equal(has(other, 'Afterwards'), true);
});

test('a full disk rolls back the whole shared transaction: the writes that ran are rejected and absent, the rest commit after', async (t) => {
  const { db, other, addCategory, has, shared } = setUp(t);
  // A database that may not grow by more than two pages: SQLite answers a write past that with SQLITE_FULL, and for
  // this one (rows of a fresh table, no index) rolls back the whole transaction, as it may on a full disk.
  db.exec('CREATE TABLE filler (x TEXT)');
  db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 2}`);
  let endedUnderIt = false;
  const before = shared(() => addCategory(db, 'Before the full disk'));
  const filling = shared(() => {
    try {
      for (let i = 0; i < 100; i++) db.prepare('INSERT INTO filler VALUES (?)').run('x'.repeat(3000));
    } finally {
      endedUnderIt = !db.inTransaction;
    }
  });
  const after = shared(() => {
    // Runs once the disk has room again, in a commit of its own.
    return addCategory(db, 'After the full disk').changes;
  });
  const settled = await Promise.allSettled([before, filling]);
  db.pragma('max_page_count = 1073741823');
  assert.equal(endedUnderIt, true, 'SQLite ended the transaction under the write');
  assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected']);
  assert.equal((settled[1] as PromiseRejectedResult).reason.code, 'SQLITE_FULL');
  assert.equal((settled[0] as PromiseRejectedResult).reason.code, 'SQLITE_FULL', 'the earlier write fails with the error that took it away');
  assert.equal(await after, 1);
  // Every rejected write is absent, every resolved one present: nothing committed behind a rejection.
  assert.equal(has(other, 'Before the full disk'), false);
  assert.equal(has(other, 'After the full disk'), true);
  assert.equal(other.prepare('SELECT count(*) FROM filler').pluck().get(), 0);
});

test('a shared commit waits while the connection is inside another transaction, then runs once it has ended', async (t) => {
  const { db, other, addCategory, has, shared } = setUp(t);
  db.prepare('BEGIN').run();
  addCategory(db, 'Outer');
  let ran = false;
  const waiting = shared(() => {
    ran = true;
    return addCategory(db, 'Inner').changes;
  });
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ran, false, 'not run inside a transaction whose commit is not its own');
  db.prepare('COMMIT').run();
  assert.equal(await waiting, 1);
  assert.ok(has(other, 'Outer') && has(other, 'Inner'));
});

test('the transaction runners nest: an inner failure rolls back only its own writes, and the outer work goes on with its own', async (t) => {
  const { db, other, addCategory, has } = setUp(t);
  const write = createTransactionRunner(db);
  const read = createReadRunner(db);
  const result = write(() => {
    addCategory(db, 'Outer before');
    assert.throws(() => write(() => {
      addCategory(db, 'Inner lost');
      throw new Error('inner failed');
    }), /inner failed/);
    // A nested run after the failed one runs its own work, not the failed one's or the outer's.
    const inner = write(() => (addCategory(db, 'Inner kept'), 'inner value'));
    const seen = read(() => [has(db, 'Outer before'), has(db, 'Inner lost'), has(db, 'Inner kept')]);
    addCategory(db, 'Outer after');
    return { inner, seen };
  });
  assert.deepEqual(result, { inner: 'inner value', seen: [true, false, true] });
  assert.deepEqual(['Outer before', 'Inner lost', 'Inner kept', 'Outer after'].map((name) => has(other, name)), [true, false, true, true]);
  // A failure of the outer work rolls back everything, nested runs included, and the runner is ready for the next.
  assert.throws(() => write(() => {
    write(() => addCategory(db, 'Nested then lost'));
    throw new Error('outer failed');
  }), /outer failed/);
  assert.equal(has(other, 'Nested then lost'), false);
  assert.equal(db.inTransaction, false);
  assert.equal(write(() => 42), 42);
});
