import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import { normaliseAccountName, STARTER_ACCOUNT_NAME } from '../domain/accounts.ts';
import type { UsersRepo } from '../db/repos/users.ts';
import { normaliseCategoryName, STARTER_CATEGORIES, type StarterCategoryId } from '../domain/categories.ts';
import { EmailTakenError } from '../db/repos/users.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import { emailProblem, normaliseEmail, type EmailProblem, type PasswordProblem, type Theme, type User } from '../domain/users.ts';
import type { ApiTokensRepo } from '../db/repos/api-tokens.ts';
import type { InvitesRepo } from '../db/repos/invites.ts';
import type { PasskeysRepo } from '../db/repos/passkeys.ts';
import { personLimitKey } from '../domain/limits.ts';
import { INVITE_LIFETIME_MS, inviteState, signUpAccess, type RegistrationMode, type SignUpAccess } from '../domain/registration.ts';
import type { Clock } from '../clock.ts';
import { createHash, randomBytes } from 'node:crypto';
import type { PasswordHasher } from './passwords.ts';
import { newPasswordProblem } from './passwords.ts';

/** The three fields of the sign-up form, each sent once. */
export interface RegistrationInput {
  readonly email: string;
  readonly password: string;
  readonly confirmPassword: string;
}

export type RegistrationProblems = {
  email?: EmailProblem | 'taken';
  password?: PasswordProblem | 'missing';
  confirmPassword?: 'mismatch';
};

/** How the new account should speak: its language, and the starter categories' names in that language. */
export interface RegistrationLanguage {
  readonly language: string;
  readonly starterCategoryNames: Readonly<Record<StarterCategoryId, string>>;
  /** The name of the account every person starts with ("Main account", "Основний рахунок"). */
  readonly starterAccountName: string;
}

export type RegistrationResult =
  | { ok: true; user: User }
  | { ok: false; problems: RegistrationProblems; email: string }
  | { ok: false; closed: Extract<SignUpAccess, { open: false }>['reason'] };

/** Thrown inside the sign-up transaction when the invite was spent meanwhile, so the account is rolled back. */
class InviteSpentError extends Error {}

/** Thrown inside the sign-up transaction when another first account was made meanwhile. */
class FirstAccountTakenError extends Error {}

/** The SHA-256 of an invite token, as stored: the token itself only ever lives in the link. */
function inviteHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The three fields of the password form, each sent once. */
export interface PasswordChangeInput {
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly confirmPassword: string;
  /** Revoke every API token too: one made by whoever knew the old password would outlive it otherwise. */
  readonly revokeApiTokens?: boolean;
}

export type PasswordChangeProblems = {
  currentPassword?: 'missing' | 'wrong' | 'account-gone' | 'changed-meanwhile';
  newPassword?: PasswordProblem | 'missing' | 'unchanged';
  confirmPassword?: 'mismatch';
};

export type PasswordChangeResult = { ok: true; endedSessions: number; revokedTokens: number } | { ok: false; problems: PasswordChangeProblems };

/** What the account service needs of the session store. */
export interface SessionDirectory {
  countSessionsOfUser(userId: number): number;
  destroyOtherSessionsOfUser(userId: number, keepSid: string): number;
}

/** Signing up, signing in, the account page: password, other sessions, deleting everything. */
export function createUserService(deps: {
  users: UsersRepo;
  categories: CategoriesRepo;
  accounts: AccountsRepo;
  hasher: PasswordHasher;
  inTransaction: RunInTransaction;
  sessions: SessionDirectory;
  /** A person's API tokens, which a new password may revoke (and the owner's reset does). */
  apiTokens: Pick<ApiTokensRepo, 'revokeAllTokens' | 'countTokens'>;
  /** A person's passkeys, which the owner's reset removes (a passkey signs in without the password). */
  passkeys: Pick<PasskeysRepo, 'removeAllPasskeys'>;
  invites: InvitesRepo;
  clock: Clock;
  /** REGISTRATION: who may create an account. */
  registration: RegistrationMode;
  /** Removes what the user keeps outside the database (uploaded files); runs after the rows are gone. */
  removeUserFiles: (userId: number) => Promise<void>;
}) {
  const { users, hasher } = deps;
  /** What the sign-up page offers to someone holding this invite token (or none). */
  const access = (inviteToken: string | undefined): SignUpAccess =>
    signUpAccess(
      deps.registration,
      deps.invites.hasUsers(),
      inviteToken === undefined || inviteToken === '' ? 'none' : inviteState(deps.invites.findInvite(inviteHash(inviteToken)), deps.clock.now()),
    );

  return {
    /** Whether the sign-up form is offered, given REGISTRATION, an empty instance, and the invite token presented. */
    signUpAccess(inviteToken?: string): SignUpAccess {
      return access(inviteToken);
    },

    /**
     * A new single-use invite link's token and when it expires (7 days on). Only its hash is stored: the caller
     * shows the token once, in the link.
     */
    createInvite(): { token: string; expiresAt: number } {
      const token = randomBytes(24).toString('base64url');
      const now = deps.clock.now();
      const expiresAt = now + INVITE_LIFETIME_MS;
      deps.invites.createInvite(inviteHash(token), now, expiresAt);
      return { token, expiresAt };
    },

    /** Checks the sign-up form and creates the user; problems per field instead when something is wrong. */
    async register(input: RegistrationInput, speaking: RegistrationLanguage, inviteToken: string, today: string): Promise<RegistrationResult> {
      const allowed = access(inviteToken);
      if (!allowed.open) return { ok: false, closed: allowed.reason };
      const email = normaliseEmail(input.email);
      const problems: RegistrationProblems = {};
      const badEmail = emailProblem(email);
      if (badEmail) problems.email = badEmail;
      if (input.password === '') problems.password = 'missing';
      else {
        const weak = newPasswordProblem(input.password, email);
        if (weak) problems.password = weak;
      }
      if (!problems.password && input.confirmPassword !== input.password) problems.confirmPassword = 'mismatch';
      if (Object.keys(problems).length > 0) return { ok: false, problems, email };
      if (users.findCredentialsByEmail(email)) return { ok: false, problems: { email: 'taken' }, email };
      const hash = await hasher.hashPassword(input.password);
      try {
        // The user and their starter categories in their language commit together.
        const user = deps.inTransaction(() => {
          // Allowed only because the instance had no account: checked again where writes are one at a time, or
          // several sign-ups racing on a fresh install would all pass the check made before hashing.
          if (!allowed.invited && deps.registration !== 'open' && deps.invites.hasUsers()) throw new FirstAccountTakenError();
          const created = users.createUser(email, hash, speaking.language);
          // Signing up signs in.
          users.recordSignIn(created.id, deps.clock.now());
          // The invite is spent with the account, in one transaction: two sign-ups racing for one link get one account.
          if (allowed.invited && !deps.invites.consumeInvite(inviteHash(inviteToken!), created.id, deps.clock.now())) throw new InviteSpentError();
          for (const starter of STARTER_CATEGORIES) {
            const name = normaliseCategoryName(speaking.starterCategoryNames[starter.id]);
            if (!name.ok || name.name === starter.storedName) continue;
            const stored = deps.categories.findCategoryByName(created.id, starter.kind, starter.storedName);
            if (stored) deps.categories.renameOwnedCategory(created.id, stored.id, name.name);
          }
          // The starter account is named in the person's language and opens today as the app's clock has it, in the
          // server's zone (the trigger that makes it knows only SQLite's own UTC date).
          const accountName = normaliseAccountName(speaking.starterAccountName);
          const starter = deps.accounts.findAccountByName(created.id, STARTER_ACCOUNT_NAME);
          if (starter) {
            deps.accounts.updateOwnedAccount(created.id, starter.id, { ...starter, name: accountName.ok ? accountName.name : starter.name, openingOn: today });
          }
          return created;
        });
        return { ok: true, user };
      } catch (err) {
        // Two sign-ups racing for one address: the unique index decides, the loser hears it is taken.
        if (err instanceof EmailTakenError) return { ok: false, problems: { email: 'taken' }, email };
        if (err instanceof InviteSpentError) return { ok: false, closed: 'invite-used' };
        if (err instanceof FirstAccountTakenError) return { ok: false, closed: deps.registration === 'closed' ? 'closed' : 'invite-needed' };
        throw err;
      }
    },

    /**
     * The user whose email and password match, or undefined; the same bcrypt work happens either way. A hash made at
     * a lower cost than BCRYPT_COST is replaced in the same request, while the password is at hand: raising the
     * cost strengthens every account as its owner next signs in.
     */
    async authenticate(rawEmail: string, password: string): Promise<User | undefined> {
      const found = users.findCredentialsByEmail(normaliseEmail(rawEmail));
      const ok = await hasher.verifyPassword(password, found?.passwordHash);
      if (!ok || !found) return undefined;
      users.recordSignIn(found.id, deps.clock.now());
      if (hasher.needsRehash(found.passwordHash)) {
        const stronger = await hasher.hashPassword(password);
        // Only if the hash is still the one checked: a password change meanwhile wins.
        users.replacePasswordHash(found.id, found.passwordHash, stronger);
      }
      return { id: found.id, email: found.email, language: found.language };
    },

    /** The user a session names, or undefined when the account has been deleted meanwhile. */
    findUser(id: number): User | undefined {
      return users.findUserById(id);
    },

    /** Sets the person's colour theme (null follows the device) and whether the dashboard draws its charts. */
    setAppearance(userId: number, appearance: { theme: Theme | null; dashboardCharts: boolean }): void {
      users.updateAppearance(userId, appearance);
    },

    /** Sets the time zone of the person's days and months (an IANA zone the caller checked). */
    setTimeZone(userId: number, timeZone: string): void {
      users.updateTimeZone(userId, timeZone);
    },

    /** Sets the language of the person's pages. */
    setLanguage(userId: number, language: string): void {
      users.updateLanguage(userId, language);
    },

    /** The id of the account registered under this email, if any (for the audit log of failed logins). */
    findUserIdByEmail(rawEmail: string): number | undefined {
      return users.findCredentialsByEmail(normaliseEmail(rawEmail))?.id;
    },

    /** How many API tokens the user has (the password form offers to revoke them). */
    countApiTokens(userId: number): number {
      return deps.apiTokens.countTokens(userId);
    },

    /** How many other live sessions the user has besides the one asking. */
    countOtherSessions(userId: number): number {
      // The asking session is one of the user's live sessions.
      return Math.max(0, deps.sessions.countSessionsOfUser(userId) - 1);
    },

    /** Ends every session of the user except this one; returns how many ended. */
    logOutOtherSessions(userId: number, keepSid: string): number {
      return deps.sessions.destroyOtherSessionsOfUser(userId, keepSid);
    },

    /**
     * Checks the current password, then the new one, and stores it; the new hash and the end of every session of
     * the user commit together, so no crash can leave old sessions alive after the password they knew is gone.
     * Problems per field instead, and nothing written, when anything is wrong.
     */
    async changePassword(userId: number, input: PasswordChangeInput): Promise<PasswordChangeResult> {
      const problems: PasswordChangeProblems = {};
      const next = input.newPassword;
      if (next === '') problems.newPassword = 'missing';
      else {
        const weak = newPasswordProblem(next, users.findUserById(userId)?.email);
        if (weak) problems.newPassword = weak;
        else if (next === input.currentPassword) problems.newPassword = 'unchanged';
      }
      if (!problems.newPassword && input.confirmPassword !== next) problems.confirmPassword = 'mismatch';
      // The current password is checked even when the new one is invalid, so the form reports everything at once.
      // The hash the current password was checked against: the change replaces that one only. Two sessions changing
      // the password at once (the owner, and whoever else knew it) both passed the check during the bcrypt time, and
      // the later write won while the earlier was told "changed", its own session ended and its new password refused.
      const verifiedHash = users.findPasswordHashById(userId);
      if (input.currentPassword === '') problems.currentPassword = 'missing';
      else if (!(await hasher.verifyPassword(input.currentPassword, verifiedHash))) problems.currentPassword = 'wrong';
      if (Object.keys(problems).length > 0) return { ok: false, problems };
      const hash = await hasher.hashPassword(next);
      const commit = (expected: string | undefined) =>
        deps.inTransaction(() => {
          if (expected === undefined || !users.replacePasswordHash(userId, expected, hash)) return users.findUserById(userId) ? ('changed-meanwhile' as const) : ('account-gone' as const);
          return { endedSessions: users.deleteSessionsOfUser(userId), revokedTokens: input.revokeApiTokens === true ? deps.apiTokens.revokeAllTokens(userId) : 0 };
        });
      let ended = commit(verifiedHash);
      if (ended === 'changed-meanwhile') {
        // A sign-in meanwhile may have stored the same password under a new hash (a higher bcrypt cost): the
        // password checked is still the current one, so the change goes on against that hash.
        const now = users.findPasswordHashById(userId);
        if (now !== undefined && (await hasher.verifyPassword(input.currentPassword, now))) ended = commit(now);
      }
      if (typeof ended === 'string') return { ok: false, problems: { currentPassword: ended } };
      return { ok: true, ...ended };
    },

    /**
     * Deletes the account and everything in it (the user, their data and jobs by cascade, their sessions) in one
     * transaction if the password is right, then their uploaded files.
     */
    /** Every account, for the instance owner's `admin list-users`. */
    listUsersForAdmin() {
      return users.listUsersForAdmin();
    },

    /**
     * The owner sets a new password for a person who forgot theirs (`admin reset-password`): checked like any new
     * password; every session of that person ends, every API token is revoked and every passkey removed.
     */
    async adminResetPassword(rawEmail: string, password: string): Promise<{ ok: true; userId: number; endedSessions: number; revokedTokens: number; removedPasskeys: number } | { ok: false; problem: 'unknown-email' | PasswordProblem | 'missing' }> {
      const found = users.findCredentialsByEmail(normaliseEmail(rawEmail));
      if (!found) return { ok: false, problem: 'unknown-email' };
      if (password === '') return { ok: false, problem: 'missing' };
      const weak = newPasswordProblem(password, normaliseEmail(rawEmail));
      if (weak) return { ok: false, problem: weak };
      const hash = await hasher.hashPassword(password);
      // A reset is the answer to a lost password or a taken account: whatever held the old one, a token included, is
      // out, and so is every passkey (one added by whoever took the account would sign them in again as both factors).
      const ended = deps.inTransaction(() => {
        users.updatePasswordHash(found.id, hash);
        return {
          endedSessions: users.deleteSessionsOfUser(found.id),
          revokedTokens: deps.apiTokens.revokeAllTokens(found.id),
          removedPasskeys: deps.passkeys.removeAllPasskeys(found.id),
        };
      });
      return { ok: true, userId: found.id, ...ended };
    },

    /** The owner removes an account and everything in it (`admin delete-user`), as the person could themselves. */
    async adminDeleteUser(rawEmail: string): Promise<{ ok: true; userId: number } | { ok: false; problem: 'unknown-email' }> {
      const found = users.findCredentialsByEmail(normaliseEmail(rawEmail));
      if (!found) return { ok: false, problem: 'unknown-email' };
      deps.inTransaction(() => {
        users.deleteSessionsOfUser(found.id);
        users.deleteUser(found.id);
        users.forgetRateLimits(personLimitKey(found.id));
        users.forgetRateLimits(found.email);
        users.rewriteTextIndex();
      });
      users.checkpointAfterDeletion();
      await deps.removeUserFiles(found.id);
      return { ok: true, userId: found.id };
    },

    async deleteAccount(userId: number, password: string): Promise<{ ok: true } | { ok: false; problem: 'missing' | 'wrong' }> {
      if (password === '') return { ok: false, problem: 'missing' };
      if (!(await hasher.verifyPassword(password, users.findPasswordHashById(userId)))) return { ok: false, problem: 'wrong' };
      deps.inTransaction(() => {
        const email = users.findUserById(userId)?.email;
        users.deleteSessionsOfUser(userId);
        users.deleteUser(userId);
        // Ids are reused: the next person to register would start locked out by what this one counted. So are
        // e-mails, and the per-account sign-in counter is the digest of one: kept, it named the deleted person.
        users.forgetRateLimits(personLimitKey(userId));
        if (email !== undefined) users.forgetRateLimits(email);
        users.rewriteTextIndex();
      });
      users.checkpointAfterDeletion();
      await deps.removeUserFiles(userId);
      return { ok: true };
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
