import type { Request } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Clock } from '../clock.ts';
import type { UserService } from '../services/users.ts';

/** The passkey ceremony's scripts, both served from our origin (the one place Ledgerly needs script). */
export const PASSKEY_SCRIPTS: readonly string[] = ['/js/vendor/simplewebauthn/index.umd.min.js', '/js/passkeys.js'];

/** A passport instance for email + password that keeps only the user id in the session. */
export function createAuthenticator(users: UserService): passport.Authenticator {
  const authenticator = new passport.Authenticator();
  authenticator.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      if (typeof email !== 'string' || typeof password !== 'string') return done(null, false);
      users.authenticate(email, password).then((user) => done(null, user ?? false), done);
    }),
  );
  authenticator.serializeUser((user, done) => done(null, user.id));
  authenticator.deserializeUser((id: unknown, done) => {
    const user = typeof id === 'number' ? users.findUser(id) : undefined;
    // A session whose user was deleted is treated as logged out rather than as an error.
    done(null, user ?? false);
  });
  return authenticator;
}

/**
 * Signs the user in on a new session id (passport regenerates it, so a session id seen before login, or before
 * a password change, is useless to an attacker) and starts the absolute lifetime on the clock.
 */
export function logIn(req: Request, user: Express.User, clock: Clock): Promise<void> {
  // The language chosen before signing in outlives the new session id (it matters while the user has none of their own).
  const language = req.session.language;
  return new Promise((resolve, reject) =>
    req.login(user, (err) => {
      if (err) return reject(err);
      req.session.authenticatedAt = clock.now();
      // For the session list: the address as TRUST_PROXY resolves it, and the browser's own description.
      req.session.device = { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown', userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300), startedAt: clock.now() };
      if (language !== undefined) req.session.language = language;
      resolve();
    }),
  );
}

/** Gives the browser a fresh, empty session (after its old one ended with the account). */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}
