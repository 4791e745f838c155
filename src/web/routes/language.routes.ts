import { Router } from 'express';
import { BadRequestError } from '../errors.ts';
import { safeLocalPath, textField } from '../form-fields.ts';
import { parseLanguageForm } from '../forms/account-forms.ts';

/** Pages a language switch may return to: the ones that show it. */
const SWITCH_PAGES: ReadonlySet<string> = new Set(['/login', '/register']);

/** Choosing a language before signing in (signed-in people choose theirs on the account page). */
export function createLanguageRouter(): Router {
  const router = Router();

  /*
   * POST /language: the language of this browser's pages until someone signs in here, kept in the session, then
   * back to the login or registration page it was chosen on. An unknown language is a 400 and changes nothing.
   * Anyone.
   */
  router.post('/language', (req, res) => {
    const input = parseLanguageForm(req.body);
    if (!input.ok) throw new BadRequestError(input.error);
    req.session.language = input.language;
    const back = textField(req.body, 'back') ?? '';
    // The page's own query goes back with it: an invitee switching language kept the form but lost the invite
    // ("registration is by invitation only"), and a sign-in lost where it was to lead.
    const query = new URLSearchParams();
    const invite = textField(req.body, 'invite') ?? '';
    if (back === '/register' && invite !== '') query.set('invite', invite);
    const next = safeLocalPath(textField(req.body, 'next'), '');
    if (back === '/login' && next !== '') query.set('next', next);
    const page = SWITCH_PAGES.has(back) ? back : '/login';
    res.redirect(303, query.size > 0 ? `${page}?${query}` : page);
  });

  return router;
}
