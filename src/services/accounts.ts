import type { User, UsersRepo } from '../db/repos/users.ts';
import { EmailTakenError } from '../db/repos/users.ts';
import type { PasswordHasher } from './passwords.ts';
import { passwordProblem } from './passwords.ts';

export interface RegistrationInput {
  readonly email: string | undefined;
  readonly password: string | undefined;
  readonly confirmPassword: string | undefined;
}

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

    /** The user whose email and password match, or undefined; the same bcrypt work happens either way. */
    async authenticate(rawEmail: string, password: string): Promise<User | undefined> {
      const found = users.findCredentialsByEmail(normaliseEmail(rawEmail));
      const ok = await hasher.verifyPassword(password, found?.passwordHash);
      return ok && found ? { id: found.id, email: found.email } : undefined;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
