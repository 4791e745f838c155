import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTransactionForm as parseWith, transactionFormValuesFrom } from '../../src/web/forms/transaction-form.ts';
import { english, inEnglish, inUkrainian, ukrainian } from '../helpers/i18n.ts';

/** The form as an English page reads it. */
const parseTransactionForm = (body: unknown, today: string) => parseWith(body, today, english);

const base = { type: 'expense', amount: '12.30', date: '2026-03-04', description: ' Bread ' };
const TODAY = '2026-03-05';

describe('the transaction form', () => {
  test('a full form becomes a transaction draft: cents from the text, the description trimmed', () => {
    const chosen = parseTransactionForm({ ...base, category: '2', account: '3' }, TODAY);
    assert.ok(chosen.ok);
    assert.deepEqual(chosen.value, { accountId: 3, type: 'expense', amountCents: 1230, occurredOn: '2026-03-04', description: 'Bread', categoryId: 2 });
    const defaulted = parseTransactionForm({ ...base, category: '2' }, TODAY);
    assert.ok(defaulted.ok && defaulted.value.accountId === null, 'no account field: the service picks the default');
    for (const account of ['x', '0', ['1', '2']]) {
      const bad = parseTransactionForm({ ...base, account }, TODAY);
      assert.ok(!bad.ok && inEnglish(bad.errors.account) !== '', String(account));
    }
  });

  test('a transfer leg is no type the form takes: it is refused beside the field, never passed to the database', () => {
    for (const type of ['transfer_in', 'transfer_out', 'refund', '']) {
      const result = parseTransactionForm({ ...base, type }, TODAY);
      assert.ok(!result.ok && inEnglish(result.errors.type) !== '', type);
    }
  });

  test('an id too large to be exact gets the field\'s own message in the page\'s language, never the parser\'s English', () => {
    // 16 digits fit the id pattern but not an exact integer: checked after the number was made, zod reported "Invalid input".
    for (const field of ['account', 'category'] as const) {
      const result = parseTransactionForm({ ...base, [field]: '9999999999999999' }, TODAY);
      assert.ok(!result.ok);
      const key = field === 'account' ? 'validation.account.choose' : 'validation.category.choose';
      assert.deepEqual(result.errors[field], { key }, field);
      assert.doesNotMatch(inUkrainian(result.errors[field]), /Invalid|input/);
    }
    const largest = parseTransactionForm({ ...base, account: String(Number.MAX_SAFE_INTEGER) }, TODAY);
    assert.ok(largest.ok && largest.value.accountId === Number.MAX_SAFE_INTEGER);
  });

  test('no category, or no category field at all, means none; an empty date means today', () => {
    const none = parseTransactionForm({ ...base, category: '' }, TODAY);
    assert.ok(none.ok && none.value.categoryId === null);
    const missingField = parseTransactionForm({ ...base, date: '' }, TODAY);
    assert.ok(missingField.ok && missingField.value.categoryId === null);
    assert.ok(missingField.ok && missingField.value.occurredOn === TODAY);
  });

  test('a category that is not an id, or a repeated field, is a message on the category field only', () => {
    for (const category of ['2abc', '0', '-1', '99999999999999999', ['2', '2']]) {
      const result = parseTransactionForm({ ...base, category }, TODAY);
      assert.equal(result.ok, false, String(category));
      if (!result.ok) assert.deepEqual(Object.keys(result.errors), ['category'], String(category));
    }
  });

  test('every field with a problem gets its own message, and the typed values come back unchanged', () => {
    const body = { type: 'transfer', amount: '12.345', date: '2026-02-30', description: 'x'.repeat(201), category: 'abc' };
    const result = parseTransactionForm(body, TODAY);
    assert.ok(!result.ok);
    const words = Object.fromEntries(Object.entries(result.errors).map(([field, m]) => [field, inEnglish(m)]));
    assert.deepEqual(words, {
      type: 'Choose Income or Expense.',
      amount: 'Use at most two decimal places.',
      date: 'Enter a real calendar date between 1900 and 2999.',
      description: 'Keep the description to 200 characters or fewer.',
      category: 'Choose one of your categories, or none.',
    });
    const ukrainianWords = Object.fromEntries(Object.entries(result.errors).map(([field, m]) => [field, inUkrainian(m)]));
    assert.equal(ukrainianWords.amount, 'Залиште не більше двох знаків після коми.');
    assert.equal(ukrainianWords.category, 'Виберіть одну зі своїх категорій або «Без категорії».');
    assert.deepEqual(result.values, { account: '', ...body });
  });

  test('amounts are read with the one amount parser and its form messages', () => {
    const message = (amount: unknown) => {
      const result = parseTransactionForm({ ...base, amount }, TODAY);
      return result.ok ? undefined : inEnglish(result.errors.amount);
    };
    assert.equal(message('1,234.56'), undefined);
    assert.equal(message(''), 'Enter an amount.');
    assert.equal(message(['1', '2']), 'Enter an amount.');
    assert.equal(message('-5'), 'Enter the amount without a minus sign; choose Expense for money going out.');
    assert.equal(message('1e3'), 'Enter an amount in numbers, like 12.50 or 1,234.56.');
    assert.equal(message('0'), 'Enter an amount greater than zero.');
    assert.equal(message('12.'), 'Enter digits after the decimal point, or leave it out.');
    assert.equal(message('1000000000.01'), 'Enter an amount no larger than 1,000,000,000.00.');
  });

  test('an existing transaction fills the form as the user would type it and parses back to itself', () => {
    const tx = { accountId: 7, status: 'uncleared' as const, type: 'income' as const, amountCents: 123456, occurredOn: '2026-01-31', description: 'Pay', categoryId: 1 };
    const values = transactionFormValuesFrom(tx, 'dot');
    assert.deepEqual(values, { account: '7', type: 'income', amount: '1234.56', date: '2026-01-31', description: 'Pay', category: '1' });
    const parsed = parseTransactionForm(values, TODAY);
    assert.ok(parsed.ok);
    const { status: _status, ...draft } = tx;
    assert.deepEqual(parsed.value, draft);
    const ukrainianValues = transactionFormValuesFrom(tx, 'comma');
    assert.equal(ukrainianValues.amount, '1234,56');
    const parsedBack = parseWith(ukrainianValues, TODAY, ukrainian);
    assert.ok(parsedBack.ok);
    assert.deepEqual(parsedBack.value, draft);
  });

  test('a Ukrainian page reads amounts with a decimal comma and space grouping, exact to the cent', () => {
    const cents = (amount: string) => {
      const result = parseWith({ ...base, amount }, TODAY, ukrainian);
      return result.ok ? result.value.amountCents : inUkrainian(result.errors.amount);
    };
    assert.equal(cents('12,50'), 1250);
    assert.equal(cents('1 234,56'), 123456);
    assert.equal(cents('1\u00a0234,56'), 123456, 'the no-break space Intl writes');
    assert.equal(cents('1\u202f234,56'), 123456, 'a narrow no-break space');
    assert.equal(cents('0,01'), 1);
    assert.equal(cents('999 999 999,99'), 99_999_999_999);
    // Refused exactly as the English form refuses its bad amounts, with the Ukrainian words.
    assert.equal(cents('12,345'), 'Залиште не більше двох знаків після коми.');
    // A dot does not group thousands here: 12.500 is a slip for 12,50 as often as not, and is refused, not saved as 12 500.
    assert.equal(cents('12.500'), 'Введіть суму цифрами, наприклад 12,50 або 1 234,56.');
    assert.equal(cents('1.234,56'), 'Введіть суму цифрами, наприклад 12,50 або 1 234,56.');
    assert.equal(cents('-5'), 'Введіть суму без знака мінус; для грошей, що витрачаються, виберіть «Витрата».');
    assert.equal(cents('1e3'), 'Введіть суму цифрами, наприклад 12,50 або 1 234,56.');
    // A decimal point is refused with the fix in the person's own number (a dot before two digits groups nothing).
    assert.equal(cents('12.50'), 'Дробову частину відокремте комою: 12,50.');
    assert.equal(cents('1 234.5'), 'Дробову частину відокремте комою: 1 234,5.');
    assert.equal(cents('12.505'), 'Введіть суму цифрами, наприклад 12,50 або 1 234,56.', 'three digits after a dot: refused, not twelve thousand');
    assert.equal(cents('0'), 'Введіть суму, більшу за нуль.');
    assert.equal(cents('12,'), 'Введіть цифри після десяткового роздільника або приберіть його.');
    assert.equal(cents('1 000 000 000,01'), 'Введіть суму, не більшу за 1\u00a0000\u00a0000\u00a0000,00.');
    assert.equal(cents(''), 'Введіть суму.');
    // And an English page does not read a decimal comma: 12,50 is not twelve and a half there.
    const englishComma = parseTransactionForm({ ...base, amount: '12,50' }, TODAY);
    assert.equal(englishComma.ok, false);
    assert.equal(englishComma.ok ? '' : inEnglish(englishComma.errors.amount), 'Use a decimal point here: 12.50.');
  });
});
