/**
 * Calendar days and months, as the person lives them. A day is a `YYYY-MM-DD` string and a month a `YYYY-MM`
 * string; both sort as text. "Today" is never read here: it is computed from an instant and a time zone that the
 * caller passes in.
 */

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The first and last year a day may fall in; the forms, the import and the schema agree on this range. */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2999;

/** True for a year the app accepts dates in. */
export function isSupportedYear(year: number): boolean {
  return Number.isInteger(year) && year >= FIRST_YEAR && year <= LAST_YEAR;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Number of days in a month (1-12) of a year, leap years included. Arithmetic rather than a Date: a ten-year report
 * asks for it about 2,400 times a page.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return MONTH_DAYS[month - 1] ?? new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when the text is a real calendar day written YYYY-MM-DD in a supported year. */
export function isCalendarDate(text: string): boolean {
  const match = ISO_DAY.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isSupportedYear(year) || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** True when the text is a month written YYYY-MM in a supported year. */
export function isCalendarMonth(text: string): boolean {
  return parseIsoMonth(text).ok;
}

/** The first and last month a date may fall in (YYYY-MM), from the supported years. */
export const FIRST_MONTH = `${FIRST_YEAR}-01`;
export const LAST_MONTH = `${LAST_YEAR}-12`;

/** Why a typed month is not one the app covers: not written YYYY-MM (or no such month), or a year outside the range. */
export type MonthProblem = 'format' | 'out-of-range';

/** Reads a month typed as YYYY-MM: one in the supported years, or why not. */
export function parseIsoMonth(text: string): { ok: true; month: string } | { ok: false; problem: MonthProblem } {
  const match = ISO_MONTH.exec(text);
  if (!match) return { ok: false, problem: 'format' };
  return isSupportedYear(Number(match[1])) ? { ok: true, month: text } : { ok: false, problem: 'out-of-range' };
}

/** Why a typed day is not a day. */
export type DayProblem = 'empty' | 'format' | 'not-a-day';

/** Reads a day typed as YYYY-MM-DD (surrounding spaces ignored). */
export function parseIsoDay(input: string): { ok: true; day: string } | { ok: false; problem: DayProblem } {
  const text = input.trim();
  if (text === '') return { ok: false, problem: 'empty' };
  if (!ISO_DAY.test(text)) return { ok: false, problem: 'format' };
  if (!isCalendarDate(text)) return { ok: false, problem: 'not-a-day' };
  return { ok: true, day: text };
}

/** Builds YYYY-MM-DD from numbers, or undefined when they are not a real day in a supported year. */
export function dayFromParts(year: number, month: number, day: number): string | undefined {
  const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isCalendarDate(text) ? text : undefined;
}

/** The month a day falls in. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

function monthParts(month: string): [number, number] {
  return [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
}

/** The month `count` months after (or, negative, before) a month. */
export function addMonths(month: string, count: number): string {
  const [year, mon] = monthParts(month);
  const index = year * 12 + (mon - 1) + count;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The month after a month. */
export function nextMonth(month: string): string {
  return addMonths(month, 1);
}

/** The month before a month. */
export function previousMonth(month: string): string {
  return addMonths(month, -1);
}

/** The first day of a month. */
export function firstDayOfMonth(month: string): string {
  return `${month}-01`;
}

/** The last day of a month, leap years included. */
export function lastDayOfMonth(month: string): string {
  const [year, mon] = monthParts(month);
  return `${month}-${String(daysInMonth(year, mon)).padStart(2, '0')}`;
}

/** The day of `month` with the same day of the month as `day`, or the month's last day when it is shorter (31 Mar in February: the 28th or 29th). */
export function sameDayOfMonthIn(month: string, day: string): string {
  const last = lastDayOfMonth(month);
  return day.slice(8) > last.slice(8) ? last : `${month}-${day.slice(8)}`;
}

/** How many months an inclusive range of months spans (2026-01 to 2026-03: 3). */
export function monthsSpanned(fromMonth: string, toMonth: string): number {
  const [fromYear, fromMon] = monthParts(fromMonth);
  const [toYear, toMon] = monthParts(toMonth);
  return (toYear - fromYear) * 12 + toMon - fromMon + 1;
}

/** The day `count` days after (or, negative, before) a day. */
export function addDays(day: string, count: number): string {
  const ms = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) + count * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

// Building an Intl formatter costs far more than using one, and pages ask for today on every request.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day an instant (ms since the epoch) falls on in an IANA time zone, as YYYY-MM-DD. */
export function dayAt(instantMs: number, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(instantMs);
}

/** True when Intl knows the IANA time zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Zones the tz database renamed that ICU (Node 20's) still lists by their old names; a person looks for the name
 * their country uses now. Both names work: the old ones are links to the same zone.
 */
const RENAMED_ZONES: Readonly<Record<string, string>> = Object.freeze({
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
});

/** A zone by the name its country uses now (Asia/Kolkata for Asia/Calcutta), when this Intl knows that name. */
export function currentZoneName(zone: string): string {
  const current = RENAMED_ZONES[zone];
  return current !== undefined && isKnownTimeZone(current) ? current : zone;
}

let offeredZones: { list: readonly string[]; byName: ReadonlyMap<string, string> } | undefined;

/** The zones a person may choose from, made once: UTC first, then each IANA zone Intl lists, by its current name. */
function offeredZoneTable(): { list: readonly string[]; byName: ReadonlyMap<string, string> } {
  if (offeredZones) return offeredZones;
  // UTC first (Intl lists only the regional names), each by its current name where ICU still lists an old spelling
  // (Kiev, Calcutta, Saigon), in order of name.
  const listed = Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC');
  const list = Object.freeze(['UTC', ...listed.map(currentZoneName).sort()]);
  // Each name Intl lists, old or current, leads to the name offered.
  const byName = new Map<string, string>([['UTC', 'UTC'], ...listed.map((zone) => [zone, currentZoneName(zone)] as const), ...list.map((zone) => [zone, zone] as const)]);
  offeredZones = { list, byName };
  return offeredZones;
}

/** Every zone a person may choose on their account page: UTC, then every IANA zone this Intl knows, by current name. */
export function offeredTimeZones(): readonly string[] {
  return offeredZoneTable().list;
}

/**
 * The offered name of a zone written any way the tz database allows (Asia/Calcutta and Asia/Kolkata are
 * Asia/Kolkata, US/Eastern is America/New_York, Etc/UTC is UTC), or undefined for a zone that is none of the
 * offered ones (Etc/GMT+5) or no zone at all. A zone saved by a name the list lacks could never be shown chosen.
 */
export function offeredTimeZoneFor(zone: string): string | undefined {
  const { byName } = offeredZoneTable();
  const direct = byName.get(zone);
  if (direct !== undefined) return direct;
  if (!isKnownTimeZone(zone)) return undefined;
  // Intl resolves a link to the zone it names (US/Eastern to America/New_York), in any case of its letters.
  return byName.get(new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone);
}

/**
 * The zone a person's days are counted in: the one they chose, or the instance's when they chose none or chose one
 * that has since left the tz database (Intl would throw for it). Each zone is checked once per resolver, not on
 * every call. Every place that turns "now" into a person's today goes through one: the pages, the API and the
 * poster must agree on the day.
 */
export function zoneResolver(defaultZone: string): (chosen: string | null | undefined) => string {
  const checked = new Map<string, boolean>();
  return (chosen) => {
    if (!chosen) return defaultZone;
    let known = checked.get(chosen);
    if (known === undefined) checked.set(chosen, (known = isKnownTimeZone(chosen)));
    return known ? chosen : defaultZone;
  };
}

/** An inclusive range of whole months, YYYY-MM to YYYY-MM. */
export interface MonthRange {
  readonly from: string;
  readonly to: string;
}

/** Every month there is: the range an all-time total reads. */
export const ALL_MONTHS: MonthRange = Object.freeze({ from: '0000-00', to: '9999-99' });

/**
 * Splits an inclusive day range into whole months and at most two partial-month day ranges, so a total can read
 * per-month sums for the middle and rows only at the ends. Open ends reach to the beginning or end of time.
 */
export function splitRangeIntoMonths(
  fromOn: string | undefined,
  toOn: string | undefined,
): { months: MonthRange | null; dayRanges: { fromOn: string; toOn: string }[] } {
  if (fromOn !== undefined && toOn !== undefined && fromOn > toOn) return { months: null, dayRanges: [] };
  const dayRanges: { fromOn: string; toOn: string }[] = [];
  let monthFrom = ALL_MONTHS.from;
  let monthTo = ALL_MONTHS.to;
  if (fromOn !== undefined) {
    const month = monthOf(fromOn);
    if (fromOn === firstDayOfMonth(month)) monthFrom = month;
    else {
      const end = lastDayOfMonth(month);
      dayRanges.push({ fromOn, toOn: toOn !== undefined && toOn < end ? toOn : end });
      monthFrom = nextMonth(month);
    }
  }
  if (toOn !== undefined) {
    const month = monthOf(toOn);
    if (toOn === lastDayOfMonth(month)) monthTo = month;
    else {
      monthTo = previousMonth(month);
      // When both ends fall in one month, the first range above already covers it.
      if (fromOn === undefined || monthOf(fromOn) !== month) dayRanges.push({ fromOn: firstDayOfMonth(month), toOn });
      else if (fromOn === firstDayOfMonth(month)) dayRanges.push({ fromOn, toOn });
    }
  }
  return { months: monthFrom <= monthTo ? { from: monthFrom, to: monthTo } : null, dayRanges };
}

/**
 * Formats YYYY-MM-DD days and months in a locale ("Mar 14, 2026" and "March 2026" in en-US, "14 бер. 2026 р." and
 * "березень 2026 р." in uk-UA). A day is a calendar date, not an instant, so it is formatted at UTC midnight in UTC
 * and never shifts by a time zone.
 */
export function createDayFormatter(locale: string) {
  const dayFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const monthFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' });
  const shortMonthFormat = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' });
  // The year in full: "Jan 26" reads as the 26th of January.
  const shortMonthYearFormat = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const dayOfMonthFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  const atUtc = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day));
  // A page names the same few dozen months again and again (chart axes, tooltips, tables): each is formatted once.
  const monthNames = new Map<string, string>();
  const monthsInText = new Map<string, string>();
  const monthsSince = new Map<string, string>();
  /** Bounded, so a crawler walking every month of 1900-2999 cannot grow a cache without end. */
  const remember = (cache: Map<string, string>, month: string, name: string) => {
    if (cache.size < 10_000) cache.set(month, name);
    return name;
  };
  const shortMonthNames = new Map<string, string>();
  // And a list page writes a day for each of its 50 rows, mostly the same few: Intl's format took 8% of its route.
  const dayNames = new Map<string, string>();
  // Where the medium form shortens the month with a full stop (Ukrainian "груд."), a sentence or a screen
  // reader's label takes the long form, which a screen reader says whole; elsewhere ("Mar 14, 2026") the medium one.
  const abbreviates = dayFormat.formatToParts(atUtc(2026, 12, 4)).some((part) => part.type === 'month' && part.value.includes('.'));
  const daysInText = new Map<string, string>();
  return {
    /** A calendar day for reading. */
    formatDay(day: string): string {
      let name = dayNames.get(day);
      if (name === undefined) {
        name = dayFormat.format(atUtc(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))));
        // Bounded like the months below: ten thousand days are 27 years of a history.
        if (dayNames.size < 10_000) dayNames.set(day, name);
      }
      return name;
    },
    /** A calendar day inside a sentence or a label read aloud: the day as formatDay writes it, unless that shortens the month with a full stop (the Ukrainian "4 grud. 2026 r.", in Cyrillic), which screen readers stumble over, then with the month in full. */
    formatDayInText(day: string): string {
      if (!abbreviates) return this.formatDay(day);
      let name = daysInText.get(day);
      if (name === undefined) {
        name = dayOfMonthFormat.format(atUtc(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))));
        if (daysInText.size < 10_000) daysInText.set(day, name);
      }
      return name;
    },
    /**
     * A YYYY-MM month for a chart's axis: "Mar", and in January the year alone ("2026"), as charts mark where a year
     * turns. It is no wider than a month's name, so twelve of them still fit a phone's chart ("Jan 2026" did not, and
     * every other month was dropped, January with it).
     */
    formatAxisMonth(month: string): string {
      return month.endsWith('-01') ? month.slice(0, 4) : this.formatShortMonth(month);
    },
    /** A YYYY-MM month for a column heading: "Mar", and "Jan 2026" in January so the year shows where it turns. */
    formatShortMonth(month: string): string {
      let name = shortMonthNames.get(month);
      if (name === undefined) {
        const date = atUtc(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1);
        name = (month.endsWith('-01') ? shortMonthYearFormat : shortMonthFormat).format(date);
        if (shortMonthNames.size < 10_000) shortMonthNames.set(month, name);
      }
      return name;
    },
    /** A YYYY-MM month inside a sentence, as the language writes it there: "December 2026", lower case in Ukrainian. */
    formatMonthInText(month: string): string {
      return monthsInText.get(month) ?? remember(monthsInText, month, monthFormat.format(atUtc(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)));
    },
    /**
     * A YYYY-MM month after "from": where the language declines month names, the form a date gives them (in
     * Ukrainian the genitive, as a date "1 <month> 2026" writes it); elsewhere the month in text ("from January 2026").
     * (Comments here stay ASCII: esbuild keeps them in the bundle, which V8 holds as one-byte text only if all is.)
     */
    formatMonthSince(month: string): string {
      const known = monthsSince.get(month);
      if (known !== undefined) return known;
      const date = atUtc(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1);
      const inDate = dayOfMonthFormat.formatToParts(date).find((part) => part.type === 'month')?.value;
      const alone = monthFormat.formatToParts(date);
      // The declined name in place of the plain one, where the plain phrase starts with the month ("грудень 2026 р.").
      const inText = this.formatMonthInText(month);
      const since = inDate !== undefined && alone[0]?.type === 'month' && alone[0].value !== inDate && inText.startsWith(alone[0].value)
        ? inDate + inText.slice(alone[0].value.length)
        : inText;
      return remember(monthsSince, month, since);
    },
    /** A YYYY-MM month for reading, standing alone (a heading, a period name). */
    formatMonth(month: string): string {
      let name = monthNames.get(month);
      if (name === undefined) {
        const text = monthFormat.format(atUtc(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1));
        // Some languages write month names in lower case ("березень"); as a label it starts with a capital.
        name = text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
        // Bounded, so a crawler walking every month of 1900-2999 cannot grow it without end.
        if (monthNames.size < 10_000) monthNames.set(month, name);
      }
      return name;
    },
  };
}

export type DayFormatter = ReturnType<typeof createDayFormatter>;
