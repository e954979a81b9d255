// Weekly windows on ordinary days: the verdict and the next change at explicit instants.
import { describe, expect, test } from '@jest/globals';
import { evaluateSchedule, transitionsBetween, type Schedule } from '../../../src/schedule/index.js';
import { verdictRow, type Row } from './zone-probe.js';

const WORKDAYS: Schedule = {
  timeZone: 'Europe/Berlin',
  on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '06:30', to: '22:00' }],
};

describe('Mon–Fri 06:30–22:00 in Europe/Berlin (June: CEST, UTC+2)', () => {
  test.each<Row>([
    { now: '2026-06-05T19:59:00.000Z', desired: 'On', next: ['2026-06-05T20:00:00.000Z', 'Off'] }, // Fri 21:59
    { now: '2026-06-05T20:00:00.000Z', desired: 'Off', next: ['2026-06-08T04:30:00.000Z', 'On'] }, // Fri 22:00
    { now: '2026-06-05T20:01:00.000Z', desired: 'Off', next: ['2026-06-08T04:30:00.000Z', 'On'] }, // Fri 22:01
    { now: '2026-06-07T10:00:00.000Z', desired: 'Off', next: ['2026-06-08T04:30:00.000Z', 'On'] }, // Sun 12:00
    { now: '2026-06-08T04:29:59.999Z', desired: 'Off', next: ['2026-06-08T04:30:00.000Z', 'On'] }, // Mon 06:29:59
    { now: '2026-06-08T04:30:00.000Z', desired: 'On', next: ['2026-06-08T20:00:00.000Z', 'Off'] }, // Mon 06:30
  ])('$now', (row) => {
    expect(verdictRow(WORKDAYS, row.now)).toEqual(row);
  });

  test('says what decided', () => {
    expect(evaluateSchedule(WORKDAYS, new Date('2026-06-08T04:30:00Z'))).toMatchObject({
      source: 'Window',
      reason: 'window Mon,Tue,Wed,Thu,Fri 06:30-22:00',
    });
    expect(evaluateSchedule(WORKDAYS, new Date('2026-06-07T10:00:00Z'))).toMatchObject({
      source: 'Window',
      reason: 'outside every window',
    });
  });

  test('a week of transitions: two a workday, none at the weekend', () => {
    const week = transitionsBetween(WORKDAYS, new Date('2026-06-05T00:00:00Z'), 7);
    expect(week.map((t) => [t.at.toISOString(), t.powerState])).toEqual(
      ['2026-06-05', '2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11'].flatMap((day) => [
        [`${day}T04:30:00.000Z`, 'On'],
        [`${day}T20:00:00.000Z`, 'Off'],
      ]),
    );
    expect(new Set(week.map((t) => t.source))).toEqual(new Set(['Window']));
  });

  test('the horizon bounds next: from Friday night, Monday is beyond one day', () => {
    expect(evaluateSchedule(WORKDAYS, new Date('2026-06-05T20:01:00Z'), undefined, 1).next).toBeUndefined();
    expect(evaluateSchedule(WORKDAYS, new Date('2026-06-05T20:01:00Z'), undefined, 3).next?.powerState).toBe('On');
  });

  test('a transition exactly at `from` is listed; one exactly at the end is not', () => {
    const day = transitionsBetween(WORKDAYS, new Date('2026-06-08T04:30:00Z'), (20 - 4.5) / 24);
    expect(day.map((t) => t.at.toISOString())).toEqual(['2026-06-08T04:30:00.000Z']);
  });
});

describe('a Saturday window that wraps past midnight: Sat 20:00–02:00, Europe/Berlin', () => {
  const saturdayNight: Schedule = { timeZone: 'Europe/Berlin', on: [{ days: ['Sat'], from: '20:00', to: '02:00' }] };
  test.each<Row>([
    { now: '2026-06-06T17:59:00.000Z', desired: 'Off', next: ['2026-06-06T18:00:00.000Z', 'On'] }, // Sat 19:59
    { now: '2026-06-06T18:00:00.000Z', desired: 'On', next: ['2026-06-07T00:00:00.000Z', 'Off'] }, // Sat 20:00
    { now: '2026-06-06T23:00:00.000Z', desired: 'On', next: ['2026-06-07T00:00:00.000Z', 'Off'] }, // Sun 01:00
    { now: '2026-06-07T00:00:00.000Z', desired: 'Off', next: ['2026-06-13T18:00:00.000Z', 'On'] }, // Sun 02:00
    { now: '2026-06-07T23:00:00.000Z', desired: 'Off', next: ['2026-06-13T18:00:00.000Z', 'On'] }, // Mon 01:00
  ])('$now', (row) => {
    expect(verdictRow(saturdayNight, row.now)).toEqual(row);
  });

  test('the Sunday morning belongs to the Saturday window', () => {
    expect(evaluateSchedule(saturdayNight, new Date('2026-06-06T23:00:00Z')).reason).toBe('window Sat 20:00-02:00');
  });
});

describe('Pacific/Auckland: weekdays are the zone’s, not UTC’s (June: NZST, UTC+12)', () => {
  const monday: Schedule = { timeZone: 'Pacific/Auckland', on: [{ days: ['Mon'], from: '06:30', to: '22:00' }] };
  const sunday: Schedule = { timeZone: 'Pacific/Auckland', on: [{ days: ['Sun'], from: '06:30', to: '22:00' }] };
  test.each<Row & { schedule: Schedule }>([
    // Sunday 18:30 in UTC is Monday 06:30 in Auckland.
    { schedule: monday, now: '2026-06-07T18:29:00.000Z', desired: 'Off', next: ['2026-06-07T18:30:00.000Z', 'On'] },
    { schedule: monday, now: '2026-06-07T18:30:00.000Z', desired: 'On', next: ['2026-06-08T10:00:00.000Z', 'Off'] },
    { schedule: sunday, now: '2026-06-07T18:30:00.000Z', desired: 'Off', next: ['2026-06-13T18:30:00.000Z', 'On'] },
  ])('$now', ({ schedule, ...row }) => {
    expect(verdictRow(schedule, row.now)).toEqual(row);
  });
});

describe('Asia/Kolkata: UTC+05:30, no DST', () => {
  const office: Schedule = {
    timeZone: 'Asia/Kolkata',
    on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '18:00' }],
  };
  test.each<Row>([
    { now: '2026-06-08T03:29:00.000Z', desired: 'Off', next: ['2026-06-08T03:30:00.000Z', 'On'] }, // Mon 08:59
    { now: '2026-06-08T03:30:00.000Z', desired: 'On', next: ['2026-06-08T12:30:00.000Z', 'Off'] }, // Mon 09:00
    { now: '2026-06-12T12:30:00.000Z', desired: 'Off', next: ['2026-06-15T03:30:00.000Z', 'On'] }, // Fri 18:00
  ])('$now', (row) => {
    expect(verdictRow(office, row.now)).toEqual(row);
  });
});

describe('"24:00" as `to`, and windows that cover whole days', () => {
  test.each<Row>([
    { now: '2026-06-05T21:59:00.000Z', desired: 'On', next: ['2026-06-05T22:00:00.000Z', 'Off'] }, // Fri 23:59
    { now: '2026-06-05T22:00:00.000Z', desired: 'Off', next: ['2026-06-12T16:00:00.000Z', 'On'] }, // Sat 00:00
  ])('Fri 18:00–24:00 at $now', (row) => {
    const evening: Schedule = { timeZone: 'Europe/Berlin', on: [{ days: ['Fri'], from: '18:00', to: '24:00' }] };
    expect(verdictRow(evening, row.now)).toEqual(row);
  });

  test.each([
    ['00:00', '24:00'],
    ['00:00', '00:00'],
    ['07:15', '07:15'],
  ])('every day %s–%s is always On, with no transition at midnight', (from, to) => {
    const always: Schedule = {
      timeZone: 'Europe/Berlin',
      on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], from, to }],
    };
    const verdict = evaluateSchedule(always, new Date('2026-10-25T01:30:00Z'));
    expect(verdict.desired).toBe('On');
    expect(verdict.next).toBeUndefined();
    expect(transitionsBetween(always, new Date('2026-03-25T00:00:00Z'), 7)).toEqual([]);
  });

  test('`from` equal to `to` is a 24-hour window that wraps into the next day', () => {
    const day: Schedule = { timeZone: 'Europe/Berlin', on: [{ days: ['Mon'], from: '08:00', to: '08:00' }] };
    expect(verdictRow(day, '2026-06-08T06:00:00.000Z')).toEqual({
      now: '2026-06-08T06:00:00.000Z',
      desired: 'On',
      next: ['2026-06-09T06:00:00.000Z', 'Off'],
    });
  });

  test('adjoining windows on consecutive days merge: no Off blip at midnight', () => {
    const nights: Schedule = {
      timeZone: 'Europe/Berlin',
      on: [
        { days: ['Mon'], from: '20:00', to: '24:00' },
        { days: ['Tue'], from: '00:00', to: '06:00' },
      ],
    };
    expect(
      transitionsBetween(nights, new Date('2026-06-08T00:00:00Z'), 2).map((t) => [t.at.toISOString(), t.powerState]),
    ).toEqual([
      ['2026-06-08T18:00:00.000Z', 'On'],
      ['2026-06-09T04:00:00.000Z', 'Off'],
    ]);
  });

  test('no windows: always Off', () => {
    const never: Schedule = { timeZone: 'UTC', on: [] };
    expect(evaluateSchedule(never, new Date('2026-06-08T12:00:00Z'))).toEqual({
      desired: 'Off',
      source: 'Window',
      reason: 'outside every window',
    });
  });
});
