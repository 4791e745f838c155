import { z } from 'zod';
import type { PasswordChangeProblems, RegistrationProblems } from '../../services/accounts.ts';
import { formText, parseForm, type FieldErrors } from '../form-fields.ts';
import { EMAIL_MESSAGES, PASSWORD_MESSAGES } from '../messages.ts';

// The shape of the account forms; the rules (email, password strength, the current password) are the account
// service's, and their answers are worded below.

const registrationSchema = z.object({
  email: formText('Enter one email address.'),
  password: formText('Choose one password.'),
  confirmPassword: formText('Confirm the password once.'),
});

const passwordChangeSchema = z.object({
  currentPassword: formText('Enter your current password once.'),
  newPassword: formText('Choose one new password.'),
  confirmPassword: formText('Confirm the new password once.'),
});

const passwordOnlySchema = z.object({ password: formText('Enter your password once.') });

/** The sign-up form's three fields. */
export function parseRegistrationForm(body: unknown) {
  return parseForm(registrationSchema, body);
}

/** The password form's three fields. */
export function parsePasswordChangeForm(body: unknown) {
  return parseForm(passwordChangeSchema, body);
}

/** A form that only asks for the password (deleting the account). */
export function parsePasswordOnlyForm(body: unknown) {
  return parseForm(passwordOnlySchema, body);
}

/** The sign-up problems, worded. */
export function registrationErrors(problems: RegistrationProblems): FieldErrors {
  const errors: FieldErrors = {};
  if (problems.email) errors.email = EMAIL_MESSAGES[problems.email];
  if (problems.password) errors.password = problems.password === 'missing' ? 'Choose a password.' : PASSWORD_MESSAGES[problems.password];
  if (problems.confirmPassword) errors.confirmPassword = 'The two passwords do not match.';
  return errors;
}

/** The password-change problems, worded. */
export function passwordChangeErrors(problems: PasswordChangeProblems): FieldErrors {
  const errors: FieldErrors = {};
  const current = problems.currentPassword;
  if (current) {
    errors.currentPassword =
      current === 'missing' ? 'Enter your current password.' : current === 'wrong' ? 'That is not your current password.' : 'This account no longer exists.';
  }
  const next = problems.newPassword;
  if (next) {
    errors.newPassword =
      next === 'missing' ? 'Choose a new password.' : next === 'unchanged' ? 'Choose a password different from the current one.' : PASSWORD_MESSAGES[next];
  }
  if (problems.confirmPassword) errors.confirmPassword = 'The two new passwords do not match.';
  return errors;
}

/** Why the account was not deleted, worded. */
export function deleteAccountError(problem: 'missing' | 'wrong'): string {
  return problem === 'missing' ? 'Enter your password to delete the account.' : 'That is not your password, so nothing was deleted.';
}
