import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import type { Db } from '../../src/db/open.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { MAX_IMPORT_BYTES } from '../../src/services/imports.ts';
import { createTestContext, postForm, registerUser, tokenFor, type Agent, type TestContext } from '../helpers/app.ts';
import { accountIdOf, assertMonthlyTotalsMatchRows, categoryIdOf, insertTransactions, postTransaction, rowIdsFrom, userIdOf } from '../helpers/bookkeeping.ts';
import { serve } from '../helpers/browser.ts';
import { finishedPage, importCsv, importFormFields, upload } from '../helpers/csv-import.ts';
import { waitUntil } from '../helpers/server-process.ts';

const HEADER = 'date,type,category,amount,description';


function errorsListed(html: string): Map<number, string> {
  return new Map(
    [...html.matchAll(/<tr><td>(\d+)<\/td><td class="import-row__reason">([^<]*)<\/td><\/tr>/g)].map((m) => [Number(m[1]), m[2]!]),
  );
}

function importedCount(html: string): number {
  const m = /<strong>([\d,]+)<\/strong> transactions? (?:was|were) imported/.exec(html);
  if (!m) throw new Error(`no result headline in ${html.slice(0, 500)}`);
  return Number(m[1]!.replaceAll(',', ''));
}

interface StoredRow {
  occurredOn: string;
  type: string;
  amountCents: number;
  description: string;
  category: string | null;
}

function storedRows(db: Db, userId: number): StoredRow[] {
  return db
    .prepare<[number], StoredRow>(
      `SELECT t.occurred_on AS occurredOn, t.type, t.amount_cents AS amountCents, t.description, c.name AS category
         FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
        WHERE t.user_id = ? ORDER BY t.occurred_on, t.id`,
    )
    .all(userId);
}

function uploadsLeft(ctx: TestContext): string[] {
  const root = path.join(ctx.config.dataDir, 'imports');
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
  } catch {
    return [];
  }
}

async function signedIn(ctx: TestContext, email = 'ann@example.com') {
  const agent = await registerUser(ctx.app, email);
  return { agent, userId: userIdOf(ctx.db, email) };
}

/** Adds an account through its form, as the person would, and returns its id. */
async function addAccount(ctx: TestContext, agent: Agent, userId: number, name: string, kind: 'checking' | 'savings'): Promise<number> {
  await postForm(agent, '/accounts', '/accounts', { name, kind, openingBalance: '', openingOn: '' });
  return ctx.db.prepare('SELECT id FROM accounts WHERE user_id = ? AND name = ?').pluck().get(userId, name) as number;
}

test('bad rows are listed with line and reason and not written, while every good row is', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const long = 'x'.repeat(10_000);
  const latin1 = Buffer.from('2026-01-09,expense,,4.00,Caf\xe9 au lait\r\n', 'latin1');
  const file = Buffer.concat([
    Buffer.from(
      [
        HEADER, // line 1
        '2026-01-02,expense,Groceries,12.50,Bread', // 2: good
        '2026-02-30,expense,,3.00,Wrong date', // 3
        '2026-01-03,expense,,1.005,Too precise', // 4
        '2026-01-04,expense,,,No amount', // 5
        '2026-01-05,income,,"=SUM(A1:A3)",Formula amount', // 6
        '2026-01-06,expense,,2.00,"Two', // 7: good, spans lines 7-8
        'lines"',
        `2026-01-07,expense,,5.00,${long}`, // 9: good, its description cut to 200 characters
        '2026-01-08,expense,,7.25,"=HYPERLINK(""http://evil"")"', // 10: good, text only
      ].join('\r\n') + '\r\n',
    ),
    latin1, // 11
    Buffer.from('2026-01-10,income,Salary,"1,000.00",Pay — café\r\n'), // 12: good (the file is UTF-8 but for line 11)
  ]);

  const { preview, result } = await importCsv(agent, file);

  assert.match(preview, /the date “2026-02-30” is not a real day/);
  assert.equal(importedCount(result), 5);
  const errors = errorsListed(result);
  assert.deepEqual([...errors.keys()], [3, 4, 5, 6, 11]);
  assert.match(errors.get(3)!, /not a real day/);
  assert.match(errors.get(4)!, /more than two decimal places/);
  assert.match(errors.get(5)!, /the amount is empty/);
  assert.match(errors.get(6)!, /not a number/);
  assert.match(errors.get(11)!, /not valid UTF-8/);
  assert.deepEqual(storedRows(ctx.db, userId), [
    { occurredOn: '2026-01-02', type: 'expense', amountCents: 1250, description: 'Bread', category: 'Groceries' },
    { occurredOn: '2026-01-06', type: 'expense', amountCents: 200, description: 'Two\r\nlines', category: null },
    { occurredOn: '2026-01-07', type: 'expense', amountCents: 500, description: 'x'.repeat(200), category: null },
    { occurredOn: '2026-01-08', type: 'expense', amountCents: 725, description: '=HYPERLINK("http://evil")', category: null },
    { occurredOn: '2026-01-10', type: 'income', amountCents: 100000, description: 'Pay — café', category: 'Salary' },
  ]);
  assertMonthlyTotalsMatchRows(ctx.db);
  assert.deepEqual(uploadsLeft(ctx), [], 'the uploaded file is deleted after the import');
});

test('an overlapping CSV file imports only its new rows: each row keeps a fingerprint of its day, amount, description and occurrence', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const rows = ['2026-03-01,expense,,4.00,Coffee', '2026-03-01,expense,,4.00,Coffee', '2026-03-02,expense,,30.00,Market', '2026-03-03,income,,900.00,Pay'];
  await importCsv(agent, [HEADER, ...rows.slice(0, 3)].join('\n'));
  const overlap = await importCsv(agent, [HEADER, ...rows].join('\n'));
  assert.equal(importedCount(overlap.result), 1);
  assert.match(overlap.result, /3 rows of this file were imported before and were skipped\./);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => r.description).sort(), ['Coffee', 'Coffee', 'Market', 'Pay']);
  assert.equal(ctx.db.prepare('SELECT count(DISTINCT import_key) FROM transactions WHERE user_id = ?').pluck().get(userId), 4, 'two coffees, two keys');
});

test('a CSV file whose header was imported before opens with that mapping, date format, decimal separator and account; a change is kept', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const giro = await addAccount(ctx, agent, userId, 'Girokonto', 'checking');
  const bankHeader = 'Buchungstag;Verwendungszweck;Betrag';
  const file = (rows: string[]) => [bankHeader, ...rows].join('\n');
  const settings = { delimiter: 'semicolon', date: '0', description: '1', amount: '2', type: '', category: '', dateFormat: 'DD.MM.YYYY', decimal: 'comma', targetAccount: String(giro) };
  const first = await importCsv(agent, file(['01.03.2026;Bäckerei;-4,50']), settings);
  assert.doesNotMatch(first.preview, /Filled in as you imported a file with these columns last time/);
  assert.equal(importedCount(first.result), 1);

  // The next statement from the same bank: the same header, in other case and spacing.
  const up = await upload(agent, ['BUCHUNGSTAG ; Verwendungszweck;Betrag', '02.03.2026;Kino;-12,00'].join('\n'));
  const page = (await agent.get(up.headers.location!)).text;
  assert.match(page, /Filled in as you imported a file with these columns last time/);
  const fields = importFormFields(page);
  assert.deepEqual([fields.delimiter, fields.date, fields.description, fields.amount, fields.dateFormat, fields.decimal, fields.targetAccount], ['semicolon', '0', '1', '2', 'DD.MM.YYYY', 'comma', String(giro)]);
  assert.match(page, /Kino/);

  // Changed (uncategorised rows now; the main account) and imported: the change is what the third file opens with.
  const main = ctx.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name = 'Main account'").pluck().get(userId) as number;
  const token = /name="_csrf" value="([^"]+)"/.exec(page.slice(page.indexOf('class="import-go"')))![1]!;
  const posted = await agent.post(up.headers.location!).type('form').send({ ...fields, targetAccount: String(main), unknownCategories: 'uncategorised', _csrf: token });
  assert.equal(posted.status, 303);
  await finishedPage(agent, posted.headers.location!);
  const third = await upload(agent, file(['03.03.2026;Tram;-2,90']));
  const thirdFields = importFormFields((await agent.get(third.headers.location!)).text);
  assert.deepEqual([thirdFields.targetAccount, thirdFields.unknownCategories, thirdFields.dateFormat], [String(main), 'uncategorised', 'DD.MM.YYYY']);

  // Another person's files with the same header start from the guess: mappings are each person's own.
  const bob = await registerUser(ctx.app, 'bob@example.com');
  const bobs = await upload(bob, file(['04.03.2026;Tram;-2,90']));
  assert.doesNotMatch((await bob.get(bobs.headers.location!)).text, /Filled in as you imported/);

  // The upload page lists what is remembered; bob cannot forget ann's layout, ann can.
  const listed = (await agent.get('/import')).text;
  assert.match(listed, /Remembered CSV layouts[\s\S]*BUCHUNGSTAG · Verwendungszweck · Betrag[\s\S]*Dates DD\.MM\.YYYY, decimal comma; last used [^.]+\. Rows go into Main account\./);
  const key = /name="key" value="([\w-]{43})"/.exec(listed)![1]!;
  const bobTries = await postForm(bob, '/import', '/import/layouts/forget', { key });
  assert.equal(bobTries.status, 303);
  assert.match((await bob.get('/import')).text, /That layout is no longer remembered\./);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM csv_mappings WHERE user_id = ?').pluck().get(userId), 1, "ann's layout stays");
  const forgot = await postForm(agent, '/import', '/import/layouts/forget', { key });
  assert.equal(forgot.status, 303);
  const after = (await agent.get('/import')).text;
  assert.match(after, /Layout forgotten: the next such file opens on fresh guesses\./);
  assert.doesNotMatch(after, /Remembered CSV layouts/);
  const fourth = await upload(agent, file(['05.03.2026;Tram;-2,90']));
  assert.doesNotMatch((await agent.get(fourth.headers.location!)).text, /Filled in as you imported/);
});

test("the same fees on the same day in a second account are that account's own, not duplicates of the first's", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const savings = accountIdOf(ctx.db, userId, 'Savings');
  const fees = [HEADER, '2026-03-31,expense,,5.00,Monthly fee', '2026-03-31,income,,0.42,Interest'].join('\n');
  const first = await importCsv(agent, fees);
  assert.equal(importedCount(first.result), 2);
  assert.doesNotMatch(first.preview, /look like transactions already in/, 'nothing like them anywhere yet');
  // The same two rows for Savings: its preview checks Savings (where they go), and both are written there.
  const second = await importCsv(agent, fees, { targetAccount: String(savings) });
  assert.doesNotMatch(second.preview, /Likely duplicate: (?:skipped|kept)|imported before, skipped/);
  // But it says they look like Main account's rows, in case the file was meant for it (a hint: they are still written).
  assert.match(second.preview, /2 of the 2 rows shown look like transactions already in “Main account” \(the same day, type, amount and description\)/);
  assert.equal(importedCount(second.result), 2);
  assert.match(second.result, /No row looked like a transaction you already had\./);
  assert.equal(storedRows(ctx.db, userId).length, 4);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE account_id = ?').pluck().get(savings), 2);
  // And for Savings again they are its duplicates (and this file's rows, known by their keys).
  const third = await importCsv(agent, fees, { targetAccount: String(savings) });
  assert.equal((third.preview.match(/imported before, skipped/g) ?? []).length, 2);
  assert.doesNotMatch(third.preview, /look like transactions already in/, 'rows skipped as its own are not said to be elsewhere');
  assert.match(third.result, /Nothing new/);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test("a row typed by hand in one account is a likely duplicate of the file's row for that account only", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const savings = accountIdOf(ctx.db, userId, 'Savings');
  insertTransactions(ctx.db, userId, [{ accountId: savings, type: 'expense', amountCents: 999, occurredOn: '2026-03-01', description: 'Cinema' }]);
  const file = [HEADER, '2026-03-01,expense,,9.99,Cinema'].join('\n');
  const intoMain = await importCsv(agent, file);
  assert.doesNotMatch(intoMain.preview, /Likely duplicate: (?:skipped|kept)/, 'the typed row is in Savings; this file goes to Main account');
  assert.equal(importedCount(intoMain.result), 1);
  // (The same file is known by its import keys in Main account only: in Savings it is new, and a likely duplicate.)
  const intoSavings = await importCsv(agent, file, { targetAccount: String(savings) });
  assert.match(intoSavings.preview, /Likely duplicate: skipped/);
  assert.match(intoSavings.result, /1 row looked like a transaction you already had and was skipped\./);
});

test('likely duplicates are counted one for one: a row imported before uses up its own, and a third equal ride on a later export is new', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  // A mid-day export with two equal metro rides, then the evening's export of the same day with a third.
  const ride = '2026-01-05,expense,,8.00,Metro';
  const first = await importCsv(agent, [HEADER, ride, ride].join('\n'));
  assert.equal(importedCount(first.result), 2);
  const evening = await importCsv(agent, [HEADER, ride, ride, ride].join('\n'));
  assert.equal((evening.preview.match(/imported before, skipped/g) ?? []).length, 2);
  assert.doesNotMatch(evening.preview, /Likely duplicate: (?:skipped|kept)/, 'the two rides there are these two rows of the file');
  assert.equal(importedCount(evening.result), 1);
  assert.match(evening.result, /No row looked like a transaction you already had\./);
  // One coffee typed by hand, then a file with two: one is its twin, the other is new.
  insertTransactions(ctx.db, userId, [{ accountId: accountIdOf(ctx.db, userId, 'Main account'), type: 'expense', amountCents: 350, occurredOn: '2026-01-06', description: 'Coffee' }]);
  const coffees = await importCsv(agent, [HEADER, '2026-01-06,expense,,3.50,Coffee', '2026-01-06,expense,,3.50,Coffee'].join('\n'));
  assert.equal((coffees.preview.match(/Likely duplicate: skipped/g) ?? []).length, 1);
  assert.equal(importedCount(coffees.result), 1);
  assert.match(coffees.result, /1 row looked like a transaction you already had and was skipped\./);
  assert.deepEqual(ctx.db.prepare("SELECT occurred_on AS day, count(*) AS n FROM transactions WHERE user_id = ? GROUP BY occurred_on ORDER BY occurred_on").all(userId), [{ day: '2026-01-05', n: 3 }, { day: '2026-01-06', n: 2 }]);
});

test('the date layout is guessed from the whole start of a file: a US file whose first days are all 12 or less is month first', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  // January's first twelve days, then the 13th: only month first reads every row.
  const days = Array.from({ length: 31 }, (_, i) => `01/${String(i + 1).padStart(2, '0')}/2024,POS PURCHASE ${i + 1},-${i + 1}.00`);
  const file = ['Date,Description,Amount', ...days].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<option value="MM\/DD\/YYYY" selected>/);
  assert.equal(importedCount(result), 31);
  const stored = storedRows(ctx.db, userId);
  assert.ok(stored.every((r) => r.occurredOn.startsWith('2024-01-')), 'every row in January');
  assert.equal(stored.reduce((sum, r) => sum + r.amountCents, 0), 49_600, '1 + 2 + ... + 31 dollars');
});

test('a file whose days could be read either way (all the 12th or earlier) is read as the person\'s own dates are written: month first in English (en-US) for a file written the US way, day first in Ukrainian or for a European bank\'s file', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = ['Posted Date,Payee,Amount', '12/01/2026,A,-1.00', '12/05/2026,B,-2.00'].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<option value="MM\/DD\/YYYY" selected>/);
  assert.equal(importedCount(result), 2);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => r.occurredOn).sort(), ['2026-12-01', '2026-12-05'], 'December 1 and 5, not January 12 and May 12');

  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  // (Another bank's header: a layout imported before is remembered for its header.)
  const inUkrainian = await importCsv(agent, file.replace('Posted Date,Payee,Amount', 'Date,Description,Amount'));
  assert.match(inUkrainian.preview, /<option value="DD\/MM\/YYYY" selected>/);

  // A European bank's file (semicolons, decimal commas) is day first for an English reader too.
  await postForm(agent, '/account', '/account/language', { language: 'en' });
  const european = await importCsv(agent, ['Buchungstag;Verwendungszweck;Betrag', '01/07/2026;Miete;-1.250,00', '02/07/2026;Gehalt;3.100,50'].join('\n'));
  assert.match(european.preview, /<option value="DD\/MM\/YYYY" selected>/);
});

/** Monobank's export: the card's amount named with its currency, then the operation's amount and its currency. */
const MONOBANK = [
  '"Дата i час операції";"Деталі операції";"MCC";"Сума в валюті картки (UAH)";"Сума в валюті операції";"Валюта";"Курс";"Сума комісій (UAH)";"Сума кешбеку (UAH)";"Залишок після операції"',
  '"31.12.2025 23:59:59";"Сільпо";"5411";"-123,45";"-123,45";"UAH";"—";"—";"—";"1000,00"',
  '"01.12.2025 08:00:01";"Зарплата";"4829";"25000,00";"25000,00";"UAH";"—";"—";"—";"1123,45"',
  '"02.12.2025 12:00:00";"Booking.com";"4722";"-4300,00";"-100,00";"EUR";"43,00";"—";"—";"-3176,55"',
].join('\n');

test('a Monobank statement in hryvnias imports on its days (times read past) by the card\'s amount, whatever the operation\'s currency', async (t) => {
  const ctx = createTestContext({ CURRENCY: 'UAH' });
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const { preview, result } = await importCsv(agent, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MONOBANK, 'utf8')]));
  assert.match(preview, /<option value="DD\.MM\.YYYY" selected>/);
  assert.match(preview, /<select id="map-amount" name="amount"[^>]*>[\s\S]*?<option value="3" selected>/);
  // "Валюта" is the operation's currency, not the card amount's: taking it would refuse a hotel paid in euros from a hryvnia card.
  assert.match(preview, /<select id="map-currency" name="currency"[^>]*>\s*<option value="" selected>/);
  assert.equal(importedCount(result), 3);
  assert.deepEqual(
    storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]).sort(),
    [['2025-12-01', 'income', 2_500_000, 'Зарплата'], ['2025-12-02', 'expense', 430_000, 'Booking.com'], ['2025-12-31', 'expense', 12_345, 'Сільпо']],
  );
});

test('a Monobank statement on a dollar Ledgerly: its amounts, named UAH in their column, are refused row by row, never counted as dollars', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const { preview, result } = await importCsv(agent, MONOBANK);
  assert.match(preview, /The amount column’s name says UAH, and this Ledgerly counts in USD with no conversion: its rows are refused, not taken as USD\./);
  assert.match(preview, /the amount is in UAH, and this Ledgerly counts in USD with no conversion, so it is not taken as USD/);
  assert.equal(importedCount(result), 0);
  assert.deepEqual([...errorsListed(result).values()], Array(3).fill('the amount is in UAH, and this Ledgerly counts in USD with no conversion, so it is not taken as USD'));
  assert.deepEqual(storedRows(ctx.db, userId), []);
  // Money in named for another currency is refused the same way.
  const ynab = await importCsv(agent, ['Date,Payee,Outflow,Inflow (EUR)', '2026-01-02,Shop,,12.00'].join('\n'), { amount: '2', inflow: '3' });
  assert.equal(importedCount(ynab.result), 0);
  assert.equal(errorsListed(ynab.result).get(2), 'the amount is in EUR, and this Ledgerly counts in USD with no conversion, so it is not taken as USD');
});

/** PrivatBank's statement: a title, then the card's amount and currency beside the transaction's. */
const PRIVATBANK = [
  'Виписка з Ваших карток за період 01.03.2026 - 31.03.2026',
  'Дата;Категорія;Картка;Опис операції;Сума в валюті картки;Валюта картки;Сума в валюті транзакції;Валюта транзакції;Залишок на кінець періоду;Валюта залишку',
  '02.03.2026 10:00;Продукти;4149 **** 1234;Сільпо;-120,50;UAH;-120,50;UAH;1000,00;UAH',
  '03.03.2026 11:00;Інтернет;5168 **** 9876;Amazon;-10,00;USD;-9,20;EUR;90,00;USD',
].join('\r\n');

test("a PrivatBank statement (Windows-1251): its card currency column is guessed with the card's amount, and each row in another currency than ours is refused", async (t) => {
  for (const [currency, imported, refused] of [['USD', ['Amazon', 1_000], ['UAH', 3]], ['UAH', ['Сільпо', 12_050], ['USD', 4]]] as const) {
    const ctx = createTestContext({ CURRENCY: currency });
    t.after(() => ctx.cleanup());
    const { agent, userId } = await signedIn(ctx);
    const { preview, result } = await importCsv(agent, inWindows1251(PRIVATBANK), { category: '' });
    assert.match(preview, /<select id="map-amount" name="amount"[^>]*>[\s\S]*?<option value="4" selected>/, currency);
    assert.match(preview, /<select id="map-currency" name="currency"[^>]*>[\s\S]*?<option value="5" selected>/, currency);
    assert.equal(importedCount(result), 1, currency);
    assert.equal(errorsListed(result).get(refused[1]), `the amount is in ${refused[0]}, and this Ledgerly counts in ${currency} with no conversion, so it is not taken as ${currency}`);
    assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.description, r.amountCents]), [imported]);
  }
});

test("amounts written with the instance's currency sign ($500.00, -$12.50) are read; another currency's are refused, never counted as ours", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = ['Date,Payee,Amount', '01/02/2026,Paycheck,$500.00', '01/03/2026,Grocer,-$12.50', '01/04/2026,Cafe in Rome,-€8.00'].join('\n');
  const { result } = await importCsv(agent, file, { dateFormat: 'MM/DD/YYYY' });
  assert.equal(importedCount(result), 2);
  assert.match(result, /the amount is in EUR, and this Ledgerly counts in USD with no conversion, so it is not taken as USD/);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents]), [['2026-01-02', 'income', 50_000], ['2026-01-03', 'expense', 1_250]]);
});

test("YNAB's register imports: Outflow and Inflow guessed as money out and money in, dollar signs read, each row the one holding an amount", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = [
    '"Account","Flag","Date","Payee","Category Group/Category","Memo","Outflow","Inflow","Cleared"',
    '"Main account","","01/02/2026","Paycheck","Inflow: Ready to Assign","","$0.00","$2,500.00","Cleared"',
    '"Main account","","01/03/2026","Grocer","Everyday: Groceries","","$12.50","$0.00","Cleared"',
    '"Main account","","01/13/2026","Odd","Everyday: Groceries","","$1.00","$1.00","Cleared"',
  ].join('\n');
  const { preview, result } = await importCsv(agent, file, { category: '', unknownCategories: 'uncategorised' });
  assert.match(preview, /<select id="map-inflow" name="inflow"[^>]*>[\s\S]*?<option value="7" selected>/, 'Inflow is money in');
  assert.match(preview, /<select id="map-amount" name="amount"[^>]*>[\s\S]*?<option value="6" selected>/, 'Outflow is the amount');
  assert.equal(importedCount(result), 2);
  assert.match(result, /both money out \(“\$1\.00”\) and money in \(“\$1\.00”\) hold an amount/);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]), [
    ['2026-01-02', 'income', 250_000, 'Paycheck'],
    ['2026-01-03', 'expense', 1_250, 'Grocer'],
  ]);
  // A type column and a money-in column together are refused beside the field.
  const both = await importCsvPreviewWith(agent, file, { type: '1', inflow: '7' });
  assert.match(both, /id="map-inflow-error"><span aria-hidden="true">⚠ <\/span>Choose a type column or a money-in column, not both/);
});

/** The mapping page for a file with settings changed, as "Update preview" shows it. */
async function importCsvPreviewWith(agent: Agent, content: string, settings: Record<string, string>): Promise<string> {
  const up = await upload(agent, content);
  const page = await agent.get(up.headers.location!);
  const query = new URLSearchParams({ ...importFormFields(page.text), ...settings });
  return (await agent.get(`${up.headers.location!}?${query}`)).text;
}

test('rows matching an existing transaction are flagged in the preview and skipped unless kept', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  insertTransactions(ctx.db, userId, [{ type: 'expense', amountCents: 999, occurredOn: '2026-03-01', description: 'Cinema' }]);
  const file = [
    HEADER,
    '2026-03-01,expense,,9.99,Cinema', // same date, amount, type, description: duplicate
    '2026-03-01,expense,,9.99,Cinema night', // different description
    '2026-03-01,income,,9.99,Cinema', // different type
    '2026-03-02,expense,,4.00,Coffee', // twice in the file: both are new
    '2026-03-02,expense,,4.00,Coffee',
  ].join('\n');

  const skipped = await importCsv(agent, file);

  assert.equal((skipped.preview.match(/Likely duplicate: skipped/g) ?? []).length, 1);
  assert.equal(importedCount(skipped.result), 4);
  assert.match(skipped.result, /1 row looked like a transaction you already had and was skipped\.[\s\S]*Lines: 2</);
  assert.equal(storedRows(ctx.db, userId).filter((r) => r.description === 'Cinema' && r.type === 'expense').length, 1);
  assert.equal(storedRows(ctx.db, userId).filter((r) => r.description === 'Coffee').length, 2);

  const kept = await importCsv(agent, file, { keepDuplicates: '1' });

  // The same file again: its four imported rows are known by their import keys and skipped whatever the setting; the
  // row that only looked like the typed one was never imported, and "keep duplicates" now writes it.
  assert.match(kept.preview, /Likely duplicate: kept/);
  assert.equal((kept.preview.match(/imported before, skipped/g) ?? []).length, 4);
  assert.equal(importedCount(kept.result), 1);
  assert.match(kept.result, /4 rows of this file were imported before and were skipped\./);
  assert.equal(storedRows(ctx.db, userId).length, 1 + 4 + 1);
  const third = await importCsv(agent, file, { keepDuplicates: '1' });
  assert.match(third.result, /Nothing new: every row of this file was imported before\./);
  assert.equal(storedRows(ctx.db, userId).length, 1 + 4 + 1);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('a large import is found by text search, every row of it, and rows added after it are found too', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const lines = Array.from({ length: 1_200 }, (_, i) => `2026-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, '0')},expense,,${1 + i}.00,${i === 777 ? 'Zanzibar Tea House' : `Shop number ${i}`}`);
  const { result } = await importCsv(agent, `${HEADER}\n${lines.join('\n')}\n`);
  assert.equal(importedCount(result), 1_200);
  const found = async (q: string) => rowIdsFrom((await agent.get(`/transactions?q=${encodeURIComponent(q)}`)).text);
  const idOf = (description: string) => ctx.db.prepare<[number, string], number>('SELECT id FROM transactions WHERE user_id = ? AND description = ?').pluck().get(userId, description)!;
  assert.deepEqual(await found('anzib'), [idOf('Zanzibar Tea House')], 'a word inside the description finds its row');
  assert.deepEqual(await found('number 1199'), [idOf('Shop number 1199')]);
  // Every imported row is in the index: the index's matches for a word all rows share are the rows.
  const indexed = ctx.db.prepare<[], number>("SELECT count(*) FROM transactions_fts WHERE transactions_fts MATCH 'Shop number'").pluck().get();
  assert.equal(indexed, 1_199);
  const added = await postTransaction(agent, { type: 'expense', amount: '3.50', date: '2026-06-30', description: 'Zanzibar again' });
  assert.equal(added.status, 303);
  assert.deepEqual(await found('zanzibar'), [idOf('Zanzibar again'), idOf('Zanzibar Tea House')], 'the index is kept as rows are written again');
});

test('unknown categories are created when asked, matched case-insensitively, or left uncategorised', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = [HEADER, '2026-04-01,expense,Pets,30.00,Vet', '2026-04-02,expense,groceries,5.00,Milk', '2026-04-03,income,Pets,1.00,Sold a leash'].join('\n');
  const categories = createCategoriesRepo(ctx.db);
  const before = categories.listCategoriesForUser(userId).length;

  const asked = await importCsv(agent, file, { unknownCategories: 'uncategorised' });

  assert.match(asked.preview, /unknown: uncategorised/);
  assert.equal(categories.listCategoriesForUser(userId).length, before, 'no category created');
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => r.category), [null, 'Groceries', null]);

  // The same header opens with the last import's choice (uncategorised); this time the person asks for new ones.
  const created = await importCsv(agent, file.replaceAll('2026-04', '2026-05'), { unknownCategories: 'create' });

  assert.match(created.preview, /<span class="import-tag">new<\/span>/);
  assert.match(created.result, /2 categories were created: Pets \(expense\), Pets \(income\)/);
  assert.ok(categories.findCategoryByName(userId, 'expense', 'Pets'));
  assert.ok(categories.findCategoryByName(userId, 'income', 'Pets'));
  assert.deepEqual(
    storedRows(ctx.db, userId).filter((r) => r.occurredOn.startsWith('2026-05')).map((r) => r.category),
    ['Pets', 'Groceries', 'Pets'],
  );
});

test('an empty file, or one with nothing but a byte-order mark and blank lines, is refused on the upload page and not kept', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const empty = await upload(agent, Buffer.alloc(0));
  assert.equal(empty.status, 422);
  assert.match(empty.text, /the file was missing or empty/);
  // What a spreadsheet saves for an empty sheet: a UTF-8 byte-order mark, maybe with blank lines or empty cells.
  for (const blank of [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\uFEFF\r\n\r\n'), Buffer.from(';;\n;;\n'), Buffer.from('\n \n')]) {
    const refused = await upload(agent, blank);
    assert.equal(refused.status, 422, JSON.stringify(blank.toString()));
    assert.match(refused.text, /That file holds no rows: nothing but blank lines/);
  }
  assert.deepEqual(uploadsLeft(ctx), []);
  // A header alone is a file: its page opens, with its columns.
  const header = await upload(agent, 'Date,Amount,Description\n');
  assert.equal(header.status, 303);
});

test("a file with a currency column (Firefly III's currency_code): its column is guessed, and a row in another currency is refused, never counted as ours", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = [
    'type,currency_code,amount,foreign_currency_code,foreign_amount,description,date',
    'Withdrawal,USD,-12.50,,,Lunch,2026-01-02',
    'Withdrawal,EUR,-1000.00,USD,-1085.00,Hotel Paris,2026-01-03',
    'Deposit,usd,2500.00,,,Salary,2026-01-04',
  ].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<select id="map-currency" name="currency"[^>]*>[\s\S]*?<option value="1" selected>/);
  assert.match(preview, /the amount is in EUR, and this Ledgerly counts in USD with no conversion, so it is not taken as USD/);
  assert.equal(importedCount(result), 2);
  assert.equal(errorsListed(result).get(3), 'the amount is in EUR, and this Ledgerly counts in USD with no conversion, so it is not taken as USD');
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.description, r.amountCents]), [['Lunch', 1250], ['Salary', 250_000]]);
});

test("European bank exports open ready to import: ING's YYYYMMDD days with Af/Bij and Bedrag, a savings bank's DD.MM.YY days in Windows-1252 on its booking day", async (t) => {
  // A Ledgerly counting in euros: "Bedrag (EUR)" and "Waehrung" say so.
  const ctx = createTestContext({ CURRENCY: 'EUR' });
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const ing = [
    '"Datum","Naam / Omschrijving","Rekening","Tegenrekening","Code","Af Bij","Bedrag (EUR)","Mutatiesoort","Mededelingen"',
    '"20260302","Albert Heijn","NL00INGB0001234567","","BA","Af","12,34","Betaalautomaat","Pasvolgnr: 001"',
    '"20260303","Werkgever BV","NL00INGB0001234567","NL00RABO0123456789","OV","Bij","2500,00","Overschrijving","Salaris maart"',
  ].join('\n');
  const first = await importCsv(agent, ing);
  assert.match(first.preview, /<option value="YYYYMMDD" selected>/);
  assert.match(first.preview, /<option value="comma" selected>/);
  assert.equal(importedCount(first.result), 2);
  // Sparkasse: the booking day (Buchungstag) before the value day, two-digit years, ü and ä in Windows-1252.
  const sparkasse = Buffer.from(
    ['"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";"Betrag";"Waehrung"', '"DE00";"02.03.26";"04.03.26";"Lastschrift";"Bäckerei Müller";"-3,20";"EUR"'].join('\r\n'),
    'latin1',
  );
  const second = await importCsv(agent, sparkasse);
  assert.match(second.preview, /<option value="DD.MM.YY" selected>/);
  assert.equal(importedCount(second.result), 1);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]), [
    ['2026-03-02', 'expense', 1234, 'Albert Heijn'],
    ['2026-03-02', 'expense', 320, 'Bäckerei Müller'],
    ['2026-03-03', 'income', 250_000, 'Werkgever BV'],
  ]);
});

test('unsigned amounts beside a DR/CR (or D/C, Дебет/Кредит) column open ready: DR and D are expenses, CR and C incomes', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const british = ['Date,Description,Amount,DR/CR', '14/03/2026,TESCO STORES,12.34,DR', '15/03/2026,SALARY ACME LTD,2500.00,CR'].join('\n');
  const first = await importCsv(agent, british);
  assert.equal(importedCount(first.result), 2, first.result);
  const letters = ['Date,Description,Amount,D/C', '16/03/2026,SHELL,45.20,D', '17/03/2026,REFUND AMAZON,9.99,C'].join('\n');
  assert.equal(importedCount((await importCsv(agent, letters)).result), 2);
  const ukrainian = ['Дата;Опис;Сума;Дебет/Кредит', '06.03.2026;АТБ;100,50;Дебет', '07.03.2026;Зарплата;30000,00;Кредит'].join('\n');
  assert.equal(importedCount((await importCsv(agent, ukrainian)).result), 2);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]), [
    ['2026-03-06', 'expense', 10_050, 'АТБ'],
    ['2026-03-07', 'income', 3_000_000, 'Зарплата'],
    ['2026-03-14', 'expense', 1234, 'TESCO STORES'],
    ['2026-03-15', 'income', 250_000, 'SALARY ACME LTD'],
    ['2026-03-16', 'expense', 4520, 'SHELL'],
    ['2026-03-17', 'income', 999, 'REFUND AMAZON'],
  ]);
});

test('a card export writing spending as positive amounts: its result says every row came in as an income, and with the signs reversed purchases are expenses and a payment money in', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const charges = ['Date,Description,Amount', '2026-03-14,AMAZON MKTPLACE,59.99', '2026-03-15,SHELL OIL,45.20', '2026-03-16,NETFLIX.COM,15.49'].join('\n');
  const first = await importCsv(agent, charges);
  assert.match(first.preview, /<option value="spending-negative" selected>/, 'spending is negative unless chosen');
  assert.match(first.result, /Written: 3 incomes totalling \$120\.68\./);
  assert.match(first.result, /Every row came in as an income/);
  // Undone, and the same file again with its signs read the other way round.
  ctx.db.prepare('DELETE FROM transactions WHERE user_id = ?').run(userId);
  const card = [...charges.split('\n'), '2026-03-17,PAYMENT THANK YOU,-300.00'].join('\n');
  const second = await importCsv(agent, card, { signs: 'spending-positive' });
  assert.match(second.preview, /<option value="spending-positive" selected>/);
  assert.match(second.result, /Written: 1 income of \$300\.00; 3 expenses totalling \$120\.68\./);
  assert.doesNotMatch(second.result, /Every row came in as an income/);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.type, r.amountCents, r.description]), [
    ['expense', 5999, 'AMAZON MKTPLACE'],
    ['expense', 4520, 'SHELL OIL'],
    ['expense', 1549, 'NETFLIX.COM'],
    ['income', 30_000, 'PAYMENT THANK YOU'],
  ]);
  // The layout is remembered with the choice: next month's export opens with it.
  const next = await importCsv(agent, ['Date,Description,Amount', '2026-04-14,AMAZON MKTPLACE,10.00'].join('\n'));
  assert.match(next.preview, /<option value="spending-positive" selected>/);
  assert.match(next.result, /Written: 1 expense of \$10\.00\./);
  // In Ukrainian, the counts in their plural forms.
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const uk = await importCsv(agent, ['Date,Description,Amount', '2026-05-14,A,1.00', '2026-05-15,B,2.00', '2026-05-16,C,3.00', '2026-05-17,D,4.00', '2026-05-18,E,5.00'].join('\n'));
  assert.match(uk.result, /Записано: 5 витрат на суму 15,00\s?USD\./);
  // A refund (an income in an expense category) is counted as one, an uncategorised income as an income.
  await postForm(agent, '/account', '/account/language', { language: 'en' });
  const mixed = await importCsv(agent, ['date,type,category,amount,description', '2026-06-01,income,,100.00,Gift', '2026-06-02,expense,Groceries,10.00,Market', '2026-06-03,refund,Groceries,2.50,Market refund'].join('\n'));
  assert.match(mixed.result, /Written: 1 income of \$100\.00; 1 expense of \$10\.00; 1 refund of \$2\.50\./);
});

test('a Ukrainian bank file with money out and money in columns (Витрата, Надходження) opens ready; a minus under either is refused', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = ['Дата;Опис;Витрата;Надходження', '01.03.2026;Сільпо;-50,00;', '02.03.2026;Аптека;12,30;', '03.03.2026;Зарплата;;1 000,00', '04.03.2026;Кешбек;0,00;5,00'].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<select id="map-amount" name="amount"[^>]*>[\s\S]*?<option value="2" selected>/);
  assert.match(preview, /<select id="map-inflow" name="inflow"[^>]*>[\s\S]*?<option value="3" selected>/);
  assert.match(preview, /<select id="map-description" name="description"[^>]*>[\s\S]*?<option value="1" selected>/);
  assert.equal(importedCount(result), 3);
  assert.match(errorsListed(result).get(2) ?? '', /negative/, 'a debit with a minus may be a reversal: only the whole file could tell');
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.description, r.type, r.amountCents]), [
    ['Аптека', 'expense', 1_230],
    ['Зарплата', 'income', 100_000],
    ['Кешбек', 'income', 500],
  ]);
});

test("Revolut's export opens ready: its Type column (CARD_PAYMENT, TOPUP) is not taken as the type, and its Currency column is", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = [
    'Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance',
    'CARD_PAYMENT,Current,2026-03-02 10:11:12,2026-03-03 09:00:00,Tesco,-12.50,0.00,USD,COMPLETED,987.50',
    'TOPUP,Current,2026-03-04 08:00:00,2026-03-04 08:00:05,Top-up by *1234,100.00,0.00,USD,COMPLETED,1087.50',
  ].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<select id="map-type" name="type"[^>]*>\s*<option value="" selected>/, 'no type column: the sign decides');
  assert.match(preview, /<select id="map-currency" name="currency"[^>]*>[\s\S]*?<option value="7" selected>/);
  assert.equal(importedCount(result), 2);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.description, r.type, r.amountCents]), [['Tesco', 'expense', 1_250], ['Top-up by *1234', 'income', 10_000]]);
});

test('a semicolon file written with decimal dots is read with dots: the amounts decide, not the delimiter', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = ['Дата;Опис;Сума', '01.01.2026;Кава;-12.50', '02.01.2026;Зарплата;1,500.00', '03.01.2026;Таксі;-7'].join('\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<option value="semicolon" selected>/);
  assert.match(preview, /<option value="dot" selected>/);
  assert.equal(importedCount(result), 3);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => r.amountCents), [1250, 150000, 700]);
});

test('a bank file with semicolons, day-first dates, decimal commas and signed amounts imports by sign', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = ['Buchungstag;Text;Betrag', '01.06.2026;Miete Juni;-1.250,00', '2.6.2026;Gehalt;2.500,5', '03.06.2026;"Bäcker; Brot";-3,2'].join('\n');

  const { preview, result } = await importCsv(agent, file);

  // The page guessed the layout from the header and the cells; nothing had to be chosen by hand.
  assert.match(preview, /<option value="semicolon" selected>/);
  assert.match(preview, /<option value="DD.MM.YYYY" selected>/);
  assert.match(preview, /<option value="comma" selected>Comma: 1.234,50/);
  assert.equal(importedCount(result), 3);
  assert.deepEqual(storedRows(ctx.db, userId), [
    { occurredOn: '2026-06-01', type: 'expense', amountCents: 125000, description: 'Miete Juni', category: null },
    { occurredOn: '2026-06-02', type: 'income', amountCents: 250050, description: 'Gehalt', category: null },
    { occurredOn: '2026-06-03', type: 'expense', amountCents: 320, description: 'Bäcker; Brot', category: null },
  ]);
});

test('a bank file with year-first dotted dates and negatives in brackets or with the minus after them imports by sign', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = ['Date;Description;Amount', '2026.04.03;Coffee;(3,50)', '2026.04.04;Salary;1 234,56', '2026.04.05;Fee;2,00-'].join('\n');

  const { preview, result } = await importCsv(agent, file);

  assert.match(preview, /<option value="YYYY.MM.DD" selected>/);
  assert.equal(importedCount(result), 3);
  assert.deepEqual(
    storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents]),
    [['2026-04-03', 'expense', 350], ['2026-04-04', 'income', 123456], ['2026-04-05', 'expense', 200]],
  );
});

test('our own export re-imports to exactly the same transactions, and re-exports byte for byte', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await signedIn(ctx, 'ann@example.com');
  const bob = await signedIn(ctx, 'bob@example.com');
  const categories = createCategoriesRepo(ctx.db);
  const weird = categories.createCategory(ann.userId, 'expense', "=Weird, \"quoted\" 'cat'");
  const groceries = categories.findCategoryByName(ann.userId, 'expense', 'Groceries')!;
  const salary = categories.findCategoryByName(ann.userId, 'income', 'Salary')!;
  const descriptions = [
    '',
    'Plain',
    'Comma, and "quotes"',
    'Line one\nline two',
    'CR\r\nLF',
    '=1+2',
    '+44 phone',
    '-minus first',
    '@mention',
    "'=already quoted",
    "''+two quotes",
    "'Tis a quote",
    'Ünïcödé ☕ 𝄞 emoji 🎉',
    'tab\tinside',
    'x'.repeat(200), // exactly the longest description allowed
  ];
  const rows = descriptions.map((description, i) => ({
    type: (i % 4 === 0 ? 'income' : 'expense') as 'income' | 'expense',
    amountCents: [1, 99, 100, 123456, 100_000_000_000][i % 5]!,
    occurredOn: `2026-0${1 + (i % 3)}-0${1 + (i % 2)}`, // several rows share a day: order within a day matters
    description,
    categoryId: i % 4 === 0 ? salary.id : i % 3 === 0 ? weird.id : i % 3 === 1 ? groceries.id : null,
  }));
  insertTransactions(ctx.db, ann.userId, rows);
  const first = await ann.agent.get('/transactions/export.csv');
  assert.equal(first.status, 200);

  const { result } = await importCsv(bob.agent, first.text);

  assert.equal(importedCount(result), rows.length);
  assert.deepEqual(errorsListed(result), new Map());
  assert.deepEqual(storedRows(ctx.db, bob.userId), storedRows(ctx.db, ann.userId));
  const second = await bob.agent.get('/transactions/export.csv');
  assert.equal(second.text, first.text);
  assertMonthlyTotalsMatchRows(ctx.db);
});

test('an upload without the CSRF token, or with a wrong one, gets 403 and keeps nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = `${HEADER}\n2026-01-02,expense,,1.00,x\n`;
  const token = await tokenFor(agent, '/import');

  const missing = await upload(agent, file, null);
  const wrong = await upload(agent, file, `${token.slice(0, -4)}0000`);

  assert.equal(missing.status, 403);
  assert.equal(wrong.status, 403);
  assert.match(wrong.text, /nothing was changed/);
  assert.deepEqual(uploadsLeft(ctx), []);
  assert.deepEqual(storedRows(ctx.db, userId), []);
  const ok = await upload(agent, file, token);
  assert.equal(ok.status, 303, 'the same upload with the real token is accepted');
});

test('the import step itself rejects a missing CSRF token with 403 and writes nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const up = await upload(agent, `${HEADER}\n2026-01-02,expense,,1.00,x\n`);
  const { _csrf: realToken, ...fields } = importFormFields((await agent.get(up.headers.location!)).text);
  assert.ok(realToken, 'the Import form carries a token');

  const res = await agent.post(up.headers.location!).type('form').send(fields);

  assert.equal(res.status, 403);
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

test('a file over the stated size limit is refused with 413 and nothing is kept', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const page = await agent.get('/import');
  assert.match(page.text, /Up to 10\.0 MB/);
  const row = '2026-01-02,expense,,1.00,padding padding padding padding padding\n';
  const justOver = Buffer.alloc(MAX_IMPORT_BYTES + 1, row);
  const farOver = Buffer.alloc(MAX_IMPORT_BYTES * 2, row);

  const over = await upload(agent, justOver);
  const way = await upload(agent, farOver).catch((err: unknown) => ({ status: 0, text: String(err) }));

  assert.equal(over.status, 413);
  assert.match(over.text, /larger than 10\.0 MB, so it was not uploaded/);
  // The far-over upload is refused from its declared length before it is read; the client may see the 413 or a
  // closed connection, but never a success.
  assert.ok(way.status === 413 || way.status === 0, `far-over upload answered ${way.status}`);
  assert.deepEqual(uploadsLeft(ctx), []);
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

test("another user's upload, preview and progress are all 404", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await signedIn(ctx, 'ann@example.com');
  const bob = await signedIn(ctx, 'bob@example.com');
  const up = await upload(ann.agent, `${HEADER}\n2026-01-02,expense,,1.00,x\n`);
  const mapUrl = up.headers.location!;
  const fields = importFormFields((await ann.agent.get(mapUrl)).text);

  const peek = await bob.agent.get(mapUrl);
  const steal = await bob.agent.post(mapUrl).type('form').send({ ...fields, _csrf: await tokenFor(bob.agent, '/import') });
  const progress = await bob.agent.get(`${mapUrl}/progress`);

  assert.equal(peek.status, 404);
  assert.equal(steal.status, 404);
  assert.equal(progress.status, 404);
  assert.deepEqual(storedRows(ctx.db, bob.userId), []);
  assert.equal(uploadsLeft(ctx).length, 1, "ann's upload is still waiting for her");
});

test("Run again on another user's interrupted import is 404 and leaves it interrupted for its owner", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await signedIn(ctx, 'ann@example.com');
  const bob = await signedIn(ctx, 'bob@example.com');
  const mapUrl = (await upload(ann.agent, `${HEADER}\n2026-01-02,expense,,1.00,ann's row\n`)).headers.location!;
  await ctx.jobs.stop(0);
  assert.equal((await ann.agent.post(mapUrl).type('form').send(importFormFields((await ann.agent.get(mapUrl)).text))).status, 303);
  ctx.db.prepare("UPDATE jobs SET state = 'interrupted', finished_at = ? WHERE kind = 'csv-import'").run(ctx.clock.now());
  ctx.jobs.start();

  const stolen = await bob.agent.post(`${mapUrl}/run-again`).type('form').send({ _csrf: await tokenFor(bob.agent, '/import') });
  assert.equal(stolen.status, 404);
  await ctx.jobs.runDue();
  assert.equal(ctx.db.prepare("SELECT state FROM jobs WHERE kind = 'csv-import'").pluck().get(), 'interrupted');
  assert.deepEqual(storedRows(ctx.db, bob.userId), []);
  assert.deepEqual(storedRows(ctx.db, ann.userId), []);

  // Control: the same request from its owner does run it, so the 404 above was about the user.
  const own = await ann.agent.post(`${mapUrl}/run-again`).type('form').send({ _csrf: await tokenFor(ann.agent, `${mapUrl}/progress`) });
  assert.equal(own.status, 303);
  await ctx.jobs.runDue();
  assert.equal(storedRows(ctx.db, ann.userId).length, 1);
});

test('an impossible mapping re-renders with 422 and a message beside the field, writing nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const up = await upload(agent, `${HEADER}\n2026-01-02,expense,,1.00,x\n`);
  const page = await agent.get(up.headers.location!);
  const token = /class="import-go">\s*<input type="hidden" name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;

  const res = await agent
    .post(up.headers.location!)
    .type('form')
    .send({ ...importFormFields(page.text), _csrf: token, amount: '0', description: '9' });

  assert.equal(res.status, 422);
  assert.match(res.text, /id="map-amount-error"[^>]*>.*That column is already the date/);
  assert.match(res.text, /id="map-description-error"[^>]*>.*Choose one of the file&#39;s 5 columns/);
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

test('a file that is not valid CSV further down fails as a whole and writes nothing', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const good = Array.from({ length: 30 }, (_, i) => `2026-01-${String(1 + (i % 28)).padStart(2, '0')},expense,,1.00,row ${i}`);
  const file = [HEADER, ...good, '2026-02-01,expense,,1.00,"never closed'].join('\n');

  const { result } = await importCsv(agent, file);

  assert.match(result, /Import failed/);
  assert.match(result, /A quotation mark \(&#34;\) opens a field that is never closed before the end of the file\. Nothing was imported\./);
  assert.deepEqual(storedRows(ctx.db, userId), []);
  assert.deepEqual(uploadsLeft(ctx), []);
});

test("a file that is not CSV is explained in the person's language, never in the parser's English", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  // Near the top, the mapping page cannot read it; further down than its preview, the import finds it and fails.
  const early = `${HEADER}\n2026-01-02,expense,,1.00,"quote never closed\n2026-01-03,expense,,2.00,x\n`;
  const good = Array.from({ length: 30 }, (_, i) => `2026-01-${String(1 + (i % 28)).padStart(2, '0')},expense,,1.00,row ${i}`);
  const late = [HEADER, ...good, '2026-02-01,expense,,1.00,"never closed'].join('\n');

  const mapping = await agent.get((await upload(agent, early)).headers.location!);
  const { result } = await importCsv(agent, late);

  assert.equal(mapping.status, 422);
  assert.match(mapping.text, /role="alert">Файл не є коректним CSV: лапки \(&#34;\) відкривають поле, яке не закрито до кінця файлу\./);
  assert.match(result, /Лапки \(&#34;\) відкривають поле, яке не закрито до кінця файлу\. Нічого не імпортовано\./);
  for (const html of [mapping.text, result]) assert.doesNotMatch(html, /Quote Not Closed|opening quote|parsing is finished/);
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

test('the hourly sweep job deletes uploads abandoned for over a day, by the clock; fresh ones stay', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await signedIn(ctx, 'ann@example.com');
  const bob = await signedIn(ctx, 'bob@example.com');
  const file = `${HEADER}\n2026-01-02,expense,,1.00,x\n`;
  const old = await upload(ann.agent, file);

  ctx.clock.advance(25 * 60 * 60 * 1000);
  const fresh = await upload(ann.agent, file);
  await upload(bob.agent, file);
  assert.equal((await ann.agent.get(old.headers.location!)).status, 200, 'nothing is swept by a request');
  await ctx.jobs.runDue();

  assert.equal((await ann.agent.get(old.headers.location!)).status, 404);
  assert.equal((await ann.agent.get(fresh.headers.location!)).status, 200);
  assert.equal(uploadsLeft(ctx).length, 2, "ann's fresh upload and bob's new one");
});

test('pressing Import twice at once imports the file once', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const rows = Array.from({ length: 50 }, (_, i) => `2026-01-${String(1 + (i % 28)).padStart(2, '0')},expense,,1.00,row ${i}`);
  const up = await upload(agent, [HEADER, ...rows].join('\n'));
  // Keeping duplicates, so a second run would really write every row again rather than skip them.
  const fields = { ...importFormFields((await agent.get(up.headers.location!)).text), keepDuplicates: '1' };

  const [a, b] = await Promise.all([
    agent.post(up.headers.location!).type('form').send(fields),
    agent.post(up.headers.location!).type('form').send(fields),
  ]);

  assert.equal(a.status, 303);
  assert.equal(b.status, 303);
  assert.equal(a.headers.location, b.headers.location);
  await finishedPage(agent, a.headers.location!);
  assert.equal(storedRows(ctx.db, userId).length, 50);
});

test('a file that is not CSV at all says so on the mapping page, with a way to start over', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const up = await upload(agent, `${HEADER}\n2026-01-02,expense,,1.00,"quote never closed\n`);

  const page = await agent.get(up.headers.location!);

  assert.equal(page.status, 422);
  assert.match(page.text, /role="alert">The file is not valid CSV: a quotation mark \(&#34;\) opens a field that is never closed before the end of the file\./);
  assert.match(page.text, /href="\/import">Upload another file/);
  assert.doesNotMatch(page.text, /class="import-go"/, 'no Import button for a file that cannot be read');
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

test('an upload abandoned halfway leaves no file behind and the server carries on', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const token = await tokenFor(agent, '/import');
  // The agent's session cookie, as it sent it: the raw request below must belong to the same signed-in user.
  const sent = (await agent.get('/import')) as unknown as { req: { getHeader(name: string): unknown } };
  const cookie = String(sent.req.getHeader('cookie'));
  const server = await serve(ctx.app);
  t.after(() => server.close());
  const boundary = 'ledgerly-test-boundary';
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n`;

  const req = http.request(`${server.baseUrl}/import`, {
    method: 'POST',
    headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 5_000_000) },
  });
  req.on('error', () => {});
  req.write(head);
  req.write(Buffer.alloc(200_000, 'a'));
  await waitUntil('the server to start keeping the upload', () => (uploadsLeft(ctx).length > 0 ? true : undefined));
  req.destroy();

  await waitUntil('the partial upload to be deleted', () => (uploadsLeft(ctx).length === 0 ? true : undefined));
  assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
});

test("a finished import's page is kept for a week by the clock; the next sweep after that removes it", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const { result, mapUrl } = await importCsv(agent, `${HEADER}\n2026-01-02,expense,,1.00,x\n`);
  assert.match(result, /Import finished/);
  const progressUrl = `${mapUrl}/progress`;

  ctx.clock.advance(6 * 24 * 60 * 60 * 1000);
  await ctx.jobs.runDue();
  assert.equal((await agent.get(progressUrl)).status, 200, 'six days on, the result is still there');

  ctx.clock.advance(24 * 60 * 60 * 1000 + 60_000);
  await ctx.jobs.runDue();
  const gone = await agent.get(progressUrl);
  assert.equal(gone.status, 404);
  assert.match(gone.text, /Imports are kept for a week after they end/);
  assert.equal(ctx.db.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'csv-import'").pluck().get(), 0);
});

test('an interrupted import keeps its upload for Run again, for a week by the clock; then both go', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const up = await upload(agent, `${HEADER}\n2026-01-02,expense,,1.00,kept for later\n`);
  const mapUrl = up.headers.location!;
  // Arrange an import that a stopped server left behind: queued, then marked as its runner would mark it.
  await ctx.jobs.stop(0);
  const fields = importFormFields((await agent.get(mapUrl)).text);
  assert.equal((await agent.post(mapUrl).type('form').send(fields)).status, 303);
  ctx.db.prepare("UPDATE jobs SET state = 'interrupted', finished_at = ? WHERE kind = 'csv-import'").run(ctx.clock.now());
  ctx.jobs.start();
  const page = await agent.get(`${mapUrl}/progress`);
  assert.match(page.text, /Import interrupted/);
  assert.match(page.text, /Run again/);

  ctx.clock.advance(2 * 24 * 60 * 60 * 1000);
  await ctx.jobs.runDue();
  assert.equal(uploadsLeft(ctx).length, 1, 'two days on, the upload is kept although uploads never imported go after a day');
  assert.match((await agent.get(`${mapUrl}/progress`)).text, /Run again/);

  ctx.clock.advance(6 * 24 * 60 * 60 * 1000);
  await ctx.jobs.runDue();
  assert.deepEqual(uploadsLeft(ctx), []);
  assert.equal((await agent.get(`${mapUrl}/progress`)).status, 404);
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

test('Run again on an import whose upload is gone says so, and an import that did not stop cannot be run twice', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const { mapUrl } = await importCsv(agent, `${HEADER}\n2026-01-02,expense,,1.00,once\n`);
  const progressUrl = `${mapUrl}/progress`;
  const token = await tokenFor(agent, progressUrl);
  const again = await agent.post(`${mapUrl}/run-again`).type('form').send({ _csrf: token });
  assert.equal(again.status, 303);
  assert.equal(again.headers.location, progressUrl);
  await ctx.jobs.runDue();
  assert.equal(storedRows(ctx.db, userId).length, 1, 'a finished import is not run again');

  ctx.db.prepare("UPDATE jobs SET state = 'interrupted' WHERE kind = 'csv-import'").run();
  const page = await agent.get(progressUrl);
  assert.match(page.text, /The uploaded file is no longer kept/, 'its upload was deleted when it finished');
  assert.doesNotMatch(page.text, /Run again<\/button>/);
  const refused = await agent.post(`${mapUrl}/run-again`).type('form').send({ _csrf: token });
  assert.equal(refused.status, 303);
  assert.match((await agent.get(progressUrl)).text, /The uploaded file is no longer kept, so the import cannot run again/);
  assert.equal(storedRows(ctx.db, userId).length, 1);
});

test('an account archived between choosing it for an import and the import running takes no rows, and nothing goes elsewhere', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const savings = await addAccount(ctx, agent, userId, 'Savings', 'savings');
  const mapUrl = (await upload(agent, `${HEADER}\n2026-01-02,expense,,1.00,meant for savings\n`)).headers.location!;
  // The import waits in the queue (a busy runner, say) while the account is archived in another tab.
  await ctx.jobs.stop(0);
  const fields = { ...importFormFields((await agent.get(mapUrl)).text), targetAccount: String(savings) };
  assert.equal((await agent.post(mapUrl).type('form').send(fields)).status, 303);
  assert.equal((await postForm(agent, '/accounts', `/accounts/${savings}/archive`, {})).status, 303);
  ctx.jobs.start();
  await ctx.jobs.runDue();

  assert.equal(ctx.db.prepare("SELECT state FROM jobs WHERE kind = 'csv-import'").pluck().get(), 'failed');
  assert.deepEqual(storedRows(ctx.db, userId), [], 'not in the archived account, and not in the main one either');
  const page = (await agent.get(`${mapUrl}/progress`)).text;
  assert.match(page, /The account chosen for this import was archived or deleted before the import ran, so nothing was imported\./);
});

test('a refund exported and imported again is a refund again: an income row naming an expense category goes into it, and no income category of that name is made', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await signedIn(ctx, 'ann@example.com');
  const bob = await signedIn(ctx, 'bob@example.com');
  const groceries = (userId: number) => categoryIdOf(ctx.db, userId, 'expense', 'Groceries');
  insertTransactions(ctx.db, ann.userId, [
    { type: 'expense', amountCents: 5000, occurredOn: '2026-03-02', description: 'Market', categoryId: groceries(ann.userId) },
    { type: 'income', amountCents: 2000, occurredOn: '2026-03-03', description: 'Market refund', categoryId: groceries(ann.userId) },
  ]);
  const exported = (await ann.agent.get('/transactions/export.csv')).text;
  assert.match(exported, /refund,Groceries,20\.00,Market refund/);
  const categoriesBefore = ctx.db.prepare('SELECT count(*) FROM categories WHERE user_id = ?').pluck().get(bob.userId);

  const { result } = await importCsv(bob.agent, exported);

  assert.match(result, /No categories were created\./);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM categories WHERE user_id = ?').pluck().get(bob.userId), categoriesBefore);
  const rows = ctx.db.prepare('SELECT type, amount_cents AS cents, category_id AS categoryId FROM transactions WHERE user_id = ? ORDER BY occurred_on').all(bob.userId);
  assert.deepEqual(rows, [
    { type: 'expense', cents: 5000, categoryId: groceries(bob.userId) },
    { type: 'income', cents: 2000, categoryId: groceries(bob.userId) },
  ]);
  // The list shows it as a refund, and the month's spending on groceries is net of it.
  assert.match((await bob.agent.get('/transactions')).text, /Refund/);
});

test("a refund in a category the importing person does not have, or beside an income category of the same name, comes back a refund: the totals match the exporter's", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const erin = await signedIn(ctx, 'erin@example.com');
  const fred = await signedIn(ctx, 'fred@example.com');
  for (const [kind, name] of [['expense', 'Hobby'], ['expense', 'Gifts'], ['income', 'Gifts']] as const) {
    assert.equal((await postForm(erin.agent, '/categories', '/categories', { kind, name })).status, 303);
  }
  const hobby = categoryIdOf(ctx.db, erin.userId, 'expense', 'Hobby');
  const giftsSpent = categoryIdOf(ctx.db, erin.userId, 'expense', 'Gifts');
  const giftsReceived = categoryIdOf(ctx.db, erin.userId, 'income', 'Gifts');
  insertTransactions(ctx.db, erin.userId, [
    { type: 'expense', amountCents: 3000, occurredOn: '2026-02-02', description: 'Paints', categoryId: hobby },
    { type: 'income', amountCents: 1000, occurredOn: '2026-02-03', description: 'Paints returned', categoryId: hobby },
    { type: 'expense', amountCents: 3000, occurredOn: '2026-02-04', description: 'Present', categoryId: giftsSpent },
    { type: 'income', amountCents: 1000, occurredOn: '2026-02-05', description: 'Present returned', categoryId: giftsSpent },
    { type: 'income', amountCents: 5000, occurredOn: '2026-02-06', description: 'Birthday money', categoryId: giftsReceived },
  ]);
  const exported = (await erin.agent.get('/transactions/export.csv')).text;
  assert.match(exported, /refund,Hobby,10\.00,Paints returned/);
  assert.match(exported, /income,Gifts,50\.00,Birthday money/);

  const { result } = await importCsv(fred.agent, exported);

  assert.match(result, /Hobby/);
  /** Each row as its category's kind and name, its type and cents: the same for both people, so every total is too. */
  const rowsOf = (userId: number) =>
    ctx.db
      .prepare('SELECT c.kind, c.name, t.type, t.amount_cents AS cents FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.user_id = ? ORDER BY t.occurred_on')
      .all(userId);
  assert.deepEqual(rowsOf(fred.userId), rowsOf(erin.userId));
  assert.equal(ctx.db.prepare("SELECT count(*) FROM categories WHERE user_id = ? AND name = 'Hobby'").pluck().get(fred.userId), 1, 'no income category Hobby is made');
});

test('an income in an income category named like an expense category comes back an income, in a file that marks its refunds', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const ann = await signedIn(ctx, 'ann@example.com');
  const bob = await signedIn(ctx, 'bob@example.com');
  // Groceries is a starter expense category of both; Ann also has an income category of that name.
  assert.equal((await postForm(ann.agent, '/categories', '/categories', { kind: 'income', name: 'Groceries' })).status, 303);
  insertTransactions(ctx.db, ann.userId, [
    { type: 'expense', amountCents: 5000, occurredOn: '2026-03-02', description: 'Market', categoryId: categoryIdOf(ctx.db, ann.userId, 'expense', 'Groceries') },
    { type: 'income', amountCents: 2000, occurredOn: '2026-03-03', description: 'Market refund', categoryId: categoryIdOf(ctx.db, ann.userId, 'expense', 'Groceries') },
    { type: 'income', amountCents: 300, occurredOn: '2026-03-15', description: 'Sold jam', categoryId: categoryIdOf(ctx.db, ann.userId, 'income', 'Groceries') },
  ]);
  const exported = (await ann.agent.get('/transactions/export.csv')).text;
  assert.match(exported, /2026-03-15,income,Groceries,3\.00,Sold jam/);

  const { preview } = await importCsv(bob.agent, exported);

  // The preview said the income's category is new, as the import then made it.
  assert.equal((preview.match(/<span class="import-tag">new<\/span>/g) ?? []).length, 1);
  const rowsOf = (userId: number) =>
    ctx.db
      .prepare('SELECT t.description, t.type, c.kind, c.name, t.amount_cents AS cents FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.user_id = ? ORDER BY t.occurred_on')
      .all(userId);
  assert.deepEqual(rowsOf(bob.userId), rowsOf(ann.userId));
  assert.deepEqual(rowsOf(bob.userId).at(-1), { description: 'Sold jam', type: 'income', kind: 'income', name: 'Groceries', cents: 300 });
});

test('the preview of a refund naming a category the person has only for income says it is new (or unknown), as the import then treats it', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  assert.equal((await postForm(agent, '/categories', '/categories', { kind: 'income', name: 'Gifts' })).status, 303);
  const file = [HEADER, '2026-02-05,refund,Gifts,10.00,Present returned', '2026-02-06,income,Gifts,50.00,Birthday money'].join('\n');
  // Left uncategorised when asked: the preview says so beside the refund only, and the import does it.
  const asked = await importCsv(agent, file, { unknownCategories: 'uncategorised' });
  assert.equal((asked.preview.match(/<span class="import-tag">unknown: uncategorised<\/span>/g) ?? []).length, 1);
  assert.deepEqual(
    storedRows(ctx.db, userId).map((r) => [r.description, r.type, r.category]),
    [['Present returned', 'income', null], ['Birthday money', 'income', 'Gifts']],
  );
  // Made when asked: "new" beside the refund, and an expense category Gifts holds it.
  const made = await importCsv(agent, file.replaceAll('2026-02-0', '2026-03-0'), { unknownCategories: 'create' });
  assert.equal((made.preview.match(/<span class="import-tag">new<\/span>/g) ?? []).length, 1);
  const refund = ctx.db.prepare("SELECT c.kind FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.user_id = ? AND t.occurred_on = '2026-03-05'").pluck().get(userId);
  assert.equal(refund, 'expense', 'the refund is in the new expense category');
});

test('a file of a header alone says it holds no rows, not "0 rows, every row read without errors"', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const { result } = await importCsv(agent, `${HEADER}\n`);
  assert.match(result, /The file holds no rows below its header, so nothing was imported\./);
  assert.doesNotMatch(result, /Every row was read without errors/);
});

test("Ledgerly's own data export (JSON), or another program's JSON, is named for what it is instead of read as 3,000 broken rows", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  await postTransaction(agent, { type: 'expense', amount: '4.00', date: '2026-03-01', description: 'Tea' });
  const ours = await agent.get('/account/export.json');
  assert.equal(ours.status, 200);
  for (const [file, message] of [
    [Buffer.from(ours.text), /This is Ledgerly’s data export \(JSON\): a copy of everything for your records, not a file to import\./],
    [Buffer.from('[{"date":"2026-01-02","amount":-4.5}]'), /This file is JSON, not CSV\./],
  ] as const) {
    const page = await agent.get((await upload(agent, file)).headers.location!);
    assert.equal(page.status, 422);
    assert.match(page.text, message);
    assert.doesNotMatch(page.text, /class="import-go"/, 'no Import button');
  }
  assert.equal(storedRows(ctx.db, userId).length, 1);
});

/** The start of a ZIP archive whose first file is `name` (a local file header, RFC-less but PKWARE's APPNOTE 4.3.7). */
function zipStart(name: string, content = ''): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(content.length, 18);
  header.writeUInt32LE(content.length, 22);
  header.writeUInt16LE(Buffer.byteLength(name, 'latin1'), 26);
  return Buffer.concat([header, Buffer.from(name, 'latin1'), Buffer.from(content, 'latin1')]);
}

test('a PDF, a spreadsheet or a ZIP archive uploaded by mistake is refused on the upload page, named for what it is, with what to upload instead', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const files = [
    ['a PDF', Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), /This file is a PDF, not CSV: a PDF statement is for reading, and its table cannot be imported\. Download your bank’s CSV export/],
    ['an xlsx workbook', zipStart('[Content_Types].xml', '<?xml version="1.0"?>'), /This file is a spreadsheet \(Excel \.xlsx or OpenDocument \.ods\), not CSV\. Open it in your spreadsheet program and save it as “CSV UTF-8”/],
    ['an ods sheet', zipStart('mimetype', 'application/vnd.oasis.opendocument.spreadsheet'), /This file is a spreadsheet \(Excel \.xlsx or OpenDocument \.ods\), not CSV\./],
    ['an xls workbook', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]), /This file is an Excel workbook of the old kind \(\.xls\), not CSV\. Open it in your spreadsheet program and save it as “CSV UTF-8”/],
    ['a zipped statement', zipStart('statement_2026-03.csv', 'date,amount'), /This file is a ZIP archive, not CSV\. Unzip it and upload the CSV file or statement inside\./],
  ] as const;
  for (const [name, file, says] of files) {
    const refused = await upload(agent, file);
    assert.equal(refused.status, 422, name);
    assert.match(refused.text, new RegExp(`role="alert">${says.source}`), name);
    assert.match(refused.text, /<input[^>]*type="file"/, `${name}: the upload form, to choose another file`);
  }
  assert.deepEqual(uploadsLeft(ctx), [], 'nothing is kept');
  // In Ukrainian, the page says the same in Ukrainian.
  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const pdf = await upload(agent, files[0][1]);
  assert.equal(pdf.status, 422);
  assert.match(pdf.text, /Цей файл — PDF, а не CSV/);
  // A text file with a NUL byte in it (of no known format) still reaches its page, which says it holds binary data.
  const up = await upload(agent, Buffer.from('date,amount\n2026-01-02,1.00\u0000\n'));
  assert.equal(up.status, 303);
  const page = await agent.get(up.headers.location!);
  assert.equal(page.status, 422);
  assert.match(page.text, /role="alert">Цей файл не є CSV: у ньому двійкові дані/);
  assert.doesNotMatch(page.text, /class="import-go"/, 'no Import button');
  assert.deepEqual(storedRows(ctx.db, userId), []);
});

/** Text in Windows-1251, from the decoder's own table. */
function inWindows1251(text: string): Buffer {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map(Array.from({ length: 256 }, (_, byte) => [decoder.decode(Buffer.from([byte])), byte] as const));
  return Buffer.from([...text].map((c) => table.get(c) ?? 0x3f));
}

test("a Ukrainian bank's Windows-1251 export is read as such: its column names guessed, every row imported with its letters", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = inWindows1251(['Дата операції;Опис операції;Сума', '02.01.2026;Продукти «Сільпо»;-123,45', '03.01.2026;Зарахування зарплати;25000,00', "04.01.2026;Кав'ярня Їжак;-85,00"].join('\r\n'));
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<option value="windows-1251" selected>/);
  assert.match(preview, /Опис операції/, 'the column names read');
  assert.equal(importedCount(result), 3);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]), [
    ['2026-01-02', 'expense', 12_345, 'Продукти «Сільпо»'],
    ['2026-01-03', 'income', 2_500_000, 'Зарахування зарплати'],
    ['2026-01-04', 'expense', 8_500, "Кав'ярня Їжак"],
  ]);
});

test("a file without column names (Wells Fargo's export) keeps its first transaction: no header is assumed, and the columns are guessed from what they hold", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = [
    '"12/31/2025","-12.50","*","","PURCHASE AUTHORIZED ON 12/30 STARBUCKS STORE 1234"',
    '"12/30/2025","2500.00","*","","PAYROLL ACME CORP"',
    '"12/29/2025","-64.10","*","","PURCHASE AUTHORIZED ON 12/28 SAFEWAY #1"',
    '"12/28/2025","-9.99","*","","RECURRING PAYMENT NETFLIX"',
  ].join('\r\n');
  const { preview, result } = await importCsv(agent, file);
  assert.match(preview, /<input type="checkbox" name="header" value="1" >/, 'the first row is not taken for column names');
  assert.equal(importedCount(result), 4);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]), [
    ['2025-12-28', 'expense', 999, 'RECURRING PAYMENT NETFLIX'],
    ['2025-12-29', 'expense', 6_410, 'PURCHASE AUTHORIZED ON 12/28 SAFEWAY #1'],
    ['2025-12-30', 'income', 250_000, 'PAYROLL ACME CORP'],
    ['2025-12-31', 'expense', 1_250, 'PURCHASE AUTHORIZED ON 12/30 STARBUCKS STORE 1234'],
  ]);
});

test('with an account column, the preview names each row\'s account and marks the ones the import will make', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const up = await upload(agent, 'date,account,amount,description\n2026-01-02,Main account,-5.00,Bread\n2026-01-03,Holiday card,-80.00,Hotel\n');
  const preview = (await agent.get(up.headers.location!)).text;
  assert.match(preview, /<th scope="col">Account<\/th>/);
  assert.match(preview, /<td data-label="Account">Main account<\/td>/);
  assert.match(preview, /<td data-label="Account">Holiday card <span class="import-tag">new<\/span><\/td>/);
});

test("a bank's title above the table (PrivatBank's) is skipped: the delimiter, the column names and every row read as the table has them", async (t) => {
  const ctx = createTestContext({ CURRENCY: 'UAH' });
  t.after(() => ctx.cleanup());
  const { agent, userId } = await signedIn(ctx);
  const file = inWindows1251([
    'Виписка з Ваших карток за період 01.01.2026 - 31.01.2026',
    'Дата;Категорія;Картка;Опис операції;Сума в валюті картки;Валюта картки',
    '31.01.2026;Продукти;4149 **** 1234;АТБ;-123,45;UAH',
    '30.01.2026;Зарплата;4149 **** 1234;ТОВ Ромашка;25000,00;UAH',
  ].join('\r\n'));
  const { preview, result } = await importCsv(agent, file, { category: '' });
  assert.match(preview, /<select id="map-skipRows" name="skipRows"[^>]*>[\s\S]*?<option value="1" selected>/);
  assert.match(preview, /<option value="semicolon" selected>/);
  assert.match(preview, /Опис операції/);
  assert.equal(importedCount(result), 2);
  assert.match(result, /Every row was read without errors\./);
  assert.deepEqual(storedRows(ctx.db, userId).map((r) => [r.occurredOn, r.type, r.amountCents, r.description]), [
    ['2026-01-30', 'income', 2_500_000, 'ТОВ Ромашка'],
    ['2026-01-31', 'expense', 12_345, 'АТБ'],
  ]);
  // The next statement of the same bank (another period in its title) opens with the layout imported with.
  const next = await upload(agent, inWindows1251(['Виписка з Ваших карток за період 01.02.2026 - 28.02.2026', 'Дата;Категорія;Картка;Опис операції;Сума в валюті картки;Валюта картки', '01.02.2026;Продукти;4149 **** 1234;Сільпо;-10,00;UAH'].join('\r\n')));
  assert.match((await agent.get(next.headers.location!)).text, /Filled in as you imported/);
});

test("a UTF-16 file (Excel's Unicode Text) is told to be saved as CSV UTF-8; Latin-1 and Windows-1251 files are still read", async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const text = `${HEADER}\r\n2026-01-02,expense,,1.00,Caf\u00e9\r\n`;
  const withBom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const withoutBom = Buffer.from(text, 'utf16le');
  for (const [name, file] of [['with a byte-order mark', withBom], ['without one', withoutBom]] as const) {
    const page = await agent.get((await upload(agent, file)).headers.location!);
    assert.equal(page.status, 422, name);
    assert.match(page.text, /role="alert">This file is saved as UTF-16 text \(Excel’s “Unicode Text”\)\. Save it as “CSV UTF-8” and upload it again\./, name);
  }
  // Single-byte encodings hold no NUL: they are read, their odd bytes reported row by row as before.
  const latin1 = Buffer.from(text, 'latin1');
  const cp1251 = Buffer.concat([Buffer.from(`${HEADER}\r\n2026-01-02,expense,,1.00,`), Buffer.from([0xca, 0xe0, 0xe2, 0xe0]), Buffer.from('\r\n')]);
  for (const file of [latin1, cp1251]) assert.equal((await agent.get((await upload(agent, file)).headers.location!)).status, 200);
});

test('the result of an import says plainly whether any row had errors, in the person\'s language, and never "0 rows had errors"', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);

  const clean = (await importCsv(agent, `${HEADER}\n2026-01-02,expense,Groceries,1.00,Bread\n`)).result;
  assert.match(clean, /Every row was read without errors\./);
  assert.doesNotMatch(clean, /had errors/);
  const oneBad = (await importCsv(agent, `${HEADER}\n2026-01-03,expense,Groceries,1.00,Milk\n2026-02-30,expense,Groceries,1.00,No such day\n`)).result;
  assert.match(oneBad, /1 row had errors and was not imported\./);
  assert.doesNotMatch(oneBad, /without errors/);

  await postForm(agent, '/account', '/account/language', { language: 'uk' });
  const cleanUk = (await importCsv(agent, `${HEADER}\n2026-01-04,expense,Groceries,1.00,Tea\n`)).result;
  assert.match(cleanUk, /Усі рядки прочитано без помилок\./);
  const twoBadUk = (await importCsv(agent, `${HEADER}\n2026-01-05,expense,Groceries,1.00,Jam\n2026-02-30,expense,Groceries,1.00,A\n2026-02-31,expense,Groceries,1.00,B\n`)).result;
  assert.match(twoBadUk, /2 рядки з помилками не імпортовано\./);
});

test('a waiting import never asks the browser to reload: the page says it stays still and links back to itself', async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const { agent } = await signedIn(ctx);
  const up = await upload(agent, `${HEADER}\n2026-01-02,expense,,1.00,waits its turn\n`);
  const mapUrl = up.headers.location!;
  await ctx.jobs.stop(0);
  const posted = await agent.post(mapUrl).type('form').send(importFormFields((await agent.get(mapUrl)).text));
  assert.equal(posted.status, 303);
  const progressUrl = `${mapUrl}/progress`;

  const page = await agent.get(progressUrl);
  assert.equal(page.status, 200);
  // A Refresh header reloaded the page every second: a screen reader started again and focus was lost (WCAG 2.2.2).
  assert.equal(page.headers.refresh, undefined);
  assert.doesNotMatch(page.text, /http-equiv="refresh"/i);
  assert.match(page.text, /This page does not update itself/);
  assert.match(page.text, new RegExp(`<a class="button" href="${progressUrl}" data-check-progress>Check progress</a>`));
  assert.match(page.text, /<script src="\/js\/import-progress.js\?v=[\w-]{12}" defer><\/script>/);
  // The counts change all the time, so the section is no live region; milestones go to one polite status line.
  assert.doesNotMatch(page.text, /import-progress" aria-live/);
  assert.match(page.text, /<p class="visually-hidden" role="status" data-import-announce><\/p>/);

  ctx.jobs.start();
  const done = await finishedPage(agent, progressUrl);
  assert.match(done, /Import finished/);
  assert.doesNotMatch(done, /Check progress|import-progress\.js/);
});
