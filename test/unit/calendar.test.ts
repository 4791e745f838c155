import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  zoneResolver,
  addDays,
  addMonths,
  dayAt,
  daysInMonth,
  isCalendarDate,
  isKnownTimeZone,
  lastDayOfMonth,
  nextMonth,
  parseIsoDay,
  parseIsoMonth,
  monthsSpanned,
  previousMonth,
  sameDayOfMonthIn,
  splitRangeIntoMonths,
} from '../../src/domain/calendar.ts';

describe('calendar months', () => {
  test('a month is YYYY-MM in the supported years; one written so outside them is out of range, not malformed', () => {
    for (const month of ['1900-01', '2026-03', '2999-12']) assert.deepEqual(parseIsoMonth(month), { ok: true, month });
    for (const month of ['0001-01', '1899-12', '3000-01', '9999-12']) assert.deepEqual(parseIsoMonth(month), { ok: false, problem: 'out-of-range' }, month);
    for (const month of ['2026-13', '2026-00', '2026-1', '26-01', '12026-01', 'march', '', ' 2026-03']) assert.deepEqual(parseIsoMonth(month), { ok: false, problem: 'format' }, month);
  });
});

describe('calendar days', () => {
  test('real calendar days are accepted, including leap days', () => {
    for (const day of ['2026-01-01', '2026-12-31', '2024-02-29', '2000-02-29', '1900-01-01', '2999-12-31']) {
      assert.equal(isCalendarDate(day), true, day);
    }
  });

  test('impossible or malformed days are rejected', () => {
    for (const day of ['2026-02-30', '2026-02-29', '1900-02-29', '2026-13-01', '2026-00-10', '2026-03-00', '2026-04-31', '2026-1-5', '26-01-01', '2026/01/01', '1899-12-31', '3000-01-01', '']) {
      assert.equal(isCalendarDate(day), false, day);
    }
  });

  test('parseIsoDay says what is wrong', () => {
    assert.deepEqual(parseIsoDay(' 2026-03-14 '), { ok: true, day: '2026-03-14' });
    assert.deepEqual(parseIsoDay(''), { ok: false, problem: 'empty' });
    assert.deepEqual(parseIsoDay('14/03/2026'), { ok: false, problem: 'format' });
    assert.deepEqual(parseIsoDay('2026-02-30'), { ok: false, problem: 'not-a-day' });
  });

  test('isCalendarDate agrees with the JavaScript calendar for every day it is given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, m, d) => {
        const text = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const roundTrip = new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
        assert.equal(isCalendarDate(text), roundTrip === text);
      }),
    );
  });

  test('daysInMonth and lastDayOfMonth know February in leap and common years', () => {
    assert.equal(daysInMonth(2024, 2), 29);
    assert.equal(daysInMonth(2026, 2), 28);
    assert.equal(daysInMonth(2026, 4), 30);
    assert.equal(lastDayOfMonth('2024-02'), '2024-02-29');
    assert.equal(lastDayOfMonth('2100-02'), '2100-02-28');
    assert.equal(lastDayOfMonth('2026-12'), '2026-12-31');
    // Every month of four centuries, 2000 (a leap year) and 2100 (not) included, as the calendar of Date counts it.
    for (let year = 1900; year <= 2300; year++) {
      for (let month = 1; month <= 12; month++) assert.equal(daysInMonth(year, month), new Date(Date.UTC(year, month, 0)).getUTCDate(), `${year}-${month}`);
    }
  });

  test('month arithmetic crosses year ends both ways', () => {
    assert.equal(nextMonth('2026-12'), '2027-01');
    assert.equal(previousMonth('2026-01'), '2025-12');
    assert.equal(addMonths('2026-11', 14), '2028-01');
    assert.equal(addMonths('2026-03', -27), '2023-12');
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2900 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: -600, max: 600 }), (y, m, n) => {
        const month = `${y}-${String(m).padStart(2, '0')}`;
        assert.equal(addMonths(addMonths(month, n), -n), month);
      }),
    );
  });

  test('day arithmetic crosses month, year and leap-day boundaries', () => {
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2026-02-28', 1), '2026-03-01');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2027-01-01', -1), '2026-12-31');
  });

  test('the day of an instant depends on the time zone it is lived in', () => {
    const instant = Date.parse('2026-03-01T02:00:00Z');
    assert.equal(dayAt(instant, 'UTC'), '2026-03-01');
    assert.equal(dayAt(instant, 'America/New_York'), '2026-02-28');
    assert.equal(dayAt(Date.parse('2026-12-31T22:30:00Z'), 'Europe/Kyiv'), '2027-01-01');
    assert.equal(isKnownTimeZone('Europe/Kyiv'), true);
    assert.equal(isKnownTimeZone('Mars/Olympus'), false);
  });

  test("a person's zone is theirs when Intl knows it, the instance's when they have none or it is unknown", () => {
    const zoneOf = zoneResolver('Europe/Kyiv');
    assert.equal(zoneOf('America/New_York'), 'America/New_York');
    assert.equal(zoneOf(null), 'Europe/Kyiv');
    assert.equal(zoneOf(undefined), 'Europe/Kyiv');
    assert.equal(zoneOf(''), 'Europe/Kyiv');
    assert.equal(zoneOf('Mars/Olympus'), 'Europe/Kyiv');
    assert.equal(zoneOf('Mars/Olympus'), 'Europe/Kyiv', 'and again, from what it remembers');
  });

  test("the same day of another month is that month's last day when the month is shorter", () => {
    assert.equal(sameDayOfMonthIn('2025-12', '2026-12-04'), '2025-12-04');
    assert.equal(sameDayOfMonthIn('2026-02', '2026-03-31'), '2026-02-28');
    assert.equal(sameDayOfMonthIn('2024-02', '2025-03-30'), '2024-02-29', 'a leap year');
    assert.equal(sameDayOfMonthIn('2026-04', '2026-03-31'), '2026-04-30');
    assert.equal(sameDayOfMonthIn('2026-01', '2026-02-28'), '2026-01-28', 'the last day of February is the 28th, not the last of January');
  });

  test('a range of months spans its first and last months and every one between', () => {
    assert.equal(monthsSpanned('2026-03', '2026-03'), 1);
    assert.equal(monthsSpanned('2025-11', '2026-02'), 4);
    assert.equal(monthsSpanned('2007-01', '2026-12'), 240);
    fc.assert(fc.property(fc.integer({ min: 1900, max: 2999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 600 }), (year, month, count) => {
      const from = `${year}-${String(month).padStart(2, '0')}`;
      return monthsSpanned(from, addMonths(from, count)) === count + 1;
    }));
  });
});

describe('splitting a date range into whole months and partial ends', () => {
  test('whole months only', () => {
    assert.deepEqual(splitRangeIntoMonths('2026-01-01', '2026-03-31'), { months: { from: '2026-01', to: '2026-03' }, dayRanges: [] });
  });

  test('partial months at both ends', () => {
    assert.deepEqual(splitRangeIntoMonths('2026-01-15', '2026-03-10'), {
      months: { from: '2026-02', to: '2026-02' },
      dayRanges: [
        { fromOn: '2026-01-15', toOn: '2026-01-31' },
        { fromOn: '2026-03-01', toOn: '2026-03-10' },
      ],
    });
  });

  test('within one month', () => {
    assert.deepEqual(splitRangeIntoMonths('2026-02-03', '2026-02-20'), { months: null, dayRanges: [{ fromOn: '2026-02-03', toOn: '2026-02-20' }] });
    // One day is a range of that day, not an empty one (a filter from 5 March to 5 March lists that day's rows).
    assert.deepEqual(splitRangeIntoMonths('2026-03-05', '2026-03-05'), { months: null, dayRanges: [{ fromOn: '2026-03-05', toOn: '2026-03-05' }] });
    assert.deepEqual(splitRangeIntoMonths('2026-02-01', '2026-02-20'), { months: null, dayRanges: [{ fromOn: '2026-02-01', toOn: '2026-02-20' }] });
  });

  test('open ends reach the start and end of time, and a reversed range is empty', () => {
    assert.deepEqual(splitRangeIntoMonths(undefined, undefined), { months: { from: '0000-00', to: '9999-99' }, dayRanges: [] });
    assert.deepEqual(splitRangeIntoMonths('2026-02-10', undefined), {
      months: { from: '2026-03', to: '9999-99' },
      dayRanges: [{ fromOn: '2026-02-10', toOn: '2026-02-28' }],
    });
    assert.deepEqual(splitRangeIntoMonths('2026-03-01', '2026-02-01'), { months: null, dayRanges: [] });
  });

  test('every day of a random range is covered exactly once', () => {
    const day = fc.integer({ min: 0, max: 4000 }).map((n) => addDays('2020-01-01', n));
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const split = splitRangeIntoMonths(from, to);
        const covered: string[] = [];
        for (const r of split.dayRanges) for (let d = r.fromOn; d <= r.toOn; d = addDays(d, 1)) covered.push(d);
        if (split.months) for (let d = `${split.months.from}-01`; d <= lastDayOfMonth(split.months.to); d = addDays(d, 1)) covered.push(d);
        const expected: string[] = [];
        for (let d = from; d <= to; d = addDays(d, 1)) expected.push(d);
        assert.deepEqual(covered.sort(), expected);
      }),
      { numRuns: 200 },
    );
  });
});
