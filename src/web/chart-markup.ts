/**
 * Writes a chart model (web/charts.ts) as SVG and, unless the page lists the same numbers itself, a table of them.
 * This is a plain string builder rather than an EJS partial: the dashboard draws four charts per request, and as a
 * partial (an include, a template call and an escape for every attribute) they cost about as much as the rest of
 * the page. Every text that comes from data is escaped (web/escape.ts); numbers are written as they are.
 * Classes and presentation attributes only (no `style=`), so the strict CSP applies unchanged.
 */
import type { ChartModel } from './charts.ts';
import { escapeHtml } from './escape.ts';

/** A chart already written by chartMarkup (kept to be written again), which the view helper outputs as it is. */
export class DrawnChart {
  constructor(readonly markup: string) {}
}

/** The words a chart needs from the page's language. */
export interface ChartWords {
  readonly noData: string;
  readonly showNumbers: string;
  /** The table's caption, given the chart's title. */
  readonly tableCaption: (title: string) => string;
}

/**
 * The chart's markup. `showTable: false` when the page shows its own list of the same numbers beside the chart.
 * Ticks marked minor are hidden on narrow screens (CSS), where the text is drawn larger.
 */
export function chartMarkup(c: ChartModel, words: ChartWords, options: { showTable?: boolean } = {}): string {
  const id = escapeHtml(c.id);
  const { left, right, top, bottom } = c.plot;
  const out: string[] = [
    // The figure is named by the chart's title; its caption is only the legend ("Income Expenses" is no name).
    `<figure class="chart" aria-labelledby="${id}-title"><svg class="chart__svg" viewBox="0 0 ${c.width} ${c.height}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">`,
    `<title id="${id}-title">${escapeHtml(c.title)}</title><desc id="${id}-desc">${escapeHtml(c.description)}</desc>`,
  ];
  // Grid lines as one path; tick labels in groups whose class sets their anchor (CSS), so each is only x, y, text.
  const grid = c.valueTicks.map((tick) => (c.valueAxis === 'y' ? `M${left} ${tick.at}H${right}` : `M${tick.at} ${top}V${bottom}`)).join('');
  if (grid) out.push(`<path class="chart__grid" d="${grid}"></path>`);
  const tickText = (tick: { at: number; label: string; minor?: boolean }, x: number, y: number) =>
    `<text${tick.minor ? ' class="chart__minor"' : ''} x="${x}" y="${y}">${escapeHtml(tick.label)}</text>`;
  if (c.valueAxis === 'y') {
    out.push('<g class="chart__ticks chart__ticks--y">', ...c.valueTicks.map((tick) => tickText(tick, left - 6, tick.at)), '</g>');
  } else {
    out.push('<g class="chart__ticks chart__ticks--x">', ...c.valueTicks.map((tick) => tickText(tick, tick.at, bottom + 18)), '</g>');
  }
  if (c.bandTicks.length > 0) out.push('<g class="chart__ticks chart__ticks--x">', ...c.bandTicks.map((tick) => tickText(tick, tick.at, bottom + 18)), '</g>');
  if (c.zeroAt !== null) {
    out.push(`<path class="chart__zero" d="${c.valueAxis === 'y' ? `M${left} ${c.zeroAt}H${right}` : `M${c.zeroAt} ${top}V${bottom}`}"></path>`);
  }
  out.push('<g class="chart__marks">');
  // Bars grouped by class, in the order each class first appears (a budget's track before its bar), so the class
  // is written once per group rather than once per bar.
  const groups = new Map<string, string[]>();
  for (const b of c.bars) {
    let group = groups.get(b.className);
    if (!group) groups.set(b.className, (group = []));
    group.push(`<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="2"><title>${escapeHtml(b.tooltip)}</title></rect>`);
  }
  for (const [className, rects] of groups) out.push(`<g class="${className}">`, ...rects, '</g>');
  for (const p of c.paths) out.push(`<path class="${p.className}" d="${p.d}"></path>`);
  if (c.points.length > 0) {
    out.push('<g class="chart__points">');
    for (const p of c.points) out.push(`<circle cx="${p.cx}" cy="${p.cy}" r="3.5"><title>${escapeHtml(p.tooltip)}</title></circle>`);
    out.push('</g>');
  }
  out.push('</g>');
  if (c.labels.length > 0) {
    out.push('<g class="chart__labels">');
    for (const l of c.labels) out.push(`<text x="${l.x}" y="${l.y}">${escapeHtml(l.text)}</text>`);
    out.push('</g>');
  }
  if (c.empty) {
    out.push(`<text class="chart__empty" x="${(left + right) / 2}" y="${(top + bottom) / 2}">${escapeHtml(words.noData)}</text>`);
  }
  out.push('</svg>');
  if (c.legend.length > 0) {
    out.push('<figcaption class="chart__legend">');
    for (const k of c.legend) out.push(`<span class="chart__key ${k.className}">${escapeHtml(k.label)}</span>`);
    out.push('</figcaption>');
  }
  out.push('</figure>');
  if (options.showTable !== false) {
    // Amount columns are right-aligned by the table's CSS (every column after the first).
    out.push(
      `<details class="chart__data"><summary>${escapeHtml(words.showNumbers)}</summary><table class="chart__table">`,
      `<caption>${escapeHtml(words.tableCaption(c.title))}</caption><thead><tr>`,
    );
    for (const h of c.table.head) out.push(`<th scope="col">${escapeHtml(h)}</th>`);
    out.push('</tr></thead><tbody>');
    for (const row of c.table.rows) {
      out.push(`<tr><th scope="row">${escapeHtml(row[0] ?? '')}</th>`);
      for (let i = 1; i < row.length; i++) out.push(`<td>${escapeHtml(row[i]!)}</td>`);
      out.push('</tr>');
    }
    out.push('</tbody></table></details>');
  }
  return out.join('');
}
