import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { horizontalBarsChart, monthlyBarsChart, monthlyLineChart, valueScale, type ChartFormats } from '../../src/web/charts.ts';
import { chartMarkup } from '../../src/web/chart-markup.ts';
import { MAX_AMOUNT_CENTS } from '../../src/domain/money.ts';
import { addMonths, createDayFormatter } from '../../src/domain/calendar.ts';

const formats: ChartFormats = {
  money: (c) => `$${(c / 100).toFixed(2)}`,
  axisMoney: (ticks) => ticks.map((c) => `$${c / 100}`),
  shortMonth: (m) => m.slice(5),
  longMonth: (m) => m,
  // Inside a tooltip's phrase, the month as the language writes it there (lower case in Ukrainian).
  monthInText: (m) => `in ${m}`,
};

/** Axis months as the pages write them in English: January by its year, others by a short name. */
const englishDays = createDayFormatter('en-US');
const yearFormats: ChartFormats = { ...formats, shortMonth: (m) => englishDays.formatAxisMonth(m) };

describe('chart scales and ticks', () => {
  test('twelve months on the axis are all named, in English and Ukrainian, January by its year', () => {
    for (const [locale, expected] of [
      ['en-US', ['Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', '2026', 'Feb', 'Mar', 'Apr', 'May', 'Jun']],
      ['uk-UA', ['лип.', 'серп.', 'вер.', 'жовт.', 'лист.', 'груд.', '2026', 'лют.', 'бер.', 'квіт.', 'трав.', 'черв.']],
    ] as const) {
      const days = createDayFormatter(locale);
      const chart = monthlyBarsChart({
        id: 'c',
        title: 'T',
        description: 'D',
        months: Array.from({ length: 12 }, (_, i) => ({ month: addMonths('2025-07', i), incomeCents: 100, expenseCents: 50 })),
        formats: { ...formats, shortMonth: (m) => days.formatAxisMonth(m) },
        labels: { income: 'Income', expenses: 'Expenses', month: 'Month' },
      });
      assert.deepEqual(chart.bandTicks.map((t) => t.label), expected, locale);
      // A column heading keeps the month with its year.
      assert.equal(days.formatShortMonth('2026-01'), locale === 'en-US' ? 'Jan 2026' : 'січ. 2026 р.');
    }
  });

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
    assert.equal(exp1!.tooltip, 'Expenses, in 2026-01: $500.00');
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

describe('the chart markup', () => {
  const words = { noData: 'No data', showNumbers: 'Show the numbers', tableCaption: (title: string) => `Numbers of ${title}` };

  test('category names are escaped in the SVG text, tooltips and table; no style attribute is written', () => {
    const name = '<script>alert("x")</script> & Co\'s';
    const chart = horizontalBarsChart({ id: 'h', title: 'Spend <b>', description: 'D & more', rows: [{ name, cents: 1_000, note: '100%' }, { name: 'Rent & <i>', cents: 500 }], formats, labels: { name: 'Name', amount: 'Amount', note: 'Share' } });
    const html = chartMarkup(chart, words);
    assert.doesNotMatch(html, /<script>|<b>|<i>/);
    // The tooltip and the table cell each carry the whole name, escaped; the drawn label is cut.
    assert.equal(html.split('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co&#39;s').length - 1, 2);
    assert.match(html, /<title>Rent &amp; &lt;i&gt;: \$5\.00<\/title>/);
    assert.match(html, /<title id="h-title">Spend &lt;b&gt;<\/title><desc id="h-desc">D &amp; more<\/desc>/);
    assert.match(html, /<caption>Numbers of Spend &lt;b&gt;<\/caption>/);
    assert.doesNotMatch(html, /\sstyle=/);
    assert.match(html, /^<figure class="chart" aria-labelledby="h-title"><svg class="chart__svg" viewBox="0 0 640 \d+" role="img" aria-labelledby="h-title h-desc"/);
  });

  test("a bar chart's names and last tick fit the drawing at a phone's type size (21 units, 0.6 em a character)", () => {
    const phoneWidth = (text: string) => [...text].length * 21 * 0.6;
    for (const name of ['All other categories', 'Інші категорії', 'Rent']) {
      const chart = horizontalBarsChart({ id: 'h', title: 'T', description: 'D', rows: [{ name, cents: 250_000 }, { name: 'Food', cents: 1_000 }], formats, labels: { name: 'Name', amount: 'Amount' } });
      for (const label of chart.labels) assert.ok(label.x - phoneWidth(label.text) >= 0, `"${label.text}" starts at ${label.x - phoneWidth(label.text)}`);
      const last = chart.valueTicks.at(-1)!;
      assert.ok(last.at + phoneWidth(last.label) / 2 <= chart.width, `the last tick "${last.label}" ends at ${last.at + phoneWidth(last.label) / 2} of ${chart.width}`);
    }
  });

  test("a budget's line stands where its track ends: an overspent bar crosses it, one with money left stops short; the legend names both", () => {
    const legend = [{ className: 'chart__key--budget', label: 'Spent' }, { className: 'chart__key--limit', label: 'Budget' }];
    const chart = horizontalBarsChart({
      id: 'b',
      title: 'T',
      description: 'D',
      rows: [
        { name: 'Food', cents: 12_000, trackCents: 10_000, className: 'chart__bar--over' },
        { name: 'Fun', cents: 4_000, trackCents: 10_000, className: 'chart__bar--budget' },
        { name: 'Other', cents: 2_000 },
      ],
      formats,
      labels: { name: 'Name', amount: 'Amount' },
      legend,
    });
    const limits = chart.bars.filter((b) => b.className === 'chart__limit');
    assert.equal(limits.length, 2, 'one line a budgeted row; none for a row without a track');
    const [over, within] = [chart.bars.find((b) => b.className === 'chart__bar--over')!, chart.bars.find((b) => b.className === 'chart__bar--budget')!];
    const track = chart.bars.find((b) => b.className === 'chart__bar--track')!;
    assert.ok(Math.abs(limits[0]!.x + 1 - (track.x + track.width)) < 0.2, 'the line is at the end of the track');
    assert.ok(over.x + over.width > limits[0]!.x + limits[0]!.width, 'the overspent bar crosses its line');
    assert.ok(within.x + within.width < limits[1]!.x, 'the bar with money left stops short of its line');
    assert.ok(limits[0]!.height > over.height, 'the line stands out of the row');
    assert.deepEqual(chart.legend, legend);
    const html = chartMarkup(chart, words);
    assert.match(html, /class="chart__key chart__key--limit">Budget</);
    assert.deepEqual(horizontalBarsChart({ id: 'e', title: 'T', description: 'D', rows: [], formats, labels: { name: 'N', amount: 'A' }, legend }).legend, [], 'no keys for an empty chart');
  });

  test('a page that lists the numbers itself gets no table; an empty chart says so', () => {
    const empty = horizontalBarsChart({ id: 'e', title: 'T', description: 'D', rows: [], formats, labels: { name: 'Name', amount: 'Amount' } });
    assert.doesNotMatch(chartMarkup(empty, words, { showTable: false }), /<table/);
    assert.match(chartMarkup(empty, words), /<text class="chart__empty"[^>]*>No data<\/text>[\s\S]*<table/);
  });

  test("month names never overlap: a long name (Ukrainian January with its year) names every second month, the latest always", () => {
    const uk = ['січ. 26 р.', 'лют.', 'бер.', 'квіт.', 'трав.', 'черв.', 'лип.', 'серп.', 'вер.', 'жовт.', 'лист.', 'груд.'];
    const months = uk.map((_, i) => ({ month: `2026-${String(i + 1).padStart(2, '0')}`, incomeCents: 100, expenseCents: 50 }));
    const ukFormats: ChartFormats = { ...formats, shortMonth: (m) => uk[Number(m.slice(5)) - 1]! };
    // Desktop: 11 units a character's em, 0.6 em a character; phone: 21 units, only the major ticks.
    const clear = (shown: readonly { at: number; label: string }[], em: number) =>
      shown.every((tick, i) => i === 0 || tick.at - shown[i - 1]!.at >= Math.max([...tick.label].length, [...shown[i - 1]!.label].length) * em * 0.6);
    for (const count of [12, 6, 3]) {
      const chart = monthlyBarsChart({ id: 'm', title: 'T', description: 'D', months: months.slice(-count), formats: ukFormats, labels: { income: 'In', expenses: 'Out', month: 'Month' } });
      const ticks = chart.bandTicks;
      assert.equal(ticks.at(-1)!.label, 'груд.', 'the latest month is named');
      assert.ok(clear(ticks, 11), `${count} months on a desktop: ${ticks.map((t) => `${t.label}@${t.at}`).join(', ')}`);
      assert.ok(clear(ticks.filter((t) => !t.minor), 21), `${count} months on a phone`);
    }
    // A line over ten years (a category's trend) names at most eight months, none overlapping.
    const years = Array.from({ length: 120 }, (_, i) => ({ month: `${2017 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`, cents: i * 100 }));
    const trend = monthlyLineChart({ id: 't', title: 'T', description: 'D', points: years, formats: ukFormats, labels: { value: 'V', month: 'M' } });
    assert.ok(trend.bandTicks.length <= 8 && trend.bandTicks.at(-1)!.label === 'груд.');
    assert.ok(clear(trend.bandTicks, 11), `ten years: ${trend.bandTicks.map((t) => `${t.label}@${t.at}`).join(', ')}`);
    const all = monthlyBarsChart({ id: 'm', title: 'T', description: 'D', months: months.slice(-3), formats: ukFormats, labels: { income: 'In', expenses: 'Out', month: 'Month' } });
    assert.deepEqual(all.bandTicks.map((t) => t.label), ['жовт.', 'лист.', 'груд.'], 'with room, every month is named');
  });

  test('amounts along a bar chart never run together: on a phone every other one is left out when they would', () => {
    const hryvnias: ChartFormats = { ...formats, axisMoney: (ticks) => ticks.map((c) => `${c / 100_000} тис. ₴`) };
    for (const top of [250_000, 1_000_000, 60_000_000]) {
      const chart = horizontalBarsChart({ id: 'h', title: 'T', description: 'D', rows: [{ name: 'Продукти', cents: top }, { name: 'Подарунки та благодійність', cents: 1_000 }], formats: hryvnias, labels: { name: 'N', amount: 'A' } });
      const width = (label: string, em: number) => [...label].length * em * 0.6;
      const clear = (shown: readonly { at: number; label: string }[], em: number) =>
        shown.every((tick, i) => i === 0 || tick.at - shown[i - 1]!.at >= (width(tick.label, em) + width(shown[i - 1]!.label, em)) / 2);
      assert.ok(chart.valueTicks.length >= 2);
      assert.ok(clear(chart.valueTicks, 11), `desktop, ${top}: ${chart.valueTicks.map((t) => `${t.label}@${t.at}`).join(', ')}`);
      assert.ok(clear(chart.valueTicks.filter((t) => !t.minor), 21), `phone, ${top}: ${chart.valueTicks.filter((t) => !t.minor).map((t) => `${t.label}@${t.at}`).join(', ')}`);
    }
  });

  test('every other month tick is minor, the latest shown (unless it would hide the only year), so a phone can draw them larger; January, which names the year, never is', () => {
    const months = Array.from({ length: 12 }, (_, i) => ({ month: `2026-${String(i + 1).padStart(2, '0')}`, incomeCents: 100, expenseCents: 50 }));
    const chart = monthlyBarsChart({ id: 'm', title: 'T', description: 'D', months, formats, labels: { income: 'In', expenses: 'Out', month: 'Month' } });
    // Counted back from December, January would be minor: it shows, and February beside it does not.
    assert.deepEqual(chart.bandTicks.filter((t) => !t.minor).map((t) => t.label), ['01', '04', '06', '08', '10', '12']);
    const html = chartMarkup(chart, words);
    assert.equal(html.split('class="chart__minor"').length - 1, 6);
    // Twelve months from July: January in the middle shows on a phone, its neighbours give way.
    const fromJuly = monthlyBarsChart({ id: 'm', title: 'T', description: 'D', months: months.map((m, i) => ({ ...m, month: addMonths('2025-07', i) })), formats, labels: { income: 'In', expenses: 'Out', month: 'Month' } });
    assert.deepEqual(fromJuly.bandTicks.filter((t) => !t.minor).map((t) => t.label), ['08', '10', '01', '04', '06']);
  });

  test('a long axis names years alone, every so many, and the latest month; a phone sees a year whenever one can show', () => {
    const line = (first: string, length: number) =>
      monthlyLineChart({ id: 't', title: 'T', description: 'D', points: Array.from({ length }, (_, i) => ({ month: addMonths(first, i), cents: i })), formats: yearFormats, labels: { value: 'V', month: 'Month' } });
    // Ten years: a year every two, then December; 2024 gives way to December beside it.
    assert.deepEqual(line('2015-01', 120).bandTicks.map((t) => t.label), ['2016', '2018', '2020', '2022', 'Dec']);
    // Twenty years: every third year.
    assert.deepEqual(line('2005-01', 240).bandTicks.map((t) => t.label), ['2006', '2009', '2012', '2015', '2018', '2021', 'Dec']);
    // Thirty months: counted from the last, both Januaries would be minor on a phone; the newer one shows.
    const thirty = line('2020-01', 30).bandTicks;
    assert.ok(thirty.some((t) => t.yearStart && !t.minor), thirty.map((t) => t.label + (t.minor ? '(m)' : '')).join(' '));
  });

  test('an axis whose only January is the month before the latest still says its year: beside the latest on a desktop, instead of it on a phone', () => {
    // A year's trend to February: every second month is named, counted back from February, so January was not.
    const trend = monthlyLineChart({ id: 't', title: 'T', description: 'D', points: Array.from({ length: 13 }, (_, i) => ({ month: addMonths('2026-02', i), cents: i })), formats: yearFormats, labels: { value: 'V', month: 'Month' } });
    assert.deepEqual(trend.bandTicks.map((t) => t.label), ['Feb', 'Apr', 'Jun', 'Aug', 'Oct', '2027', 'Feb']);
    assert.ok(trend.bandTicks.some((t) => t.yearStart && !t.minor), 'a phone sees the year');
    // The dashboard's twelve months to February: every month fits a desktop; a phone, every other one, has no room for
    // January beside February, and shows January.
    const bars = monthlyBarsChart({ id: 'm', title: 'T', description: 'D', months: Array.from({ length: 12 }, (_, i) => ({ month: addMonths('2026-03', i), incomeCents: 100, expenseCents: 50 })), formats: yearFormats, labels: { income: 'In', expenses: 'Out', month: 'Month' } });
    assert.equal(bars.bandTicks.length, 12);
    assert.deepEqual(bars.bandTicks.filter((t) => !t.minor).map((t) => t.label), ['Mar', 'May', 'Jul', 'Sep', 'Nov', '2027']);
    // Where January is not next to the latest, the latest still shows on a phone.
    const toMarch = monthlyBarsChart({ id: 'm', title: 'T', description: 'D', months: Array.from({ length: 12 }, (_, i) => ({ month: addMonths('2026-04', i), incomeCents: 100, expenseCents: 50 })), formats: yearFormats, labels: { income: 'In', expenses: 'Out', month: 'Month' } });
    assert.equal(toMarch.bandTicks.filter((t) => !t.minor).at(-1)!.label, 'Mar');
    assert.ok(toMarch.bandTicks.some((t) => t.yearStart && !t.minor));
  });

  test('thinned month ticks keep each January, and the latest month, so a long axis still says its years', () => {
    // Eighteen months of a trend, every third named: counted back from June 2026, neither January would be.
    const points = Array.from({ length: 18 }, (_, i) => ({ month: addMonths('2025-01', i), cents: 100 * i }));
    const chart = monthlyLineChart({ id: 't', title: 'T', description: 'D', points, formats, labels: { value: 'V', month: 'Month' } });
    const labels = chart.bandTicks.map((t) => t.label);
    assert.ok(labels.includes('01') && labels.filter((l) => l === '01').length === 2, labels.join(' '));
    assert.equal(labels.at(-1), '06', 'the latest month');
    // No two named months closer than the thinning allows.
    const at = chart.bandTicks.map((t) => t.at);
    const step = (at.at(-1)! - at[0]!) / (labels.length > 1 ? 17 : 1);
    for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= step * 2.9, `${labels[i - 1]} and ${labels[i]} too close`);
  });
});
