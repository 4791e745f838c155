import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PASSWORD_BYTES } from '../../src/domain/users.ts';
import { createPasswordHasher, newPasswordProblem as passwordProblem } from '../../src/services/passwords.ts';

test('passwords of 8 characters up to 72 UTF-8 bytes are allowed', () => {
  assert.equal(passwordProblem('abcdefgh'), undefined);
  assert.equal(passwordProblem('abcd'.repeat(18)), undefined);
  // 24 three-byte characters are exactly 72 bytes.
  assert.equal(passwordProblem('€₴₽₹'.repeat(6)), undefined);
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

test('guessable passwords are refused: a few characters repeated, only spaces, the email or its name, the app\'s name', () => {
  for (const password of ['aaaaaaaa', '        ', 'abababab', 'abcabcabc', '   x   x   ']) assert.equal(passwordProblem(password), 'guessable', JSON.stringify(password));
  assert.equal(passwordProblem('my ledgerly pass'), 'guessable');
  assert.equal(passwordProblem('LEDGERLY-2026!'), 'guessable');
  assert.equal(passwordProblem('olena.k@example.com', 'olena.k@example.com'), 'guessable');
  assert.equal(passwordProblem('Olena.K 2026 !', ' Olena.K@Example.com '), 'guessable', 'the part before the @, in any case');
  assert.equal(passwordProblem('Olena.K 2026 !', 'someone@example.com'), undefined, 'only the person\'s own email counts');
  assert.equal(passwordProblem('al is a long pass', 'al@example.com'), undefined, 'a short name is too common a fragment to refuse');
  assert.equal(passwordProblem('channel-rocket-99', 'ann@example.com'), undefined, '"ann" inside "channel" is no guess');
  assert.equal(passwordProblem('annann', 'ann@example.com'), 'too-short');
  assert.equal(passwordProblem('ann@example.com', 'ann@example.com'), 'guessable', 'the email itself');
  assert.equal(passwordProblem('tram 4 by 9'), undefined, 'four different characters are enough here; length does the rest');
  // The README's examples: inside a longer password, a name counts from five characters.
  assert.equal(passwordProblem('maria.k2026!', 'maria.k@example.com'), 'guessable');
  assert.equal(passwordProblem('channel42x', 'ann@example.com'), undefined);
  assert.equal(passwordProblem('annie2026!', 'annie@example.com'), 'guessable', 'five characters');
  assert.equal(passwordProblem('annabel99', 'anna@example.com'), undefined, 'four characters');
  assert.equal(passwordProblem('Anna.Kowalska', 'anna.kowalska@example.com'), 'guessable', 'the whole name, in any case');
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

test('after BCRYPT_COST is raised, a wrong password for an account whose hash has the old cost does at least the bcrypt work of an unknown email (counted, not timed)', async () => {
  const bcrypt = (await import('bcrypt')).default;
  const work: number[] = [];
  const counting = {
    hash: bcrypt.hash.bind(bcrypt),
    compare: (password: string, hash: string) => {
      work.push(Number(/^\$2[aby]\$(\d\d)\$/.exec(hash)![1]));
      return bcrypt.compare(password, hash);
    },
  } as Parameters<typeof createPasswordHasher>[1];
  const oldHash = await createPasswordHasher(4).hashPassword('the right password');
  const hasher = createPasswordHasher(5, counting);
  /** bcrypt's work for a cost is 2^cost rounds. */
  const rounds = () => work.splice(0).reduce((sum, c) => sum + 2 ** c, 0);

  assert.equal(await hasher.verifyPassword('a wrong password', undefined), false);
  const unknownEmail = rounds();
  assert.equal(unknownEmail, 2 ** 5);
  assert.equal(await hasher.verifyPassword('a wrong password', oldHash), false);
  const knownEmail = rounds();
  assert.ok(knownEmail >= unknownEmail, `a wrong password for a known account did ${knownEmail} rounds, an unknown email ${unknownEmail}`);
  // The right password is not slowed: it signs in, and the sign-in redoes the hash at the new cost anyway.
  assert.equal(await hasher.verifyPassword('the right password', oldHash), true);
  assert.deepEqual(work.splice(0), [4]);
  // At the current cost, a wrong password costs one comparison, as before.
  const currentHash = await hasher.hashPassword('the right password');
  assert.equal(await hasher.verifyPassword('a wrong password', currentHash), false);
  assert.deepEqual(work.splice(0), [5]);
});
