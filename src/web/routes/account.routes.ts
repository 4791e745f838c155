import { Router, type Request, type Response } from 'express';
import type { SqliteSessionStore } from '../../db/session-store.ts';
import type { AuditLog } from '../../logger.ts';
import type { AccountService, PasswordChangeErrors } from '../../services/accounts.ts';
import { textField } from '../form-fields.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';
import { logIn } from './auth.routes.ts';

interface AccountPageState {
  passwordErrors: PasswordChangeErrors;
  deleteError: string | undefined;
}

function renderAccountPage(res: Response, store: SqliteSessionStore, user: Express.User, state: AccountPageState): void {
  res.render('account/index', {
    title: 'Account',
    styles: ['/css/account.css'],
    email: user.email,
    // The current session is one of the user's live sessions; the page counts the others.
    otherSessions: Math.max(0, store.countSessionsOfUser(user.id) - 1),
    ...state,
  });
}

function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

/** The signed-in user's own account: password, other sessions, deleting the account. */
export function createAccountRouter(deps: {
  accounts: AccountService;
  sessionStore: SqliteSessionStore;
  audit: AuditLog;
  limiters: Pick<AuthRateLimiters, 'accountPassword'>;
  now?: () => number;
  /** Removes what the user left outside the database (uploaded CSV files). */
  removeUserFiles?: (userId: number) => Promise<void>;
}): Router {
  const router = Router();
  const store = deps.sessionStore;
  router.use('/account', requireUser);

  /* GET /account: change password, log out other sessions, delete account. Signed-in users. */
  router.get('/account', (req, res) => {
    renderAccountPage(res, store, req.user!, { passwordErrors: {}, deleteError: undefined });
  });

  /*
   * POST /account/password: change the password (needs the current one). The session id is rotated and every
   * other session of the user ends, so whoever knew the old password is out. Signed-in users.
   */
  router.post('/account/password', deps.limiters.accountPassword, async (req, res) => {
    const user = req.user!;
    const result = await deps.accounts.changePassword(user.id, {
      currentPassword: textField(req.body, 'currentPassword'),
      newPassword: textField(req.body, 'newPassword'),
      confirmPassword: textField(req.body, 'confirmPassword'),
    });
    if (!result.ok) {
      if (result.errors.currentPassword) deps.audit.record({ event: 'password.change_failed', userId: user.id, ip: clientIp(req) });
      res.status(422);
      return renderAccountPage(res, store, user, { passwordErrors: result.errors, deleteError: undefined });
    }
    // Every session, this one included, ended with the password change; logging in again gives this browser a
    // fresh session id.
    await logIn(req, { id: user.id, email: user.email }, deps.now);
    const endedSessions = Math.max(0, result.endedSessions - 1);
    deps.audit.record({ event: 'password.changed', userId: user.id, ip: clientIp(req), endedSessions });
    setFlash(req, 'success', 'Password changed. Every other device has been logged out.');
    res.redirect(303, '/account');
  });

  /* POST /account/sessions/logout-others: end every session of the user except this one. Signed-in users. */
  router.post('/account/sessions/logout-others', (req, res) => {
    const user = req.user!;
    const endedSessions = store.destroyOtherSessionsOfUser(user.id, req.sessionID);
    deps.audit.record({ event: 'sessions.logged_out_others', userId: user.id, ip: clientIp(req), endedSessions });
    setFlash(
      req,
      'success',
      endedSessions === 1 ? 'Logged out 1 other session.' : `Logged out ${endedSessions} other sessions.`,
    );
    res.redirect(303, '/account');
  });

  /*
   * POST /account/delete: delete the account (needs the password): the user, all their data and all their
   * sessions go in one transaction, then back to the login page with a message. Signed-in users.
   */
  router.post('/account/delete', deps.limiters.accountPassword, async (req, res) => {
    const user = req.user!;
    const result = await deps.accounts.deleteAccount(user.id, textField(req.body, 'password'));
    if (!result.ok) {
      deps.audit.record({ event: 'account.delete_failed', userId: user.id, ip: clientIp(req) });
      res.status(422);
      return renderAccountPage(res, store, user, { passwordErrors: {}, deleteError: result.error });
    }
    deps.audit.record({ event: 'account.deleted', userId: user.id, ip: clientIp(req) });
    await deps.removeUserFiles?.(user.id);
    // The session row went with the user; a fresh anonymous session carries the goodbye message.
    await regenerateSession(req);
    setFlash(req, 'success', 'Your account and all its data have been deleted.');
    res.redirect(303, '/login');
  });

  return router;
}
