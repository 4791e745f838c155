import { z } from 'zod';
import { THEMES, type Theme } from '../../domain/users.ts';
import { offeredTimeZoneFor } from '../../domain/calendar.ts';
import type { PasswordChangeProblems, RegistrationProblems } from '../../services/users.ts';
import { addFieldIssue, formText, parseForm, type FieldErrors } from '../form-fields.ts';
import { LANGUAGES, msg, type Language, type Msg } from '../i18n.ts';
import { EMAIL_MESSAGES, PASSWORD_MESSAGES } from '../messages.ts';

// The shape of the account forms; the rules (email, password strength, the current password) are the account
// service's, and their answers are worded below.

const registrationSchema = z.object({
  email: formText('validation.once.email'),
  password: formText('validation.once.password'),
  confirmPassword: formText('validation.once.confirmPassword'),
});

const passwordChangeSchema = z.object({
  currentPassword: formText('validation.once.currentPassword'),
  newPassword: formText('validation.once.newPassword'),
  confirmPassword: formText('validation.once.confirmNewPassword'),
  // A checkbox, shown when the person has API tokens: sent as "1" when ticked, absent when not.
  revokeApiTokens: z.literal('1', { error: 'validation.once.confirm' }).optional().transform((v) => v === '1'),
});

const passwordOnlySchema = z.object({ password: formText('validation.once.passwordOnce') });

// Only that each field is there: whether they match an account is the sign-in's one answer for every failure.
const loginSchema = z.object({
  email: formText('validation.once.email').refine((email) => email.trim() !== '', { error: 'validation.email.empty' }),
  password: formText('validation.once.password').refine((password) => password !== '', { error: 'auth.login.passwordMissing' }),
});

/** The sign-up form's three fields. */
export function parseRegistrationForm(body: unknown) {
  return parseForm(registrationSchema, body);
}

/** The password form's three fields. */
export function parsePasswordChangeForm(body: unknown) {
  return parseForm(passwordChangeSchema, body);
}

/** The sign-in form: a message for each field left empty (or sent twice); no account is looked at for it. */
export function parseLoginForm(body: unknown) {
  return parseForm(loginSchema, body);
}

/** A form that only asks for the password (deleting the account). */
export function parsePasswordOnlyForm(body: unknown) {
  return parseForm(passwordOnlySchema, body);
}

/** The sign-up problems, worded. */
export function registrationErrors(problems: RegistrationProblems): FieldErrors {
  const errors: FieldErrors = {};
  if (problems.email) errors.email = EMAIL_MESSAGES[problems.email];
  if (problems.password) errors.password = problems.password === 'missing' ? msg('validation.password.missing') : PASSWORD_MESSAGES[problems.password];
  if (problems.confirmPassword) errors.confirmPassword = msg('validation.password.mismatch');
  return errors;
}

/** The password-change problems, worded. */
export function passwordChangeErrors(problems: PasswordChangeProblems): FieldErrors {
  const errors: FieldErrors = {};
  const current = problems.currentPassword;
  if (current) {
    errors.currentPassword = msg(
      current === 'missing'
        ? 'validation.password.currentMissing'
        : current === 'wrong'
          ? 'validation.password.currentWrong'
          : current === 'changed-meanwhile'
            ? 'validation.password.changedMeanwhile'
            : 'validation.password.accountGone',
    );
  }
  const next = problems.newPassword;
  if (next) {
    errors.newPassword =
      next === 'missing' ? msg('validation.password.newMissing') : next === 'unchanged' ? msg('validation.password.unchanged') : PASSWORD_MESSAGES[next];
  }
  if (problems.confirmPassword) errors.confirmPassword = msg('validation.password.newMismatch');
  return errors;
}

const languageSchema = z.object({
  language: formText('validation.once.language').pipe(z.enum(LANGUAGES, { error: 'language.invalid' })),
});

/** The language form (account page, or the switch on the login and registration pages): one offered language. */
export function parseLanguageForm(body: unknown): { ok: true; language: Language } | { ok: false; error: Msg } {
  const parsed = parseForm(languageSchema, body);
  return parsed.ok ? { ok: true, language: parsed.data.language } : { ok: false, error: parsed.errors.language ?? msg('language.invalid') };
}

const timeZoneSchema = z.object({
  // Saved by the name the list offers (Asia/Kolkata for Asia/Calcutta), so the page shows it chosen afterwards.
  timeZone: formText('validation.once.timeZone').transform((zone, ctx) => {
    const offered = offeredTimeZoneFor(zone);
    if (offered !== undefined) return offered;
    addFieldIssue(ctx, 'validation.timeZone.choose');
    return z.NEVER;
  }),
});

/** The time zone form: one of the zones offered, by any of its IANA names; saved by the name offered. */
export function parseTimeZoneForm(body: unknown): { ok: true; timeZone: string } | { ok: false; error: Msg } {
  const parsed = parseForm(timeZoneSchema, body);
  return parsed.ok ? { ok: true, timeZone: parsed.data.timeZone } : { ok: false, error: parsed.errors.timeZone ?? msg('validation.timeZone.choose') };
}

const themeSchema = z.object({
  theme: formText('validation.once.theme').pipe(z.enum(['system', ...THEMES] as ['system', ...Theme[]], { error: 'validation.theme.choose' })),
  // A checkbox: sent as "1" when ticked, absent when not.
  charts: z.literal('1', { error: 'validation.once.confirm' }).optional(),
});

/** The appearance form: the device's theme (system), light or dark, and whether the dashboard draws charts. */
export function parseThemeForm(
  body: unknown,
): { ok: true; theme: Theme | null; dashboardCharts: boolean } | { ok: false; errors: { theme?: Msg; charts?: Msg } } {
  const parsed = parseForm(themeSchema, body);
  if (!parsed.ok) return { ok: false, errors: { theme: parsed.errors.theme, charts: parsed.errors.charts } };
  return { ok: true, theme: parsed.data.theme === 'system' ? null : parsed.data.theme, dashboardCharts: parsed.data.charts === '1' };
}

/** Why the account was not deleted, worded. */
export function deleteAccountError(problem: 'missing' | 'wrong'): Msg {
  return msg(problem === 'missing' ? 'validation.password.deleteMissing' : 'validation.password.deleteWrong');
}
