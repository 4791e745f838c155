import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { commonPasswords, isCommonPassword, newPasswordProblem as passwordProblem } from '../../src/services/passwords.ts';
import { PASSWORD_MESSAGES } from '../../src/web/messages.ts';
import { inEnglish, inUkrainian } from '../helpers/i18n.ts';

test('the list holds at least 10,000 passwords and is built once', () => {
  const list = commonPasswords();
  assert.ok(list.size >= 10_000, `only ${list.size}`);
  assert.equal(commonPasswords(), list, 'the same list every time');
});

test('every password of the source list is found, and words between or around them are not', () => {
  const file = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/src/passwords.json');
  const source = (JSON.parse(readFileSync(file, 'utf8')) as string[]).map((p) => p.toLowerCase());
  const list = commonPasswords();
  assert.equal(list.size, new Set(source).size);
  for (const p of source) assert.equal(list.has(p), true, p);
  const known = new Set(source);
  // Neighbours in sort order: one character more, one less, the last one changed; none is on the list unless it is.
  for (const p of source.slice(0, 5000)) {
    for (const near of [`${p}!`, p.slice(0, -1), `${p.slice(0, -1)}\u{10FFFF}`, `${p}\u0000`, '']) {
      assert.equal(list.has(near), known.has(near), JSON.stringify(near));
    }
  }
});

test('well-known passwords are common whatever their case or surrounding spaces', () => {
  for (const p of ['password', 'Password1', 'QWERTYUIOP', ' iloveyou ', 'trustno1', 'football', '12345678']) {
    assert.equal(isCommonPassword(p), true, p);
  }
});

test('a long personal phrase is not common', () => {
  for (const p of ['correct horse battery', 'my cat eats pancakes at 7', 'Ledgerly-2026-house-budget!']) {
    assert.equal(isCommonPassword(p), false, p);
  }
});

test('common passwords of a valid length are refused, with the clear message', () => {
  assert.equal(passwordProblem('password1'), 'common');
  assert.equal(passwordProblem('baseball1'), 'common');
  assert.equal(passwordProblem('correct horse battery'), undefined);
  assert.match(inEnglish(PASSWORD_MESSAGES.common), /most common passwords/);
  assert.match(inUkrainian(PASSWORD_MESSAGES.common), /найпоширеніших/);
});

test('short passwords still get the length problem first', () => {
  assert.equal(passwordProblem('123456'), 'too-short');
  assert.match(inEnglish(PASSWORD_MESSAGES['too-short']), /at least 8 characters/);
  assert.match(inUkrainian(PASSWORD_MESSAGES['too-short']), /щонайменше 8 символів/);
});
