import { inEnglish } from '../helpers/i18n.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  filterToQueryString,
  MAX_SEARCH_CHARS,
  parseTransactionFilter,
  readTransactionFilter,
} from '../../src/web/forms/transaction-filter.ts';

describe('transaction filter', () => {
  test('valid parameters become a typed filter', () => {
    assert.deepEqual(parseTransactionFilter({ from: '2026-01-01', to: '2026-01-31', type: 'income', category: '12', q: ' rent ' }), {
      fromOn: '2026-01-01',
      toOn: '2026-01-31',
      type: 'income',
      categoryId: 12,
      search: 'rent',
    });
    assert.deepEqual(parseTransactionFilter({ category: 'none' }), { categoryId: 'none' });
    assert.deepEqual(parseTransactionFilter({}), {});
  });

  test('invalid parameters are ignored and reported per field, never thrown', () => {
    const { filter, errors } = readTransactionFilter({ from: '2026-02-30', to: 'soon', type: 'transfer', category: '-3', q: ['a', 'b'] });
    assert.deepEqual(filter, {});
    // q given twice is named too: it was quietly dropped.
    assert.deepEqual(Object.keys(errors).sort(), ['category', 'from', 'q', 'to', 'type']);
    assert.deepEqual(parseTransactionFilter(null), {});
    assert.deepEqual(parseTransactionFilter('from=2026-01-01'), {});
    assert.deepEqual(parseTransactionFilter({ category: '99999999999999999999' }), {});
  });

  test('a reversed date range is dropped with a message', () => {
    const { filter, errors } = readTransactionFilter({ from: '2026-03-01', to: '2026-02-01', type: 'expense' });
    assert.deepEqual(filter, { type: 'expense' });
    assert.match(inEnglish(errors.to), /before the start date/);
  });

  test('an overlong search is cut to the limit and reported', () => {
    const { filter, errors } = readTransactionFilter({ q: 'é'.repeat(MAX_SEARCH_CHARS + 5) });
    assert.equal([...(filter.search ?? '')].length, MAX_SEARCH_CHARS);
    assert.ok(errors.q);
  });

  test('writing a filter to a query string and reading it back gives the same filter', () => {
    const day = fc
      .record({ y: fc.integer({ min: 1900, max: 2999 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
      .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    const filter = fc.record(
      {
        fromOn: day,
        toOn: day,
        type: fc.constantFrom('income' as const, 'expense' as const),
        categoryId: fc.oneof(fc.constant('none' as const), fc.integer({ min: 1, max: 2 ** 40 })),
        search: fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.trim()).filter((s) => s !== ''),
      },
      { requiredKeys: [] },
    ).filter((f) => f.fromOn === undefined || f.toOn === undefined || f.fromOn <= f.toOn);
    fc.assert(
      fc.property(filter, (f) => {
        const query = Object.fromEntries(new URLSearchParams(filterToQueryString(f)));
        // fast-check builds records without a prototype; compare plain copies.
        assert.deepEqual(parseTransactionFilter(query), { ...f });
      }),
    );
  });
});
