import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentFor, createTestContext, csrfFrom, registerUser, TEST_PASSWORD } from '../helpers/app.ts';
import { databaseFingerprint } from '../helpers/attack.ts';
import { manualClock } from '../helpers/clock.ts';
import { createInvitesRepo } from '../../src/db/repos/invites.ts';
import { createHash } from 'node:crypto';

/** Signs up through the real form (GET for the token, then POST), with an invite token when given. */
async function signUp(app: Parameters<typeof agentFor>[0], email: string, invite = '') {
  const agent = agentFor(app);
  const page = await agent.get(`/register${invite ? `?invite=${encodeURIComponent(invite)}` : ''}`);
  const form = /<form method="post" action="\/register"/.test(page.text);
  const token = csrfFrom(form ? page.text : (await agentFor(app).get('/login')).text);
  const fields: Record<string, string> = { email, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD };
  if (invite) fields.invite = invite;
  // Without a form, the POST still tries (as a script would): it must be refused.
  const res = form ? await agent.post('/register').type('form').send({ _csrf: token, ...fields }) : await postWithFreshToken(app, fields);
  return { page, form, res };
}

async function postWithFreshToken(app: Parameters<typeof agentFor>[0], fields: Record<string, string>) {
  const agent = agentFor(app);
  const token = csrfFrom((await agent.get('/login')).text);
  return agent.post('/register').type('form').send({ _csrf: token, ...fields });
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

describe('who may register (REGISTRATION)', () => {
  for (const mode of ['invite', 'closed'] as const) {
    test(`${mode}: the first account of an empty instance may be created; after it, the page says why there is no form and a POST is refused`, async (t) => {
      const ctx = createTestContext({ REGISTRATION: mode });
      t.after(() => ctx.cleanup());
      const first = await signUp(ctx.app, 'owner@example.com');
      assert.ok(first.form, 'the owner gets the form');
      assert.equal(first.res.status, 303);

      const before = databaseFingerprint(ctx.db, { ignoreTables: ['sessions', 'rate_limits'] });
      const second = await signUp(ctx.app, 'stranger@example.com');
      assert.equal(second.form, false, 'no form to submit');
      assert.equal(second.page.status, 200);
      assert.match(second.page.text, mode === 'closed' ? /Sign-up is closed on this server\./ : /Sign-up on this server is by invitation\./);
      assert.equal(second.res.status, 403);
      // Nothing but the sign-up rate limit's counter.
      assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['sessions', 'rate_limits'] }), before, 'nothing written');
    });
  }

  test('closed: five sign-ups racing on a fresh install make one account, and the others are told sign-up is closed', async (t) => {
    const ctx = createTestContext({ REGISTRATION: 'closed' });
    t.after(() => ctx.cleanup());
    // Each has its form (the instance is empty when they load it), then all post at once.
    const racers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(async (name) => {
      const agent = agentFor(ctx.app);
      const token = csrfFrom((await agent.get('/register')).text);
      return { agent, token, email: `${name}@example.com` };
    }));
    const answers = await Promise.all(racers.map(({ agent, token, email }) => agent.post('/register').type('form').send({ _csrf: token, email, password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [303, 403, 403, 403, 403]);
    for (const refused of answers.filter((a) => a.status === 403)) assert.match(refused.text, /Sign-up is closed on this server\./);
    assert.equal(Number(ctx.db.prepare('SELECT count(*) FROM users').pluck().get()), 1);
  });

  test('open: anyone may register, as before', async (t) => {
    const ctx = createTestContext({ REGISTRATION: 'open' });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'one@example.com');
    const second = await signUp(ctx.app, 'two@example.com');
    assert.ok(second.form);
    assert.equal(second.res.status, 303);
  });

  test('invite: a link works once, within 7 days; a used, expired or made-up one is refused and says why', async (t) => {
    const clock = manualClock(Date.UTC(2026, 2, 1, 12));
    const ctx = createTestContext({ REGISTRATION: 'invite' }, { clock });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'owner@example.com');
    const invites = createInvitesRepo(ctx.db);
    const makeInvite = (token: string) => invites.createInvite(hash(token), clock.now(), clock.now() + 7 * 24 * 3600 * 1000);

    makeInvite('good-token');
    const invited = await signUp(ctx.app, 'friend@example.com', 'good-token');
    assert.match(invited.page.text, /You were invited to this server/);
    assert.match(invited.page.text, /<input type="hidden" name="invite" value="good-token">/);
    assert.equal(invited.res.status, 303);
    assert.equal(ctx.db.prepare("SELECT count(*) FROM users WHERE email = 'friend@example.com'").pluck().get(), 1);
    const row = ctx.db.prepare('SELECT used_at, used_by FROM invites WHERE token_hash = ?').get(hash('good-token')) as { used_at: number; used_by: number };
    assert.equal(row.used_at, clock.now());
    assert.equal(ctx.db.prepare('SELECT token_hash FROM invites').pluck().all().includes('good-token'), false, 'only the hash is stored');

    const again = await signUp(ctx.app, 'someone@example.com', 'good-token');
    assert.equal(again.form, false);
    assert.match(again.page.text, /This invite link has already been used\./);
    assert.equal(again.res.status, 403);

    makeInvite('old-token');
    clock.advance(7 * 24 * 3600 * 1000);
    const late = await signUp(ctx.app, 'late@example.com', 'old-token');
    assert.match(late.page.text, /This invite link has expired/);
    assert.equal(late.res.status, 403);

    const madeUp = await signUp(ctx.app, 'guess@example.com', 'not-a-token');
    assert.match(madeUp.page.text, /This invite link is not valid\./);
    assert.equal(madeUp.res.status, 403);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM users').pluck().get(), 2, 'only the owner and the friend');

    // An invite with a form error keeps the invite for the retry, and is not spent.
    makeInvite('retry-token');
    const agent = agentFor(ctx.app);
    const page = await agent.get('/register?invite=retry-token');
    const bad = await agent.post('/register').type('form').send({ _csrf: csrfFrom(page.text), email: 'not an email', password: TEST_PASSWORD, confirmPassword: TEST_PASSWORD, invite: 'retry-token' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /<input type="hidden" name="invite" value="retry-token">/);
    assert.equal(ctx.db.prepare('SELECT used_at FROM invites WHERE token_hash = ?').pluck().get(hash('retry-token')), null);
  });
});
