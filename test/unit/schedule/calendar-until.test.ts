// The two small parsers of day-2 scheduling: a holiday calendar's text, and acdctl's --until.
import { describe, expect, test } from '@jest/globals';
import { parseCalendar, resolveUntil } from '../../../src/schedule/index.js';

describe('parseCalendar', () => {
  test('one date a line; blank lines and comments are skipped', () => {
    const text = '# Germany, nationwide\n2026-12-25\n\n2026-12-26   # 2. Weihnachtstag\r\n  2027-01-01\n';
    expect(parseCalendar(text, 'ConfigMap de')).toEqual({
      dates: ['2026-12-25', '2026-12-26', '2027-01-01'],
      problems: [],
    });
  });

  test('a line that is not a real date is refused with its line number, not skipped', () => {
    const r = parseCalendar('2026-12-25\n2026-02-30\nChristmas\n', 'ConfigMap de key dates');
    expect(r.dates).toEqual(['2026-12-25']);
    expect(r.problems).toEqual([
      'ConfigMap de key dates line 2: "2026-02-30" is not a date YYYY-MM-DD',
      'ConfigMap de key dates line 3: "Christmas" is not a date YYYY-MM-DD',
    ]);
  });
});

describe('resolveUntil', () => {
  // Sunday 2026-03-29 00:30 UTC = 01:30 in Berlin, half an hour before the clocks skip 02:00-03:00.
  const now = new Date('2026-03-29T00:30:00Z');

  test('HH:MM is the next such time on the ACD clock, today if still ahead, else tomorrow', () => {
    expect(resolveUntil('18:00', now, 'Europe/Berlin').toISOString()).toBe('2026-03-29T16:00:00.000Z');
    expect(resolveUntil('01:00', now, 'Europe/Berlin').toISOString()).toBe('2026-03-29T23:00:00.000Z');
    // Pacific/Auckland is already on Sunday afternoon: 18:00 is today there.
    expect(resolveUntil('18:00', now, 'Pacific/Auckland').toISOString()).toBe('2026-03-29T05:00:00.000Z');
  });

  test('a wall time the clocks skip resolves to the end of the gap', () => {
    expect(resolveUntil('02:30', now, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  test('a local date-time, a duration and an RFC 3339 time', () => {
    expect(resolveUntil('2026-04-01T06:30', now, 'Europe/Berlin').toISOString()).toBe('2026-04-01T04:30:00.000Z');
    expect(resolveUntil('2h30m', now, 'Europe/Berlin').toISOString()).toBe('2026-03-29T03:00:00.000Z');
    expect(resolveUntil('2026-03-30T00:00:00+02:00', now, 'UTC').toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  test('a past time, garbage and an unknown zone are refused with a message', () => {
    expect(() => resolveUntil('2026-03-28T12:00', now, 'Europe/Berlin')).toThrow(/is not ahead/);
    expect(() => resolveUntil('0s', now, 'UTC')).toThrow(/is not ahead/);
    expect(() => resolveUntil('tonight', now, 'UTC')).toThrow(
      /"tonight" is not HH:MM, YYYY-MM-DDTHH:MM \(both in UTC\)/,
    );
    expect(() => resolveUntil('18:00', now, 'Mars/Base')).toThrow(/time zone "Mars\/Base" is not known/);
  });
});
