import type { RecurrenceRule } from '../domain/schedules.ts';
import type { LanguageContext } from './i18n.ts';

// Built once per locale: a formatter costs far more to make than to use.
const weekdayFormats = new Map<string, Intl.DateTimeFormat>();
const dayMonthFormats = new Map<string, Intl.DateTimeFormat>();

function formatFor(cache: Map<string, Intl.DateTimeFormat>, locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let format = cache.get(locale);
  if (!format) cache.set(locale, (format = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' })));
  return format;
}

/** The name of a weekday (0 = Sunday) in the page's language, with the apostrophe the catalogues use (’, U+2019). */
export function weekdayName(weekday: number, language: LanguageContext): string {
  // 2026-03-01 was a Sunday. Intl writes «пʼятниця» with the modifier letter U+02BC; the rest of the app writes ’.
  return formatFor(weekdayFormats, language.locale, { weekday: 'long' }).format(new Date(Date.UTC(2026, 2, 1 + weekday))).replaceAll('\u02bc', '\u2019');
}

/**
 * The weekdays (0 = Sunday) in the order a list offers them: Monday first, as the schedules count a week (Monday to
 * Sunday, domain/schedules.ts), in every language.
 */
export const WEEKDAYS_FROM_MONDAY: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 0]);

/**
 * A weekday as a rule says it ("Every week on Wednesday"; in Ukrainian the accusative with its preposition, "у
 * середу", which no Intl format gives): from the catalogue, not from Intl.
 */
const ON_WEEKDAY = [
  'scheduled.rule.on.sunday',
  'scheduled.rule.on.monday',
  'scheduled.rule.on.tuesday',
  'scheduled.rule.on.wednesday',
  'scheduled.rule.on.thursday',
  'scheduled.rule.on.friday',
  'scheduled.rule.on.saturday',
] as const;

/** A rule in words: "Every 2 weeks on Wednesday, 12 times", "Every month on the last day, until 31 Dec 2026". */
export function describeRule(rule: RecurrenceRule, language: LanguageContext): string {
  const count = rule.interval;
  // "Every day", not "every 1 day": an interval of one has its own words.
  const single = count === 1;
  let text: string;
  if (rule.frequency === 'days') text = single ? language.t('scheduled.rule.daily') : language.t('scheduled.rule.days', { count });
  else if (rule.frequency === 'weeks') {
    const weekday = language.t(ON_WEEKDAY[rule.weekday ?? 0]!);
    text = single ? language.t('scheduled.rule.weekly', { weekday }) : language.t('scheduled.rule.weeks', { count, weekday });
  } else if (rule.frequency === 'months') {
    const day = rule.monthDay ?? 1;
    // The 31st posts on the last day of every shorter month, so it is the last day of every month, and says so.
    if (day === 31) text = single ? language.t('scheduled.rule.monthlyLast') : language.t('scheduled.rule.monthsLast', { count });
    else text = single ? language.t('scheduled.rule.monthly', { day }) : language.t('scheduled.rule.months', { count, day });
  } else {
    const [year, month, day] = rule.startOn.split('-').map(Number) as [number, number, number];
    const date = formatFor(dayMonthFormats, language.locale, { day: 'numeric', month: 'long' }).format(new Date(Date.UTC(year, month - 1, day)));
    text = single ? language.t('scheduled.rule.yearly', { date }) : language.t('scheduled.rule.years', { count, date });
  }
  if (rule.endOn !== null) text = language.t('scheduled.rule.until', { rule: text, date: language.days.formatDay(rule.endOn) });
  if (rule.maxCount !== null) text = language.t('scheduled.rule.times', { rule: text, count: rule.maxCount });
  return text;
}
