import { isCalendarDate } from './dates.ts';
import type { ParseResult } from './money.ts';

/** Date layouts an import may use. */
export const CSV_DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'] as const;
export type CsvDateFormat = (typeof CSV_DATE_FORMATS)[number];

const LAYOUTS: Record<CsvDateFormat, { pattern: RegExp; order: 'ymd' | 'dmy' | 'mdy' }> = {
  'YYYY-MM-DD': { pattern: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, order: 'ymd' },
  'DD/MM/YYYY': { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: 'dmy' },
  'MM/DD/YYYY': { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: 'mdy' },
  'DD.MM.YYYY': { pattern: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, order: 'dmy' },
};

/** Reads a date cell in the chosen layout (one- or two-digit day and month) into a real YYYY-MM-DD day. */
export function parseCsvDate(input: string, format: CsvDateFormat): ParseResult<string> {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'the date is empty' };
  const layout = LAYOUTS[format];
  const match = layout.pattern.exec(text);
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (!match) return { ok: false, error: `the date "${shown}" is not in the format ${format}` };
  const [a, b, c] = [match[1]!, match[2]!, match[3]!];
  const [year, month, day] = layout.order === 'ymd' ? [a, b, c] : layout.order === 'dmy' ? [c, b, a] : [c, a, b];
  const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  if (!isCalendarDate(iso)) return { ok: false, error: `the date "${shown}" is not a real day between 1900 and 2999` };
  return { ok: true, value: iso };
}

/**
 * Guesses the layout from sample date cells: ISO if they look ISO, dots for DD.MM.YYYY, and for slashes
 * MM/DD/YYYY only when a middle number above 12 proves it (otherwise DD/MM/YYYY, the more common one).
 */
export function guessCsvDateFormat(samples: readonly string[]): CsvDateFormat {
  const cells = samples.map((s) => s.trim()).filter((s) => s !== '');
  if (cells.length === 0 || cells.every((s) => LAYOUTS['YYYY-MM-DD'].pattern.test(s))) return 'YYYY-MM-DD';
  if (cells.every((s) => LAYOUTS['DD.MM.YYYY'].pattern.test(s))) return 'DD.MM.YYYY';
  const slashed = cells.map((s) => LAYOUTS['DD/MM/YYYY'].pattern.exec(s)).filter((m) => m !== null);
  if (slashed.length > 0) {
    if (slashed.some((m) => Number(m[1]) > 12)) return 'DD/MM/YYYY';
    if (slashed.some((m) => Number(m[2]) > 12)) return 'MM/DD/YYYY';
    return 'DD/MM/YYYY';
  }
  return 'YYYY-MM-DD';
}
