import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { buildBudgetMonth, type BudgetHistory, type MonthSpending } from '../../src/domain/budgets.ts';
import { addMonths } from '../../src/domain/calendar.ts';

const START = '2025-11';

/** A history of one category (id 1) over consecutive months from START: amounts (null = none) and spending. */
function historyOf(amounts: (number | null)[], spending: MonthSpending[]): BudgetHistory {
  const month = (m: string) => {
    const i = (Number(m.slice(0, 4)) - 2025) * 12 + Number(m.slice(5, 7)) - 11;
    return i;
  };
  return {
    amount: (_id, m) => amounts[month(m)] ?? undefined,
    spending: (_id, m) => spending[month(m)],
    firstBudgetMonth: () => {
      const i = amounts.findIndex((a) => a !== null);
      return i < 0 ? undefined : addMonths(START, i);
    },
  };
}

/** As historyOf, with the months counted from January 2026. */
function historyOf2026(amounts: (number | null)[], spending: MonthSpending[]): BudgetHistory {
  const index = (m: string) => (Number(m.slice(0, 4)) - 2026) * 12 + Number(m.slice(5, 7)) - 1;
  return {
    amount: (_id, m) => amounts[index(m)] ?? undefined,
    spending: (_id, m) => spending[index(m)],
    firstBudgetMonth: () => {
      const i = amounts.findIndex((a) => a !== null);
      return i < 0 ? undefined : addMonths('2026-01', i);
    },
  };
}

const cents = fc.integer({ min: 0, max: 10_000_000 });
const spendingArb = fc.record({ expenseCents: cents, refundCents: fc.integer({ min: 0, max: 1_000_000 }) });

describe('budget arithmetic', () => {
  test('with rollover, what is available in a month is every amount budgeted so far less everything spent before it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(cents, { nil: null }), spendingArb), { minLength: 1, maxLength: 30 }),
        (months) => {
          const amounts = months.map(([a]) => a);
          const spending = months.map(([, s]) => s);
          const last = months.length - 1;
          const line = buildBudgetMonth(addMonths(START, last), [{ id: 1, name: 'Food', rollover: true, rolloverFrom: '0000-01' }], historyOf(amounts, spending), 0).lines[0]!;
          const first = amounts.findIndex((a) => a !== null);
          if (first < 0 || first === last) {
            assert.equal(line.carriedCents, 0);
            assert.equal(line.availableCents, amounts[last] ?? 0);
            return;
          }
          const budgeted = amounts.slice(first).reduce<number>((sum, a) => sum + (a ?? 0), 0);
          const spentBefore = spending.slice(first, last).reduce((sum, s) => sum + s.expenseCents - s.refundCents, 0);
          assert.equal(line.availableCents, budgeted - spentBefore);
          assert.equal(line.carriedCents, line.availableCents - (amounts[last] ?? 0));
          assert.equal(line.remainingCents, line.availableCents - line.spentCents);
          assert.equal(line.over, line.spentCents > line.availableCents);
          assert.equal(line.carriedFrom?.month, addMonths(START, last - 1), 'the carry names the month it came from');
        },
      ),
    );
  });

  test('without rollover a month stands alone, and a refund counts exactly as that much less spending', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(cents, { nil: null }), spendingArb), { minLength: 1, maxLength: 12 }), (months) => {
        const amounts = months.map(([a]) => a);
        const spending = months.map(([, s]) => s);
        const month = addMonths(START, months.length - 1);
        const withRefunds = buildBudgetMonth(month, [{ id: 1, name: 'Food', rollover: false, rolloverFrom: null }], historyOf(amounts, spending), 0);
        const netted = buildBudgetMonth(
          month,
          [{ id: 1, name: 'Food', rollover: false, rolloverFrom: null }],
          historyOf(amounts, spending.map((s) => ({ expenseCents: s.expenseCents - s.refundCents, refundCents: 0 }))),
          0,
        );
        const line = withRefunds.lines[0]!;
        assert.equal(line.carriedCents, 0);
        assert.equal(line.availableCents, amounts.at(-1) ?? 0);
        assert.equal(line.remainingCents, netted.lines[0]!.remainingCents);
        assert.equal(line.spentCents, spending.at(-1)!.expenseCents - spending.at(-1)!.refundCents);
      }),
    );
  });

  test('totals cover budgeted lines; spending elsewhere and uncategorised is counted apart', () => {
    const history: BudgetHistory = {
      amount: (id, m) => (id === 1 && m === '2026-03' ? 10_000 : undefined),
      spending: (id) => (id === 1 ? { expenseCents: 12_550, refundCents: 550 } : { expenseCents: 700, refundCents: 0 }),
      firstBudgetMonth: (id) => (id === 1 ? '2026-03' : undefined),
    };
    const month = buildBudgetMonth('2026-03', [{ id: 1, name: 'Food', rollover: false, rolloverFrom: null }, { id: 2, name: 'Fun', rollover: false, rolloverFrom: null }], history, 300);
    assert.deepEqual(month.totals, {
      budgetedCents: 10_000,
      carriedCents: 0,
      availableCents: 10_000,
      spentCents: 12_000,
      remainingCents: -2_000,
      percentUsed: 120,
      over: true,
      unbudgetedSpentCents: 1_000,
    });
    assert.equal(month.lines[1]!.budgetedCents, null);
  });

  test('the percentage used never contradicts the state: 5.40 over 1,400.00 is 101%, 0.10 left of 1,400.00 is 99%, exactly spent is 100%', () => {
    const percentFor = (spentCents: number) =>
      buildBudgetMonth('2026-03', [{ id: 1, name: 'Food', rollover: false, rolloverFrom: null }], {
        amount: (id, m) => (id === 1 && m === '2026-03' ? 140_000 : undefined),
        spending: () => ({ expenseCents: spentCents, refundCents: 0 }),
        firstBudgetMonth: () => '2026-03',
      }, 0).lines[0]!.percentUsed;
    assert.equal(percentFor(140_540), 101);
    assert.equal(percentFor(139_990), 99);
    assert.equal(percentFor(140_000), 100);
    assert.equal(percentFor(70_000), 50);
    assert.equal(percentFor(175_000), 125);
    // Spending with nothing available is over, and says at least 101%, never 100% beside "over by".
    const nothingLeft = buildBudgetMonth('2026-03', [{ id: 1, name: 'Food', rollover: false, rolloverFrom: null }], {
      amount: (id, m) => (id === 1 && m === '2026-03' ? 0 : undefined),
      spending: () => ({ expenseCents: 3_000, refundCents: 0 }),
      firstBudgetMonth: () => '2026-03',
    }, 0).lines[0]!;
    assert.deepEqual([nothingLeft.availableCents, nothingLeft.percentUsed, nothingLeft.over], [0, 101, true]);
    // Less than nothing available (an overspend carried in): over, with or without spending this month.
    const carriedIn = (spentCents: number) =>
      buildBudgetMonth('2026-02', [{ id: 1, name: 'Food', rollover: true, rolloverFrom: '2026-01' }], historyOf2026([10_000, 10_000], [{ expenseCents: 25_000, refundCents: 0 }, { expenseCents: spentCents, refundCents: 0 }]), 0).lines[0]!;
    assert.deepEqual([carriedIn(1_000).availableCents, carriedIn(1_000).percentUsed, carriedIn(1_000).over], [-5_000, 101, true]);
    assert.deepEqual([carriedIn(0).percentUsed, carriedIn(0).over], [101, true]);
  });

  test('rollover ticked in a month left without an amount: that month is outside the budget, and its spending is not carried as well', () => {
    // January has an amount; March is where rollover was ticked, with no amount; April has one.
    const amounts = [10_000, null, null, 10_000];
    const spending = [{ expenseCents: 0, refundCents: 0 }, { expenseCents: 0, refundCents: 0 }, { expenseCents: 3_000, refundCents: 0 }, { expenseCents: 0, refundCents: 0 }];
    const food = [{ id: 1, name: 'Food', rollover: true, rolloverFrom: '2026-03' }];
    const march = buildBudgetMonth('2026-03', food, historyOf2026(amounts, spending), 0);
    assert.equal(march.lines[0]!.budgeted, false);
    assert.equal(march.totals.unbudgetedSpentCents, 3_000, 'counted once: outside the budget');
    const april = buildBudgetMonth('2026-04', food, historyOf2026(amounts, spending), 0).lines[0]!;
    assert.deepEqual([april.carriedCents, april.carriedFrom, april.availableCents], [0, null, 10_000], 'and not again as an overspend');
    // From the first month with an amount on, the chain carries as before.
    const may = buildBudgetMonth('2026-05', food, historyOf2026([...amounts, 10_000], [...spending, { expenseCents: 4_000, refundCents: 0 }]), 0).lines[0]!;
    assert.deepEqual([may.carriedCents, may.carriedFrom?.month], [10_000, '2026-04']);
  });

  test('an overspend keeps being carried through months without an amount until it is covered', () => {
    const amounts = [10_000, null, 5_000];
    const spending = [{ expenseCents: 15_000, refundCents: 0 }, { expenseCents: 0, refundCents: 0 }, { expenseCents: 0, refundCents: 0 }];
    const line = buildBudgetMonth('2026-01', [{ id: 1, name: 'Food', rollover: true, rolloverFrom: '0000-01' }], historyOf(amounts, spending), 0).lines[0]!;
    assert.equal(line.carriedCents, -5_000);
    assert.equal(line.availableCents, 0);
    assert.equal(line.over, false);
  });
});
