import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonPasswords, isCommonPassword } from '../../src/services/common-passwords.ts';
import { COMMON_PASSWORD_MESSAGE, passwordProblem } from '../../src/services/passwords.ts';

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

test('passwordProblem refuses common passwords of a valid length with the clear message', () => {
  assert.equal(passwordProblem('password1'), COMMON_PASSWORD_MESSAGE);
  assert.equal(passwordProblem('baseball1'), COMMON_PASSWORD_MESSAGE);
  assert.equal(passwordProblem('correct horse battery'), undefined);
  assert.match(COMMON_PASSWORD_MESSAGE, /common passwords/);
});

test('short passwords still get the length message first', () => {
  assert.match(passwordProblem('123456') ?? '', /at least 8 characters/);
});
