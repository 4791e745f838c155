import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { categoryNameKey, MAX_CATEGORY_NAME_CHARS, normaliseCategoryName, repairCategoryName } from '../../src/domain/categories.ts';

test('a name is trimmed and every run of spaces, of any kind, becomes one plain space', () => {
  for (const [raw, name] of [
    ['  Eating out  ', 'Eating out'],
    ['Eating  out', 'Eating out'],
    ['Eating\u00a0out', 'Eating out'],
    ['Eating \u202f\u2003 out', 'Eating out'],
    ['Groceries\n', 'Groceries'],
  ]) {
    assert.deepEqual(normaliseCategoryName(raw!), { ok: true, name }, JSON.stringify(raw));
  }
});

test('a name is stored in Unicode NFC, so composed and decomposed letters are one name', () => {
  assert.deepEqual(normaliseCategoryName('Cafe\u0301'), { ok: true, name: 'Caf\u00e9' });
  assert.equal(categoryNameKey('Caf\u00e9'), categoryNameKey((normaliseCategoryName('CAFE\u0301') as { name: string }).name));
});

test('control characters inside a name, tabs and line breaks among them, are refused', () => {
  for (const raw of ['Eating\tout', 'Eating\nout', 'Eating\r\nout', 'a\u0000b', 'a\u007fb']) {
    assert.deepEqual(normaliseCategoryName(raw), { ok: false, problem: 'control-characters' }, JSON.stringify(raw));
  }
});

test('an empty name and one over the limit are refused; the limit counts characters, not UTF-16 units', () => {
  assert.deepEqual(normaliseCategoryName(' \u00a0 '), { ok: false, problem: 'empty' });
  assert.deepEqual(normaliseCategoryName('x'.repeat(MAX_CATEGORY_NAME_CHARS + 1)), { ok: false, problem: 'too-long' });
  assert.equal(normaliseCategoryName('🍕'.repeat(MAX_CATEGORY_NAME_CHARS)).ok, true);
});

test('names that differ only by case, in any script, share one key', () => {
  assert.equal(categoryNameKey('Eating out'), categoryNameKey('EATING OUT'));
  assert.equal(categoryNameKey('Über'), categoryNameKey('über'));
  assert.equal(categoryNameKey('Їжа'), categoryNameKey('їжа'));
  assert.notEqual(categoryNameKey('Rent'), categoryNameKey('Rant'));
});

test('normalising is idempotent, and whatever it accepts is a name a person can type back', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', 'B', ' ', '\u00a0', '\t', 'é', 'e\u0301', '\u2003', '\n') , maxLength: 70 }), (raw) => {
      const first = normaliseCategoryName(raw);
      if (!first.ok) return;
      assert.deepEqual(normaliseCategoryName(first.name), first);
      assert.doesNotMatch(first.name, /^\s|\s$|\s\s|[\t\n]/u);
    }),
  );
});

test('a stored name from before the rule is repaired into one that passes it', () => {
  assert.equal(repairCategoryName('Eating\tout', 'fallback'), 'Eating out');
  assert.equal(repairCategoryName(' \u00a0', 'Unnamed category 7'), 'Unnamed category 7');
  assert.equal([...repairCategoryName('y'.repeat(70), 'fallback')].length, MAX_CATEGORY_NAME_CHARS);
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (stored) => {
      const repaired = repairCategoryName(stored, 'Unnamed');
      assert.deepEqual(normaliseCategoryName(repaired), { ok: true, name: repaired });
    }),
  );
});

test('bidirectional overrides and isolates are refused, and a name must show something; direction marks, joiners and emoji stay', () => {
  // U+202E RIGHT-TO-LEFT OVERRIDE showed the rest of the name reversed; the isolates U+2066-U+2069 too.
  for (const raw of ['\u202eselbategeV', 'Food \u2067x\u2069', '\u202aGroceries\u202c']) {
    assert.deepEqual(normaliseCategoryName(raw), { ok: false, problem: 'control-characters' }, JSON.stringify(raw));
  }
  // Zero-width spaces, marks or joiners alone look like no name at all.
  for (const raw of ['\u200b', '\u200e\u200f', '\u0301\u0301', '\u200d', '\u3164', '\u2800', '\u115f\u1160']) {
    assert.deepEqual(normaliseCategoryName(raw), { ok: false, problem: 'invisible' }, JSON.stringify(raw));
  }
  for (const name of ['קפה\u200e 2', '👨\u200d👩\u200d👧 Family', 'मित्र', '€ savings', '10%']) {
    assert.deepEqual(normaliseCategoryName(name), { ok: true, name: name.normalize('NFC') }, JSON.stringify(name));
  }
  // A stored name holding an override is repaired into a readable one, not replaced.
  assert.equal(repairCategoryName('Rent\u202e shared', 'fallback'), 'Rent shared');
  assert.equal(repairCategoryName(`${'\u200b'.repeat(61)}Groceries`, 'Unnamed category 3'), 'Unnamed category 3', 'cut to its invisible start, it is no name');
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '\u200b', '\u202e', '\u0301', '\t', '\u2066', 'ß'), maxLength: 90 }), (stored) => {
      const repaired = repairCategoryName(stored, 'Unnamed');
      assert.deepEqual(normaliseCategoryName(repaired), { ok: true, name: repaired });
    }),
  );
});
