import { Router } from 'express';
import type passport from 'passport';
import type { Clock } from '../../clock.ts';
import type { AuditLog } from '../../logger.ts';
import type { UserService } from '../../services/users.ts';
import { logIn } from '../auth.ts';
import { safeLocalPath, textField, typedValues } from '../form-fields.ts';
import { parseRegistrationForm, registrationErrors } from '../forms/account-forms.ts';
import { msg, type LanguageContext } from '../i18n.ts';
import { redirectIfSignedIn } from '../middleware/auth.ts';
import { pageLanguage, setFlash } from '../middleware/locals.ts';
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
  authenticator: passport.Authenticator;
  limiters: AuthRateLimiters;
  audit: AuditLog;
  clock: Clock;
  sessionCookieName: string;
}): Router {
  const router = Router();

  /* GET /register: the sign-up form. Anyone not signed in. */
  router.get('/register', redirectIfSignedIn, (_req, res) => {
    res.render('auth/register', { title: 'auth.register.title', values: { email: '' }, errors: {} });
  });

  /* POST /register: create the account and sign in. Anyone not signed in. */
  router.post('/register', redirectIfSignedIn, deps.limiters.register, async (req, res) => {
    const input = parseRegistrationForm(req.body);
    const result = input.ok ? await deps.users.register(input.data, registrationLanguage(pageLanguage(res))) : undefined;
    if (!result?.ok) {
      return res.status(422).render('auth/register', {
        title: 'auth.register.title',
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
    res.render('auth/login', { title: 'auth.login.title', values: { email: '' }, next: safeLocalPath(req.query.next, ''), error: undefined });
  });

  /*
   * POST /login: check the password with passport-local; one message for every failure. Anyone.
   * The rate limiters run first, so a locked-out guess costs no bcrypt work.
   */
  router.post('/login', ...deps.limiters.login, (req, res, next) => {
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
          values: { email: email ?? '' },
          next: target === '/dashboard' ? '' : target,
          error: GENERIC_LOGIN_ERROR,
        });
      }
      logIn(req, user, deps.clock).then(() => {
        deps.audit.record({ event: 'login.success', userId: user.id, ip: clientIp(req) });
        res.redirect(303, target);
      }, next);
    })(req, res, next);
  });

  /* POST /logout: end the session on the server and drop the cookie. Signed-in users (harmless otherwise). */
  router.post('/logout', (req, res, next) => {
    const userId = req.user?.id;
    req.logout((logoutErr) => {
      if (logoutErr) return next(logoutErr);
      if (userId !== undefined) deps.audit.record({ event: 'logout', userId, ip: clientIp(req) });
      req.session.destroy((destroyErr) => {
        if (destroyErr) return next(destroyErr);
        res.clearCookie(deps.sessionCookieName, { path: '/' });
        res.redirect(303, '/login');
      });
    });
  });

  return router;
}
