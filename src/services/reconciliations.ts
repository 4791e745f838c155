import type { Clock } from '../clock.ts';
import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { ReconcilableRow, ReconciliationsRepo } from '../db/repos/reconciliations.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import type { Account } from '../domain/accounts.ts';
import type { PageCursor } from '../domain/transactions.ts';

/** Rows on one page of a reconciliation: a month of a busy account's statement, well inside one form. */
export const RECONCILE_PAGE_SIZE = 200;

/** What the reconciliation page shows for an open reconciliation. */
export interface ReconciliationView {
  /** Which reconciliation this is: the page's forms name it, so a stale tab cannot act on a later one. */
  readonly id: number;
  readonly statementOn: string;
  readonly statementBalanceCents: number;
  /** One page of the rows not reconciled yet, on or before the statement date, oldest first. */
  readonly rows: ReconcilableRow[];
  /** Where the next page starts; null on the last page. */
  readonly next: PageCursor | null;
  /** Where the page before starts ('first' for the first page); null on the first page. */
  readonly earlier: PageCursor | 'first' | null;
  /** Where the last page starts (the rows nearest the statement date), when Later does not reach them. */
  readonly latest: PageCursor | null;
  /** The opening balance (from its day), the reconciled rows and the ticked rows up to the statement date, on every page. */
  readonly clearedBalanceCents: number;
  /** The statement balance less the cleared balance: zero when the ticked rows match the statement. */
  readonly differenceCents: number;
}

/** Why a reconciliation form changed nothing: not the user's account, or its reconciliation is no longer open. */
export type WriteRefusal = 'not-found' | 'stale';

/** A page's form: the rows ticked, and the rows the page showed (any of them not ticked is unticked). */
export interface Ticks {
  readonly ticked: readonly number[];
  /** The rows the page showed; unticked, they become uncleared (a form that says no more than this). */
  readonly shown: readonly number[];
  /**
   * Of the rows shown, those shown ticked and those shown unticked, when the page said: only a row whose tick was
   * changed on the page is written, so a page left open in another tab never unticks what was ticked there since.
   */
  readonly shownTicked?: readonly number[];
  readonly shownUnticked?: readonly number[];
}

/** Checking an account against a bank statement: tick the rows the statement shows, then finish when they match. */
export function createReconciliationService(deps: {
  reconciliations: ReconciliationsRepo;
  accounts: AccountsRepo;
  inTransaction: RunInTransaction;
  clock: Clock;
}) {
  const repo = deps.reconciliations;

  /**
   * The statement balance less the cleared balance: the opening balance (from its day on, as the register and the
   * month-end balances count it; a statement dated before it could never balance), and the reconciled and ticked
   * rows up to the statement date.
   */
  function differenceOf(userId: number, account: Account, open: { statementOn: string; statementBalanceCents: number }): number {
    const opening = account.openingOn <= open.statementOn ? account.openingBalanceCents : 0;
    return open.statementBalanceCents - opening - repo.clearedNetThrough(userId, account.id, open.statementOn);
  }

  function view(userId: number, account: Account, after: PageCursor | null): ReconciliationView | null {
    const open = repo.findOpenReconciliation(userId, account.id);
    if (!open) return null;
    // A cursor from past the statement date (a stale or edited link) starts from the first page.
    let from = after && after.occurredOn <= open.statementOn ? after : null;
    let page = repo.listReconcilableRows(userId, account.id, open.statementOn, from, RECONCILE_PAGE_SIZE);
    // So does one past the last row (a stale page, a bookmark): an empty page would say nothing is waiting.
    if (from && page.rows.length === 0) {
      from = null;
      page = repo.listReconcilableRows(userId, account.id, open.statementOn, null, RECONCILE_PAGE_SIZE);
    }
    const first = page.rows[0];
    const differenceCents = differenceOf(userId, account, open);
    return {
      id: open.id,
      statementOn: open.statementOn,
      statementBalanceCents: open.statementBalanceCents,
      rows: page.rows,
      next: page.next,
      earlier: from && first ? repo.earlierReconcilableCursor(userId, account.id, first, RECONCILE_PAGE_SIZE) : from ? 'first' : null,
      latest: latestAfter(userId, account.id, open.statementOn, page.next),
      clearedBalanceCents: open.statementBalanceCents - differenceCents,
      differenceCents,
    };
  }

  /**
   * The open reconciliation a form was made for: 'not-found' when the account is not the user's, 'stale' when none is
   * open or another one is (the form names the one it showed; one that names none takes the open one).
   */
  function openFor(userId: number, accountId: number, reconciliationId: number | undefined) {
    if (!deps.accounts.findOwnedAccount(userId, accountId)) return 'not-found' as const;
    const open = repo.findOpenReconciliation(userId, accountId);
    return open && (reconciliationId === undefined || open.id === reconciliationId) ? open : ('stale' as const);
  }

  /**
   * Where the last page starts (the 200 rows nearest the statement date: the page before a bound just past that
   * day), when the page after this one does not reach them already.
   */
  function latestAfter(userId: number, accountId: number, statementOn: string, next: PageCursor | null): PageCursor | null {
    if (!next) return null;
    const latest = repo.earlierReconcilableCursor(userId, accountId, { occurredOn: `${statementOn}~`, id: 0 }, RECONCILE_PAGE_SIZE);
    const beyond = (a: PageCursor, b: PageCursor) => a.occurredOn > b.occurredOn || (a.occurredOn === b.occurredOn && a.id > b.id);
    return latest && latest !== 'first' && beyond(latest, next) ? latest : null;
  }

  /**
   * Saves a page's ticks (the caller holds the transaction): ticked rows become cleared, and rows the page showed
   * that are not ticked become uncleared. Rows on other pages keep their marks.
   */
  function applyTicks(userId: number, accountId: number, open: { id: number; statementOn: string }, ticks: Ticks): void {
    const { statementOn } = open;
    const ticked = new Set(ticks.ticked);
    const wasTicked = new Set(ticks.shownTicked ?? []);
    const wasUnticked = new Set(ticks.shownUnticked ?? []);
    repo.setClearedRows(userId, accountId, statementOn, [...ticked].filter((id) => !wasTicked.has(id)), true, open.id);
    repo.setClearedRows(userId, accountId, statementOn, ticks.shown.filter((id) => !ticked.has(id) && !wasUnticked.has(id)), false);
  }

  return {
    /**
     * The account and its open reconciliation (null when none is started) with the page of rows after `after`;
     * undefined when the account is not the user's.
     */
    find(userId: number, accountId: number, after: PageCursor | null = null): { account: Account; reconciliation: ReconciliationView | null } | undefined {
      const account = deps.accounts.findOwnedAccount(userId, accountId);
      return account && { account, reconciliation: view(userId, account, after) };
    },

    /**
     * Starts a reconciliation with the statement's date and ending balance. An open one is kept as it is: 'open'
     * says so (with its statement), so a stale form or the Back button cannot replace it unseen.
     */
    start(userId: number, accountId: number, statementOn: string, statementBalanceCents: number): { ok: true } | { ok: false; problem: 'not-found' } | { ok: false; problem: 'open'; statementOn: string } {
      return deps.inTransaction(() => {
        if (!deps.accounts.findOwnedAccount(userId, accountId)) return { ok: false, problem: 'not-found' };
        const open = repo.findOpenReconciliation(userId, accountId);
        if (open && (open.statementOn !== statementOn || open.statementBalanceCents !== statementBalanceCents)) return { ok: false, problem: 'open', statementOn: open.statementOn };
        if (!open) repo.startReconciliation(userId, accountId, statementOn, statementBalanceCents, deps.clock.now());
        return { ok: true };
      });
    },

    /**
     * Saves which rows of a page are ticked (cleared). 'stale' when the page's reconciliation (`reconciliationId`,
     * when the form names it) is no longer the open one: finished, stopped or replaced in another tab.
     */
    tick(userId: number, accountId: number, ticks: Ticks, reconciliationId?: number): 'saved' | WriteRefusal {
      return deps.inTransaction(() => {
        const open = openFor(userId, accountId, reconciliationId);
        if (typeof open === 'string') return open;
        applyTicks(userId, accountId, open, ticks);
        return 'saved';
      });
    },

    /**
     * Ticks every row up to the statement date that is not reconciled (a first reconciliation after years of
     * history), or unticks every ticked one: how many rows changed.
     */
    tickAll(userId: number, accountId: number, ticked: boolean, reconciliationId?: number): { changed: number } | WriteRefusal {
      return deps.inTransaction(() => {
        const open = openFor(userId, accountId, reconciliationId);
        return typeof open === 'string' ? open : { changed: repo.setAllCleared(userId, accountId, open.statementOn, ticked, open.id) };
      });
    },

    /**
     * Saves the page's ticks and, when the cleared balance equals the statement's, marks every cleared row up to the
     * statement date reconciled and closes the reconciliation, all in one transaction; otherwise says by how much it
     * is off (and keeps the ticks).
     */
    finish(
      userId: number,
      accountId: number,
      ticks: Ticks,
      reconciliationId?: number,
    ): { ok: true; reconciled: number } | { ok: false; problem: WriteRefusal } | { ok: false; problem: 'difference'; differenceCents: number } {
      return deps.inTransaction(() => {
        const account = deps.accounts.findOwnedAccount(userId, accountId);
        const open = openFor(userId, accountId, reconciliationId);
        if (!account || typeof open === 'string') return { ok: false, problem: typeof open === 'string' ? open : 'not-found' };
        applyTicks(userId, accountId, open, ticks);
        const differenceCents = differenceOf(userId, account, open);
        if (differenceCents !== 0) return { ok: false, problem: 'difference', differenceCents };
        const reconciled = repo.markClearedReconciled(userId, accountId, open.statementOn);
        repo.finishReconciliation(userId, open.id, deps.clock.now());
        return { ok: true, reconciled };
      });
    },

    /**
     * What stopping the open reconciliation would leave: its statement, how many rows up to its date are ticked
     * (cleared), and how many of those it ticked itself; undefined when the account is not the user's, null when
     * none is open.
     */
    stopPlan(userId: number, accountId: number): { account: Account; open: { id: number; statementOn: string; ticked: number; tickedHere: number } | null } | undefined {
      const account = deps.accounts.findOwnedAccount(userId, accountId);
      if (!account) return undefined;
      const open = repo.findOpenReconciliation(userId, accountId);
      if (!open) return { account, open: null };
      return { account, open: { id: open.id, statementOn: open.statementOn, ...repo.countTicks(userId, accountId, open.statementOn, open.id) } };
    },

    /**
     * Stops the open reconciliation without marking anything reconciled. The rows it ticked are unticked with `untick`,
     * else they stay cleared (as do rows cleared before it began, either way). Says how many it unticked.
     */
    cancel(userId: number, accountId: number, reconciliationId?: number, untick = false): { stopped: true; unticked: number } | WriteRefusal {
      return deps.inTransaction(() => {
        const open = openFor(userId, accountId, reconciliationId);
        if (typeof open === 'string') return open;
        const released = repo.releaseTicks(userId, accountId, open.id, untick);
        repo.cancelReconciliation(userId, open.id);
        return { stopped: true as const, unticked: untick ? released : 0 };
      });
    },

    /**
     * Corrects the open reconciliation's statement (its date and ending balance, as typed wrong or from the wrong
     * page) in place: its ticks stay. 'stale' when the page's reconciliation is no longer the open one.
     */
    correctStatement(userId: number, accountId: number, statementOn: string, statementBalanceCents: number, reconciliationId?: number): 'saved' | WriteRefusal {
      return deps.inTransaction(() => {
        const open = openFor(userId, accountId, reconciliationId);
        if (typeof open === 'string') return open;
        return repo.correctStatement(userId, open.id, statementOn, statementBalanceCents) ? 'saved' : 'stale';
      });
    },

    /** Marks one of the user's rows cleared or uncleared from its register (reconciled rows stay as they are). */
    setCleared(userId: number, rowId: number, cleared: boolean): boolean {
      return repo.setRowCleared(userId, rowId, cleared);
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
