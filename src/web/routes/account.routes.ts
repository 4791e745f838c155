import { Router, type Response } from 'express';
import type { Clock } from '../../clock.ts';
import type { AuditLog } from '../../logger.ts';
import type { AccountService } from '../../services/accounts.ts';
import { logIn, regenerateSession } from '../auth.ts';
import { signedInUser } from '../current-user.ts';
import type { FieldErrors } from '../form-fields.ts';
import { deleteAccountError, parsePasswordChangeForm, parsePasswordOnlyForm, passwordChangeErrors } from '../forms/account-forms.ts';
import { countOf } from '../messages.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';

/** The signed-in user's own account: password, other sessions, deleting the account. */
export function createAccountRouter(deps: {
  accounts: AccountService;
  audit: AuditLog;
  limiters: Pick<AuthRateLimiters, 'accountPassword'>;
  clock: Clock;
}): Router {
  const router = Router();
  router.use('/account', requireUser);

  function renderAccountPage(res: Response, user: Express.User, state: { passwordErrors: FieldErrors; deleteError: string | undefined }) {
    res.render('account/index', {
      title: 'Account',
      styles: ['/css/account.css'],
      email: user.email,
      otherSessions: deps.accounts.countOtherSessions(user.id),
      ...state,
    });
  }

  /* GET /account: change password, log out other sessions, delete account. Signed-in users. */
  router.get('/account', (req, res) => {
    renderAccountPage(res, signedInUser(req), { passwordErrors: {}, deleteError: undefined });
  });

  /*
   * POST /account/password: change the password (needs the current one). The session id is rotated and every
   * other session of the user ends, so whoever knew the old password is out. Signed-in users.
   */
  router.post('/account/password', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const input = parsePasswordChangeForm(req.body);
    const result = input.ok ? await deps.accounts.changePassword(user.id, input.data) : undefined;
    if (!result?.ok) {
      const passwordErrors = result ? passwordChangeErrors(result.problems) : input.ok ? {} : input.errors;
      if (result?.problems.currentPassword) deps.audit.record({ event: 'password.change_failed', userId: user.id, ip: clientIp(req) });
      res.status(422);
      return renderAccountPage(res, user, { passwordErrors, deleteError: undefined });
    }
    // Every session, this one included, ended with the password change; logging in again gives this browser a
    // fresh session id.
    await logIn(req, { id: user.id, email: user.email }, deps.clock);
    const endedSessions = Math.max(0, result.endedSessions - 1);
    deps.audit.record({ event: 'password.changed', userId: user.id, ip: clientIp(req), endedSessions });
    setFlash(req, 'success', 'Password changed. Every other device has been logged out.');
    res.redirect(303, '/account');
  });

  /* POST /account/sessions/logout-others: end every session of the user except this one. Signed-in users. */
  router.post('/account/sessions/logout-others', (req, res) => {
    const user = signedInUser(req);
    const endedSessions = deps.accounts.logOutOtherSessions(user.id, req.sessionID);
    deps.audit.record({ event: 'sessions.logged_out_others', userId: user.id, ip: clientIp(req), endedSessions });
    setFlash(req, 'success', `Logged out ${countOf(endedSessions, 'other session', 'other sessions')}.`);
    res.redirect(303, '/account');
  });

  /*
   * POST /account/delete: delete the account (needs the password): the user, all their data and all their
   * sessions go in one transaction, then their uploads, then back to the login page with a message. Signed-in users.
   */
  router.post('/account/delete', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const input = parsePasswordOnlyForm(req.body);
    const result = input.ok ? await deps.accounts.deleteAccount(user.id, input.data.password) : undefined;
    if (!result?.ok) {
      deps.audit.record({ event: 'account.delete_failed', userId: user.id, ip: clientIp(req) });
      res.status(422);
      const deleteError = result ? deleteAccountError(result.problem) : input.ok ? undefined : input.errors.password;
      return renderAccountPage(res, user, { passwordErrors: {}, deleteError });
    }
    deps.audit.record({ event: 'account.deleted', userId: user.id, ip: clientIp(req) });
    // The session row went with the user; a fresh anonymous session carries the goodbye message.
    await regenerateSession(req);
    setFlash(req, 'success', 'Your account and all its data have been deleted.');
    res.redirect(303, '/login');
  });

  return router;
}
