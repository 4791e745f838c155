import { Router, type Response } from 'express';
import type { Clock } from '../../clock.ts';
import type { AuditLog } from '../../logger.ts';
import { PER_PERSON_LIMITS } from '../../domain/limits.ts';
import type { ApiTokenService } from '../../services/api-tokens.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import type { FieldErrors } from '../form-fields.ts';
import { parseApiTokenForm, type ApiTokenFormValues } from '../forms/api-token-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { setFlash } from '../middleware/locals.ts';
import { clientIp, type AuthRateLimiters } from '../middleware/rate-limit.ts';
import { parseIdParam } from '../params.ts';
import type { SessionSealer } from '../session-secrets.ts';

const NOT_FOUND = msg('apiTokens.notFound');

/** Personal access tokens for the API: made, listed and revoked on their own page under /account. */
/** A new token is shown by the page the form redirects to; one not fetched within this long is not shown at all. */
const FRESH_TOKEN_WINDOW_MS = 15 * 60_000;

export function createApiTokensRouter(deps: { tokens: ApiTokenService; audit: AuditLog; clock: Clock; sealer: SessionSealer; limiters: Pick<AuthRateLimiters, 'accountPassword'> }): Router {
  const router = Router();
  router.use('/account/api-tokens', requireUser);

  function renderPage(res: Response, userId: number, form: { values: ApiTokenFormValues; errors: FieldErrors }, fresh?: { token: string; name: string }) {
    // At the limit the page says so above the form, before anything is typed (the save would be refused).
    const live = deps.tokens.liveCount(userId);
    res.render('account/api-tokens', { title: 'apiTokens.title', styles: ['/css/account.css'], tokens: deps.tokens.list(userId), form, fresh, limit: live.atLimit ? live.count : null });
  }

  /* GET /account/api-tokens: the person's tokens, the form for a new one, and a new token shown this once. */
  router.get('/account/api-tokens', (req, res) => {
    const user = signedInUser(req);
    // Shown once, like a flash message: the next visit no longer has it (nor does a visit after the window).
    const held = req.session.freshApiToken;
    delete req.session.freshApiToken;
    const token = held && deps.clock.now() - held.since < FRESH_TOKEN_WINDOW_MS ? deps.sealer.open('api-token', held.sealed) : undefined;
    renderPage(res, user.id, { values: { name: '', scope: 'read', lifetime: '90' }, errors: {} }, held && token !== undefined ? { token, name: held.name } : undefined);
  });

  /* POST /account/api-tokens: makes a token (name, scope, lifetime); 422 beside the fields otherwise. Signed-in users. */
  router.post('/account/api-tokens', deps.limiters.accountPassword, async (req, res) => {
    const user = signedInUser(req);
    const input = parseApiTokenForm(req.body);
    if (!input.ok) {
      res.status(422);
      return renderPage(res, user.id, { values: input.values, errors: input.errors });
    }
    const made = await deps.tokens.create(user.id, input);
    if (!made.ok) {
      res.status(422);
      const values = { name: input.name, scope: input.scope, lifetime: input.lifetimeDays === null ? 'never' : String(input.lifetimeDays) };
      // A token more than one may keep is said beside its name, the one thing typed for it.
      const errors: FieldErrors =
        made.problem === 'limit'
          ? { name: msg('errors.limit.apiTokens', { count: PER_PERSON_LIMITS.apiTokens }) }
          : { password: msg(made.problem === 'password-missing' ? 'apiTokens.passwordMissing' : 'apiTokens.passwordWrong') };
      return renderPage(res, user.id, { values, errors });
    }
    req.session.freshApiToken = { sealed: deps.sealer.seal('api-token', made.token), name: input.name, since: deps.clock.now() };
    setFlash(req, 'success', 'apiTokens.created');
    deps.audit.record({ event: 'api_token.created', userId: user.id, ip: clientIp(req), scope: input.scope });
    res.redirect(303, '/account/api-tokens');
  });

  /* POST /api-tokens/:id/revoke: the token stops working at once. Owner only; others get 404. */
  router.post('/api-tokens/:id/revoke', requireUser, (req, res) => {
    const user = signedInUser(req);
    if (!deps.tokens.revoke(user.id, parseIdParam(req.params.id, NOT_FOUND))) throw new NotFoundError(NOT_FOUND);
    deps.audit.record({ event: 'api_token.revoked', userId: user.id, ip: clientIp(req) });
    setFlash(req, 'success', 'apiTokens.revoked');
    res.redirect(303, '/account/api-tokens');
  });

  return router;
}
