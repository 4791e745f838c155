import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import type { RulesRepo } from '../db/repos/rules.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import type { Clock } from '../clock.ts';
import { stringify } from 'csv-stringify/sync';
import { neutraliseCsvCell } from '../domain/imports.ts';
import { centsToDecimalString } from '../domain/money.ts';
import type { Account } from '../domain/accounts.ts';
import type { Category } from '../domain/categories.ts';
import { compileRules, ruleProblems, type CompiledRules, type Rule, type RuleDraft, type RuleInput, type RuleProblem } from '../domain/rules.ts';

/** Why a rule was not saved: its own problems, or a category or account that is not the person's. */
export type RuleSave =
  | { ok: true; id: number }
  | { ok: false; problems: readonly RuleProblem[]; category?: 'not-found'; account?: 'not-found' }
  | { ok: false; notFound: true };

/** What the rules make of a row, with names for the preview: the category (when it fits the row's type) and the new description. */
export interface RuleResult {
  readonly categoryId: number | null;
  readonly description: string;
  /** The rules that decided, for "set by rule N". */
  readonly categoryRuleId: number | null;
  readonly renameRuleId: number | null;
}

/** A person's rules: kept in order, checked, and applied to rows (imports, manual adds). */
export function createRuleService(deps: { rules: RulesRepo; categories: CategoriesRepo; accounts: AccountsRepo; inTransaction: RunInTransaction; clock: Clock }) {
  const repo = deps.rules;

  /** The draft's problems, its category's and its account's (which must be the person's). */
  function check(userId: number, draft: RuleDraft): Exclude<RuleSave, { ok: true } | { notFound: true }> | undefined {
    const problems = ruleProblems(draft);
    const category = draft.categoryId !== null && !deps.categories.findOwnedCategory(userId, draft.categoryId) ? 'not-found' : undefined;
    const account = draft.accountId !== null && !deps.accounts.findOwnedAccount(userId, draft.accountId) ? 'not-found' : undefined;
    return problems.length > 0 || category || account ? { ok: false, problems, ...(category ? { category } : {}), ...(account ? { account } : {}) } : undefined;
  }

  return {
    /** The rules in order, with the categories and accounts they may name. */
    list(userId: number): { rules: Rule[]; categories: Category[]; accounts: Account[] } {
      return { rules: repo.listRules(userId), categories: deps.categories.listCategoriesForUser(userId), accounts: deps.accounts.listAccounts(userId) };
    },

    find(userId: number, id: number): Rule | undefined {
      return repo.findOwnedRule(userId, id);
    },

    /** Adds a rule at the end of the person's list. */
    create(userId: number, draft: RuleDraft): RuleSave {
      return deps.inTransaction(() => check(userId, draft) ?? { ok: true as const, id: repo.createRule(userId, draft, deps.clock.now()) });
    },

    update(userId: number, id: number, draft: RuleDraft): RuleSave {
      return deps.inTransaction((): RuleSave => {
        if (!repo.findOwnedRule(userId, id)) return { ok: false, notFound: true };
        const refused = check(userId, draft);
        if (refused) return refused;
        repo.updateOwnedRule(userId, id, draft);
        return { ok: true, id };
      });
    },

    delete(userId: number, id: number): boolean {
      return repo.deleteOwnedRule(userId, id);
    },

    /** Moves a rule one place up or down (it then wins, or loses, against its neighbour); false when it is not theirs. */
    move(userId: number, id: number, direction: 'up' | 'down'): boolean {
      return deps.inTransaction(() => {
        const rules = repo.listRules(userId);
        const at = rules.findIndex((r) => r.id === id);
        if (at < 0) return false;
        const other = rules[direction === 'up' ? at - 1 : at + 1];
        if (!other) return true;
        // Positions are renumbered in order first, so a swap always leaves every rule its own place.
        rules.forEach((r, i) => repo.setRulePosition(userId, r.id, i + 1));
        repo.setRulePosition(userId, id, direction === 'up' ? at : at + 2);
        repo.setRulePosition(userId, other.id, at + 1);
        return true;
      });
    },

    /**
     * Every rule of the person as CSV, in order: what it looks for and what it does, with category and account by
     * name; formula-safe like the transactions export.
     */
    exportCsv(userId: number): string {
      const categoryName = new Map(deps.categories.listCategoriesForUser(userId).map((c) => [c.id, c.name]));
      const accountName = new Map(deps.accounts.listAccounts(userId).map((a) => [a.id, a.name]));
      const rows = repo.listRules(userId).map((r, i) => [
        String(i + 1),
        r.text?.match ?? '',
        neutraliseCsvCell(r.text?.value ?? ''),
        r.amount ? centsToDecimalString(r.amount.minCents) : '',
        r.amount ? centsToDecimalString(r.amount.maxCents) : '',
        r.type ?? '',
        neutraliseCsvCell(r.accountId === null ? '' : (accountName.get(r.accountId) ?? '')),
        neutraliseCsvCell(r.categoryId === null ? '' : (categoryName.get(r.categoryId) ?? '')),
        neutraliseCsvCell(r.rename ?? ''),
      ]);
      return stringify([['order', 'match', 'text', 'amount_from', 'amount_to', 'type', 'account', 'category', 'rename'], ...rows], { record_delimiter: '\r\n' });
    },

    /**
     * The person's rules compiled once, as a function from a row to what they make of it: the category only when it
     * fits the row (an expense never takes an income category; an income may take an expense one, as a refund).
     */
    applierFor(userId: number): ((row: RuleInput) => RuleResult) & { readonly size: number } {
      const compiled: CompiledRules = compileRules(repo.listRules(userId));
      const kinds = new Map(deps.categories.listCategoriesForUser(userId).map((c) => [c.id, c.kind]));
      const apply = (row: RuleInput): RuleResult => {
        const outcome = compiled.apply(row);
        const fits = outcome.category !== null && (row.type === 'income' || kinds.get(outcome.category.id) === 'expense');
        return {
          categoryId: fits ? outcome.category!.id : null,
          categoryRuleId: fits ? outcome.category!.ruleId : null,
          description: outcome.rename?.text ?? row.description,
          renameRuleId: outcome.rename?.ruleId ?? null,
        };
      };
      return Object.assign(apply, { size: compiled.size });
    },
  };
}

export type RuleService = ReturnType<typeof createRuleService>;
