import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Rule } from '../../domain/rules.ts';
import { MAX_RULE_RUN_ROWS, type RuleRunPlan, type RuleRunRange, type RuleService } from '../../services/rules.ts';
import { addMonths, firstDayOfMonth, monthOf } from '../../domain/calendar.ts';
import { signedInUser } from '../current-user.ts';
import { NotFoundError } from '../errors.ts';
import { dayFieldValue, formText, parseForm, type FieldErrors } from '../form-fields.ts';
import { optionalDayField } from '../forms/fields.ts';
import { emptyRuleForm, parseRuleForm, ruleFormValuesFrom, ruleRefusal, type RuleFormValues } from '../forms/rule-form.ts';
import { msg } from '../i18n.ts';
import { requireUser } from '../middleware/auth.ts';
import { pageLanguage, pageToday, setFlash } from '../middleware/locals.ts';
import { parseIdParam } from '../params.ts';
import { describeRuleParts } from '../rule-text.ts';

const NOT_FOUND = msg('rules.notFound');

/** How many of a run's changes its preview lists; the count and the apply button cover them all. */
const RUN_PREVIEW_ROWS = 200;

const runSchema = z.object({
  from: optionalDayField,
  to: optionalDayField,
  scope: formText('rules.run.scopeChoose').pipe(z.enum(['', 'uncategorised', 'all'], { error: 'rules.run.scopeChoose' })),
});
const applySchema = z.object({ digest: formText('rules.run.stale').pipe(z.string().regex(/^[\w-]{22}$/, { error: 'rules.run.stale' })) });

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

  /** The run's range from a query or a form: days as given, or the last three months to today; the end not before the start. */
  function runRangeOf(input: unknown, today: string): { ok: true; range: RuleRunRange; values: Record<'from' | 'to' | 'scope', string> } | { ok: false; errors: FieldErrors; values: Record<'from' | 'to' | 'scope', string> } {
    const parsed = parseForm(runSchema, { from: '', to: '', scope: '', ...(typeof input === 'object' && input !== null ? input : {}) });
    const raw = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
    const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).slice(0, 40) : '');
    if (!parsed.ok) return { ok: false, errors: parsed.errors, values: { from: dayFieldValue(text('from')), to: dayFieldValue(text('to')), scope: text('scope') } };
    const from = parsed.data.from ?? firstDayOfMonth(addMonths(monthOf(today), -2));
    const to = parsed.data.to ?? today;
    const values = { from, to, scope: parsed.data.scope || 'uncategorised' };
    if (to < from) return { ok: false, errors: { to: msg('rules.run.toBeforeFrom') }, values };
    return { ok: true, range: { from, to, scope: parsed.data.scope === 'all' ? 'all' : 'uncategorised' }, values };
  }

  function renderRun(res: Response, values: Record<'from' | 'to' | 'scope', string>, errors: FieldErrors, plan: RuleRunPlan | null, stale = false) {
    const categoryName = new Map((plan?.categories ?? []).map((c) => [c.id, c.name]));
    const accountName = new Map((plan?.accounts ?? []).map((a) => [a.id, a.name]));
    res.render('rules/run', {
      title: 'rules.run.title',
      styles: ['/css/rules.css'],
      values,
      errors,
      plan,
      stale,
      max: MAX_RULE_RUN_ROWS,
      shown: plan ? plan.changes.slice(0, RUN_PREVIEW_ROWS) : [],
      categoryName: (id: number | null) => (id === null ? null : (categoryName.get(id) ?? null)),
      accountName: (id: number) => accountName.get(id) ?? '',
    });
  }

  /* GET /rules/run: what the rules would change on existing transactions in a range; changes nothing. Signed-in users. */
  router.get('/rules/run', (req, res) => {
    const input = runRangeOf(req.query, pageToday(res));
    if (!input.ok) return renderRun(res.status(422), input.values, input.errors, null);
    renderRun(res, input.values, {}, service.previewRun(signedInUser(req).id, input.range));
  });

  /*
   * POST /rules/run: applies the previewed run, all in one transaction, when it is still what was previewed;
   * otherwise changes nothing and shows the preview as it now is (409). Signed-in users.
   */
  router.post('/rules/run', (req, res) => {
    const user = signedInUser(req);
    const input = runRangeOf(req.body, pageToday(res));
    if (!input.ok) return renderRun(res.status(422), input.values, input.errors, null);
    const digest = parseForm(applySchema, req.body);
    const applied = service.applyRun(user.id, input.range, digest.ok ? digest.data.digest : '');
    if (!applied.ok) return renderRun(res.status(409), input.values, {}, applied.plan, true);
    setFlash(req, 'success', 'rules.run.applied', { count: applied.changed });
    res.redirect(303, `/rules/run?${new URLSearchParams(input.values).toString()}`);
  });

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

  /*
   * GET /rules/:id/delete: asks "delete this rule?", saying what it looks for and does, and that the rows it already
   * changed stay as they are (works without JavaScript). Owner only; others get 404.
   */
  router.get('/rules/:id/delete', (req, res) => {
    const { rule, n } = ownedOr404(req);
    const { categories, accounts } = service.list(signedInUser(req).id);
    const categoryName = new Map(categories.map((c) => [c.id, c.name]));
    const accountName = new Map(accounts.map((a) => [a.id, a.name]));
    const names = { category: (id: number) => categoryName.get(id) ?? '', account: (id: number) => accountName.get(id) ?? '' };
    res.render('rules/confirm-delete', { title: 'rules.delete.title', rule, n, ...describeRuleParts(rule, names, pageLanguage(res)) });
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
