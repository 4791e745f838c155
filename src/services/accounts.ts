import type { User, UsersRepo } from '../db/repos/users.ts';
import { EmailTakenError } from '../db/repos/users.ts';
import type { PasswordHasher } from './passwords.ts';
import { passwordProblem } from './passwords.ts';

export interface RegistrationInput {
  readonly email: string | undefined;
  readonly password: string | undefined;
  readonly confirmPassword: string | undefined;
}

export interface PasswordChangeInput {
  readonly currentPassword: string | undefined;
  readonly newPassword: string | undefined;
  readonly confirmPassword: string | undefined;
}

export type PasswordChangeErrors = { currentPassword?: string; newPassword?: string; confirmPassword?: string };

export type PasswordChangeResult = { ok: true; endedSessions: number } | { ok: false; errors: PasswordChangeErrors };

export type RegistrationResult =
  | { ok: true; user: User }
  | { ok: false; errors: { email?: string; password?: string; confirmPassword?: string }; email: string };

const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** Emails are compared trimmed and lower-cased, so "Ann@X.org " and "ann@x.org" are one account. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Returns a message when the (normalised) email cannot be used. */
export function emailProblem(email: string): string | undefined {
  if (email === '') return 'Enter your email address.';
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) return 'Enter an email address like name@example.com.';
  return undefined;
}

/** Account rules that need no request: validate, hash and store a new user. */
export function createAccountService(users: UsersRepo, hasher: PasswordHasher) {
  return {
    /** Validates the form and creates the user; returns field messages instead when something is wrong. */
    async register(input: RegistrationInput): Promise<RegistrationResult> {
      const email = normaliseEmail(input.email ?? '');
      const errors: { email?: string; password?: string; confirmPassword?: string } = {};
      const emailError = input.email === undefined ? 'Enter one email address.' : emailProblem(email);
      if (emailError) errors.email = emailError;
      const password = input.password;
      if (password === undefined || password === '') errors.password = 'Choose a password.';
      else {
        const problem = passwordProblem(password);
        if (problem) errors.password = problem;
      }
      if (!errors.password && input.confirmPassword !== password) {
        errors.confirmPassword = 'The two passwords do not match.';
      }
      if (Object.keys(errors).length > 0 || password === undefined) return { ok: false, errors, email };
      if (users.findCredentialsByEmail(email)) {
        return { ok: false, errors: { email: 'An account with this email already exists. Log in instead.' }, email };
      }
      const hash = await hasher.hashPassword(password);
      try {
        return { ok: true, user: users.createUser(email, hash) };
      } catch (err) {
        // Two sign-ups racing for one address: the unique index decides, the loser gets the same message.
        if (err instanceof EmailTakenError) {
          return { ok: false, errors: { email: 'An account with this email already exists. Log in instead.' }, email };
        }
        throw err;
      }
    },

    /**
     * Checks the current password, then validates and stores the new one. Field messages instead when anything
     * is wrong; nothing is written then.
     */
    async changePassword(userId: number, input: PasswordChangeInput): Promise<PasswordChangeResult> {
      const errors: PasswordChangeErrors = {};
      const next = input.newPassword;
      if (next === undefined || next === '') errors.newPassword = 'Choose a new password.';
      else {
        const problem = passwordProblem(next);
        if (problem) errors.newPassword = problem;
        else if (next === input.currentPassword) errors.newPassword = 'Choose a password different from the current one.';
      }
      if (!errors.newPassword && input.confirmPassword !== next) {
        errors.confirmPassword = 'The two new passwords do not match.';
      }
      const current = input.currentPassword ?? '';
      // The current password is checked even when the new one is invalid, so the form reports everything at once.
      const currentOk = current !== '' && (await hasher.verifyPassword(current, users.findPasswordHashById(userId)));
      if (!currentOk) errors.currentPassword = current === '' ? 'Enter your current password.' : 'That is not your current password.';
      if (Object.keys(errors).length > 0 || next === undefined) return { ok: false, errors };
      const hash = await hasher.hashPassword(next);
      const endedSessions = users.replacePasswordHashEndingSessions(userId, hash);
      if (endedSessions === undefined) return { ok: false, errors: { currentPassword: 'This account no longer exists.' } };
      return { ok: true, endedSessions };
    },

    /** Deletes the account and everything in it if the password is right; returns a message when it is not. */
    async deleteAccount(userId: number, password: string | undefined): Promise<{ ok: true } | { ok: false; error: string }> {
      if (password === undefined || password === '') return { ok: false, error: 'Enter your password to delete the account.' };
      const ok = await hasher.verifyPassword(password, users.findPasswordHashById(userId));
      if (!ok) return { ok: false, error: 'That is not your password, so nothing was deleted.' };
      users.deleteUserAndSessions(userId);
      return { ok: true };
    },

    /** The id of the account registered under this email, if any (for the audit log of failed logins). */
    findUserIdByEmail(rawEmail: string): number | undefined {
      return users.findCredentialsByEmail(normaliseEmail(rawEmail))?.id;
    },

    /** The user whose email and password match, or undefined; the same bcrypt work happens either way. */
    async authenticate(rawEmail: string, password: string): Promise<User | undefined> {
      const found = users.findCredentialsByEmail(normaliseEmail(rawEmail));
      const ok = await hasher.verifyPassword(password, found?.passwordHash);
      return ok && found ? { id: found.id, email: found.email } : undefined;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
