/**
 * The fuzzers' own checks reuse a result while the connection has changed nothing; these tests prove a change made
 * just after a check is still seen by the next one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { consistencyProblems, databaseFingerprint } from '../helpers/attack.ts';

function person() {
  const db = openDatabase(':memory:');
  migrate(db);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')").run();
  const account = db.prepare('SELECT id FROM accounts').pluck().get() as number;
  const add = (description: string) =>
    db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', ?)").run(account, description);
  return { db, add };
}

test('the database fingerprint is the same while nothing changes, and differs after any written row', () => {
  const { db, add } = person();
  const first = databaseFingerprint(db);
  assert.equal(databaseFingerprint(db), first);
  add('Bakery');
  const second = databaseFingerprint(db);
  assert.notEqual(second, first, 'an insert');
  db.prepare("UPDATE transactions SET description = 'Baker'").run();
  assert.notEqual(databaseFingerprint(db), second, 'an update');
  // Another option set is its own digest, not the one taken last.
  assert.notEqual(databaseFingerprint(db, { ignoreTables: ['transactions'] }), databaseFingerprint(db));
  const third = databaseFingerprint(db);
  db.exec('CREATE TABLE extra (x)');
  assert.notEqual(databaseFingerprint(db), third, 'a new table');
});

test('the consistency check passes a sound database and finds a change made right after it passed', () => {
  const { db, add } = person();
  add('Bakery');
  assert.deepEqual(consistencyProblems({ db }), []);
  assert.deepEqual(consistencyProblems({ db }), []);
  db.prepare('UPDATE monthly_totals SET total_cents = total_cents + 1').run();
  assert.match(consistencyProblems({ db }).join('\n'), /monthly totals disagree with the rows/);
  db.prepare('UPDATE monthly_totals SET total_cents = total_cents - 1').run();
  assert.deepEqual(consistencyProblems({ db }), []);
  // A schema change alone (a trigger dropped), then a write it lets through.
  db.exec('DROP TRIGGER transactions_fts_update');
  db.prepare("UPDATE transactions SET description = 'Butcher'").run();
  assert.match(consistencyProblems({ db }).join('\n'), /missing term "but" for transaction 1 of user 1/);
});

test('a write through another connection to the same file is seen too', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-attack-checks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'shared.sqlite');
  const db = openDatabase(file);
  migrate(db);
  t.after(() => db.close());
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')").run();
  const account = db.prepare('SELECT id FROM accounts').pluck().get() as number;
  db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', 'Bakery')").run(account);
  const before = databaseFingerprint(db);
  assert.deepEqual(consistencyProblems({ db }), []);
  const other = openDatabase(file);
  t.after(() => other.close());
  other.prepare('UPDATE monthly_totals SET total_cents = total_cents + 1').run();
  assert.notEqual(databaseFingerprint(db), before);
  assert.match(consistencyProblems({ db }).join('\n'), /monthly totals disagree with the rows/);
});
