import { Router, type Request } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { UsersRepo } from '../../db/repos/users.ts';
import type { AuditLog } from '../../logger.ts';
import type { AccountService } from '../../services/accounts.ts';
import { safeLocalPath, textField } from '../form-fields.ts';
import { redirectIfSignedIn } from '../middleware/auth.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';

const GENERIC_LOGIN_ERROR = 'That email and password do not match an account.';

/** Configures passport for email + password and how a user is kept in the session (by id only). */
export function configurePassport(authenticator: passport.Authenticator, accounts: AccountService, users: UsersRepo): void {
  authenticator.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      if (typeof email !== 'string' || typeof password !== 'string') return done(null, false);
      accounts.authenticate(email, password).then((user) => done(null, user ?? false), done);
    }),
  );
  authenticator.serializeUser((user, done) => done(null, user.id));
  authenticator.deserializeUser((id: unknown, done) => {
    const user = typeof id === 'number' ? users.findUserById(id) : undefined;
    // A session whose user was deleted is treated as logged out rather than as an error.
    done(null, user ?? false);
  });
}

/**
 * Signs the user in on a new session id (passport regenerates it, so a session id seen before login, or before
 * a password change, is useless to an attacker) and starts the absolute lifetime clock.
 */
export function logIn(req: Request, user: Express.User, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve, reject) =>
    req.login(user, (err) => {
      if (err) return reject(err);
      req.session.authenticatedAt = now();
      resolve();
    }),
  );
}

/** Registration, login and logout. */
export function createAuthRouter(deps: {
  accounts: AccountService;
  authenticator: passport.Authenticator;
  limiters: AuthRateLimiters;
  audit: AuditLog;
  now?: () => number;
}): Router {
  const router = Router();
  const now = deps.now ?? Date.now;

  /* GET /register: the sign-up form. Anyone not signed in. */
  router.get('/register', redirectIfSignedIn, (_req, res) => {
    res.render('auth/register', { title: 'Create account', values: { email: '' }, errors: {} });
  });

  /* POST /register: create the account and sign in. Anyone not signed in. */
  router.post('/register', redirectIfSignedIn, deps.limiters.register, async (req, res) => {
    const result = await deps.accounts.register({
      email: textField(req.body, 'email'),
      password: textField(req.body, 'password'),
      confirmPassword: textField(req.body, 'confirmPassword'),
    });
    if (!result.ok) {
      return res.status(422).render('auth/register', {
        title: 'Create account',
        values: { email: result.email },
        errors: result.errors,
      });
    }
    await logIn(req, result.user, now);
    deps.audit.record({ event: 'account.registered', userId: result.user.id, ip: clientIp(req) });
    req.session.flash = { kind: 'success', message: 'Welcome! Your account is ready.' };
    res.redirect(303, '/dashboard');
  });

  /* GET /login: the sign-in form; ?next= is where to go afterwards (local paths only). Anyone. */
  router.get('/login', redirectIfSignedIn, (req, res) => {
    res.render('auth/login', {
      title: 'Log in',
      values: { email: '' },
      next: safeLocalPath(req.query.next, ''),
      error: undefined,
    });
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
          userId: email ? (deps.accounts.findUserIdByEmail(email) ?? null) : null,
          ip: clientIp(req),
        });
        return res.status(401).render('auth/login', {
          title: 'Log in',
          values: { email: textField(req.body, 'email') ?? '' },
          next: target === '/dashboard' ? '' : target,
          error: GENERIC_LOGIN_ERROR,
        });
      }
      logIn(req, user, now).then(() => {
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
        res.clearCookie(res.locals.sessionCookieName as string, { path: '/' });
        res.redirect(303, '/login');
      });
    });
  });

  return router;
}
