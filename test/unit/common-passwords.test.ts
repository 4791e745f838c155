import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonPasswords, isCommonPassword, newPasswordProblem as passwordProblem } from '../../src/services/passwords.ts';
import { COMMON_PASSWORD_MESSAGE, PASSWORD_MESSAGES } from '../../src/web/messages.ts';

test('the list holds at least 10,000 passwords and is built once', () => {
  const list = commonPasswords();
  assert.ok(list.size >= 10_000, `only ${list.size}`);
  assert.equal(commonPasswords(), list, 'the same Set every time');
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
  assert.equal(PASSWORD_MESSAGES.common, COMMON_PASSWORD_MESSAGE);
  assert.match(COMMON_PASSWORD_MESSAGE, /common passwords/);
});

test('short passwords still get the length problem first', () => {
  assert.equal(passwordProblem('123456'), 'too-short');
  assert.match(PASSWORD_MESSAGES['too-short'], /at least 8 characters/);
});
