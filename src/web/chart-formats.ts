import { chartMarkup, DrawnChart, type ChartWords } from './chart-markup.ts';
import type { ChartFormats, ChartModel } from './charts.ts';
import type { LanguageContext } from './i18n.ts';

const cache = new WeakMap<LanguageContext, ChartFormats>();

/** How charts write amounts and months in a page's language (made once per language). */
export function chartFormatsFor(language: LanguageContext): ChartFormats {
  let formats = cache.get(language);
  if (!formats) {
    formats = {
      money: (cents) => language.money.formatCents(cents),
      axisMoney: (ticks) => language.money.formatAxisCents(ticks),
      shortMonth: (month) => language.days.formatAxisMonth(month),
      longMonth: (month) => language.days.formatMonth(month),
      monthInText: (month) => language.days.formatMonthInText(month),
    };
    cache.set(language, formats);
  }
  return formats;
}

const wordsCache = new WeakMap<LanguageContext, ChartWords>();

/** The words every chart carries (no data, the table's toggle and caption), in a page's language. */
export function chartWordsFor(language: LanguageContext): ChartWords {
  let words = wordsCache.get(language);
  if (!words) {
    words = {
      noData: language.t('charts.noData'),
      showNumbers: language.t('charts.showNumbers'),
      tableCaption: (chart) => language.t('charts.tableCaption', { chart }),
    };
    wordsCache.set(language, words);
  }
  return words;
}

/**
 * The view helper `chart(model, { showTable })`: a chart's markup in the page's language, or a chart drawn before
 * (DrawnChart) as it was written. Templates output unescaped HTML only through it, includes and tHtml.
 */
export function chartHelperFor(language: LanguageContext): (chart: ChartModel | DrawnChart, options?: { showTable?: boolean }) => string {
  const words = chartWordsFor(language);
  return (chart, options) => (chart instanceof DrawnChart ? chart.markup : chartMarkup(chart, words, options));
}

/** The keys under a budget's chart: the spent bar, and the line where the budget ends (a bar past it is over). */
export function budgetChartLegend(language: LanguageContext): { className: string; label: string }[] {
  return [
    { className: 'chart__key--budget', label: language.t('charts.budget.spent') },
    { className: 'chart__key--limit', label: language.t('charts.budget.limit') },
  ];
}
