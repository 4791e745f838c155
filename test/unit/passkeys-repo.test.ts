/**
 * The passkeys repository: a credential is kept once, whoever sends it twice (the same browser answer posted to two
 * workers at once both pass the check before either writes; the second must not be a 500).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasskeysRepo } from '../../src/db/repos/passkeys.ts';
import { databaseFile } from '../helpers/databases.ts';

test('a credential already kept is not kept again, and adding it again is a plain false, not a constraint error', (t) => {
  const db = databaseFile(t);
  db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x'), ('b@example.com', 'x')").run();
  const passkeys = createPasskeysRepo(db);
  const key = { credentialId: 'cred-1', publicKey: new Uint8Array([1, 2, 3]), counter: 0, transports: ['internal'], name: 'Laptop', createdAt: 1 };
  assert.equal(passkeys.addPasskey(1, key), true);
  assert.equal(passkeys.addPasskey(1, { ...key, name: 'Laptop again' }), false);
  assert.equal(passkeys.addPasskey(2, { ...key, name: 'Not theirs' }), false, "another person cannot take it over");
  assert.deepEqual(passkeys.listPasskeys(1).map((p) => p.name), ['Laptop']);
  assert.deepEqual(passkeys.listPasskeys(2), []);
});
