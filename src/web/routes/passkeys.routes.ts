import { Router, type Request, type Response } from 'express';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Clock } from '../../clock.ts';
import type { AuditLog } from '../../logger.ts';
import { PASSKEY_NAME_MAX, type PasskeyService } from '../../services/passkeys.ts';
import type { TwoFactorService } from '../../services/two-factor.ts';
import type { UserService } from '../../services/users.ts';
import { codeError } from '../forms/two-factor-forms.ts';
import { logIn, regenerateSession } from '../auth.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { safeLocalPath, textField } from '../form-fields.ts';
import { msg, type Msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, setFlash } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';
import { parseIdParam } from '../params.ts';
import { passkeyNameForAdding, passkeyNameProblem } from '../../domain/passkeys.ts';

/** How long a ceremony's challenge is good for (the browser's own timeout is one minute). */
const CHALLENGE_MS = 5 * 60 * 1000;
const NOT_FOUND = msg('passkeys.notFound');

/**
 * Passkeys: adding one from the account page and signing in with one. The two ceremonies need the browser's
 * WebAuthn API, so they are the one part of Ledgerly that needs script (public/js/passkeys.js, with
 * @simplewebauthn/browser served from our origin); naming and removing passkeys are plain forms. The ceremony posts
 * are urlencoded like every form (the CSRF token in `_csrf`), with the browser's answer as JSON in `response`.
 * Without PUBLIC_URL (`passkeys` undefined) every route here answers 404.
 */
export function createPasskeysRouter(deps: {
  passkeys: PasskeyService | undefined;
  users: Pick<UserService, 'findUser'>;
  twoFactor: Pick<TwoFactorService, 'confirmBothFactors'>;
  limiters: Pick<AuthRateLimiters, 'login' | 'accountPassword'>;
  audit: AuditLog;
  clock: Clock;
}): Router {
  const router = Router();
  const enabled = (): PasskeyService => {
    if (!deps.passkeys) throw new NotFoundError();
    return deps.passkeys;
  };
  /** The JSON the browser sent in `response`, if it is an object with a string id. */
  const responseOf = <T>(req: Request): T | undefined => {
    try {
      const parsed = JSON.parse(textField(req.body, 'response') ?? '') as unknown;
      return parsed !== null && typeof parsed === 'object' && typeof (parsed as { id?: unknown }).id === 'string' ? (parsed as T) : undefined;
    } catch {
      return undefined;
    }
  };
  /** Takes the ceremony's challenge out of the session (it is good once), if it is for this purpose and fresh. */
  const takeChallenge = (req: Request, purpose: 'register' | 'login'): string | undefined => {
    const held = req.session.passkeyChallenge;
    delete req.session.passkeyChallenge;
    return held && held.purpose === purpose && deps.clock.now() - held.since < CHALLENGE_MS ? held.challenge : undefined;
  };
  const problem = (res: Response, status: number, message: Msg) => res.status(status).json({ error: pageLanguage(res).t(message.key, message.values) });

  /*
   * POST /account/passkeys/options: the options for adding a passkey (JSON), once the person's password checks out,
   * and with two-factor on a current code or a recovery code too: a passkey signs in as both factors and outlives a
   * change of password, so neither a stolen session nor a stolen password alone may add one.
   * The challenge it keeps is what the next post needs. Signed-in users.
   */
  router.post('/account/passkeys/options', requireUser, deps.limiters.accountPassword, async (req, res) => {
    const service = enabled();
    const user = signedInUser(req);
    const confirmed = await deps.twoFactor.confirmBothFactors(user.id, textField(req.body, 'password') ?? '', textField(req.body, 'code') ?? '');
    if (!confirmed.ok) {
      delete req.session.passkeyChallenge;
      const { password, code } = confirmed.problems;
      const message = password ? msg(password === 'missing' ? 'passkeys.passwordMissing' : 'passkeys.passwordWrong') : code === 'missing' ? msg('passkeys.codeMissing') : codeError(code ?? 'wrong');
      return res.status(422).json({ error: pageLanguage(res).t(message.key, message.values), field: password ? 'password' : 'code' });
    }
    const options = await service.registrationOptions(user);
    req.session.passkeyChallenge = { challenge: options.challenge, purpose: 'register', since: deps.clock.now() };
    res.json(options);
  });

  /* POST /account/passkeys: keeps the passkey the browser made (`response`), named `name`; JSON { redirect }. Signed-in users. */
  router.post('/account/passkeys', requireUser, async (req, res) => {
    const service = enabled();
    const user = signedInUser(req);
    const challenge = takeChallenge(req, 'register');
    const response = responseOf<RegistrationResponseJSON>(req);
    const name = passkeyNameForAdding(textField(req.body, 'name') ?? '') || pageLanguage(res).t('passkeys.defaultName');
    if (!challenge || !response || !(await service.register(user.id, response, challenge, name))) return problem(res, 422, msg('passkeys.notAdded'));
    deps.audit.record({ event: 'passkey.added', userId: user.id, ip: clientIp(req) });
    setFlash(req, 'success', 'passkeys.added', { name });
    res.json({ redirect: '/account' });
  });

  /* GET /passkeys/:id/rename: the form to rename a passkey. Owner only; others get 404. */
  router.get('/passkeys/:id/rename', requireUser, (req, res) => {
    const service = enabled();
    const user = signedInUser(req);
    const passkey = service.list(user.id).find((p) => p.id === parseIdParam(req.params.id, NOT_FOUND));
    if (!passkey) throw new NotFoundError(NOT_FOUND);
    res.render('account/passkey-rename', { title: 'passkeys.rename.title', passkey, values: { name: passkey.name }, error: undefined });
  });

  /* POST /passkeys/:id/rename: a new name (1 to 60 characters); 422 beside the field otherwise. Owner only; others get 404. */
  router.post('/passkeys/:id/rename', requireUser, (req, res) => {
    const service = enabled();
    const user = signedInUser(req);
    const id = parseIdParam(req.params.id, NOT_FOUND);
    const passkey = service.list(user.id).find((p) => p.id === id);
    if (!passkey) throw new NotFoundError(NOT_FOUND);
    const name = (textField(req.body, 'name') ?? '').trim();
    if (passkeyNameProblem(name) !== undefined) {
      return res.status(422).render('account/passkey-rename', { title: 'passkeys.rename.title', passkey, values: { name }, error: msg('passkeys.rename.invalid', { max: PASSKEY_NAME_MAX }) });
    }
    service.rename(user.id, id, name);
    setFlash(req, 'success', 'passkeys.renamed', { name });
    res.redirect(303, '/account');
  });

  /*
   * POST /passkeys/:id/delete: removes the passkey at once, and ends every session it signed in. When that includes
   * this one, the browser is signed out and the sign-in page says why. Owner only; others get 404.
   */
  router.post('/passkeys/:id/delete', requireUser, async (req, res) => {
    const service = enabled();
    const user = signedInUser(req);
    const id = parseIdParam(req.params.id, NOT_FOUND);
    const removed = service.remove(user.id, id);
    if (!removed) throw new NotFoundError(NOT_FOUND);
    const thisSession = req.session.passkeyId === id;
    deps.audit.record({ event: 'passkey.removed', userId: user.id, ip: clientIp(req), endedSessions: removed.endedSessions });
    if (thisSession) {
      // This session's row went with the passkey: a fresh, signed-out one carries the word to the sign-in page.
      await regenerateSession(req);
      if (user.language) req.session.language = user.language;
      setFlash(req, 'success', 'passkeys.removedSignedOut');
      return res.redirect(303, '/login');
    }
    if (removed.endedSessions > 0) setFlash(req, 'success', 'passkeys.removedSessionsEnded', { count: removed.endedSessions });
    else setFlash(req, 'success', 'passkeys.removed');
    res.redirect(303, '/account');
  });

  /* POST /login/passkey/options: the options for signing in with a passkey (JSON). Anyone. */
  router.post('/login/passkey/options', async (req, res) => {
    const options = await enabled().authenticationOptions();
    req.session.passkeyChallenge = { challenge: options.challenge, purpose: 'login', since: deps.clock.now() };
    res.json(options);
  });

  /*
   * POST /login/passkey: signs in with the passkey the browser answered with (`response`), as both factors, on a new
   * session id; JSON { redirect }. Failures count against the same limits as passwords. Anyone.
   */
  router.post('/login/passkey', ...deps.limiters.login, async (req, res, next) => {
    const service = enabled();
    const challenge = takeChallenge(req, 'login');
    const response = responseOf<AuthenticationResponseJSON>(req);
    const proved = challenge && response ? await service.authenticate(response, challenge) : undefined;
    const user = proved === undefined ? undefined : deps.users.findUser(proved.userId);
    if (!proved || !user) {
      deps.audit.record({ event: 'login.failure', userId: proved?.userId ?? null, ip: clientIp(req) });
      return problem(res, 401, msg('passkeys.signInFailed'));
    }
    logIn(req, user, deps.clock).then(() => {
      // Which passkey opened this session: removing it ends the session.
      req.session.passkeyId = proved.passkeyId;
      deps.audit.record({ event: 'login.success', userId: user.id, ip: clientIp(req) });
      res.json({ redirect: safeLocalPath(textField(req.body, 'next'), '/dashboard') });
    }, next);
  });

  return router;
}
