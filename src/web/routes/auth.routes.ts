import { Router, type Request, type Response } from 'express';
import type passport from 'passport';
import type { Clock } from '../../clock.ts';
import type { AuditLog } from '../../logger.ts';
import type { UserService } from '../../services/users.ts';
import type { TwoFactorService } from '../../services/two-factor.ts';
import { PENDING_SIGN_IN_MS } from '../../domain/two-factor.ts';

/** The code page's time limit as the pages state it. */
const PENDING_SIGN_IN_MINUTES = PENDING_SIGN_IN_MS / 60_000;
import { codeError } from '../forms/two-factor-forms.ts';
import { logIn, PASSKEY_SCRIPTS } from '../auth.ts';
import { safeLocalPath, textField, typedValues } from '../form-fields.ts';
import { parseLoginForm, parseRegistrationForm, registrationErrors } from '../forms/account-forms.ts';
import { msg, type LanguageContext } from '../i18n.ts';
import { redirectIfSignedIn } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';

const GENERIC_LOGIN_ERROR = msg('auth.login.failed');

/** A new account speaks the language its sign-up page was shown in, starter categories included. */
function registrationLanguage(language: LanguageContext) {
  const { t } = language;
  return {
    language: language.language,
    starterAccountName: t('accounts.starterName'),
    starterCategoryNames: {
      salary: t('starterCategories.salary'),
      otherIncome: t('starterCategories.otherIncome'),
      groceries: t('starterCategories.groceries'),
      housing: t('starterCategories.housing'),
      transport: t('starterCategories.transport'),
      utilities: t('starterCategories.utilities'),
      eatingOut: t('starterCategories.eatingOut'),
      health: t('starterCategories.health'),
      entertainment: t('starterCategories.entertainment'),
      other: t('starterCategories.other'),
    },
  };
}

/** Registration, login and logout. */
export function createAuthRouter(deps: {
  users: UserService;
  twoFactor: Pick<TwoFactorService, 'isEnabled' | 'verifySignIn'>;
  /** PUBLIC_URL is set: the login page offers "Sign in with a passkey" (to browsers with script). */
  passkeysEnabled: boolean;
  authenticator: passport.Authenticator;
  limiters: AuthRateLimiters;
  audit: AuditLog;
  clock: Clock;
  sessionCookieName: string;
}): Router {
  const router = Router();
  const passkeyParts = deps.passkeysEnabled ? { passkeysEnabled: true, scripts: PASSKEY_SCRIPTS } : { passkeysEnabled: false };

  /*
   * GET /register: the sign-up form, when REGISTRATION allows it (?invite= carries an invite link's token); otherwise
   * a page that says plainly why there is no form. Anyone not signed in.
   */
  router.get('/register', redirectIfSignedIn, (req, res) => {
    const invite = typeof req.query.invite === 'string' ? req.query.invite : '';
    const access = deps.users.signUpAccess(invite);
    res.render('auth/register', { title: 'auth.register.title', access, invite: access.open && access.invited ? invite : '', values: { email: '' }, errors: {} });
  });

  /* POST /register: create the account and sign in, when REGISTRATION allows it (403 and nothing written otherwise). */
  router.post('/register', redirectIfSignedIn, deps.limiters.register, async (req, res) => {
    const input = parseRegistrationForm(req.body);
    const invite = textField(req.body, 'invite') ?? '';
    const result = input.ok ? await deps.users.register(input.data, registrationLanguage(pageLanguage(res)), invite, pageToday(res)) : undefined;
    if (result && !result.ok && 'closed' in result) {
      return res.status(403).render('auth/register', { title: 'auth.register.title', access: { open: false, reason: result.closed }, invite: '', values: { email: '' }, errors: {} });
    }
    if (!result?.ok) {
      return res.status(422).render('auth/register', {
        title: 'auth.register.title',
        access: deps.users.signUpAccess(invite),
        invite,
        values: { email: result ? result.email : typedValues(req.body, ['email'] as const).email.trim().toLowerCase() },
        errors: result ? registrationErrors(result.problems) : input.ok ? {} : input.errors,
      });
    }
    await logIn(req, result.user, deps.clock);
    deps.audit.record({ event: 'account.registered', userId: result.user.id, ip: clientIp(req) });
    setFlash(req, 'success', 'auth.register.welcome');
    res.redirect(303, '/dashboard');
  });

  /* GET /login: the sign-in form; ?next= is where to go afterwards (local paths only). Anyone. */
  router.get('/login', redirectIfSignedIn, (req, res) => {
    // A code that came too late: said once, with the email filled in (kept in the session, never in the address).
    const timedOut = req.session.signInTimedOut;
    delete req.session.signInTimedOut;
    res.render('auth/login', {
      title: 'auth.login.title',
      ...passkeyParts,
      values: { email: timedOut?.email ?? '' },
      next: safeLocalPath(req.query.next, ''),
      error: timedOut ? msg('auth.code.timedOut', { count: PENDING_SIGN_IN_MINUTES }) : undefined,
    });
  });

  /*
   * POST /login: check the password with passport-local; one message for every failure. Anyone.
   * A field left empty is said beside it first (422), before the rate limiters: it guesses no password and names no
   * account, so it costs no bcrypt work and counts against no one. The limiters then run before passport, so a
   * locked-out guess costs no bcrypt work either.
   */
  router.post('/login', (req, res, next) => {
    const input = parseLoginForm(req.body);
    if (input.ok) return next();
    const target = safeLocalPath(textField(req.body, 'next'), '/dashboard');
    res.status(422).render('auth/login', {
      title: 'auth.login.title',
      ...passkeyParts,
      values: typedValues(req.body, ['email'] as const),
      next: target === '/dashboard' ? '' : target,
      error: undefined,
      errors: input.errors,
    });
  }, ...deps.limiters.login, (req, res, next) => {
    const target = safeLocalPath(textField(req.body, 'next'), '/dashboard');
    deps.authenticator.authenticate('local', { session: false }, (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      if (!user) {
        const email = textField(req.body, 'email');
        deps.audit.record({
          event: 'login.failure',
          userId: email ? (deps.users.findUserIdByEmail(email) ?? null) : null,
          ip: clientIp(req),
        });
        return res.status(401).render('auth/login', {
          title: 'auth.login.title',
          ...passkeyParts,
          values: { email: email ?? '' },
          next: target === '/dashboard' ? '' : target,
          error: GENERIC_LOGIN_ERROR,
        });
      }
      if (deps.twoFactor.isEnabled(user.id)) {
        // Not signed in yet: a fresh session that only the code page acts on, for PENDING_SIGN_IN_MS.
        req.session.regenerate((err) => {
          if (err) return next(err);
          req.session.pendingTwoFactor = { userId: user.id, since: deps.clock.now(), next: target };
          // The code page speaks the account's language, though nobody is signed in yet.
          if (user.language) req.session.language = user.language;
          res.redirect(303, '/login/code');
        });
        return;
      }
      logIn(req, user, deps.clock).then(() => {
        deps.audit.record({ event: 'login.success', userId: user.id, ip: clientIp(req) });
        res.redirect(303, target);
      }, next);
    })(req, res, next);
  });

  /** The sign-in waiting for its code, while it is fresh. */
  const pending = (req: Request) => {
    const waiting = req.session.pendingTwoFactor;
    return waiting && deps.clock.now() - waiting.since < PENDING_SIGN_IN_MS ? waiting : undefined;
  };

  /**
   * Back to the password when there is no fresh sign-in waiting. One that ran out is ended here, and the login page
   * says why with the email filled in (before, it came back empty, with no word of a time limit).
   */
  const backToPassword = (req: Request, res: Response) => {
    const stale = req.session.pendingTwoFactor;
    if (stale) {
      delete req.session.pendingTwoFactor;
      const email = deps.users.findUser(stale.userId)?.email;
      if (email) req.session.signInTimedOut = { email };
    }
    res.redirect(303, '/login');
  };

  /* GET /login/code: the second step of signing in (a code from the app, or a recovery code). After a correct password. */
  router.get('/login/code', redirectIfSignedIn, (req, res) => {
    if (!pending(req)) return backToPassword(req, res);
    res.render('auth/code', { title: 'auth.code.title', error: undefined, next: safeLocalPath(req.query.next, ''), minutes: PENDING_SIGN_IN_MINUTES });
  });

  /*
   * POST /login/code: a current code (each accepted once) or an unused recovery code (then spent) completes the
   * sign-in on a new session id. Wrong codes are rate-limited per account, in SQLite.
   */
  router.post('/login/code', redirectIfSignedIn, deps.limiters.twoFactor, (req, res, next) => {
    const waiting = pending(req);
    if (!waiting) return backToPassword(req, res);
    const result = deps.twoFactor.verifySignIn(waiting.userId, textField(req.body, 'code') ?? '');
    if (!result.ok) {
      deps.audit.record({ event: 'login.failure', userId: waiting.userId, ip: clientIp(req) });
      return res.status(422).render('auth/code', { title: 'auth.code.title', error: codeError(result.problem), next: safeLocalPath(textField(req.body, 'next'), ''), minutes: PENDING_SIGN_IN_MINUTES });
    }
    const user = deps.users.findUser(waiting.userId);
    if (!user) return res.redirect(303, '/login');
    logIn(req, user, deps.clock).then(() => {
      deps.audit.record({ event: 'login.success', userId: user.id, ip: clientIp(req) });
      if (result.method === 'recovery') setFlash(req, 'success', 'auth.code.recoveryUsed');
      // The page asked for while the code was awaited, else the one asked for at the password.
      res.redirect(303, safeLocalPath(textField(req.body, 'next'), waiting.next));
    }, next);
  });

  /*
   * POST /logout: end the session on the server and drop the cookie; the sign-in page says so. Signed-in users
   * (harmless otherwise). A language the person chose outlives the session, in a fresh one that holds nothing else,
   * so that page still speaks it.
   */
  router.post('/logout', (req, res, next) => {
    const userId = req.user?.id;
    const language = req.user?.language ?? req.session.language;
    const done = () => {
      setFlash(req, 'success', 'auth.logout.done');
      res.redirect(303, '/login');
    };
    req.logout((logoutErr) => {
      if (logoutErr) return next(logoutErr);
      if (userId !== undefined) deps.audit.record({ event: 'logout', userId, ip: clientIp(req) });
      if (language) {
        return req.session.regenerate((err) => {
          if (err) return next(err);
          req.session.language = language;
          done();
        });
      }
      req.session.destroy((destroyErr) => {
        if (destroyErr) return next(destroyErr);
        res.clearCookie(deps.sessionCookieName, { path: '/' });
        done();
      });
    });
  });

  return router;
}
