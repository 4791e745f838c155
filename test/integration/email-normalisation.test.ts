import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFor, createTestContext, postForm, registerUser, TEST_PASSWORD } from '../helpers/app.ts';

const PRECOMPOSED = 'ren\u00e9@example.com';
const DECOMPOSED = 'rene\u0301@example.com';

test('registration refuses control and invisible characters in an email with a message beside the field, and creates nothing', async (t) => {
  const ctx = createTestContext({ REGISTRATION: 'open' });
  t.after(() => ctx.cleanup());
  for (const email of ['ann\u200b@example.com', 'ann@exa\u202emple.com', 'ann\u001b[2J@example.com', '\u2066ann@example.com', 'ann\u00ad@example.com']) {
    const res = await postForm(agentFor(ctx.app), '/register', '/register', { email, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
    assert.equal(res.status, 422, JSON.stringify(email));
    assert.match(res.text, /id="email-error".*An email address cannot hold control or invisible characters/, JSON.stringify(email));
  }
  assert.equal(ctx.db.prepare('SELECT count(*) FROM users').pluck().get(), 0);
});

test('an email is one account in NFC and NFD: registered decomposed it is stored composed, the composed twin is taken, and either spelling signs in', async (t) => {
  const ctx = createTestContext({ REGISTRATION: 'open' });
  t.after(() => ctx.cleanup());
  await registerUser(ctx.app, DECOMPOSED.toUpperCase());
  assert.deepEqual(ctx.db.prepare('SELECT email FROM users').pluck().all(), [PRECOMPOSED]);
  const twin = await postForm(agentFor(ctx.app), '/register', '/register', { email: PRECOMPOSED, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD });
  assert.equal(twin.status, 422);
  assert.match(twin.text, /An account with this email already exists/);
  for (const email of [PRECOMPOSED, DECOMPOSED, ` ${DECOMPOSED.toUpperCase()} `]) {
    const res = await postForm(agentFor(ctx.app), '/login', '/login', { email, password: TEST_PASSWORD });
    assert.equal(res.status, 303, JSON.stringify(email));
    assert.equal(res.headers.location, '/dashboard');
  }
});
