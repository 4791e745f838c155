import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSKEY_NAME_MAX, passkeyNameForAdding, passkeyNameProblem } from '../../src/domain/passkeys.ts';

test('a renamed passkey needs a name of 1 to 60 characters without control characters', () => {
  assert.equal(passkeyNameProblem('Work laptop'), undefined);
  assert.equal(passkeyNameProblem('  '), 'empty');
  assert.equal(passkeyNameProblem('Phone\u0000'), 'control-characters');
  assert.equal(passkeyNameProblem('Phone\u0085'), 'control-characters', 'a C1 control too');
  assert.equal(passkeyNameProblem('😀'.repeat(PASSKEY_NAME_MAX)), undefined, 'sixty characters, though 120 UTF-16 units');
  assert.equal(passkeyNameProblem('😀'.repeat(PASSKEY_NAME_MAX + 1)), 'too-long');
});

test('a passkey being added keeps a cleaned name rather than being refused after the browser made it', () => {
  assert.equal(passkeyNameForAdding('  Work\tlaptop\n'), 'Work laptop');
  assert.equal(passkeyNameForAdding('Phone\u0000\u001b[31m'), 'Phone [31m');
  assert.equal(passkeyNameForAdding('\u0007'), '', 'nothing left: the default name is used');
  // Cut at 60 characters, never inside one: 59 letters and an emoji fit; a second emoji does not.
  const cut = passkeyNameForAdding(`${'a'.repeat(59)}😀😀`);
  assert.equal(cut, `${'a'.repeat(59)}😀`);
  assert.equal([...cut].length, PASSKEY_NAME_MAX);
  for (const name of [cut, passkeyNameForAdding('x\u0085y'), passkeyNameForAdding(' '.repeat(100))]) assert.equal(passkeyNameProblem(name || 'Passkey'), undefined, JSON.stringify(name));
  // A flag is two code points and one character: cut before it or after it, never between its halves.
  const flag = '\u{1F1FA}\u{1F1E6}';
  assert.equal(passkeyNameForAdding(`${'a'.repeat(59)}${flag}${flag}`), `${'a'.repeat(59)}${flag}`);
  assert.equal(passkeyNameProblem(flag.repeat(PASSKEY_NAME_MAX)), undefined, 'sixty flags are sixty characters');
  // A name that reads backwards from a right-to-left override is not a name.
  assert.equal(passkeyNameProblem('Phone\u202Eenohp'), 'control-characters');
  assert.equal(passkeyNameForAdding('Phone\u202Eenohp'), 'Phone enohp');
});
