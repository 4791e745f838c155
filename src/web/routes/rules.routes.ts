import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Rule } from '../../domain/rules.ts';
import type { RuleService } from '../../services/rules.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { formText, parseForm, type FieldErrors } from '../form-fields.ts';
import { emptyRuleForm, parseRuleForm, ruleFormValuesFrom, ruleRefusal, type RuleFormValues } from '../forms/rule-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';
import { describeRuleParts } from '../rule-text.ts';

const NOT_FOUND = msg('rules.notFound');

const moveSchema = z.object({ direction: formText('rules.notFound').pipe(z.enum(['up', 'down'], { error: 'rules.notFound' })) });

/** A person's rules: the ordered list with words for each, adding, editing, moving and deleting. */
export function createRulesRouter(deps: { rules: RuleService }): Router {
  const router = Router();
  const service = deps.rules;
  router.use('/rules', requireUser);

  function renderList(req: Request, res: Response, form: { values: RuleFormValues; errors: FieldErrors }) {
    const { rules, categories, accounts } = service.list(signedInUser(req).id);
    const categoryName = new Map(categories.map((c) => [c.id, c.name]));
    const accountName = new Map(accounts.map((a) => [a.id, a.name]));
    const names = { category: (id: number) => categoryName.get(id) ?? '', account: (id: number) => accountName.get(id) ?? '' };
    const language = pageLanguage(res);
    res.render('rules/index', {
      title: 'rules.title',
      styles: ['/css/rules.css'],
      rules: rules.map((rule, i) => ({ rule, n: i + 1, ...describeRuleParts(rule, names, language) })),
      categories,
      accounts: accounts.filter((a) => !a.archived),
      form,
    });
  }

  function renderEdit(req: Request, res: Response, rule: Rule, n: number, form: { values: RuleFormValues; errors: FieldErrors }) {
    const { categories, accounts } = service.list(signedInUser(req).id);
    res.render('rules/edit', { title: 'rules.editTitle', titleValues: { n }, styles: ['/css/rules.css'], rule, n, categories, accounts: accounts.filter((a) => !a.archived || a.id === rule.accountId), form });
  }

  /** The person's rule named in the path, and its place in their list, or 404. */
  function ownedOr404(req: Request): { rule: Rule; n: number } {
    const userId = signedInUser(req).id;
    const rule = service.find(userId, parseIdParam(req.params.id, NOT_FOUND));
    if (!rule) throw new NotFoundError(NOT_FOUND);
    return { rule, n: service.list(userId).rules.findIndex((r) => r.id === rule.id) + 1 };
  }

  /* GET /rules: the rules in order, each in words, and the add form (started from ?text= and ?category= when given). Signed-in users. */
  router.get('/rules', (req, res) => {
    const text = typeof req.query.text === 'string' ? req.query.text.slice(0, 100) : undefined;
    const category = typeof req.query.category === 'string' && /^\d{1,15}$/.test(req.query.category) ? req.query.category : undefined;
    renderList(req, res, { values: emptyRuleForm({ ...(text ? { text } : {}), ...(category ? { category } : {}) }), errors: {} });
  });

  /* POST /rules: adds a rule at the end; a bad field re-renders with 422 and saves nothing. Signed-in users. */
  router.post('/rules', (req, res) => {
    const user = signedInUser(req);
    const input = parseRuleForm(req.body, pageLanguage(res));
    if (!input.ok) return renderList(req, res.status(422), { values: input.values, errors: input.errors });
    const result = service.create(user.id, input.value);
    if (!result.ok) return renderList(req, res.status(422), { values: input.values, errors: ruleRefusal(result) });
    setFlash(req, 'success', 'rules.flash.created');
    res.redirect(303, '/rules');
  });

  /* GET /rules/export.csv: every rule of the person, in order, as a CSV attachment. Signed-in users. */
  router.get('/rules/export.csv', (req, res) => {
    const csv = service.exportCsv(signedInUser(req).id);
    res.type('text/csv; charset=utf-8');
    res.attachment(`ledgerly-${pageLanguage(res).t('rules.exportFileName')}-${pageToday(res)}.csv`);
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(csv);
  });

  /* GET /rules/:id/edit: the rule's form. Owner only; others get 404. */
  router.get('/rules/:id/edit', (req, res) => {
    const { rule, n } = ownedOr404(req);
    renderEdit(req, res, rule, n, { values: ruleFormValuesFrom(rule, pageLanguage(res)), errors: {} });
  });

  /* POST /rules/:id/edit: saves the rule; a bad field re-renders with 422. Owner only; others get 404. */
  router.post('/rules/:id/edit', (req, res) => {
    const user = signedInUser(req);
    const { rule, n } = ownedOr404(req);
    const input = parseRuleForm(req.body, pageLanguage(res));
    if (!input.ok) return renderEdit(req, res.status(422), rule, n, { values: input.values, errors: input.errors });
    const result = service.update(user.id, rule.id, input.value);
    if (!result.ok) {
      if ('notFound' in result) throw new NotFoundError(NOT_FOUND);
      return renderEdit(req, res.status(422), rule, n, { values: input.values, errors: ruleRefusal(result) });
    }
    setFlash(req, 'success', 'rules.flash.saved');
    res.redirect(303, '/rules');
  });

  /* POST /rules/:id/move: one place up or down. Owner only; others get 404. */
  router.post('/rules/:id/move', (req, res) => {
    const { rule } = ownedOr404(req);
    const parsed = parseForm(moveSchema, req.body);
    if (!parsed.ok) throw new NotFoundError(NOT_FOUND);
    service.move(signedInUser(req).id, rule.id, parsed.data.direction);
    res.redirect(303, '/rules');
  });

  /* POST /rules/:id/delete: deletes the rule (the transactions it categorised stay as they are). Owner only; others get 404. */
  router.post('/rules/:id/delete', (req, res) => {
    const { rule } = ownedOr404(req);
    service.delete(signedInUser(req).id, rule.id);
    setFlash(req, 'success', 'rules.flash.deleted');
    res.redirect(303, '/rules');
  });

  return router;
}
