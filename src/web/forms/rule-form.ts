import { z } from 'zod';
import { centsToInputText } from '../../domain/money.ts';
import { MAX_RULE_TEXT_CHARS, ruleProblems, TEXT_MATCHES, type Rule, type RuleDraft } from '../../domain/rules.ts';
import { formText, idText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import type { RuleSave } from '../../services/rules.ts';
import { msg } from '../i18n.ts';
import { descriptionField, optionalAmountField, schemaPerWriting, type AmountWriting } from './fields.ts';
import { wrongKindCategoryMessage } from '../messages.ts';

const FIELDS = ['textMatch', 'text', 'amountFrom', 'amountTo', 'type', 'account', 'category', 'transfer', 'rename'] as const;

/** What the rule form shows back: exactly what the person typed. */
export type RuleFormValues = Record<(typeof FIELDS)[number], string>;

const optionalId = (repeated: 'validation.once.account' | 'validation.once.category', error: 'validation.account.choose' | 'validation.category.choose') =>
  formText(repeated).pipe(z.union([z.literal('').transform(() => null), idText], { error }));

const ruleSchema = schemaPerWriting((writing) =>
  z.object({
    textMatch: formText('rules.problem.textMatch').pipe(z.enum(TEXT_MATCHES, { error: 'rules.problem.textMatch' })),
    text: formText('rules.problem.text').transform((raw, ctx) => {
      const text = raw.replace(/\s+/g, ' ').trim();
      // A description never holds one, so a rule looking for it could never match (the other text fields refuse them too).
      if (/\p{Cc}/u.test(text)) {
        ctx.addIssue({ code: 'custom', message: 'rules.problem.textControl' });
        return z.NEVER;
      }
      if ([...text].length > MAX_RULE_TEXT_CHARS) {
        ctx.addIssue({ code: 'custom', message: 'rules.problem.textTooLong', params: { max: MAX_RULE_TEXT_CHARS } });
        return z.NEVER;
      }
      return text === '' ? null : text;
    }),
    amountFrom: optionalAmountField(writing),
    amountTo: optionalAmountField(writing),
    type: formText('validation.once.type').pipe(z.enum(['', 'income', 'expense'], { error: 'validation.once.type' }).transform((t) => (t === '' ? null : t))),
    account: optionalId('validation.once.account', 'validation.account.choose'),
    category: optionalId('validation.once.category', 'validation.category.choose'),
    transfer: optionalId('validation.once.account', 'validation.account.choose'),
    rename: descriptionField.transform((d) => (d === '' ? null : d)),
  }),
);

/**
 * The rule form into a draft, or a message per field: a text condition when text is given, an amount equal to the one
 * amount given or between the two, and the rule's own problems (nothing to look for, nothing to do, a range backwards).
 */
export function parseRuleForm(body: unknown, writing: AmountWriting): { ok: true; value: RuleDraft; values: RuleFormValues } | { ok: false; errors: FieldErrors; values: RuleFormValues } {
  const values = typedValues(body, FIELDS);
  const parsed = parseForm(ruleSchema(writing), body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  const from = d.amountFrom ?? d.amountTo;
  const to = d.amountTo ?? d.amountFrom;
  const value: RuleDraft = {
    text: d.text === null ? null : { match: d.textMatch, value: d.text },
    amount: from === null || to === null ? null : { minCents: from, maxCents: to },
    type: d.type,
    accountId: d.account,
    categoryId: d.category,
    transferAccountId: d.transfer,
    rename: d.rename,
  };
  const errors: FieldErrors = {};
  for (const problem of ruleProblems(value)) {
    if (problem === 'no-condition') errors.conditions = msg('rules.problem.noCondition');
    if (problem === 'no-action') errors.actions = msg('rules.problem.noAction');
    if (problem === 'amount-order') errors.amountTo = msg('rules.problem.amountOrder');
    if (problem === 'category-and-transfer') errors.transfer = msg('rules.problem.categoryAndTransfer');
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors, values } : { ok: true, value, values };
}

/** Blank values for a new rule, or one started from a row ("Always put AMAZON in Shopping?"). */
export function emptyRuleForm(start: { text?: string; category?: string } = {}): RuleFormValues {
  return { textMatch: 'contains', text: start.text ?? '', amountFrom: '', amountTo: '', type: '', account: '', category: start.category ?? '', transfer: '', rename: '' };
}

/** The values that show a rule for editing, its amounts written the person's way. */
export function ruleFormValuesFrom(rule: Rule, writing: Pick<AmountWriting, 'decimal'>): RuleFormValues {
  const id = (n: number | null) => (n === null ? '' : String(n));
  return {
    textMatch: rule.text?.match ?? 'contains',
    text: rule.text?.value ?? '',
    amountFrom: rule.amount ? centsToInputText(rule.amount.minCents, writing.decimal) : '',
    amountTo: rule.amount && rule.amount.maxCents !== rule.amount.minCents ? centsToInputText(rule.amount.maxCents, writing.decimal) : '',
    type: rule.type ?? '',
    account: id(rule.accountId),
    category: id(rule.categoryId),
    transfer: id(rule.transferAccountId),
    rename: rule.rename ?? '',
  };
}

/** The messages of a rule the service refused for its category or account (pages and the API alike). */
export function ruleRefusal(result: Exclude<RuleSave, { ok: true }>): FieldErrors {
  if ('notFound' in result) return {};
  const errors: FieldErrors = {};
  if (result.category) errors.category = result.category === 'not-found' ? msg('validation.category.choose') : wrongKindCategoryMessage(result.category.wrongKind);
  if (result.account) errors.account = msg('validation.account.choose');
  if (result.transfer) errors.transfer = msg('validation.account.choose');
  return errors;
}
