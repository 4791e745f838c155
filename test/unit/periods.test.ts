import { english, ukrainian } from '../helpers/i18n.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adjacentPeriods, parsePeriod, periodDays, periodMonths, periodParam } from '../../src/domain/periods.ts';
import { periodAfterDot, periodInText, periodLabel } from '../../src/web/pages/dashboard-page.ts';

describe('periods', () => {
  test('no period, or an unreadable one, means the month containing today', () => {
    for (const raw of [undefined, '', 'soon', '2026-13', '2026-1', '1899', '3000-01', ['2026']]) {
      assert.deepEqual(parsePeriod(raw, '2026-11-25'), { kind: 'month', month: '2026-11' }, String(raw));
    }
  });

  test('a month, a year and all time are read from the query string and written back the same way', () => {
    for (const raw of ['2026-01', '2026', 'all']) assert.equal(periodParam(parsePeriod(raw, '2026-11-25')), raw);
  });

  test('a period covers whole months, and all time covers every month', () => {
    assert.deepEqual(periodMonths({ kind: 'month', month: '2026-02' }), { from: '2026-02', to: '2026-02' });
    assert.deepEqual(periodMonths({ kind: 'year', year: '2025' }), { from: '2025-01', to: '2025-12' });
    const all = periodMonths({ kind: 'all' });
    assert.ok(all.from < '1900-01' && all.to > '2999-12');
  });

  test('previous and next cross year boundaries and stop at the supported years', () => {
    assert.deepEqual(adjacentPeriods({ kind: 'month', month: '2026-01' }), {
      previous: { kind: 'month', month: '2025-12' },
      next: { kind: 'month', month: '2026-02' },
    });
    assert.deepEqual(adjacentPeriods({ kind: 'month', month: '2025-12' }).next, { kind: 'month', month: '2026-01' });
    assert.equal(adjacentPeriods({ kind: 'month', month: '1900-01' }).previous, null);
    assert.equal(adjacentPeriods({ kind: 'year', year: '2999' }).next, null);
    assert.deepEqual(adjacentPeriods({ kind: 'all' }), { previous: null, next: null });
  });

  test('labels name the month, the year or all time, in the page language', () => {
    assert.equal(periodLabel({ kind: 'month', month: '2026-11' }, english), 'November 2026');
    assert.equal(periodLabel({ kind: 'year', year: '2026' }, english), '2026');
    assert.equal(periodLabel({ kind: 'all' }, english), 'All time');
    assert.equal(periodLabel({ kind: 'month', month: '2026-11' }, ukrainian), 'Листопад 2026 р.');
    assert.equal(periodLabel({ kind: 'all' }, ukrainian), 'Увесь час');
  });

  test('inside a sentence and after a heading\'s "·" a period is written in lower case where the language does so', () => {
    const month = { kind: 'month', month: '2026-12' } as const;
    const year = { kind: 'year', year: '2026' } as const;
    const all = { kind: 'all' } as const;
    assert.deepEqual([month, year, all].map((p) => periodInText(p, ukrainian)), ['грудень 2026 р.', '2026 р.', 'весь час']);
    assert.deepEqual([month, year, all].map((p) => periodAfterDot(p, ukrainian)), ['грудень 2026 р.', '2026', 'увесь час']);
    assert.deepEqual([month, year, all].map((p) => periodInText(p, english)), ['December 2026', '2026', 'all time']);
    assert.deepEqual([month, year, all].map((p) => periodAfterDot(p, english)), ['December 2026', '2026', 'All time']);
    assert.equal(ukrainian.t('charts.spending.description', { period: periodInText(all, ukrainian) }).includes('за весь час'), true);
  });

  test('a period spans its first to its last day, leap years included; all time has no bounds', () => {
    assert.deepEqual(periodDays({ kind: 'month', month: '2024-02' }), { from: '2024-02-01', to: '2024-02-29' });
    assert.deepEqual(periodDays({ kind: 'year', year: '2026' }), { from: '2026-01-01', to: '2026-12-31' });
    assert.equal(periodDays({ kind: 'all' }), undefined);
  });
});

test('top categories are shares of what the listed categories spent: a category whose refunds outweigh its spending never pushes the others past 100%', async () => {
  const { summarisePeriod } = await import('../../src/domain/reports.ts');
  // Uncategorised spending of 42.00; Groceries 10.00 spent and 20.00 refunded: expenses in all 32.00.
  const summary = summarisePeriod(
    [
      { type: 'expense', categoryId: null, cents: 4_200 },
      { type: 'expense', categoryId: 1, cents: 1_000 },
      { type: 'income', categoryId: 1, cents: 2_000 },
    ],
    new Map([[1, 'Groceries']]),
    new Set([1]),
  );
  assert.equal(summary.expenseCents, 3_200);
  assert.deepEqual(summary.topExpenses.map((c) => [c.name, c.cents, c.percent]), [[null, 4_200, 100]]);
  const plain = summarisePeriod([{ type: 'expense', categoryId: null, cents: 3_000 }, { type: 'expense', categoryId: 1, cents: 1_000 }], new Map([[1, 'Groceries']]));
  assert.deepEqual(plain.topExpenses.map((c) => c.percent), [75, 25], 'without refunds, shares of all expenses as before');
});
