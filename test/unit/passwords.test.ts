import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PASSWORD_BYTES } from '../../src/domain/users.ts';
import { createPasswordHasher, newPasswordProblem as passwordProblem } from '../../src/services/passwords.ts';

test('passwords of 8 characters up to 72 UTF-8 bytes are allowed', () => {
  assert.equal(passwordProblem('abcdefgh'), undefined);
  assert.equal(passwordProblem('a'.repeat(72)), undefined);
  // 24 three-byte characters are exactly 72 bytes.
  assert.equal(passwordProblem('€'.repeat(24)), undefined);
});

test('short passwords are refused', () => {
  assert.equal(passwordProblem('abcdefg'), 'too-short');
});

test('passwords over 72 bytes are refused rather than silently truncated, counting bytes not characters', () => {
  assert.equal(passwordProblem('a'.repeat(73)), 'too-long');
  // 25 euro signs are only 25 characters but 75 bytes.
  assert.equal(passwordProblem('€'.repeat(25)), 'too-long');
  assert.equal(Buffer.byteLength('€'.repeat(25)), 75);
  assert.equal(MAX_PASSWORD_BYTES, 72);
});

test('a hash verifies its own password and nothing else', async () => {
  const hasher = createPasswordHasher(4);
  const hash = await hasher.hashPassword('correct horse battery');
  assert.match(hash, /^\$2[aby]\$04\$/);
  assert.equal(await hasher.verifyPassword('correct horse battery', hash), true);
  assert.equal(await hasher.verifyPassword('correct horse batterY', hash), false);
  assert.equal(await hasher.verifyPassword('correct horse battery', undefined), false);
});

test('a password longer than 72 bytes never verifies, even when its first 72 bytes match', async () => {
  const hasher = createPasswordHasher(4);
  const base = 'x'.repeat(72);
  const hash = await hasher.hashPassword(base);
  assert.equal(await hasher.verifyPassword(base, hash), true);
  assert.equal(await hasher.verifyPassword(`${base}extra`, hash), false);
});
