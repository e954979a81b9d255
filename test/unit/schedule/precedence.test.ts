// Precedence: an exception beats the calendar, and the calendar (a holiday is an Off day) beats the windows.
import { describe, expect, test } from '@jest/globals';
import {
  evaluateSchedule,
  InvalidScheduleError,
  transitionsBetween,
  type Schedule,
  type ScheduleException,
  type ScheduleSource,
} from '../../../src/schedule/index.js';
import { verdictRow, type Row } from './zone-probe.js';

// December: CET, UTC+1. 2026-12-24 is a Thursday, 12-25 a Friday, 12-27 a Sunday, 12-28 a Monday.
const workdays = (exceptions: ScheduleException[] = []): Schedule => ({
  timeZone: 'Europe/Berlin',
  on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '06:30', to: '22:00' }],
  exceptions,
});
const CHRISTMAS = new Set(['2026-12-25']);

interface Case extends Row {
  name: string;
  schedule: Schedule;
  holidays?: ReadonlySet<string>;
  source: ScheduleSource;
  reason: string;
}

const cases: Case[] = [
  {
    name: 'a holiday beats the windows',
    schedule: workdays(),
    holidays: CHRISTMAS,
    now: '2026-12-25T10:00:00.000Z',
    desired: 'Off',
    source: 'Calendar',
    reason: 'holiday 2026-12-25',
    next: ['2026-12-28T05:30:00.000Z', 'On'],
  },
  {
    name: 'the evening before a holiday: next is Monday, not Friday morning',
    schedule: workdays(),
    holidays: CHRISTMAS,
    now: '2026-12-24T21:00:00.000Z',
    desired: 'Off',
    source: 'Window',
    reason: 'outside every window',
    next: ['2026-12-28T05:30:00.000Z', 'On'],
  },
  {
    name: 'an exception beats a holiday',
    schedule: workdays([{ date: '2026-12-25', powerState: 'On', reason: 'year-end campaign' }]),
    holidays: CHRISTMAS,
    now: '2026-12-25T10:00:00.000Z',
    desired: 'On',
    source: 'Exception',
    reason: 'year-end campaign',
    next: ['2026-12-25T23:00:00.000Z', 'Off'],
  },
  {
    name: 'a date exception beats the windows',
    schedule: workdays([{ date: '2026-12-24', powerState: 'Off', reason: 'Christmas Eve' }]),
    now: '2026-12-24T10:00:00.000Z',
    desired: 'Off',
    source: 'Exception',
    reason: 'Christmas Eve',
    next: ['2026-12-25T05:30:00.000Z', 'On'],
  },
  {
    name: 'a range exception beats the windows (a Sunday On)',
    schedule: workdays([{ from: '2026-12-27T10:00', to: '2026-12-27T14:00', powerState: 'On', reason: 'migration' }]),
    now: '2026-12-27T09:00:00.000Z',
    desired: 'On',
    source: 'Exception',
    reason: 'migration',
    next: ['2026-12-27T13:00:00.000Z', 'Off'],
  },
  {
    name: 'before the range: Off, and next is its start',
    schedule: workdays([{ from: '2026-12-27T10:00', to: '2026-12-27T14:00', powerState: 'On', reason: 'migration' }]),
    now: '2026-12-27T08:59:00.000Z',
    desired: 'Off',
    source: 'Window',
    reason: 'outside every window',
    next: ['2026-12-27T09:00:00.000Z', 'On'],
  },
  {
    name: 'a range exception Off inside a window',
    schedule: workdays([{ from: '2026-12-28T12:00', to: '2026-12-28T13:00', powerState: 'Off', reason: 'patching' }]),
    now: '2026-12-28T11:30:00.000Z',
    desired: 'Off',
    source: 'Exception',
    reason: 'patching',
    next: ['2026-12-28T12:00:00.000Z', 'On'],
  },
  {
    name: 'a range beats a whole date, whatever the order',
    schedule: workdays([
      { date: '2026-12-24', powerState: 'Off', reason: 'Christmas Eve' },
      { from: '2026-12-24T08:00', to: '2026-12-24T12:00', powerState: 'On', reason: 'last orders' },
    ]),
    now: '2026-12-24T08:00:00.000Z',
    desired: 'On',
    source: 'Exception',
    reason: 'last orders',
    next: ['2026-12-24T11:00:00.000Z', 'Off'],
  },
  {
    name: 'among ranges, the first listed wins',
    schedule: workdays([
      { from: '2026-12-28T12:00', to: '2026-12-28T13:00', powerState: 'Off', reason: 'first' },
      { from: '2026-12-28T12:30', to: '2026-12-28T14:00', powerState: 'On', reason: 'second' },
    ]),
    now: '2026-12-28T11:45:00.000Z',
    desired: 'Off',
    source: 'Exception',
    reason: 'first',
    next: ['2026-12-28T12:00:00.000Z', 'On'],
  },
  {
    name: 'an exception without a reason is named by its date',
    schedule: workdays([{ date: '2026-12-24', powerState: 'Off' }]),
    now: '2026-12-24T10:00:00.000Z',
    desired: 'Off',
    source: 'Exception',
    reason: 'exception 2026-12-24',
    next: ['2026-12-25T05:30:00.000Z', 'On'],
  },
  {
    name: 'a holiday ends a window that wraps into it, at midnight',
    schedule: { timeZone: 'Europe/Berlin', on: [{ days: ['Thu'], from: '20:00', to: '02:00' }] },
    holidays: CHRISTMAS,
    now: '2026-12-24T22:59:00.000Z',
    desired: 'On',
    source: 'Window',
    reason: 'window Thu 20:00-02:00',
    next: ['2026-12-24T23:00:00.000Z', 'Off'],
  },
];

describe('precedence: exception > holiday > windows', () => {
  test.each(cases)('$name', ({ schedule, holidays, now, desired, source, reason, next }) => {
    const verdict = evaluateSchedule(schedule, new Date(now), holidays);
    expect({ source: verdict.source, reason: verdict.reason }).toEqual({ source, reason });
    const expected: Row = next === undefined ? { now, desired } : { now, desired, next };
    expect(verdictRow(schedule, now, holidays)).toEqual(expected);
  });

  test('a holiday at the weekend changes nothing', () => {
    const week = transitionsBetween(workdays(), new Date('2026-12-21T00:00:00Z'), 7);
    expect(transitionsBetween(workdays(), new Date('2026-12-21T00:00:00Z'), 7, new Set(['2026-12-26']))).toEqual(week);
  });

  test('the Christmas week lists the holiday as the source of the Off', () => {
    const week = transitionsBetween(workdays(), new Date('2026-12-24T00:00:00Z'), 5, CHRISTMAS);
    expect(week.map((t) => [t.at.toISOString(), t.powerState, t.source])).toEqual([
      ['2026-12-24T05:30:00.000Z', 'On', 'Window'],
      ['2026-12-24T21:00:00.000Z', 'Off', 'Window'],
      ['2026-12-28T05:30:00.000Z', 'On', 'Window'],
      ['2026-12-28T21:00:00.000Z', 'Off', 'Window'],
    ]);
    const eve = transitionsBetween(workdays(), new Date('2026-12-24T00:00:00Z'), 2, new Set(['2026-12-24']));
    expect(eve.map((t) => [t.at.toISOString(), t.powerState, t.source])).toEqual([
      ['2026-12-25T05:30:00.000Z', 'On', 'Window'],
      ['2026-12-25T21:00:00.000Z', 'Off', 'Window'],
    ]);
  });

  test('an Off holiday that starts in the middle of an On window shows as Calendar', () => {
    const always: Schedule = { timeZone: 'Europe/Berlin', on: [{ days: ['Thu', 'Fri'], from: '00:00', to: '24:00' }] };
    const changes = transitionsBetween(always, new Date('2026-12-24T12:00:00Z'), 1, CHRISTMAS);
    expect(changes.map((t) => [t.at.toISOString(), t.powerState, t.source])).toEqual([
      ['2026-12-24T23:00:00.000Z', 'Off', 'Calendar'],
    ]);
  });

  test('a malformed holiday is refused, not ignored', () => {
    const call = (): unknown => evaluateSchedule(workdays(), new Date('2026-12-25T10:00:00Z'), new Set(['25.12.2026']));
    expect(call).toThrow(InvalidScheduleError);
    expect(call).toThrow('holiday "25.12.2026" is not a date YYYY-MM-DD');
  });
});
