import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createDayFormatter } from '../../src/domain/calendar.ts';
import { LANGUAGES } from '../../src/domain/languages.ts';
import { centsToInputText, decimalSeparatorOf, formAmountOptions, MAX_AMOUNT_CENTS, parseAmount } from '../../src/domain/money.ts';
import { chooseLanguage, createLanguageContexts, localeFor, referenceTranslate, translateHtml, translatorFor } from '../../src/web/i18n.ts';
import { catalogue } from '../helpers/pages.ts';
import { english, ukrainian } from '../helpers/i18n.ts';
import { parseBudgetForm } from '../../src/web/forms/budget-form.ts';

describe('plurals', () => {
  test('Ukrainian has one, few and many: 1, 2, 5, 11, 21 and 22 operations', () => {
    const t = translatorFor('uk');
    const forms = [1, 2, 5, 11, 21, 22].map((count) => t('common.transactionCount', { count }));
    assert.deepEqual(forms, ['1 операція', '2 операції', '5 операцій', '11 операцій', '21 операція', '22 операції']);
    assert.equal(t('import.result.rows', { count: 1234 }), '1\u00a0234 рядків', 'counts are grouped the Ukrainian way');
  });

  test('a sentence closing on a value that ends in a full stop (a Ukrainian date or month) gets one full stop, not two', () => {
    const t = translatorFor('uk');
    assert.equal(
      t('charts.netWorth.description', { from: 'січня 2025 р.', to: 'грудень 2026 р.' }),
      'Лінія: ваші активи мінус борги наприкінці кожного місяця з січня 2025 р. по грудень 2026 р.',
    );
    // Inside the sentence the value keeps its own stop, and a value without one keeps the sentence's.
    assert.equal(t('budgets.flash.copied', { count: 3, month: 'листопад 2026 р.' }), 'Скопійовано 3 суми за листопад 2026 р.');
    assert.equal(translatorFor('en')('budgets.flash.copied', { count: 3, month: 'November 2026' }), 'Copied 3 amounts from November 2026.');
  });

  test('English has one and other', () => {
    const t = translatorFor('en');
    assert.deepEqual([0, 1, 2, 1234].map((count) => t('common.transactionCount', { count })), ['0 transactions', '1 transaction', '2 transactions', '1,234 transactions']);
  });

  test("the translator renders every entry of every catalogue exactly as i18next's own t does", () => {
    for (const language of LANGUAGES) {
      const keys = new Set(Object.keys(catalogue(language)).map((key) => key.replace(/_(zero|one|two|few|many|other)$/, '')));
      for (const key of keys) {
        const values = { name: 'Їжа & <b>', n: 3, have: 2, need: 4, page: 'P', app: 'Ledgerly', max: 200, min: 8, size: '1 MB', detail: 'd', email: 'a@b.c' };
        for (const count of [undefined, 0, 1, 2, 5, 11, 21, 22, 1234]) {
          const all = count === undefined ? values : { ...values, count };
          assert.equal(translatorFor(language)(key as never, all), referenceTranslate(language, key, all), `${language} ${key} ${count}`);
        }
        if (!keys.has(`${key}_one`)) assert.equal(translatorFor(language)(key as never), referenceTranslate(language, key), `${language} ${key}`);
      }
    }
  });

  test('a message built in a route reads in the language of the page that shows it', () => {
    const message = { key: 'categories.flash.deleted' as const, values: { name: 'Pets', count: 3 } };
    assert.equal(english.t(message), 'Category “Pets” deleted; 3 transactions are now uncategorised.');
    assert.equal(ukrainian.t(message), 'Категорію «Pets» видалено; 3 операції тепер без категорії.');
  });

  test('an entry with markup escapes the values put into it', () => {
    const html = translateHtml(english.t, 'import.result.importedHtml', { count: 2, rows: '<script>x</script>' });
    assert.equal(html, '<strong>2</strong> transactions were imported from &lt;script&gt;x&lt;/script&gt;.');
  });
});

describe('amounts in the person\'s locale', () => {
  const uk = formAmountOptions('uk-UA');
  const en = formAmountOptions('en-US');

  test('12,50 and 1 234,56 are exact cents in Ukrainian, with any space Intl or a keyboard writes', () => {
    assert.equal(decimalSeparatorOf('uk-UA'), 'comma');
    assert.equal(decimalSeparatorOf('en-US'), 'dot');
    for (const [text, cents] of [['12,50', 1250], ['1 234,56', 123456], ['1\u00a0234,56', 123456], ['1\u202f234,56', 123456], [',75', 75], ['0,01', 1], ['999 999 999,99', 99_999_999_999]] as const) {
      assert.deepEqual(parseAmount(text, uk), { ok: true, cents, negative: false }, text);
    }
  });

  test('bad amounts are refused in Ukrainian for the same reasons as in English', () => {
    const pairs: [string, string][] = [['', ''], ['-5', '-5'], ['1e3', '1e3'], ['0', '0'], ['12,345', '12.345'], ['12,', '12.'], ['1 000 000 000,01', '1,000,000,000.01'], ['abc', 'abc'], ['12.50', '12,50'], ['1 2,00', '1,2.00']];
    for (const [ukText, enText] of pairs) {
      const a = parseAmount(ukText, uk);
      const b = parseAmount(enText, en);
      assert.equal(a.ok, false, ukText);
      assert.deepEqual(a, b, `${ukText} / ${enText}`);
    }
  });

  test('a dot is never a thousands separator in a Ukrainian form: "12.500" is refused, not read as 12 500', () => {
    // A person types 12.500 for 12,50 with a slip far more often than for twelve thousand five hundred.
    for (const text of ['12.500', '1.234', '1.234,56', '12.500.000']) assert.deepEqual(parseAmount(text, uk), { ok: false, problem: 'malformed' }, text);
    // A bank file with a decimal comma still groups with dots: that is how such files are written.
    assert.deepEqual(parseAmount('1.250,00', { decimal: 'comma', sign: 'signed' }), { ok: true, cents: 125000, negative: false });
  });

  test('a locale that groups with dots keeps them in its forms: a budget page of en-DE saves the "1.500,00" it fills in', () => {
    const german = createLanguageContexts({ locale: 'en-DE', currency: 'EUR' }).en;
    assert.equal(german.decimal, 'comma');
    assert.equal(german.groupsWithSpaces, false);
    const written = german.formatPlain(150_000);
    assert.equal(written, '1.500,00');
    assert.deepEqual(parseBudgetForm({ 'amount-5': written }, german), { ok: true, entries: [{ categoryId: 5, amountCents: 150_000, rollover: false }], values: { 'amount-5': '1.500,00' } });
    assert.deepEqual(parseAmount('1.500,00', formAmountOptions('de-DE')), { ok: true, cents: 150_000, negative: false });
    // Ukrainian (and French) group with spaces: there the same dot is refused.
    assert.equal(ukrainian.groupsWithSpaces, true);
    assert.equal(parseBudgetForm({ 'amount-5': '1.500,00' }, ukrainian).ok, false);
  });

  test('formatting round trips: what a page writes, and what the edit form shows, read back to the same cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
        for (const language of [english, ukrainian]) {
          const options = formAmountOptions(language.locale);
          assert.deepEqual(parseAmount(language.formatPlain(cents), options), { ok: true, cents, negative: false });
          assert.deepEqual(parseAmount(centsToInputText(cents, language.decimal), options), { ok: true, cents, negative: false });
        }
      }),
      { numRuns: 300 },
    );
    assert.equal(ukrainian.money.formatCents(123456), '1\u00a0234,56\u00a0USD');
    assert.equal(english.money.formatCents(-123456), '−$1,234.56');
  });

  test('days and months are written in the language, never shifted by a time zone', () => {
    const days = createDayFormatter('uk-UA');
    assert.equal(days.formatDay('2026-03-14'), '14 бер. 2026 р.');
    // In a sentence or a label read aloud, the month in full: a screen reader stumbles over «бер.».
    assert.equal(days.formatDayInText('2026-03-14'), '14 березня 2026 р.');
    assert.equal(days.formatMonth('2026-03'), 'Березень 2026 р.');
    assert.equal(createDayFormatter('en-US').formatDay('2024-02-29'), 'Feb 29, 2024');
    assert.equal(createDayFormatter('en-US').formatDayInText('2024-02-29'), 'Feb 29, 2024', 'English keeps its short month in text');
    assert.equal(createDayFormatter('en-GB').formatDay('2026-01-01'), '1 Jan 2026');
  });

  test('a month inside a sentence takes the form the sentence needs: "Бюджет на грудень", "з січня 2026 р. по грудень"', () => {
    const uk = createDayFormatter('uk-UA');
    assert.equal(uk.formatMonthInText('2026-12'), 'грудень 2026 р.');
    const since = Array.from({ length: 12 }, (_, i) => uk.formatMonthSince(`2026-${String(i + 1).padStart(2, '0')}`));
    assert.deepEqual(since, ['січня', 'лютого', 'березня', 'квітня', 'травня', 'червня', 'липня', 'серпня', 'вересня', 'жовтня', 'листопада', 'грудня'].map((m) => `${m} 2026 р.`), 'spaced as the month in text is');
    assert.equal(uk.formatMonth('2026-12'), 'Грудень 2026 р.', 'standing alone it is a label, with a capital');
    for (const locale of ['en-US', 'en-GB']) {
      const en = createDayFormatter(locale);
      assert.equal(en.formatMonthInText('2026-12'), 'December 2026', locale);
      assert.equal(en.formatMonthSince('2026-01'), 'January 2026', locale);
    }
  });
});

describe('choosing the language', () => {
  const base = { userLanguage: undefined, sessionLanguage: undefined, acceptLanguageHeader: undefined, accepted: () => false as const, defaultLanguage: 'en' as const };

  test("the person's setting first, then the session's choice, then the browser, then the default", () => {
    assert.equal(chooseLanguage({ ...base, userLanguage: 'uk', sessionLanguage: 'en', acceptLanguageHeader: 'en', accepted: () => 'en' }), 'uk');
    assert.equal(chooseLanguage({ ...base, sessionLanguage: 'uk', acceptLanguageHeader: 'en', accepted: () => 'en' }), 'uk');
    assert.equal(chooseLanguage({ ...base, acceptLanguageHeader: 'uk-UA', accepted: () => 'uk' }), 'uk');
    assert.equal(chooseLanguage({ ...base, acceptLanguageHeader: 'de', accepted: () => false }), 'en');
    assert.equal(chooseLanguage({ ...base, defaultLanguage: 'uk' }), 'uk');
    assert.equal(chooseLanguage({ ...base, userLanguage: 'xx', defaultLanguage: 'uk' }), 'uk', 'an unknown stored value is ignored');
  });

  test('LOCALE picks the variant of its own language only', () => {
    assert.equal(localeFor('en', 'en-GB'), 'en-GB');
    assert.equal(localeFor('uk', 'en-GB'), 'uk-UA');
    assert.equal(localeFor('en', 'de-DE'), 'en-US');
    assert.equal(localeFor('uk', 'uk-UA'), 'uk-UA');
  });
});

test('a weekly schedule says its day as a sentence does: "Every 2 weeks on Wednesday", "Кожні 2 тижні, у середу"', async () => {
  const { describeRule } = await import('../../src/web/schedule-text.ts');
  const contexts = createLanguageContexts({ locale: 'en-US', currency: 'USD' });
  const rule = { frequency: 'weeks', interval: 2, weekday: 3, monthDay: null, startOn: '2026-03-04', endOn: null, maxCount: null } as const;
  assert.equal(describeRule(rule, contexts.en), 'Every 2 weeks on Wednesday');
  assert.equal(describeRule(rule, contexts.uk), 'Кожні 2 тижні, у середу');
  assert.equal(describeRule({ ...rule, interval: 1, weekday: 5 }, contexts.uk), 'Щотижня, у п’ятницю');
  assert.equal(describeRule({ ...rule, interval: 1, weekday: 0 }, contexts.en), 'Every week on Sunday');
});

test('the weekday list starts on Monday, as a schedule\'s week does, and writes «п’ятниця» with the project\'s apostrophe', async () => {
  const { weekdayName, WEEKDAYS_FROM_MONDAY } = await import('../../src/web/schedule-text.ts');
  const contexts = createLanguageContexts({ locale: 'en-US', currency: 'USD' });
  assert.deepEqual(WEEKDAYS_FROM_MONDAY.map((d) => weekdayName(d, contexts.uk)), ['понеділок', 'вівторок', 'середа', 'четвер', 'п’ятниця', 'субота', 'неділя']);
  assert.deepEqual(WEEKDAYS_FROM_MONDAY.map((d) => weekdayName(d, contexts.en)), ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
});
