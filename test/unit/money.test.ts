import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import fc from 'fast-check';
import { REPO_ROOT } from '../helpers/paths.ts';
import {
  centsToDecimalString,
  currencyMarks,
  withoutCurrencyMark,
  createMoneyFormatter,
  FORM_AMOUNT,
  formAmountOptions,
  MAX_AMOUNT_CENTS,
  otherDecimalMark,
  parseAmount,
  percentShare,
  type AmountOptions,
  type AmountProblem,
  type MoneyWriting,
} from '../../src/domain/money.ts';

const FILE_DOT: AmountOptions = { decimal: 'dot', sign: 'signed', accountingNegatives: true };
const FILE_COMMA: AmountOptions = { decimal: 'comma', sign: 'signed', accountingNegatives: true };

describe('one amount parser, as a form reads amounts (dot, no sign)', () => {
  const accepted: [string, number][] = [
    ['12', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['1,234.56', 123456],
    [' 7 ', 700],
    ['0.01', 1],
    ['.75', 75],
    ['007.10', 710],
    ['1,000,000,000', MAX_AMOUNT_CENTS],
    ['999999999.99', MAX_AMOUNT_CENTS - 1],
  ];
  for (const [input, cents] of accepted) {
    test(`accepts ${JSON.stringify(input)} as ${cents} cents`, () => {
      assert.deepEqual(parseAmount(input, FORM_AMOUNT), { ok: true, cents, negative: false });
    });
  }

  const rejected: [string, AmountProblem][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['0', 'zero'],
    ['0.00', 'zero'],
    ['-5', 'negative'],
    ['-0.01', 'negative'],
    // The minus sign the pages write (U+2212), copied from a row: the same advice as a hyphen's.
    ['\u221212.50', 'negative'],
    ['1.005', 'too-many-decimals'],
    ['12.', 'missing-cents'],
    ['1e3', 'malformed'],
    ['0x10', 'malformed'],
    ['Infinity', 'malformed'],
    ['NaN', 'malformed'],
    ['abc', 'malformed'],
    ['12abc', 'malformed'],
    ['1,23.45', 'malformed'],
    ['1,2345', 'malformed'],
    ['+5', 'malformed'],
    ['1 000', 'malformed'],
    ['1000000000.01', 'too-large'],
    ['99999999999999999999', 'too-large'],
  ];
  for (const [input, problem] of rejected) {
    test(`refuses ${JSON.stringify(input)}: ${problem}`, () => {
      assert.deepEqual(parseAmount(input, FORM_AMOUNT), { ok: false, problem });
    });
  }

  test('every whole number of cents in range survives being written as a decimal and read back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
        assert.deepEqual(parseAmount(centsToDecimalString(cents), FORM_AMOUNT), { ok: true, cents, negative: false });
      }),
    );
  });

  test('every amount formatted with thousands separators parses back to the same cents', () => {
    const money = createMoneyFormatter('en-US', 'USD');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
        assert.deepEqual(parseAmount(money.formatCentsPlain(cents), FORM_AMOUNT), { ok: true, cents, negative: false });
      }),
    );
  });

  test('no random text ever throws, and anything accepted is a whole number of cents in range', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom(FORM_AMOUNT, FILE_DOT, FILE_COMMA), (text, options) => {
        const result = parseAmount(text, options);
        if (result.ok) {
          assert.ok(Number.isSafeInteger(result.cents));
          assert.ok(result.cents >= 1 && result.cents <= MAX_AMOUNT_CENTS);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the other decimal mark', () => {
  test('is recognised only where it cannot group thousands, and the fix keeps the rest of the number', () => {
    assert.equal(otherDecimalMark('12.50', 'comma'), '12,50');
    assert.equal(otherDecimalMark(' 1 234.5 ', 'comma'), '1 234,5');
    assert.equal(otherDecimalMark('.75', 'comma'), ',75');
    assert.equal(otherDecimalMark('12,50', 'dot'), '12.50');
    assert.equal(otherDecimalMark('1,234', 'dot'), undefined, 'three digits: a thousands group');
    assert.equal(otherDecimalMark('1.234.50', 'comma'), undefined, 'two marks');
    assert.equal(otherDecimalMark('1.234,5', 'comma'), undefined, 'already has its own mark');
    assert.equal(otherDecimalMark('12,50', 'comma'), undefined, 'nothing to fix');
    assert.equal(otherDecimalMark('x.50', 'comma'), undefined, 'not a number either way');
    assert.equal(otherDecimalMark('-12.50', 'comma'), '-12,50', 'a balance keeps its sign');
    assert.equal(otherDecimalMark('+ 12,5', 'dot'), '+ 12.5');
  });
});

describe('a mark no one would mean as grouping is read as the decimal mark it must be, and refused with the fix', () => {
  const UK_FORM = formAmountOptions('uk-UA');
  const cases: [string, AmountOptions, AmountProblem, string | undefined][] = [
    // Thousands grouped after a zero: "0,001" was read as 1.00.
    ['0,001', FORM_AMOUNT, 'other-decimal-mark', '0.001'],
    ['0,500', FORM_AMOUNT, 'other-decimal-mark', '0.500'],
    ['00,001', FORM_AMOUNT, 'other-decimal-mark', '00.001'],
    ['0,001', FILE_DOT, 'other-decimal-mark', '0.001'],
    ['0 001', UK_FORM, 'other-decimal-mark', '0,001'],
    ['0\u00a0500', UK_FORM, 'other-decimal-mark', '0,500'],
    ['0.500', FILE_COMMA, 'other-decimal-mark', '0,500'],
    // A dot where a comma is meant, however many digits follow a zero.
    ['0.001', UK_FORM, 'other-decimal-mark', '0,001'],
    // With no fix to offer, still refused.
    ['0,001,000', FORM_AMOUNT, 'malformed', undefined],
    ['0,001.50', FORM_AMOUNT, 'malformed', undefined],
    // A decimal mark of the other convention with nothing after it, as its own would be.
    ['12.', UK_FORM, 'missing-cents', undefined],
    ['12,', UK_FORM, 'missing-cents', undefined],
    ['1 234.', UK_FORM, 'missing-cents', undefined],
    ['12,', FORM_AMOUNT, 'missing-cents', undefined],
  ];
  for (const [input, options, problem, fix] of cases) {
    test(`refuses ${JSON.stringify(input)} with a ${options.decimal}${options.groups ? ' (spaces)' : ''}: ${problem}${fix ? `, fixed as ${fix}` : ''}`, () => {
      assert.deepEqual(parseAmount(input, options), { ok: false, problem });
      assert.equal(otherDecimalMark(input, options.decimal), fix);
    });
  }
  test('a real thousands group, and a zero before the decimal mark, still read as they did', () => {
    assert.deepEqual(parseAmount('1,234', FORM_AMOUNT), { ok: true, cents: 123_400, negative: false });
    assert.deepEqual(parseAmount('10,001', FORM_AMOUNT), { ok: true, cents: 1_000_100, negative: false });
    assert.deepEqual(parseAmount('0.50', FORM_AMOUNT), { ok: true, cents: 50, negative: false });
    assert.deepEqual(parseAmount('1 234', UK_FORM), { ok: true, cents: 123_400, negative: false });
    assert.deepEqual(parseAmount('0,5', UK_FORM), { ok: true, cents: 50, negative: false });
  });
});

describe('one amount parser, as an imported file reads amounts (either separator, signed)', () => {
  const accepted: [string, AmountOptions, number, boolean][] = [
    ['1234.50', FILE_DOT, 123450, false],
    ['1,234.50', FILE_DOT, 123450, false],
    ['-12.5', FILE_DOT, 1250, true],
    ['+7', FILE_DOT, 700, false],
    ['.75', FILE_DOT, 75, false],
    ['1234,50', FILE_COMMA, 123450, false],
    ['1.234,50', FILE_COMMA, 123450, false],
    ['1 234,5', FILE_COMMA, 123450, false],
    ['1\u00a0234,50', FILE_COMMA, 123450, false],
    ['-0,01', FILE_COMMA, 1, true],
    ['1000000000.00', FILE_DOT, MAX_AMOUNT_CENTS, false],
    // Bank files' other negatives: in brackets, or with the minus after the number.
    ['(12.50)', FILE_DOT, 1250, true],
    ['( 1,234.56 )', FILE_DOT, 123456, true],
    ['12.50-', FILE_DOT, 1250, true],
    ['(12,50)', FILE_COMMA, 1250, true],
    ['1 234,56-', FILE_COMMA, 123456, true],
    // The minus sign (U+2212), as some banks write it and as the pages show negative amounts.
    ['\u221212.50', FILE_DOT, 1250, true],
    ['1 234,56\u2212', FILE_COMMA, 123456, true],
  ];
  for (const [input, options, cents, negative] of accepted) {
    test(`reads ${JSON.stringify(input)} with a ${options.decimal} as ${negative ? '-' : ''}${cents} cents`, () => {
      assert.deepEqual(parseAmount(input, options), { ok: true, cents, negative });
    });
  }

  const rejected: [string, AmountOptions, AmountProblem][] = [
    ['1.005', FILE_DOT, 'too-many-decimals'],
    ['1,005', FILE_COMMA, 'too-many-decimals'],
    ['', FILE_DOT, 'empty'],
    ['0.00', FILE_DOT, 'zero'],
    ['=1+2', FILE_DOT, 'malformed'],
    ['12.', FILE_DOT, 'missing-cents'],
    ['1.234,50', FILE_DOT, 'malformed'],
    ['1,234.50', FILE_COMMA, 'malformed'],
    ['12.50', FILE_COMMA, 'other-decimal-mark'],
    ['12,5', FILE_DOT, 'other-decimal-mark'],
    ['1.234.50', FILE_COMMA, 'malformed'],
    ['1,234,50', FILE_DOT, 'malformed'],
    ['$12', FILE_DOT, 'malformed'],
    ['1e3', FILE_DOT, 'malformed'],
    ['1000000000.01', FILE_DOT, 'too-large'],
    ['(-12.50)', FILE_DOT, 'malformed'],
    ['-12.50-', FILE_DOT, 'malformed'],
    ['(12.50', FILE_DOT, 'malformed'],
    ['(12.50)', { decimal: 'dot', sign: 'signed' }, 'malformed'],
    ['(12.50)', { decimal: 'dot', sign: 'unsigned' }, 'malformed'],
  ];
  for (const [input, options, problem] of rejected) {
    test(`refuses ${JSON.stringify(input)} with a ${options.decimal}: ${problem}`, () => {
      assert.deepEqual(parseAmount(input, options), { ok: false, problem });
    });
  }

  test('every amount the export writes parses back to the same cents, and a comma file with a minus too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
        assert.deepEqual(parseAmount(centsToDecimalString(cents), FILE_DOT), { ok: true, cents, negative: false });
        const comma = centsToDecimalString(cents).replace('.', ',');
        assert.deepEqual(parseAmount(`-${comma}`, FILE_COMMA), { ok: true, cents, negative: true });
      }),
    );
  });

  test('a form and a dot file agree on every unsigned amount', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        // A sign (the minus sign U+2212 too), leading or trailing, or brackets: a file's ways of writing a negative.
        if (/^[-+\u2212(]|[-\u2212)]$/.test(text.trim())) return;
        assert.deepEqual(parseAmount(text, FORM_AMOUNT), parseAmount(text, FILE_DOT));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatting money', () => {
  test('centsToDecimalString writes two places and a sign', () => {
    assert.equal(centsToDecimalString(0), '0.00');
    assert.equal(centsToDecimalString(5), '0.05');
    assert.equal(centsToDecimalString(123450), '1234.50');
    assert.equal(centsToDecimalString(-123450), '-1234.50');
    assert.throws(() => centsToDecimalString(1.5), RangeError);
  });

  test('formatCents uses Intl currency formatting for the configured currency and locale', () => {
    assert.equal(createMoneyFormatter('en-US', 'USD').formatCents(123456), '$1,234.56');
    assert.equal(createMoneyFormatter('en-US', 'USD').formatCents(-5), '−$0.05');
    assert.equal(createMoneyFormatter('de-DE', 'EUR').formatCents(123456), '1.234,56\u00a0€');
  });

  test('large balances beyond float precision are formatted exactly', () => {
    // 2^53 - 1 cents cannot survive a division by 100 as a float; the string path keeps it exact.
    const money = createMoneyFormatter('en-US', 'USD');
    assert.equal(money.formatCents(9_007_199_254_740_991), '$90,071,992,547,409.91');
  });

  test('shares are whole percentages and zero when there is nothing to share', () => {
    assert.equal(percentShare(1, 3), 33);
    assert.equal(percentShare(2, 3), 67);
    assert.equal(percentShare(5, 0), 0);
  });
});

describe('axis labels', () => {
  // (Intl's spaces differ between Node's builds; the words and signs are what is checked.)
  const spaced = (labels: string[]) => labels.map((text) => text.replace(/\s/g, ' '));
  test('name the currency as every other amount on the page does: "20 USD" in Ukrainian, as "88,00 USD" is written', () => {
    const uk = createMoneyFormatter('uk-UA', 'USD');
    assert.equal(uk.formatCents(8_800).replace(/\s/g, ' '), '88,00 USD');
    assert.deepEqual(spaced(uk.formatAxisCents([0, 2_000, 4_000])), ['0 USD', '20 USD', '40 USD']);
    assert.deepEqual(spaced(uk.formatAxisCents([-150_000_000, 0])), ['−1,5 млн USD', '0 USD']);
    assert.deepEqual(spaced(createMoneyFormatter('uk-UA', 'UAH').formatAxisCents([0, 150_000])), ['0 ₴', '1,5 тис. ₴']);
    assert.deepEqual(createMoneyFormatter('en-US', 'USD').formatAxisCents([0, 2_000, 4_000]), ['$0', '$20', '$40']);
    assert.deepEqual(createMoneyFormatter('en-US', 'CAD').formatAxisCents([150_000_000]), ['CA$1.5M']);
    assert.deepEqual(spaced(createMoneyFormatter('en-US', 'UAH').formatAxisCents([0, 2_000])), ['UAH 0', 'UAH 20'], 'as formatCents writes it: "UAH 88.00"');
  });

  test('have as many decimals as the ticks need, and cents two digits: "$0.20", never "$0.2"; a thousand and more compactly and exactly', () => {
    const en = createMoneyFormatter('en-US', 'USD');
    assert.deepEqual(en.formatAxisCents([0, 20, 40, 60]), ['$0.00', '$0.20', '$0.40', '$0.60']);
    assert.deepEqual(en.formatAxisCents([0, 50, 100, 150]), ['$0.00', '$0.50', '$1.00', '$1.50']);
    assert.deepEqual(en.formatAxisCents([0, 50_000, 100_000, 150_000]), ['$0', '$500', '$1K', '$1.5K'], '1.5K, not "2K"');
    assert.deepEqual(en.formatAxisCents([0, 25_000_000, 50_000_000, 100_000_000, 125_000_000]), ['$0', '$250K', '$500K', '$1M', '$1.25M']);
    assert.deepEqual(en.formatAxisCents([-40_000, -20_000, 0]), ['−$400', '−$200', '$0']);
    assert.deepEqual(spaced(createMoneyFormatter('uk-UA', 'USD').formatAxisCents([0, 20, 40])), ['0,00 USD', '0,20 USD', '0,40 USD']);
    // Every label is its tick: no two ticks of a nice scale read the same.
    for (const top of [3, 7, 120, 999, 1_500, 12_345, 99_999, 2_500_000, 7_777_777, 100_000_000_000]) {
      const ticks = Array.from({ length: 6 }, (_, i) => Math.round((top * i) / 5));
      const labels = en.formatAxisCents(ticks);
      assert.equal(new Set(labels).size, new Set(ticks).size, `${ticks.join(',')}: ${labels.join(' ')}`);
    }
  });
});

describe('currency marks in imported amounts', () => {
  test("the instance's currency is taken off before or after the number, with a sign or brackets around it", () => {
    const usd = currencyMarks('USD');
    assert.ok(usd.includes('$') && usd.includes('USD') && usd.indexOf('US$') < usd.indexOf('$'), usd.join(' '));
    for (const [input, expected] of [
      ['$12.50', '12.50'],
      ['-$5.00', '-5.00'],
      ['($1,234.56)', '(1,234.56)'],
      ['USD 12', '12'],
      ['12.00 usd', '12.00'],
      ['US$7', '7'],
      ['12.50', '12.50'],
      ['€12.50', '€12.50'],
      ['- $5.00', '-5.00'],
    ] as const) {
      assert.equal(withoutCurrencyMark(input, usd), expected, input);
    }
    // A sign other currencies share is not a Canadian Ledgerly's: "$5.00" stays unread, "CA$5.00" is its own.
    const cad = currencyMarks('CAD');
    assert.equal(withoutCurrencyMark('$5.00', cad), '$5.00');
    assert.equal(withoutCurrencyMark('CA$5.00', cad), '5.00');
    assert.equal(withoutCurrencyMark('5,00 zł', currencyMarks('PLN')), '5,00', 'a narrow sign no other currency has');
    const uah = currencyMarks('UAH');
    for (const [input, expected] of [
      ['12,50 грн', '12,50'],
      ['-1 234,56 грн.', '-1 234,56'],
      ['₴100', '100'],
      ['100 UAH', '100'],
      ['100 грн-', '100-'],
    ] as const) {
      assert.equal(withoutCurrencyMark(input, uah), expected, input);
    }
    // Read through the import's amount rule, each is exact.
    assert.deepEqual(parseAmount(withoutCurrencyMark('-$1,234.56', usd), { decimal: 'dot', sign: 'signed', accountingNegatives: true }), { ok: true, cents: 123_456, negative: true });
  });
});


describe("the money writing a page's script follows", () => {
  /** The shipped public/js/enhance.js itself, run as a browser would load it, its amount writer taken out of it. */
  const script = vm.createContext({ document: { addEventListener: () => {} }, window: { addEventListener: () => {} } });
  vm.runInContext(readFileSync(path.join(REPO_ROOT, 'public', 'js', 'enhance.js'), 'utf8'), script);
  const writeAsTheScript = (writing: MoneyWriting, cents: number): string => (script.ledgerlyWriteAmount as (w: MoneyWriting, c: number) => string)(writing, cents);

  test('Ukrainian hryvnias keep the server\'s sign, «₴», and its minus', () => {
    const money = createMoneyFormatter('uk-UA', 'UAH');
    assert.equal(writeAsTheScript(money.writing(), -250_000), '\u22122\u00a0500,00\u00a0₴');
    assert.equal(writeAsTheScript(money.writing(), -250_000), money.formatCents(-250_000));
  });

  test('in every locale and currency tried, the script writes every amount as formatCents does', () => {
    const cases = [['en-US', 'USD'], ['uk-UA', 'UAH'], ['de-DE', 'EUR'], ['pl-PL', 'PLN'], ['es-ES', 'EUR'], ['hi-IN', 'INR'], ['ar-EG', 'EGP'], ['fr-CH', 'CHF'], ['en-GB', 'GBP']] as const;
    for (const [locale, currency] of cases) {
      const money = createMoneyFormatter(locale, currency);
      const writing = money.writing();
      for (const cents of [0, 1, -1, 99, 100, -100, 123_456, 999_999, 1_000_000, -12_345_678, 123_456_789_012, -MAX_AMOUNT_CENTS]) {
        assert.equal(writeAsTheScript(writing, cents), money.formatCents(cents), `${locale} ${currency} ${cents}`);
      }
      fc.assert(fc.property(fc.integer({ min: -MAX_AMOUNT_CENTS * 10, max: MAX_AMOUNT_CENTS * 10 }), (cents) => writeAsTheScript(writing, cents) === money.formatCents(cents)), { numRuns: 300 });
    }
  });
});
