import { stringify } from 'csv-stringify/sync';
import type { BudgetsRepo } from '../db/repos/budgets.ts';
import { centsToDecimalString } from '../domain/money.ts';
import { neutraliseCsvCell } from '../domain/imports.ts';
import type { RunAsOneRead, RunInTransaction } from '../db/unit-of-work.ts';
import { buildBudgetMonth, rolloverChainStart, type BudgetHistory, type BudgetMonth, type MonthSpending } from '../domain/budgets.ts';
import { previousMonth } from '../domain/calendar.ts';

/** One category's settings as the budget form sends them. */
export interface BudgetEntry {
  readonly categoryId: number;
  /** The month's amount; null removes it; left out (the page's field unchanged since it was shown), not saved. */
  readonly amountCents?: number | null;
  /** The month's rollover box; left out (the API's PUT without it), the month's setting is not saved. */
  readonly rollover?: boolean;
  /** The box as the page showed it and left it: kept for the month unless the month has a setting of its own. */
  readonly rolloverShown?: boolean;
}

/** A save: how many categories it wrote, or the categories it was refused for (none of the person's expense categories). */
export type BudgetSave = { readonly ok: true; readonly saved: number } | { readonly ok: false; readonly gone: readonly number[] };

/** Monthly budgets per expense category: the month's page, saving it, and copying last month's amounts. */
export function createBudgetService(deps: {
  budgets: BudgetsRepo;
  inTransaction: RunInTransaction;
  /** A month's reads as one read transaction: amounts and spending from the same moment. */
  asOneRead: RunAsOneRead;
}) {
  const repo = deps.budgets;

  /**
   * Saves a month's amounts (null removes one) and each category's rollover, for the user's own expense categories.
   * An entry that would keep something (an amount, a ticked box) for a category that is not one of them (deleted
   * meanwhile in another tab, or an id that was never theirs: the two are told apart nowhere) refuses the whole save:
   * nothing is written, and the ids are returned. One that keeps nothing (a field left empty) is simply left out.
   */
  function save(userId: number, month: string, entries: readonly BudgetEntry[]): BudgetSave {
    return deps.inTransaction(() => {
      const own = new Set(repo.listExpenseCategories(userId, month, previousMonth(month)).map((c) => c.id));
      const gone = entries
        .filter((entry) => !own.has(entry.categoryId) && (typeof entry.amountCents === 'number' || entry.rollover === true))
        .map((entry) => entry.categoryId);
      if (gone.length > 0) return { ok: false, gone };
      let saved = 0;
      for (const entry of entries) {
        if (!own.has(entry.categoryId)) continue;
        if (entry.amountCents !== undefined) repo.setAmount(userId, entry.categoryId, month, entry.amountCents);
        if (entry.rollover !== undefined) repo.setRollover(userId, entry.categoryId, entry.rollover, month);
        else if (entry.rolloverShown !== undefined) repo.keepRollover(userId, entry.categoryId, entry.rolloverShown, month);
        saved++;
      }
      return { ok: true, saved };
    });
  }

  return {
    /**
     * A month's budget: per expense category its amount, what rollover carried in, spending net of refunds and
     * what remains. Reads amounts and per-month totals from the first budgeted month a rollover chain needs.
     */
    month(userId: number, month: string): BudgetMonth {
      return deps.asOneRead(() => {
        const categories = repo.listExpenseCategories(userId, month, previousMonth(month));
        const firsts = repo.firstBudgetMonths(userId, month);
        let from = month;
        for (const c of categories) {
          const first = rolloverChainStart(c, firsts.get(c.id));
          if (first !== undefined && first < from) from = first;
        }
        const amounts = new Map<string, number>();
        for (const a of repo.listAmounts(userId, from, month)) amounts.set(`${a.categoryId}:${a.month}`, a.amountCents);
        const spending = new Map<string, MonthSpending>();
        let uncategorisedSpentCents = 0;
        for (const s of repo.monthCategorySums(userId, from, month)) {
          if (s.categoryKey === 0) {
            // Uncategorised income is income, not a refund of anything.
            if (s.month === month) uncategorisedSpentCents += s.expenseCents;
            continue;
          }
          spending.set(`${s.categoryKey}:${s.month}`, { expenseCents: s.expenseCents, refundCents: s.incomeCents });
        }
        const history: BudgetHistory = {
          amount: (categoryId, m) => amounts.get(`${categoryId}:${m}`),
          spending: (categoryId, m) => spending.get(`${categoryId}:${m}`),
          firstBudgetMonth: (categoryId) => firsts.get(categoryId),
        };
        return buildBudgetMonth(month, categories, history, uncategorisedSpentCents);
      });
    },

    /**
     * Saves a month's amounts and each category's rollover in one transaction. An amount or ticked box for a category
     * that is not one of the user's expense categories (deleted meanwhile, or someone else's) refuses it all.
     */
    save,

    /** Every amount of the user as CSV (month, category, amount, rollover), formula-safe like the transactions export. */
    exportCsv(userId: number): string {
      const rows = repo.listForExport(userId).map((r) => [r.month, neutraliseCsvCell(r.category), centsToDecimalString(r.amountCents), r.rollover ? 'yes' : 'no']);
      return stringify([['month', 'category', 'amount', 'rollover'], ...rows], { record_delimiter: '\r\n' });
    },

    /**
     * Fills the month from the previous month's amounts; amounts already set this month are kept. Says how many were
     * copied and how many the previous month had.
     */
    copyPreviousMonth(
      userId: number,
      month: string,
      typed: readonly BudgetEntry[] = [],
    ): { ok: true; copied: number; previousCount: number; from: string } | Extract<BudgetSave, { ok: false }> {
      const from = previousMonth(month);
      // What the page's fields held when the button was pressed is saved first, in the same transaction: an amount
      // typed and not yet saved counts as set, and is kept. If that save is refused, nothing is copied either.
      return deps.inTransaction(() => {
        const saved = save(userId, month, typed);
        if (!saved.ok) return saved;
        return { ok: true, copied: repo.copyMonth(userId, from, month), previousCount: repo.countAmounts(userId, from), from };
      });
    },
  };
}

export type BudgetService = ReturnType<typeof createBudgetService>;
