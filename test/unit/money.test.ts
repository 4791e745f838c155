import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_AMOUNT_CENTS,
  centsToDecimalString,
  createMoneyFormatter,
  parseAmountToCents,
} from '../../src/services/money.ts';

describe('parseAmountToCents', () => {
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
      assert.deepEqual(parseAmountToCents(input), { ok: true, value: cents });
    });
  }

  const rejected: [unknown, RegExp][] = [
    ['', /Enter an amount/],
    ['   ', /Enter an amount/],
    ['0', /greater than zero/],
    ['0.00', /greater than zero/],
    ['-5', /minus sign/],
    ['-0.01', /minus sign/],
    ['1.005', /two decimal places/],
    ['12.', /digits after the decimal point/],
    ['1e3', /in numbers/],
    ['0x10', /in numbers/],
    ['Infinity', /in numbers/],
    ['NaN', /in numbers/],
    ['abc', /in numbers/],
    ['12abc', /in numbers/],
    ['1,23.45', /in numbers/],
    ['1,2345', /in numbers/],
    ['+5', /in numbers/],
    ['1 000', /in numbers/],
    ['1000000000.01', /no larger than/],
    ['99999999999999999999', /no larger than/],
    [undefined, /Enter an amount/],
    [['1', '2'], /Enter an amount/],
  ];
  for (const [input, message] of rejected) {
    test(`rejects ${JSON.stringify(input)} with a message`, () => {
      const result = parseAmountToCents(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, message);
    });
  }

  test('every whole number of cents in range survives being written as a decimal and read back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
        assert.deepEqual(parseAmountToCents(centsToDecimalString(cents)), { ok: true, value: cents });
      }),
    );
  });

  test('every amount formatted with thousands separators parses back to the same cents', () => {
    const money = createMoneyFormatter('en-US', 'USD');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
        assert.deepEqual(parseAmountToCents(money.formatCentsPlain(cents)), { ok: true, value: cents });
      }),
    );
  });

  test('no random text ever throws, and anything accepted is a whole number of cents in range', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const result = parseAmountToCents(text);
        if (result.ok) {
          assert.ok(Number.isSafeInteger(result.value));
          assert.ok(result.value >= 1 && result.value <= MAX_AMOUNT_CENTS);
        } else {
          assert.ok(result.error.length > 0);
        }
      }),
      { numRuns: 2000 },
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
    assert.equal(createMoneyFormatter('en-US', 'USD').formatCents(-5), '-$0.05');
    assert.equal(createMoneyFormatter('de-DE', 'EUR').formatCents(123456), '1.234,56\u00a0€');
  });

  test('large balances beyond float precision are formatted exactly', () => {
    // 2^53 + 1 cents cannot be represented after dividing by 100 as a float; the string path keeps it exact.
    const money = createMoneyFormatter('en-US', 'USD');
    assert.equal(money.formatCents(9_007_199_254_740_991), '$90,071,992,547,409.91');
  });
});
