/**
 * Accounts: the places a person keeps money (a current account, savings, cash, a card, a loan). Types and rules
 * only; storage lives in db/.
 *
 * Every balance here is signed the same way: what the person has minus what they owe. A credit card with 500.00
 * owed on it has a balance of -500.00, so net worth is simply the sum of all balances.
 */
import { normaliseCategoryName, type CategoryNameProblem } from './categories.ts';

/** The account the database gives every new user (migration 7's trigger, in English); registration renames it. */
export const STARTER_ACCOUNT_NAME = 'Main account';

export const ACCOUNT_KINDS = ['checking', 'savings', 'cash', 'credit_card', 'loan', 'investment', 'other'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** Kinds whose balance is a debt: shown among liabilities, and normally below zero. */
const LIABILITY_KINDS: ReadonlySet<AccountKind> = new Set(['credit_card', 'loan']);

export function isAccountKind(value: unknown): value is AccountKind {
  return typeof value === 'string' && (ACCOUNT_KINDS as readonly string[]).includes(value);
}

/** Whether an account of this kind is a liability (a credit card, a loan) rather than an asset. */
export function isLiability(kind: AccountKind): boolean {
  return LIABILITY_KINDS.has(kind);
}

export interface Account {
  readonly id: number;
  readonly name: string;
  readonly kind: AccountKind;
  readonly openingBalanceCents: number;
  readonly openingOn: string;
  readonly archived: boolean;
  readonly position: number;
}

/** An account with what the monthly totals say of it: every row's signed sum, the cleared rows' sum, the row count. */
export interface AccountWithActivity extends Account {
  readonly netCents: number;
  readonly clearedNetCents: number;
  readonly transactionCount: number;
}

/** An account as the accounts page shows it. */
export interface AccountBalance extends Account {
  readonly balanceCents: number;
  readonly clearedBalanceCents: number;
  readonly transactionCount: number;
  readonly liability: boolean;
}

/**
 * A balance, and how much of it is dated after today (signed; 0 when nothing is): the balance holds every row, a
 * bill entered ahead of time included, while a month-end chart ends with this month. Pages say so beside it.
 */
export interface AccountBalanceWithLater extends AccountBalance {
  readonly laterCents: number;
}

/** The balances with what each holds of days after today (from `later`, per account id), and the sum of that. */
export function withLaterRows(accounts: readonly AccountBalance[], later: ReadonlyMap<number, number>): { accounts: AccountBalanceWithLater[]; laterCents: number } {
  let laterCents = 0;
  const out = accounts.map((a) => {
    const cents = later.get(a.id) ?? 0;
    laterCents += cents;
    return { ...a, laterCents: cents };
  });
  return { accounts: out, laterCents };
}

/** What a person fills in for an account, already validated. */
export interface AccountDraft {
  readonly name: string;
  readonly kind: AccountKind;
  readonly openingBalanceCents: number;
  readonly openingOn: string;
}

/** Account names follow the category name rule: trimmed, spaces folded, no control characters, 60 characters. */
export function normaliseAccountName(raw: string): { ok: true; name: string } | { ok: false; problem: CategoryNameProblem } {
  return normaliseCategoryName(raw);
}

/** A balance: the opening balance plus everything in (income, transfers in) minus everything out. */
export function accountBalance(account: AccountWithActivity): AccountBalance {
  return {
    id: account.id,
    name: account.name,
    kind: account.kind,
    openingBalanceCents: account.openingBalanceCents,
    openingOn: account.openingOn,
    archived: account.archived,
    position: account.position,
    balanceCents: account.openingBalanceCents + account.netCents,
    clearedBalanceCents: account.openingBalanceCents + account.clearedNetCents,
    transactionCount: account.transactionCount,
    liability: isLiability(account.kind),
  };
}

/** Assets, liabilities (as a positive amount owed) and net worth of a set of account balances. */
export interface NetWorth {
  readonly assetsCents: number;
  readonly liabilitiesCents: number;
  readonly netWorthCents: number;
}

/**
 * Sums balances into assets and liabilities. An asset account below zero (an overdrawn current account) counts
 * as a liability, and a liability account above zero (a card paid beyond its debt) as an asset, so both totals
 * are what is really owned and really owed; net worth is their difference either way.
 */
export function netWorthOf(balances: readonly Pick<AccountBalance, 'balanceCents'>[]): NetWorth {
  let assetsCents = 0;
  let liabilitiesCents = 0;
  for (const { balanceCents } of balances) {
    if (balanceCents >= 0) assetsCents += balanceCents;
    else liabilitiesCents -= balanceCents;
  }
  return { assetsCents, liabilitiesCents, netWorthCents: assetsCents - liabilitiesCents };
}

/** The order of the accounts page: open accounts by position then id, archived ones after them. */
export function compareAccounts(a: Account, b: Account): number {
  return Number(a.archived) - Number(b.archived) || a.position - b.position || a.id - b.id;
}

/** The account a new transaction starts in: the one last used while it is open, else the first open one; null when none is open. */
export function defaultAccountId(accounts: readonly Pick<Account, 'id' | 'archived'>[], lastUsed: number | undefined): number | null {
  const open = accounts.filter((a) => !a.archived);
  return (open.find((a) => a.id === lastUsed) ?? open[0])?.id ?? null;
}

/** What a row of an account register is: income or an expense, or one leg of a transfer. */
export type EntryType = 'income' | 'expense' | 'transfer_in' | 'transfer_out';

/** A row's effect on its account's balance: money in is positive, money out negative. */
export function signedAmount(type: EntryType, amountCents: number): number {
  return type === 'income' || type === 'transfer_in' ? amountCents : -amountCents;
}

/**
 * The balance after each row of a register page, newest first, from the sum of every row up to and including the
 * page's first: each older row's sum is the newer one's less what the newer row changed. The opening balance counts
 * from the opening day on, as in the month-end series (a row dated before the account opened shows what the rows
 * alone had made). Exact on every page, never a scan.
 */
export function runningBalances(
  rows: readonly { type: EntryType; amountCents: number; occurredOn: string }[],
  netThroughFirst: number,
  opening: { readonly cents: number; readonly on: string },
): number[] {
  const balances: number[] = [];
  let net = netThroughFirst;
  for (const row of rows) {
    balances.push(net + (row.occurredOn >= opening.on ? opening.cents : 0));
    net -= signedAmount(row.type, row.amountCents);
  }
  return balances;
}

/** One row of an account register, with what the register shows beside it. */
export interface RegisterRow {
  readonly id: number;
  readonly type: EntryType;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
  readonly status: 'uncleared' | 'cleared' | 'reconciled';
  readonly categoryName: string | null;
  /** For a transfer leg: the transfer, and the account on its other side. */
  readonly transferId: number | null;
  readonly otherAccountName: string | null;
}

/** One month's end: each account's balance then, and their net worth. */
export interface MonthEnd {
  readonly month: string;
  readonly balances: ReadonlyMap<number, number>;
  readonly netWorth: NetWorth;
}

/**
 * A month-end series whose running month (`thisMonth`) stands as of today instead: each account's balance without
 * what is dated after today (`later`, as laterNetByAccount gives it). A month-end point for the running month counted
 * a bill entered for the 28th, so it matched neither net worth (which also counts later months) nor the figure
 * "without" the later rows beside it; as of today it is that figure.
 */
export function withRunningMonthToday(
  series: readonly MonthEnd[],
  thisMonth: string,
  accounts: readonly Pick<AccountBalance, 'id' | 'balanceCents'>[],
  later: ReadonlyMap<number, number>,
): MonthEnd[] {
  return series.map((point) => {
    if (point.month !== thisMonth) return point;
    const balances = new Map(accounts.map((a) => [a.id, a.balanceCents - (later.get(a.id) ?? 0)]));
    return { month: point.month, balances, netWorth: netWorthOf([...balances.values()].map((balanceCents) => ({ balanceCents }))) };
  });
}

/**
 * Month-end balances and net worth for a run of months (oldest first), from each account's opening balance (counted
 * from its opening month) and its per-month sums, never from rows. An account's balance at a month's end is its
 * opening balance plus every month's sum up to and including that month; a sum dated '' (all the months before a
 * window, folded) counts from the first month.
 */
export function monthEndSeries(
  accounts: readonly Pick<Account, 'id' | 'openingBalanceCents' | 'openingOn'>[],
  monthSums: readonly { accountId: number; month: string; netCents: number }[],
  months: readonly string[],
): MonthEnd[] {
  const byAccount = new Map<number, { month: string; netCents: number }[]>();
  for (const row of monthSums) {
    const list = byAccount.get(row.accountId) ?? [];
    list.push(row);
    byAccount.set(row.accountId, list);
  }
  const running = new Map<number, { at: number; sum: number; list: { month: string; netCents: number }[] }>();
  for (const account of accounts) {
    const list = (byAccount.get(account.id) ?? []).slice().sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
    running.set(account.id, { at: 0, sum: 0, list });
  }
  return months.map((month) => {
    const balances = new Map<number, number>();
    for (const account of accounts) {
      const state = running.get(account.id)!;
      while (state.at < state.list.length && state.list[state.at]!.month <= month) state.sum += state.list[state.at++]!.netCents;
      const opening = account.openingOn.slice(0, 7) <= month ? account.openingBalanceCents : 0;
      balances.set(account.id, opening + state.sum);
    }
    return { month, balances, netWorth: netWorthOf([...balances.values()].map((balanceCents) => ({ balanceCents }))) };
  });
}
