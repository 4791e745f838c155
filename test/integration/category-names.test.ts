/**
 * One category-name rule for every way a name comes in: the form, the rename, the CSV import and the migration that
 * brings older databases under it. "Eating  out" (two spaces), a no-break space, another letter case and composed or
 * decomposed letters are all the one category; a tab or a line break is refused, beside the field or on the row.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext as NodeTestContext } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { findMonthlyTotalsMismatches } from '../../src/db/totals-check.ts';
import { categoryNameKey, normaliseCategoryName } from '../../src/domain/categories.ts';
import { createTestContext, registerUser, tokenFor, type Agent, type TestContext } from '../helpers/app.ts';
import { importCsv } from '../helpers/csv-import.ts';
import { databaseFile } from '../helpers/databases.ts';
import { categoryIdOf, totalsForUserFromRows, userIdOf } from '../helpers/bookkeeping.ts';

function setup(t: NodeTestContext): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

function expenseNames(ctx: TestContext, userId: number): string[] {
  return ctx.db
    .prepare<[number], { name: string }>("SELECT name FROM categories WHERE user_id = ? AND kind = 'expense' ORDER BY id")
    .all(userId)
    .map((r) => r.name);
}

async function addCategory(agent: Agent, name: string, kind = 'expense') {
  return agent.post('/categories').type('form').send({ _csrf: await tokenFor(agent, '/categories'), kind, name });
}

/** Uploads a file, keeps the guessed mapping, presses Import and returns the finished result page. */
async function importFile(ctx: TestContext, agent: Agent, csv: string): Promise<string> {
  const token = await tokenFor(agent, '/import');
  const up = await agent.post('/import').field('_csrf', token).attach('file', Buffer.from(csv), { filename: 'bank.csv', contentType: 'text/csv' });
  assert.equal(up.status, 303);
  const mapping = await agent.get(up.headers.location!);
  const form = /<form method="post" action="(\/import\/[a-f0-9]{32})" class="import-go">([\s\S]*?)<\/form>/.exec(mapping.text)!;
  const fields = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
  const posted = await agent.post(form[1]!).type('form').send(fields);
  assert.equal(posted.status, 303);
  await ctx.jobs.runDue();
  const result = await agent.get(posted.headers.location!);
  assert.equal(result.text.includes('data-import-running'), false, 'the import has finished');
  return result.text;
}

describe('the category-name rule through the form', () => {
  test('"Eating  out", with a no-break space or in capitals, is the category the user already has', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const before = expenseNames(ctx, userId);
    for (const name of ['Eating  out', ' Eating\u00a0out ', 'EATING   OUT', 'Eating \u2003out']) {
      const res = await addCategory(agent, name);
      assert.equal(res.status, 422, JSON.stringify(name));
      assert.match(res.text, /id="category-name-error"><span aria-hidden="true">⚠ <\/span>You already have an expense category called “Eating out”/, JSON.stringify(name));
    }
    assert.deepEqual(expenseNames(ctx, userId), before, 'nothing was written');
  });

  test('a tab or a line break in a name is refused beside the field; nothing is written', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const before = expenseNames(ctx, userId);
    for (const name of ['Eating\tout', 'Eating\nout', 'Pets\r\nand vets']) {
      const res = await addCategory(agent, name);
      assert.equal(res.status, 422, JSON.stringify(name));
      assert.match(res.text, /Remove tabs, line breaks and other control or text-direction characters from the name\./);
    }
    assert.deepEqual(expenseNames(ctx, userId), before);
  });

  test('a new name is stored trimmed, with single plain spaces, in NFC', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    assert.equal((await addCategory(agent, '  Pets\u00a0\u00a0and  vets ')).status, 303);
    assert.equal((await addCategory(agent, 'Cafe\u0301s')).status, 303);
    assert.deepEqual(expenseNames(ctx, userId).slice(-2), ['Pets and vets', 'Caf\u00e9s']);
    assert.equal((await addCategory(agent, 'CAF\u00c9S')).status, 422, 'the composed capital form is the same name');
  });

  test('a rename follows the same rule: taken under the rule is refused, and the name is normalised', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const health = categoryIdOf(ctx.db, userId, 'expense', 'Health');
    const rename = async (name: string) =>
      agent.post(`/categories/${health}/edit`).type('form').send({ _csrf: await tokenFor(agent, `/categories/${health}/edit`), name });
    const taken = await rename('eating  OUT');
    assert.equal(taken.status, 422);
    assert.match(taken.text, /already have an expense category called “Eating out”/);
    assert.equal((await rename('Eating\tout')).status, 422);
    assert.equal((await rename('  Doctor \u00a0visits ')).status, 303);
    assert.equal(expenseNames(ctx, userId).includes('Doctor visits'), true);
    assert.equal((await rename('DOCTOR VISITS')).status, 303, 'its own name in another case is fine');
  });
});

describe('the category-name rule through the CSV import', () => {
  test('"Eating  out" and its variants land in the existing Eating out; a tab or a line break refuses the row', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const eatingOut = categoryIdOf(ctx.db, userId, 'expense', 'Eating out');
    const before = expenseNames(ctx, userId);
    const csv = [
      'date,type,category,amount,description',
      '2026-01-02,expense,Eating  out,10.00,two spaces',
      '2026-01-03,expense,eating out,11.00,lower case',
      '2026-01-04,expense,"Eating\u00a0out",12.00,no-break space',
      '2026-01-05,expense,"Eating\tout",13.00,a tab',
      '2026-01-06,expense,"Eating',
      'out",14.00,a line break',
      '2026-01-07,expense,"  Street\u00a0\u00a0food ",15.00,new and untidy',
    ].join('\r\n');

    const result = await importFile(ctx, agent, csv);

    assert.match(result, /<strong>4<\/strong> transactions were imported from 6 rows/);
    const rows = ctx.db
      .prepare<[number], { description: string; category_id: number | null }>('SELECT description, category_id FROM transactions WHERE user_id = ? ORDER BY occurred_on')
      .all(userId);
    assert.deepEqual(
      rows.map((r) => [r.description, r.category_id === eatingOut]),
      [
        ['two spaces', true],
        ['lower case', true],
        ['no-break space', true],
        ['new and untidy', false],
      ],
    );
    assert.deepEqual(expenseNames(ctx, userId), [...before, 'Street food'], 'one category created, under the tidy name');
    assert.match(result, /<td>5<\/td><td class="import-row__reason">the category name contains tabs, line breaks or other control or text-direction characters<\/td>/);
    assert.match(result, /<td>6<\/td><td class="import-row__reason">the category name contains tabs, line breaks or other control or text-direction characters<\/td>/);
    assert.match(result, /1 category was created: Street food \(expense\)/);
  });
});

describe('the migration that brings stored names under the rule', () => {
  test('on a database made by the previous schema, colliding categories merge into the oldest with every transaction, and nothing is lost', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-names-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = openDatabase(path.join(dir, 'old.sqlite'));
    t.after(() => db.close());
    // The schema as it was before the rule (version 3): names unique only in ASCII case, any spacing, tabs allowed.
    migrate(db, migrations.filter((m) => m.version <= 3));
    assert.equal(db.pragma('user_version', { simple: true }), 3);
    const user = (email: string) => Number(db.prepare("INSERT INTO users (email, password_hash) VALUES (?, 'x')").run(email).lastInsertRowid);
    const ann = user('ann@example.com');
    const bob = user('bob@example.com');
    const category = (userId: number, kind: string, name: string) =>
      Number(db.prepare('INSERT INTO categories (user_id, kind, name) VALUES (?, ?, ?)').run(userId, kind, name).lastInsertRowid);
    const eatingOut = (db.prepare("SELECT id FROM categories WHERE user_id = ? AND name = 'Eating out'").get(ann) as { id: number }).id;
    const twoSpaces = category(ann, 'expense', 'Eating  out');
    const tabbed = category(ann, 'expense', 'Eating\tout');
    const noBreak = category(ann, 'expense', ' eating\u00a0OUT ');
    const uber = category(ann, 'expense', 'Über');
    const lowerUber = category(ann, 'expense', 'über');
    const incomeTwin = category(ann, 'income', 'Eating  out');
    const bobs = category(bob, 'expense', 'Eating  out');
    const untidyAlone = category(bob, 'expense', '  Pets \u00a0and\tvets ');
    const tx = db.prepare("INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id) VALUES (?, ?, ?, ?, '', ?)");
    const rows: [number, string, number, string, number | null][] = [
      [ann, 'expense', 1_000, '2026-01-05', eatingOut],
      [ann, 'expense', 2_000, '2026-01-06', twoSpaces],
      [ann, 'expense', 3_000, '2026-02-07', tabbed],
      [ann, 'expense', 4_000, '2026-03-08', noBreak],
      [ann, 'expense', 5_000, '2026-03-09', lowerUber],
      [ann, 'expense', 6_000, '2026-03-10', uber],
      [ann, 'income', 7_000, '2026-03-11', incomeTwin],
      [ann, 'expense', 8_000, '2026-03-12', null],
      [bob, 'expense', 9_000, '2026-01-05', bobs],
      [bob, 'expense', 9_500, '2026-01-06', untidyAlone],
    ];
    for (const row of rows) tx.run(...row);
    const countBefore = (db.prepare('SELECT count(*) AS n FROM transactions').get() as { n: number }).n;
    const totalsBefore = [totalsForUserFromRows(db, ann), totalsForUserFromRows(db, bob)];

    migrate(db);

    const byCategory = (userId: number, id: number) =>
      (db.prepare('SELECT count(*) AS n FROM transactions WHERE user_id = ? AND category_id = ?').get(userId, id) as { n: number }).n;
    const namesOf = (userId: number, kind: string) =>
      db.prepare<[number, string], { id: number; name: string }>('SELECT id, name FROM categories WHERE user_id = ? AND kind = ? ORDER BY id').all(userId, kind);
    const annExpense = namesOf(ann, 'expense');
    assert.equal(annExpense.filter((c) => c.name === 'Eating out').length, 1);
    assert.equal(annExpense.find((c) => c.name === 'Eating out')!.id, eatingOut, 'the oldest category is the one kept');
    assert.deepEqual(annExpense.filter((c) => /ber$/.test(c.name)), [{ id: uber, name: 'Über' }], '"über" joined "Über"');
    for (const gone of [twoSpaces, tabbed, noBreak, lowerUber]) assert.equal(annExpense.some((c) => c.id === gone), false);
    assert.deepEqual(namesOf(ann, 'income').find((c) => c.id === incomeTwin), { id: incomeTwin, name: 'Eating out' }, 'another kind stays apart, tidied');
    const bobsDefault = namesOf(bob, 'expense').find((c) => c.name === 'Eating out')!;
    assert.ok(bobsDefault.id < bobs, "bob's \"Eating  out\" joined his own older Eating out, not ann's");
    assert.equal(namesOf(bob, 'expense').filter((c) => c.name === 'Eating out').length, 1);
    assert.deepEqual(namesOf(bob, 'expense').find((c) => c.id === untidyAlone), { id: untidyAlone, name: 'Pets and vets' }, 'tidied, kept');
    assert.equal(byCategory(bob, bobsDefault.id), 1);

    assert.equal(byCategory(ann, eatingOut), 4, 'the four Eating out transactions are all in the kept category');
    assert.equal(byCategory(ann, uber), 2);
    assert.equal((db.prepare('SELECT count(*) AS n FROM transactions').get() as { n: number }).n, countBefore, 'no transaction lost');
    assert.deepEqual([totalsForUserFromRows(db, ann), totalsForUserFromRows(db, bob)], totalsBefore, 'no total changed');
    assert.deepEqual(findMonthlyTotalsMismatches(db), [], 'the per-month totals followed the moved rows');
    assert.deepEqual(db.pragma('foreign_key_check'), []);

    // From now on the schema itself keeps the rule: the same name in another case cannot be inserted.
    assert.throws(
      () => db.prepare("INSERT INTO categories (user_id, kind, name, name_key) VALUES (?, 'expense', 'EATING OUT', 'eating out')").run(ann),
      /UNIQUE constraint failed/,
    );
    const fresh = user('carol@example.com');
    assert.deepEqual(
      db.prepare("SELECT name, name_key FROM categories WHERE user_id = ? AND name = 'Eating out'").get(fresh),
      { name: 'Eating out', name_key: 'eating out' },
      'a new account gets its default categories with their keys',
    );
  });
});

test('migration 39 repairs stored category and account names the stricter rule refuses, readably, and leaves the rest as they were', (t) => {
  const db = databaseFile(t, 38);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('ann@example.com', 'x')").run();
  const addCategory = db.prepare<[string, string]>("INSERT INTO categories (user_id, kind, name, name_key) VALUES (1, 'expense', ?, ?)");
  addCategory.run('Rent \u202etnemyap', 'rent \u202etnemyap');
  addCategory.run('\u200b', '\u200b');
  addCategory.run('Fuel\u2066', 'fuel\u2066');
  addCategory.run('Café \u200e2', 'café \u200e2');
  const addAccount = db.prepare<[string, string]>("INSERT INTO accounts (user_id, name, name_key, kind, opening_on) VALUES (1, ?, ?, 'cash', '2026-01-01')");
  addAccount.run('\u202bחשבון\u202c', '\u202bחשבון\u202c');
  addAccount.run('\u3164', '\u3164');
  const fuelId = db.prepare("SELECT id FROM categories WHERE name = 'Fuel\u2066'").pluck().get() as number;
  // 'Fuel' repaired would collide with a category of that name already there.
  addCategory.run('Fuel', 'fuel');
  migrate(db);
  const names = (table: string) => db.prepare(`SELECT id, name, name_key FROM ${table} WHERE user_id = 1 ORDER BY id`).all() as { id: number; name: string; name_key: string }[];
  const categories = names('categories');
  const blankId = categories.find((c) => c.name.startsWith('Unnamed category'))!.id;
  assert.deepEqual(
    categories.slice(-5).map((c) => c.name),
    ['Rent tnemyap', `Unnamed category ${blankId}`, `Fuel (${fuelId})`, 'Café \u200e2', 'Fuel'],
    'overrides become spaces, a name showing nothing is named, a collision takes its id, a name the rule accepts is kept',
  );
  for (const c of [...categories, ...names('accounts')]) {
    assert.deepEqual(normaliseCategoryName(c.name), { ok: true, name: c.name }, `${JSON.stringify(c.name)} passes the rule now`);
    assert.equal(c.name_key, categoryNameKey(c.name));
  }
  const accounts = names('accounts');
  assert.deepEqual(accounts.slice(-2).map((a) => a.name), [' חשבון'.trim(), `Unnamed account ${accounts.at(-1)!.id}`]);
});

test('a CSV cell whose category or account shows nothing is refused on its row, not taken as no category or the main account', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const csv = ['date,type,category,amount,description,account', '2026-01-02,expense,\u200b,1.00,blank category,', '2026-01-03,expense,,2.00,blank account,\u3164', '2026-01-04,expense,Groceries,3.00,fine,'].join('\n');
  const { result } = await importCsv(agent, csv);
  assert.match(result, /<strong>1<\/strong> transaction was imported/);
  assert.match(result, /the category name shows nothing \(only invisible characters\)/);
  assert.match(result, /the account name shows nothing \(only invisible characters\)/);
});
