import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { daysInMonth, isCalendarDate, parseCalendarDate, todayIn } from '../../src/services/dates.ts';

test('real calendar days are accepted, including leap days', () => {
  for (const day of ['2026-01-01', '2026-12-31', '2024-02-29', '2000-02-29', '1900-01-01', '2999-12-31']) {
    assert.equal(isCalendarDate(day), true, day);
  }
});

test('impossible or malformed days are rejected', () => {
  for (const day of ['2026-02-30', '2026-02-29', '1900-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-5', '26-01-01', '2026/01/01', '1899-12-31', '3000-01-01', '']) {
    assert.equal(isCalendarDate(day), false, day);
  }
});

test('parseCalendarDate explains what is wrong', () => {
  assert.deepEqual(parseCalendarDate(' 2026-03-14 '), { ok: true, value: '2026-03-14' });
  const missing = parseCalendarDate('');
  assert.ok(!missing.ok && /Enter a date/.test(missing.error));
  const shape = parseCalendarDate('14/03/2026');
  assert.ok(!shape.ok && /YYYY-MM-DD/.test(shape.error));
  const unreal = parseCalendarDate('2026-02-30');
  assert.ok(!unreal.ok && /real calendar date/.test(unreal.error));
  assert.equal(parseCalendarDate(['2026-01-01']).ok, false);
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

test('daysInMonth knows February in leap and common years', () => {
  assert.equal(daysInMonth(2024, 2), 29);
  assert.equal(daysInMonth(2026, 2), 28);
  assert.equal(daysInMonth(2026, 4), 30);
});

test('todayIn gives the calendar day in the requested time zone', () => {
  const instant = new Date('2026-03-01T02:00:00Z');
  assert.equal(todayIn('UTC', instant), '2026-03-01');
  assert.equal(todayIn('America/New_York', instant), '2026-02-28');
});
