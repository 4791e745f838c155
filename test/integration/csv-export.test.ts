import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Response } from 'supertest';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import type { RowDraft as NewTransaction } from '../helpers/bookkeeping.ts';
import { createTestContext, postForm, registerUser, type Agent, requestTo } from '../helpers/app.ts';
import { categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { importCsv } from '../helpers/csv-import.ts';

/** Reads a CSV download the way a spreadsheet would: header row first, every cell as text. */
function rowsOf(res: Response): string[][] {
  return parse(res.text, { relax_column_count: false }) as string[][];
}

async function exportCsv(agent: Agent, query = ''): Promise<Response> {
  return agent.get(`/transactions/export.csv${query}`);
}

/** Independent formatting of cents as the export promises: plain decimal, dot, two places. */
function plain(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

test('the export is an RFC 4180 UTF-8 attachment with a dated name, a header row and CRLF line ends', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  insertTransactions(ctx.db, userId, [
    { type: 'expense', amountCents: 123450, occurredOn: '2026-01-05', description: 'Rent, "January"\nflat 2' },
    { type: 'income', amountCents: 1, occurredOn: '2026-01-06', description: 'Zürich café ☕' },
  ]);

  const res = await exportCsv(agent);

  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
  assert.match(res.headers['content-disposition'] ?? '', new RegExp(`^attachment; filename="?ledgerly-transactions-${ctx.today()}\\.csv"?$`));
  assert.ok(res.text.startsWith('date,type,category,amount,description,account,transfer,scheduled\r\n'));
  assert.ok(res.text.includes('"Rent, ""January""\nflat 2"'), 'quotes doubled, field quoted');
  assert.deepEqual(rowsOf(res), [
    ['date', 'type', 'category', 'amount', 'description', 'account', 'transfer', 'scheduled'],
    ['2026-01-06', 'income', '', '0.01', 'Zürich café ☕', 'Main account', '', ''],
    ['2026-01-05', 'expense', '', '1234.50', 'Rent, "January"\nflat 2', 'Main account', '', ''],
  ]);
});

test('the export holds exactly the rows the transactions filter selects, newest first', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const groceries = categoryIdOf(ctx.db, userId, 'expense', 'Groceries');
  const salary = categoryIdOf(ctx.db, userId, 'income', 'Salary');
  const rows: NewTransaction[] = [];
  for (let i = 0; i < 60; i++) {
    const income = i % 5 === 0;
    rows.push({
      type: income ? 'income' : 'expense',
      amountCents: 100 + i * 37,
      occurredOn: `2026-0${1 + (i % 4)}-${String(1 + (i % 27)).padStart(2, '0')}`,
      description: i % 3 === 0 ? `Market stall ${i}` : `Bus ticket ${i}`,
      categoryId: income ? salary : i % 2 === 0 ? groceries : null,
    });
  }
  const ids = insertTransactions(ctx.db, userId, rows);
  const names = new Map([[groceries, 'Groceries'], [salary, 'Salary']]);
  const reference = (keep: (r: NewTransaction) => boolean) =>
    rows
      .map((r, i) => ({ ...r, id: ids[i]! }))
      .filter(keep)
      .sort((a, b) => (a.occurredOn === b.occurredOn ? b.id - a.id : a.occurredOn < b.occurredOn ? 1 : -1))
      .map((r) => [r.occurredOn, r.type, r.categoryId ? names.get(r.categoryId)! : '', plain(r.amountCents), r.description, 'Main account', '', '']);

  const cases: [string, (r: NewTransaction) => boolean][] = [
    ['', () => true],
    ['?type=expense', (r) => r.type === 'expense'],
    ['?from=2026-02-01&to=2026-03-31', (r) => r.occurredOn >= '2026-02-01' && r.occurredOn <= '2026-03-31'],
    [`?category=${groceries}&q=market`, (r) => r.categoryId === groceries && r.description.includes('Market')],
    ['?category=none&type=expense&from=2026-03-01', (r) => r.categoryId === null && r.type === 'expense' && r.occurredOn >= '2026-03-01'],
  ];
  for (const [query, keep] of cases) {
    const expected = reference(keep);
    assert.ok(expected.length > 0, `case ${query} selects something`);
    assert.deepEqual(rowsOf(await exportCsv(agent, query)).slice(1), expected, `export${query}`);
  }
});

test('an export longer than one batch streams every row exactly once', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const rows: NewTransaction[] = Array.from({ length: 2503 }, (_, i) => ({
    type: 'expense',
    amountCents: i + 1,
    occurredOn: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    description: `row ${i}`,
  }));
  insertTransactions(ctx.db, userId, rows);

  const exported = rowsOf(await exportCsv(agent)).slice(1);

  assert.equal(exported.length, rows.length);
  assert.deepEqual(new Set(exported.map((r) => r[4])).size, rows.length);
  const dates = exported.map((r) => r[0]!);
  assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first across batch boundaries');
  // A search's export reads bigger batches (each finds the matches again): 2,503 matches are still two of them.
  const searched = rowsOf(await exportCsv(agent, '?q=row')).slice(1);
  assert.deepEqual(searched, exported, 'a search matching every row exports them all, in the same order');
});

test('cells a spreadsheet would run as formulas are written with a leading quote', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  const evil = createCategoriesRepo(ctx.db).createCategory(userId, 'expense', '=HYPERLINK("http://x")');
  const descriptions = ['=1+2', '+SUM(A1)', '-2+3', '@cmd', '\tindent', '\rreturn', "'=already quoted", 'plain =1+2'];
  insertTransactions(
    ctx.db,
    userId,
    descriptions.map((description, i) => ({
      type: 'expense',
      amountCents: 500,
      occurredOn: `2026-02-${String(10 + i)}`,
      description,
      categoryId: evil.id,
    })),
  );

  const cells = rowsOf(await exportCsv(agent)).slice(1);

  const byDate = new Map(cells.map((r) => [r[0], r]));
  descriptions.forEach((description, i) => {
    const row = byDate.get(`2026-02-${String(10 + i)}`)!;
    const guarded = /^'*[=+\-@\t\r]/.test(description);
    assert.equal(row[4], guarded ? `'${description}` : description, JSON.stringify(description));
    assert.equal(row[2], `'=HYPERLINK("http://x")`);
  });
  for (const row of cells) for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `cell ${JSON.stringify(cell)}`);
});

test("an export never contains another user's rows, even when filtered by their category id", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await registerUser(ctx.app, 'ann@example.com');
  await registerUser(ctx.app, 'bob@example.com');
  const annId = userIdOf(ctx.db, 'ann@example.com');
  const bobId = userIdOf(ctx.db, 'bob@example.com');
  const bobGroceries = categoryIdOf(ctx.db, bobId, 'expense', 'Groceries');
  insertTransactions(ctx.db, annId, [{ type: 'expense', amountCents: 100, occurredOn: '2026-01-01', description: 'ann row' }]);
  insertTransactions(ctx.db, bobId, [
    { type: 'expense', amountCents: 200, occurredOn: '2026-01-01', description: 'bob row', categoryId: bobGroceries },
  ]);

  const all = rowsOf(await exportCsv(ann)).slice(1);
  const theirs = rowsOf(await exportCsv(ann, `?category=${bobGroceries}`)).slice(1);

  assert.deepEqual(all.map((r) => r[4]), ['ann row']);
  assert.deepEqual(theirs, []);
});

test('signed-out visitors are sent to log in instead of getting a file', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { default: request } = await import('supertest');

  const res = await requestTo(ctx.app).get('/transactions/export.csv?type=income');

  assert.equal(res.status, 303);
  assert.match(res.headers.location ?? '', /^\/login\?next=/);
  assert.doesNotMatch(res.headers['content-type'] ?? '', /csv/);
});

test('"CSV for Excel" opens in Excel as written: a byte-order mark, and in Ukrainian semicolons and decimal commas; it imports back unchanged', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  insertTransactions(ctx.db, userId, [
    { type: 'expense', amountCents: 123450, occurredOn: '2026-01-05', description: 'Оренда; квартира 2' },
    { type: 'income', amountCents: 1, occurredOn: '2026-01-06', description: 'Кава ☕, "зерно"' },
  ]);
  // Ann reads Ledgerly in Ukrainian (chosen on her account page); Excel in her region splits on ";".
  assert.equal((await postForm(agent, '/account', '/account/language', { language: 'uk' })).status, 303);
  const inUkrainian = (path: string) => agent.get(path);

  const uk = await inUkrainian('/transactions/export.csv?format=excel');
  assert.equal(uk.status, 200);
  assert.equal(uk.text.charCodeAt(0), 0xfeff, 'Excel reads the file as UTF-8 only with the mark');
  assert.deepEqual(parse(uk.text.slice(1), { delimiter: ';' }), [
    ['date', 'type', 'category', 'amount', 'description', 'account', 'transfer', 'scheduled'],
    ['2026-01-06', 'income', '', '0,01', 'Кава ☕, "зерно"', 'Main account', '', ''],
    ['2026-01-05', 'expense', '', '1234,50', 'Оренда; квартира 2', 'Main account', '', ''],
  ]);
  // The page offers it beside the plain export, under the same filter.
  assert.match((await inUkrainian('/transactions?type=expense')).text, /href="\/transactions\/export\.csv\?type=expense&amp;format=excel">CSV для Excel</);

  const english = await registerUser(ctx.app, 'eve@example.com');
  insertTransactions(ctx.db, userIdOf(ctx.db, 'eve@example.com'), [
    { type: 'expense', amountCents: 123450, occurredOn: '2026-01-05', description: 'Rent' },
    { type: 'income', amountCents: 1, occurredOn: '2026-01-06', description: 'Interest' },
  ]);
  const en = await english.get('/transactions/export.csv?format=excel');
  assert.equal(en.text.charCodeAt(0), 0xfeff);
  assert.deepEqual(parse(en.text.slice(1)).slice(1).map((r: string[]) => r[3]), ['0.01', '1234.50']);
  // The plain export stays what scripts read: no mark, commas, dots.
  const plainExport = await inUkrainian('/transactions/export.csv');
  assert.ok(plainExport.text.startsWith('date,type,'), JSON.stringify(plainExport.text.slice(0, 20)));

  // Another person imports the Ukrainian file as it is: every row, to the cent.
  const bob = await registerUser(ctx.app, 'bob@example.com');
  assert.equal((await postForm(bob, '/account', '/account/language', { language: 'uk' })).status, 303);
  await importCsv(bob, Buffer.from(uk.text, 'utf8'));
  const bobId = userIdOf(ctx.db, 'bob@example.com');
  assert.deepEqual(
    ctx.db.prepare('SELECT occurred_on, type, amount_cents, description FROM transactions WHERE user_id = ? ORDER BY occurred_on').all(bobId),
    [
      { occurred_on: '2026-01-05', type: 'expense', amount_cents: 123450, description: 'Оренда; квартира 2' },
      { occurred_on: '2026-01-06', type: 'income', amount_cents: 1, description: 'Кава ☕, "зерно"' },
    ],
  );
});
