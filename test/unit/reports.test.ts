import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { averagedMonths, changeBetween, monthlyAverageCents } from '../../src/domain/reports.ts';

test('a monthly average is a whole cent, rounded half away from zero, negative for a net refund', () => {
  assert.equal(monthlyAverageCents(5, 2), 3, '2.5 cents is 3');
  assert.equal(monthlyAverageCents(-5, 2), -3);
  assert.equal(monthlyAverageCents(-7, 3), -2);
  assert.equal(monthlyAverageCents(4, 3), 1);
  assert.equal(monthlyAverageCents(0, 4), 0);
  assert.equal(monthlyAverageCents(100, 0), 0, 'no months, no average');
  // Against exact rational arithmetic on integers.
  fc.assert(fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: 1, max: 240 }), (total, months) => {
    const average = monthlyAverageCents(total, months);
    // |total - average x months| is at most half of `months`, and a tie rounds away from zero.
    const off = total - average * months;
    return 2 * Math.abs(off) <= months && (2 * Math.abs(off) !== months || Math.sign(off) !== Math.sign(total) || off === 0);
  }));
});

test("a change's percent is of the size of the amount before: from a net of -1,000.00 to +500.00 is +150%", () => {
  assert.deepEqual(changeBetween(50_000, -100_000), { currentCents: 50_000, previousCents: -100_000, changeCents: 150_000, percent: 150 });
  assert.deepEqual(changeBetween(-50_000, 100_000), { currentCents: -50_000, previousCents: 100_000, changeCents: -150_000, percent: -150 });
  assert.equal(changeBetween(10_000, 0).percent, null, 'from nothing: new, no percent');
  // Half a percent rounds away from zero both ways; under half is 0 (the page says "<1%"), never -0.
  assert.equal(changeBetween(9_950, 10_000).percent, -1);
  assert.equal(changeBetween(10_050, 10_000).percent, 1);
  assert.ok(Object.is(changeBetween(9_990, 10_000).percent, 0));
});

test('averages are of the months that have ended, from the first with income or expenses on', () => {
  const year = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
  assert.deepEqual(averagedMonths(year, '2026-07', null), { from: 6, to: 6 }, 'nothing recorded: no month to average');
  assert.deepEqual(averagedMonths(year, '2026-07', '2025-11'), { from: 0, to: 6 }, 'records from before the range: every month');
  assert.deepEqual(averagedMonths(year, '2026-07', '2026-04'), { from: 3, to: 6 }, 'from April on');
  assert.deepEqual(averagedMonths(year, '2026-05', '2026-02'), { from: 1, to: 4 }, 'February to April: May is running');
  assert.deepEqual(averagedMonths(year, '2026-04', '2026-04'), { from: 3, to: 3 }, 'the first month still running: none');
  assert.deepEqual(averagedMonths(year, '2026-03', '2026-05'), { from: 2, to: 2 }, 'records that start after today: none');
  assert.deepEqual(averagedMonths(year, '2025-12', null), { from: 0, to: 0 }, 'a range still to come');
});
