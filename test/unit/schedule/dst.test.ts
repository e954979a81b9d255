// Daylight saving time. A boundary in the spring gap fires at the first instant after the gap; a boundary in
// the repeated autumn interval fires once, at its first occurrence, and the second pass changes nothing.
import { describe, expect, test } from '@jest/globals';
import { evaluateSchedule, transitionsBetween, type Schedule, type Weekday } from '../../../src/schedule/index.js';
import { offsetChanges, verdictRow, type Row } from './zone-probe.js';

const on = (timeZone: string, day: Weekday, from: string, to: string): Schedule => ({
  timeZone,
  on: [{ days: [day], from, to }],
});

const changesOf = (schedule: Schedule, from: string, days: number): [string, string][] =>
  transitionsBetween(schedule, new Date(from), days).map((t) => [t.at.toISOString(), t.powerState]);

describe("the platform's 2026 offset changes are the ones these tests assume", () => {
  test.each([
    [
      'Europe/Berlin',
      [
        { at: '2026-03-29T01:00:00.000Z', before: 60, after: 120 },
        { at: '2026-10-25T01:00:00.000Z', before: 120, after: 60 },
      ],
    ],
    [
      'America/New_York',
      [
        { at: '2026-03-08T07:00:00.000Z', before: -300, after: -240 },
        { at: '2026-11-01T06:00:00.000Z', before: -240, after: -300 },
      ],
    ],
    [
      'Australia/Lord_Howe',
      [
        { at: '2026-04-04T15:00:00.000Z', before: 660, after: 630 },
        { at: '2026-10-03T15:30:00.000Z', before: 630, after: 660 },
      ],
    ],
    [
      'America/Santiago',
      [
        { at: '2026-04-05T03:00:00.000Z', before: -180, after: -240 },
        { at: '2026-09-06T04:00:00.000Z', before: -240, after: -180 },
      ],
    ],
    ['Asia/Kolkata', []],
  ])('%s', (zone, expected) => {
    expect(offsetChanges(zone, 2026)).toEqual(expected);
  });
});

describe('Europe/Berlin, spring forward 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z', () => {
  test.each<Row & { schedule: Schedule }>([
    // A window opening at 02:30, a time the clocks skip, opens at 03:00 CEST.
    {
      schedule: on('Europe/Berlin', 'Sun', '02:30', '10:00'),
      now: '2026-03-29T00:59:00.000Z',
      desired: 'Off',
      next: ['2026-03-29T01:00:00.000Z', 'On'],
    },
    {
      schedule: on('Europe/Berlin', 'Sun', '02:30', '10:00'),
      now: '2026-03-29T01:00:00.000Z',
      desired: 'On',
      next: ['2026-03-29T08:00:00.000Z', 'Off'],
    },
    // A window closing at 02:30 closes at 03:00 CEST.
    {
      schedule: on('Europe/Berlin', 'Sun', '01:00', '02:30'),
      now: '2026-03-29T00:00:00.000Z',
      desired: 'On',
      next: ['2026-03-29T01:00:00.000Z', 'Off'],
    },
  ])('$now', ({ schedule, ...row }) => {
    expect(verdictRow(schedule, row.now)).toEqual(row);
  });

  test('the day has exactly one On and one Off', () => {
    expect(changesOf(on('Europe/Berlin', 'Sun', '02:30', '10:00'), '2026-03-28T23:00:00Z', 23 / 24)).toEqual([
      ['2026-03-29T01:00:00.000Z', 'On'],
      ['2026-03-29T08:00:00.000Z', 'Off'],
    ]);
  });

  test('a window that lies wholly inside the gap never opens', () => {
    expect(changesOf(on('Europe/Berlin', 'Sun', '02:10', '02:50'), '2026-03-28T23:00:00Z', 23 / 24)).toEqual([]);
  });
});

describe('Europe/Berlin, fall back 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z', () => {
  const opensInRepeatedHour = on('Europe/Berlin', 'Sun', '02:30', '10:00');
  const closesInRepeatedHour = on('Europe/Berlin', 'Sun', '00:00', '02:30');
  test.each<Row & { schedule: Schedule }>([
    {
      schedule: opensInRepeatedHour,
      now: '2026-10-25T00:29:00.000Z',
      desired: 'Off',
      next: ['2026-10-25T00:30:00.000Z', 'On'],
    },
    {
      schedule: opensInRepeatedHour,
      now: '2026-10-25T00:30:00.000Z',
      desired: 'On',
      next: ['2026-10-25T09:00:00.000Z', 'Off'],
    },
    // 02:15 CET, the second pass: 02:15 is before 02:30, but the window stays open.
    {
      schedule: opensInRepeatedHour,
      now: '2026-10-25T01:15:00.000Z',
      desired: 'On',
      next: ['2026-10-25T09:00:00.000Z', 'Off'],
    },
    // 02:45 CET: 02:30 comes round again, and does not fire again.
    {
      schedule: opensInRepeatedHour,
      now: '2026-10-25T01:45:00.000Z',
      desired: 'On',
      next: ['2026-10-25T09:00:00.000Z', 'Off'],
    },
    {
      schedule: closesInRepeatedHour,
      now: '2026-10-25T00:29:00.000Z',
      desired: 'On',
      next: ['2026-10-25T00:30:00.000Z', 'Off'],
    },
    // 02:15 CET is inside 00:00–02:30 by the clock, but the window closed at the first 02:30 and stays closed.
    {
      schedule: closesInRepeatedHour,
      now: '2026-10-25T01:15:00.000Z',
      desired: 'Off',
      next: ['2026-10-31T23:00:00.000Z', 'On'],
    },
  ])('$now', ({ schedule, ...row }) => {
    expect(verdictRow(schedule, row.now)).toEqual(row);
  });

  test('the 25-hour day has exactly one On and one Off', () => {
    expect(changesOf(opensInRepeatedHour, '2026-10-24T22:00:00Z', 25 / 24)).toEqual([
      ['2026-10-25T00:30:00.000Z', 'On'],
      ['2026-10-25T09:00:00.000Z', 'Off'],
    ]);
  });

  test('02:00–03:00 holds through both passes of the repeated hour: 03:00 comes once, at 02:00Z', () => {
    expect(changesOf(on('Europe/Berlin', 'Sun', '02:00', '03:00'), '2026-10-24T22:00:00Z', 25 / 24)).toEqual([
      ['2026-10-25T00:00:00.000Z', 'On'],
      ['2026-10-25T02:00:00.000Z', 'Off'],
    ]);
  });
});

describe('America/New_York: 2026-03-08 at 07:00Z and 2026-11-01 at 06:00Z', () => {
  const spring = on('America/New_York', 'Sun', '02:30', '09:00');
  const fallOpens = on('America/New_York', 'Sun', '01:30', '08:00');
  const fallCloses = on('America/New_York', 'Sun', '00:00', '01:30');
  test.each<Row & { schedule: Schedule }>([
    // 02:30 is skipped: the window opens at 03:00 EDT.
    { schedule: spring, now: '2026-03-08T06:59:00.000Z', desired: 'Off', next: ['2026-03-08T07:00:00.000Z', 'On'] },
    { schedule: spring, now: '2026-03-08T07:00:00.000Z', desired: 'On', next: ['2026-03-08T13:00:00.000Z', 'Off'] },
    // 01:30 EDT is the first occurrence; 01:15 EST and 01:45 EST are the second pass.
    { schedule: fallOpens, now: '2026-11-01T05:29:00.000Z', desired: 'Off', next: ['2026-11-01T05:30:00.000Z', 'On'] },
    { schedule: fallOpens, now: '2026-11-01T06:15:00.000Z', desired: 'On', next: ['2026-11-01T13:00:00.000Z', 'Off'] },
    { schedule: fallOpens, now: '2026-11-01T06:45:00.000Z', desired: 'On', next: ['2026-11-01T13:00:00.000Z', 'Off'] },
    { schedule: fallCloses, now: '2026-11-01T05:30:00.000Z', desired: 'Off', next: ['2026-11-08T05:00:00.000Z', 'On'] },
    { schedule: fallCloses, now: '2026-11-01T06:15:00.000Z', desired: 'Off', next: ['2026-11-08T05:00:00.000Z', 'On'] },
  ])('$now', ({ schedule, ...row }) => {
    expect(verdictRow(schedule, row.now)).toEqual(row);
  });

  test('each DST day has exactly one On and one Off', () => {
    expect(changesOf(spring, '2026-03-08T05:00:00Z', 23 / 24)).toEqual([
      ['2026-03-08T07:00:00.000Z', 'On'],
      ['2026-03-08T13:00:00.000Z', 'Off'],
    ]);
    expect(changesOf(fallOpens, '2026-11-01T04:00:00Z', 25 / 24)).toEqual([
      ['2026-11-01T05:30:00.000Z', 'On'],
      ['2026-11-01T13:00:00.000Z', 'Off'],
    ]);
  });
});

describe('Australia/Lord_Howe: a 30-minute shift', () => {
  // 2026-04-05: 02:00 (UTC+11) becomes 01:30 (UTC+10:30) at 2026-04-04T15:00Z; 01:30–02:00 repeats.
  const opensInRepeat = on('Australia/Lord_Howe', 'Sun', '01:45', '02:15');
  const closesInRepeat = on('Australia/Lord_Howe', 'Sun', '00:00', '01:45');
  // 2026-10-04: 02:00 (UTC+10:30) becomes 02:30 (UTC+11) at 2026-10-03T15:30Z; 02:00–02:30 is skipped.
  const opensInGap = on('Australia/Lord_Howe', 'Sun', '02:15', '03:00');
  test.each<Row & { schedule: Schedule }>([
    {
      schedule: opensInRepeat,
      now: '2026-04-04T14:44:00.000Z',
      desired: 'Off',
      next: ['2026-04-04T14:45:00.000Z', 'On'],
    },
    // 01:40 (UTC+10:30), second pass: stays On.
    {
      schedule: opensInRepeat,
      now: '2026-04-04T15:10:00.000Z',
      desired: 'On',
      next: ['2026-04-04T15:45:00.000Z', 'Off'],
    },
    {
      schedule: closesInRepeat,
      now: '2026-04-04T14:45:00.000Z',
      desired: 'Off',
      next: ['2026-04-11T13:30:00.000Z', 'On'],
    },
    // 01:40 (UTC+10:30) is before 01:45 by the clock, but the window already closed.
    {
      schedule: closesInRepeat,
      now: '2026-04-04T15:10:00.000Z',
      desired: 'Off',
      next: ['2026-04-11T13:30:00.000Z', 'On'],
    },
    { schedule: opensInGap, now: '2026-10-03T15:29:00.000Z', desired: 'Off', next: ['2026-10-03T15:30:00.000Z', 'On'] },
    { schedule: opensInGap, now: '2026-10-03T15:30:00.000Z', desired: 'On', next: ['2026-10-03T16:00:00.000Z', 'Off'] },
  ])('$now', ({ schedule, ...row }) => {
    expect(verdictRow(schedule, row.now)).toEqual(row);
  });
});

describe('America/Santiago: the shifts happen at local midnight', () => {
  const always: Schedule = {
    timeZone: 'America/Santiago',
    on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], from: '00:00', to: '24:00' }],
  };

  test('a holiday whose midnight is skipped (2026-09-06 begins at 01:00) starts when the day does', () => {
    const changes = transitionsBetween(always, new Date('2026-09-05T12:00:00Z'), 2, new Set(['2026-09-06']));
    expect(changes.map((t) => [t.at.toISOString(), t.powerState, t.source])).toEqual([
      ['2026-09-06T04:00:00.000Z', 'Off', 'Calendar'],
      ['2026-09-07T03:00:00.000Z', 'On', 'Window'],
    ]);
  });

  test('a holiday after a repeated Saturday 23:00–24:00 starts after the second pass (2026-04-05)', () => {
    const holiday = new Set(['2026-04-05']);
    expect(verdictRow(always, '2026-04-05T03:30:00.000Z', holiday)).toEqual({
      now: '2026-04-05T03:30:00.000Z',
      desired: 'On',
      next: ['2026-04-05T04:00:00.000Z', 'Off'],
    });
    expect(evaluateSchedule(always, new Date('2026-04-05T04:00:00Z'), holiday).source).toBe('Calendar');
  });
});
