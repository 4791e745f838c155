import type { Clock } from '../clock.ts';
import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { ReconcilableRow, ReconciliationsRepo } from '../db/repos/reconciliations.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import { signedAmount, type Account } from '../domain/accounts.ts';

/** What the reconciliation page shows for an open reconciliation. */
export interface ReconciliationView {
  readonly statementOn: string;
  readonly statementBalanceCents: number;
  readonly rows: ReconcilableRow[];
  /** The opening balance, the reconciled rows and the ticked rows up to the statement date. */
  readonly clearedBalanceCents: number;
  /** The statement balance less the cleared balance: zero when the ticked rows match the statement. */
  readonly differenceCents: number;
}

/** Checking an account against a bank statement: tick the rows the statement shows, then finish when they match. */
export function createReconciliationService(deps: {
  reconciliations: ReconciliationsRepo;
  accounts: AccountsRepo;
  inTransaction: RunInTransaction;
  clock: Clock;
}) {
  const repo = deps.reconciliations;

  function view(userId: number, account: Account): ReconciliationView | null {
    const open = repo.findOpenReconciliation(userId, account.id);
    if (!open) return null;
    const rows = repo.listReconcilableRows(userId, account.id, open.statementOn);
    const ticked = rows.filter((r) => r.cleared).reduce((sum, r) => sum + signedAmount(r.type, r.amountCents), 0);
    const clearedBalanceCents = account.openingBalanceCents + repo.reconciledNetThrough(userId, account.id, open.statementOn) + ticked;
    return {
      statementOn: open.statementOn,
      statementBalanceCents: open.statementBalanceCents,
      rows,
      clearedBalanceCents,
      differenceCents: open.statementBalanceCents - clearedBalanceCents,
    };
  }

  /** Sets the listed rows cleared when ticked, uncleared when not (the caller holds the transaction). */
  function applyTicks(userId: number, accountId: number, statementOn: string, ticked: ReadonlySet<number>): void {
    const listed = repo.listReconcilableRows(userId, accountId, statementOn);
    repo.setClearedRows(userId, accountId, statementOn, listed.filter((r) => ticked.has(r.id) && !r.cleared).map((r) => r.id), true);
    repo.setClearedRows(userId, accountId, statementOn, listed.filter((r) => !ticked.has(r.id) && r.cleared).map((r) => r.id), false);
  }

  return {
    /** The account and its open reconciliation (null when none is started); undefined when the account is not the user's. */
    find(userId: number, accountId: number): { account: Account; reconciliation: ReconciliationView | null } | undefined {
      const account = deps.accounts.findOwnedAccount(userId, accountId);
      return account && { account, reconciliation: view(userId, account) };
    },

    /** Starts a reconciliation with the statement's date and ending balance (an open one is kept as it is). */
    start(userId: number, accountId: number, statementOn: string, statementBalanceCents: number): boolean {
      return deps.inTransaction(() => {
        if (!deps.accounts.findOwnedAccount(userId, accountId)) return false;
        if (!repo.findOpenReconciliation(userId, accountId)) repo.startReconciliation(userId, accountId, statementOn, statementBalanceCents, deps.clock.now());
        return true;
      });
    },

    /** Saves which rows are ticked (cleared); false when there is no open reconciliation of the user's account. */
    tick(userId: number, accountId: number, ticked: readonly number[]): boolean {
      return deps.inTransaction(() => {
        const open = repo.findOpenReconciliation(userId, accountId);
        if (!open) return false;
        applyTicks(userId, accountId, open.statementOn, new Set(ticked));
        return true;
      });
    },

    /**
     * Saves the ticks and, when the cleared balance equals the statement's, marks the ticked rows reconciled and
     * closes the reconciliation, all in one transaction; otherwise says by how much it is off (and keeps the ticks).
     */
    finish(
      userId: number,
      accountId: number,
      ticked: readonly number[],
    ): { ok: true; reconciled: number } | { ok: false; problem: 'not-found' } | { ok: false; problem: 'difference'; differenceCents: number } {
      return deps.inTransaction(() => {
        const account = deps.accounts.findOwnedAccount(userId, accountId);
        const open = account && repo.findOpenReconciliation(userId, accountId);
        if (!account || !open) return { ok: false, problem: 'not-found' };
        applyTicks(userId, accountId, open.statementOn, new Set(ticked));
        const current = view(userId, account)!;
        if (current.differenceCents !== 0) return { ok: false, problem: 'difference', differenceCents: current.differenceCents };
        const reconciled = repo.markClearedReconciled(userId, accountId, open.statementOn);
        repo.finishReconciliation(userId, open.id, deps.clock.now());
        return { ok: true, reconciled };
      });
    },

    /** Stops the open reconciliation without marking anything reconciled (the ticks stay cleared). */
    cancel(userId: number, accountId: number): boolean {
      return deps.inTransaction(() => {
        const open = repo.findOpenReconciliation(userId, accountId);
        return open ? repo.cancelReconciliation(userId, open.id) : false;
      });
    },

    /** Marks one of the user's rows cleared or uncleared from its register (reconciled rows stay as they are). */
    setCleared(userId: number, rowId: number, cleared: boolean): boolean {
      return repo.setRowCleared(userId, rowId, cleared);
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
