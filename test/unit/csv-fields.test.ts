import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import {
  createRecordChecker,
  csvField,
  CSV_EXPORT_COLUMNS,
  CSV_EXPORT_HEADER,
  exportLineFor,
  type ExportRow,
  fieldText,
  guessColumns,
  guessCsvDateFormat,
  guessCsvEncoding,
  otherCurrencyInName,
  sniffCsvLayout,
  LEDGERLY_EXPORT_MAPPING,
  neutraliseCsvCell,
  parseCsvDate,
  restoreCsvCell,
  sniffCsvDelimiter,
  type CsvField,
  type ImportMapping,
  type RowCheck, guessColumnsByContent, looksLikeDataRow } from '../../src/domain/imports.ts';
import { describeRowProblems } from '../../src/web/messages.ts';
import { english, ukrainian } from '../helpers/i18n.ts';

/** Checks one record against a mapping. */
function checkCsvRecord(fields: readonly CsvField[], line: number, mapping: ImportMapping): RowCheck {
  return createRecordChecker(mapping)(fields, line);
}

/** The reason a refused row is listed with on the result page. */
function reasonOf(result: RowCheck): string {
  assert.equal(result.ok, false, 'the row is refused');
  return result.ok ? '' : describeRowProblems(result.problems, english.t);
}

describe('the export writes RFC 4180 records', () => {
  test('a field is quoted only when it holds a comma, a quote or a line break, its quotes doubled', () => {
    assert.equal(csvField('Corner market'), 'Corner market');
    assert.equal(csvField(''), '');
    assert.equal(csvField('Rent, March'), '"Rent, March"');
    assert.equal(csvField('The "good" cafe'), '"The ""good"" cafe"');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
    assert.equal(csvField("semi;colon and 'quote'"), "semi;colon and 'quote'");
  });

  test('each record is what csv-stringify writes for its cells (line breaks always quoted), and csv-parse reads them back', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Я', ' ', ',', '"', '\r', '\n', '=', '+', '-', '@', "'", '\t', ';', '€') });
    const row = fc.record({
      id: fc.nat(),
      occurredOn: fc.constant('2026-03-14'),
      type: fc.constantFrom('income', 'expense', 'transfer_in', 'transfer_out') as fc.Arbitrary<ExportRow['type']>,
      amountCents: fc.integer({ min: 0, max: 99_999_999_999 }),
      description: text,
      categoryName: fc.option(text, { nil: null }),
      accountName: text,
      transferId: fc.option(fc.nat(), { nil: null }),
      scheduleId: fc.option(fc.nat(), { nil: null }),
      refund: fc.boolean(),
    });
    fc.assert(
      fc.property(row, (r) => {
        const cells = [
          r.occurredOn,
          r.refund ? 'refund' : r.type,
          neutraliseCsvCell(r.categoryName ?? ''),
          `${Math.trunc(r.amountCents / 100)}.${String(r.amountCents % 100).padStart(2, '0')}`,
          neutraliseCsvCell(r.description),
          neutraliseCsvCell(r.accountName),
          r.transferId === null ? '' : `T${r.transferId}`,
          r.scheduleId === null ? '' : `S${r.scheduleId}`,
        ];
        const line = exportLineFor(r);
        // csv-stringify quotes a field holding the record delimiter (CRLF) but not a lone CR or LF, which a
        // spreadsheet would still read as a line break; the export quotes those too.
        assert.equal(line, stringify([cells], { record_delimiter: '\r\n', quoted_match: /[\r\n]/ }));
        assert.deepEqual(parse(line, { record_delimiter: '\r\n', relax_column_count: false }), [cells]);
      }),
      { numRuns: 500 },
    );
  });

  test('the header names the columns in order', () => {
    assert.equal(CSV_EXPORT_HEADER, `${CSV_EXPORT_COLUMNS.join(',')}\r\n`);
    assert.equal(CSV_EXPORT_HEADER, 'date,type,category,amount,description,account,transfer,scheduled\r\n');
  });
});

describe('formula neutralisation', () => {
  for (const trigger of ['=', '+', '-', '@', '\t', '\r']) {
    test(`a cell starting with ${JSON.stringify(trigger)} gets a leading quote and comes back unchanged`, () => {
      const value = `${trigger}SUM(A1:A9)`;
      assert.equal(neutraliseCsvCell(value), `'${value}`);
      assert.equal(restoreCsvCell(neutraliseCsvCell(value)), value);
    });
  }

  test('ordinary text, and quotes not followed by a trigger, pass through both ways untouched', () => {
    for (const value of ['Groceries', "'Tis the season", "''", 'a=b', ' =x']) {
      assert.equal(neutraliseCsvCell(value), value);
      assert.equal(restoreCsvCell(value), value);
    }
  });

  test('a value that already starts with quotes before a trigger survives the round trip exactly', () => {
    assert.equal(neutraliseCsvCell("'=x"), "''=x");
    assert.equal(restoreCsvCell("''=x"), "'=x");
  });

  test('restore(neutralise(s)) is s for any string, and neutralised cells never start with a trigger', () => {
    const text = fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', 'a', ' ', '"') });
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (s) => {
        const written = neutraliseCsvCell(s);
        assert.equal(restoreCsvCell(written), s);
        assert.doesNotMatch(written, /^[=+\-@\t\r]/);
      }),
    );
  });
});

describe('file encodings', () => {
  const cp1251 = (text: string) => Buffer.from([...text].map((c) => (c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : 0xc0 + 'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя'.indexOf(c))));

  test('a file is UTF-8 when its bytes are, even with a character cut off at the end of the sample', () => {
    const text = Buffer.from('date,description\n2026-01-02,Сільпо\n', 'utf8');
    assert.equal(guessCsvEncoding(text), 'utf-8');
    assert.equal(guessCsvEncoding(text.subarray(0, text.length - 3)), 'utf-8', 'cut inside a letter');
    assert.equal(guessCsvEncoding(Buffer.from('date,amount\n')), 'utf-8');
    // A sample cut from a longer file inside its first non-ASCII character is still UTF-8.
    const longer = Buffer.concat([Buffer.alloc(65_535, 0x61), Buffer.from('é', 'utf8')]).subarray(0, 65_536);
    assert.equal(guessCsvEncoding(longer, { cut: true }), 'utf-8');
    // Mostly UTF-8 with one stray Latin-1 byte: still UTF-8 (that row is refused; the rest are not mojibake).
    assert.equal(guessCsvEncoding(Buffer.concat([Buffer.from('Crème brûlée,Żółw\n', 'utf8'), Buffer.from('Caf\xe9\n', 'latin1')])), 'utf-8');
  });

  test('a Cyrillic single-byte file is Windows-1251, a Western one Windows-1252, and their fields decode so', () => {
    const ukrainian = cp1251('Дата;Опис;Сума\n02.01.2026;Продукти АТБ;-123,45\n');
    assert.equal(guessCsvEncoding(ukrainian), 'windows-1251');
    const western = Buffer.from('date,description,amount\n2026-01-02,Café de Paris,-12.50\n', 'latin1');
    assert.equal(guessCsvEncoding(western), 'windows-1252');
    assert.equal(fieldText(cp1251('Продукти'), 'windows-1251'), 'Продукти');
    assert.equal(fieldText(Buffer.from('Café', 'latin1'), 'windows-1252'), 'Café');
    const mapping: ImportMapping = { ...LEDGERLY_EXPORT_MAPPING, dateFormat: 'DD.MM.YYYY', decimalSeparator: 'comma', typeColumn: null, categoryColumn: null, descriptionColumn: 1, amountColumn: 2, encoding: 'windows-1251' };
    const row = checkCsvRecord([Buffer.from('02.01.2026'), cp1251('Продукти АТБ'), Buffer.from('-123,45')], 2, mapping);
    assert.ok(row.ok);
    assert.equal(row.row.description, 'Продукти АТБ');
    // Read as UTF-8 the same bytes are refused, with a message that names the way out.
    assert.match(reasonOf(checkCsvRecord([Buffer.from('02.01.2026'), cp1251('Продукти АТБ'), Buffer.from('-123,45')], 2, { ...mapping, encoding: 'utf-8' })), /choose the file’s encoding \(Windows-1251 for Cyrillic\)/);
  });
});

describe("a file's layout from its first lines", () => {
  test("a bank's title above a semicolon table is skipped, and the table's delimiter found", () => {
    const privat = ['Виписка з Ваших карток за період 01.01.2025 - 31.12.2025', 'Дата;Категорія;Картка;Опис операції;Сума в валюті картки;Валюта картки', '31.12.2025;Продукти;4149 **** 1234;АТБ;-123,45;UAH', '30.12.2025;Зарплата;4149 **** 1234;ТОВ Ромашка;25000,00;UAH'];
    assert.deepEqual(sniffCsvLayout(privat), { delimiter: ';', skipRows: 1 });
    assert.deepEqual(sniffCsvLayout(['Statement for account 123, period 2025', 'Account: Main, holder: Ann', 'Date;Amount;Description', '2026-01-02;-1,00;Tea', '2026-01-03;-2,00;Cake']), { delimiter: ';', skipRows: 2 });
    // A plain table starts at its first line; a one-line file keeps the first line's delimiter.
    assert.deepEqual(sniffCsvLayout(['date,amount,description', '2026-01-02,-1.00,Tea', '2026-01-03,-2.00,"Cake, lemon"']), { delimiter: ',', skipRows: 0 });
    assert.deepEqual(sniffCsvLayout(['date\tamount']), { delimiter: '\t', skipRows: 0 });
    assert.deepEqual(sniffCsvLayout([]), { delimiter: ',', skipRows: 0 });
    // A header with a column more than its rows is still the header.
    assert.deepEqual(sniffCsvLayout(['date,type,amount,description,account,transfer', '2026-02-01,expense,3.00,tea,Main', '2026-02-02,expense,4.00,cake,Main']), { delimiter: ',', skipRows: 0 });
    // With the delimiter chosen, only its reading counts.
    assert.deepEqual(sniffCsvLayout(privat, [';']), { delimiter: ';', skipRows: 1 });
    assert.deepEqual(sniffCsvLayout(['one line only'], ['\t']), { delimiter: '\t', skipRows: 0 });
  });
});

describe('a currency named in a column', () => {
  test("another currency's code in the amount column's name is found; ours, lower case and none are not", () => {
    assert.equal(otherCurrencyInName('Сума в валюті картки (UAH)', 'USD'), 'UAH');
    assert.equal(otherCurrencyInName('Amount (EUR)', 'USD'), 'EUR');
    assert.equal(otherCurrencyInName('Amount (USD)', 'USD'), undefined);
    assert.equal(otherCurrencyInName('Сума в валюті картки (UAH)', 'UAH'), undefined);
    assert.equal(otherCurrencyInName('All amounts', 'USD'), undefined);
    assert.equal(otherCurrencyInName('Amount', 'USD'), undefined);
    assert.equal(otherCurrencyInName('TOTAL', 'USD'), undefined, 'four letters are no code');
    assert.equal(otherCurrencyInName('ALL AMOUNTS', 'USD'), undefined, 'a word in capitals is no code');
    assert.equal(otherCurrencyInName('Сума UAH', 'USD'), 'UAH');
  });
});

describe('parseCsvDate', () => {
  test('reads each supported layout into the same day', () => {
    assert.deepEqual(parseCsvDate('2026-03-14', 'YYYY-MM-DD'), { ok: true, day: '2026-03-14' });
    assert.deepEqual(parseCsvDate('14/03/2026', 'DD/MM/YYYY'), { ok: true, day: '2026-03-14' });
    assert.deepEqual(parseCsvDate('03/14/2026', 'MM/DD/YYYY'), { ok: true, day: '2026-03-14' });
    assert.deepEqual(parseCsvDate('14.3.2026', 'DD.MM.YYYY'), { ok: true, day: '2026-03-14' });
    assert.deepEqual(parseCsvDate('2026.03.14', 'YYYY.MM.DD'), { ok: true, day: '2026-03-14' });
  });

  test("a time after the day is read past, as other trackers and banks write it, and the day is the file's own", () => {
    assert.deepEqual(parseCsvDate('2021-01-01T08:15:14+02:00', 'YYYY-MM-DD'), { ok: true, day: '2021-01-01' }, 'Firefly III');
    assert.deepEqual(parseCsvDate('2021-01-01T23:59:59Z', 'YYYY-MM-DD'), { ok: true, day: '2021-01-01' });
    assert.deepEqual(parseCsvDate('2025-12-31 09:46:48', 'YYYY-MM-DD'), { ok: true, day: '2025-12-31' }, 'ezBookkeeping');
    assert.deepEqual(parseCsvDate('31.12.2025 23:59:59', 'DD.MM.YYYY'), { ok: true, day: '2025-12-31' }, 'Monobank');
    assert.deepEqual(parseCsvDate('1/2/2024 3:45 PM', 'MM/DD/YYYY'), { ok: true, day: '2024-01-02' });
    assert.deepEqual(parseCsvDate('2024-01-02 10:00:00.123 +0100', 'YYYY-MM-DD'), { ok: true, day: '2024-01-02' });
    for (const input of ['2021-01-01T', '2021-01-01 8', '2021-01-01 08:15 tomorrow', '2021-01-0108:15']) {
      assert.equal(parseCsvDate(input, 'YYYY-MM-DD').ok, false, input);
    }
  });

  test('refuses impossible days, other layouts and empty cells', () => {
    for (const [input, format] of [
      ['2026-02-30', 'YYYY-MM-DD'],
      ['00/03/2026', 'DD/MM/YYYY'],
      ['2026-03-00', 'YYYY-MM-DD'],
      ['31/04/2026', 'DD/MM/YYYY'],
      ['14/03/2026', 'MM/DD/YYYY'],
      ['2026-03-14', 'DD.MM.YYYY'],
      ['', 'YYYY-MM-DD'],
      ['yesterday', 'YYYY-MM-DD'],
    ] as const) {
      assert.equal(parseCsvDate(input, format).ok, false, `${input} as ${format}`);
    }
  });
});

describe('checkCsvRecord', () => {
  const cells = (...values: string[]) => values.map((v) => Buffer.from(v, 'utf8'));
  const signMapping: ImportMapping = {
    ...LEDGERLY_EXPORT_MAPPING,
    typeColumn: null,
    categoryColumn: null,
    descriptionColumn: 2,
    amountColumn: 1,
    dateFormat: 'DD.MM.YYYY',
    decimalSeparator: 'comma',
  };

  test('a row of our own export becomes the transaction it came from, formula guard undone', () => {
    const result = checkCsvRecord(cells('2026-01-02', 'expense', "'=Fun", '12.50', "'-5 refund"), 7, LEDGERLY_EXPORT_MAPPING);
    assert.deepEqual(result, {
      ok: true,
      row: { line: 7, occurredOn: '2026-01-02', type: 'expense', amountCents: 1250, description: '-5 refund', categoryName: '=Fun', accountName: '', transferRef: '' },
    });
  });

  test('without a type column a negative amount is an expense and a positive one income', () => {
    const out = checkCsvRecord(cells('02.01.2026', '-1.234,56', 'Rent'), 2, signMapping);
    const back = checkCsvRecord(cells('02.01.2026', '20,00', 'Refund'), 3, signMapping);
    assert.ok(out.ok && back.ok);
    assert.equal(out.row.type, 'expense');
    assert.equal(out.row.amountCents, 123456);
    assert.equal(back.row.type, 'income');
  });

  test('money out and money in in two columns: each row is the one holding an amount; both, neither or a sign are refused', () => {
    const ynab: ImportMapping = { ...LEDGERLY_EXPORT_MAPPING, typeColumn: null, categoryColumn: null, descriptionColumn: 1, amountColumn: 2, inflowColumn: 3, dateFormat: 'MM/DD/YYYY' };
    const row = (out: string, into: string) => createRecordChecker(ynab, { currency: 'USD' })(cells('01/02/2026', 'Grocer', out, into), 2);
    const spent = row('$12.50', '$0.00');
    const paid = row('$0.00', '$2,500.00');
    assert.ok(spent.ok && paid.ok);
    assert.deepEqual([spent.row.type, spent.row.amountCents, paid.row.type, paid.row.amountCents], ['expense', 1250, 'income', 250_000]);
    assert.ok(row('12.50', '').ok, 'an empty cell is no amount');
    assert.equal(reasonOf(row('$5.00', '$1.00')), 'both money out (“$5.00”) and money in (“$1.00”) hold an amount: a row is one or the other');
    assert.equal(reasonOf(row('$0.00', '')), 'the amount is empty');
    // A minus in either column is refused: a debit written so in one bank's file is a reversal in another's.
    assert.match(reasonOf(row('-$5.00', '')), /negative/);
    assert.match(reasonOf(row('', '-$5.00')), /negative/);
    assert.match(reasonOf(row('abc', '$0.00')), /not a number/);
  });

  test('a row in another currency is refused as that, from its currency column or a code or sign in its amount; ours, in any writing, is taken', () => {
    const withCurrency: ImportMapping = { ...LEDGERLY_EXPORT_MAPPING, typeColumn: null, categoryColumn: null, descriptionColumn: 1, amountColumn: 2, currencyColumn: 3 };
    const row = (amount: string, currency: string) => createRecordChecker(withCurrency, { currency: 'EUR' })(cells('2026-01-03', 'Hotel NYC', amount, currency), 2);
    for (const ours of ['EUR', 'eur', ' EUR ', '€', '']) {
      const taken = row('-920.00', ours);
      assert.ok(taken.ok, JSON.stringify(ours));
      assert.equal(taken.row.amountCents, 92_000);
    }
    const dollars = row('-1000.00', 'USD');
    assert.deepEqual(dollars.ok ? [] : dollars.problems, [{ code: 'currency', theirs: 'USD', ours: 'EUR' }]);
    assert.equal(reasonOf(dollars), 'the amount is in USD, and this Ledgerly counts in EUR with no conversion, so it is not taken as EUR');
    assert.equal(describeRowProblems(dollars.ok ? [] : dollars.problems, ukrainian.t), 'сума в USD, а цей Ledgerly веде облік в EUR без конвертації, тож її не враховано як EUR');
    // Without a currency column, a code or a sign in the amount cell says which currency it is, not "not a number".
    const plain = (amount: string) => createRecordChecker({ ...withCurrency, currencyColumn: null }, { currency: 'EUR' })(cells('2026-01-03', 'Shop', amount, ''), 2);
    for (const [cell, theirs] of [['-12.50 USD', 'USD'], ['USD -12.50', 'USD'], ['-12,50 PLN', 'PLN'], ['£3.00', 'GBP'], ['12,50 zł', 'PLN']] as const) {
      const refused = plain(cell);
      assert.deepEqual(refused.ok ? [] : refused.problems, [{ code: 'currency', theirs, ours: 'EUR' }], cell);
    }
    assert.ok(plain('-12.50 EUR').ok && plain('€12.50').ok, 'our own code and sign are read');
    assert.match(reasonOf(plain('12.50 ABC')), /not a number/, 'three capitals that name no currency');
    // A sign many currencies share names none of them: "$" is a Canadian or Australian bank's own too.
    assert.match(reasonOf(plain('$12.50')), /not a number/);
    assert.match(reasonOf(plain('A$12.50')), /not a number/);
    // A currency column is guessed only from a name that can mean nothing else.
    assert.equal(guessColumns(['Date', 'Amount', 'Currency']).currencyColumn, 2);
    assert.equal(guessColumns(['date', 'amount', 'foreign_currency_code']).currencyColumn, null);
    assert.equal(guessColumns(['Buchungstag', 'Betrag', 'Währung']).currencyColumn, 2);
    assert.equal(guessColumns(['Buchungstag', 'Betrag', 'Waehrung']).currencyColumn, 2);
  });

  test("a Ukrainian bank's currency column is guessed with the amount it belongs to: the card's beside the card's amount, never the operation's", () => {
    assert.equal(guessColumns(['Дата', 'Опис', 'Сума', 'Валюта']).currencyColumn, 3);
    assert.equal(guessColumns(['Дата', 'Опис операції', 'Сума', 'Код валюти']).currencyColumn, 3);
    assert.equal(guessColumns(['Дата', 'Опис операції', 'Сума в валюті картки', 'Валюта']).currencyColumn, 3, 'one amount: its currency, whatever the description says');
    // PrivatBank: the card's amount is the amount, so the card's currency is its currency, not the transaction's nor the balance's.
    const privat = guessColumns(['Дата', 'Категорія', 'Картка', 'Опис операції', 'Сума в валюті транзакції', 'Валюта транзакції', 'Сума в валюті картки', 'Валюта картки', 'Залишок на кінець періоду', 'Валюта залишку']);
    assert.deepEqual([privat.amountColumn, privat.currencyColumn], [4, 5], 'the first amount with its own side\'s currency');
    const card = guessColumns(['Дата', 'Сума в валюті картки', 'Валюта операції', 'Сума в валюті операції', 'Валюта картки']);
    assert.deepEqual([card.amountColumn, card.currencyColumn], [1, 4]);
    assert.equal(guessColumns(['Дата', 'Сума в валюті рахунку', 'Валюта рахунку']).currencyColumn, 2);
    // Monobank: the card's amount names its currency, and the plain "Валюта" is the operation amount's.
    assert.equal(guessColumns(['Дата', 'Сума в валюті картки (UAH)', 'Сума в валюті операції', 'Валюта']).currencyColumn, null);
    assert.equal(guessColumns(['Дата', 'Сума в валюті картки', 'Сума в валюті операції', 'Валюта']).currencyColumn, null, 'a currency that may be either amount\'s is left to the person');
    assert.equal(guessColumns(['Date', 'Amount (EUR)', 'Currency']).currencyColumn, null, 'the amount\'s name says its currency');
  });

  test('an amount column named for another currency refuses every row as a currency column would; named for ours, or without a header, it is read', () => {
    const mapping: ImportMapping = { ...LEDGERLY_EXPORT_MAPPING, typeColumn: null, categoryColumn: null, descriptionColumn: 1, amountColumn: 2 };
    const check = (header: string[] | undefined, hasHeader = true) => createRecordChecker({ ...mapping, hasHeader }, { currency: 'USD', header })(cells('2026-01-03', 'Сільпо', '-120,50'), 2);
    const refused = check(['Дата', 'Опис', 'Сума в валюті картки (UAH)']);
    assert.deepEqual(refused.ok ? [] : refused.problems, [{ code: 'currency', theirs: 'UAH', ours: 'USD' }]);
    const inflow = createRecordChecker({ ...mapping, inflowColumn: 3 }, { currency: 'USD', header: ['Date', 'Payee', 'Outflow', 'Inflow (EUR)'] })(cells('2026-01-03', 'Shop', '', '12.00'), 2);
    assert.deepEqual(inflow.ok ? [] : inflow.problems, [{ code: 'currency', theirs: 'EUR', ours: 'USD' }]);
    assert.ok(createRecordChecker(mapping, { currency: 'USD', header: ['Date', 'Payee', 'Amount (USD)'] })(cells('2026-01-03', 'Shop', '-12.50'), 2).ok);
    assert.ok(createRecordChecker({ ...mapping, hasHeader: false }, { currency: 'USD', header: ['Date', 'Payee', 'Amount (EUR)'] })(cells('2026-01-03', 'Shop', '-12.50'), 2).ok, 'no header: the first row is no names');
  });

  test("Firefly III's Withdrawal and Deposit are an expense and an income", () => {
    const out = checkCsvRecord(cells('2026-01-02', 'Withdrawal', '', '-12.50', 'Shop'), 2, LEDGERLY_EXPORT_MAPPING);
    const into = checkCsvRecord(cells('2026-01-02', 'Deposit', '', '100.00', 'Pay'), 3, LEDGERLY_EXPORT_MAPPING);
    assert.ok(out.ok && into.ok);
    assert.deepEqual([out.row.type, out.row.amountCents, into.row.type], ['expense', 1250, 'income']);
  });

  test('a date that does not fit the chosen layout but fits another says which, with the page\'s letters', () => {
    const us = { ...LEDGERLY_EXPORT_MAPPING, dateFormat: 'DD/MM/YYYY' as const };
    const result = checkCsvRecord(cells('01/13/2024', 'expense', '', '5.00', 'Coffee'), 4, us);
    assert.equal(reasonOf(result), 'the date “01/13/2024” does not fit DD/MM/YYYY but fits MM/DD/YYYY: choose that date format');
    assert.ok(!result.ok);
    assert.equal(describeRowProblems(result.problems, ukrainian.t), 'дата «01/13/2024» не відповідає формату ДД/ММ/РРРР, але відповідає ММ/ДД/РРРР: виберіть цей формат дати');
    // An ISO day under a dotted layout, and a day no layout reads.
    assert.match(reasonOf(checkCsvRecord(cells('2024-01-13', 'expense', '', '5.00', 'x'), 5, { ...us, dateFormat: 'DD.MM.YYYY' })), /fits YYYY-MM-DD: choose/);
    assert.equal(reasonOf(checkCsvRecord(cells('31/02/2024', 'expense', '', '5.00', 'x'), 6, us)), 'the date “31/02/2024” is not a real day between 1900 and 2999');
    const soon = checkCsvRecord(cells('soon', 'expense', '', '5.00', 'x'), 7, us);
    assert.ok(!soon.ok);
    assert.equal(describeRowProblems(soon.problems, ukrainian.t), 'дата «soon» не у форматі ДД/ММ/РРРР', 'the plain message has the letters too');
  });

  test('with a type column a negative expense is accepted as written, a negative income is refused', () => {
    const expense = checkCsvRecord(cells('2026-01-02', 'debit', '', '-12.50', 'Card'), 2, LEDGERLY_EXPORT_MAPPING);
    const income = checkCsvRecord(cells('2026-01-02', 'Income', '', '-12.50', 'Odd'), 3, LEDGERLY_EXPORT_MAPPING);
    assert.ok(expense.ok);
    assert.equal(expense.row.type, 'expense');
    assert.equal(expense.row.amountCents, 1250);
    assert.equal(reasonOf(income), 'the amount is negative but the type says income');
  });

  test('a refund (or повернення) is an income marked for its expense category; without a category it is a plain income, and negative it is refused', () => {
    for (const word of ['refund', 'Refund', 'повернення']) {
      const back = checkCsvRecord(cells('2026-01-02', word, 'Hobby', '10.00', 'Paints returned'), 2, LEDGERLY_EXPORT_MAPPING);
      assert.ok(back.ok, word);
      assert.deepEqual([back.row.type, back.row.categoryName, back.row.refund], ['income', 'Hobby', true], word);
    }
    const uncategorised = checkCsvRecord(cells('2026-01-02', 'refund', '', '10.00', 'Money back'), 3, LEDGERLY_EXPORT_MAPPING);
    assert.ok(uncategorised.ok);
    assert.deepEqual([uncategorised.row.type, uncategorised.row.refund], ['income', undefined]);
    assert.equal(reasonOf(checkCsvRecord(cells('2026-01-02', 'refund', 'Hobby', '-10.00', 'Odd'), 4, LEDGERLY_EXPORT_MAPPING)), 'the amount is negative but the type says refund');
  });

  test('every problem in a row is listed in one reason', () => {
    const reason = reasonOf(checkCsvRecord(cells('2026-13-01', 'sometimes', '', '1.005', 'bell\u0007'), 4, LEDGERLY_EXPORT_MAPPING));
    assert.match(reason, /the date “2026-13-01” is not a real day/);
    assert.match(reason, /is not income, expense or refund/);
    assert.match(reason, /the amount “1.005” has more than two decimal places/);
    assert.match(reason, /description/);
  });

  test("a bank's description longer than 200 characters is cut to 200, as a statement's is, and the row kept (refused, its money was missing)", () => {
    const long = checkCsvRecord(cells('2026-01-02', 'expense', '', '2345.67', `Utilities ${'ї'.repeat(300)}`), 2, LEDGERLY_EXPORT_MAPPING);
    assert.ok(long.ok);
    assert.equal([...long.row.description].length, 200);
    assert.ok(long.row.description.startsWith('Utilities ї'));
    assert.equal(long.row.amountCents, 234_567);
  });

  test('invalid UTF-8 in a mapped column is refused, not silently replaced', () => {
    const fields = cells('2026-01-02', 'expense', '', '1.00', '');
    fields[4] = Buffer.from([0x43, 0x61, 0x66, 0xe9]); // "Café" in Latin-1
    assert.match(reasonOf(checkCsvRecord(fields, 9, LEDGERLY_EXPORT_MAPPING)), /column 5 has bytes that are not valid UTF-8/);
  });

  test('a row with too few columns says how many it has and needs', () => {
    const result = checkCsvRecord(cells('2026-01-02', 'expense'), 3, LEDGERLY_EXPORT_MAPPING);
    assert.equal(reasonOf(result), 'the row has 2 columns; the mapping needs 5');
  });

  test('category names follow the one name rule: spaces collapsed, NFC, and tabs or line breaks refused', () => {
    const named = (name: string) => checkCsvRecord(cells('2026-01-02', 'expense', name, '1.00', ''), 2, LEDGERLY_EXPORT_MAPPING);
    for (const [written, stored] of [
      ['Eating  out', 'Eating out'],
      ['  Eating\u00a0\u00a0out ', 'Eating out'],
      ['Cafe\u0301', 'Caf\u00e9'],
      ['', ''],
    ]) {
      const result = named(written!);
      assert.ok(result.ok, JSON.stringify(written));
      assert.equal(result.row.categoryName, stored, JSON.stringify(written));
    }
    assert.equal(reasonOf(named('Eating\tout')), 'the category name contains tabs, line breaks or other control or text-direction characters');
    assert.equal(reasonOf(named('Eating\nout')), 'the category name contains tabs, line breaks or other control or text-direction characters');
    assert.equal(reasonOf(named('x'.repeat(61))), 'the category name is longer than 60 characters');
  });

  test('the amount message names the decimal separator the mapping expects', () => {
    const comma = { ...LEDGERLY_EXPORT_MAPPING, decimalSeparator: 'comma' as const };
    assert.equal(reasonOf(checkCsvRecord(cells('2026-01-02', 'expense', '', '12.5.0', ''), 2, comma)), 'the amount “12.5.0” is not a number like 1234,50');
    assert.equal(reasonOf(checkCsvRecord(cells('2026-01-02', 'expense', '', '', ''), 2, comma)), 'the amount is empty');
  });
});

describe('guessing the file layout', () => {
  test('the delimiter is the separator used most outside quotes on the first line', () => {
    assert.equal(sniffCsvDelimiter('date,type,category,amount,description'), ',');
    assert.equal(sniffCsvDelimiter('Datum;Betrag;"Text, mit Komma"'), ';');
    assert.equal(sniffCsvDelimiter('date\tamount\tmemo'), '\t');
  });

  test('columns are guessed from header names in any order', () => {
    assert.deepEqual(guessColumns(['Memo', 'Booking date', 'Amount', 'Category']), {
      dateColumn: 1,
      amountColumn: 2,
      typeColumn: null,
      categoryColumn: 3,
      descriptionColumn: 0,
      accountColumn: null,
      transferColumn: null,
      inflowColumn: null,
      currencyColumn: null,
    });
    // YNAB's register: Outflow is the amount, Inflow money in.
    assert.deepEqual(guessColumns(['Account', 'Flag', 'Date', 'Payee', 'Category', 'Memo', 'Outflow', 'Inflow', 'Cleared']), {
      dateColumn: 2, amountColumn: 6, inflowColumn: 7, typeColumn: null, categoryColumn: 4, descriptionColumn: 3, accountColumn: 0, transferColumn: null, currencyColumn: null,
    });
    // Firefly III's export: a column named just date, amount or description beats created_at, updated_at and
    // foreign_amount, which come first or merely contain the word.
    const firefly = ['user_id', 'group_id', 'journal_id', 'created_at', 'updated_at', 'group_title', 'type', 'currency_code', 'foreign_amount', 'amount', 'description', 'date', 'interest_date', 'source_name', 'category', 'notes'];
    assert.deepEqual(guessColumns(firefly), { dateColumn: 11, amountColumn: 9, typeColumn: 6, categoryColumn: 14, descriptionColumn: 10, accountColumn: null, transferColumn: null, inflowColumn: null, currencyColumn: 7 });
    // Without a column named just so, a record's own time stamps are still never the day.
    assert.equal(guessColumns(['updated_at', 'Booking date', 'Amount']).dateColumn, 1);
    assert.deepEqual(guessColumns(['date', 'type', 'category', 'amount', 'description']), {
      dateColumn: 0,
      typeColumn: 1,
      categoryColumn: 2,
      amountColumn: 3,
      descriptionColumn: 4,
      accountColumn: null,
      transferColumn: null,
      inflowColumn: null,
      currencyColumn: null,
    });
    assert.deepEqual(guessColumns(['date', 'type', 'category', 'amount', 'description', 'account', 'transfer']), {
      dateColumn: 0,
      typeColumn: 1,
      categoryColumn: 2,
      amountColumn: 3,
      descriptionColumn: 4,
      accountColumn: 5,
      transferColumn: 6,
      inflowColumn: null,
      currencyColumn: null,
    });
  });

  test('a Ukrainian bank file is guessed from its headers and its type words are read', () => {
    assert.deepEqual(guessColumns(['Дата операції', 'Призначення платежу', 'Категорія', 'Сума', 'Тип']), {
      dateColumn: 0,
      descriptionColumn: 1,
      categoryColumn: 2,
      amountColumn: 3,
      typeColumn: 4,
      accountColumn: null,
      transferColumn: null,
      inflowColumn: null,
      currencyColumn: null,
    });
    const mapping = { ...LEDGERLY_EXPORT_MAPPING, decimalSeparator: 'comma' as const };
    const cells = (...values: string[]) => values.map((v) => Buffer.from(v, 'utf8'));
    const spent = checkCsvRecord(cells('2026-01-02', 'Витрата', '', '12,50', 'Хліб'), 2, mapping);
    const earned = checkCsvRecord(cells('2026-01-03', 'надходження', '', '1 000,00', 'Зарплата'), 3, mapping);
    assert.ok(spent.ok && earned.ok);
    assert.deepEqual([spent.row.type, spent.row.amountCents], ['expense', 1250]);
    assert.deepEqual([earned.row.type, earned.row.amountCents], ['income', 100000]);
  });
});

test('a first record holding a day and an amount is a row, not column names; columns are then guessed from what they hold', () => {
  assert.equal(looksLikeDataRow(['Date', 'Amount', 'Description']), false);
  assert.equal(looksLikeDataRow(['Datum', 'Betrag (EUR)', 'Verwendungszweck']), false);
  assert.equal(looksLikeDataRow(['12/31/2025', '-12.50', '*', '', 'STARBUCKS']), true);
  assert.equal(looksLikeDataRow(['31.12.2025', 'Сільпо', '-1 234,56 ₴']), true);
  assert.equal(looksLikeDataRow(['2025-12-31', 'no amount here']), false);
  const rows = [
    ['12/31/2025', '-12.50', '*', '', 'PURCHASE STARBUCKS'],
    ['12/30/2025', '2500.00', '*', '', 'PAYROLL'],
    ['12/29/2025', '(64.10)', '*', '', 'SAFEWAY'],
  ];
  const guessed = guessColumnsByContent(rows);
  assert.deepEqual([guessed.dateColumn, guessed.amountColumn, guessed.descriptionColumn], [0, 1, 4]);
  assert.deepEqual(
    [guessColumnsByContent([['Coffee', '3,50', '02.01.2026'], ['Rent', '-900,00', '01.01.2026']])].map((g) => [g.dateColumn, g.amountColumn, g.descriptionColumn])[0],
    [2, 1, 0],
  );
});

test("ezBookkeeping's Account Currency column is the currency column, so a row in another currency is refused, never counted as ours", () => {
  const guessed = guessColumns(['Time', 'Timezone', 'Type', 'Category', 'Sub Category', 'Account', 'Account Currency', 'Amount', 'Description']);
  assert.equal(guessed.currencyColumn, 6);
  assert.equal(guessColumns(['Дата', 'Валюта', 'Сума']).currencyColumn, 1, 'one amount: "Valiuta" is its currency');
  assert.equal(guessColumns(['Дата', 'Сума', 'Валюта залишку']).currencyColumn, null, 'a balance\'s currency is no amount\'s');
});

test("Wise's 31-12-2025 and 2025/12/31 are read and guessed; 12/31/2025 is still month first", () => {
  assert.deepEqual(parseCsvDate('31-12-2025', 'DD-MM-YYYY'), { ok: true, day: '2025-12-31' });
  assert.deepEqual(parseCsvDate('2025/12/31 09:15', 'YYYY/MM/DD'), { ok: true, day: '2025-12-31' });
  assert.equal(guessCsvDateFormat(['31-12-2025', '01-01-2026']), 'DD-MM-YYYY');
  assert.equal(guessCsvDateFormat(['2025/12/31', '2026/01/02']), 'YYYY/MM/DD');
  assert.equal(guessCsvDateFormat(['12/31/2025', '01/02/2026']), 'MM/DD/YYYY');
  assert.equal(parseCsvDate('2025-12-31', 'DD-MM-YYYY').ok, false, 'an ISO day is not read as day first');
});

test("a row typed as a transfer or an opening balance (Firefly III, ezBookkeeping) is told what to do instead", () => {
  const cells = (...values: string[]) => values.map((v) => Buffer.from(v, 'utf8'));
  const firefly = { ...LEDGERLY_EXPORT_MAPPING };
  assert.match(reasonOf(checkCsvRecord(cells('2026-01-02', 'Transfer', '', '500.00', 'To savings'), 2, firefly)), /is a transfer between accounts[\s\S]*Transfer money/);
  assert.match(reasonOf(checkCsvRecord(cells('2026-01-02', 'Opening balance', '', '500.00', 'Start'), 3, firefly)), /is an opening balance: set it as the account’s opening balance on the Accounts page/);
  assert.match(reasonOf(checkCsvRecord(cells('2026-01-02', 'sometimes', '', '5.00', 'x'), 4, firefly)), /is not income, expense or refund/);
});

test("Monzo's export opens ready: its signed Amount is the amount (Money In beside it is not money in), its Description the description", () => {
  const monzo = guessColumns(['Transaction ID', 'Date', 'Time', 'Type', 'Name', 'Emoji', 'Category', 'Amount', 'Currency', 'Local amount', 'Local currency', 'Notes and #tags', 'Address', 'Receipt', 'Description', 'Category split', 'Money Out', 'Money In']);
  assert.deepEqual([monzo.amountColumn, monzo.inflowColumn, monzo.descriptionColumn, monzo.currencyColumn], [7, null, 14, 8]);
  // YNAB's Outflow and Inflow, and a Ukrainian bank's pair, are still money out and money in.
  const ynab = guessColumns(['Account', 'Flag', 'Date', 'Payee', 'Category Group/Category', 'Category Group', 'Category', 'Memo', 'Outflow', 'Inflow', 'Cleared']);
  assert.deepEqual([ynab.amountColumn, ynab.inflowColumn], [8, 9]);
  const uk = guessColumns(['Дата', 'Опис', 'Витрата', 'Надходження']);
  assert.deepEqual([uk.amountColumn, uk.inflowColumn, uk.descriptionColumn], [2, 3, 1]);
  assert.equal(guessColumns(['Date', 'Note', 'Amount', 'Description']).descriptionColumn, 3, "Wise's Note is passed over for its Description");
});

test('second-round guesses: US dates with hyphens are month first, a Debit Amount keeps its Credit, a cheque number or a value date is not the amount', () => {
  assert.equal(guessCsvDateFormat(['01-05-2026', '01-13-2026', '02-03-2026']), 'MM-DD-YYYY', 'the 13th shows the month comes first');
  assert.equal(guessCsvDateFormat(['01-05-2026', '02-03-2026'], true), 'MM-DD-YYYY', 'either way: the person writes month first');
  assert.equal(guessCsvDateFormat(['31-12-2025', '01-01-2026'], true), 'DD-MM-YYYY');
  const bank = guessColumns(['Date', 'Description', 'Debit Amount', 'Credit', 'Balance']);
  assert.deepEqual([bank.amountColumn, bank.inflowColumn], [2, 3]);
  const cheques = guessColumnsByContent([['12/31/2025', '1043', '-12.50', 'CHECK 1043'], ['12/30/2025', '1044', '-100.00', 'CHECK 1044']]);
  assert.equal(cheques.amountColumn, 2);
  const valueDate = guessColumnsByContent([['31.12.2025', '02.01.2026', '-12,50', 'Kaffee Bar'], ['30.12.2025', '31.12.2025', '-3,10', 'Baeckerei']]);
  assert.deepEqual([valueDate.dateColumn, valueDate.amountColumn, valueDate.descriptionColumn], [0, 2, 3]);
});
