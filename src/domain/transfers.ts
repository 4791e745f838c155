/** Transfers: money moved between two of a person's accounts. Never income, never an expense. */
import { createHash } from 'node:crypto';
import { addDays } from './calendar.ts';

/** A transfer as its pages show it: both accounts, the amount, the day and an optional description. */
export interface Transfer {
  readonly id: number;
  readonly fromAccountId: number;
  readonly toAccountId: number;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
}

/** What an edit form was opened on (see transactionVersion): a save after the transfer changed elsewhere is shown again. */
export function transferVersion(t: Transfer): string {
  return createHash('sha256')
    .update(JSON.stringify([t.fromAccountId, t.toAccountId, t.amountCents, t.occurredOn, t.description]))
    .digest('base64url')
    .slice(0, 16);
}

/** Which transfers a list shows: those touching one account (either side), between two days (inclusive). */
export interface TransferFilter {
  readonly accountId?: number;
  readonly fromOn?: string;
  readonly toOn?: string;
}

/** The transfers a filter keeps: with an account, those into it and out of it; without one, all count as out. */
export interface TransferTotals {
  readonly inCount: number;
  readonly inCents: number;
  readonly outCount: number;
  readonly outCents: number;
}

/** What a person fills in for a transfer, already parsed. */
export interface TransferDraft {
  readonly fromAccountId: number;
  readonly toAccountId: number;
  readonly amountCents: number;
  readonly occurredOn: string;
  readonly description: string;
}

/** Why a transfer between these accounts cannot be saved (field by field, as the form shows it). */
export interface TransferProblems {
  readonly from?: 'archived';
  readonly to?: 'archived' | 'same-account';
}

/** The rules between the two accounts: different accounts, both open (or, when editing, the one a leg is already in). */
export function transferProblems(
  draft: Pick<TransferDraft, 'fromAccountId' | 'toAccountId'>,
  accounts: { from: { archived: boolean }; to: { archived: boolean } },
  keeping: { fromAccountId?: number; toAccountId?: number } = {},
): TransferProblems | undefined {
  const problems: { from?: 'archived'; to?: 'archived' | 'same-account' } = {};
  if (accounts.from.archived && keeping.fromAccountId !== draft.fromAccountId) problems.from = 'archived';
  if (draft.fromAccountId === draft.toAccountId) problems.to = 'same-account';
  else if (accounts.to.archived && keeping.toAccountId !== draft.toAccountId) problems.to = 'archived';
  return problems.from || problems.to ? problems : undefined;
}

/** How many days apart two banks may book the two sides of one transfer (the money leaves one, then reaches the other). */
export const TRANSFER_SIDES_DAYS_APART = 3;

/**
 * Of the legs found within TRANSFER_SIDES_DAYS_APART of `day`, the one booked nearest to it: the earlier day on a
 * tie, then the first written.
 */
export function nearestLeg<T extends { readonly id: number; readonly occurredOn: string }>(legs: readonly T[], day: string): T | undefined {
  for (let apart = 0; apart <= TRANSFER_SIDES_DAYS_APART; apart++) {
    for (const on of apart === 0 ? [day] : [addDays(day, -apart), addDays(day, apart)]) {
      let first: T | undefined;
      for (const leg of legs) if (leg.occurredOn === on && (first === undefined || leg.id < first.id)) first = leg;
      if (first) return first;
    }
  }
  return undefined;
}

/** A row a rule makes a transfer: in `accountId`, with `otherAccountId`, money out (expense) or in (income). */
export interface TransferSide {
  readonly accountId: number;
  readonly otherAccountId: number;
  readonly type: 'income' | 'expense';
  readonly amountCents: number;
  readonly occurredOn: string;
}

/**
 * Whether `b` is the same transfer as `a` seen from the other account: a file or a history holding both accounts has
 * each transfer twice ("Transfer : Savings" in Checking, "Transfer : Checking" in Savings), and each row a rule makes a
 * transfer made a transfer of its own, so every one was counted twice and both balances moved twice.
 */
export function isOtherSide(a: TransferSide, b: TransferSide): boolean {
  return (
    a.accountId === b.otherAccountId &&
    a.otherAccountId === b.accountId &&
    a.type !== b.type &&
    a.amountCents === b.amountCents &&
    b.occurredOn >= addDays(a.occurredOn, -TRANSFER_SIDES_DAYS_APART) &&
    b.occurredOn <= addDays(a.occurredOn, TRANSFER_SIDES_DAYS_APART)
  );
}

/**
 * Of `waiting` (sides not yet paired), the other side of `side` booked earliest, then the first listed; undefined when
 * there is none. The oldest, not the nearest: sides read in date order pair first in, first out, which pairs as many
 * as can be (out on the 1st and 2nd, in on the 4th and 5th: nearest paired the 4th with the 2nd and left the 1st
 * and 5th four days apart, a transfer counted twice).
 */
export function otherSideOf<T extends TransferSide>(side: TransferSide, waiting: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const entry of waiting) if (isOtherSide(side, entry) && (best === undefined || entry.occurredOn < best.occurredOn)) best = entry;
  return best;
}
