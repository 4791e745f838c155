import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addDays, daysInMonth } from '../../src/domain/calendar.ts';
import {
  closestWithinWindow,
  countOffsetFor,
  earliestPeriodStart,
  editedRuleStart,
  FREQUENCIES,
  isServedElsewhere,
  periodOf,
  MAX_INTERVAL,
  MAX_OCCURRENCES,
  firstOccurrenceOnOrAfter,
  isOccurrence,
  nextOccurrenceAfter,
  occurrencesBetween,
  recurrenceRuleProblem,
  weekdayOf,
  type Frequency,
  type RecurrenceRule,
} from '../../src/domain/schedules.ts';

const FAR_FUTURE = '2999-12-31';

function rule(fields: Partial<RecurrenceRule> & Pick<RecurrenceRule, 'frequency' | 'startOn'>): RecurrenceRule {
  return { interval: 1, weekday: null, monthDay: null, endOn: null, maxCount: null, ...fields };
}

const monthly = (monthDay: number, startOn: string, more: Partial<RecurrenceRule> = {}) =>
  rule({ frequency: 'months', monthDay, startOn, ...more });

/**
 * The rules as written, applied to one day at a time from startOn: slow and obviously right. It shares nothing with
 * the module but calendar.ts's addDays and daysInMonth, and reads weekdays from Date.
 */
function naiveOccurrences(r: RecurrenceRule, fromOn: string, toOn: string): string[] {
  const [startYear, startMonth, startDay] = r.startOn.split('-').map(Number) as [number, number, number];
  const lastOn = [toOn, r.endOn ?? FAR_FUTURE, FAR_FUTURE].sort()[0]!;
  const found: string[] = [];
  let count = 0;
  let firstWeekdayOffset: number | undefined;
  for (let offset = 0, day = r.startOn; day <= lastOn; offset++, day = addDays(day, 1)) {
    const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
    let occurs = false;
    switch (r.frequency) {
      case 'days':
        occurs = offset % r.interval === 0;
        break;
      case 'weeks':
        if (firstWeekdayOffset === undefined && new Date(`${day}T00:00:00Z`).getUTCDay() === r.weekday) firstWeekdayOffset = offset;
        occurs = firstWeekdayOffset !== undefined && (offset - firstWeekdayOffset) % (7 * r.interval) === 0;
        break;
      case 'months': {
        const monthsSinceStart = (year - startYear) * 12 + (month - startMonth);
        occurs = monthsSinceStart % r.interval === 0 && dayOfMonth === Math.min(r.monthDay!, daysInMonth(year, month));
        break;
      }
      case 'years':
        occurs =
          (year - startYear) % r.interval === 0 && month === startMonth && dayOfMonth === Math.min(startDay, daysInMonth(year, month));
        break;
    }
    if (!occurs) continue;
    count++;
    if (r.maxCount !== null && count > r.maxCount) break;
    if (day >= fromOn) found.push(day);
  }
  return found;
}

const dayArb = (fromOn: string, spanDays: number) => fc.integer({ min: 0, max: spanDays }).map((n) => addDays(fromOn, n));

// Small intervals most of the time so series have many occurrences in a short window; large ones now and then.
const intervalArb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_INTERVAL }) });

// Mostly around today, sometimes at the end of the supported years so the 2999 cut-off is exercised.
const startArb = fc.oneof({ weight: 4, arbitrary: dayArb('2023-01-01', 3 * 365) }, { weight: 1, arbitrary: dayArb('2997-01-01', 3 * 365 - 1) });

const ruleArb: fc.Arbitrary<RecurrenceRule> = fc
  .record({
    frequency: fc.constantFrom<Frequency>(...FREQUENCIES),
    interval: intervalArb,
    startOn: startArb,
    weekday: fc.integer({ min: 0, max: 6 }),
    // The last days of the month are the interesting ones.
    monthDay: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 28, max: 31 })),
    endAfterDays: fc.option(fc.integer({ min: -30, max: 900 }), { nil: null }),
    maxCount: fc.option(fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: MAX_OCCURRENCES })), { nil: null }),
  })
  .map(({ frequency, interval, startOn, weekday, monthDay, endAfterDays, maxCount }) => ({
    frequency,
    // Yearly series with a huge interval rarely show a second occurrence; keep them readable.
    interval: frequency === 'years' ? Math.min(interval, 3) : interval,
    startOn,
    weekday: frequency === 'weeks' ? weekday : null,
    monthDay: frequency === 'months' ? monthDay : null,
    // An end past the supported years is not a valid rule; the cut-off itself is what the late starts test.
    endOn: endAfterDays === null ? null : [addDays(startOn, endAfterDays), FAR_FUTURE].sort()[0]!,
    maxCount,
  }));

/** A rule and a window of at most ~400 days that starts up to 100 days before the rule and up to 3 years after. */
const ruleAndRangeArb = fc
  .tuple(ruleArb, fc.integer({ min: -100, max: 3 * 365 }), fc.integer({ min: -5, max: 400 }))
  .map(([r, fromOffset, width]) => {
    const fromOn = addDays(r.startOn, fromOffset);
    return { rule: r, fromOn, toOn: addDays(fromOn, width) };
  });

describe('schedules: monthly', () => {
  test('the 31st of every month posts on the last day of shorter months, Feb 29 in a leap year and Feb 28 otherwise', () => {
    assert.deepEqual(occurrencesBetween(monthly(31, '2024-01-01'), '2024-01-01', '2025-12-31'), [
      '2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31', '2024-06-30',
      '2024-07-31', '2024-08-31', '2024-09-30', '2024-10-31', '2024-11-30', '2024-12-31',
      '2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31', '2025-06-30',
      '2025-07-31', '2025-08-31', '2025-09-30', '2025-10-31', '2025-11-30', '2025-12-31',
    ]);
  });

  test('monthly on the 31st starting Jan 31 runs through the year without drifting to the 28th or 30th', () => {
    const r = monthly(31, '2026-01-31');
    assert.deepEqual(occurrencesBetween(r, '2026-01-01', '2027-01-31'), [
      '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30', '2026-07-31',
      '2026-08-31', '2026-09-30', '2026-10-31', '2026-11-30', '2026-12-31', '2027-01-31',
    ]);
    assert.equal(nextOccurrenceAfter(r, '2026-02-28'), '2026-03-31');
    assert.equal(isOccurrence(r, '2026-02-28'), true);
    assert.equal(isOccurrence(r, '2026-03-28'), false);
  });

  test('every 2 months keeps to the start month\'s grid across the year end', () => {
    assert.deepEqual(occurrencesBetween(monthly(15, '2025-11-15', { interval: 2 }), '2025-01-01', '2026-12-31'), [
      '2025-11-15', '2026-01-15', '2026-03-15', '2026-05-15', '2026-07-15', '2026-09-15', '2026-11-15',
    ]);
  });

  test('a start after the month day in the start month begins one interval later', () => {
    assert.equal(firstOccurrenceOnOrAfter(monthly(5, '2026-01-20'), '2000-01-01'), '2026-02-05');
    assert.deepEqual(occurrencesBetween(monthly(5, '2026-01-20'), '2026-01-01', '2026-04-30'), ['2026-02-05', '2026-03-05', '2026-04-05']);
    // Every 3 months: April, then July, October... (start month + 3k), not May.
    assert.deepEqual(occurrencesBetween(monthly(5, '2026-01-20', { interval: 3 }), '2026-01-01', '2026-12-31'), [
      '2026-04-05', '2026-07-05', '2026-10-05',
    ]);
  });

  test('a start on the month day itself counts the start month', () => {
    assert.deepEqual(occurrencesBetween(monthly(20, '2026-01-20'), '2026-01-01', '2026-02-28'), ['2026-01-20', '2026-02-20']);
    // The 31st of February 2026 is the 28th: a start on Feb 28 counts February.
    assert.equal(firstOccurrenceOnOrAfter(monthly(31, '2026-02-28'), '2026-01-01'), '2026-02-28');
  });
});

describe('schedules: days, weeks and years', () => {
  test('every 10 days steps across month and leap-day boundaries', () => {
    assert.deepEqual(occurrencesBetween(rule({ frequency: 'days', interval: 10, startOn: '2024-02-09' }), '2024-02-01', '2024-03-31'), [
      '2024-02-09', '2024-02-19', '2024-02-29', '2024-03-10', '2024-03-20', '2024-03-30',
    ]);
  });

  test('every 3 weeks on a Wednesday starts on the first Wednesday on or after the start', () => {
    // 2026-03-02 is a Monday; the first Wednesday is 2026-03-04.
    const r = rule({ frequency: 'weeks', interval: 3, weekday: 3, startOn: '2026-03-02' });
    const days = occurrencesBetween(r, '2026-01-01', '2026-06-30');
    assert.deepEqual(days, ['2026-03-04', '2026-03-25', '2026-04-15', '2026-05-06', '2026-05-27', '2026-06-17']);
    for (const day of days) assert.equal(weekdayOf(day), 3, day);
  });

  test('weekly starting on a day that is not the weekday waits for the weekday, even into the next week', () => {
    // 2026-03-06 is a Friday; Monday-weekly starts on 2026-03-09; Friday-weekly on the start itself.
    assert.deepEqual(occurrencesBetween(rule({ frequency: 'weeks', weekday: 1, startOn: '2026-03-06' }), '2026-03-01', '2026-03-23'), [
      '2026-03-09', '2026-03-16', '2026-03-23',
    ]);
    assert.equal(firstOccurrenceOnOrAfter(rule({ frequency: 'weeks', weekday: 5, startOn: '2026-03-06' }), '2026-03-01'), '2026-03-06');
    // Thursday-weekly from a Friday start: six days later.
    assert.equal(firstOccurrenceOnOrAfter(rule({ frequency: 'weeks', weekday: 4, startOn: '2026-03-06' }), '2026-03-01'), '2026-03-12');
  });

  test('yearly on Feb 29 posts on Feb 28 in common years and returns to Feb 29 in leap years', () => {
    assert.deepEqual(occurrencesBetween(rule({ frequency: 'years', startOn: '2024-02-29' }), '2024-01-01', '2028-12-31'), [
      '2024-02-29', '2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29',
    ]);
    assert.deepEqual(occurrencesBetween(rule({ frequency: 'years', interval: 2, startOn: '2024-02-29' }), '2024-01-01', '2030-12-31'), [
      '2024-02-29', '2026-02-28', '2028-02-29', '2030-02-28',
    ]);
  });

  test('weekdayOf counts from Sunday', () => {
    assert.equal(weekdayOf('1970-01-01'), 4);
    assert.equal(weekdayOf('2026-03-01'), 0);
    assert.equal(weekdayOf('2026-03-07'), 6);
    assert.equal(weekdayOf('1900-01-01'), 1);
    assert.equal(weekdayOf('2999-12-31'), 2);
  });
});

describe('schedules: the end of a series', () => {
  test('endOn is the last possible day, inclusive', () => {
    const r = rule({ frequency: 'days', interval: 7, startOn: '2026-01-01', endOn: '2026-01-29' });
    assert.deepEqual(occurrencesBetween(r, '2026-01-01', '2026-12-31'), ['2026-01-01', '2026-01-08', '2026-01-15', '2026-01-22', '2026-01-29']);
    assert.equal(nextOccurrenceAfter(r, '2026-01-22'), '2026-01-29');
    assert.equal(nextOccurrenceAfter(r, '2026-01-29'), null);
    assert.equal(isOccurrence(r, '2026-02-05'), false);
  });

  test('maxCount counts from the first occurrence, wherever the range starts', () => {
    const r = monthly(5, '2026-01-20', { maxCount: 3 });
    assert.deepEqual(occurrencesBetween(r, '2026-01-01', '2026-12-31'), ['2026-02-05', '2026-03-05', '2026-04-05']);
    assert.deepEqual(occurrencesBetween(r, '2026-03-10', '2026-12-31'), ['2026-04-05']);
    assert.equal(nextOccurrenceAfter(r, '2026-03-05'), '2026-04-05');
    assert.equal(nextOccurrenceAfter(r, '2026-04-05'), null);
    assert.equal(firstOccurrenceOnOrAfter(r, '2026-04-06'), null);
  });

  test('whichever of endOn and maxCount comes first ends the series', () => {
    const byCount = rule({ frequency: 'days', startOn: '2026-01-01', endOn: '2026-01-31', maxCount: 2 });
    assert.deepEqual(occurrencesBetween(byCount, '2026-01-01', '2026-12-31'), ['2026-01-01', '2026-01-02']);
    const byEnd = rule({ frequency: 'days', startOn: '2026-01-01', endOn: '2026-01-02', maxCount: 10 });
    assert.deepEqual(occurrencesBetween(byEnd, '2026-01-01', '2026-12-31'), ['2026-01-01', '2026-01-02']);
  });

  test('an end before the start means no occurrences at all', () => {
    const r = rule({ frequency: 'days', startOn: '2026-01-10', endOn: '2026-01-09' });
    assert.deepEqual(occurrencesBetween(r, '2000-01-01', FAR_FUTURE), []);
    assert.equal(firstOccurrenceOnOrAfter(r, '2000-01-01'), null);
  });

  test('nothing occurs after the last supported day, 2999-12-31', () => {
    const r = rule({ frequency: 'days', startOn: '2999-12-30' });
    assert.deepEqual(occurrencesBetween(r, '2999-01-01', '3005-01-01'), ['2999-12-30', '2999-12-31']);
    assert.equal(nextOccurrenceAfter(r, '2999-12-31'), null);
    assert.equal(nextOccurrenceAfter(rule({ frequency: 'years', interval: MAX_INTERVAL, startOn: '2026-06-01' }), '2026-06-01'), null);
  });

  test('an empty or inverted range, or a limit of zero, yields nothing', () => {
    const r = rule({ frequency: 'days', startOn: '2026-01-01' });
    assert.deepEqual(occurrencesBetween(r, '2026-02-02', '2026-02-01'), []);
    assert.deepEqual(occurrencesBetween(r, '2026-02-01', '2026-03-01', 0), []);
    assert.deepEqual(occurrencesBetween(r, '2026-02-01', '2026-03-01', 2), ['2026-02-01', '2026-02-02']);
  });
});

describe('schedules: long series and catch-up', () => {
  test('a 30-year-old daily schedule answers for today directly, and 10,000 occurrences come back in order', () => {
    const r = rule({ frequency: 'days', startOn: '1996-01-01' });
    assert.equal(nextOccurrenceAfter(r, '2026-03-14'), '2026-03-15');
    const days = occurrencesBetween(r, '2026-01-01', addDays('2026-01-01', 9_999));
    assert.equal(days.length, 10_000);
    assert.equal(days[0], '2026-01-01');
    assert.equal(days.at(-1), addDays('2026-01-01', 9_999));
    for (let i = 1; i < days.length; i++) assert.equal(days[i], addDays(days[i - 1]!, 1));
  });

  test('maxCount of 10,000 on a daily series ends on the 10,000th day', () => {
    const r = rule({ frequency: 'days', startOn: '2000-01-01', maxCount: MAX_OCCURRENCES });
    const last = addDays('2000-01-01', MAX_OCCURRENCES - 1);
    assert.deepEqual(occurrencesBetween(r, addDays(last, -1), FAR_FUTURE), [addDays(last, -1), last]);
    assert.equal(nextOccurrenceAfter(r, last), null);
    assert.equal(occurrencesBetween(r, '1900-01-01', FAR_FUTURE).length, MAX_OCCURRENCES);
  });

  test('a monthly series from 1900 jumps straight to the end of the supported years', () => {
    const r = monthly(31, '1900-01-01', { interval: 7 });
    const days = occurrencesBetween(r, '2990-01-01', FAR_FUTURE);
    // 1,090 years are 13,080 months, 4 past a multiple of 7: the grid resumes in April 2990, as a new series would.
    assert.equal(days[0], '2990-04-30');
    assert.deepEqual(days, naiveOccurrences(monthly(31, '2990-04-01', { interval: 7 }), '2990-01-01', FAR_FUTURE));
    for (const day of days) assert.equal(isOccurrence(r, day), true, day);
  });
});

describe('schedules: invalid input', () => {
  test('recurrenceRuleProblem names the field that is wrong', () => {
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01' })), null);
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'fortnights' as Frequency, startOn: '2026-01-01' })), 'frequency');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', interval: 0 })), 'interval');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', interval: MAX_INTERVAL + 1 })), 'interval');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', interval: 1.5 })), 'interval');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-02-30' })), 'startOn');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'weeks', startOn: '2026-01-01' })), 'weekday');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'weeks', startOn: '2026-01-01', weekday: 7 })), 'weekday');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', weekday: 1 })), 'weekday');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'months', startOn: '2026-01-01' })), 'monthDay');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'months', startOn: '2026-01-01', monthDay: 32 })), 'monthDay');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'years', startOn: '2026-01-01', monthDay: 1 })), 'monthDay');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', endOn: '3000-01-01' })), 'endOn');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', maxCount: 0 })), 'maxCount');
    assert.equal(recurrenceRuleProblem(rule({ frequency: 'days', startOn: '2026-01-01', maxCount: MAX_OCCURRENCES + 1 })), 'maxCount');
  });

  test('an invalid rule, day or limit throws a RangeError instead of looping or guessing', () => {
    const good = rule({ frequency: 'days', startOn: '2026-01-01' });
    assert.throws(() => occurrencesBetween(rule({ frequency: 'days', startOn: '2026-01-01', interval: 0 }), '2026-01-01', '2026-02-01'), RangeError);
    assert.throws(() => occurrencesBetween(good, '2026-1-1', '2026-02-01'), RangeError);
    assert.throws(() => occurrencesBetween(good, '2026-01-01', '2026-02-30'), RangeError);
    assert.throws(() => occurrencesBetween(good, '2026-01-01', '2026-02-01', -1), RangeError);
    assert.throws(() => nextOccurrenceAfter(good, 'yesterday'), RangeError);
    assert.throws(() => weekdayOf('2026-13-01'), RangeError);
    assert.equal(isOccurrence(good, 'not a day'), false);
  });
});

describe('schedules: properties', () => {
  test('occurrencesBetween matches a day-by-day walk of the rules from the start', () => {
    fc.assert(
      fc.property(ruleAndRangeArb, ({ rule: r, fromOn, toOn }) => {
        assert.deepEqual(occurrencesBetween(r, fromOn, toOn), naiveOccurrences(r, fromOn, toOn));
      }),
      { numRuns: 150 },
    );
  });

  test('occurrences are ascending, unique, inside the range and each one is an occurrence', () => {
    fc.assert(
      fc.property(ruleAndRangeArb, fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), ({ rule: r, fromOn, toOn }, limit) => {
        const days = occurrencesBetween(r, fromOn, toOn, limit);
        if (limit !== undefined) {
          assert.ok(days.length <= limit);
          assert.deepEqual(days, occurrencesBetween(r, fromOn, toOn).slice(0, limit));
        }
        for (let i = 0; i < days.length; i++) {
          const day = days[i]!;
          assert.ok(day >= fromOn && day <= toOn && day >= r.startOn, day);
          if (r.endOn !== null) assert.ok(day <= r.endOn, day);
          if (i > 0) assert.ok(days[i - 1]! < day, `${days[i - 1]} < ${day}`);
          assert.equal(isOccurrence(r, day), true, day);
        }
        if (r.frequency === 'weeks') for (const day of days) assert.equal(weekdayOf(day), r.weekday);
      }),
      { numRuns: 150 },
    );
  });

  test('nextOccurrenceAfter is the first occurrence from the next day on, and firstOccurrenceOnOrAfter from the day itself', () => {
    fc.assert(
      fc.property(ruleArb, fc.integer({ min: -100, max: 5 * 365 }), (r, offset) => {
        const day = addDays(r.startOn, offset);
        const next = nextOccurrenceAfter(r, day);
        assert.equal(next, occurrencesBetween(r, addDays(day, 1), FAR_FUTURE, 1)[0] ?? null);
        assert.equal(firstOccurrenceOnOrAfter(r, day), occurrencesBetween(r, day, FAR_FUTURE, 1)[0] ?? null);
        assert.equal(isOccurrence(r, day), firstOccurrenceOnOrAfter(r, day) === day);
        // Nothing lies strictly between the day and the next occurrence.
        if (next !== null && next > addDays(day, 1)) assert.deepEqual(occurrencesBetween(r, addDays(day, 1), addDays(next, -1)), []);
      }),
      { numRuns: 200 },
    );
  });

  test('weekdayOf agrees with the JavaScript calendar', () => {
    fc.assert(
      fc.property(dayArb('1900-01-01', 401_000), (day) => {
        assert.equal(weekdayOf(day), new Date(`${day}T00:00:00Z`).getUTCDay());
      }),
    );
  });
});

describe('schedules: where an edited rule takes over', () => {
  const monthly = (monthDay: number, extra: Partial<RecurrenceRule> = {}): RecurrenceRule => ({
    frequency: 'months', interval: 1, startOn: '2027-01-01', weekday: null, monthDay, endOn: null, maxCount: null, ...extra,
  });
  test('an edited rule takes over at the start of today\'s period; a daily one tomorrow', () => {
    assert.equal(editedRuleStart('months', '2027-03-17'), '2027-03-01');
    assert.equal(editedRuleStart('years', '2027-03-17'), '2027-01-01');
    // Wednesday 17 March 2027: its week began on Monday the 15th.
    assert.equal(editedRuleStart('weeks', '2027-03-17'), '2027-03-15');
    assert.equal(editedRuleStart('weeks', '2027-03-14'), '2027-03-08', 'a Sunday belongs to the week before');
    assert.equal(editedRuleStart('days', '2027-12-31'), '2028-01-01');
  });
  test('periods: a month, a Monday-to-Sunday week, a year, a day', () => {
    assert.deepEqual(periodOf('months', '2028-02-10'), { from: '2028-02-01', to: '2028-02-29' });
    assert.deepEqual(periodOf('weeks', '2027-01-01'), { from: '2026-12-28', to: '2027-01-03' });
    assert.deepEqual(periodOf('years', '2027-06-30'), { from: '2027-01-01', to: '2027-12-31' });
    assert.deepEqual(periodOf('days', '2027-06-30'), { from: '2027-06-30', to: '2027-06-30' });
    assert.equal(earliestPeriodStart('2027-01-01'), '2026-12-28');
    assert.equal(earliestPeriodStart('2027-06-30'), '2027-01-01');
  });
  test('an occurrence is passed over when another day in its period was handled, never for a daily rule', () => {
    // March's rent paid on the 15th: the rule moved to the 20th does not pay March again.
    assert.equal(isServedElsewhere('months', '2027-03-20', ['2027-02-15', '2027-03-15']), true);
    assert.equal(isServedElsewhere('months', '2027-04-20', ['2027-02-15', '2027-03-15']), false);
    assert.equal(isServedElsewhere('months', '2027-03-15', ['2027-03-15']), false, 'the day itself is its own, not another');
    assert.equal(isServedElsewhere('weeks', '2027-03-17', ['2027-03-15']), true);
    assert.equal(isServedElsewhere('weeks', '2027-03-22', ['2027-03-21']), false, 'Sunday is the week before');
    assert.equal(isServedElsewhere('days', '2027-03-17', ['2027-03-16', '2027-03-18']), false);
  });
  test('countOffsetFor makes "N times" count every day handled, under any rule', () => {
    // Every 2 months from January, 6 times, three handled already: May, July and September are the three left.
    const rule = monthly(15, { interval: 2, maxCount: 6 });
    const none = () => false;
    assert.deepEqual(occurrencesBetween({ ...rule, countOffset: countOffsetFor(rule, '2027-04-01', 3, none) }, '2027-04-01', FAR_FUTURE), ['2027-05-15', '2027-07-15', '2027-09-15']);
    // None left (more handled than the count allows): the series has ended.
    assert.deepEqual(occurrencesBetween({ ...rule, countOffset: countOffsetFor(rule, '2027-04-01', -1, none) }, '2027-04-01', FAR_FUTURE), []);
    // A day taken (handled already, or in a period served) is stepped over and does not use up what is left.
    const taken = (day: string) => day === '2027-05-15';
    const offset = countOffsetFor(rule, '2027-04-01', 2, taken);
    assert.deepEqual(occurrencesBetween({ ...rule, countOffset: offset }, '2027-04-01', FAR_FUTURE).filter((d) => !taken(d)), ['2027-07-15', '2027-09-15']);
    assert.equal(countOffsetFor({ ...rule, maxCount: null }, '2027-04-01', 5, none), 0, 'no count, no offset');
  });
});

describe('matching a bank row to a scheduled occurrence', () => {
  test('a day up to three days away matches, the closest first (the earlier on a tie); four days away does not', () => {
    const on = (day: string) => ({ on: day });
    assert.deepEqual(closestWithinWindow('2026-03-04', [on('2026-03-01')]), on('2026-03-01'), 'rent on the 1st paid on the 4th, over a weekend');
    assert.deepEqual(closestWithinWindow('2026-02-26', [on('2026-03-01')]), on('2026-03-01'), 'three days early');
    assert.equal(closestWithinWindow('2026-03-05', [on('2026-03-01')]), undefined, 'four days late is a row of its own');
    assert.deepEqual(closestWithinWindow('2026-03-05', [on('2026-03-03'), on('2026-03-07')]), on('2026-03-03'), 'a tie goes to the earlier');
    assert.deepEqual(closestWithinWindow('2026-03-05', [on('2026-03-02'), on('2026-03-06')]), on('2026-03-06'));
  });
});
