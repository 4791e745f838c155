/**
 * The days a recurring (scheduled) transaction occurs on. A rule names a series of occurrences numbered 0, 1, 2, ...
 * from its first one; every question here is answered by computing the index of the first occurrence on or after a
 * day and stepping forward from it, so a thirty-year-old daily schedule costs no more than a new one. Days are
 * `YYYY-MM-DD` strings outside and whole day numbers inside, computed with integer arithmetic and no time zone.
 */
import { daysInMonth, isCalendarDate } from './calendar.ts';

export type Frequency = 'days' | 'weeks' | 'months' | 'years';

export const FREQUENCIES: readonly Frequency[] = Object.freeze(['days', 'weeks', 'months', 'years'] as const);

/** The largest "every N": beyond it a series has at most one occurrence in the supported years anyway. */
export const MAX_INTERVAL = 999;

/** The most occurrences a series may be limited to; catch-up posting handles this many in one go. */
export const MAX_OCCURRENCES = 10000;

export interface RecurrenceRule {
  readonly frequency: Frequency;
  readonly interval: number;
  readonly startOn: string;
  readonly weekday: number | null;
  readonly monthDay: number | null;
  readonly endOn: string | null;
  readonly maxCount: number | null;
  /**
   * Where "maxCount times" is counted from, in positions of this rule's series; 0 (or absent) for a rule never
   * edited. An edit sets it so the occurrences handled under earlier rules count towards maxCount, and the series
   * then allows occurrence indexes below maxCount + countOffset (see countOffsetFor).
   */
  readonly countOffset?: number;
}

/** What is wrong with a rule, named for the field a form would flag. */
export type RecurrenceRuleProblem = 'frequency' | 'interval' | 'startOn' | 'weekday' | 'monthDay' | 'endOn' | 'maxCount';

// Nothing occurs after the last supported day, whatever the rule says (see isSupportedYear).
const LAST_SUPPORTED_DAY = '2999-12-31';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a civil date, 1970-01-01 = 0 (Howard Hinnant's days_from_civil; exact for every year, no Date quirks). */
function dayNumberFromParts(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The civil date of a day number (the inverse of dayNumberFromParts). */
function partsFromDayNumber(dayNumber: number): [year: number, month: number, day: number] {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Parts of a well-formed day (any four-digit year, real month and day), or undefined. */
function dayParts(day: string): [year: number, month: number, day: number] | undefined {
  const match = ISO_DAY.exec(day);
  if (!match) return undefined;
  const [year, month, dayOfMonth] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || dayOfMonth < 1) return undefined;
  // Not calendar.ts's daysInMonth: Date.UTC reads years 0-99 as 1900-1999, and query days may lie outside the app's years.
  if (dayOfMonth > daysInMonthAnyYear(year, month)) return undefined;
  return [year, month, dayOfMonth];
}

function daysInMonthAnyYear(year: number, month: number): number {
  const nextMonthStart = month === 12 ? dayNumberFromParts(year + 1, 1, 1) : dayNumberFromParts(year, month + 1, 1);
  return nextMonthStart - dayNumberFromParts(year, month, 1);
}

function dayNumberOf(day: string): number {
  const parts = dayParts(day);
  if (!parts) throw new RangeError(`not a YYYY-MM-DD day: ${JSON.stringify(day)}`);
  return dayNumberFromParts(...parts);
}

function dayText(dayNumber: number): string {
  const [year, month, day] = partsFromDayNumber(dayNumber);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const LAST_SUPPORTED_DAY_NUMBER = dayNumberOf(LAST_SUPPORTED_DAY);

function ceilDiv(numerator: number, denominator: number): number {
  return -Math.floor(-numerator / denominator);
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The first thing wrong with a rule, or null when every function here can compute its series. */
export function recurrenceRuleProblem(rule: RecurrenceRule): RecurrenceRuleProblem | null {
  if (!FREQUENCIES.includes(rule.frequency)) return 'frequency';
  if (!isIntegerIn(rule.interval, 1, MAX_INTERVAL)) return 'interval';
  if (typeof rule.startOn !== 'string' || !isCalendarDate(rule.startOn)) return 'startOn';
  if (rule.frequency === 'weeks' ? !isIntegerIn(rule.weekday, 0, 6) : rule.weekday !== null) return 'weekday';
  if (rule.frequency === 'months' ? !isIntegerIn(rule.monthDay, 1, 31) : rule.monthDay !== null) return 'monthDay';
  // An end before the start is allowed: the series is simply empty, as after an edit that moved the start.
  if (rule.endOn !== null && (typeof rule.endOn !== 'string' || !isCalendarDate(rule.endOn))) return 'endOn';
  if (rule.maxCount !== null && !isIntegerIn(rule.maxCount, 1, MAX_OCCURRENCES)) return 'maxCount';
  if (rule.countOffset !== undefined && !Number.isSafeInteger(rule.countOffset)) return 'maxCount';
  return null;
}

/**
 * A rule reduced to two operations on day numbers: the day of occurrence k, and the first k whose day is on or
 * after a given day. Both are arithmetic, never a walk from the start.
 */
interface Series {
  readonly occurrenceAt: (index: number) => number;
  readonly firstIndexOnOrAfter: (dayNumber: number) => number;
  /** The last day any occurrence may fall on (endOn, or the last supported day). */
  readonly lastDayNumber: number;
  /** One past the last occurrence index maxCount allows. */
  readonly indexLimit: number;
}

function seriesOf(rule: RecurrenceRule): Series {
  const problem = recurrenceRuleProblem(rule);
  if (problem !== null) throw new RangeError(`invalid recurrence rule: ${problem}`);
  const [startYear, startMonth, startDay] = dayParts(rule.startOn)!;
  const startNumber = dayNumberFromParts(startYear, startMonth, startDay);
  const endNumber = rule.endOn === null ? LAST_SUPPORTED_DAY_NUMBER : Math.min(dayNumberOf(rule.endOn), LAST_SUPPORTED_DAY_NUMBER);
  const bounds = { lastDayNumber: endNumber, indexLimit: rule.maxCount === null ? Number.POSITIVE_INFINITY : rule.maxCount + (rule.countOffset ?? 0) };
  const interval = rule.interval;

  switch (rule.frequency) {
    case 'days':
    case 'weeks': {
      // Weekly series start on the first matching weekday on or after startOn, then step whole weeks.
      const first = rule.frequency === 'days' ? startNumber : startNumber + mod(rule.weekday! - weekdayOfNumber(startNumber), 7);
      const step = rule.frequency === 'days' ? interval : 7 * interval;
      return {
        ...bounds,
        occurrenceAt: (index) => first + index * step,
        firstIndexOnOrAfter: (dayNumber) => Math.max(0, ceilDiv(dayNumber - first, step)),
      };
    }
    case 'months': {
      const monthDay = rule.monthDay!;
      const startMonthIndex = startYear * 12 + (startMonth - 1);
      const dayIn = (monthIndex: number) => {
        const year = Math.floor(monthIndex / 12);
        const month = (monthIndex % 12) + 1;
        // Short months post on their last day: the 31st falls on Feb 28/29, Apr 30 and so on.
        return dayNumberFromParts(year, month, Math.min(monthDay, daysInMonth(year, month)));
      };
      // When the start month's day is already behind startOn, the series begins one interval later, on the same grid.
      const skip = dayIn(startMonthIndex) >= startNumber ? 0 : 1;
      const occurrenceAt = (index: number) => dayIn(startMonthIndex + (index + skip) * interval);
      return {
        ...bounds,
        occurrenceAt,
        firstIndexOnOrAfter: (dayNumber) => {
          const [year, month] = partsFromDayNumber(dayNumber);
          const index = Math.max(0, ceilDiv(year * 12 + (month - 1) - startMonthIndex, interval) - skip);
          // The grid month at or after the day's month may still post before the day itself.
          return occurrenceAt(index) >= dayNumber ? index : index + 1;
        },
      };
    }
    case 'years': {
      // A Feb 29 start posts on Feb 28 in common years, like a monthly 31st in a short month.
      const occurrenceAt = (index: number) => {
        const year = startYear + index * interval;
        return dayNumberFromParts(year, startMonth, Math.min(startDay, daysInMonth(year, startMonth)));
      };
      return {
        ...bounds,
        occurrenceAt,
        firstIndexOnOrAfter: (dayNumber) => {
          const [year] = partsFromDayNumber(dayNumber);
          const index = Math.max(0, ceilDiv(year - startYear, interval));
          return occurrenceAt(index) >= dayNumber ? index : index + 1;
        },
      };
    }
  }
}

function mod(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}

function weekdayOfNumber(dayNumber: number): number {
  // 1970-01-01, day 0, was a Thursday.
  return mod(dayNumber + 4, 7);
}

/** Occurrence days in [fromOn, toOn] (inclusive), ascending, at most `limit` of them. */
export function occurrencesBetween(rule: RecurrenceRule, fromOn: string, toOn: string, limit: number = Number.POSITIVE_INFINITY): string[] {
  if (!(limit >= 0 && (Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY))) throw new RangeError(`invalid limit: ${limit}`);
  const series = seriesOf(rule);
  const fromNumber = dayNumberOf(fromOn);
  const lastNumber = Math.min(dayNumberOf(toOn), series.lastDayNumber);
  const days: string[] = [];
  for (let index = series.firstIndexOnOrAfter(fromNumber); index < series.indexLimit && days.length < limit; index++) {
    const occurrence = series.occurrenceAt(index);
    if (occurrence > lastNumber) break;
    days.push(dayText(occurrence));
  }
  return days;
}

/** The first occurrence strictly after a day, or null when the series has ended. */
export function nextOccurrenceAfter(rule: RecurrenceRule, afterOn: string): string | null {
  return firstOccurrenceFrom(rule, dayNumberOf(afterOn) + 1);
}

/** The first occurrence on or after a day, or null. */
export function firstOccurrenceOnOrAfter(rule: RecurrenceRule, day: string): string | null {
  return firstOccurrenceFrom(rule, dayNumberOf(day));
}

/**
 * The rule moved to start on its first occurrence on or after `day` (today, for a schedule whose start was typed years
 * back), keeping its days: the same weekday, day of the month or anniversary. Its end and count stay as they are.
 */
export function startingFrom(rule: RecurrenceRule, day: string): RecurrenceRule {
  if (rule.startOn >= day) return rule;
  const next = firstOccurrenceOnOrAfter({ ...rule, endOn: null, maxCount: null, countOffset: 0 }, day) ?? day;
  return { ...rule, startOn: next };
}

function firstOccurrenceFrom(rule: RecurrenceRule, dayNumber: number): string | null {
  const series = seriesOf(rule);
  const index = series.firstIndexOnOrAfter(dayNumber);
  if (index >= series.indexLimit) return null;
  const occurrence = series.occurrenceAt(index);
  return occurrence <= series.lastDayNumber ? dayText(occurrence) : null;
}

/** True when the day is one of the rule's occurrences (false for text that is not a day). */
export function isOccurrence(rule: RecurrenceRule, day: string): boolean {
  const parts = dayParts(day);
  if (!parts) return false;
  return firstOccurrenceFrom(rule, dayNumberFromParts(...parts)) === day;
}

/** The weekday (0 = Sunday) of a day. */
export function weekdayOf(day: string): number {
  return weekdayOfNumber(dayNumberOf(day));
}

/** What a schedule posts: an income or expense in one account, or a transfer between two. */
export type ScheduleType = 'income' | 'expense' | 'transfer';

export const SCHEDULE_TYPES: readonly ScheduleType[] = Object.freeze(['expense', 'income', 'transfer'] as const);

/** A schedule as a person writes it: what to post and the rule of when. */
export interface ScheduleDraft {
  readonly type: ScheduleType;
  readonly accountId: number;
  /** The receiving account of a transfer; null otherwise. */
  readonly toAccountId: number | null;
  /** Null for transfers and uncategorised rows. */
  readonly categoryId: number | null;
  readonly amountCents: number;
  readonly description: string;
  readonly rule: RecurrenceRule;
}

/** A stored schedule and how far its posting has come. */
export interface Schedule extends ScheduleDraft {
  readonly id: number;
  /** The first day the current rule applies to: an edit changes only the occurrences from here on. */
  readonly effectiveFrom: string;
  /** Every occurrence up to this day has been posted or skipped; null before the first. */
  readonly postedThrough: string | null;
  /** The first occurrence after postedThrough, or null once the series has ended. */
  readonly nextOn: string | null;
}

/** The first occurrence of a rule that is still to come from a day on, counting only days the rule applies to. */
export function nextOccurrenceFrom(rule: RecurrenceRule, effectiveFrom: string, fromOn: string): string | null {
  return firstOccurrenceOnOrAfter(rule, fromOn > effectiveFrom ? fromOn : effectiveFrom);
}

/**
 * The period a rule posts at most once in, around a day: a calendar month for a monthly rule, a year for a yearly
 * one, a Monday-to-Sunday week for a weekly one, the day itself for a daily one. An unedited rule never has two
 * occurrences in one period; after an edit (a new day of the month, say) the new rule may, and an occurrence
 * handled in a period stands for the whole period (see isServedElsewhere).
 */
export function periodOf(frequency: Frequency, day: string): { from: string; to: string } {
  const n = dayNumberOf(day);
  const [year, month] = partsFromDayNumber(n);
  switch (frequency) {
    case 'days':
      return { from: day, to: day };
    case 'weeks': {
      const monday = n - mod(weekdayOfNumber(n) - 1, 7);
      return { from: dayText(monday), to: dayText(monday + 6) };
    }
    case 'months':
      return { from: dayText(dayNumberFromParts(year, month, 1)), to: dayText(dayNumberFromParts(year, month, daysInMonthAnyYear(year, month))) };
    case 'years':
      return { from: dayText(dayNumberFromParts(year, 1, 1)), to: dayText(dayNumberFromParts(year, 12, 31)) };
  }
}

/** The latest day any period around `day` can end on (its week's Sunday or its year's last day). */
export function latestPeriodEnd(day: string): string {
  const week = periodOf('weeks', day).to;
  const year = periodOf('years', day).to;
  return week > year ? week : year;
}

/** The earliest day any period around `day` can start on (its week's Monday or its year's first day). */
export function earliestPeriodStart(day: string): string {
  const week = periodOf('weeks', day).from;
  const year = periodOf('years', day).from;
  return week < year ? week : year;
}

/**
 * True when another day handled (posted or skipped, under any rule) lies in this occurrence's period, so the
 * occurrence is passed over: a rent paid on the 15th is March's rent even after the rule moved to the 20th, and
 * one paid early for April stands for April. Never for a daily rule, whose period is the day itself.
 */
export function isServedElsewhere(frequency: Frequency, day: string, handledDays: readonly string[]): boolean {
  if (frequency === 'days') return false;
  const period = periodOf(frequency, day);
  return handledDays.some((handled) => handled !== day && handled >= period.from && handled <= period.to);
}

/**
 * The first day an edited rule applies to: the start of today's period (tomorrow for a daily rule). What was due
 * under the old rule is posted before the edit, so every earlier period has had its occurrence; from today's period
 * on, the new rule's occurrences post except in a period already served (isServedElsewhere). So a rent moved from
 * the 15th to the 20th after March's was paid is next paid on 20 April, one moved from the 20th to the 15th before
 * March's was paid is paid for March at once, a start moved earlier posts from then, and an occurrence skipped or
 * paid ahead is never paid again, nor are the ones before it lost.
 */
export function editedRuleStart(frequency: Frequency, today: string): string {
  return frequency === 'days' ? dayText(dayNumberOf(today) + 1) : periodOf(frequency, today).from;
}

/**
 * The countOffset that makes "maxCount times" count every occurrence, under any rule: of the `remaining` still
 * allowed (maxCount less every day handled so far), the edited rule posts its occurrences from `fromOn` on,
 * stepping over those `taken` (handled already, or in a period already served, which were counted or never post).
 * A count lowered below what was handled ends the series; one raised after it ended lets it go on.
 */
export function countOffsetFor(rule: RecurrenceRule, fromOn: string, remaining: number, taken: (day: string) => boolean): number {
  if (rule.maxCount === null) return 0;
  const series = seriesOf({ ...rule, maxCount: null, countOffset: 0 });
  let index = series.firstIndexOnOrAfter(dayNumberOf(fromOn));
  // Bounded: `left` falls with every occurrence not taken, and only the handled days (finite) are taken.
  for (let left = remaining; left > 0; index++) {
    const occurrence = series.occurrenceAt(index);
    if (occurrence > series.lastDayNumber) break;
    if (!taken(dayText(occurrence))) left--;
  }
  return index - rule.maxCount;
}

/** How far apart (in days) an imported row and a scheduled occurrence may be and still be the same payment. */
export const MATCH_WINDOW_DAYS = 3;

/** What an imported row is compared on. */
export interface MatchableRow {
  readonly accountId: number;
  readonly type: 'income' | 'expense';
  readonly amountCents: number;
  readonly occurredOn: string;
}

/** The key two things must share to match: same account, same kind of money, same amount to the cent. */
export function matchKey(row: { accountId: number; type: string; amountCents: number }): string {
  return `${row.accountId}:${row.type}:${row.amountCents}`;
}

/** Whole days between two days, either order. */
function daysApart(a: string, b: string): number {
  return Math.abs(dayNumberOf(a) - dayNumberOf(b));
}

/**
 * The candidate day closest to a row's day within MATCH_WINDOW_DAYS (the earlier one on a tie), or undefined: the
 * one rule both the preview and the import use to pair a bank row with a scheduled occurrence.
 */
export function closestWithinWindow<T extends { readonly on: string }>(day: string, candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestGap = MATCH_WINDOW_DAYS + 1;
  for (const candidate of candidates) {
    const gap = daysApart(day, candidate.on);
    if (gap < bestGap || (gap === bestGap && best !== undefined && candidate.on < best.on)) {
      best = candidate;
      bestGap = gap;
    }
  }
  return best;
}

/** The first day of the window around a day in which a match may fall, and the last. */
export function matchWindow(day: string): { fromOn: string; toOn: string } {
  const n = dayNumberOf(day);
  return { fromOn: dayText(n - MATCH_WINDOW_DAYS), toOn: dayText(n + MATCH_WINDOW_DAYS) };
}

/**
 * Days either side of an occurrence in which a row recorded before its schedule existed may be taken as it: the match
 * window, but less than half the interval of a schedule every few days, so a daily one takes only its own day's row
 * (a coffee bought the day after is another coffee, not yesterday's).
 */
export function takeoverWindowDays(rule: Pick<RecurrenceRule, 'frequency' | 'interval'>): number {
  return rule.frequency === 'days' ? Math.min(MATCH_WINDOW_DAYS, Math.floor((rule.interval - 1) / 2)) : MATCH_WINDOW_DAYS;
}

/**
 * Pairs a new schedule's past occurrences with rows already recorded for them, within `window` days, a row serving
 * one occurrence: first every occurrence that has a row on its own day, then those a day away, and so on out to the
 * window (the earlier row first on each side), so a row is never taken by its neighbour's occurrence while its own
 * day has one. Linear in the days and rows (a daily schedule ten years back meets thousands of each).
 */
export function pairOccurrencesWithRows<T extends { readonly on: string }>(days: readonly string[], rows: readonly T[], window: number = MATCH_WINDOW_DAYS): { occursOn: string; row: T }[] {
  const byDay = new Map<string, T[]>();
  for (const row of [...rows].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))) {
    const same = byDay.get(row.on);
    if (same) same.push(row);
    else byDay.set(row.on, [row]);
  }
  const paired = new Map<string, T>();
  const take = (day: string) => {
    const left = byDay.get(day);
    return left !== undefined && left.length > 0 ? left.shift() : undefined;
  };
  for (let gap = 0; gap <= window; gap++) {
    for (const day of days) {
      if (paired.has(day)) continue;
      const n = dayNumberOf(day);
      const row = take(dayText(n - gap)) ?? (gap > 0 ? take(dayText(n + gap)) : undefined);
      if (row !== undefined) paired.set(day, row);
    }
  }
  return days.flatMap((day) => {
    const row = paired.get(day);
    return row === undefined ? [] : [{ occursOn: day, row }];
  });
}

/** Occurrences of a schedule not yet posted or skipped (by the `handled` test) in the window around a day. */
export function pendingOccurrencesNear(schedule: Schedule, day: string, handled: (occursOn: string) => boolean): string[] {
  if (schedule.nextOn === null) return [];
  const window = matchWindow(day);
  const from = [window.fromOn, schedule.nextOn, schedule.effectiveFrom].reduce((a, b) => (a > b ? a : b));
  if (from > window.toOn) return [];
  return occurrencesBetween(schedule.rule, from, window.toOn).filter((d) => !handled(d));
}
