/**
 * `npm run admin -- <command>`: what the owner of an instance needs without editing SQLite by hand. Safe while the
 * server runs (WAL mode: the server keeps reading and writing; a write here waits for its lock at most 5 s).
 *
 *   list-users                  email, created, last sign-in, transaction count, two-factor on or off
 *   invite                      prints a single-use sign-up link, valid for 7 days (REGISTRATION=invite)
 *   reset-password EMAIL        reads the new password from a prompt (or the first line of stdin), never the
 *                               command line; ends every session of that person, revokes their API tokens and
 *                               removes their passkeys
 *   disable-2fa EMAIL           turns two-factor sign-in off (a lost phone, no recovery codes left); ends every
 *                               session of that person
 *   delete-user EMAIL [--yes]   deletes the account and everything in it, after a confirmation (or --yes)
 *   set-currency CODE           records CODE (ISO 4217, two decimals) as the currency of every stored amount, which
 *                               is not converted: the server refuses to start when CURRENCY differs from the one
 *                               recorded, and this is how to change it on purpose
 *
 * Each command writes one audit line (JSON, on stderr) and never prints a hash or a secret it was not asked for.
 * Exit codes: 0 done, 1 failed (an unknown email, a refused password), 2 usage.
 */
import 'dotenv/config';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { assertUpgradeNotShared, DatabaseInUseError, migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { setStoredCurrency } from '../db/instance-settings.ts';
import { clearAccountRateLimits } from '../db/rate-limit-store.ts';
import { normaliseEmail } from '../domain/users.ts';
import { createAccountsRepo } from '../db/repos/accounts.ts';
import { createCategoriesRepo } from '../db/repos/categories.ts';
import { createApiTokensRepo } from '../db/repos/api-tokens.ts';
import { createInvitesRepo } from '../db/repos/invites.ts';
import { createPasskeysRepo } from '../db/repos/passkeys.ts';
import { createUsersRepo } from '../db/repos/users.ts';
import { createTransactionRunner } from '../db/unit-of-work.ts';
import { createAuditLog, createLogger } from '../logger.ts';
import { createPasswordHasher } from '../services/passwords.ts';
import { createUserService } from '../services/users.ts';
import { createSecurityService } from '../services/security.ts';
import { createSecurityEventsRepo } from '../db/repos/security-events.ts';
import { createTwoFactorService } from '../services/two-factor.ts';
import { createTwoFactorRepo } from '../db/repos/two-factor.ts';

const USAGE = `Usage: npm run admin -- <command>
  list-users                  email, created, last sign-in, transaction count, two-factor
  invite                      print a single-use sign-up link, valid for 7 days
  reset-password EMAIL        set a new password (asked for, or read from stdin); ends every session, revokes every API token
                              and removes every passkey
  disable-2fa EMAIL           turn two-factor sign-in off; ends every session
  delete-user EMAIL [--yes]   delete the account and everything in it
  unlock EMAIL                end the account's sign-in lockouts (wrong passwords or codes from anywhere)
  set-currency CODE           make CODE the currency of every stored amount (not converted); then start with CURRENCY=CODE`;

/**
 * Text from the database or the command line made safe for a terminal: control characters (ESC starts sequences that
 * move the cursor or rewrite lines) and format characters (bidi overrides reverse what follows) are written as
 * \u{...} escapes, so an email holding one cannot forge or hide lines of the output.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

class UsageError extends Error {}
class CommandError extends Error {}

/** Why a new password was refused, in words. */
const PASSWORD_PROBLEMS: Record<string, string> = {
  missing: 'no password was given',
  'too-short': 'the password is shorter than 8 characters',
  'too-long': 'the password is longer than 72 bytes (bcrypt ignores the rest)',
  common: 'the password is one of the most common ones; choose another',
  guessable: 'the password is easy to guess (a few characters repeated, the email, or the app name); choose another',
};

/** One line from stdin: typed without echo at a terminal, or the first line of what is piped in. */
async function readSecretLine(prompt: string): Promise<string> {
  const tty = process.stdin.isTTY === true;
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: tty });
  if (tty) process.stderr.write(prompt);
  muted = tty;
  const line = await new Promise<string>((resolve) => {
    let answered = false;
    rl.once('line', (text) => {
      answered = true;
      resolve(text);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
  rl.close();
  if (tty) process.stderr.write('\n');
  return line;
}

/** A yes from the person at the terminal: they type the email again. */
async function confirmAtTerminal(question: string, expected: string): Promise<boolean> {
  if (process.stdin.isTTY !== true) throw new UsageError('delete-user needs --yes when stdin is not a terminal');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  return answer.trim().toLowerCase() === expected.toLowerCase();
}

function compose(config: Config) {
  const db = openDatabase(config.databasePath);
  migrate(db);
  const users = createUsersRepo(db);
  const hasher = createPasswordHasher(config.bcryptCost);
  const twoFactor = createTwoFactorService({ twoFactor: createTwoFactorRepo(db), users, hasher, inTransaction: createTransactionRunner(db), clock: systemClock, issuer: 'Ledgerly' });
  const people = createUserService({
    users,
    categories: createCategoriesRepo(db),
    accounts: createAccountsRepo(db),
    hasher,
    inTransaction: createTransactionRunner(db),
    sessions: {
      countSessionsOfUser: () => 0,
      destroyOtherSessionsOfUser: () => 0,
    },
    apiTokens: createApiTokensRepo(db),
    passkeys: createPasskeysRepo(db),
    invites: createInvitesRepo(db),
    clock: systemClock,
    registration: config.registration,
    // The same folder the import service keeps a person's uploads in.
    removeUserFiles: (userId) => rm(path.join(config.dataDir, 'imports', String(userId)), { recursive: true, force: true }),
  });
  // The person sees the owner's changes to their account among their security events.
  const security = createSecurityService({ events: createSecurityEventsRepo(db), sessions: { listSessionsOfUser: () => [], keyOf: (sid) => sid, destroySessionOfUser: () => false }, clock: systemClock });
  return { db, people, twoFactor, security };
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '--help' || command === '-h') {
    console.error(USAGE);
    return command === undefined ? 2 : 0;
  }
  const config = loadConfig(process.env);
  // The owner's commands act on the server's database: where there is none, DATABASE_PATH names another file, and
  // making an empty one there would answer "no account has that email" and print invites no server honours.
  if (!existsSync(config.databasePath)) {
    throw new CommandError(`no database at ${path.resolve(config.databasePath)}: set DATABASE_PATH to the file the server uses (nothing was created)`);
  }
  // Which file the command acts on, so an owner with two instances (or a DATABASE_PATH from the wrong .env) sees it.
  console.error(`database: ${path.resolve(config.databasePath)}`);
  // A newer checkout's admin beside the older server still running must not upgrade the file under it, exactly as
  // a newer server's start-up must not: the old server would go on writing into a schema it does not know.
  try {
    assertUpgradeNotShared(config.databasePath);
  } catch (err) {
    if (!(err instanceof DatabaseInUseError)) throw err;
    throw new CommandError(
      `${path.resolve(config.databasePath)} needs upgrading to this version's schema, but a server (the previous version?) has it open: restart the server with this version first (it upgrades the file), then run the command again; nothing was changed`,
    );
  }
  const { db, people, twoFactor, security } = compose(config);
  const audit = createAuditLog(createLogger('info', process.stderr), (entry) => security.recordEvent(entry));
  try {
    switch (command) {
      case 'list-users': {
        if (rest.length > 0) throw new UsageError('list-users takes no arguments');
        const rows = people.listUsersForAdmin();
        const withTotp = twoFactor.userIdsWithTotp();
        const table = [
          ['email', 'created', 'last sign-in', 'transactions', '2fa'],
          ...rows.map((r) => [printable(r.email), r.createdAt.slice(0, 19).replace('T', ' '), r.lastSignInAt === null ? 'never' : new Date(r.lastSignInAt).toISOString().slice(0, 19).replace('T', ' '), String(r.transactionCount), withTotp.has(r.id) ? 'on' : 'off']),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table) console.log(row.map((cell, i) => (i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
        audit.record({ event: 'admin.users_listed', count: rows.length });
        return 0;
      }
      case 'invite': {
        if (rest.length > 0) throw new UsageError('invite takes no arguments');
        const { token, expiresAt } = people.createInvite();
        const base = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
        console.log(`${base}/register?invite=${token}`);
        console.error(`Single use, valid until ${new Date(expiresAt).toISOString()}.${config.registration === 'invite' ? '' : ` Note: REGISTRATION is ${config.registration}, so the sign-up page ${config.registration === 'open' ? 'needs no invite' : 'is closed even with one'}.`}${config.publicUrl ? '' : ' Set PUBLIC_URL for links with the address people use.'}`);
        audit.record({ event: 'admin.invite_created', expiresAt: new Date(expiresAt).toISOString() });
        return 0;
      }
      case 'reset-password': {
        if (rest.length !== 1) throw new UsageError('reset-password takes one EMAIL (the password is asked for, never given on the command line)');
        const email = printable(rest[0]!);
        if (!people.listUsersForAdmin().some((u) => normaliseEmail(u.email) === normaliseEmail(rest[0]!))) throw new CommandError(`no account has the email ${email}`);
        const password = await readSecretLine(`New password for ${email}: `);
        const result = await people.adminResetPassword(rest[0]!, password);
        if (!result.ok) throw new CommandError(result.problem === 'unknown-email' ? `no account has the email ${email}` : `password refused: ${PASSWORD_PROBLEMS[result.problem] ?? result.problem}`);
        console.log(`Password of ${email} changed; ${result.endedSessions} session(s) ended, ${result.revokedTokens} API token(s) revoked, ${result.removedPasskeys} passkey(s) removed.`);
        audit.record({ event: 'admin.password_reset', userId: result.userId, endedSessions: result.endedSessions, revokedTokens: result.revokedTokens, removedPasskeys: result.removedPasskeys });
        return 0;
      }
      case 'disable-2fa': {
        if (rest.length !== 1) throw new UsageError('disable-2fa takes one EMAIL');
        const result = twoFactor.adminDisable(rest[0]!);
        const email = printable(rest[0]!);
        if (!result.ok) throw new CommandError(`no account has the email ${email}`);
        console.log(result.wasOn ? `Two-factor sign-in of ${email} is now off; ${result.endedSessions} session(s) ended.` : `Two-factor sign-in of ${email} was already off; nothing changed.`);
        audit.record({ event: 'admin.two_factor_disabled', userId: result.userId, endedSessions: result.endedSessions });
        return 0;
      }
      case 'delete-user': {
        const yes = rest.includes('--yes');
        const emails = rest.filter((a) => a !== '--yes');
        if (emails.length !== 1 || rest.some((a) => a.startsWith('--') && a !== '--yes')) throw new UsageError('delete-user takes one EMAIL and, optionally, --yes');
        const email = emails[0]!;
        const known = people.listUsersForAdmin().find((u) => normaliseEmail(u.email) === normaliseEmail(email));
        if (!known) throw new CommandError(`no account has the email ${printable(email)}`);
        if (!yes && !(await confirmAtTerminal(`This deletes ${printable(known.email)} and their ${known.transactionCount} transactions for good. Type the email to confirm: `, known.email))) {
          throw new CommandError('not confirmed; nothing was deleted');
        }
        const result = await people.adminDeleteUser(email);
        if (!result.ok) throw new CommandError(`no account has the email ${printable(email)}`);
        console.log(`Deleted ${printable(known.email)} and everything in the account.`);
        audit.record({ event: 'admin.user_deleted', userId: result.userId });
        return 0;
      }
      case 'unlock': {
        if (rest.length !== 1) throw new UsageError('unlock takes one EMAIL');
        const known = people.listUsersForAdmin().find((u) => normaliseEmail(u.email) === normaliseEmail(rest[0]!));
        if (!known) throw new CommandError(`no account has the email ${printable(rest[0]!)}`);
        const cleared = clearAccountRateLimits(db, { email: normaliseEmail(known.email), userId: known.id }, systemClock.now());
        console.log(`${printable(known.email)} can sign in again${cleared === 0 ? ' (it was not locked)' : ''}.`);
        audit.record({ event: 'admin.unlocked', userId: known.id, cleared });
        return 0;
      }
      case 'set-currency': {
        if (rest.length !== 1) throw new UsageError('set-currency takes one CODE, such as EUR');
        // The same rule as CURRENCY's: three letters of a currency with two decimals.
        const wanted = loadConfig({ ...process.env, CURRENCY: rest[0]! }).currency;
        const before = setStoredCurrency(db, wanted);
        if (before === wanted) {
          console.log(`The currency is already ${wanted}; nothing changed.`);
          return 0;
        }
        console.log(
          `The currency of this database's amounts is now ${wanted}${before === undefined ? '' : ` (it was ${before})`}. Amounts were not converted: ` +
            `what read 12.50 ${before ?? config.currency} now reads 12.50 ${wanted}. Start the server with CURRENCY=${wanted}.`,
        );
        audit.record({ event: 'admin.currency_set', from: before ?? null, to: wanted });
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const message = err instanceof CommandError || err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    console.error(`admin: ${message.replace(/\s*\n\s*/g, '; ')}`);
    process.exit(1);
  },
);
