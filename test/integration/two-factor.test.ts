import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { agentFor, createTestContext, csrfFrom, postForm, registerUser, requestTo, TEST_PASSWORD, type Agent, type TestContext } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { listRoutes } from '../helpers/routes.ts';

const START = Date.UTC(2026, 2, 15, 12, 0, 10);

/** The code an authenticator app holding this key shows at the app's clock. */
function codeAt(secret: string, ms: number): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: ms });
}

/** Turns two-factor on through the account page; returns the key (read from the page) and the recovery codes shown. */
async function enrol(ctx: TestContext, agent: Agent): Promise<{ secret: string; codes: string[] }> {
  const setup = await postForm(agent, '/account', '/account/two-factor/setup', {});
  assert.equal(setup.status, 303);
  assert.equal(setup.headers.location, '/account/two-factor/setup');
  const page = (await agent.get('/account/two-factor/setup')).text;
  const secret = /data-key="([A-Z2-7]+)"/.exec(page)![1]!;
  assert.match(page, /<svg class="qr__svg" aria-hidden="true" focusable="false" xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
  assert.doesNotMatch(page, /\sstyle=/);
  // On the phone that holds the app, the same key is one tap away: an otpauth link for this key and this person.
  const link = /<a class="button button--quiet" href="(otpauth:[^"]+)">/.exec(page)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(link, 'an otpauth link');
  const uri = new URL(link);
  assert.equal(uri.searchParams.get('secret'), secret);
  assert.deepEqual([uri.protocol, uri.host, uri.searchParams.get('period'), uri.searchParams.get('digits')], ['otpauth:', 'totp', '30', '6']);
  const enabled = await postForm(agent, '/account/two-factor/setup', '/account/two-factor/enable', { password: TEST_PASSWORD, code: codeAt(secret, ctx.clock.now()) });
  assert.equal(enabled.status, 303);
  assert.equal(enabled.headers.location, '/account/two-factor/recovery-codes');
  const codes = [...(await agent.get('/account/two-factor/recovery-codes')).text.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  return { secret, codes };
}

/** Signs in with the password only: where it lands, and the agent. */
async function password(ctx: TestContext, email = 'ann@example.com', pass = TEST_PASSWORD) {
  const agent = agentFor(ctx.app);
  const res = await postForm(agent, '/login', '/login', { email, password: pass });
  return { agent, res };
}

describe('two-factor sign-in (TOTP)', () => {
  test('enrolment: a QR code and the key as text, a first code that must be right, then ten recovery codes shown once', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postForm(agent, '/account', '/account/two-factor/setup', {});
    const secret = /data-key="([A-Z2-7]+)"/.exec((await agent.get('/account/two-factor/setup')).text)![1]!;
    assert.equal(ctx.db.prepare('SELECT totp_secret FROM users').pluck().get(), null, 'nothing stored before a code checks out');
    const wrong = await postForm(agent, '/account/two-factor/setup', '/account/two-factor/enable', { password: TEST_PASSWORD, code: '000000' === codeAt(secret, START) ? '111111' : '000000' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /id="code-error"[^>]*>.*That code is not right/);
    // The right code alone is not enough: a stolen session must not turn it on with a key of its own and lock the
    // owner out. Without the password, or with a wrong one, it is refused beside the field and nothing is stored.
    for (const [password, message] of [['', 'Enter your password to change two-factor sign-in.'], ['not my password', 'That password is not right; nothing was changed.']] as const) {
      const refused = await postForm(agent, '/account/two-factor/setup', '/account/two-factor/enable', { password, code: codeAt(secret, START) });
      assert.equal(refused.status, 422, password);
      assert.match(refused.text, new RegExp(`id="setup-password-error"[^>]*>.*${message.replace(/[.;]/g, '.')}`));
      assert.match(refused.text, /id="setup-password"[^>]*aria-invalid="true"/);
      assert.equal(ctx.db.prepare('SELECT totp_secret FROM users').pluck().get(), null, 'nothing stored without the password');
      assert.match(refused.text, new RegExp(`data-key="${secret}"`), 'the same key is kept to try again');
    }
    const right = await postForm(agent, '/account/two-factor/setup', '/account/two-factor/enable', { password: TEST_PASSWORD, code: codeAt(secret, START) });
    assert.equal(right.status, 303);
    const codesPage = (await agent.get('/account/two-factor/recovery-codes')).text;
    const codes = [...codesPage.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(new Set(codes).size, 10);
    const file = await agent.get('/account/two-factor/recovery-codes.txt');
    assert.match(String(file.headers['content-disposition']), /attachment; filename="?ledgerly-recovery-codes\.txt"?/);
    for (const code of codes) assert.ok(file.text.includes(code));
    // Shown on the page once: loaded again, the page says so and shows none, while the download stays until Done.
    const again = (await agent.get('/account/two-factor/recovery-codes')).text;
    assert.ok(!codes.some((code) => again.includes(code)), 'not shown a second time');
    assert.match(again, /id="codes-shown-once"[^>]*>Your new recovery codes were shown on this page once/);
    assert.match(again, /href="\/account\/two-factor\/recovery-codes\.txt"/);
    const fileAgain = await agent.get('/account/two-factor/recovery-codes.txt');
    assert.equal(fileAgain.status, 200);
    for (const code of codes) assert.ok(fileAgain.text.includes(code));
    // Stored hashed, never as typed.
    const stored = ctx.db.prepare('SELECT code_hash FROM recovery_codes').pluck().all() as string[];
    assert.equal(stored.length, 10);
    assert.ok(stored.every((h) => /^[0-9a-f]{64}$/.test(h) && !codes.includes(h)));
    // Once saved, they are not shown again.
    await postForm(agent, '/account/two-factor/recovery-codes', '/account/two-factor/recovery-codes/done', {});
    assert.equal((await agent.get('/account/two-factor/recovery-codes')).status, 303);
    assert.equal((await agent.get('/account/two-factor/recovery-codes.txt')).status, 303, 'nor downloaded');
    assert.equal((await agent.get('/account/two-factor/recovery-codes.txt')).status, 303);
    assert.match((await agent.get('/account')).text, /On since Mar 15, 2026\. .* Recovery codes left: 10\./);
  });

  test('a refused code or password on the setup page and on the code page is said in a summary above the fields, and the code field is not focused past it', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postForm(agent, '/account', '/account/two-factor/setup', {});
    const setup = await postForm(agent, '/account/two-factor/setup', '/account/two-factor/enable', { password: '', code: '' });
    assert.equal(setup.status, 422);
    assert.match(setup.text, /<form method="post" action="\/account\/two-factor\/enable" class="form" novalidate>\s*<input type="hidden" name="_csrf" value="[^"]+">\s*<p class="form__summary" role="alert">Please fix the highlighted fields; nothing was saved\.<\/p>/);
    assert.match(setup.text, /<title>Error: /);
    const { secret } = await enrol(ctx, agent);
    ctx.clock.advance(60_000);
    const signIn = await password(ctx);
    const fresh = await signIn.agent.get('/login/code');
    assert.doesNotMatch(fresh.text, /form__summary/);
    assert.match(fresh.text, /<input id="code"[^>]*\sautofocus\s/);
    const wrong = await postForm(signIn.agent, '/login/code', '/login/code', { code: codeAt(secret, ctx.clock.now()) === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /<p class="form__summary" role="alert">Please fix the highlighted field\.<\/p>\s*<div class="field field--invalid">/);
    assert.doesNotMatch(wrong.text, /<input id="code"[^>]*\sautofocus\s/, 'not focused past the summary');
  });

  test('sign-in: the password leads to the code page and nothing else; a code completes it on a new session id, and is good once', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const { secret } = await enrol(ctx, await registerUser(ctx.app, 'ann@example.com'));
    ctx.clock.advance(60_000);

    const { agent, res } = await password(ctx);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login/code');
    // In the pending state every protected page answers as to a visitor: back to the login page.
    // The API answers only to bearer tokens (its own test); every page is checked here.
    const gets = listRoutes(ctx.app).filter((r) => r.method === 'GET' && !r.path.startsWith('/api/') && !['/login', '/register', '/login/code', '/healthz', '/', '/language/:code'].includes(r.path));
    assert.ok(gets.length > 25);
    for (const route of gets) {
      const answer = await agent.get(route.path.replace(/:(\w+)/g, (_, name: string) => (name === 'month' ? '2026-03' : '1')));
      assert.ok([302, 303].includes(answer.status), `${route.path} answered ${answer.status} in the pending state`);
      assert.match(String(answer.headers.location), /^\/login/, route.path);
    }
    // A page asked for meanwhile leads back to the code page, not the login form, and is where the code then leads.
    const wanted = await agent.get('/transactions?type=income');
    assert.equal(wanted.headers.location, '/login/code?next=%2Ftransactions%3Ftype%3Dincome');
    assert.match((await agent.get(wanted.headers.location!)).text, /<input type="hidden" name="next" value="\/transactions\?type=income">/);
    const cookieBefore = String(agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).map((c) => c.value));
    const code = codeAt(secret, ctx.clock.now());
    const done = await postForm(agent, wanted.headers.location!, '/login/code', { code, next: '/transactions?type=income' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, '/transactions?type=income');
    assert.equal((await agent.get('/dashboard')).status, 200);
    const cookieAfter = String(agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).map((c) => c.value));
    assert.notEqual(cookieAfter, cookieBefore, 'the session id changed at the second factor');

    // The same code again, in the same 30 seconds, from another sign-in: refused.
    const replay = await password(ctx);
    const again = await postForm(replay.agent, '/login/code', '/login/code', { code });
    assert.equal(again.status, 422);
    assert.match(again.text, /That code was already used/);
    assert.equal((await replay.agent.get('/dashboard')).status, 303);

    // The pending state lasts fifteen minutes (see the test below for what the person is told).
    const late = await password(ctx);
    ctx.clock.advance(15 * 60_000 + 1_000);
    const expired = await postForm(late.agent, '/login', '/login/code', { code: codeAt(secret, ctx.clock.now()) });
    assert.equal(expired.status, 303);
    assert.equal(expired.headers.location, '/login');
  });

  test('the code page states its 15-minute limit; after it, the login page says why and has the email filled in, never in the address', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const { secret } = await enrol(ctx, await registerUser(ctx.app, 'ann@example.com'));

    const { agent } = await password(ctx);
    const codePage = await agent.get('/login/code');
    assert.match(codePage.text, /<p id="code-limit">Enter it within 15 minutes of your password; after that, you start again with your password.<\/p>/);
    assert.match(codePage.text, /aria-describedby="code-hint code-limit"/);
    // Fourteen minutes on (five was the limit before), the code still signs in.
    ctx.clock.advance(14 * 60_000);
    const inTime = await postForm(agent, '/login/code', '/login/code', { code: codeAt(secret, ctx.clock.now()) });
    assert.equal(inTime.status, 303);
    assert.equal(inTime.headers.location, '/dashboard');

    const slow = await password(ctx);
    const codeForm = await slow.agent.get('/login/code');
    ctx.clock.advance(15 * 60_000);
    const late = await slow.agent.post('/login/code').type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(codeForm.text)![1]!, code: codeAt(secret, ctx.clock.now()) });
    assert.equal(late.status, 303);
    assert.equal(late.headers.location, '/login', 'the email is never put in the address');
    const login = await slow.agent.get('/login');
    assert.match(login.text, /<p class="form__summary" role="alert">Signing in took longer than 15 minutes; enter your password again.<\/p>/);
    assert.match(login.text, /<input id="email" name="email" type="email"[^>]*value="ann@example.com"/);
    assert.equal((await slow.agent.get('/dashboard')).status, 303, 'not signed in');
    // Said once: the next visit is the plain form, and the code page is gone with the waiting sign-in.
    const again = await slow.agent.get('/login');
    assert.doesNotMatch(again.text, /took longer|ann@example\.com/);
    assert.equal((await slow.agent.get('/login/code')).headers.location, '/login');
    // The same on a GET of the code page left open (a reload after the limit).
    const reload = await password(ctx);
    ctx.clock.advance(15 * 60_000);
    assert.equal((await reload.agent.get('/login/code')).headers.location, '/login');
    assert.match((await reload.agent.get('/login')).text, /Signing in took longer than 15 minutes/);
  });

  test("a Ukrainian account's code page and the sign-in page after logging out speak Ukrainian, in an English browser, and say it signed out", async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'olena@example.com');
    await enrol(ctx, agent);
    assert.equal((await postForm(agent, '/account', '/account/language', { language: 'uk' })).status, 303);
    const english = (req: ReturnType<Agent['get']>) => req.set('Accept-Language', 'en-GB,en;q=0.8');

    const out = await english(agent.post('/logout').type('form').send({ _csrf: csrfFrom((await agent.get('/account')).text) }));
    assert.equal(out.status, 303);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM sessions WHERE user_id IS NOT NULL').pluck().get(), 0, 'the signed-in session is gone');
    const login = (await english(agent.get('/login'))).text;
    assert.match(login, /<html lang="uk"/);
    assert.match(login, /Ви вийшли з облікового запису\./);
    assert.equal((await english(agent.get('/dashboard'))).status, 303, 'and nobody is signed in');

    const stranger = agentFor(ctx.app);
    const form = csrfFrom((await english(stranger.get('/login'))).text);
    const signIn = await english(stranger.post('/login').type('form').send({ _csrf: form, email: 'olena@example.com', password: TEST_PASSWORD }));
    assert.equal(signIn.headers.location, '/login/code', `${signIn.status} ${signIn.text.slice(0, 400)}`);
    const code = (await english(stranger.get('/login/code'))).text;
    assert.match(code, /<html lang="uk"/, "the code page is in the account's language");

    // Someone who never chose a language gets the sign-in page in their browser's, with the same message.
    const ann = await registerUser(ctx.app, 'ann@example.com');
    await english(ann.post('/logout').type('form').send({ _csrf: csrfFrom((await ann.get('/dashboard')).text) }));
    const annLogin = (await english(ann.get('/login'))).text;
    assert.match(annLogin, /<html lang="en"/);
    assert.match(annLogin, /You are signed out\./);
  });

  test('a recovery code signs in once and is then spent; guessing codes is locked out with 429', async (t) => {
    // At the real time (manualClock's default), not START: express-rate-limit gives a successful code its hit back only
    // while the window it was told of (from our clock) lies ahead of Date.now(), and at a clock in the past it never
    // did, so the recovery code's success below was counted as a wrong guess and the lockout came one try early.
    const ctx = createTestContext({}, { clock: manualClock() });
    t.after(() => ctx.cleanup());
    const { codes } = await enrol(ctx, await registerUser(ctx.app, 'ann@example.com'));
    const first = await password(ctx);
    const used = await postForm(first.agent, '/login/code', '/login/code', { code: codes[3]!.toUpperCase().replace('-', ' ') });
    assert.equal(used.status, 303);
    assert.match((await first.agent.get('/dashboard')).text, /Signed in with a recovery code/);
    assert.match((await first.agent.get('/account')).text, /Recovery codes left: 9\./);
    const second = await password(ctx);
    const spent = await postForm(second.agent, '/login/code', '/login/code', { code: codes[3]! });
    assert.equal(spent.status, 422);
    // Said for what it is: a recovery code spent before, or one that is not on the list; never "check your phone's time".
    assert.match(spent.text, /That recovery code was already used: each works once\./);
    const unknown = await postForm(second.agent, '/login/code', '/login/code', { code: 'aaaaa-bbbbb' });
    assert.equal(unknown.status, 422);
    assert.match(unknown.text, /That is not one of your recovery codes\./);
    assert.doesNotMatch(spent.text + unknown.text, /time on your phone/);

    const guesser = await password(ctx);
    let status = 0;
    let tries = 0;
    for (; tries < 20 && status !== 429; tries++) {
      status = (await postForm(guesser.agent, '/login/code', '/login/code', { code: String(100000 + tries) })).status;
    }
    assert.equal(status, 429);
    // Ten wrong codes in 15 minutes: the two above and eight guesses; the sign-in with the recovery code gave its hit back.
    assert.equal(tries, 9, `locked out at try ${tries}`);
  });

  test('a sign-in still waiting for its code ends with the person\'s sessions: a new password or signing out the other sessions leaves the right code nothing to complete', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const { secret } = await enrol(ctx, agent);
    ctx.clock.advance(60_000);
    const sessionsListed = async () => [...(await agent.get('/account')).text.matchAll(/End this session/g)].length;
    const listedBefore = await sessionsListed();

    // Someone who knows the password reaches the code page; the person changes the password meanwhile.
    const thief = await password(ctx);
    assert.equal(thief.res.headers.location, '/login/code');
    assert.equal(await sessionsListed(), listedBefore, 'a sign-in waiting for its code is not listed as a session');
    const changed = await postForm(agent, '/account', '/account/password', { currentPassword: TEST_PASSWORD, newPassword: 'a new long passphrase', confirmPassword: 'a new long passphrase' });
    assert.equal(changed.status, 303);
    const late = await thief.agent.post('/login/code').type('form').send({ _csrf: 'any', code: codeAt(secret, ctx.clock.now()) });
    assert.ok([303, 403].includes(late.status), `the code after a password change answered ${late.status}`);
    assert.equal((await thief.agent.get('/dashboard')).status, 303, 'not signed in');
    assert.equal((await thief.agent.get('/login/code')).headers.location, '/login', 'and the code page has nothing waiting');

    // Signing out the other sessions ends one waiting for its code as well.
    ctx.clock.advance(30_000);
    const second = await password(ctx, 'ann@example.com', 'a new long passphrase');
    assert.equal(second.res.headers.location, '/login/code');
    const codePage = await second.agent.get('/login/code');
    assert.equal(codePage.status, 200);
    assert.equal((await postForm(agent, '/account', '/account/sessions/logout-others', {})).status, 303);
    const refused = await second.agent.post('/login/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: codeAt(secret, ctx.clock.now()) });
    // Its form's token went with the session: the form has expired (403), and nothing is signed in.
    assert.equal(refused.status, 403);
    assert.equal((await second.agent.get('/dashboard')).status, 303, 'not signed in');
    assert.equal((await agent.get('/dashboard')).status, 200, 'the person stays signed in where they are');
  });

  test('the key being set up, the recovery codes and a new API token are never readable in the stored session (nor so in a backup of it), yet the pages show them', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const storedSessions = () => (ctx.db.prepare('SELECT data FROM sessions').pluck().all() as string[]).join('\n');

    assert.equal((await postForm(agent, '/account', '/account/two-factor/setup', {})).status, 303);
    const setupPage = (await agent.get('/account/two-factor/setup')).text;
    const secret = /data-key="([A-Z2-7]+)"/.exec(setupPage)![1]!;
    assert.ok(!storedSessions().includes(secret), 'the key being set up is sealed in the session');
    assert.equal((await postForm(agent, '/account/two-factor/setup', '/account/two-factor/enable', { password: TEST_PASSWORD, code: codeAt(secret, ctx.clock.now()) })).status, 303);
    const codes = [...(await agent.get('/account/two-factor/recovery-codes')).text.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10, 'the page shows them');
    const download = await agent.get('/account/two-factor/recovery-codes.txt');
    for (const code of codes) assert.ok(download.text.includes(code), 'and the file has them');
    const held = storedSessions();
    for (const code of codes) assert.ok(!held.includes(code), `recovery code ${code} is sealed in the session`);
    assert.ok(!held.includes(secret));

    // Once the window is over the codes are gone from the session, not only hidden.
    ctx.clock.advance(16 * 60_000);
    assert.equal((await agent.get('/account/two-factor/recovery-codes')).status, 303);
    assert.doesNotMatch(storedSessions(), /freshRecoveryCodes/);

    // A new API token: sealed between the form and the page that shows it once.
    const made = await postForm(agent, '/account/api-tokens', '/account/api-tokens', { name: 'Phone', scope: 'read', lifetime: '30', password: TEST_PASSWORD });
    assert.equal(made.status, 303);
    assert.match(storedSessions(), /freshApiToken/);
    const tokensPage = (await agent.get('/account/api-tokens')).text;
    assert.match(tokensPage, /role="status"[^>]*>[\s\S]*?Token made\. Copy it now: it is shown only this once\./, 'the new token is announced');
    const shown = /id="fresh-token"[^>]*>\s*(lgy_[A-Za-z0-9_-]+)/.exec(tokensPage)?.[1];
    assert.ok(shown, 'the page shows the new token');
    assert.ok(!storedSessions().includes(shown.slice(4)));
  });

  test('turning it on or off ends every other session of the person, as a new password does, and this browser stays signed in on a new session id', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const owner = await registerUser(ctx.app, 'ann@example.com');
    const signedIn = async (agent: Agent) => (await agent.get('/dashboard')).status === 200;
    // Someone else who learnt the password, signed in before two-factor was on.
    const other = await password(ctx);
    assert.equal(other.res.headers.location, '/dashboard');
    assert.equal(await signedIn(other.agent), true);
    const signedInRows = () => ctx.db.prepare('SELECT sid FROM sessions WHERE user_id IS NOT NULL').pluck().all() as string[];
    const before = signedInRows();
    assert.equal(before.length, 2);
    const { secret, codes } = await enrol(ctx, owner);
    assert.equal(codes.length, 10, 'the recovery codes are still shown once, on the new session');
    assert.equal(await signedIn(other.agent), false, 'the session signed in with the password alone has ended');
    assert.equal(await signedIn(owner), true);
    const after = signedInRows();
    assert.equal(after.length, 1);
    assert.ok(!before.includes(after[0]!), 'this browser is on a new session id');

    // A second device signed in with the code; turning two-factor off ends it too.
    ctx.clock.advance(30_000);
    const phone = await password(ctx);
    assert.equal(phone.res.headers.location, '/login/code');
    assert.equal((await postForm(phone.agent, '/login/code', '/login/code', { code: codeAt(secret, ctx.clock.now()) })).status, 303);
    assert.equal(await signedIn(phone.agent), true);
    ctx.clock.advance(30_000);
    const off = await postForm(owner, '/account', '/account/two-factor/disable', { password: TEST_PASSWORD, code: codeAt(secret, ctx.clock.now()) });
    assert.equal(off.status, 303);
    assert.match((await owner.get('/account')).text, /Two-factor sign-in is off\./);
    assert.equal(await signedIn(phone.agent), false);
    assert.equal(await signedIn(owner), true);
    assert.equal(signedInRows().length, 1);
    assert.ok(!after.includes(signedInRows()[0]!), 'and on a new one again');
  });

  test('two presses of the button at once turn it on once: the codes the first showed stay the valid ones, and the second says so', async (t) => {
    // bcrypt at cost 10 (tens of ms a hash) keeps both requests inside each other's checks, as on a real server.
    const ctx = createTestContext({ BCRYPT_COST: '10' }, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await postForm(agent, '/account', '/account/two-factor/setup', {});
    const setupPage = (await agent.get('/account/two-factor/setup')).text;
    const secret = /data-key="([A-Z2-7]+)"/.exec(setupPage)![1]!;
    const fields = { _csrf: csrfFrom(setupPage), password: TEST_PASSWORD, code: codeAt(secret, START) };
    // Both pass the password and code checks during each other's bcrypt work.
    const presses = await Promise.all([1, 2].map(() => agent.post('/account/two-factor/enable').type('form').send(fields)));
    assert.deepEqual(presses.map((p) => p.status), [303, 303]);
    const first = presses.find((p) => p.headers.location === '/account/two-factor/recovery-codes');
    const second = presses.find((p) => p.headers.location === '/account#two-factor-heading');
    assert.ok(first && second, presses.map((p) => p.headers.location).join(', '));
    const cookieOf = (res: typeof first) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const shown = [...(await requestTo(ctx.app).get('/account/two-factor/recovery-codes').set('Cookie', cookieOf(first))).text.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(shown.length, 10);
    const stored = new Set(ctx.db.prepare('SELECT code_hash FROM recovery_codes').pluck().all() as string[]);
    assert.equal(stored.size, 10, 'one set of codes');
    assert.ok(shown.every((code) => stored.has(createHash('sha256').update(code).digest('hex'))), 'the codes shown are the ones kept');
    // The second press's browser is signed in (it proved both factors) and is told where to make new codes.
    const account = await requestTo(ctx.app).get('/account').set('Cookie', cookieOf(second));
    assert.equal(account.status, 200);
    assert.match(account.text, /an earlier press of the button turned it on a moment ago, and its page showed the recovery codes\. If you did not keep them, make new ones below\./);
  });

  test('two sessions turning it on at once with keys of their own: the first key is kept, the other session changes nothing and is signed out', async (t) => {
    // bcrypt at cost 10 (tens of ms a hash) keeps both requests inside each other's checks, as on a real server.
    const ctx = createTestContext({ BCRYPT_COST: '10' }, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const laptop = await registerUser(ctx.app, 'ann@example.com');
    const phone = (await password(ctx)).agent;
    const pressFor = async (agent: Agent) => {
      await postForm(agent, '/account', '/account/two-factor/setup', {});
      const page = (await agent.get('/account/two-factor/setup')).text;
      const secret = /data-key="([A-Z2-7]+)"/.exec(page)![1]!;
      return { secret, fields: { _csrf: csrfFrom(page), password: TEST_PASSWORD, code: codeAt(secret, START) } };
    };
    const [onLaptop, onPhone] = [await pressFor(laptop), await pressFor(phone)];
    assert.notEqual(onLaptop.secret, onPhone.secret);
    const [a, b] = await Promise.all([
      laptop.post('/account/two-factor/enable').type('form').send(onLaptop.fields),
      phone.post('/account/two-factor/enable').type('form').send(onPhone.fields),
    ]);
    const locations = [a.headers.location, b.headers.location].sort();
    assert.deepEqual(locations, ['/account/two-factor/recovery-codes', '/login']);
    const [winner, loser] = a.headers.location === '/login' ? [{ agent: phone, ...onPhone }, { agent: laptop, ...onLaptop }] : [{ agent: laptop, ...onLaptop }, { agent: phone, ...onPhone }];
    assert.match((await loser.agent.get('/login')).text, /Two-factor sign-in was turned on from another session a moment ago, with another key, so nothing was changed here and this session ended\./);
    assert.equal(ctx.db.prepare('SELECT totp_secret FROM users').pluck().get(), winner.secret, "the first key is kept, not replaced by the other's");
    assert.equal(ctx.db.prepare('SELECT count(*) FROM recovery_codes').pluck().get(), 10);
    assert.equal((await winner.agent.get('/account/two-factor/recovery-codes')).status, 200);
    assert.match(String((await loser.agent.get('/account')).headers.location), /^\/login/, 'the other session ended with the change');
  });

  test('turning it off needs the password and a current code; a password change keeps it on', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const { secret } = await enrol(ctx, agent);
    const changed = await postForm(agent, '/account', '/account/password', { currentPassword: TEST_PASSWORD, newPassword: 'a new long passphrase', confirmPassword: 'a new long passphrase' });
    assert.equal(changed.status, 303);
    const after = await password(ctx, 'ann@example.com', 'a new long passphrase');
    assert.equal(after.res.headers.location, '/login/code', 'still asks for a code');

    ctx.clock.advance(30_000);
    const wrongPassword = await postForm(agent, '/account', '/account/two-factor/disable', { password: 'nope', code: codeAt(secret, ctx.clock.now()) });
    assert.equal(wrongPassword.status, 422);
    assert.match(wrongPassword.text, /id="tf-disable-password-error"[^>]*>.*That password is not right/);
    const noCode = await postForm(agent, '/account', '/account/two-factor/disable', { password: 'a new long passphrase', code: '' });
    assert.equal(noCode.status, 422);
    assert.match(noCode.text, /id="tf-disable-code-error"[^>]*>.*Enter the code from your authenticator app/);
    assert.notEqual(ctx.db.prepare('SELECT totp_secret FROM users').pluck().get(), null);
    const off = await postForm(agent, '/account', '/account/two-factor/disable', { password: 'a new long passphrase', code: codeAt(secret, ctx.clock.now()) });
    assert.equal(off.status, 303);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM recovery_codes').pluck().get(), 0);
    const plain = await password(ctx, 'ann@example.com', 'a new long passphrase');
    assert.equal(plain.res.headers.location, '/dashboard');
  });

  test('someone who lost their phone, signed in with a recovery code, can make new codes and turn it off with recovery codes, each then spent', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const owner = await registerUser(ctx.app, 'ann@example.com');
    const { codes } = await enrol(ctx, owner);
    const { agent } = await password(ctx);
    const signedIn = await postForm(agent, '/login/code', '/login/code', { code: codes[0]! });
    assert.equal(signedIn.status, 303);
    const account = (await agent.get('/account')).text;
    assert.match(account, /id="tf-codes-code-hint"[^>]*>Lost your phone\? One of your unused recovery codes works here too/);
    assert.match(account, /id="tf-disable-code-hint"/);

    const spent = await postForm(agent, '/account', '/account/two-factor/recovery-codes', { password: TEST_PASSWORD, code: codes[0]! });
    assert.equal(spent.status, 422, 'a spent recovery code is refused');
    assert.match(spent.text, /id="tf-codes-code-error"[^>]*>.*That recovery code was already used/);
    const renewed = await postForm(agent, '/account', '/account/two-factor/recovery-codes', { password: TEST_PASSWORD, code: codes[1]! });
    assert.equal(renewed.status, 303);
    assert.equal(renewed.headers.location, '/account/two-factor/recovery-codes');
    const fresh = [...(await agent.get('/account/two-factor/recovery-codes')).text.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(fresh.length, 10);
    assert.ok(!fresh.includes(codes[2]!));

    const oldCode = await postForm(agent, '/account', '/account/two-factor/disable', { password: TEST_PASSWORD, code: codes[2]! });
    assert.equal(oldCode.status, 422, 'the replaced codes are gone');
    assert.match(oldCode.text, /id="tf-disable-code-error"[^>]*>.*not one of your recovery codes/);
    const off = await postForm(agent, '/account', '/account/two-factor/disable', { password: TEST_PASSWORD, code: fresh[0]! });
    assert.equal(off.status, 303);
    assert.equal(ctx.db.prepare('SELECT totp_secret FROM users').pluck().get(), null);
  });

  test('a recovery code is not spent by a wrong password', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const { codes } = await enrol(ctx, agent);
    const refused = await postForm(agent, '/account', '/account/two-factor/disable', { password: 'not my password', code: codes[0]! });
    assert.equal(refused.status, 422);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM recovery_codes WHERE used_at IS NULL').pluck().get(), 10);
  });
});

describe('adding a passkey with two-factor on', () => {
  test('needs a current code or a recovery code besides the password (a passkey counts as both factors); without two-factor, the password alone', async (t) => {
    const ctx = createTestContext({ PUBLIC_URL: 'http://localhost:3000' }, { clock: manualClock(START) });
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const options = async (fields: Record<string, string>) => {
      const csrf = csrfFrom((await agent.get('/account')).text);
      return agent.post('/account/passkeys/options').type('form').set('Accept', 'application/json').send({ _csrf: csrf, name: 'Laptop', ...fields });
    };
    assert.doesNotMatch((await agent.get('/account')).text, /id="passkey-code"/, 'no code field without two-factor');
    assert.equal((await options({ password: TEST_PASSWORD })).status, 200, 'the password alone, without two-factor');

    const { secret, codes } = await enrol(ctx, agent);
    const page = (await agent.get('/account')).text;
    assert.match(page, /<input id="passkey-code" name="code"[^>]*data-passkey-field="code"/);
    assert.match(page, /id="passkey-code-hint"[^>]*>Two-factor sign-in is on, and a passkey counts as both factors/);

    const noCode = await options({ password: TEST_PASSWORD });
    assert.equal(noCode.status, 422);
    assert.deepEqual(noCode.body, { error: 'Enter the code from your app, or a recovery code, to add a passkey.', field: 'code' });
    const wrongCode = await options({ password: TEST_PASSWORD, code: codeAt(secret, START) === '000000' ? '111111' : '000000' });
    assert.equal(wrongCode.status, 422);
    assert.equal(wrongCode.body.field, 'code');
    const finish = await agent.post('/account/passkeys').type('form').set('Accept', 'application/json').send({ _csrf: csrfFrom((await agent.get('/account')).text), name: 'Laptop', response: '{"id":"made-up"}' });
    assert.equal(finish.status, 422, 'no challenge was given to finish with');
    const wrongPassword = await options({ password: 'not my password', code: codeAt(secret, START + 30_000) });
    assert.deepEqual(wrongPassword.body, { error: 'That password is not right; no passkey was added.', field: 'password' });

    ctx.clock.advance(30_000);
    const withCode = await options({ password: TEST_PASSWORD, code: codeAt(secret, ctx.clock.now()) });
    assert.equal(withCode.status, 200, JSON.stringify(withCode.body));
    const withRecovery = await options({ password: TEST_PASSWORD, code: codes[0]! });
    assert.equal(withRecovery.status, 200, JSON.stringify(withRecovery.body));
    assert.equal(ctx.db.prepare('SELECT count(*) FROM recovery_codes WHERE used_at IS NOT NULL').pluck().get(), 1, 'the recovery code is spent');
  });
});
