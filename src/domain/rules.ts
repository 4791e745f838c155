/**
 * Rules that categorise: ordered conditions on a row (its description, amount, type and account) and what a match
 * does (set the category or mark the row as a transfer to another account, rename the description). For each field
 * the first matching rule in order wins, so a specific rule above a general one decides; where a row goes (a
 * category, or a transfer) is one field, since a transfer has no category. Conditions are compiled once per set of rules; matching is one pass
 * over the rules per row.
 */
import type { NewTransaction, TransactionType } from './transactions.ts';

export const TEXT_MATCHES = ['contains', 'starts', 'equals'] as const;
export type TextMatch = (typeof TEXT_MATCHES)[number];

/** Longest text a condition compares. */
export const MAX_RULE_TEXT_CHARS = 100;

/** What a rule looks for; every condition given must hold. */
export interface RuleConditions {
  readonly text: { readonly match: TextMatch; readonly value: string } | null;
  /** Inclusive, in cents; an amount equal to one value has min = max. */
  readonly amount: { readonly minCents: number; readonly maxCents: number } | null;
  readonly type: TransactionType | null;
  readonly accountId: number | null;
}

/** What a matching rule does. */
export interface RuleActions {
  readonly categoryId: number | null;
  /** The other account of a transfer the row becomes (money out of the row's account for an expense, in for an income). */
  readonly transferAccountId: number | null;
  /** The description the row gets instead ("AMZN MKTP US*2K4" becomes "Amazon"). */
  readonly rename: string | null;
}

export interface RuleDraft extends RuleConditions, RuleActions {}

export interface Rule extends RuleDraft {
  readonly id: number;
  readonly position: number;
}

/** Why a rule cannot be kept, named for the field a form would flag. */
export type RuleProblem = 'no-condition' | 'no-action' | 'amount-order' | 'category-and-transfer';

/** The problems of a draft: it must look for something and do something, and a range must not run backwards. */
export function ruleProblems(draft: RuleDraft): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (draft.text === null && draft.amount === null && draft.type === null && draft.accountId === null) problems.push('no-condition');
  if (draft.categoryId === null && draft.transferAccountId === null && draft.rename === null) problems.push('no-action');
  if (draft.amount !== null && draft.amount.minCents > draft.amount.maxCents) problems.push('amount-order');
  if (draft.categoryId !== null && draft.transferAccountId !== null) problems.push('category-and-transfer');
  return problems;
}

/** Text as rules compare it: accents and case set aside, runs of spaces made one ("Café  OLÉ" is "cafe ole"). */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A row as rules see it. */
export interface RuleInput {
  readonly description: string;
  readonly amountCents: number;
  readonly type: TransactionType;
  readonly accountId: number;
}

/** What the rules decided for a row, and which rule decided each field. */
export interface RuleOutcome {
  readonly category: { readonly id: number; readonly ruleId: number } | null;
  /** The row becomes a transfer with this account; never together with a category. */
  readonly transfer: { readonly accountId: number; readonly ruleId: number } | null;
  readonly rename: { readonly text: string; readonly ruleId: number } | null;
}

const NOTHING: RuleOutcome = Object.freeze({ category: null, transfer: null, rename: null });

/**
 * Whether a rule's outcome can go on a row, as the caller knows from the person's categories and accounts: an
 * expense never takes an income category, and a transfer needs its other account open. A rule whose outcome cannot
 * is passed over, so the next matching rule may place the row.
 */
export interface RuleFit {
  category(categoryId: number, row: RuleInput): boolean;
  transferAccount(accountId: number): boolean;
}

const ANY_FIT: RuleFit = { category: () => true, transferAccount: () => true };

/** Rules compiled once (their texts folded), applied to as many rows as there are. */
export interface CompiledRules {
  readonly size: number;
  /** `folded`: the row's description through foldText, when the caller has it already. */
  apply(row: RuleInput, folded?: string, fit?: RuleFit): RuleOutcome;
}

/** Compiles rules in their order. A row's description is folded once, whatever the number of rules. */
export function compileRules(rules: readonly Rule[]): CompiledRules {
  const ordered = [...rules].sort((a, b) => a.position - b.position || a.id - b.id);
  const tests = ordered.map((rule) => {
    const folded = rule.text === null ? null : foldText(rule.text.value);
    const textTest =
      rule.text === null || folded === null
        ? null
        : rule.text.match === 'contains'
          ? (d: string) => d.includes(folded)
          : rule.text.match === 'starts'
            ? (d: string) => d.startsWith(folded)
            : (d: string) => d === folded;
    return { rule, textTest };
  });
  return {
    size: ordered.length,
    apply(row, folded, fit = ANY_FIT) {
      if (tests.length === 0) return NOTHING;
      const description = folded ?? foldText(row.description);
      let category: RuleOutcome['category'] = null;
      let transfer: RuleOutcome['transfer'] = null;
      let rename: RuleOutcome['rename'] = null;
      for (const { rule, textTest } of tests) {
        if (rule.type !== null && rule.type !== row.type) continue;
        if (rule.accountId !== null && rule.accountId !== row.accountId) continue;
        if (rule.amount !== null && (row.amountCents < rule.amount.minCents || row.amountCents > rule.amount.maxCents)) continue;
        if (textTest !== null && !textTest(description)) continue;
        if (category === null && transfer === null) {
          // A category that cannot go on the row (an income one on an expense), a transfer into the row's own account
          // or an archived one: the next rule may still place the row.
          if (rule.categoryId !== null) {
            if (fit.category(rule.categoryId, row)) category = { id: rule.categoryId, ruleId: rule.id };
          } else if (rule.transferAccountId !== null && rule.transferAccountId !== row.accountId && fit.transferAccount(rule.transferAccountId)) {
            transfer = { accountId: rule.transferAccountId, ruleId: rule.id };
          }
        }
        if (rename === null && rule.rename !== null) rename = { text: rule.rename, ruleId: rule.id };
        if ((category !== null || transfer !== null) && rename !== null) break;
      }
      return category === null && transfer === null && rename === null ? NOTHING : { category, transfer, rename };
    },
  };
}

/** A row as a run of the rules over existing transactions reads it: a recorded transaction and what keeps it as it is. */
export interface RuleRunRow extends Omit<NewTransaction, 'importKey'> {
  readonly id: number;
  readonly reconciled: boolean;
  readonly importKey: string | null;
  /** Posted by a schedule: it stays an income or expense, so its schedule keeps it. */
  readonly scheduled: boolean;
}

/**
 * A description as suggestions compare it: folded like rule text, with every word that holds a digit dropped (card
 * and store numbers, dates, references) and punctuation made space, so "CORNER MARKET #42 03/14" and "Corner Market
 * #7" are one payee.
 */
export function suggestionKey(description: string): string {
  return suggestionKeyOfFolded(foldText(description));
}

/** suggestionKey of a description already through foldText. */
function suggestionKeyOfFolded(folded: string): string {
  return folded
    .split(' ')
    .filter((word) => !/\d/.test(word))
    .join(' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A categorised row as suggestions learn from it. */
export interface CategorisedRow {
  readonly type: TransactionType;
  readonly description: string;
  readonly categoryId: number;
}

/**
 * Learns, from categorised rows given newest first, the category most often used for each type and cleaned
 * description (a tie goes to the one used most recently), and answers it for a new row, or null when none was used.
 * The answer takes the row's description through foldText when the caller has it already.
 */
export function learnSuggestions(
  rows: Iterable<CategorisedRow>,
): (row: { readonly type: TransactionType; readonly description: string }, folded?: string) => number | null {
  const counts = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const key = suggestionKey(row.description);
    if (key === '') continue;
    const id = `${row.type}\u0000${key}`;
    let perCategory = counts.get(id);
    if (!perCategory) counts.set(id, (perCategory = new Map()));
    perCategory.set(row.categoryId, (perCategory.get(row.categoryId) ?? 0) + 1);
  }
  const best = new Map<string, number>();
  for (const [id, perCategory] of counts) {
    // Maps keep insertion order, newest first here, so the first of the most used is also the most recent.
    let top: number | null = null;
    let topCount = 0;
    for (const [categoryId, n] of perCategory) {
      if (n > topCount) {
        top = categoryId;
        topCount = n;
      }
    }
    if (top !== null) best.set(id, top);
  }
  return (row, folded) => {
    const key = folded === undefined ? suggestionKey(row.description) : suggestionKeyOfFolded(folded);
    return key === '' ? null : (best.get(`${row.type}\u0000${key}`) ?? null);
  };
}
