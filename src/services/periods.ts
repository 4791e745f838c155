/** A span of the dashboard: one calendar month, one calendar year, or everything. */
export type Period =
  | { readonly kind: 'month'; readonly month: string }
  | { readonly kind: 'year'; readonly year: string }
  | { readonly kind: 'all' };

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

function validYear(year: number): boolean {
  return year >= 1900 && year <= 2999;
}

/** Reads ?period= (YYYY-MM, YYYY or "all"); anything else, or nothing, is the month containing today. */
export function parsePeriod(raw: unknown, today: string): Period {
  if (raw === 'all') return { kind: 'all' };
  if (typeof raw === 'string') {
    const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(raw);
    if (month && validYear(Number(month[1]))) return { kind: 'month', month: raw };
    const year = /^(\d{4})$/.exec(raw);
    if (year && validYear(Number(year[1]))) return { kind: 'year', year: raw };
  }
  return { kind: 'month', month: today.slice(0, 7) };
}

/** The period as its query-string value. */
export function periodParam(period: Period): string {
  if (period.kind === 'month') return period.month;
  if (period.kind === 'year') return period.year;
  return 'all';
}

/** The first and last month (YYYY-MM, inclusive) the period covers; all time spans every possible month. */
export function periodMonths(period: Period): { from: string; to: string } {
  if (period.kind === 'month') return { from: period.month, to: period.month };
  if (period.kind === 'year') return { from: `${period.year}-01`, to: `${period.year}-12` };
  return { from: '0000-00', to: '9999-99' };
}

/** "November 2026", "2026" or "All time". */
export function periodLabel(period: Period): string {
  if (period.kind === 'month') {
    const [year, month] = period.month.split('-');
    return `${MONTH_NAMES[Number(month) - 1]} ${year}`;
  }
  if (period.kind === 'year') return period.year;
  return 'All time';
}

/** The period before and after this one (same kind); null at the ends of the supported years and for all time. */
export function adjacentPeriods(period: Period): { previous: Period | null; next: Period | null } {
  if (period.kind === 'all') return { previous: null, next: null };
  if (period.kind === 'year') {
    const year = Number(period.year);
    return {
      previous: validYear(year - 1) ? { kind: 'year', year: String(year - 1) } : null,
      next: validYear(year + 1) ? { kind: 'year', year: String(year + 1) } : null,
    };
  }
  const [year, month] = period.month.split('-').map(Number) as [number, number];
  const prev = month === 1 ? [year - 1, 12] : [year, month - 1];
  const next = month === 12 ? [year + 1, 1] : [year, month + 1];
  const make = ([y, m]: number[]): Period | null =>
    validYear(y!) ? { kind: 'month', month: `${y}-${String(m).padStart(2, '0')}` } : null;
  return { previous: make(prev), next: make(next) };
}

/** Share of a part in a whole as a whole percentage for display; 0 when the whole is 0. */
export function percentShare(partCents: number, wholeCents: number): number {
  if (wholeCents <= 0) return 0;
  return Math.round((partCents * 100) / wholeCents);
}
