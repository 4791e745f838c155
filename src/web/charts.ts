/**
 * Charts drawn on the server as SVG, read without any script: the builders here turn series in cents into a model
 * of marks and axis ticks (positions from d3-scale, paths from d3-shape), and web/chart-markup.ts writes it
 * out with presentation attributes and classes only, so the strict CSP needs no change. Colours come from CSS
 * custom properties on the classes, so light and dark themes both apply. Every chart carries a title, a
 * description and a table of the same numbers.
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';

/** The drawing area: the viewBox is WIDTH x height; the SVG scales to its container. */
const WIDTH = 640;
const MARGIN = { top: 12, right: 12, bottom: 34, left: 64 } as const;

/** A tick on an axis: where (in SVG units along the axis) and what it says. */
export interface AxisTick {
  readonly at: number;
  readonly label: string;
  /** Hidden on narrow screens, where the text is drawn larger and every other tick makes room for it. */
  readonly minor?: boolean;
  /** January, named by its year: kept when months are thinned, and shown on a phone, so an axis always says its year. */
  readonly yearStart?: boolean;
}

/** A rectangle mark with its tooltip. */
export interface BarMark {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly className: string;
  readonly tooltip: string;
}

/** A point on a line, with its tooltip (drawn as a small circle, the hover target). */
export interface PointMark {
  readonly cx: number;
  readonly cy: number;
  readonly tooltip: string;
}

/** A text label drawn inside the plot (the category names of a horizontal bar chart). */
export interface TextMark {
  readonly x: number;
  readonly y: number;
  readonly text: string;
  readonly anchor: 'start' | 'end';
}

/** Everything the chart partial needs to draw one chart and its table. */
export interface ChartModel {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  /** Value ticks: on the y axis (horizontal grid lines) or, for horizontal bars, the x axis. */
  readonly valueTicks: AxisTick[];
  readonly valueAxis: 'y' | 'x';
  /** Category or date ticks along the other axis. */
  readonly bandTicks: AxisTick[];
  readonly bars: BarMark[];
  readonly paths: { readonly d: string; readonly className: string }[];
  readonly points: PointMark[];
  readonly labels: TextMark[];
  /** Where zero is on the value axis, when it lies inside the plot. */
  readonly zeroAt: number | null;
  readonly legend: { readonly className: string; readonly label: string }[];
  readonly empty: boolean;
  readonly table: { readonly head: string[]; readonly rows: string[][] };
}

/** How a chart writes amounts and dates, in the page's language. */
export interface ChartFormats {
  /** Exact, for tooltips and tables: "$1,234.50". */
  readonly money: (cents: number) => string;
  /** The labels of one axis's ticks, written together so they agree on their decimals: "$0", "$500", "$1.5K". */
  readonly axisMoney: (ticks: readonly number[]) => string[];
  /** A YYYY-MM month, short, for axis ticks: "Mar". */
  readonly shortMonth: (month: string) => string;
  /** A YYYY-MM month, long, standing alone (a table's cell, the start of a tooltip): "March 2026". */
  readonly longMonth: (month: string) => string;
  /** The same month inside a phrase ("Income, March 2026: …"), as the language writes it there (lower case in Ukrainian). */
  readonly monthInText: (month: string) => string;
}

/**
 * A value scale over cents that always includes zero and has round ticks; an all-zero (or empty) series still gets
 * a small positive domain, so an empty chart draws its axis instead of dividing by zero.
 */
export function valueScale(values: readonly number[], range: [number, number], tickCount = 5) {
  let min = Math.min(0, ...values);
  let max = Math.max(0, ...values);
  if (min === max) max = 100_00;
  const scale = scaleLinear().domain([min, max]).range(range).nice(tickCount);
  [min, max] = scale.domain() as [number, number];
  return { scale, ticks: scale.ticks(tickCount), min, max };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Room for the value labels left of a plot: the longest label at the type size of a phone (21 units, charts.css),
 * where the SVG is drawn at half size and its text set twice as large, at 0.6 em a character. A fixed margin cut
 * off Ukrainian labels ("-500 тис. $") and with them the minus sign.
 */
function valueLabelRoom(labels: readonly string[]): number {
  return Math.max(MARGIN.left, phoneTextWidth(labels) + 8);
}

/** Width of the longest label at a phone's type size (see valueLabelRoom), in the chart's units. */
function phoneTextWidth(labels: readonly string[]): number {
  const longest = labels.reduce((most, label) => Math.max(most, [...label].length), 0);
  return Math.ceil(longest * 21 * 0.6);
}

/** Characters a name may keep in a horizontal bar chart's label column (see horizontalBarsChart). */
const BAR_LABEL_CHARS = 20;
/** The widest that column may be: the rest of the width is the bars'. */
const BAR_LABEL_MAX_WIDTH = Math.ceil(BAR_LABEL_CHARS * 21 * 0.6) + 8;

/** Grouped bars per month: income and expenses side by side for each month, oldest first. */
export function monthlyBarsChart(options: {
  id: string;
  title: string;
  description: string;
  months: readonly { month: string; incomeCents: number; expenseCents: number }[];
  formats: ChartFormats;
  labels: { income: string; expenses: string; month: string };
  height?: number;
}): ChartModel {
  const { months, formats, labels } = options;
  const height = options.height ?? 240;
  const values = months.flatMap((m) => [m.incomeCents, m.expenseCents]);
  const { scale: y, ticks } = valueScale(values, [height - MARGIN.bottom, MARGIN.top]);
  const valueTicks = axisTicks(ticks, y, formats);
  const plot = { left: valueLabelRoom(valueTicks.map((t) => t.label)), top: MARGIN.top, right: WIDTH - MARGIN.right, bottom: height - MARGIN.bottom };
  const x = scaleBand<string>().domain(months.map((m) => m.month)).range([plot.left, plot.right]).paddingInner(0.25).paddingOuter(0.1);
  const inner = scaleBand<string>().domain(['income', 'expense']).range([0, x.bandwidth()]).padding(0.08);
  const bars: BarMark[] = [];
  const rows: string[][] = [];
  const barWidth = round1(inner.bandwidth());
  const offset = { income: inner('income') ?? 0, expense: inner('expense') ?? 0 };
  for (const m of months) {
    // Each month and amount is written once, for the tooltips and the table alike.
    const name = formats.longMonth(m.month);
    const inText = formats.monthInText(m.month);
    const texts = { income: formats.money(m.incomeCents), expense: formats.money(m.expenseCents) };
    rows.push([name, texts.income, texts.expense]);
    const start = x(m.month) ?? 0;
    for (const [kind, cents, label] of [['income', m.incomeCents, labels.income], ['expense', m.expenseCents, labels.expenses]] as const) {
      const top = y(Math.max(cents, 0));
      const bottom = y(Math.min(cents, 0));
      bars.push({
        x: round1(start + offset[kind]),
        y: round1(top),
        width: barWidth,
        height: round1(Math.max(bottom - top, cents === 0 ? 0 : 1)),
        className: kind === 'income' ? 'chart__bar--income' : 'chart__bar--expense',
        tooltip: `${label}, ${inText}: ${texts[kind]}`,
      });
    }
  }
  return {
    id: options.id,
    title: options.title,
    description: options.description,
    width: WIDTH,
    height,
    plot,
    valueTicks,
    valueAxis: 'y',
    // Every month is named when its name fits its band at the desktop's type size; otherwise every second or third,
    // counted back from the latest, which is always named. Twelve short names fit, in English and Ukrainian, January
    // being named by its year alone (calendar.ts formatAxisMonth).
    bandTicks: alternateMinor(everyNth(
      months.map((m) => ({ at: round1((x(m.month) ?? 0) + x.bandwidth() / 2), label: formats.shortMonth(m.month), yearStart: m.month.endsWith('-01') })),
      x.step(),
      months.length <= 12 ? 1 : 2,
    )),
    bars,
    paths: [],
    points: [],
    labels: [],
    zeroAt: round1(y(0)),
    legend: [
      { className: 'chart__key--income', label: labels.income },
      { className: 'chart__key--expense', label: labels.expenses },
    ],
    empty: values.every((v) => v === 0),
    table: { head: [labels.month, labels.income, labels.expenses], rows },
  };
}

/** Horizontal bars, one per named row (categories), largest first as given, with the amount and share in the tooltip. */
export function horizontalBarsChart(options: {
  id: string;
  title: string;
  description: string;
  rows: readonly { name: string; cents: number; note?: string; className?: string; trackCents?: number }[];
  formats: ChartFormats;
  labels: { name: string; amount: string; note?: string };
  /** Keys for the bars' kinds, under the drawing (a budget's: spent, and the line where the budget ends). */
  legend?: ChartModel['legend'];
}): ChartModel {
  const { rows, formats } = options;
  const rowHeight = 28;
  // Room for the names as a phone draws them (twice the type size in a half-size drawing): a fixed 150 cut "All other
  // categories" to "l other categories". Names are cut to BAR_LABEL_CHARS for the drawing (the table has them whole).
  const names = rows.map((r) => clip(r.name, BAR_LABEL_CHARS));
  const labelWidth = Math.min(BAR_LABEL_MAX_WIDTH, Math.max(150, phoneTextWidth(names) + 8));
  const height = MARGIN.top + Math.max(rows.length, 1) * rowHeight + MARGIN.bottom;
  const values = rows.flatMap((r) => [r.cents, r.trackCents ?? 0]);
  // The last tick's label is centred on the plot's end: half of it must fit before the edge (it was cut at "$2.5K").
  const tickLabels = formats.axisMoney(valueScale(values, [0, 1], 4).ticks);
  const rightRoom = Math.max(MARGIN.right + 8, Math.ceil(phoneTextWidth(tickLabels) / 2) + 4);
  const plot = { left: labelWidth, top: MARGIN.top, right: WIDTH - rightRoom, bottom: height - MARGIN.bottom };
  const { scale: x, ticks } = valueScale(values, [plot.left, plot.right], 4);
  const band = scaleBand<number>().domain(rows.map((_, i) => i)).range([plot.top, plot.bottom]).padding(0.25);
  const bars: BarMark[] = [];
  const amounts = rows.map((r) => formats.money(r.cents));
  rows.forEach((r, i) => {
    const tooltip = `${r.name}: ${amounts[i]}${r.note ? ` (${r.note})` : ''}`;
    // A track behind the bar (a budget's available amount), so the bar reads as a share of it.
    if (r.trackCents !== undefined && r.trackCents > 0) {
      bars.push({
        x: round1(x(0)),
        y: round1(band(i) ?? 0),
        width: round1(x(r.trackCents) - x(0)),
        height: round1(band.bandwidth()),
        className: 'chart__bar--track',
        tooltip,
      });
    }
    const left = x(Math.min(r.cents, 0));
    const right = x(Math.max(r.cents, 0));
    bars.push({
      x: round1(left),
      y: round1(band(i) ?? 0),
      width: round1(Math.max(right - left, r.cents === 0 ? 0 : 1)),
      height: round1(band.bandwidth()),
      className: r.className ?? 'chart__bar--expense',
      tooltip,
    });
    // Where the track (the budget) ends, as a line standing out of the row: a bar that crosses it is over, which the
    // bar's colour alone told (red against green, alike to a red-green colour-blind eye).
    if (r.trackCents !== undefined && r.trackCents > 0) {
      bars.push({
        x: round1(x(r.trackCents) - 1),
        y: round1((band(i) ?? 0) - 3),
        width: 2,
        height: round1(band.bandwidth() + 6),
        className: 'chart__limit',
        tooltip,
      });
    }
  });
  return {
    id: options.id,
    title: options.title,
    description: options.description,
    width: WIDTH,
    height,
    plot,
    valueTicks: thinnedAcross(axisTicks(ticks, x, formats)),
    valueAxis: 'x',
    bandTicks: [],
    bars,
    paths: [],
    points: [],
    // Long names are cut for the drawing only; the table and the tooltip carry them whole.
    labels: rows.map((r, i) => ({ x: labelWidth - 8, y: round1((band(i) ?? 0) + band.bandwidth() / 2), text: names[i]!, anchor: 'end' as const })),
    zeroAt: round1(x(0)),
    legend: rows.length === 0 ? [] : (options.legend ?? []),
    empty: rows.length === 0,
    table: {
      head: [options.labels.name, options.labels.amount, ...(options.labels.note ? [options.labels.note] : [])],
      rows: rows.map((r, i) => (options.labels.note ? [r.name, amounts[i]!, r.note ?? ''] : [r.name, amounts[i]!])),
    },
  };
}

/** A line over months (net worth, a balance), oldest first, with a point per month for its tooltip. */
export function monthlyLineChart(options: {
  id: string;
  title: string;
  description: string;
  points: readonly { month: string; cents: number }[];
  formats: ChartFormats;
  labels: { value: string; month: string };
  height?: number;
}): ChartModel {
  const { points, formats } = options;
  const height = options.height ?? 220;
  const { scale: y, ticks } = valueScale(points.map((p) => p.cents), [height - MARGIN.bottom, MARGIN.top]);
  const valueTicks = axisTicks(ticks, y, formats);
  const plot = { left: valueLabelRoom(valueTicks.map((t) => t.label)), top: MARGIN.top, right: WIDTH - MARGIN.right, bottom: height - MARGIN.bottom };
  const x = scaleBand<string>().domain(points.map((p) => p.month)).range([plot.left, plot.right]).padding(0.5);
  const at = (p: { month: string }) => (x(p.month) ?? 0) + x.bandwidth() / 2;
  const path = line<{ month: string; cents: number }>()
    .x((p) => round1(at(p)))
    .y((p) => round1(y(p.cents)))(points as { month: string; cents: number }[]);
  const texts = points.map((p) => ({ month: formats.longMonth(p.month), amount: formats.money(p.cents) }));
  return {
    id: options.id,
    title: options.title,
    description: options.description,
    width: WIDTH,
    height,
    plot,
    valueTicks,
    valueAxis: 'y',
    // At most eight months named, and never two that would overlap (ten years of a trend are 120 points).
    bandTicks: alternateMinor(everyNth(points.map((p) => ({ at: round1(at(p)), label: formats.shortMonth(p.month), yearStart: p.month.endsWith('-01') })), x.step(), Math.ceil(points.length / 8))),
    bars: [],
    paths: path ? [{ d: path, className: 'chart__line' }] : [],
    points: points.map((p, i) => ({ cx: round1(at(p)), cy: round1(y(p.cents)), tooltip: `${texts[i]!.month}: ${texts[i]!.amount}` })),
    labels: [],
    zeroAt: round1(y(0)),
    legend: [],
    empty: points.length === 0,
    table: {
      head: [options.labels.month, options.labels.value],
      rows: texts.map((t) => [t.month, t.amount]),
    },
  };
}

/** Value ticks where the scale puts them, labelled together (ChartFormats.axisMoney). */
function axisTicks(ticks: readonly number[], scale: (cents: number) => number, formats: ChartFormats): AxisTick[] {
  const labels = formats.axisMoney(ticks);
  return ticks.map((t, i) => ({ at: round1(scale(t)), label: labels[i]! }));
}

/** Every other tick minor, counting back from the last, which always shows (the latest month). */
/**
 * Amounts along a horizontal axis, side by side: as many as fit at the desktop's type size, and every other one of
 * those on a phone when they would run together there (Ukrainian thousands, "2 tys. UAH", did).
 */
function thinnedAcross(ticks: AxisTick[]): AxisTick[] {
  const spacing = ticks.length > 1 ? ticks[1]!.at - ticks[0]!.at : Infinity;
  const shown = everyNth(ticks, spacing, 1);
  const shownSpacing = shown.length > 1 ? shown[1]!.at - shown[0]!.at : Infinity;
  return phoneTextWidth(shown.map((t) => t.label)) + 8 > shownSpacing ? alternateMinor(shown) : shown;
}

/**
 * Every n-th tick, counted back from the last, with n the smallest (at least `least`) that keeps the widest label
 * clear of the next: at the desktop's type size (11 units, charts.css) and 0.6 em a character, with a gap of 6.
 */
function everyNth(ticks: AxisTick[], spacing: number, least: number): AxisTick[] {
  const widest = ticks.reduce((most, tick) => Math.max(most, [...tick.label].length), 0) * 11 * 0.6 + 6;
  const n = Math.max(least, Math.ceil(widest / spacing));
  const last = ticks.length - 1;
  const years = ticks.map((tick, i) => (tick.yearStart ? i : -1)).filter((i) => i >= 0);
  if (n >= 12 && years.length > 0) {
    // Januaries are twelve apart, nearer than n: the axis names years alone, every k-th counted back from the latest
    // January, and the latest month, the January nearest it giving way when the two would run together.
    const k = Math.ceil(n / 12);
    const kept = years.filter((_, y) => (years.length - 1 - y) % k === 0).filter((j) => last - j >= n);
    return [...kept, last].map((i) => ticks[i]!);
  }
  const kept = new Set(ticks.map((_, i) => i).filter((i) => (last - i) % n === 0));
  // A January counted out is put back, and the months too near it taken out instead: thinned by position alone, an
  // axis often named no January, and so no year at all. Januaries are twelve apart, so never too near each other;
  // the latest month stays whatever is near it. An axis whose only January is just before the latest month (a year
  // to February) keeps it beside the latest when the two labels clear each other, though nearer than n.
  const clearsLast = (j: number) => (last - j) * spacing >= (([...ticks[j]!.label].length + [...ticks[last]!.label].length) * 11 * 0.6) / 2 + 6;
  for (const j of years) {
    if (kept.has(j) || (last - j < n && !(years.length === 1 && clearsLast(j)))) continue;
    for (const k of [...kept]) if (k !== last && !ticks[k]!.yearStart && Math.abs(k - j) < n) kept.delete(k);
    kept.add(j);
  }
  return ticks.filter((_, i) => kept.has(i));
}

/**
 * Every other tick minor, counting back from the last, which shows unless it hides the only year; then the newest
 * January that can be is shown too, its neighbours made minor instead (beside the last only when the two labels clear each other at a
 * phone's type size), so a phone still sees a year.
 */
function alternateMinor(ticks: AxisTick[]): AxisTick[] {
  const last = ticks.length - 1;
  const minor = ticks.map((_, i) => (last - i) % 2 === 1);
  const shownYear = ticks.some((tick, i) => tick.yearStart && !minor[i]);
  for (let j = last - 1; j >= 0 && !shownYear; j--) {
    if (!ticks[j]!.yearStart) continue;
    const beside = ticks[j + 1]!;
    if (j + 1 === last && beside.at - ticks[j]!.at < phoneTextWidth([ticks[j]!.label, beside.label]) + 8) continue;
    minor[j] = false;
    if (j > 0) minor[j - 1] = true;
    if (j + 1 < last) minor[j + 1] = true;
    break;
  }
  // The only January just before the latest month, too near it on a phone: the year is worth more than the latest
  // month's name, which the bar beside a named January gives, so on a phone the January shows and the latest does not.
  if (!ticks.some((tick, i) => tick.yearStart && !minor[i]) && last >= 1 && ticks[last - 1]!.yearStart) {
    for (let i = 0; i <= last; i++) minor[i] = i === last || (last - 1 - i) % 2 === 1;
  }
  return ticks.map((tick, i) => (minor[i] ? { ...tick, minor: true } : tick));
}

/** At most `max` characters (whole code points), with an ellipsis when cut. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
