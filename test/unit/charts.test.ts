import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import ejs from 'ejs';
import { horizontalBarsChart, monthlyBarsChart, monthlyLineChart, valueScale, type ChartFormats } from '../../src/web/charts.ts';
import { MAX_AMOUNT_CENTS } from '../../src/domain/money.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

const formats: ChartFormats = {
  money: (c) => `$${(c / 100).toFixed(2)}`,
  axisMoney: (c) => `$${c / 100}`,
  shortMonth: (m) => m.slice(5),
  longMonth: (m) => m,
};

describe('chart scales and ticks', () => {
  test('an empty or all-zero series still has an axis from zero up, with round ticks', () => {
    for (const values of [[], [0, 0, 0]]) {
      const { ticks, min, max } = valueScale(values, [200, 0]);
      assert.equal(min, 0);
      assert.ok(max > 0);
      assert.equal(ticks[0], 0);
      assert.ok(ticks.length >= 2);
    }
  });

  test('negative values put zero inside the axis, and every value falls within it', () => {
    const { scale, ticks, min, max } = valueScale([-125_000, 40_000, 310_000], [200, 0]);
    assert.ok(min <= -125_000 && max >= 310_000);
    assert.ok(ticks.includes(0));
    assert.ok(scale(0) > 0 && scale(0) < 200);
  });

  test('amounts near the 10^11-cent cap get sensible ticks and stay inside the plot', () => {
    const { scale, ticks, max } = valueScale([MAX_AMOUNT_CENTS, MAX_AMOUNT_CENTS - 1], [200, 0]);
    assert.ok(max >= MAX_AMOUNT_CENTS);
    assert.ok(ticks.length >= 2 && ticks.length <= 12);
    assert.ok(ticks.every((t) => Number.isSafeInteger(t)));
    assert.ok(scale(MAX_AMOUNT_CENTS) >= 0);
  });

  test('monthly bars: one income and one expense bar per month, heights proportional, zero-height for zero', () => {
    const chart = monthlyBarsChart({
      id: 'c',
      title: 'T',
      description: 'D',
      months: [
        { month: '2026-01', incomeCents: 100_000, expenseCents: 50_000 },
        { month: '2026-02', incomeCents: 0, expenseCents: 25_000 },
      ],
      formats,
      labels: { income: 'Income', expenses: 'Expenses', month: 'Month' },
    });
    assert.equal(chart.bars.length, 4);
    const [inc1, exp1, inc2, exp2] = chart.bars;
    assert.equal(inc2!.height, 0);
    assert.ok(Math.abs(exp1!.height / inc1!.height - 0.5) < 0.02);
    assert.ok(Math.abs(exp2!.height / exp1!.height - 0.5) < 0.04);
    assert.equal(exp1!.tooltip, 'Expenses, 2026-01: $500.00');
    assert.deepEqual(chart.table.rows[1], ['2026-02', '$0.00', '$250.00']);
    assert.equal(chart.empty, false);
  });

  test('a single month and an empty series both draw, the latter marked empty', () => {
    const one = monthlyLineChart({ id: 'l', title: 'T', description: 'D', points: [{ month: '2026-03', cents: -5_000 }], formats, labels: { value: 'V', month: 'M' } });
    assert.equal(one.points.length, 1);
    assert.match(one.paths[0]!.d, /^M[\d.]+,[\d.]+Z?$/);
    const none = monthlyLineChart({ id: 'l', title: 'T', description: 'D', points: [], formats, labels: { value: 'V', month: 'M' } });
    assert.equal(none.empty, true);
    assert.deepEqual(none.paths, []);
  });
});

describe('the chart partial', () => {
  test('category names are escaped in the SVG text, tooltips and table; no style attribute is written', async () => {
    const name = '<script>alert("x")</script> & Co\'s';
    const chart = horizontalBarsChart({ id: 'h', title: 'Spend <b>', description: 'D & more', rows: [{ name, cents: 1_000, note: '100%' }], formats, labels: { name: 'Name', amount: 'Amount', note: 'Share' } });
    const html = await ejs.renderFile(path.join(REPO_ROOT, 'views', 'partials', 'chart.ejs'), { chart, t: (key: string, v?: Record<string, string>) => `${key}:${v?.chart ?? ''}` }, { root: path.join(REPO_ROOT, 'views') });
    assert.doesNotMatch(html, /<script>|<b>/);
    assert.match(html, /&lt;script&gt;alert\(&#34;x&#34;\)&lt;\/script&gt; &amp; Co&#39;s/);
    assert.match(html, /<title id="h-title">Spend &lt;b&gt;<\/title>/);
    assert.doesNotMatch(html, /\sstyle=/);
    assert.match(html, /<svg class="chart__svg" viewBox="0 0 640 \d+" role="img" aria-labelledby="h-title h-desc"/);
  });
});
