import { Router, type Request, type Response } from 'express';
import type { Clock } from '../../clock.ts';
import { SETUP_WINDOW_MS } from '../../domain/two-factor.ts';
import type { AuditLog } from '../../logger.ts';
import type { TwoFactorService } from '../../services/two-factor.ts';
import { logIn, regenerateSession } from '../auth.ts';
import { signedInUser } from '../current-user.ts';
import { textField } from '../form-fields.ts';
import { passwordAndCodeErrors } from '../forms/two-factor-forms.ts';
import type { Msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';
import { qrCodeSvg } from '../qr.ts';
import type { SessionSealer } from '../session-secrets.ts';

/**
 * Setting up two-factor sign-in from the account page: the key as a QR code and as text, the first code, and the
 * recovery codes shown once. Turning it off and replacing the codes are forms of the account page itself.
 */
export function createTwoFactorRouter(deps: {
  twoFactor: TwoFactorService;
  audit: AuditLog;
  clock: Clock;
  sealer: SessionSealer;
  limiters: Pick<AuthRateLimiters, 'accountPassword'>;
}): Router {
  const router = Router();
  router.use('/account/two-factor', requireUser);
  const fresh = (since: number | undefined) => since !== undefined && deps.clock.now() - since < SETUP_WINDOW_MS;

  async function renderSetup(req: Request, res: Response, secret: string, errors: { password?: Msg; code?: Msg } = {}) {
    const user = signedInUser(req);
    res.render('account/two-factor-setup', {
      title: 'twoFactor.setup.title',
      styles: ['/css/account.css'],
      secret,
      // Grouped in fours, as authenticator apps show keys; the spaces are ignored when typed.
      secretGroups: secret.match(/.{1,4}/g)!.join(' '),
      qr: await qrCodeSvg(deps.twoFactor.keyUri(secret, user.email)),
      // The same key as a link: on the phone that holds the authenticator app there is no code to scan.
      keyUri: deps.twoFactor.keyUri(secret, user.email),
      errors,
    });
  }

  /** The key being set up, while its window lasts; a stale one leaves the session. */
  function setupKeyOf(req: Request): string | undefined {
    const setup = req.session.totpSetup;
    const secret = setup && fresh(setup.since) ? deps.sealer.open('totp-setup', setup.sealed) : undefined;
    if (setup && secret === undefined) delete req.session.totpSetup;
    return secret;
  }

  /** The codes just made, while their window lasts; stale ones leave the session. */
  function recoveryCodesOf(req: Request): string[] | undefined {
    const held = req.session.freshRecoveryCodes;
    const codes = held && fresh(held.since) ? deps.sealer.open('recovery-codes', held.sealed) : undefined;
    if (held && codes === undefined) delete req.session.freshRecoveryCodes;
    return codes?.split('\n');
  }

  /* POST /account/two-factor/setup: a new key to set up (kept in the session until confirmed). Signed-in users. */
  router.post('/account/two-factor/setup', (req, res) => {
    const user = signedInUser(req);
    if (deps.twoFactor.status(user.id).enabled) return res.redirect(303, '/account');
    req.session.totpSetup = { sealed: deps.sealer.seal('totp-setup', deps.twoFactor.newKey(user.email).secret), since: deps.clock.now() };
    res.redirect(303, '/account/two-factor/setup');
  });

  /* GET /account/two-factor/setup: the QR code, the key as text, and the form for the first code. Signed-in users. */
  router.get('/account/two-factor/setup', async (req, res) => {
    const secret = setupKeyOf(req);
    if (secret === undefined || deps.twoFactor.status(signedInUser(req).id).enabled) return res.redirect(303, '/account');
    await renderSetup(req, res, secret);
  });

  /* POST /account/two-factor/enable: the password and a current code from the new key turn two-factor on; the recovery codes follow. */
  router.post('/account/two-factor/enable', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const secret = setupKeyOf(req);
    if (secret === undefined) {
      setFlash(req, 'error', 'twoFactor.setup.expired');
      return res.redirect(303, '/account');
    }
    const result = await deps.twoFactor.enable(user.id, secret, textField(req.body, 'password') ?? '', textField(req.body, 'code') ?? '');
    if (!result.ok && 'alreadyOn' in result) {
      // This session's own key, turned on by an earlier press whose page (with the codes) the browser never showed:
      // this press proved the password and a code of that key, so this browser is signed in again and told where
      // to make new codes. Another session's key: this session ended with it, and signs in with the new factor.
      if (result.alreadyOn === 'another-key') {
        // This session ended with the other's change: a fresh, signed-out one carries the word to the sign-in page.
        await regenerateSession(req);
        setFlash(req, 'error', 'twoFactor.setup.onFromElsewhere');
        return res.redirect(303, '/login');
      }
      await logIn(req, user, deps.clock);
      setFlash(req, 'success', 'twoFactor.setup.onAlready');
      return res.redirect(303, '/account#two-factor-heading');
    }
    if (!result.ok) {
      res.status(422);
      return renderSetup(req, res, secret, passwordAndCodeErrors(result.problems));
    }
    // Every session of the person, this one included, ended with the change; signing in again gives this browser a
    // fresh session id (without the set-up key), which then carries the codes to show.
    await logIn(req, user, deps.clock);
    req.session.freshRecoveryCodes = { sealed: deps.sealer.seal('recovery-codes', result.recoveryCodes.join('\n')), since: deps.clock.now() };
    deps.audit.record({ event: 'two_factor.enabled', userId: user.id, ip: clientIp(req), endedSessions: Math.max(0, result.endedSessions - 1) });
    setFlash(req, 'success', 'twoFactor.enabled');
    res.redirect(303, '/account/two-factor/recovery-codes');
  });

  /*
   * GET /account/two-factor/recovery-codes: the codes just made, shown on the page once; loaded again, the page says
   * they were shown and still offers the download and "I have saved them" until the window ends. Signed-in users.
   */
  router.get('/account/two-factor/recovery-codes', (req, res) => {
    const codes = recoveryCodesOf(req);
    const held = req.session.freshRecoveryCodes;
    if (!codes || !held) return res.redirect(303, '/account');
    const firstShowing = held.shown !== true;
    req.session.freshRecoveryCodes = { ...held, shown: true };
    res.render('account/recovery-codes', { title: 'twoFactor.codes.title', styles: ['/css/account.css'], codes: firstShowing ? codes : undefined });
  });

  /* GET /account/two-factor/recovery-codes.txt: the same codes as a text file to keep, until Done or the window ends. Signed-in users. */
  router.get('/account/two-factor/recovery-codes.txt', (req, res) => {
    const codes = recoveryCodesOf(req);
    if (!codes) return res.redirect(303, '/account');
    const user = signedInUser(req);
    res.type('text/plain; charset=utf-8');
    // Named in the page's language, as the other downloads are; Express writes a non-ASCII name as RFC 6266 filename*.
    res.attachment(`ledgerly-${res.locals.t('twoFactor.codes.fileName')}.txt`);
    res.send(`${res.locals.t('twoFactor.codes.fileHeading', { email: user.email })}\n\n${codes.join('\n')}\n`);
  });

  /* POST /account/two-factor/recovery-codes/done: the person saved them; they are not shown again. Signed-in users. */
  router.post('/account/two-factor/recovery-codes/done', (req, res) => {
    delete req.session.freshRecoveryCodes;
    res.redirect(303, '/account');
  });

  return router;
}
