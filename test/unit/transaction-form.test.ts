import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Category } from '../../src/db/repos/categories.ts';
import { parseTransactionForm, transactionFormValuesFrom } from '../../src/web/forms/transaction-form.ts';

const categories: Category[] = [
  { id: 1, kind: 'income', name: 'Salary' },
  { id: 2, kind: 'expense', name: 'Groceries' },
];
const base = { type: 'expense', amount: '12.30', date: '2026-03-04', description: ' Bread ' };

describe('transaction form with categories', () => {
  test('no category, or one of the same type from the user’s list, is accepted', () => {
    const none = parseTransactionForm({ ...base, category: '' }, '2026-03-05', categories);
    assert.ok(none.ok);
    assert.equal(none.value.categoryId, null);
    const missingField = parseTransactionForm(base, '2026-03-05', categories);
    assert.ok(missingField.ok && missingField.value.categoryId === null);
    const chosen = parseTransactionForm({ ...base, category: '2' }, '2026-03-05', categories);
    assert.ok(chosen.ok);
    assert.deepEqual(chosen.value, { type: 'expense', amountCents: 1230, occurredOn: '2026-03-04', description: 'Bread', categoryId: 2 });
  });

  test('a category of the other type, an unknown id or a repeated field is a message on the category field', () => {
    for (const category of ['1', '3', '2abc', ['2', '2']]) {
      const result = parseTransactionForm({ ...base, category }, '2026-03-05', categories);
      assert.equal(result.ok, false, String(category));
      if (!result.ok) assert.deepEqual(Object.keys(result.errors), ['category'], String(category));
    }
  });

  test('with an invalid type only the type is reported, not the category as well', () => {
    const result = parseTransactionForm({ ...base, type: 'transfer', category: '2' }, '2026-03-05', categories);
    assert.ok(!result.ok && result.errors.type && !result.errors.category);
  });

  test('an existing transaction fills the form as the user would type it and parses back to itself', () => {
    const tx = { type: 'income' as const, amountCents: 123456, occurredOn: '2026-01-31', description: 'Pay', categoryId: 1 };
    const values = transactionFormValuesFrom(tx);
    assert.deepEqual(values, { type: 'income', amount: '1234.56', date: '2026-01-31', description: 'Pay', category: '1' });
    const parsed = parseTransactionForm(values, '2026-03-05', categories);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, { type: 'income', amountCents: 123456, occurredOn: '2026-01-31', description: 'Pay', categoryId: 1 });
  });
});
