import type { Rule } from '../domain/rules.ts';
import type { LanguageContext } from './i18n.ts';

const MATCH_KEYS = { contains: 'rules.describe.contains', starts: 'rules.describe.starts', equals: 'rules.describe.equals' } as const;

/** A rule in words for its list: what it looks for and what it does, each part joined by a middle dot. */
export function describeRuleParts(rule: Rule, names: { category: (id: number) => string; account: (id: number) => string }, language: LanguageContext): { when: string; then: string } {
  const { t, money } = language;
  const when: string[] = [];
  if (rule.text) when.push(t(MATCH_KEYS[rule.text.match], { text: rule.text.value }));
  if (rule.amount) {
    when.push(
      rule.amount.minCents === rule.amount.maxCents
        ? t('rules.describe.amount', { amount: money.formatCents(rule.amount.minCents) })
        : t('rules.describe.amountRange', { from: money.formatCents(rule.amount.minCents), to: money.formatCents(rule.amount.maxCents) }),
    );
  }
  if (rule.type) when.push(t(rule.type === 'income' ? 'rules.describe.income' : 'rules.describe.expense'));
  if (rule.accountId !== null) when.push(t('rules.describe.account', { account: names.account(rule.accountId) }));
  const then: string[] = [];
  if (rule.categoryId !== null) then.push(t('rules.describe.category', { category: names.category(rule.categoryId) }));
  if (rule.transferAccountId !== null) then.push(t('rules.describe.transfer', { account: names.account(rule.transferAccountId) }));
  if (rule.rename !== null) then.push(t('rules.describe.rename', { text: rule.rename }));
  return { when: when.join(' · '), then: then.join(' · ') };
}
