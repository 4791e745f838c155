import { AccountNameTakenError, type AccountsRepo } from '../db/repos/accounts.ts';
import type { RulesRepo } from '../db/repos/rules.ts';
import type { SchedulesRepo } from '../db/repos/schedules.ts';
import type { RunAsOneRead, RunInTransaction } from '../db/unit-of-work.ts';
import {
  accountBalance,
  compareAccounts,
  monthEndSeries,
  netWorthOf,
  type MonthEnd,
  runningBalances,
  withLaterRows,
  withRunningMonthToday,
  type Account,
  type AccountBalance,
  type AccountBalanceWithLater,
  type AccountDraft,
  type NetWorth,
  type RegisterRow,
} from '../domain/accounts.ts';
import { addMonths, lastDayOfMonth } from '../domain/calendar.ts';
import type { PageCursor } from '../domain/transactions.ts';

export type AccountSave = { ok: true; id: number } | { ok: false; problem: 'not-found' } | { ok: false; problem: 'taken'; existing: Account | undefined };

/** What deleting an empty account takes with it: the schedules from or to it, and the rules that use it. */
export interface AccountDeletion {
  readonly schedules: number;
  readonly rules: number;
}

export type AccountDelete =
  | { ok: true; account: Account; deletion: AccountDeletion }
  | { ok: false; problem: 'not-found' }
  | { ok: false; problem: 'not-empty'; account: Account; count: number };

/** The places a person keeps money: listing with balances and net worth, creating, editing, ordering, archiving. */
export function createAccountService(deps: {
  accounts: AccountsRepo;
  schedules: Pick<SchedulesRepo, 'countSchedulesOnAccount'>;
  rules: Pick<RulesRepo, 'countRulesUsingAccount'>;
  inTransaction: RunInTransaction;
  /** The register's reads as one read transaction: its rows and the balance above them from the same moment. */
  asOneRead: RunAsOneRead;
}) {
  const repo = deps.accounts;

  return {
    /** Every account of the user with its balance and cleared balance, and the net worth of them all. */
    overview(userId: number): { accounts: AccountBalance[]; totals: NetWorth } {
      const accounts = repo.listAccountsWithActivity(userId).map(accountBalance).sort(compareAccounts);
      return { accounts, totals: netWorthOf(accounts) };
    },

    /** The overview for the accounts page: with it, how much of each balance (and of net worth) is dated after today. */
    overviewOn(userId: number, today: string): { accounts: AccountBalanceWithLater[]; totals: NetWorth; laterCents: number } {
      return deps.asOneRead(() => {
        const accounts = repo.listAccountsWithActivity(userId).map(accountBalance).sort(compareAccounts);
        const totals = netWorthOf(accounts);
        return { ...withLaterRows(accounts, repo.laterNetByAccount(userId, today, lastDayOfMonth(today.slice(0, 7)))), totals };
      });
    },

    /**
     * One page of the account's register, newest first, each row with the balance after it; the balance of the
     * page's first row comes from the monthly totals and at most one month of rows, so page 100 costs what page 1 does.
     */
    register(
      userId: number,
      accountId: number,
      after: PageCursor | null,
      pageSize: number,
      today: string,
    ):
      | {
          account: AccountBalanceWithLater;
          rows: (RegisterRow & { balanceCents: number })[];
          next: PageCursor | null;
          /** The page before this one, for a "Newer" link, when it is not the first page (which "Newest" reaches). */
          newer: PageCursor | null;
          /** The account's balance at the end of each of the 24 months ending with today's, oldest first; today's month as of today. */
          series: { month: string; cents: number }[];
        }
      | undefined {
      const lastMonth = today.slice(0, 7);
      return deps.asOneRead(() => {
        const account = repo.listAccountsWithActivity(userId).find((a) => a.id === accountId);
        if (!account) return undefined;
        const page = repo.listRegisterPage(userId, accountId, pageSize, after);
        const first = page.rows[0];
        const opening = { cents: account.openingBalanceCents, on: account.openingOn };
        const balances = first ? runningBalances(page.rows, repo.netThrough(userId, accountId, first), opening) : [];
        const months = Array.from({ length: 24 }, (_, i) => addMonths(lastMonth, i - 23));
        const sums = repo.listAccountMonthSums(userId, { from: months[0]!, through: lastMonth }).filter((s) => s.accountId === accountId);
        const later = repo.laterNetByAccount(userId, today, lastDayOfMonth(lastMonth));
        // The running month as of today, as on the dashboard (domain/accounts.ts withRunningMonthToday).
        const series = withRunningMonthToday(monthEndSeries([account], sums, months), lastMonth, [accountBalance(account)], later).map((m) => ({ month: m.month, cents: m.balances.get(accountId) ?? 0 }));
        const newer = after !== null && first ? repo.newerRegisterCursor(userId, accountId, pageSize, first) : null;
        return { account: { ...accountBalance(account), laterCents: later.get(accountId) ?? 0 }, rows: page.rows.map((row, i) => ({ ...row, balanceCents: balances[i]! })), next: page.next, newer, series };
      });
    },

    /**
     * Month-end balances of every account and net worth for the `count` months ending with `lastMonth` (oldest
     * first), from the per-account monthly totals: the series a chart of net worth over time draws.
     */
    netWorthSeries(userId: number, lastMonth: string, count = 24): { accounts: Account[]; months: MonthEnd[] } {
      const months = Array.from({ length: count }, (_, i) => addMonths(lastMonth, i - count + 1));
      const accounts = repo.listAccounts(userId);
      return { accounts, months: monthEndSeries(accounts, repo.listAccountMonthSums(userId, { from: months[0]!, through: lastMonth }), months) };
    },

    /** The user's accounts, open first by position (for choosing one on a form). */
    list(userId: number): Account[] {
      return repo.listAccounts(userId);
    },

    /** The user's account, or undefined when there is none of theirs with this id. */
    find(userId: number, id: number): Account | undefined {
      return repo.findOwnedAccount(userId, id);
    },

    /** Creates an account at the end of the list; refused when the name is already one of the user's accounts. */
    create(userId: number, draft: AccountDraft): AccountSave {
      try {
        return { ok: true, id: repo.createAccount(userId, draft) };
      } catch (err) {
        if (err instanceof AccountNameTakenError) return { ok: false, problem: 'taken', existing: repo.findAccountByName(userId, draft.name) };
        throw err;
      }
    },

    /** Renames the account and sets its kind and opening balance. */
    update(userId: number, id: number, draft: AccountDraft): AccountSave {
      return updateNow(userId, id, draft);
    },

    /** The same, and archives or brings back the account when `archived` is given: both or neither. */
    updateWithArchived(userId: number, id: number, draft: AccountDraft, archived: boolean | undefined): AccountSave {
      return deps.inTransaction(() => {
        const saved = updateNow(userId, id, draft);
        if (saved.ok && archived !== undefined) repo.setAccountArchived(userId, id, archived);
        return saved;
      });
    },

    /**
     * Moves an open account one place up or down among the open ones, by swapping positions with its neighbour in one
     * transaction; false when it is not the user's, is archived, or is already at that end.
     */
    move(userId: number, id: number, direction: 'up' | 'down'): boolean {
      return deps.inTransaction(() => {
        const order = repo.listAccounts(userId).filter((a) => !a.archived).map((a) => a.id);
        const at = order.indexOf(id);
        const to = direction === 'up' ? at - 1 : at + 1;
        if (at < 0 || to < 0 || to >= order.length) return false;
        [order[at], order[to]] = [order[to]!, order[at]!];
        // Positions are rewritten as the list's order, so ties left by older rows cannot make a move a no-op.
        order.forEach((accountId, position) => repo.setAccountPosition(userId, accountId, position));
        return true;
      });
    },

    /** Archives (hides from forms, keeps its history and balance) or unarchives the account. */
    setArchived(userId: number, id: number, archived: boolean): boolean {
      return repo.setAccountArchived(userId, id, archived);
    },

    /**
     * The account, how many transactions it holds, and the schedules and rules its deletion would take with it (for
     * the delete confirmation).
     */
    findWithCount(userId: number, id: number): { account: Account; count: number; deletion: AccountDeletion } | undefined {
      const account = repo.findOwnedAccount(userId, id);
      return account && { account, count: repo.countTransactionsInAccount(userId, id), deletion: deletionOf(userId, id) };
    },

    /** Deletes an empty account; one holding transactions is refused with their number (archive it instead). */
    delete(userId: number, id: number): AccountDelete {
      return deps.inTransaction(() => {
        const account = repo.findOwnedAccount(userId, id);
        if (!account) return { ok: false, problem: 'not-found' };
        const count = repo.countTransactionsInAccount(userId, id);
        if (count > 0) return { ok: false, problem: 'not-empty', account, count };
        const deletion = deletionOf(userId, id);
        repo.deleteOwnedAccount(userId, id);
        return { ok: true, account, deletion };
      });
    },
  };

  function updateNow(userId: number, id: number, draft: AccountDraft): AccountSave {
    try {
      return repo.updateOwnedAccount(userId, id, draft) ? { ok: true, id } : { ok: false, problem: 'not-found' };
    } catch (err) {
      if (err instanceof AccountNameTakenError) return { ok: false, problem: 'taken', existing: repo.findAccountByName(userId, draft.name) };
      throw err;
    }
  }

  function deletionOf(userId: number, id: number): AccountDeletion {
    return { schedules: deps.schedules.countSchedulesOnAccount(userId, id), rules: deps.rules.countRulesUsingAccount(userId, id) };
  }
}

export type AccountService = ReturnType<typeof createAccountService>;
