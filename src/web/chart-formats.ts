import type { ChartFormats } from './charts.ts';
import type { LanguageContext } from './i18n.ts';

const cache = new WeakMap<LanguageContext, ChartFormats>();

/** How charts write amounts and months in a page's language (made once per language). */
export function chartFormatsFor(language: LanguageContext): ChartFormats {
  let formats = cache.get(language);
  if (!formats) {
    formats = {
      money: (cents) => language.money.formatCents(cents),
      axisMoney: (cents) => language.money.formatCentsCompact(cents),
      shortMonth: (month) => language.days.formatShortMonth(month),
      longMonth: (month) => language.days.formatMonth(month),
    };
    cache.set(language, formats);
  }
  return formats;
}
