import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import type { RulesRepo } from '../db/repos/rules.ts';
import type { TransactionsRepo } from '../db/repos/transactions.ts';
import type { TransfersRepo } from '../db/repos/transfers.ts';
import { createHash } from 'node:crypto';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import type { Clock } from '../clock.ts';
import { stringify } from 'csv-stringify/sync';
import { neutraliseCsvCell } from '../domain/imports.ts';
import { centsToDecimalString } from '../domain/money.ts';
import type { Account } from '../domain/accounts.ts';
import type { Category } from '../domain/categories.ts';
import { compileRules, foldText, learnSuggestions, ruleProblems, type CompiledRules, type Rule, type RuleDraft, type RuleFit, type RuleInput, type RuleProblem } from '../domain/rules.ts';
import type { TransactionType } from '../domain/transactions.ts';
import { addDays } from '../domain/calendar.ts';
import { nearestLeg, otherSideOf, TRANSFER_SIDES_DAYS_APART, type TransferSide } from '../domain/transfers.ts';

/** How many of a person's newest categorised rows category suggestions learn from. */
export const SUGGESTION_HISTORY_ROWS = 5_000;

/** Most rows one run of the rules over existing transactions reads; a wider range is asked to be narrowed. */
export const MAX_RULE_RUN_ROWS = 50_000;

/** Which existing rows a run of the rules looks at: a range of days, and only those without a category or all. */
export interface RuleRunRange {
  readonly from: string;
  readonly to: string;
  readonly scope: 'uncategorised' | 'all';
}

/** What a run would change on one row. */
export interface RuleChange {
  readonly id: number;
  readonly occurredOn: string;
  readonly accountId: number;
  readonly type: TransactionType;
  readonly amountCents: number;
  readonly fromDescription: string;
  readonly toDescription: string;
  readonly fromCategoryId: number | null;
  readonly toCategoryId: number | null;
  /** The row becomes a transfer with this account. */
  readonly transferAccountId: number | null;
  /** The row's import key, kept on the transfer's leg in its account. */
  readonly importKey: string | null;
  /**
   * The id of the row, booked earlier, whose transfer this row is the other side of (the same transfer seen from
   * the other account): it is not a transfer of its own, and goes into that one. Null otherwise.
   */
  readonly sideOf: number | null;
  /**
   * The leg, already recorded, that this row is (a transfer typed by hand, made by an import, or by an earlier run
   * over other days): the row goes, and the leg keeps its import key. Null otherwise.
   */
  readonly joinsLeg: { readonly id: number; readonly occurredOn: string } | null;
  /**
   * The plain income (for an expense; an expense for an income) of the same amount in the transfer's other account,
   * booked within TRANSFER_SIDES_DAYS_APART days, that is this transfer's other side recorded on its own (typed by
   * hand, or imported from that account's statement): it becomes the transfer's leg there rather than the money being
   * counted twice. Null otherwise.
   */
  readonly pairsWith: { readonly id: number; readonly occurredOn: string; readonly importKey: string | null } | null;
}

/**
 * What running the rules over existing rows would do, before anything changes: every change, and a digest of them,
 * so that applying changes exactly what was previewed (or nothing, when the rows or rules moved meanwhile).
 */
export interface RuleRunPlan {
  readonly range: RuleRunRange;
  readonly ruleCount: number;
  /** Rows looked at (reconciled ones are not). */
  readonly examined: number;
  readonly reconciled: number;
  /** More rows than one run reads: nothing is planned. */
  readonly tooMany: boolean;
  readonly changes: readonly RuleChange[];
  readonly digest: string;
  readonly categories: Category[];
  readonly accounts: Account[];
}

export type RuleRunApplied = { ok: true; changed: number; transfers: number } | { ok: false; plan: RuleRunPlan };

/** Why a rule was not saved: its own problems, or a category or account that is not the person's. */
export type RuleSave =
  | { ok: true; id: number }
  | { ok: false; problems: readonly RuleProblem[]; category?: 'not-found' | { wrongKind: Category }; account?: 'not-found'; transfer?: 'not-found' }
  | { ok: false; notFound: true };

/** What the rules make of a row, with names for the preview: the category (when it fits the row's type) and the new description. */
export interface RuleResult {
  readonly categoryId: number | null;
  /** The row becomes a transfer with this account (open, the person's, not the row's own); never with a category. */
  readonly transferAccountId: number | null;
  readonly description: string;
  /** The rules that decided, for "set by rule N". */
  readonly categoryRuleId: number | null;
  readonly transferRuleId: number | null;
  readonly renameRuleId: number | null;
  /** With no rule placing the row, the category most used for its cleaned description (only when asked for). */
  readonly suggestedCategoryId: number | null;
}

/** Applies a person's rules to a row; `{ suggest: false }` when the caller will not use a suggested category. */
export type RuleApplier = (row: RuleInput, wanted?: { readonly suggest?: boolean }) => RuleResult;

/** A person's rules: kept in order, checked, and applied to rows (imports, manual adds). */
export function createRuleService(deps: {
  rules: RulesRepo;
  categories: CategoriesRepo;
  accounts: AccountsRepo;
  transactions: Pick<TransactionsRepo, 'listRowsForRules' | 'applyRuleChange' | 'deleteOwnedTransaction' | 'listRecentCategorised' | 'setImportKeyIfNone' | 'listPlainTransferPartners'>;
  transfers: Pick<TransfersRepo, 'createTransfer' | 'listUnclaimedLegs'>;
  inTransaction: RunInTransaction;
  clock: Clock;
}) {
  const repo = deps.rules;

  /** The draft's problems, its category's and its account's (which must be the person's). */
  function check(userId: number, draft: RuleDraft): Exclude<RuleSave, { ok: true } | { notFound: true }> | undefined {
    const problems = ruleProblems(draft);
    const chosen = draft.categoryId === null ? undefined : deps.categories.findOwnedCategory(userId, draft.categoryId);
    // An expense never takes an income category: such a rule would match, decide the row's category and then have it
    // dropped, so no later rule could place the row either.
    const category = draft.categoryId !== null && !chosen ? 'not-found' : chosen && draft.type === 'expense' && chosen.kind === 'income' ? { wrongKind: chosen } : undefined;
    const account = draft.accountId !== null && !deps.accounts.findOwnedAccount(userId, draft.accountId) ? 'not-found' : undefined;
    // A transfer goes only into an open account of the person's: an archived one takes no new rows.
    const target = draft.transferAccountId === null ? undefined : deps.accounts.findOwnedAccount(userId, draft.transferAccountId);
    const transfer = draft.transferAccountId !== null && (!target || target.archived) ? 'not-found' : undefined;
    return problems.length > 0 || category || account || transfer
      ? { ok: false, problems, ...(category ? { category } : {}), ...(account ? { account } : {}), ...(transfer ? { transfer } : {}) }
      : undefined;
  }

  /** What the rules would change on the person's rows in the range (see RuleRunPlan). */
  function planRun(userId: number, range: RuleRunRange): RuleRunPlan {
    const categories = deps.categories.listCategoriesForUser(userId);
    const accounts = deps.accounts.listAccounts(userId);
    const apply = applierFor(userId);
    const rows = deps.transactions.listRowsForRules(userId, range.from, range.to, range.scope === 'uncategorised', MAX_RULE_RUN_ROWS + 1);
    const base = { range, ruleCount: apply.size, categories, accounts };
    if (rows.length > MAX_RULE_RUN_ROWS) return { ...base, examined: 0, reconciled: 0, tooMany: true, changes: [], digest: digestOf([]) };
    const changes: RuleChange[] = [];
    let reconciled = 0;
    for (const row of rows) {
      // A reconciled row agrees with a bank statement: rules leave it as it is.
      if (row.reconciled) {
        reconciled++;
        continue;
      }
      if (apply.size === 0) continue;
      const ruled = apply({ description: row.description, amountCents: row.amountCents, type: row.type, accountId: row.accountId });
      // A row its schedule posted stays an income or expense: the schedule holds it as its occurrence.
      const transferAccountId = row.scheduled ? null : ruled.transferAccountId;
      const toCategoryId = transferAccountId !== null ? null : (ruled.categoryId ?? row.categoryId);
      if (transferAccountId === null && toCategoryId === row.categoryId && ruled.description === row.description) continue;
      changes.push({
        id: row.id,
        occurredOn: row.occurredOn,
        accountId: row.accountId,
        type: row.type,
        amountCents: row.amountCents,
        fromDescription: row.description,
        toDescription: ruled.description,
        fromCategoryId: row.categoryId,
        toCategoryId,
        transferAccountId,
        importKey: row.importKey,
        sideOf: null,
        joinsLeg: null,
        pairsWith: null,
      });
    }
    const paired = pairPlainPartners(userId, pairSides(joinRecorded(userId, changes)));
    return { ...base, examined: rows.length - reconciled, reconciled, tooMany: false, changes: paired, digest: digestOf(paired) };
  }

  /**
   * Marks each change that a rule makes a transfer and that is the other side of a transfer already recorded: the
   * same leg the import would claim for it (transferSideClaimer in services/imports.ts), each leg once. Without it, a
   * run over March and then one over April made two transfers of one that crossed the month.
   */
  function joinRecorded(userId: number, changes: readonly RuleChange[]): RuleChange[] {
    const claimed = new Set<number>();
    return changes.map((c) => {
      if (c.transferAccountId === null) return c;
      const legs = deps.transfers.listUnclaimedLegs(userId, {
        accountId: c.accountId,
        otherAccountId: c.transferAccountId,
        type: c.type === 'expense' ? 'transfer_out' : 'transfer_in',
        amountCents: c.amountCents,
        fromOn: addDays(c.occurredOn, -TRANSFER_SIDES_DAYS_APART),
        toOn: addDays(c.occurredOn, TRANSFER_SIDES_DAYS_APART),
        upToId: Number.MAX_SAFE_INTEGER,
      });
      const leg = nearestLeg(legs.filter((l) => !claimed.has(l.id)), c.occurredOn);
      if (!leg) return c;
      claimed.add(leg.id);
      return { ...c, joinsLeg: { id: leg.id, occurredOn: leg.occurredOn } };
    });
  }

  /**
   * Gives each change that a rule makes a transfer, and that has no other side yet (no recorded leg, no other change),
   * the plain income or expense in the other account that is that other side (RuleChange.pairsWith): an expense of
   * 200 "Move to savings" in Main made a transfer with Savings, while the income of 200 typed on Savings that day
   * stayed, and the money counted twice. Oldest changes first, the nearest day and then the first written, each row
   * once, so the same rows give the same pairs. A row that pairs is no change of its own any more.
   */
  function pairPlainPartners(userId: number, changes: readonly RuleChange[]): RuleChange[] {
    const transferRows = new Set(changes.filter((c) => c.transferAccountId !== null).map((c) => c.id));
    const hasSide = new Set(changes.filter((c) => c.sideOf !== null).map((c) => c.sideOf!));
    const claimed = new Set<number>();
    const pairs = new Map<number, NonNullable<RuleChange['pairsWith']>>();
    const oldestFirst = [...changes].sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : a.id - b.id));
    for (const c of oldestFirst) {
      if (c.transferAccountId === null || c.joinsLeg !== null || c.sideOf !== null || hasSide.has(c.id) || claimed.has(c.id)) continue;
      const found = deps.transactions.listPlainTransferPartners(userId, {
        accountId: c.transferAccountId,
        type: c.type === 'expense' ? 'income' : 'expense',
        amountCents: c.amountCents,
        fromOn: addDays(c.occurredOn, -TRANSFER_SIDES_DAYS_APART),
        toOn: addDays(c.occurredOn, TRANSFER_SIDES_DAYS_APART),
      });
      // A row another rule makes a transfer of its own is not a plain one; nor is one already taken.
      const partner = nearestLeg(found.filter((p) => !claimed.has(p.id) && !transferRows.has(p.id) && !pairs.has(p.id)), c.occurredOn);
      if (!partner) continue;
      claimed.add(partner.id);
      claimed.add(c.id);
      pairs.set(c.id, partner);
    }
    if (pairs.size === 0) return [...changes];
    return changes.filter((c) => !claimed.has(c.id) || pairs.has(c.id)).map((c) => (pairs.has(c.id) ? { ...c, pairsWith: pairs.get(c.id)! } : c));
  }

  /** A short digest of a plan's changes: the same rows, rules and outcomes give the same digest. */
  function digestOf(changes: readonly RuleChange[]): string {
    const hash = createHash('sha256');
    for (const c of changes) hash.update(JSON.stringify([c.id, c.fromDescription, c.toDescription, c.fromCategoryId, c.toCategoryId, c.transferAccountId, c.amountCents, c.occurredOn, c.accountId, c.sideOf, c.joinsLeg?.id ?? null, c.pairsWith?.id ?? null]));
    return hash.digest('base64url').slice(0, 22);
  }

  /**
   * The person's rules compiled once, as a function from a row to what they make of it: the category only when it
   * fits the row (an expense never takes an income category; an income may take an expense one, as a refund). With
   * `suggest`, a row no rule places also gets the category its cleaned description was most often given, unless the
   * call says it has no use for one (an imported row whose file names its category).
   */
  function applierFor(userId: number, options: { suggest?: boolean } = {}): RuleApplier & { readonly size: number } {
    const compiled: CompiledRules = compileRules(repo.listRules(userId));
    const suggest = options.suggest ? learnSuggestions(deps.transactions.listRecentCategorised(userId, SUGGESTION_HISTORY_ROWS)) : null;
    const kinds = deps.categories.categoryKinds(userId);
    const open = new Set(deps.accounts.listAccounts(userId).filter((a) => !a.archived).map((a) => a.id));
    // An expense takes only an expense category (an income may take one as a refund); a transfer needs its other
    // account still open. A rule that fails either is passed over for the next.
    const fit: RuleFit = {
      category: (categoryId, row) => row.type === 'income' || kinds.get(categoryId) === 'expense',
      transferAccount: (accountId) => open.has(accountId),
    };
    const apply: RuleApplier = (row, wanted) => {
      // Folded once for the rules and the suggestion both: a 100,000-row import folded every description twice.
      const folded = foldText(row.description);
      const outcome = compiled.apply(row, folded, fit);
      const fits = outcome.category !== null;
      const transfer = outcome.transfer;
      return {
        categoryId: fits ? outcome.category!.id : null,
        categoryRuleId: fits ? outcome.category!.ruleId : null,
        transferAccountId: transfer?.accountId ?? null,
        transferRuleId: transfer?.ruleId ?? null,
        description: outcome.rename?.text ?? row.description,
        renameRuleId: outcome.rename?.ruleId ?? null,
        // The history holds what the bank wrote, or what a rule renamed it to: either may be known.
        suggestedCategoryId:
          suggest !== null && wanted?.suggest !== false && !fits && transfer === null
            ? (suggest(row, folded) ?? (outcome.rename ? suggest({ type: row.type, description: outcome.rename.text }) : null))
            : null,
      };
    };
    return Object.assign(apply, { size: compiled.size });
  }

  return {
    /** What running the rules over the person's rows in the range would change; changes nothing. */
    previewRun(userId: number, range: RuleRunRange): RuleRunPlan {
      return planRun(userId, range);
    },

    /**
     * Applies a previewed run in one transaction, when the plan is still the one previewed (same digest); otherwise
     * changes nothing and answers the plan as it now is. A row becoming a transfer is replaced by the transfer, its
     * import key kept on the leg in its account.
     */
    applyRun(userId: number, range: RuleRunRange, digest: string): RuleRunApplied {
      return deps.inTransaction((): RuleRunApplied => {
        const plan = planRun(userId, range);
        if (plan.tooMany || plan.digest !== digest) return { ok: false, plan };
        let transfers = 0;
        // A row that is another's other side goes into that row's transfer: its import key on the leg in its account.
        const otherSide = new Map(plan.changes.filter((c) => c.sideOf !== null).map((c) => [c.sideOf!, c]));
        for (const c of plan.changes) {
          if (c.transferAccountId === null) {
            deps.transactions.applyRuleChange(userId, c.id, c.toCategoryId, c.toDescription);
            continue;
          }
          if (!deps.transactions.deleteOwnedTransaction(userId, c.id)) continue;
          if (c.joinsLeg !== null) {
            if (c.importKey !== null) deps.transactions.setImportKeyIfNone(userId, c.joinsLeg.id, c.importKey);
            continue;
          }
          if (c.sideOf !== null) continue;
          const side = otherSide.get(c.id);
          if (side) deps.transactions.deleteOwnedTransaction(userId, side.id);
          // A plain income (or expense) that is the other side goes too: the transfer's leg there takes its place.
          if (c.pairsWith !== null) deps.transactions.deleteOwnedTransaction(userId, c.pairsWith.id);
          const out = c.type === 'expense';
          const key = c.importKey;
          const otherKey = side?.importKey ?? c.pairsWith?.importKey ?? null;
          // As two sides of one file, the transfer takes the earlier day: when the money left.
          const occurredOn = c.pairsWith !== null && c.pairsWith.occurredOn < c.occurredOn ? c.pairsWith.occurredOn : c.occurredOn;
          deps.transfers.createTransfer(
            userId,
            { fromAccountId: out ? c.accountId : c.transferAccountId, toAccountId: out ? c.transferAccountId : c.accountId, amountCents: c.amountCents, occurredOn, description: c.toDescription },
            key === null && otherKey === null ? undefined : key === null ? { leg: out ? 'in' : 'out', key: otherKey! } : { leg: out ? 'out' : 'in', key, otherKey },
          );
          transfers++;
        }
        return { ok: true, changed: plan.changes.length, transfers };
      });
    },

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
        neutraliseCsvCell(r.transferAccountId === null ? '' : (accountName.get(r.transferAccountId) ?? '')),
        neutraliseCsvCell(r.rename ?? ''),
      ]);
      return stringify([['order', 'match', 'text', 'amount_from', 'amount_to', 'type', 'account', 'category', 'transfer_to', 'rename'], ...rows], { record_delimiter: '\r\n' });
    },

    /** The person's rules compiled once (see applierFor above): for imports and manual adds. */
    applierFor,

    /** The category most used for a row's cleaned description among the person's newest categorised rows. */
    suggesterFor(userId: number): (row: { type: TransactionType; description: string }) => number | null {
      return learnSuggestions(deps.transactions.listRecentCategorised(userId, SUGGESTION_HISTORY_ROWS));
    },
  };
}

export type RuleService = ReturnType<typeof createRuleService>;

/**
 * Marks each change that is the other side of an earlier one's transfer (domain/transfers.ts otherSideOf): a history
 * holding both accounts has each transfer as two rows, and running the rules made two transfers of it.
 */
function pairSides(changes: readonly RuleChange[]): RuleChange[] {
  let waiting: (TransferSide & { id: number })[] = [];
  const sideOf = new Map<number, number>();
  // Oldest first, as an import reads its rows: the transfer takes the day of its earlier side, when the money left.
  const oldestFirst = [...changes].sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : a.id - b.id));
  for (const c of oldestFirst) {
    if (c.transferAccountId === null || c.joinsLeg !== null) continue;
    const side: TransferSide = { accountId: c.accountId, otherAccountId: c.transferAccountId, type: c.type, amountCents: c.amountCents, occurredOn: c.occurredOn };
    const other = otherSideOf(side, waiting);
    if (other) {
      sideOf.set(c.id, other.id);
      waiting = waiting.filter((w) => w !== other);
    } else waiting.push({ ...side, id: c.id });
  }
  return sideOf.size === 0 ? [...changes] : changes.map((c) => (sideOf.has(c.id) ? { ...c, sideOf: sideOf.get(c.id)! } : c));
}
