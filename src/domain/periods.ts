import { ALL_MONTHS, addMonths, firstDayOfMonth, isCalendarMonth, isSupportedYear, lastDayOfMonth, monthOf, type MonthRange } from './calendar.ts';

/** A span of the dashboard: one calendar month, one calendar year, or everything. */
export type Period =
  | { readonly kind: 'month'; readonly month: string }
  | { readonly kind: 'year'; readonly year: string }
  | { readonly kind: 'all' };

/** The month containing a day. */
export function monthPeriod(day: string): Period {
  return { kind: 'month', month: monthOf(day) };
}

/** Reads ?period= (YYYY-MM, YYYY or "all"); anything else, or nothing, is the month containing today. */
export function parsePeriod(raw: unknown, today: string): Period {
  if (raw === 'all') return { kind: 'all' };
  if (typeof raw === 'string') {
    if (isCalendarMonth(raw)) return { kind: 'month', month: raw };
    if (/^\d{4}$/.test(raw) && isSupportedYear(Number(raw))) return { kind: 'year', year: raw };
  }
  return monthPeriod(today);
}

/** The period as its query-string value. */
export function periodParam(period: Period): string {
  if (period.kind === 'month') return period.month;
  if (period.kind === 'year') return period.year;
  return 'all';
}

/** The first and last month (YYYY-MM, inclusive) the period covers; all time spans every possible month. */
export function periodMonths(period: Period): MonthRange {
  if (period.kind === 'month') return { from: period.month, to: period.month };
  if (period.kind === 'year') return { from: `${period.year}-01`, to: `${period.year}-12` };
  return ALL_MONTHS;
}

/** The first and last day a period covers; none for all time. */
export function periodDays(period: Period): { from: string; to: string } | undefined {
  if (period.kind === 'all') return undefined;
  const months = periodMonths(period);
  return { from: firstDayOfMonth(months.from), to: lastDayOfMonth(months.to) };
}

/** The year a period belongs to (this year's for all time). */
export function periodYear(period: Period, today: string): Period {
  const year = period.kind === 'all' ? today.slice(0, 4) : periodParam(period).slice(0, 4);
  return { kind: 'year', year };
}

/** The period before and after this one (same kind); null at the ends of the supported years and for all time. */
export function adjacentPeriods(period: Period): { previous: Period | null; next: Period | null } {
  if (period.kind === 'all') return { previous: null, next: null };
  if (period.kind === 'year') {
    const year = Number(period.year);
    return {
      previous: isSupportedYear(year - 1) ? { kind: 'year', year: String(year - 1) } : null,
      next: isSupportedYear(year + 1) ? { kind: 'year', year: String(year + 1) } : null,
    };
  }
  const make = (month: string): Period | null => (isCalendarMonth(month) ? { kind: 'month', month } : null);
  return { previous: make(addMonths(period.month, -1)), next: make(addMonths(period.month, 1)) };
}
