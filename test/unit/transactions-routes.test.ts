import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCursor } from '../../src/domain/transactions.ts';
import { editReturnPath, parseBulkForm, parseSelectedIds } from '../../src/web/forms/bulk-form.ts';
import { listUrl, parseCursor } from '../../src/web/forms/transaction-filter.ts';

describe('transactions page helpers', () => {
  test('selected ids keep well-formed positive ids once each and drop everything else', () => {
    assert.deepEqual(parseSelectedIds(['3', '1', '3', '0', '-2', 'x', '9007199254740993', '  4', '5']), [3, 1, 5]);
    assert.deepEqual(parseSelectedIds('7'), [7]);
    assert.deepEqual(parseSelectedIds(undefined), []);
    assert.deepEqual(parseSelectedIds({ a: '1' }), []);
  });

  test('a bulk form says what it asks for, or what is missing, and never returns to another site', () => {
    assert.deepEqual(parseBulkForm({ ids: ['1', '2'], action: 'delete', back: '/transactions?q=tea' }), { action: 'delete', ids: [1, 2], back: '/transactions?q=tea' });
    assert.deepEqual(parseBulkForm({ ids: '1', action: 'set-category', category: 'none' }), { action: 'set-category', ids: [1], back: '/transactions', categoryId: null });
    assert.deepEqual(parseBulkForm({ ids: '1', action: 'set-category', category: '12', back: '//evil.example' }), {
      action: 'set-category',
      ids: [1],
      back: '/transactions',
      categoryId: 12,
    });
    assert.deepEqual(parseBulkForm({ action: 'delete' }), { action: 'invalid', ids: [], back: '/transactions', problem: 'no-rows' });
    assert.deepEqual(parseBulkForm({ ids: '1', action: 'set-category', category: 'x' }), { action: 'invalid', ids: [1], back: '/transactions', problem: 'no-category' });
    assert.deepEqual(parseBulkForm({ ids: '1', action: ['delete', 'delete'] }), { action: 'invalid', ids: [1], back: '/transactions', problem: 'no-action' });
    assert.equal(parseBulkForm({ ids: Array.from({ length: 150 }, (_, i) => String(i + 1)), action: 'delete' }).ids.length, 100);
  });

  test('a cursor written into a link reads back the same', () => {
    const cursor = { occurredOn: '2026-02-28', id: 123 };
    assert.deepEqual(parseCursor(formatCursor(cursor)), cursor);
    for (const bad of ['2026-02-30.1', '2026-02-28.0', '2026-02-28', '.5', 5, undefined, '2026-02-28.99999999999999999']) {
      assert.equal(parseCursor(bad), null, String(bad));
    }
  });

  test('list links keep the filter and add the cursor after it', () => {
    assert.equal(listUrl({}), '/transactions');
    assert.equal(listUrl({ type: 'income', search: 'a&b' }, { occurredOn: '2026-01-02', id: 9 }), '/transactions?type=income&q=a%26b&after=2026-01-02.9');
  });

  test('an edit returns only to the transactions list or the dashboard', () => {
    assert.equal(editReturnPath('/transactions?q=tea'), '/transactions?q=tea');
    assert.equal(editReturnPath('/dashboard?period=2026'), '/dashboard?period=2026');
    for (const bad of ['//evil.example', 'https://evil.example/transactions', '/transactionsx', '/account', undefined]) {
      assert.equal(editReturnPath(bad), '/transactions', String(bad));
    }
  });
});
