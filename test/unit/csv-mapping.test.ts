import { inEnglish, inUkrainian } from '../helpers/i18n.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_IMPORT_OPTIONS, guessCsvDateFormat, guessDecimalSeparator, LEDGERLY_EXPORT_MAPPING, parseCsvDate } from '../../src/domain/imports.ts';
import { mappingValuesFor, parseImportMapping } from '../../src/web/forms/import-mapping.ts';

const exportForm = mappingValuesFor(LEDGERLY_EXPORT_MAPPING, DEFAULT_IMPORT_OPTIONS);

test('the form values of a mapping parse back to the same mapping and options', () => {
  const result = parseImportMapping(exportForm, 5);
  assert.deepEqual(result, { ok: true, values: exportForm, mapping: LEDGERLY_EXPORT_MAPPING, options: DEFAULT_IMPORT_OPTIONS });
});

test('optional columns may be left out; no type column means the sign decides', () => {
  const result = parseImportMapping({ ...exportForm, type: '', category: '', description: '', delimiter: 'tab', keepDuplicates: '1' }, 5);
  assert.ok(result.ok);
  assert.equal(result.mapping.typeColumn, null);
  assert.equal(result.mapping.categoryColumn, null);
  assert.equal(result.mapping.descriptionColumn, null);
  assert.equal(result.mapping.delimiter, '\t');
  assert.equal(result.options.keepDuplicates, true);
});

test('each problem gets its own message and the typed values come back unchanged', () => {
  const body = { ...exportForm, date: '', amount: '7', type: '2', category: '2', dateFormat: 'YYYY/DD/MM', decimal: 'space', unknownCategories: 'ignore', delimiter: '|' };
  const result = parseImportMapping(body, 5);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(Object.keys(result.errors).sort(), ['amount', 'category', 'date', 'dateFormat', 'decimal', 'delimiter', 'unknownCategories']);
  assert.match(inEnglish(result.errors.date), /Choose the column that holds the date/);
  assert.match(inEnglish(result.errors.amount), /one of the file's 5 columns/);
  assert.match(inEnglish(result.errors.category), /already the type/);
  assert.match(inUkrainian(result.errors.amount), /один із 5 стовпців/);
  assert.equal(result.values.dateFormat, 'YYYY/DD/MM');
});

test('a field sent twice or as an array is treated as not chosen', () => {
  const result = parseImportMapping({ ...exportForm, date: ['0', '1'] }, 5);
  assert.equal(result.ok, false);
  if (!result.ok) assert.ok(result.errors.date);
});

test('the date layout is guessed from the cells, preferring day-first when slashes are ambiguous', () => {
  assert.equal(guessCsvDateFormat(['2026-01-02', '2026-12-31']), 'YYYY-MM-DD');
  assert.equal(guessCsvDateFormat(['02.01.2026']), 'DD.MM.YYYY');
  assert.equal(guessCsvDateFormat(['2026.04.03', '2026.12.31']), 'YYYY.MM.DD');
  assert.equal(guessCsvDateFormat(['01/02/2026', '12/25/2026']), 'MM/DD/YYYY');
  assert.equal(guessCsvDateFormat(['25/12/2026', '01/02/2026']), 'DD/MM/YYYY');
  assert.equal(guessCsvDateFormat(['01/02/2026']), 'DD/MM/YYYY');
  // A tie goes to the person's own order: month first for en-US; a day past the 12th still decides.
  assert.equal(guessCsvDateFormat(['01/02/2026', '12/05/2026'], true), 'MM/DD/YYYY');
  assert.equal(guessCsvDateFormat(['25/12/2026', '01/02/2026'], true), 'DD/MM/YYYY');
  assert.equal(guessCsvDateFormat(['02.01.2026'], true), 'DD.MM.YYYY');
  assert.equal(guessCsvDateFormat([]), 'YYYY-MM-DD');
  // With times after the days.
  assert.equal(guessCsvDateFormat(['31.12.2025 23:59:59', '01.12.2025 08:00:01']), 'DD.MM.YYYY');
  assert.equal(guessCsvDateFormat(['2021-01-01T08:15:14+02:00']), 'YYYY-MM-DD');
  // The layout that reads the most cells wins: a footer does not turn a dotted file into ISO, and one day past the
  // 12th among many that are not makes a file month first.
  assert.equal(guessCsvDateFormat(['02.01.2026', '03.01.2026', 'Total']), 'DD.MM.YYYY');
  assert.equal(guessCsvDateFormat([...Array.from({ length: 20 }, (_, i) => `01/${String(i + 1).padStart(2, '0')}/2024`)]), 'MM/DD/YYYY');
  assert.equal(guessCsvDateFormat([...Array.from({ length: 12 }, (_, i) => `01/${String(i + 1).padStart(2, '0')}/2024`)]), 'DD/MM/YYYY', 'never past the 12th: day first');
});

test('the decimal separator is guessed from the amount cells, the delimiter deciding only a tie', () => {
  // A semicolon file written with decimal dots, and one with decimal commas and dotted thousands.
  assert.equal(guessDecimalSeparator(['-12.50', '1,234.56', '-0.99', '300'], 'comma'), 'dot');
  assert.equal(guessDecimalSeparator(['-12,50', '1.234,56', '-0,99', '300'], 'dot'), 'comma');
  // Whole amounts read either way: the delimiter's usual convention stands.
  assert.equal(guessDecimalSeparator(['300', '-45', ''], 'comma'), 'comma');
  assert.equal(guessDecimalSeparator(['300', '-45'], 'dot'), 'dot');
  // The currency's own marks do not stand in the way.
  assert.equal(guessDecimalSeparator(['-120.00 UAH', '₴99.99', '12,5 грн'], 'comma', 'UAH'), 'dot');
});

test("ING's YYYYMMDD and a savings bank's DD.MM.YY are read and guessed; a two-digit year is read as POSIX reads %y", () => {
  assert.deepEqual(parseCsvDate('20260302', 'YYYYMMDD'), { ok: true, day: '2026-03-02' });
  assert.deepEqual(parseCsvDate('20260230', 'YYYYMMDD'), { ok: false, problem: 'not-a-day' });
  assert.deepEqual(parseCsvDate('2026032', 'YYYYMMDD'), { ok: false, problem: 'format' });
  assert.deepEqual(parseCsvDate('02.03.26', 'DD.MM.YY'), { ok: true, day: '2026-03-02' });
  assert.deepEqual(parseCsvDate('31.12.68', 'DD.MM.YY'), { ok: true, day: '2068-12-31' });
  assert.deepEqual(parseCsvDate('1.1.69', 'DD.MM.YY'), { ok: true, day: '1969-01-01' });
  assert.deepEqual(parseCsvDate('02.03.2026', 'DD.MM.YY'), { ok: false, problem: 'format' }, 'four digits are DD.MM.YYYY');
  assert.deepEqual(parseCsvDate('02.03.26', 'DD.MM.YYYY'), { ok: false, problem: 'format' });
  assert.equal(guessCsvDateFormat(['20260302', '20260303', '20260331']), 'YYYYMMDD');
  assert.equal(guessCsvDateFormat(['02.03.26', '15.03.26']), 'DD.MM.YY');
  // Files the other layouts read are guessed as before.
  assert.equal(guessCsvDateFormat(['02.03.2026', '15.03.2026']), 'DD.MM.YYYY');
  assert.equal(guessCsvDateFormat(['2026-03-02']), 'YYYY-MM-DD');
});
