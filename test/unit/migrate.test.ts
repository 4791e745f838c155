import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate, latestSchemaVersion, SchemaTooNewError } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { findUserTotalsMismatches } from '../../src/db/totals-check.ts';
import { textIndexProblems } from '../helpers/attack.ts';
import { assertAccountTotalsMatchRows } from '../helpers/bookkeeping.ts';
import { openDatabase } from '../../src/db/open.ts';
import { assertStoredCurrency, CurrencyMismatchError, setStoredCurrency, storedCurrency } from '../../src/db/instance-settings.ts';

test('migration versions are unique, start at 1 and are listed in order', () => {
  const versions = migrations.map((m) => m.version);
  assert.equal(versions[0], 1);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  assert.equal(new Set(versions).size, versions.length);
});

test('a fresh database is migrated to the latest version, and migrating again changes nothing', () => {
  const db = openDatabase(':memory:');
  assert.equal(migrate(db), latestSchemaVersion());
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  assert.equal(migrate(db), latestSchemaVersion());
  assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all(), tables);
  for (const name of ['users', 'sessions', 'transactions', 'monthly_totals']) {
    assert.ok(tables.some((t) => (t as { name: string }).name === name), name);
  }
});

test('a database from a newer version of the app is refused, not modified', () => {
  const db = openDatabase(':memory:');
  db.pragma(`user_version = ${latestSchemaVersion() + 1}`);
  assert.throws(() => migrate(db), SchemaTooNewError);
  assert.equal(db.pragma('user_version', { simple: true }), latestSchemaVersion() + 1);
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n, 0);
});

test('a failing migration rolls back completely and leaves the version unchanged', () => {
  const db = openDatabase(':memory:');
  const broken = [{ version: 1, name: 'half', sql: 'CREATE TABLE a (x); CREATE TABLE a (y);' }];
  assert.throws(() => migrate(db, broken));
  assert.equal(db.pragma('user_version', { simple: true }), 0);
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'a'").get() as { n: number }).n, 0);
});

test('the schema refuses amounts that are not positive whole cents', () => {
  const db = openDatabase(':memory:');
  migrate(db);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@b.co', 'x')").run();
  const insert = db.prepare(
    "INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on) VALUES (1, (SELECT id FROM accounts WHERE user_id = 1), 'income', ?, '2026-01-01')",
  );
  for (const bad of [0, -1, 1.5, 'twelve', 100_000_000_001]) assert.throws(() => insert.run(bad), String(bad));
  insert.run(1);
});

/** An in-memory database migrated up to `version` (all when omitted), with one person and their first account. */
function personAt(version?: number): { db: ReturnType<typeof openDatabase>; account: number } {
  const db = openDatabase(':memory:');
  migrate(db, version === undefined ? migrations : migrations.filter((m) => m.version <= version));
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')").run();
  return { db, account: db.prepare('SELECT id FROM accounts').pluck().get() as number };
}

test('migration 33 keeps a rollover already on carrying from the first budgeted month, as it showed before', () => {
  const { db } = personAt(32);
  const category = (name: string) => db.prepare<[string], number>("SELECT id FROM categories WHERE user_id = 1 AND name = ?").pluck().get(name)!;
  db.prepare('UPDATE categories SET budget_rollover = 1 WHERE id = ?').run(category('Groceries'));
  migrate(db, migrations.filter((m) => m.version <= 33));
  const from = db.prepare<[], { name: string; budget_rollover_from: string | null }>(
    "SELECT name, budget_rollover_from FROM categories WHERE user_id = 1 AND name IN ('Groceries', 'Health') ORDER BY name",
  );
  assert.deepEqual(from.all(), [
    { name: 'Groceries', budget_rollover_from: '0000-01' },
    { name: 'Health', budget_rollover_from: null },
  ]);
  assert.throws(() => db.prepare("UPDATE categories SET budget_rollover_from = '2026-1' WHERE id = ?").run(category('Health')));
});

test('migration 40 keeps each rollover as a change in its month, and the categories lose the two columns it replaces', () => {
  const { db } = personAt(39);
  const category = (name: string) => db.prepare<[string], number>("SELECT id FROM categories WHERE user_id = 1 AND name = ?").pluck().get(name)!;
  db.prepare("UPDATE categories SET budget_rollover = 1, budget_rollover_from = '0000-01' WHERE id = ?").run(category('Groceries'));
  db.prepare("UPDATE categories SET budget_rollover = 1, budget_rollover_from = '2026-03' WHERE id = ?").run(category('Health'));
  migrate(db);
  assert.deepEqual(
    db.prepare('SELECT category_id, month, rollover FROM budget_rollover_settings WHERE user_id = 1 ORDER BY month').all(),
    [
      { category_id: category('Groceries'), month: '0000-01', rollover: 1 },
      { category_id: category('Health'), month: '2026-03', rollover: 1 },
    ],
  );
  const columns = db.prepare<[], string>("SELECT name FROM pragma_table_info('categories')").pluck().all();
  assert.ok(!columns.includes('budget_rollover') && !columns.includes('budget_rollover_from'), columns.join(', '));
  assert.throws(() => db.prepare("INSERT INTO budget_rollover_settings (user_id, category_id, month, rollover) VALUES (1, ?, '2026-4', 1)").run(category('Health')));
  // A category deleted takes its changes with it.
  db.prepare('DELETE FROM categories WHERE id = ?').run(category('Health'));
  assert.equal(db.prepare('SELECT count(*) FROM budget_rollover_settings').pluck().get(), 1);
});

test('migration 42 keeps the rollover changes of a database made at 41 as settings of their months, under the new name', () => {
  const { db } = personAt(41);
  const category = (name: string) => db.prepare<[string], number>("SELECT id FROM categories WHERE user_id = 1 AND name = ?").pluck().get(name)!;
  const put = db.prepare('INSERT INTO budget_rollover_changes (user_id, category_id, month, rollover) VALUES (1, ?, ?, ?)');
  put.run(category('Groceries'), '2026-01', 1);
  put.run(category('Groceries'), '2026-04', 0);
  migrate(db);
  assert.deepEqual(db.prepare('SELECT category_id, month, rollover FROM budget_rollover_settings ORDER BY month').all(), [
    { category_id: category('Groceries'), month: '2026-01', rollover: 1 },
    { category_id: category('Groceries'), month: '2026-04', rollover: 0 },
  ]);
  const names = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE name LIKE 'budget_rollover%' AND type IN ('table', 'index') ORDER BY name").pluck().all();
  assert.deepEqual(names, ['budget_rollover_settings', 'budget_rollover_settings_by_category']);
});

test('a database at 41 whose migration 40 already made budget_rollover_settings (the commits between 36735a1 and 7502e66) opens under migration 42 with its settings', () => {
  // The table and index those commits' migration 40 made, the same as migration 42 makes of the old ones.
  const { db } = personAt(41);
  db.exec(`ALTER TABLE budget_rollover_changes RENAME TO budget_rollover_settings;
           DROP INDEX budget_rollover_changes_by_category;
           CREATE INDEX budget_rollover_settings_by_category ON budget_rollover_settings(category_id);`);
  const groceries = db.prepare("SELECT id FROM categories WHERE user_id = 1 AND name = 'Groceries'").pluck().get() as number;
  db.prepare("INSERT INTO budget_rollover_settings (user_id, category_id, month, rollover) VALUES (1, ?, '2026-03', 1)").run(groceries);
  assert.equal(migrate(db), latestSchemaVersion());
  assert.deepEqual(db.prepare('SELECT category_id, month, rollover FROM budget_rollover_settings').all(), [{ category_id: groceries, month: '2026-03', rollover: 1 }]);
});

test("migration 43 gives each account's months what came in by transfer, and rollover settings only the owner's expense categories in real months", () => {
  const { db, account } = personAt(42);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('b@example.com', 'x')").run();
  const savings = Number(db.prepare("INSERT INTO accounts (user_id, name, name_key, kind, opening_balance_cents, opening_on, position) VALUES (1, 'Savings', 'savings', 'savings', 0, '2026-01-01', 1)").run().lastInsertRowid);
  const leg = db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, transfer_id) VALUES (1, ?, ?, ?, ?, 'Move', ?)");
  const transfer = (from: number, to: number, cents: number, on: string) => {
    const id = Number(db.prepare('INSERT INTO transfers (user_id) VALUES (1)').run().lastInsertRowid);
    leg.run(from, 'transfer_out', cents, on, id);
    leg.run(to, 'transfer_in', cents, on, id);
  };
  transfer(account, savings, 10_000, '2026-01-05');
  transfer(account, savings, 2_500, '2026-01-20');
  transfer(savings, account, 700, '2026-02-02');
  db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'income', 300000, '2026-01-01', 'Pay')").run(account);
  migrate(db);
  assertAccountTotalsMatchRows(db);
  // And the triggers keep them so: a leg moved to another month and one deleted.
  db.prepare("UPDATE transactions SET occurred_on = '2026-02-20' WHERE type = 'transfer_in' AND amount_cents = 2500").run();
  db.prepare("DELETE FROM transactions WHERE type = 'transfer_in' AND amount_cents = 700").run();
  assertAccountTotalsMatchRows(db);
  const groceries = (user: number) => db.prepare("SELECT id FROM categories WHERE user_id = ? AND name = 'Groceries'").pluck().get(user) as number;
  const put = db.prepare('INSERT INTO budget_rollover_settings (user_id, category_id, month, rollover) VALUES (?, ?, ?, 1)');
  put.run(1, groceries(1), '2026-03');
  put.run(1, groceries(1), '0000-01');
  assert.throws(() => put.run(1, groceries(2), '2026-03'), /not the user's expense category/, "another person's category");
  assert.throws(() => put.run(1, db.prepare("SELECT id FROM categories WHERE user_id = 1 AND kind = 'income'").pluck().get(), '2026-03'), /not the user's/);
  for (const month of ['2026-00', '2026-13', '2026-19']) assert.throws(() => put.run(1, groceries(1), month), /in no month/, month);
  assert.throws(() => db.prepare('UPDATE budget_rollover_settings SET user_id = 2').run(), /not the user's/);
});

test('migration 34 gives every schedule a count offset of 0 (its times counted as before) and keeps it a whole number', () => {
  const { db, account } = personAt(33);
  db.prepare(
    `INSERT INTO schedules (user_id, type, account_id, amount_cents, description, frequency, every, month_day, start_on, max_count, effective_from, next_on, created_at, updated_at)
     VALUES (1, 'expense', ?, 1000, 'Rent', 'months', 1, 15, '2026-01-15', 6, '2026-01-15', '2026-01-15', 0, 0)`,
  ).run(account);
  migrate(db);
  assert.deepEqual(db.prepare('SELECT description, max_count, count_offset FROM schedules').all(), [{ description: 'Rent', max_count: 6, count_offset: 0 }]);
  assert.throws(() => db.prepare('UPDATE schedules SET count_offset = 1.5').run());
  assert.throws(() => db.prepare("UPDATE schedules SET count_offset = 'x'").run());
});

test('migration 35 ends the sessions stored under their ids, which a copy of the database could present', () => {
  const { db } = personAt(34);
  db.prepare("INSERT INTO sessions (sid, user_id, data, expires_at) VALUES ('raw-session-id', 1, '{}', 9999999999999)").run();
  migrate(db);
  assert.equal(db.prepare('SELECT count(*) FROM sessions').pluck().get(), 0);
});

test('migration 28 indexes the descriptions a database already holds, and the index then follows every write', () => {
  const { db, account } = personAt(27);
  const add = db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', ?)");
  for (const description of ['Corner Café', 'Rent', 'Кава']) add.run(account, description);
  migrate(db);
  // Entries are keyed user_id * 2^32 + id; this person is user 1.
  const found = (text: string) => db.prepare('SELECT rowid - 4294967296 FROM transactions_fts WHERE transactions_fts MATCH ? ORDER BY rowid').pluck().all(`"${text}"`);
  assert.deepEqual(found('cafe'), [1]);
  assert.deepEqual(found('кав'), [3]);
  db.prepare("UPDATE transactions SET description = 'Tea house' WHERE id = 1").run();
  assert.deepEqual([found('cafe'), found('house')], [[], [1]]);
  db.prepare('DELETE FROM transactions WHERE id = 2').run();
  assert.deepEqual(found('rent'), []);
  assert.deepEqual(textIndexProblems(db), []);
  db.prepare('DELETE FROM users').run();
  assert.deepEqual(found('tea'), [], "a person's deletion takes their rows out of the index too");
  assert.deepEqual(textIndexProblems(db), []);
  assert.equal(db.prepare('SELECT count(*) FROM transactions_fts').pluck().get(), 0);
});

test('migration 30 merges a text index of many segments into one, finding the same rows', () => {
  const { db, account } = personAt(29);
  const add = db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', ?)");
  // Each write of its own flushes the index's pending entries as a new segment.
  for (let i = 0; i < 30; i++) add.run(account, `Shop ${i} ${['Corner Café', 'Rent', 'Кава'][i % 3]}`);
  const segments = () => db.prepare('SELECT count(DISTINCT segid) FROM transactions_fts_idx').pluck().get();
  const found = (text: string) => db.prepare('SELECT rowid - 4294967296 FROM transactions_fts WHERE transactions_fts MATCH ? ORDER BY rowid').pluck().all(`"${text}"`);
  const before = { cafe: found('cafe'), kava: found('кав'), shop12: found('shop 12') };
  assert.ok(Number(segments()) > 1, `the index is in ${segments()} segments before`);
  migrate(db);
  assert.equal(segments(), 1);
  assert.deepEqual({ cafe: found('cafe'), kava: found('кав'), shop12: found('shop 12') }, before);
  assert.equal(before.cafe.length, 10);
  assert.deepEqual(textIndexProblems(db), []);
});

test('the text index check finds an index that stopped following the rows', () => {
  const { db, account } = personAt();
  db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', 'Bakery')").run(account);
  assert.deepEqual(textIndexProblems(db), []);
  db.exec('DROP TRIGGER transactions_fts_update');
  db.prepare("UPDATE transactions SET description = 'Butcher'").run();
  const stale = textIndexProblems(db).join('\n');
  assert.match(stale, /missing term "but" for transaction 1 of user 1/);
  assert.match(stale, /unexpected term "bak" for transaction 1 of user 1/);
  // An entry filed under the wrong row: as many entries as rows, each sound, yet the row is not found by its text.
  db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', 'Grocer')").run(account);
  db.prepare('DELETE FROM transactions_fts WHERE rowid = 4294967298').run();
  db.prepare("INSERT INTO transactions_fts (rowid, description) VALUES (4294967299, 'Grocer')").run();
  const misfiled = textIndexProblems(db).join('\n');
  assert.match(misfiled, /missing term "gro" for transaction 2 of user 1/);
  assert.match(misfiled, /unexpected term "gro" for transaction 3 of user 1/);
});

test('migration 29 counts what each person already has, the counts then follow every write, and a drift is found', () => {
  const { db, account } = personAt(28);
  const add = db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, ?, 5, ?, '')");
  add.run(account, 'expense', '2026-01-01');
  add.run(account, 'expense', '2026-02-01');
  add.run(account, 'income', '2026-02-03');
  migrate(db);
  const counts = () => db.prepare('SELECT type, tx_count AS n FROM user_totals WHERE user_id = 1 ORDER BY type').all();
  assert.deepEqual(counts(), [{ type: 'expense', n: 2 }, { type: 'income', n: 1 }]);
  add.run(account, 'expense', '2026-03-01');
  db.prepare("DELETE FROM transactions WHERE type = 'income'").run();
  db.prepare("UPDATE transactions SET occurred_on = '2026-01-02' WHERE occurred_on = '2026-02-01'").run();
  assert.deepEqual(counts(), [{ type: 'expense', n: 3 }, { type: 'income', n: 0 }]);
  assert.deepEqual(findUserTotalsMismatches(db), []);
  db.prepare("UPDATE user_totals SET tx_count = 7 WHERE type = 'expense'").run();
  assert.deepEqual(findUserTotalsMismatches(db).map((m) => [m.type, m.storedCount, m.fromMonthsCount]), [['expense', 7, 3]]);
});

test('migration 32: account totals follow every move and every change of cleared state, and a reconciled mark alone writes none', () => {
  const { db, account } = personAt(31);
  db.prepare("INSERT INTO accounts (user_id, name, name_key, kind, opening_on) VALUES (1, 'Savings', 'savings', 'savings', '2025-01-01')").run();
  const savings = db.prepare("SELECT id FROM accounts WHERE name = 'Savings'").pluck().get() as number;
  const add = db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, status) VALUES (1, ?, ?, ?, ?, ?)");
  add.run(account, 'expense', 500, '2026-01-31', 'cleared');
  add.run(account, 'income', 2_000, '2026-02-01', 'uncleared');
  migrate(db);
  // Each write, then the stored totals against the rows; and how many rows the write changed, triggers included.
  const write = (sql: string, ...params: unknown[]): number => {
    const before = db.prepare('SELECT total_changes()').pluck().get() as number;
    db.prepare(sql).run(...params);
    assertAccountTotalsMatchRows(db);
    return (db.prepare('SELECT total_changes()').pluck().get() as number) - before;
  };
  // A move that keeps the amount: a day in another month, another account, another type.
  write("UPDATE transactions SET occurred_on = '2026-02-28' WHERE id = 1");
  write('UPDATE transactions SET account_id = ? WHERE id = 1', savings);
  write("UPDATE transactions SET type = 'income' WHERE id = 1");
  // Every change of state, alone and with a move.
  for (const [from, to] of [['uncleared', 'cleared'], ['cleared', 'uncleared'], ['uncleared', 'reconciled'], ['reconciled', 'cleared'], ['cleared', 'reconciled'], ['reconciled', 'uncleared']]) {
    assert.equal(db.prepare('SELECT status FROM transactions WHERE id = 2').pluck().get(), from);
    write('UPDATE transactions SET status = ? WHERE id = 2', to);
  }
  write("UPDATE transactions SET status = 'uncleared', occurred_on = '2025-12-31', amount_cents = 2100 WHERE id = 2");
  write("UPDATE transactions SET status = 'cleared', account_id = ? WHERE id = 2", savings);
  // Between cleared and reconciled no total is touched: only the row itself (finishing a reconciliation).
  assert.equal(write("UPDATE transactions SET status = 'reconciled' WHERE id = 2"), 1);
  assert.equal(write("UPDATE transactions SET status = 'cleared' WHERE id = 2"), 1);
  assert.ok(write("UPDATE transactions SET status = 'uncleared' WHERE id = 2") > 1, 'leaving cleared moves the cleared total');
});

test('migration 44 stores decomposed emails in NFC, so a sign-in (read in NFC) still finds them; a look-alike of another account keeps its spelling', () => {
  const { db } = personAt(43);
  const decomposed = 'rene\u0301@example.com';
  const insert = db.prepare("INSERT INTO users (email, password_hash) VALUES (?, 'x')");
  insert.run(decomposed);
  insert.run('zoe\u0308@example.com');
  insert.run('zo\u00eb@example.com');
  migrate(db);
  const emails = db.prepare('SELECT email FROM users ORDER BY id').pluck().all() as string[];
  assert.deepEqual(emails, ['a@example.com', 'ren\u00e9@example.com', 'zoe\u0308@example.com', 'zo\u00eb@example.com']);
});

test('migration 45 marks the occurrences a schedule took from rows recorded before it was made, and no others', () => {
  const { db, account } = personAt(44);
  // A schedule made on 2026-03-10 (app time, epoch ms): a row typed on 1 March that it took, and one it posted on 10 March.
  const madeAt = Date.UTC(2026, 2, 10, 12);
  const schedule = Number(
    db
      .prepare(
        `INSERT INTO schedules (user_id, type, account_id, amount_cents, description, frequency, every, month_day, start_on, effective_from, next_on, created_at, updated_at)
         VALUES (1, 'expense', ?, 1000, 'Rent', 'months', 1, 1, '2026-02-01', '2026-02-01', '2026-04-01', ?, ?)`,
      )
      .run(account, madeAt, madeAt).lastInsertRowid,
  );
  const row = db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, schedule_id, created_at) VALUES (1, ?, 'expense', 1000, ?, ?, ?)");
  const typed = Number(row.run(account, '2026-02-01', schedule, '2026-03-01T08:00:00.000Z').lastInsertRowid);
  const posted = Number(row.run(account, '2026-03-01', schedule, '2026-03-10T12:00:00.500Z').lastInsertRowid);
  const occurrence = db.prepare("INSERT INTO schedule_occurrences (schedule_id, occurs_on, user_id, outcome, transaction_id, handled_at) VALUES (?, ?, 1, 'posted', ?, ?)");
  occurrence.run(schedule, '2026-02-01', typed, madeAt);
  occurrence.run(schedule, '2026-03-01', posted, madeAt);
  migrate(db);
  assert.deepEqual(db.prepare('SELECT occurs_on, recorded FROM schedule_occurrences ORDER BY occurs_on').all(), [
    { occurs_on: '2026-02-01', recorded: 1 },
    { occurs_on: '2026-03-01', recorded: 0 },
  ]);
  assert.throws(() => db.prepare('UPDATE schedule_occurrences SET recorded = 2').run());
});

test('migration 46 gives a database of 45 no currency yet: its first start records CURRENCY, another is then refused until set on purpose', () => {
  const { db, account } = personAt(45);
  db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on) VALUES (1, ?, 'expense', 120000, '2026-03-01')").run(account);
  migrate(db);
  assert.equal(storedCurrency(db), undefined);
  assert.equal(assertStoredCurrency(db, 'USD'), 'recorded');
  assert.equal(assertStoredCurrency(db, 'USD'), 'same');
  assert.throws(() => assertStoredCurrency(db, 'EUR'), (err: unknown) => err instanceof CurrencyMismatchError && err.stored === 'USD' && err.configured === 'EUR');
  assert.equal(setStoredCurrency(db, 'EUR'), 'USD');
  assert.equal(assertStoredCurrency(db, 'EUR'), 'same');
  assert.equal(db.prepare('SELECT amount_cents FROM transactions').pluck().get(), 120000, 'no amount is converted');
  assert.throws(() => db.prepare("INSERT INTO instance_settings (name, value) VALUES ('theme', 'x')").run());
  assert.throws(() => setStoredCurrency(db, 'eur'));
});

test('migration 47 gives the rows of a database of 46 no reconciliation mark: cleared before it, they are nobody\'s ticks', () => {
  const { db, account } = personAt(46);
  db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, status) VALUES (1, ?, 'expense', 500, '2026-03-01', 'cleared')").run(account);
  migrate(db);
  assert.deepEqual(db.prepare('SELECT status, cleared_in FROM transactions').all(), [{ status: 'cleared', cleared_in: null }]);
});

test('migration 48 keeps one last bulk category change a person, as a JSON array, gone with the person', () => {
  const { db } = personAt(47);
  migrate(db);
  const save = db.prepare('INSERT INTO category_undos (user_id, made_at, category_name, rows) VALUES (1, 0, ?, ?)');
  assert.throws(() => save.run('Housing', 'not json'));
  assert.throws(() => save.run('Housing', '{"a":1}'));
  save.run('Housing', '[[1,null,3]]');
  assert.throws(() => save.run('Housing', '[[2,null,3]]'), 'one a person');
  db.prepare('DELETE FROM users WHERE id = 1').run();
  assert.equal(db.prepare('SELECT count(*) FROM category_undos').pluck().get(), 0);
});
