import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  accountBalance,
  ACCOUNT_KINDS,
  compareAccounts,
  defaultAccountId,
  isLiability,
  netWorthOf,
  type AccountWithActivity,
} from '../../src/domain/accounts.ts';

const account = (over: Partial<AccountWithActivity> = {}): AccountWithActivity => ({
  id: 1,
  name: 'A',
  kind: 'checking',
  openingBalanceCents: 0,
  openingOn: '2026-01-01',
  archived: false,
  position: 0,
  netCents: 0,
  clearedNetCents: 0,
  transactionCount: 0,
  ...over,
});

describe('balances', () => {
  test('a balance is the opening balance plus everything in minus everything out; the cleared one counts cleared rows only', () => {
    const b = accountBalance(account({ openingBalanceCents: 10_000, netCents: -2_550, clearedNetCents: -1_000, transactionCount: 3 }));
    assert.equal(b.balanceCents, 7_450);
    assert.equal(b.clearedBalanceCents, 9_000);
    assert.equal(b.transactionCount, 3);
  });

  test('credit cards and loans are liabilities; the other kinds are assets', () => {
    assert.deepEqual(ACCOUNT_KINDS.filter(isLiability), ['credit_card', 'loan']);
    const card = accountBalance(account({ kind: 'credit_card', openingBalanceCents: -150_025, netCents: -4_000 }));
    assert.equal(card.liability, true);
    assert.equal(card.balanceCents, -154_025, 'what is owed is a balance below zero');
  });

  test('net worth is assets minus liabilities; an overdrawn account is owed, an overpaid card is owned', () => {
    assert.deepEqual(netWorthOf([{ balanceCents: 250_005 }, { balanceCents: -150_025 }, { balanceCents: -10_010 }, { balanceCents: 0 }]), {
      assetsCents: 250_005,
      liabilitiesCents: 160_035,
      netWorthCents: 89_970,
    });
    assert.deepEqual(netWorthOf([{ balanceCents: 500 }]), { assetsCents: 500, liabilitiesCents: 0, netWorthCents: 500 });
    assert.deepEqual(netWorthOf([]), { assetsCents: 0, liabilitiesCents: 0, netWorthCents: 0 });
  });

  test('net worth is always the exact integer sum of the balances', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000_000_000, max: 100_000_000_000 }), { maxLength: 30 }), (cents) => {
        const worth = netWorthOf(cents.map((balanceCents) => ({ balanceCents })));
        assert.equal(worth.netWorthCents, cents.reduce((s, c) => s + c, 0));
        assert.ok(worth.assetsCents >= 0 && worth.liabilitiesCents >= 0);
        assert.ok(Number.isSafeInteger(worth.netWorthCents));
      }),
    );
  });
});

describe('order and defaults', () => {
  test('open accounts by position then id, archived ones after them', () => {
    const list = [
      account({ id: 5, position: 1, archived: true }),
      account({ id: 3, position: 2 }),
      account({ id: 4, position: 1 }),
      account({ id: 2, position: 1 }),
    ];
    assert.deepEqual(list.sort(compareAccounts).map((a) => a.id), [2, 4, 3, 5]);
  });

  test('a new transaction starts in the account last used while it is open, else the first open one, else none', () => {
    const list = [account({ id: 1 }), account({ id: 2 }), account({ id: 3, archived: true })];
    assert.equal(defaultAccountId(list, 2), 2);
    assert.equal(defaultAccountId(list, 3), 1, 'an archived last account is not offered');
    assert.equal(defaultAccountId(list, 99), 1);
    assert.equal(defaultAccountId(list, undefined), 1);
    assert.equal(defaultAccountId([account({ archived: true })], undefined), null);
  });
});

describe('net worth over time', () => {
  test('month-end balances add each month to the opening balance, which counts from its own month', async () => {
    const { monthEndSeries } = await import('../../src/domain/accounts.ts');
    const accounts = [
      { id: 1, openingBalanceCents: 10_000, openingOn: '2026-01-15' },
      { id: 2, openingBalanceCents: -50_000, openingOn: '2026-03-01' },
    ];
    const sums = [
      { accountId: 1, month: '2025-12', netCents: 100 },
      { accountId: 1, month: '2026-02', netCents: -2_500 },
      { accountId: 2, month: '2026-03', netCents: 5_000 },
      { accountId: 1, month: '2026-03', netCents: -5_000 },
    ];
    const series = monthEndSeries(accounts, sums, ['2025-12', '2026-01', '2026-02', '2026-03', '2026-04']);
    assert.deepEqual(series.map((m) => [m.month, m.balances.get(1), m.balances.get(2), m.netWorth.netWorthCents]), [
      ['2025-12', 100, 0, 100],
      ['2026-01', 10_100, 0, 10_100],
      ['2026-02', 7_600, 0, 7_600],
      ['2026-03', 2_600, -45_000, -42_400],
      ['2026-04', 2_600, -45_000, -42_400],
    ]);
    assert.deepEqual(series[3]!.netWorth, { assetsCents: 2_600, liabilitiesCents: 45_000, netWorthCents: -42_400 });
  });
});

describe('a register page', () => {
  test('each row shows the balance after it, with the opening balance counted from the opening day on, as the month-end series counts it', async () => {
    const { monthEndSeries, runningBalances } = await import('../../src/domain/accounts.ts');
    const opening = { cents: 500_000, on: '2025-12-01' };
    // Newest first, as a register lists them; the sum of every row up to the newest is 2,019.00 - 1,000.00 ...
    const rows = [
      { type: 'expense' as const, amountCents: 1_000, occurredOn: '2026-01-10' },
      { type: 'transfer_in' as const, amountCents: 1_000, occurredOn: '2025-12-01' },
      { type: 'transfer_in' as const, amountCents: 1_000, occurredOn: '2025-02-28' },
      { type: 'income' as const, amountCents: 900, occurredOn: '2025-02-01' },
    ];
    const netThroughNewest = 900 + 1_000 + 1_000 - 1_000;
    assert.deepEqual(runningBalances(rows, netThroughNewest, opening), [501_900, 502_900, 1_900, 900]);
    // The same balances as the month-end series at the end of February 2025 and of January 2026.
    const series = monthEndSeries([{ id: 1, openingBalanceCents: opening.cents, openingOn: opening.on }], [
      { accountId: 1, month: '2025-02', netCents: 1_900 },
      { accountId: 1, month: '2025-12', netCents: 1_000 },
      { accountId: 1, month: '2026-01', netCents: -1_000 },
    ], ['2025-02', '2026-01']);
    assert.deepEqual(series.map((m) => m.balances.get(1)), [1_900, 501_900]);
  });
});
