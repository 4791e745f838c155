import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import request from 'supertest';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { findMonthlyTotalsMismatches } from '../../src/db/totals-check.ts';
import { appOn, csrfFrom } from '../helpers/app.ts';
import { allTransactionsOf } from '../helpers/bookkeeping.ts';
import { runToExit, serverEnv, tempDataDir } from '../helpers/server-process.ts';

test('seed:demo --demo creates an account that logs in with the printed password and has realistic, categorised history', async (t) => {
  const data = tempDataDir('ledgerly-seed-');
  t.after(() => data.remove());
  const run = await runToExit('src/tools/seed-demo.ts', serverEnv({ DATABASE_PATH: data.dbPath }), [
    '--demo',
    '--users',
    '2',
    '--transactions',
    '1500',
    '--verify',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const password = /demo account: demo@example\.com {2}password: (\S+)/.exec(run.stdout)?.[1];
  assert.ok(password, `no password printed:\n${run.stdout}`);
  assert.match(run.stdout, /verified: monthly totals equal the sums of the raw rows/);

  const db = openDatabase(data.dbPath);
  t.after(() => db.close());
  migrate(db);
  const users = createUsersRepo(db);
  const demo = users.findCredentialsByEmail('demo@example.com');
  assert.ok(demo);
  assert.match(demo.passwordHash, /^\$2[aby]\$04\$/, 'bcrypt with the configured cost');
  assert.ok(users.findCredentialsByEmail('seed-user-2@example.com'), 'the other users exist too');

  const rows = allTransactionsOf(db, demo.id);
  assert.equal(rows.length, 1500);
  const days = rows.map((r) => r.occurredOn).sort();
  const spanDays = (Date.parse(days.at(-1)!) - Date.parse(days[0]!)) / 86_400_000;
  assert.ok(spanDays > 9 * 365, `dates span ${spanDays} days, about ten years expected`);
  assert.ok(rows.some((r) => r.type === 'income') && rows.some((r) => r.type === 'expense'));
  const own = new Map(createCategoriesRepo(db).listCategoriesForUser(demo.id).map((c) => [c.id, c.kind]));
  const used = new Set(rows.map((r) => r.categoryId));
  assert.ok(used.size >= 5, 'several categories are used');
  for (const r of rows) assert.equal(own.get(r.categoryId!), r.type, 'each row has one of the user\'s categories of its kind');
  assert.ok(new Set(rows.map((r) => r.description)).size >= 10, 'descriptions vary');
  assert.deepEqual(findMonthlyTotalsMismatches(db), []);
  // The demo never shows an overdrawn account: its opening balance, on its first row's day, keeps every day at or above
  // zero, rounded up to a hundred with a hundred to spare.
  const [account] = createAccountsRepo(db).listAccounts(demo.id);
  assert.ok(account);
  assert.equal(account.openingOn, days[0]);
  assert.equal(account.openingBalanceCents % 10_000, 0);
  let balance = account.openingBalanceCents;
  let lowest = balance;
  for (const r of [...rows].sort((a, b) => a.occurredOn.localeCompare(b.occurredOn) || a.id - b.id)) {
    balance += r.type === 'income' ? r.amountCents : -r.amountCents;
    lowest = Math.min(lowest, balance);
  }
  assert.ok(lowest >= 10_000 && lowest < 20_000, `the lowest day is ${lowest} cents`);

  const agent = request.agent(appOn(db, { DATABASE_PATH: data.dbPath }));
  const form = await agent.get('/login');
  const login = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), email: 'demo@example.com', password });
  assert.equal(login.status, 303);
  const dashboard = await agent.get('/dashboard');
  assert.equal(dashboard.status, 200);
  // Signed in as the demo user: the latest seeded row is on their dashboard.
  const newest = allTransactionsOf(db, demo.id)[0]!;
  assert.match(dashboard.text, new RegExp(`datetime="${newest.occurredOn}"`));
  assert.match(dashboard.text, /Log out/);
});

test('seed:demo refuses to run without something to create and writes nothing', async (t) => {
  const data = tempDataDir('ledgerly-seed-');
  t.after(() => data.remove());
  const run = await runToExit('src/tools/seed-demo.ts', serverEnv({ DATABASE_PATH: data.dbPath }), ['--transactions', '10']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /nothing to do/);
});

test('seed:demo refuses a production database unless told --yes, and writes nothing', async (t) => {
  const data = tempDataDir('ledgerly-seed-');
  t.after(() => data.remove());
  const env = serverEnv({ DATABASE_PATH: data.dbPath, NODE_ENV: 'production', BCRYPT_COST: '12' });
  const run = await runToExit('src/tools/seed-demo.ts', env, ['--demo', '--transactions', '10']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /NODE_ENV is production.*pass --yes if you mean it/);
  assert.equal(existsSync(data.dbPath), false, 'no database was made');
});
