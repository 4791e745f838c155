import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSessionSealer } from '../../src/web/session-secrets.ts';

const SECRET = 'a session secret of at least thirty-two characters';

test('a sealed secret opens only with the same session secret and for the same purpose, and a cut or changed tag opens to nothing', () => {
  const sealer = createSessionSealer(SECRET);
  const sealed = sealer.seal('api-token', 'lgy_example');
  assert.ok(!sealed.includes('lgy_example'));
  assert.equal(sealer.open('api-token', sealed), 'lgy_example');
  assert.notEqual(sealer.seal('api-token', 'lgy_example'), sealed, 'a new IV each time');
  assert.equal(sealer.open('recovery-codes', sealed), undefined, 'not moved to stand for another secret');
  assert.equal(createSessionSealer(`${SECRET}!`).open('api-token', sealed), undefined, 'another server secret');
  const [iv, body, tag] = sealed.split('.') as [string, string, string];
  const tagBytes = Buffer.from(tag, 'base64url');
  assert.equal(sealer.open('api-token', `${iv}.${body}.${tagBytes.subarray(0, 4).toString('base64url')}`), undefined, 'a tag cut to 4 bytes');
  tagBytes[0]! ^= 1;
  assert.equal(sealer.open('api-token', `${iv}.${body}.${tagBytes.toString('base64url')}`), undefined, 'a changed tag');
  for (const junk of [undefined, 42, '', 'a.b', 'a.b.c']) assert.equal(sealer.open('api-token', junk), undefined);
});
