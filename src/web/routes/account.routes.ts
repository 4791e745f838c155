import { Router, type Response } from 'express';
import type { Clock } from '../../clock.ts';
import type { AuditLog } from '../../logger.ts';
import type { UserService } from '../../services/users.ts';
import type { CodeProblem, TwoFactorService } from '../../services/two-factor.ts';
import type { SecurityService } from '../../services/security.ts';
import type { PasskeyService } from '../../services/passkeys.ts';
import { textField } from '../form-fields.ts';
import { passwordAndCodeErrors } from '../forms/two-factor-forms.ts';
import { logIn, PASSKEY_SCRIPTS, regenerateSession } from '../auth.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import type { FieldErrors } from '../form-fields.ts';
import {
  deleteAccountError,
  parseLanguageForm,
  parsePasswordChangeForm,
  parsePasswordOnlyForm,
  parseThemeForm, parseTimeZoneForm,
  passwordChangeErrors,
} from '../forms/account-forms.ts';
import { dayAt, offeredTimeZones } from '../../domain/calendar.ts';
import { msg, type Msg } from '../i18n.ts';

/** What a refused two-factor form on the account page says, beside which field. */
type TwoFactorErrors = { form: 'disable' | 'codes'; password?: Msg; code?: Msg };
import { requireUser } from '../middleware/auth.ts';
import { pageTimeZone, setFlash, setFlashMessages } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';
import type { SessionSealer } from '../session-secrets.ts';

/** The signed-in user's own account: password, other sessions, deleting the account. */
export function createAccountRouter(deps: {
  users: UserService;
  twoFactor: Pick<TwoFactorService, 'status' | 'disable' | 'regenerateRecoveryCodes'>;
  security: Pick<SecurityService, 'sessionsOf' | 'latestEvents' | 'endSession'>;
  /** Undefined without PUBLIC_URL: the page then has no passkey section. */
  passkeys: Pick<PasskeyService, 'list'> | undefined;
  audit: AuditLog;
  limiters: Pick<AuthRateLimiters, 'accountPassword'>;
  clock: Clock;
  sealer: SessionSealer;
}): Router {
  const router = Router();
  router.use('/account', requireUser);

  type PageState = { passwordErrors?: FieldErrors; revokeApiTokens?: boolean; deleteError?: Msg; languageError?: Msg; timeZoneError?: Msg; typedTimeZone?: string; themeError?: Msg; chartsError?: Msg; twoFactorErrors?: TwoFactorErrors };
  // Every IANA zone this Node.js knows, for the time zone choice (domain/calendar.ts).
  const timeZones = offeredTimeZones();
  function renderAccountPage(res: Response, user: Express.User, state: PageState) {
    res.render('account/index', {
      title: 'account.title',
      styles: ['/css/account.css'],
      email: user.email,
      otherSessions: deps.users.countOtherSessions(user.id),
      apiTokenCount: deps.users.countApiTokens(user.id),
      // Ticked at first; a refused form keeps what the person chose, so a retype never revokes what they had unticked.
      revokeApiTokens: state.revokeApiTokens ?? true,
      passwordErrors: state.passwordErrors ?? {},
      deleteError: state.deleteError,
      languageError: state.languageError,
      // A zone set by another name (TIME_ZONE=US/Eastern, say) is offered too, so the page shows it chosen.
      timeZones: timeZones.includes(pageTimeZone(res)) ? timeZones : [pageTimeZone(res), ...timeZones],
      timeZone: state.typedTimeZone ?? pageTimeZone(res),
      timeZoneError: state.timeZoneError,
      theme: user.theme ?? 'system',
      dashboardCharts: user.dashboardCharts !== false,
      themeError: state.themeError,
      chartsError: state.chartsError,
      twoFactor: (() => {
        const status = deps.twoFactor.status(user.id);
        // The day it was turned on, in the person's zone.
        return status.enabled ? { ...status, sinceDay: dayAt(status.since, pageTimeZone(res)) } : status;
      })(),
      twoFactorErrors: state.twoFactorErrors,
      sessions: deps.security.sessionsOf(user.id, res.req.sessionID),
      events: deps.security.latestEvents(user.id),
      passkeys: deps.passkeys?.list(user.id),
      scripts: deps.passkeys ? PASSKEY_SCRIPTS : [],
    });
  }

  /** A refused two-factor form, worded beside its fields. */
  function twoFactorErrors(form: 'disable' | 'codes', problems: { password?: 'missing' | 'wrong'; code?: CodeProblem }): TwoFactorErrors {
    return { form, ...passwordAndCodeErrors(problems) };
  }

  /* POST /account/two-factor/disable: turns two-factor sign-in off, with the password and a current code. */
  router.post('/account/two-factor/disable', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const result = await deps.twoFactor.disable(user.id, textField(req.body, 'password') ?? '', textField(req.body, 'code') ?? '');
    if (!result.ok) {
      res.status(422);
      return renderAccountPage(res, user, { twoFactorErrors: twoFactorErrors('disable', result.problems) });
    }
    // As with a new password: every session ended, and this browser is signed in again on a fresh id.
    await logIn(req, user, deps.clock);
    deps.audit.record({ event: 'two_factor.disabled', userId: user.id, ip: clientIp(req), endedSessions: Math.max(0, result.endedSessions - 1) });
    setFlash(req, 'success', 'twoFactor.disabled');
    res.redirect(303, '/account');
  });

  /* POST /account/two-factor/recovery-codes: ten new recovery codes replace the old (password and a current code). */
  router.post('/account/two-factor/recovery-codes', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const result = await deps.twoFactor.regenerateRecoveryCodes(user.id, textField(req.body, 'password') ?? '', textField(req.body, 'code') ?? '');
    if (!result.ok) {
      res.status(422);
      return renderAccountPage(res, user, { twoFactorErrors: twoFactorErrors('codes', result.problems) });
    }
    req.session.freshRecoveryCodes = { sealed: deps.sealer.seal('recovery-codes', result.recoveryCodes.join('\n')), since: deps.clock.now() };
    deps.audit.record({ event: 'two_factor.codes_replaced', userId: user.id, ip: clientIp(req) });
    res.redirect(303, '/account/two-factor/recovery-codes');
  });

  /* GET /account: change password, log out other sessions, delete account. Signed-in users. */
  router.get('/account', (req, res) => {
    renderAccountPage(res, signedInUser(req), {});
  });

  /*
   * POST /account/password: change the password (needs the current one). The session id is rotated and every
   * other session of the user ends, so whoever knew the old password is out; with the box ticked (it is, when the
   * person has API tokens), every API token is revoked too. Signed-in users.
   */
  router.post('/account/password', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const input = parsePasswordChangeForm(req.body);
    const result = input.ok ? await deps.users.changePassword(user.id, input.data) : undefined;
    if (!result?.ok) {
      const passwordErrors = result ? passwordChangeErrors(result.problems) : input.ok ? {} : input.errors;
      if (result?.problems.currentPassword) deps.audit.record({ event: 'password.change_failed', userId: user.id, ip: clientIp(req) });
      res.status(422);
      return renderAccountPage(res, user, { passwordErrors, revokeApiTokens: textField(req.body, 'revokeApiTokens') === '1' });
    }
    // Every session, this one included, ended with the password change; logging in again gives this browser a
    // fresh session id.
    await logIn(req, user, deps.clock);
    const endedSessions = Math.max(0, result.endedSessions - 1);
    deps.audit.record({ event: 'password.changed', userId: user.id, ip: clientIp(req), endedSessions, revokedTokens: result.revokedTokens });
    if (result.revokedTokens > 0) setFlashMessages(req, 'success', [msg('account.password.changed'), msg('account.password.tokensRevoked', { count: result.revokedTokens })]);
    else setFlash(req, 'success', 'account.password.changed');
    res.redirect(303, '/account');
  });

  /* POST /account/sessions/:handle/end: ends that one session of the user at once (its next request is signed out). */
  router.post('/account/sessions/:handle/end', (req, res) => {
    const user = signedInUser(req);
    const handle = String(req.params.handle);
    // Another person's session, or one that ended meanwhile: the same 404, so nothing can be learnt.
    if (!deps.security.endSession(user.id, handle)) throw new NotFoundError(msg('account.sessions.notFound'));
    deps.audit.record({ event: 'session.ended', userId: user.id, ip: clientIp(req) });
    // Ending this device's own session is signing out here.
    if (!req.session || !deps.security.sessionsOf(user.id, req.sessionID).some((s) => s.current)) {
      return req.session.destroy(() => res.redirect(303, '/login'));
    }
    setFlash(req, 'success', 'account.sessions.ended');
    res.redirect(303, '/account#sessions-heading');
  });

  /* POST /account/sessions/logout-others: end every session of the user except this one. Signed-in users. */
  router.post('/account/sessions/logout-others', (req, res) => {
    const user = signedInUser(req);
    const endedSessions = deps.users.logOutOtherSessions(user.id, req.sessionID);
    deps.audit.record({ event: 'sessions.logged_out_others', userId: user.id, ip: clientIp(req), endedSessions });
    setFlash(req, 'success', 'account.sessions.loggedOut', { count: endedSessions });
    res.redirect(303, '/account');
  });

  /*
   * POST /account/time-zone: the zone in which the person's days and months begin and end (today, this month, the
   * dashboard's periods), from the zones offered. An unknown one re-renders the page with 422 and changes nothing.
   * Signed-in users.
   */
  router.post('/account/time-zone', (req, res) => {
    const user = signedInUser(req);
    const input = parseTimeZoneForm(req.body);
    if (!input.ok) {
      res.status(422);
      return renderAccountPage(res, user, { timeZoneError: input.error, typedTimeZone: '' });
    }
    deps.users.setTimeZone(user.id, input.timeZone);
    setFlash(req, 'success', 'account.timeZone.saved', { zone: input.timeZone });
    res.redirect(303, '/account');
  });

  /*
   * POST /account/theme: light, dark, or the device's (system), and whether the dashboard draws its charts (`charts`
   * checked); applied by the page itself on the next render, with no script. Anything else re-renders the page with
   * 422 and changes nothing. Signed-in users.
   */
  router.post('/account/theme', (req, res) => {
    const user = signedInUser(req);
    const input = parseThemeForm(req.body);
    if (!input.ok) {
      res.status(422);
      return renderAccountPage(res, user, { themeError: input.errors.theme, chartsError: input.errors.charts });
    }
    deps.users.setAppearance(user.id, { theme: input.theme, dashboardCharts: input.dashboardCharts });
    setFlash(req, 'success', 'account.theme.saved');
    res.redirect(303, '/account');
  });

  /*
   * POST /account/language: the language of the person's pages, amounts and dates, from the languages offered.
   * An unknown one re-renders the page with 422 and changes nothing. Signed-in users.
   */
  router.post('/account/language', (req, res) => {
    const user = signedInUser(req);
    const input = parseLanguageForm(req.body);
    if (!input.ok) {
      res.status(422);
      return renderAccountPage(res, user, { languageError: input.error });
    }
    deps.users.setLanguage(user.id, input.language);
    // The message is translated on the next page, which is already in the new language.
    setFlash(req, 'success', 'account.language.saved');
    res.redirect(303, '/account');
  });

  /*
   * POST /account/delete: delete the account (needs the password): the user, all their data and all their
   * sessions go in one transaction, then their uploads, then back to the login page with a message. Signed-in users.
   */
  router.post('/account/delete', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const input = parsePasswordOnlyForm(req.body);
    const result = input.ok ? await deps.users.deleteAccount(user.id, input.data.password) : undefined;
    if (!result?.ok) {
      deps.audit.record({ event: 'account.delete_failed', userId: user.id, ip: clientIp(req) });
      res.status(422);
      const deleteError = result ? deleteAccountError(result.problem) : input.ok ? undefined : input.errors.password;
      return renderAccountPage(res, user, { deleteError });
    }
    deps.audit.record({ event: 'account.deleted', userId: user.id, ip: clientIp(req) });
    // The session row went with the user; a fresh anonymous session carries the goodbye message, in the language the
    // person was using (as logging out keeps it).
    await regenerateSession(req);
    if (user.language) req.session.language = user.language;
    setFlash(req, 'success', 'account.delete.deleted');
    res.redirect(303, '/login');
  });

  return router;
}
