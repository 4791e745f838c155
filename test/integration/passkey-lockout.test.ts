import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentFor, registerUser, tokenFor } from '../helpers/app.ts';
import { logInWithPasskey, softPasskey } from '../helpers/passkey.ts';
import { createSecurityContext, logInAgent, userIdOf } from '../helpers/security.ts';
import { TEST_PASSWORD } from '../helpers/app.ts';

describe('removing a passkey', () => {
  test('ends the sessions that passkey signed in, and keeps those signed in with the password', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const owner = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx, 'ann@example.com');
    const stolen = softPasskey(ctx.db, userId, 'Stolen');
    const kept = softPasskey(ctx.db, userId, 'Kept');
    const attacker = await logInWithPasskey(ctx.app, stolen);
    const ownPhone = await logInWithPasskey(ctx.app, kept);
    const laptop = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    assert.equal((await attacker.get('/dashboard')).status, 200, 'the passkey signs in');

    const csrf = await tokenFor(owner, '/account');
    const removed = await owner.post(`/passkeys/${stolen.id}/delete`).type('form').send({ _csrf: csrf });
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.location, '/account');

    assert.equal((await attacker.get('/dashboard')).status, 303, 'the session the removed passkey opened has ended');
    assert.equal((await ownPhone.get('/dashboard')).status, 200, "another passkey's session is kept");
    assert.equal((await laptop.get('/dashboard')).status, 200, 'a password session is kept');
    const account = await owner.get('/account');
    assert.equal(account.status, 200, 'the session that removed it, opened with the password, is kept');
    assert.match(account.text, /the 1 session it had signed in has ended/);
  });

  test('that signed in this very session ends it too, and the sign-in page says why', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'ann@example.com');
    const passkey = softPasskey(ctx.db, userIdOf(ctx, 'ann@example.com'));
    const agent = await logInWithPasskey(ctx.app, passkey);
    const csrf = await tokenFor(agent, '/account');
    const removed = await agent.post(`/passkeys/${passkey.id}/delete`).type('form').send({ _csrf: csrf });
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.location, '/login');
    const login = await agent.get('/login');
    assert.equal(login.status, 200);
    assert.match(login.text, /signed in with that passkey/);
    assert.equal((await agent.get('/dashboard')).status, 303);
  });
});

test('the software passkey helper signs in (a check of the helper itself)', async (t) => {
  const ctx = createSecurityContext();
  t.after(() => ctx.cleanup());
  await registerUser(ctx.app, 'ann@example.com');
  const passkey = softPasskey(ctx.db, userIdOf(ctx, 'ann@example.com'));
  const agent = await logInWithPasskey(ctx.app, passkey);
  assert.equal((await agent.get('/dashboard')).status, 200);
  assert.equal((await agentFor(ctx.app).get('/dashboard')).status, 303);
});

test('a password change keeps passkeys, as the README says, and the password form says so with a link to remove them', async (t) => {
  const ctx = createSecurityContext();
  t.after(() => ctx.cleanup());
  const owner = await registerUser(ctx.app, 'ann@example.com');
  assert.doesNotMatch((await owner.get('/account')).text, /id="password-passkeys-kept"/, 'nothing to say without passkeys');
  const passkey = softPasskey(ctx.db, userIdOf(ctx, 'ann@example.com'));
  const page = (await owner.get('/account')).text;
  assert.match(page, /<p class="field__hint" id="password-passkeys-kept">Your passkey keeps signing you in after a password change, without the password or a code\. <a href="#passkeys-heading">Remove it below/);
  const csrf = await tokenFor(owner, '/account');
  const changed = await owner.post('/account/password').type('form').send({ _csrf: csrf, currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
  assert.equal(changed.status, 303);
  assert.match((await owner.get('/account')).text, /id="password-passkeys-kept"/, 'said again after the change');
  assert.equal((await (await logInWithPasskey(ctx.app, passkey)).get('/dashboard')).status, 200, 'the passkey still signs in');
});
