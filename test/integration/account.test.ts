import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createApiTokensRepo } from '../../src/db/repos/api-tokens.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createInvitesRepo } from '../../src/db/repos/invites.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { createTransactionRunner } from '../../src/db/unit-of-work.ts';
import { createPasswordHasher, type PasswordHasher } from '../../src/services/passwords.ts';
import { createUserService } from '../../src/services/users.ts';
import { manualClock } from '../helpers/clock.ts';
import { databaseFile } from '../helpers/databases.ts';
import { describe, test } from 'node:test';
import { addTransaction, postForm, registerUser, TEST_PASSWORD, tokenFor, type Agent, agentFor, requestTo } from '../helpers/app.ts';
import { createFinishedImport, createOwnedObjects } from '../helpers/attack.ts';
import { makeApiToken } from '../helpers/api.ts';
import { countRows, createSecurityContext, logInAgent, sessionIdsOf, userIdOf } from '../helpers/security.ts';

const NEW_PASSWORD = 'a brand new passphrase';

async function changePassword(agent: Agent, fields: Record<string, string>) {
  const token = await tokenFor(agent, '/account');
  return agent.post('/account/password').type('form').send({ _csrf: token, ...fields });
}

function passwordHashOf(ctx: { db: { prepare(sql: string): { get(...a: unknown[]): unknown } } }, email: string): string {
  return (ctx.db.prepare('SELECT password_hash FROM users WHERE email = ?').get(email) as { password_hash: string }).password_hash;
}

describe('common passwords', () => {
  for (const common of ['password1', 'PassWord1', 'iloveyou', 'qwertyuiop']) {
    test(`registration refuses the common password "${common}" with a clear message and creates no account`, async (t) => {
      const ctx = createSecurityContext();
      t.after(() => ctx.cleanup());
      const agent = agentFor(ctx.app);
      const token = await tokenFor(agent, '/register');
      const res = await agent
        .post('/register')
        .type('form')
        .send({ _csrf: token, email: 'new@example.com', password: common, confirmPassword: common });
      assert.equal(res.status, 422);
      assert.match(res.text, /on a list of the most common passwords/);
      assert.match(res.text, /value="new@example.com"/, 'the email is kept');
      assert.equal(countRows(ctx, 'users'), 0);
    });
  }

  test('changing to a common password is refused and the old password keeps working', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const before = passwordHashOf(ctx, 'ann@example.com');
    const res = await changePassword(agent, { currentPassword: TEST_PASSWORD, newPassword: 'letmein123', confirmPassword: 'letmein123' });
    assert.equal(res.status, 422);
    assert.match(res.text, /on a list of the most common passwords/);
    assert.equal(passwordHashOf(ctx, 'ann@example.com'), before);
  });
});

describe('the account page', () => {
  test('deleting an account says goodbye in the language the person was using', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'olena@example.com');
    await postForm(agent, '/account', '/account/language', { language: 'uk' });
    assert.equal((await postForm(agent, '/account', '/account/delete', { password: TEST_PASSWORD })).status, 303);
    const login = await agent.get('/login');
    assert.match(login.text, /<html lang="uk">/);
    assert.match(login.text, /Ваш обліковий запис і всі його дані видалено\./);
  });

  test('is only for signed-in users', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const res = await requestTo(ctx.app).get('/account');
    assert.equal(res.status, 303);
    assert.match(res.headers.location ?? '', /^\/login/);
  });

  test('shows the email, the three forms and how many other sessions there are', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const res = await agent.get('/account');
    assert.equal(res.status, 200);
    assert.match(res.text, /ann@example.com/);
    assert.match(res.text, /<label for="currentPassword">Current password<\/label>/);
    assert.match(res.text, /Log out other sessions/);
    assert.match(res.text, /Delete account/);
    assert.match(res.text, /data-other-sessions="1"/);
    assert.match(res.text, /href="\/css\/account.css\?v=[\w-]{12}"/);
  });
});

describe('changing the password', () => {
  test('a wrong current password is refused and nothing changes', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const before = passwordHashOf(ctx, 'ann@example.com');
    const res = await changePassword(agent, { currentPassword: 'not my password', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(res.status, 422);
    assert.match(res.text, /That is not your current password/);
    assert.equal(passwordHashOf(ctx, 'ann@example.com'), before);
    assert.equal((await agent.get('/dashboard')).status, 200, 'still signed in');
  });

  test('mismatched confirmation is refused and nothing changes', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const before = passwordHashOf(ctx, 'ann@example.com');
    const res = await changePassword(agent, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: 'something else entirely' });
    assert.equal(res.status, 422);
    assert.match(res.text, /The two new passwords do not match/);
    assert.equal(passwordHashOf(ctx, 'ann@example.com'), before);
  });

  test('succeeds with the current password, rotates the session id and ends every other session', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const phone = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const userId = userIdOf(ctx, 'ann@example.com');
    const sidsBefore = sessionIdsOf(ctx, userId);
    assert.equal(sidsBefore.length, 2);

    const res = await changePassword(agent, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });

    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/account');
    const sidsAfter = sessionIdsOf(ctx, userId);
    assert.equal(sidsAfter.length, 1, 'only the session that changed the password remains');
    assert.ok(!sidsBefore.includes(sidsAfter[0]!), 'its id is new');
    const page = await agent.get('/account');
    assert.equal(page.status, 200, 'this browser is still signed in');
    assert.match(page.text, /Password changed/);
    assert.equal((await phone.get('/dashboard')).status, 303, 'the other device is signed out');

    await assert.rejects(logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD), /401/);
    await logInAgent(ctx.app, 'ann@example.com', NEW_PASSWORD);
  });
});

describe('two password changes at once', () => {
  test('the second to finish is refused, keeps nothing of its own, and says why; only the first password works', async (t) => {
    // bcrypt at cost 10 (tens of ms a hash) keeps both requests inside each other's checks, as on a real server.
    const ctx = createSecurityContext({ env: { BCRYPT_COST: '10' } });
    t.after(() => ctx.cleanup());
    const owner = await registerUser(ctx.app, 'ann@example.com');
    const other = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const [ownerToken, otherToken] = [await tokenFor(owner, '/account'), await tokenFor(other, '/account')];
    // Both pass the current-password check while the other's bcrypt work is still running.
    const [mine, theirs] = await Promise.all([
      owner.post('/account/password').type('form').send({ _csrf: ownerToken, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }),
      other.post('/account/password').type('form').send({ _csrf: otherToken, currentPassword: TEST_PASSWORD, newPassword: 'the other one kept this', confirmPassword: 'the other one kept this' }),
    ]);
    const statuses = [mine.status, theirs.status].sort();
    assert.deepEqual(statuses, [303, 422], 'one change, and one refused');
    const [won, lost] = mine.status === 303 ? [NEW_PASSWORD, 'the other one kept this'] : ['the other one kept this', NEW_PASSWORD];
    const refused = mine.status === 422 ? mine : theirs;
    assert.match(refused.text, /Your password was changed from another session a moment ago, so nothing was changed here\./);
    await logInAgent(ctx.app, 'ann@example.com', won);
    await assert.rejects(logInAgent(ctx.app, 'ann@example.com', lost), /401/, 'the refused change left no password behind');
    await assert.rejects(logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD), /401/);
  });
});

describe('a new password and API tokens', () => {
  test('with tokens, the password form offers to revoke them, ticked; ticked revokes every one (the API answers 401), unticked keeps them', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    assert.doesNotMatch((await agent.get('/account')).text, /name="revokeApiTokens"/, 'no tokens, no box');
    const script = await makeApiToken(agent, { name: 'Script', scope: 'read', lifetime: 'never' });
    const stolen = await makeApiToken(agent, { name: 'Not mine', scope: 'read-write', lifetime: 'never' });
    const api = (token: string) => agentFor(ctx.app).get('/api/v1/summary').set('Authorization', `Bearer ${token}`);
    const page = (await agent.get('/account')).text;
    assert.match(page, /<label class="choice"><input type="checkbox" name="revokeApiTokens" value="1" checked[^>]*> Also revoke my 2 API tokens \(scripts using them stop working\)<\/label>/);

    // Unticked, with a wrong current password: the refused form keeps the box as it was sent, unticked.
    const refused = await changePassword(agent, { currentPassword: 'not my password', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /<input type="checkbox" name="revokeApiTokens" value="1" aria-describedby/, 'not ticked again');
    // Unticked (the box not sent): the tokens stay.
    assert.equal((await changePassword(agent, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })).status, 303);
    assert.equal((await api(stolen)).status, 200);
    // Ticked: every token goes with the old password, in the same change.
    const other = 'another new passphrase';
    assert.equal((await changePassword(agent, { currentPassword: NEW_PASSWORD, newPassword: other, confirmPassword: other, revokeApiTokens: '1' })).status, 303);
    assert.match((await agent.get('/account')).text, /Password changed[\s\S]*Your 2 API tokens were revoked\./);
    assert.equal((await api(stolen)).status, 401);
    assert.equal((await api(script)).status, 401);
    assert.equal(countRows(ctx, 'api_tokens'), 0);
    // A value other than the box's own changes nothing and says why.
    await makeApiToken(agent, { name: 'New script', scope: 'read', lifetime: 'never' }, other);
    const odd = await changePassword(agent, { currentPassword: other, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, revokeApiTokens: 'yes' });
    assert.equal(odd.status, 422);
    assert.match(odd.text, /id="revokeApiTokens-error"/, 'said beside the box');
    assert.equal(countRows(ctx, 'api_tokens'), 1);
  });
});

describe('logging out other sessions', () => {
  test('ends the other sessions of this user only and keeps this one', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const laptop = await registerUser(ctx.app, 'ann@example.com');
    const phone = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const tablet = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const bob = await registerUser(ctx.app, 'bob@example.com');

    const token = await tokenFor(laptop, '/account');
    const res = await laptop.post('/account/sessions/logout-others').type('form').send({ _csrf: token });

    assert.equal(res.status, 303);
    const page = await laptop.get('/account');
    assert.equal(page.status, 200);
    assert.match(page.text, /Logged out 2 other sessions/);
    assert.match(page.text, /data-other-sessions="0"/);
    assert.equal((await phone.get('/dashboard')).status, 303);
    assert.equal((await tablet.get('/dashboard')).status, 303);
    assert.equal((await bob.get('/dashboard')).status, 200, "another user's session is untouched");
  });
});

describe('adding a passkey', () => {
  test('asks for the password again: without it, or with a wrong one, no challenge is given (422 naming the field) and the ceremony cannot finish; with it, the options', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const csrf = await tokenFor(agent, '/account');
    const options = (password: string) => agent.post('/account/passkeys/options').type('form').set('Accept', 'application/json').send({ _csrf: csrf, name: 'Laptop', password });
    for (const [password, error] of [['', 'Enter your password to add a passkey.'], ['not my password', 'That password is not right; no passkey was added.']] as const) {
      const refused = await options(password);
      assert.equal(refused.status, 422, password);
      assert.deepEqual(refused.body, { error, field: 'password' });
      // The second post of the ceremony needs the challenge only a checked password gives.
      const finish = await agent.post('/account/passkeys').type('form').set('Accept', 'application/json').send({ _csrf: csrf, name: 'Laptop', response: '{"id":"made-up"}' });
      assert.equal(finish.status, 422);
    }
    const given = await options(TEST_PASSWORD);
    assert.equal(given.status, 200, JSON.stringify(given.body));
    assert.match(given.body.challenge, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(given.body.rp.id, 'localhost');
    assert.equal(countRows(ctx, 'passkeys'), 0);
  });
});

describe('deleting the account', () => {
  test('a wrong password deletes nothing', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    await addTransaction(agent, { amount: '12.00', description: 'Lunch' });
    const token = await tokenFor(agent, '/account');
    const res = await agent.post('/account/delete').type('form').send({ _csrf: token, password: 'not my password' });
    assert.equal(res.status, 422);
    assert.match(res.text, /That is not your password, so nothing was deleted/);
    assert.equal(countRows(ctx, 'users'), 1);
    assert.equal(countRows(ctx, 'transactions'), 1);
  });

  test('with the password removes the user, their data and every session, and shows the login page with a message', async (t) => {
    const ctx = createSecurityContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const phone = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD);
    const annId = userIdOf(ctx, 'ann@example.com');
    await addTransaction(agent, { type: 'income', amount: '100.00', description: 'Pay' });
    await addTransaction(agent, { amount: '12.00', description: 'Lunch' });
    await addTransaction(agent, { amount: '7.00', description: 'Bookshop receipt for ann' });
    await addTransaction(agent, { amount: '90.00', description: 'Dr Zanzibar oncology visit' });
    const bob = await registerUser(ctx.app, 'bob@example.com');
    await addTransaction(bob, { amount: '5.00', description: 'Coffee' });
    const bobId = userIdOf(ctx, 'bob@example.com');
    // Uploaded CSV files live outside the database, in one folder per user.
    const uploads = (id: number) => path.join(ctx.config.dataDir, 'imports', String(id));
    for (const id of [annId, bobId]) {
      mkdirSync(uploads(id), { recursive: true });
      writeFileSync(path.join(uploads(id), 'pending.csv'), 'date,amount\n');
    }

    // Each has a finished import, whose job row is theirs.
    await createFinishedImport(ctx, agent);
    await createFinishedImport(ctx, bob);
    const jobsOf = (id: number) => (ctx.db.prepare('SELECT count(*) AS n FROM jobs WHERE user_id = ?').get(id) as { n: number }).n;
    assert.deepEqual([jobsOf(annId), jobsOf(bobId)], [1, 1]);


    // One object of every kind a person can own (accounts, transfers, budgets, ...), in every table that has an owner.
    await createOwnedObjects(ctx, agent, annId);
    const ownedTables = (ctx.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[])
      .filter((table) => (ctx.db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).some((c) => c.name === 'user_id'));
    const rowsOf = (table: string, id: number) => ctx.db.prepare(`SELECT count(*) FROM "${table}" WHERE user_id = ?`).pluck().get(id) as number;
    // A failed sign-in is one of her security events.
    await postForm(agentFor(ctx.app), '/login', '/login', { email: 'ann@example.com', password: 'not her password' });
    for (const table of ['accounts', 'transfers', 'budgets', 'budget_rollover_settings', 'monthly_totals', 'account_monthly_totals', 'passkeys', 'api_tokens', 'security_events', 'rules', 'csv_mappings', 'user_totals']) {
      assert.ok(rowsOf(table, annId) > 0, `ann has rows in ${table} before`);
    }

    // The text index holds each description's three-letter pieces ('zan' of Zanzibar among them), enough to spell it again.
    const fileBytes = () => Buffer.concat([ctx.dbPath, `${ctx.dbPath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    assert.equal(fileBytes().includes('zan'), true, "the search index's pieces of her description are in the file before");

    const token = await tokenFor(agent, '/account');
    const res = await agent.post('/account/delete').type('form').send({ _csrf: token, password: TEST_PASSWORD });

    assert.equal(res.status, 303);
    assert.deepEqual(ownedTables.filter((table) => rowsOf(table, annId) > 0), [], 'no table keeps a row of hers');
    assert.equal(res.headers.location, '/login');
    assert.deepEqual([jobsOf(annId), jobsOf(bobId)], [0, 1], "ann's jobs went with her account; bob's stay");
    const login = await agent.get('/login');
    assert.equal(login.status, 200);
    assert.match(login.text, /Your account and all its data have been deleted/);
    const count = (sql: string, id: number) => (ctx.db.prepare(sql).get(id) as { n: number }).n;
    assert.equal(count('SELECT count(*) AS n FROM users WHERE id = ?', annId), 0);
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', annId), 0);
    assert.equal(count('SELECT count(*) AS n FROM categories WHERE user_id = ?', annId), 0);
    assert.equal(count('SELECT count(*) AS n FROM monthly_totals WHERE user_id = ?', annId), 0);
    assert.equal(count('SELECT count(*) AS n FROM sessions WHERE user_id = ?', annId), 0);
    assert.equal((await phone.get('/dashboard')).status, 303, 'the other device is signed out');
    assert.equal(count('SELECT count(*) AS n FROM transactions WHERE user_id = ?', bobId), 1, "bob's data stays");
    assert.equal(existsSync(uploads(annId)), false, "ann's uploaded files are removed");
    assert.equal(existsSync(path.join(uploads(bobId), 'pending.csv')), true, "bob's uploads stay");
    await assert.rejects(logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD), /401/);
    // Nor is any of it left readable in the database file or its WAL (where a backup would copy it from).
    // Nor in the text index: deleting from it only marks rows deleted, so it is rewritten without them.
    const bytes = fileBytes();
    for (const text of ['ann@example.com', 'Bookshop receipt for ann', 'zan']) assert.equal(bytes.includes(text), false, `"${text}" is gone from the file`);
    assert.equal(bytes.includes('bob@example.com'), true, "bob's rows are still there (the search can find what is there)");
  });
});

describe('a password change beside a sign-in that rehashes', () => {
  test('goes through: the sign-in stored the same password under a stronger hash, so the password checked is still current', async (t) => {
    const db = databaseFile(t);
    const weak = createPasswordHasher(4);
    const strong = createPasswordHasher(5);
    db.prepare("INSERT INTO users (email, password_hash) VALUES ('ann@example.com', ?)").run(await weak.hashPassword(TEST_PASSWORD));
    // The change's new hash waits until the sign-in has stored its stronger hash of the old password.
    let release!: () => void;
    const signedInFirst = new Promise<void>((resolve) => (release = resolve));
    const hasher: PasswordHasher = {
      ...strong,
      hashPassword: async (password) => {
        if (password === NEW_PASSWORD) await signedInFirst;
        return strong.hashPassword(password);
      },
    };
    const users = createUsersRepo(db);
    const service = createUserService({
      users,
      categories: createCategoriesRepo(db),
      accounts: createAccountsRepo(db),
      hasher,
      inTransaction: createTransactionRunner(db),
      sessions: { countSessionsOfUser: () => 0, destroyOtherSessionsOfUser: () => 0 },
      apiTokens: createApiTokensRepo(db),
      passkeys: { removeAllPasskeys: () => 0 },
      invites: createInvitesRepo(db),
      clock: manualClock(),
      registration: 'open',
      removeUserFiles: async () => {},
    });
    const before = users.findPasswordHashById(1);
    const change = service.changePassword(1, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, revokeApiTokens: false });
    assert.ok(await service.authenticate('ann@example.com', TEST_PASSWORD), 'signed in');
    assert.notEqual(users.findPasswordHashById(1), before, 'the sign-in stored a stronger hash');
    release();
    const result = await change;
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(await service.authenticate('ann@example.com', NEW_PASSWORD), 'the new password is the one now');
    assert.equal(await service.authenticate('ann@example.com', TEST_PASSWORD), undefined);
  });
});
