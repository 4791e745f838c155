import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFor, appOn, createTestContext, postForm, registerUser, TEST_PASSWORD } from '../helpers/app.ts';

const costOf = (hash: string) => Number(/^\$2[aby]\$(\d\d)\$/.exec(hash)?.[1]);

test('a hash made at a lower cost than BCRYPT_COST is replaced at the next sign-in, and never by a wrong password or a lower cost', async (t) => {
  const ctx = createTestContext({ BCRYPT_COST: '4' });
  t.after(() => ctx.cleanup());
  await registerUser(ctx.app, 'ann@example.com');
  const hash = () => String(ctx.db.prepare("SELECT password_hash FROM users WHERE email = 'ann@example.com'").pluck().get());
  const first = hash();
  assert.equal(costOf(first), 4);

  // The owner raises the cost and restarts.
  const stronger = appOn(ctx.db, { BCRYPT_COST: '5', DATABASE_PATH: ctx.dbPath });
  const wrong = await postForm(agentFor(stronger), '/login', '/login', { email: 'ann@example.com', password: 'not the password' });
  assert.equal(wrong.status, 401);
  assert.equal(hash(), first, 'a wrong password changes nothing');

  const right = await postForm(agentFor(stronger), '/login', '/login', { email: 'ann@example.com', password: TEST_PASSWORD });
  assert.equal(right.status, 303);
  const rehashed = hash();
  assert.equal(costOf(rehashed), 5, 'rehashed at the new cost in the same request');
  // The new hash opens the account; the old cost is gone.
  assert.equal((await postForm(agentFor(stronger), '/login', '/login', { email: 'ann@example.com', password: TEST_PASSWORD })).status, 303);
  assert.equal(hash(), rehashed, 'a hash at the configured cost is left alone');

  // Lowering the cost again never weakens a stored hash.
  const weaker = appOn(ctx.db, { BCRYPT_COST: '4', DATABASE_PATH: ctx.dbPath });
  assert.equal((await postForm(agentFor(weaker), '/login', '/login', { email: 'ann@example.com', password: TEST_PASSWORD })).status, 303);
  assert.equal(hash(), rehashed);
});
