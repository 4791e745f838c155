import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { TransfersRepo } from '../db/repos/transfers.ts';
import type { RunAsOneRead, RunInTransaction } from '../db/unit-of-work.ts';
import type { Account } from '../domain/accounts.ts';
import type { Page, PageCursor } from '../domain/transactions.ts';
import { transferProblems, transferVersion, type Transfer, type TransferDraft, type TransferFilter, type TransferProblems, type TransferTotals } from '../domain/transfers.ts';

export type TransferSave =
  | { ok: true; id: number }
  | { ok: false; problem: 'not-found' }
  | { ok: false; problem: 'invalid'; problems: TransferProblems }
  | { ok: false; problem: 'reconciled' }
  /** Changed since the form was opened on it: nothing saved; `current` is how it reads now. */
  | { ok: false; problem: 'changed'; current: Transfer };

/** Moving money between two of the user's accounts: never income or expense, both legs always written together. */
export function createTransferService(deps: { transfers: TransfersRepo; accounts: AccountsRepo; inTransaction: RunInTransaction; asOneRead: RunAsOneRead }) {
  const { transfers: repo, accounts } = deps;

  /** Both accounts must be the user's: another person's account is answered as if it did not exist. */
  function ownedPair(userId: number, draft: TransferDraft): { from: Account; to: Account } | undefined {
    const from = accounts.findOwnedAccount(userId, draft.fromAccountId);
    const to = accounts.findOwnedAccount(userId, draft.toAccountId);
    return from && to ? { from, to } : undefined;
  }

  return {
    /** The user's accounts, for choosing the two sides. */
    accountsFor(userId: number): Account[] {
      return accounts.listAccounts(userId);
    },

    /** The user's transfer, or undefined when there is none of theirs with this id. */
    find(userId: number, id: number): (Transfer & { reconciled: boolean }) | undefined {
      const transfer = repo.findOwnedTransfer(userId, id);
      return transfer && { ...transfer, reconciled: repo.isTransferReconciled(userId, id) };
    },

    /**
     * A page of the user's transfers for the list, with the accounts that name their sides and fill its filter, how
     * many the filter keeps and what they moved, and the page before it for a "Newer" link (its cursor, `first` for
     * the first page, null on the first page).
     */
    listWithAccounts(
      userId: number,
      filter: TransferFilter,
      after: PageCursor | null,
      limit: number,
    ): { page: Page<Transfer>; newer: PageCursor | 'first' | null; totals: TransferTotals; accounts: Account[] } {
      // One snapshot: a transfer written between the page and its count (another worker, a schedule posting) would
      // otherwise show in one and not the other.
      return deps.asOneRead(() => {
        const page = repo.listTransfersPage(userId, filter, after, limit);
        const newer = after === null ? null : page.first ? (repo.newerTransfersCursor(userId, filter, limit, page.first) ?? 'first') : 'first';
        return { page, newer, totals: repo.transferTotals(userId, filter), accounts: accounts.listAccounts(userId) };
      });
    },

    /** A page of the user's transfers, newest first, after `after` (see the repository's listTransfersPage). */
    listPage(userId: number, filter: TransferFilter, after: PageCursor | null, limit: number): Page<Transfer> {
      return repo.listTransfersPage(userId, filter, after, limit);
    },

    /** Records a transfer: the money leaves one account and enters the other on the same day. */
    create(userId: number, draft: TransferDraft): TransferSave {
      return deps.inTransaction(() => {
        const pair = ownedPair(userId, draft);
        if (!pair) return { ok: false, problem: 'not-found' };
        const problems = transferProblems(draft, pair);
        if (problems) return { ok: false, problem: 'invalid', problems };
        return { ok: true, id: repo.createTransfer(userId, draft) };
      });
    },

    /**
     * Changes a transfer: both legs in one transaction. A leg may stay in an account archived since; a reconciled
     * transfer changes only when the person confirmed it (`confirmedReconciled`).
     */
    update(userId: number, id: number, draft: TransferDraft, confirmedReconciled = false, openedOn?: string): TransferSave {
      return deps.inTransaction(() => {
        const current = repo.findOwnedTransfer(userId, id);
        if (!current) return { ok: false, problem: 'not-found' };
        if (openedOn !== undefined && openedOn !== transferVersion(current)) return { ok: false, problem: 'changed', current };
        if (!confirmedReconciled && repo.isTransferReconciled(userId, id)) return { ok: false, problem: 'reconciled' };
        const pair = ownedPair(userId, draft);
        if (!pair) return { ok: false, problem: 'not-found' };
        const problems = transferProblems(draft, pair, current);
        if (problems) return { ok: false, problem: 'invalid', problems };
        repo.updateOwnedTransfer(userId, id, draft);
        return { ok: true, id };
      });
    },

    /** Deletes a transfer and both its legs; a reconciled one only when confirmed. */
    delete(userId: number, id: number, confirmedReconciled = false): 'deleted' | 'not-found' | 'reconciled' {
      return deps.inTransaction(() => {
        if (!repo.findOwnedTransfer(userId, id)) return 'not-found';
        if (!confirmedReconciled && repo.isTransferReconciled(userId, id)) return 'reconciled';
        repo.deleteOwnedTransfer(userId, id);
        return 'deleted';
      });
    },
  };
}

export type TransferService = ReturnType<typeof createTransferService>;
