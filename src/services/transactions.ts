import type { Writable } from 'node:stream';
import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import type { CategoryChangeRow, CategoryUndosRepo } from '../db/repos/category-undos.ts';
import type { Clock } from '../clock.ts';
import type { TransactionsRepo } from '../db/repos/transactions.ts';
import type { RunAsOneRead, RunInSharedCommit, RunInTransaction } from '../db/unit-of-work.ts';
import { defaultAccountId, type Account } from '../domain/accounts.ts';
import type { Category } from '../domain/categories.ts';
import type {
  FilteredTotals,
  NewTransaction,
  Page,
  PageCursor,
  Transaction,
  TransactionDraft,
  TransactionFilter,
  TransactionType,
  TransactionWithCategory,
} from '../domain/transactions.ts';
import { transactionVersion } from '../domain/transactions.ts';
import { exportFileName, streamTransactionsCsv } from './export.ts';
import type { CsvDialect } from '../domain/imports.ts';
import type { RuleInput } from '../domain/rules.ts';
import type { RuleResult } from './rules.ts';

/** Why the chosen category cannot go on the transaction. */
export type CategoryChoiceProblem = { code: 'not-found' } | { code: 'wrong-kind'; category: Category };

/** Why the chosen account cannot hold the transaction: it is not the user's, or it is archived. */
export type AccountChoiceProblem = 'not-found' | 'archived';

/** An offer to make a rule of a category just set on an imported row that no rule covers. */
export interface RuleOffer {
  readonly text: string;
  readonly categoryId: number;
  readonly categoryName: string;
}

export type TransactionSave =
  | { ok: true; id: number; offer?: RuleOffer }
  | { ok: false; problem: 'not-found' }
  | { ok: false; problem: 'reconciled' }
  /** The row changed since the form was opened on it: nothing saved; `current` is how it reads now. */
  | { ok: false; problem: 'changed'; current: Transaction }
  | { ok: false; category?: CategoryChoiceProblem; account?: AccountChoiceProblem };

/** The choices of a transaction form that parsed on their own; a field that did not is left out (undefined). */
export interface TransactionChoice {
  readonly type?: TransactionType;
  readonly categoryId?: number | null;
  readonly accountId?: number | null;
}

/** How long the last bulk category change of a person can be undone. */
export const CATEGORY_UNDO_MS = 24 * 60 * 60 * 1000;

/** The last bulk category change, as its Undo page names it. */
export interface LastCategoryChange {
  /** The category set, by its name then (null: the category was removed). */
  readonly categoryName: string | null;
  readonly count: number;
}

/** Rows the CSV export reads per query: small enough to keep memory flat, big enough to be quick. */
const EXPORT_BATCH_SIZE = 100;
/**
 * The same for a text search: each query finds the matches again (counts them, then lists or walks them), so its cost
 * is the matches', whatever the page. At 100 rows a query, the 91,785 matches of "bill" in a 1,000,000-row history
 * took 22.4 s to export; at 2,000, 1.5 s (one page is still about 200 KB of text).
 */
const SEARCH_EXPORT_BATCH_SIZE = 2_000;

/** How an add treats a row left without a category. */
export interface AddOptions {
  /** Let the person's rules set a category (and rename the row); true unless said otherwise. */
  readonly rules?: boolean;
}

/** Recording, listing, filtering, editing, deleting and bulk-changing the user's transactions. */
export function createTransactionService(deps: {
  transactions: TransactionsRepo;
  categories: CategoriesRepo;
  accounts: AccountsRepo;
  inTransaction: RunInTransaction;
  /** The list page's reads as one read transaction: its rows and totals from the same moment. */
  asOneRead: RunAsOneRead;
  /** Adds from the form, committed together with the others of the same moment (db/unit-of-work.ts). */
  inSharedCommit: RunInSharedCommit;
  /** The person's rules, applied to an add that leaves the category empty (services/rules.ts). */
  rules?: (userId: number) => (row: RuleInput) => RuleResult;
  /** The category most used for a row's cleaned description, learned from the person's history (services/rules.ts). */
  suggestions?: (userId: number) => (row: { type: TransactionType; description: string }) => number | null;
  /** Where each person's last bulk category change is kept to be undone, and the clock that dates it. */
  undo?: { readonly changes: CategoryUndosRepo; readonly clock: Clock };
}) {
  const { transactions: repo, categories, accounts } = deps;

  /**
   * The account a draft names must be the user's and open; a transaction already in an archived account may stay
   * there when it is edited (`keeping` is its current account).
   */
  function accountProblem(userId: number, draft: Pick<NewTransaction, 'accountId'>, keeping?: number): AccountChoiceProblem | undefined {
    const account = accounts.findOwnedAccount(userId, draft.accountId);
    if (!account) return 'not-found';
    if (account.archived && account.id !== keeping) return 'archived';
    return undefined;
  }

  /** Both choices of a draft, checked together so the form reports both at once. */
  function choiceProblems(userId: number, draft: NewTransaction, keeping?: number): TransactionSave | undefined {
    const category = categoryProblem(userId, draft);
    const account = accountProblem(userId, draft, keeping);
    if (!category && !account) return undefined;
    return { ok: false, ...(category ? { category } : {}), ...(account ? { account } : {}) };
  }

  /**
   * The category a draft names must be the user's. An expense takes only expense categories; an income takes
   * income categories, or an expense category, which makes it a refund of that category's spending.
   */
  function categoryProblem(userId: number, draft: Pick<NewTransaction, 'type' | 'categoryId'>): CategoryChoiceProblem | undefined {
    if (draft.categoryId === null) return undefined;
    const category = categories.findOwnedCategory(userId, draft.categoryId);
    if (!category) return { code: 'not-found' };
    if (draft.type === 'expense' && category.kind === 'income') return { code: 'wrong-kind', category };
    return undefined;
  }

  /**
   * An add's work, inside whichever transaction the caller runs it in. `rules: false` keeps a row without a category
   * uncategorised and its description as given (an API caller that said `"category": null`).
   */
  function addNow(userId: number, draft: TransactionDraft, lastUsed?: number, options: AddOptions = {}): TransactionSave & { accountId?: number } {
    const accountId = draft.accountId ?? defaultAccountId(accounts.listAccounts(userId), lastUsed);
    if (accountId === null) return { ok: false, account: 'not-found' };
    let resolved: NewTransaction = { ...draft, accountId };
    const problem = choiceProblems(userId, resolved);
    if (problem) return problem;
    // Left without a category, the person's rules may set one (and rename it), as they do for imports.
    if (resolved.categoryId === null && deps.rules && options.rules !== false) {
      const ruled = deps.rules(userId)({ description: resolved.description, amountCents: resolved.amountCents, type: resolved.type, accountId });
      resolved = { ...resolved, categoryId: ruled.categoryId, description: ruled.description };
    }
    return { ok: true, id: repo.createTransaction(userId, resolved), accountId };
  }

  return {
    /**
     * The category and account problems of a form that failed for other reasons, so it can show every problem at
     * once. Reads only. An account left out (null) is not checked here; `keeping` is an edited row's own account.
     */
    checkChoices(userId: number, choice: TransactionChoice, keeping?: number): TransactionSave | undefined {
      const category = choice.type === undefined || choice.categoryId === undefined ? undefined : categoryProblem(userId, { type: choice.type, categoryId: choice.categoryId });
      const account = choice.accountId == null ? undefined : accountProblem(userId, { accountId: choice.accountId }, keeping);
      if (!category && !account) return undefined;
      return { ok: false, ...(category ? { category } : {}), ...(account ? { account } : {}) };
    },

    /** The user's categories, for the forms' category choice. */
    categoriesFor(userId: number): Category[] {
      return categories.listCategoriesForUser(userId);
    },

    /** The user's accounts, open ones first, for the forms' account choice and the list's filter. */
    accountsFor(userId: number): Account[] {
      return accounts.listAccounts(userId);
    },

    /** The account a new transaction starts in: the one last used if it is still the user's and open, else the first open one. */
    defaultAccountFor(userId: number, lastUsed: number | undefined): number | null {
      return defaultAccountId(accounts.listAccounts(userId), lastUsed);
    },

    /** One page of the filtered list, newest first, with totals for the whole filtered set. */
    listPage(
      userId: number,
      filter: TransactionFilter,
      after: PageCursor | null,
      pageSize: number,
    ): {
      page: Page<TransactionWithCategory>;
      /** The page before this one, for a "Newer" link: its cursor, `first` for the first page, null on the first page. */
      newer: PageCursor | 'first' | null;
      totals: FilteredTotals;
      categories: Category[];
      accounts: Account[];
    } {
      return deps.asOneRead(() => {
        const page = repo.listFilteredTransactionsPage(userId, filter, pageSize, after);
        const top = page.rows[0];
        const newer = after === null ? null : top ? (repo.newerPageCursor(userId, filter, pageSize, { occurredOn: top.occurredOn, id: top.id }) ?? 'first') : 'first';
        return { page, newer, totals: repo.totalsForFilter(userId, filter), categories: categories.listCategoriesForUser(userId), accounts: accounts.listAccounts(userId) };
      });
    },

    /** Streams every filtered row, newest first, as our CSV (or a spreadsheet's dialect of it) to `out`, a batch at a time. */
    exportCsv(userId: number, filter: TransactionFilter, out: Writable, dialect?: CsvDialect): Promise<void> {
      const batch = filter.search !== undefined && filter.search !== '' ? SEARCH_EXPORT_BATCH_SIZE : EXPORT_BATCH_SIZE;
      return streamTransactionsCsv((after) => repo.listExportPage(userId, filter, batch, after), out, dialect);
    },

    /** The download's file name on a given day. */
    exportFileName,

    /** The user's transaction, or undefined when there is none of theirs with this id. */
    find(userId: number, id: number): Transaction | undefined {
      return repo.findOwnedTransaction(userId, id);
    },

    /**
     * The user's transaction for its edit form, and for an income or expense without a category the category its
     * description was most often given before (null when none), which the form offers.
     */
    findForEdit(userId: number, id: number): { tx: Transaction; suggestedCategoryId: number | null } | undefined {
      const tx = repo.findOwnedTransaction(userId, id);
      if (!tx) return undefined;
      const suggestedCategoryId = tx.categoryId === null && deps.suggestions ? deps.suggestions(userId)({ type: tx.type, description: tx.description }) : null;
      return { tx, suggestedCategoryId };
    },

    /** The user's transaction with its category's name and whether it is a refund, as lists show it. */
    findWithCategory(userId: number, id: number): TransactionWithCategory | undefined {
      return repo.findOwnedWithCategory(userId, id);
    },

    /** The user's transactions among these ids, for a confirmation page. */
    findMany(userId: number, ids: readonly number[]): Transaction[] {
      return repo.findOwnedTransactions(userId, ids);
    },

    /** Records a transaction, in the draft's account or else the one last used (or the first open one). */
    add(userId: number, draft: TransactionDraft, lastUsed?: number, options?: AddOptions): TransactionSave & { accountId?: number } {
      return deps.inTransaction(() => addNow(userId, draft, lastUsed, options));
    },

    /**
     * The same add, committed with the other adds that reach the server in the same moment: one fsync for all of
     * them. Settles once the row is durable, so a confirmation is never shown for a row a crash could lose.
     */
    addShared(userId: number, draft: TransactionDraft, lastUsed?: number): Promise<TransactionSave & { accountId?: number }> {
      return deps.inSharedCommit(() => addNow(userId, draft, lastUsed));
    },

    /**
     * Replaces every field of the user's transaction; a draft without an account keeps the row's own. A row
     * reconciled with a statement changes only when the person confirmed it.
     */
    update(userId: number, id: number, draft: TransactionDraft, confirmedReconciled = false, openedOn?: string): TransactionSave {
      return deps.inTransaction(() => {
        const current = repo.findOwnedTransaction(userId, id);
        if (!current) return { ok: false, problem: 'not-found' };
        if (openedOn !== undefined && openedOn !== transactionVersion(current)) return { ok: false, problem: 'changed', current };
        if (current.status === 'reconciled' && !confirmedReconciled) return { ok: false, problem: 'reconciled' };
        const resolved: NewTransaction = { ...draft, accountId: draft.accountId ?? current.accountId };
        const problem = choiceProblems(userId, resolved, current.accountId);
        if (problem) return problem;
        if (!repo.updateOwnedTransaction(userId, id, resolved)) return { ok: false, problem: 'not-found' };
        // A category set by hand on an imported row that no rule would have set: offer to make it a rule.
        if (deps.rules && resolved.categoryId !== null && resolved.categoryId !== current.categoryId && repo.isImported(userId, id)) {
          const ruled = deps.rules(userId)({ description: resolved.description, amountCents: resolved.amountCents, type: resolved.type, accountId: resolved.accountId });
          const category = categories.findOwnedCategory(userId, resolved.categoryId);
          if (ruled.categoryRuleId === null && category && resolved.description !== '') {
            return { ok: true, id, offer: { text: resolved.description, categoryId: category.id, categoryName: category.name } };
          }
        }
        return { ok: true, id };
      });
    },

    /** Deletes the user's transaction; false when there is none of theirs with this id. */
    delete(userId: number, id: number, confirmedReconciled = false): 'deleted' | 'not-found' | 'reconciled' {
      return deps.inTransaction(() => {
        const current = repo.findOwnedTransaction(userId, id);
        if (!current) return 'not-found';
        if (current.status === 'reconciled' && !confirmedReconciled) return 'reconciled';
        return repo.deleteOwnedTransaction(userId, id) ? 'deleted' : 'not-found';
      });
    },

    /**
     * Deletes those of the ids that are the user's, all in one transaction; reconciled rows only when confirmed. Says
     * how many went, how many were not found and how many were kept for being reconciled.
     */
    deleteMany(userId: number, ids: readonly number[], confirmedReconciled = false): { deleted: number; skipped: number; reconciled: number } {
      return deps.inTransaction(() => {
        const owned = repo.findOwnedTransactions(userId, ids);
        const kept = confirmedReconciled ? [] : owned.filter((tx) => tx.status === 'reconciled').map((tx) => tx.id);
        const keep = new Set(kept);
        const deleted = repo.deleteOwnedTransactions(userId, owned.map((tx) => tx.id).filter((id) => !keep.has(id)));
        return { deleted, skipped: ids.length - owned.length, reconciled: kept.length };
      });
    },

    /**
     * What setting a category (or none) on those of the ids that are the user's would do, before anything changes: an
     * expense category makes every income among them a refund of it (no longer counted as income), so those are listed
     * for the person to decide about; `others` are the rows that would take it either way.
     */
    planCategoryChange(
      userId: number,
      ids: readonly number[],
      categoryId: number | null,
    ): { ok: true; category: Category | null; incomes: Transaction[]; others: number; missing: number } | { ok: false; problem: 'category-not-found' } {
      const category = categoryId === null ? null : (categories.findOwnedCategory(userId, categoryId) ?? undefined);
      if (category === undefined) return { ok: false, problem: 'category-not-found' };
      const unique = [...new Set(ids)];
      const owned = repo.findOwnedTransactions(userId, unique);
      const incomes = category?.kind === 'expense' ? owned.filter((t) => t.type === 'income') : [];
      // An income category goes on incomes only: the expenses among the rows would be skipped.
      const others = owned.filter((t) => (category?.kind === 'expense' ? t.type === 'expense' : category?.kind === 'income' ? t.type === 'income' : true)).length;
      return { ok: true, category, incomes, others, missing: unique.length - owned.length };
    },

    /**
     * Sets a category (or none) on those of the ids that are the user's, by the edit form's rule: an expense category
     * on expenses, and on incomes (each then a refund of it) only with `incomes: 'refund'`, else the incomes are left
     * as they are; an income category on incomes only. In one transaction; says how many changed, how many of them
     * became refunds, how many incomes were left as they were, how many were not found and how many were expenses
     * refused an income category.
     */
    setCategoryOn(
      userId: number,
      ids: readonly number[],
      categoryId: number | null,
      incomes: 'keep' | 'refund' = 'keep',
    ):
      | { ok: true; category: Category | null; changed: number; refunds: number; keptIncomes: number; missing: number; mismatched: number; undoable: boolean }
      | { ok: false; problem: 'category-not-found' } {
      return deps.inTransaction(() => {
        const category = categoryId === null ? null : (categories.findOwnedCategory(userId, categoryId) ?? undefined);
        if (category === undefined) return { ok: false, problem: 'category-not-found' };
        const unique = [...new Set(ids)];
        const owned = repo.findOwnedTransactions(userId, unique);
        const incomeIds = category?.kind === 'expense' ? owned.filter((t) => t.type === 'income').map((t) => t.id) : [];
        const keptIncomes = incomes === 'keep' ? incomeIds.length : 0;
        const skip = new Set(incomes === 'keep' ? incomeIds : []);
        const targets = owned.map((t) => t.id).filter((id) => !skip.has(id));
        const changed = repo.setCategoryOnOwnedTransactions(userId, targets, category);
        const refunds = incomes === 'refund' ? incomeIds.length : 0;
        // Each row's category before, kept so the change can be undone (an expense refused an income category is not changed).
        const taking = new Set(targets);
        const undoRows: CategoryChangeRow[] = owned
          .filter((t) => taking.has(t.id) && (category?.kind !== 'income' || t.type === 'income') && t.categoryId !== (category?.id ?? null))
          .map((t) => ({ id: t.id, before: t.categoryId, after: category?.id ?? null, version: transactionVersion({ ...t, categoryId: category?.id ?? null }) }));
        if (deps.undo && undoRows.length > 0) deps.undo.changes.saveCategoryUndo(userId, deps.undo.clock.now(), category?.name ?? null, undoRows);
        return { ok: true, category, changed, refunds, keptIncomes, missing: unique.length - owned.length, mismatched: targets.length - changed, undoable: deps.undo !== undefined && undoRows.length > 0 };
      });
    },

    /** The user's last bulk category change, while it can still be undone (CATEGORY_UNDO_MS, once); undefined otherwise. */
    lastCategoryChange(userId: number): LastCategoryChange | undefined {
      if (!deps.undo) return undefined;
      const kept = deps.undo.changes.findCategoryUndo(userId, deps.undo.clock.now() - CATEGORY_UNDO_MS);
      return kept && { categoryName: kept.categoryName, count: kept.rows.length };
    },

    /**
     * Undoes the user's last bulk category change, once, in one transaction: each row gets back the category it had,
     * unless it was changed since (it keeps what it has now), is gone, or its category was deleted. Says how many came
     * back and how many were left; 'none' when there is no change to undo (none made, or over a day ago, or undone).
     */
    undoLastCategoryChange(userId: number): { restored: number; left: number } | 'none' {
      const undo = deps.undo;
      if (!undo) return 'none';
      return deps.inTransaction(() => {
        const kept = undo.changes.takeCategoryUndo(userId, undo.clock.now() - CATEGORY_UNDO_MS);
        if (!kept) return 'none' as const;
        let restored = 0;
        for (const row of kept.rows) {
          const back = row.before === null || categories.findOwnedCategory(userId, row.before) !== undefined;
          // Exactly as the change left it: not edited since (a type changed would take a category of the other
          // kind), nor another row that SQLite gave a deleted one's id.
          const now = repo.findOwnedTransaction(userId, row.id);
          const unchanged = now !== undefined && transactionVersion(now) === row.version;
          if (back && unchanged && repo.restoreCategoryIfUnchanged(userId, row.id, row.before, row.after)) restored++;
        }
        return { restored, left: kept.rows.length - restored };
      });
    },
  };
}

export type TransactionService = ReturnType<typeof createTransactionService>;
