/**
 * `npm run seed:demo -- [options]`: fills a database with realistic demo data, fast, in one transaction per user.
 *
 *   --demo               create (or refresh) demo@example.com with a new random password, printed once
 *   --email ADDRESS      create (or reuse) this account and give it the transactions
 *   --users N            also create N other users (seed-user-1@example.com, ...)          default 0
 *   --transactions M     transactions per user                                               default 2000
 *   --password TEXT      password for --email and --users accounts (random and printed if omitted)
 *   --database PATH      SQLite file (default: DATABASE_PATH or ./data/finance.sqlite, as the server uses)
 *   --years Y            how far back the dates go                                          default 10
 *   --seed S             random seed, for repeatable data                                    default 1
 *   --mode bulk|trigger  totals computed once per user (bulk) or by the insert trigger per row
 *   --verify             afterwards, check monthly totals against the raw rows (reads every row)
 *   --yes                run although NODE_ENV is production (it adds accounts whose passwords are printed)
 */
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { createAccountsRepo } from '../db/repos/accounts.ts';
import { createUsersRepo } from '../db/repos/users.ts';
import { findMonthlyTotalsMismatches, findUserTotalsMismatches } from '../db/totals-check.ts';
import { dayAt } from '../domain/calendar.ts';
import { emailProblem, normaliseEmail } from '../domain/users.ts';
import { createPasswordHasher, newPasswordProblem } from '../services/passwords.ts';
import { createRandomSource, seedTransactionsForUser, seedUsers, type SeedReport } from './seed.ts';

const DEMO_EMAIL = 'demo@example.com';

class UsageError extends Error {
  override name = 'UsageError';
}

function wholeNumber(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max}`);
  return Number(raw);
}

function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      demo: { type: 'boolean', default: false },
      email: { type: 'string' },
      users: { type: 'string' },
      transactions: { type: 'string' },
      password: { type: 'string' },
      database: { type: 'string' },
      years: { type: 'string' },
      seed: { type: 'string' },
      mode: { type: 'string' },
      verify: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: npm run seed:demo -- [--demo] [--email ADDRESS] [--users N] [--transactions M] [--password TEXT]');
    console.log('       [--database PATH] [--years Y] [--seed S] [--mode bulk|trigger] [--verify] [--yes]');
    return;
  }
  const users = wholeNumber('users', values.users, 0, 100_000);
  const perUser = wholeNumber('transactions', values.transactions, 2000, 50_000_000);
  const years = wholeNumber('years', values.years, 10, 100);
  const seed = wholeNumber('seed', values.seed, 1, 2 ** 32 - 1);
  if (years < 1) throw new UsageError('--years must be at least 1');
  const mode = values.mode;
  if (mode !== undefined && mode !== 'bulk' && mode !== 'trigger') throw new UsageError('--mode must be bulk or trigger');
  const email = values.email === undefined ? undefined : normaliseEmail(values.email);
  if (email !== undefined) {
    const problem = emailProblem(email);
    if (problem) throw new UsageError('--email: enter an email address like name@example.com');
  }
  if (!values.demo && email === undefined && users === 0) {
    throw new UsageError('nothing to do: pass --demo, --email ADDRESS and/or --users N (see --help)');
  }
  const password = values.password ?? randomPassword();
  const problem = newPasswordProblem(password);
  if (problem) {
    const why = { 'too-short': 'use at least 8 characters', 'too-long': 'use at most 72 bytes', common: 'it is on the list of common passwords', guessable: 'it is easy to guess (a few characters repeated, or the app name)' }[problem];
    throw new UsageError(`--password: ${why}`);
  }

  const config = loadConfig(values.database === undefined ? process.env : { ...process.env, DATABASE_PATH: values.database });
  // Demo accounts sign in with a password printed on a terminal, whatever REGISTRATION says: not something to add
  // to the household's live database by a slip of the environment.
  if (config.isProduction && !values.yes) {
    throw new UsageError(
      `NODE_ENV is production, so ${config.databasePath} looks like a live database, and demo accounts sign in with the password printed here. Use another --database, or pass --yes if you mean it.`,
    );
  }
  const hasher = createPasswordHasher(config.bcryptCost);
  // One big commit: NORMAL skips the fsync of a WAL holding the whole load; close() checkpoints and syncs it.
  const db = openDatabase(config.databasePath, { synchronous: 'NORMAL' });
  try {
    migrate(db);
    // A bigger page cache for the duration of the bulk insert; this connection closes when we are done.
    db.pragma('cache_size = -262144');
    const random = createRandomSource(seed);
    const endOn = dayAt(systemClock.now(), config.timeZone);
    const reports: { email: string; report: SeedReport }[] = [];
    const seedOne = (address: string, id: number) =>
      reports.push({ email: address, report: seedTransactionsForUser(db, id, { count: perUser, endOn, years, random, ...(mode ? { mode } : {}) }) });

    if (values.demo) {
      const demoPassword = randomPassword();
      const hash = await hasher.hashPassword(demoPassword);
      const [id] = seedUsers(db, [DEMO_EMAIL], hash);
      createUsersRepo(db).updatePasswordHash(id!, hash);
      seedOne(DEMO_EMAIL, id!);
      openAboveZero(db, id!);
      console.log(`demo account: ${DEMO_EMAIL}  password: ${demoPassword}`);
    }
    if (email !== undefined || users > 0) {
      const hash = await hasher.hashPassword(password);
      const others = Array.from({ length: users }, (_, i) => `seed-user-${i + 1}@example.com`);
      const emails = email === undefined ? others : [email, ...others];
      const ids = seedUsers(db, emails, hash);
      emails.forEach((address, i) => seedOne(address, ids[i]!));
      if (values.password === undefined) console.log(`password for ${emails.length} seeded account(s): ${password}`);
    }

    let rows = 0;
    let ms = 0;
    for (const { email: address, report } of reports) {
      rows += report.inserted;
      ms += report.milliseconds;
      if (reports.length <= 10) {
        console.log(`${address}: ${report.inserted} transactions in ${Math.round(report.milliseconds)} ms (${report.mode}; ${JSON.stringify(report.phases)})`);
      }
    }
    console.log(
      `${rows} transactions for ${reports.length} user(s) in ${(ms / 1000).toFixed(2)} s ` +
        `(${Math.round(rows / Math.max(ms / 1000, 0.001))} rows/s) into ${config.databasePath}`,
    );
    if (values.verify) {
      const mismatches = findMonthlyTotalsMismatches(db);
      if (mismatches.length > 0) {
        console.error(`monthly totals differ from the rows in ${mismatches.length} group(s), e.g.`, mismatches[0]);
        process.exitCode = 1;
      } else console.log('verified: monthly totals equal the sums of the raw rows');
      const users = findUserTotalsMismatches(db);
      if (users.length > 0) {
        console.error(`all-time totals differ from the months for ${users.length} (user, type), e.g.`, users[0]);
        process.exitCode = 1;
      } else console.log('verified: all-time totals equal the sums of the months');
    }
  } finally {
    db.close();
  }
}

/**
 * Gives the demo person's account an opening balance on the day of its first row that keeps it above zero: random
 * spending before the first salary otherwise opened the demo with an overdrawn account and a negative net worth.
 * Rounded up to a hundred, with a hundred to spare.
 */
function openAboveZero(db: ReturnType<typeof openDatabase>, userId: number): void {
  const accounts = createAccountsRepo(db);
  const account = accounts.listAccounts(userId)[0];
  if (!account) return;
  const { lowestCents, firstOn } = accounts.lowestRunningNet(userId, account.id);
  if (firstOn === null) return;
  const openingBalanceCents = Math.ceil(-lowestCents / 10_000) * 10_000 + 10_000;
  accounts.updateOwnedAccount(userId, account.id, { name: account.name, kind: account.kind, openingBalanceCents, openingOn: firstOn });
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? `seed:demo: ${err.message}` : err);
  process.exit(1);
});
