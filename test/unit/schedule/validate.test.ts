// Refusals: a schedule the evaluator cannot read without guessing is reported whole, and never evaluated in UTC.
import { describe, expect, test } from '@jest/globals';
import {
  evaluateSchedule,
  InvalidScheduleError,
  transitionsBetween,
  validateSchedule,
  type Schedule,
} from '../../../src/schedule/index.js';

const NOW = new Date('2026-06-08T10:00:00Z');
const valid: Schedule = {
  timeZone: 'Europe/Berlin',
  on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '06:30', to: '22:00' }],
  exceptions: [
    { date: '2026-12-24', powerState: 'Off', reason: 'Christmas Eve' },
    { from: '2026-12-27T10:00', to: '2026-12-27T14:00', powerState: 'On' },
  ],
};
// What a custom resource can hold, whatever the types say.
const loose = (schedule: unknown): Schedule => schedule as Schedule;

describe('validateSchedule', () => {
  test('a valid schedule has no problems', () => {
    expect(validateSchedule(valid)).toEqual([]);
    expect(validateSchedule({ timeZone: 'Asia/Kolkata', on: [] })).toEqual([]);
  });

  test.each([
    ['Europe/Berlinn', 'timeZone "Europe/Berlinn" is not a known IANA time zone'],
    ['', 'timeZone "" is not a known IANA time zone'],
    ['+01:00', 'timeZone "+01:00" is not a known IANA time zone'],
    [undefined, 'timeZone undefined is not a known IANA time zone'],
  ])('time zone %p', (timeZone, problem) => {
    const schedule = loose({ ...valid, timeZone });
    expect(validateSchedule(schedule)).toEqual([problem]);
    expect(() => evaluateSchedule(schedule, NOW)).toThrow(InvalidScheduleError);
    expect(() => transitionsBetween(schedule, NOW, 7)).toThrow(InvalidScheduleError);
  });

  test('the error carries every problem', () => {
    const schedule = loose({ timeZone: 'Mars/Olympus', on: [{ days: [], from: '6:30', to: '22:00' }] });
    let error: unknown;
    try {
      evaluateSchedule(schedule, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidScheduleError);
    expect((error as InvalidScheduleError).problems).toEqual([
      'timeZone "Mars/Olympus" is not a known IANA time zone',
      'on[0].days is empty',
      'on[0].from "6:30" is not a time HH:MM from 00:00 to 23:59',
    ]);
    expect((error as Error).message).toMatch(/^invalid schedule: timeZone "Mars\/Olympus"/);
  });

  test.each([
    ['from', '6:30', 'on[0].from "6:30" is not a time HH:MM from 00:00 to 23:59'],
    ['from', '24:00', 'on[0].from "24:00" is not a time HH:MM from 00:00 to 23:59'],
    ['from', '12:60', 'on[0].from "12:60" is not a time HH:MM from 00:00 to 23:59'],
    ['from', '0630', 'on[0].from "0630" is not a time HH:MM from 00:00 to 23:59'],
    ['from', ' 06:30', 'on[0].from " 06:30" is not a time HH:MM from 00:00 to 23:59'],
    ['from', 630, 'on[0].from 630 is not a time HH:MM from 00:00 to 23:59'],
    ['to', '24:01', 'on[0].to "24:01" is not a time HH:MM from 00:00 to 24:00'],
    ['to', '25:00', 'on[0].to "25:00" is not a time HH:MM from 00:00 to 24:00'],
    ['to', 'noon', 'on[0].to "noon" is not a time HH:MM from 00:00 to 24:00'],
    ['to', undefined, 'on[0].to undefined is not a time HH:MM from 00:00 to 24:00'],
  ])('window %s %p', (field, value, problem) => {
    const window = { days: ['Mon'], from: '06:30', to: '22:00', [field]: value };
    const schedule = loose({ timeZone: 'Europe/Berlin', on: [window] });
    expect(validateSchedule(schedule)).toEqual([problem]);
    expect(() => evaluateSchedule(schedule, NOW)).toThrow(problem);
  });

  test.each([
    [{ days: [], from: '06:30', to: '22:00' }, 'on[0].days is empty'],
    [{ days: 'Mon', from: '06:30', to: '22:00' }, 'on[0].days is empty'],
    [
      { days: ['Mon', 'Di'], from: '06:30', to: '22:00' },
      'on[0].days[1] "Di" is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun',
    ],
    ['Mon 06:30-22:00', 'on[0] is not an object'],
  ])('window %p', (window, problem) => {
    expect(validateSchedule(loose({ timeZone: 'Europe/Berlin', on: [window] }))).toEqual([problem]);
  });

  test('`on` must be there (a bare YAML 1.1 on: arrives as "true"), and a list', () => {
    expect(validateSchedule(loose({ timeZone: 'Europe/Berlin', true: [] }))).toEqual([
      'on (the windows the ACD is On in) is missing; in YAML write it quoted: "on":',
    ]);
    expect(validateSchedule(loose({ timeZone: 'Europe/Berlin', on: 'weekdays' }))).toEqual(['on is not a list']);
  });

  test.each([
    [{ powerState: 'Off' }, 'exceptions[0] has neither a date nor a from/to range'],
    [
      { date: '2026-12-24', from: '2026-12-24T08:00', to: '2026-12-24T12:00', powerState: 'Off' },
      'exceptions[0] has both a date and a from/to range',
    ],
    [
      { from: '2026-12-24T12:00', to: '2026-12-24T12:00', powerState: 'Off' },
      'exceptions[0].from "2026-12-24T12:00" is not before to "2026-12-24T12:00"',
    ],
    [
      { from: '2026-12-24T12:00', to: '2026-12-24T08:00', powerState: 'Off' },
      'exceptions[0].from "2026-12-24T12:00" is not before to "2026-12-24T08:00"',
    ],
    [
      { from: '2026-12-24T12:00', powerState: 'Off' },
      'exceptions[0].to undefined is not a local date-time YYYY-MM-DDTHH:MM',
    ],
    [
      { from: '2026-12-24 08:00', to: '2026-12-24T12:00', powerState: 'Off' },
      'exceptions[0].from "2026-12-24 08:00" is not a local date-time YYYY-MM-DDTHH:MM',
    ],
    [
      { from: '2026-12-24T08:00Z', to: '2026-12-24T12:00', powerState: 'Off' },
      'exceptions[0].from "2026-12-24T08:00Z" is not a local date-time YYYY-MM-DDTHH:MM',
    ],
    [{ date: '2026-02-30', powerState: 'Off' }, 'exceptions[0].date "2026-02-30" is not a date YYYY-MM-DD'],
    [{ date: '24.12.2026', powerState: 'Off' }, 'exceptions[0].date "24.12.2026" is not a date YYYY-MM-DD'],
    [{ date: '2026-12-24', powerState: 'off' }, 'exceptions[0].powerState "off" is not On or Off'],
    [{ date: '2026-12-24', powerState: 'Off', reason: 42 }, 'exceptions[0].reason is not a string'],
  ])('exception %p', (exception, problem) => {
    expect(validateSchedule(loose({ timeZone: 'Europe/Berlin', on: [], exceptions: [exception] }))).toEqual([problem]);
  });

  test('a leap day is a date', () => {
    expect(validateSchedule({ ...valid, exceptions: [{ date: '2028-02-29', powerState: 'On' }] })).toEqual([]);
  });
});

describe('arguments that are not part of the schedule', () => {
  test('an invalid Date, or one outside the years 1000-9899, is a RangeError', () => {
    expect(() => evaluateSchedule(valid, new Date('0050-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => evaluateSchedule(valid, new Date('not a date'))).toThrow(RangeError);
    expect(() => transitionsBetween(valid, new Date(Number.NaN), 7)).toThrow(RangeError);
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 3661])('a horizon of %p days is a RangeError', (days) => {
    expect(() => evaluateSchedule(valid, NOW, undefined, days)).toThrow(RangeError);
    expect(() => transitionsBetween(valid, NOW, days)).toThrow(RangeError);
  });
});
