import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFragmentCache } from '../../src/web/fragment-cache.ts';

test('a fragment is made once per key, kept while used, and the least recently used goes first when full', () => {
  const cache = createFragmentCache<string>(2);
  const made: string[] = [];
  const get = (key: string) => cache.get(key, () => (made.push(key), `<${key}>`));
  assert.equal(get('a'), '<a>');
  assert.equal(get('a'), '<a>');
  get('b');
  get('a'); // a is now the most recently used
  get('c'); // full: b goes
  assert.equal(cache.size, 2);
  get('a');
  get('b');
  assert.deepEqual(made, ['a', 'b', 'c', 'b']);
});
