const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when the text is a real calendar day written YYYY-MM-DD between years 1900 and 2999. */
export function isCalendarDate(text: string): boolean {
  const match = ISO_DAY.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** Number of days in a month (1-12) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Building an Intl formatter costs far more than using one; pages ask for today on every request.
const dayFormats = new Map<string | undefined, Intl.DateTimeFormat>();

/** Today's date in the given IANA time zone (the server's by default) as YYYY-MM-DD. */
export function todayIn(timeZone?: string, now: Date = new Date()): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(now);
}

/** Parses a user-typed date, returning a message when it is not a real day. */
export function parseCalendarDate(input: unknown): { ok: true; value: string } | { ok: false; error: string } {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, error: 'Enter a date.' };
  const text = input.trim();
  if (!ISO_DAY.test(text)) return { ok: false, error: 'Enter the date as YYYY-MM-DD, for example 2026-03-14.' };
  if (!isCalendarDate(text)) return { ok: false, error: 'Enter a real calendar date between 1900 and 2999.' };
  return { ok: true, value: text };
}
