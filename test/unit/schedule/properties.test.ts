// Invariants over random schedules and instants, biased towards the nights the clocks change.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  evaluateSchedule,
  transitionsBetween,
  WEEKDAYS,
  type Schedule,
  type ScheduleException,
  type ScheduleWindow,
} from '../../../src/schedule/index.js';
import { desiredAt, offsetChanges, type OffsetChange } from './zone-probe.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const DST_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe', // 30-minute shift
  'Pacific/Auckland',
  'America/Santiago', // shifts at local midnight
  'Antarctica/Troll', // 2-hour shift
  'Africa/Casablanca', // back in February, forward in March
];
const ZONES = [...DST_ZONES, 'Asia/Kolkata', 'UTC'];
const CHANGES: [string, OffsetChange][] = DST_ZONES.flatMap((zone) =>
  offsetChanges(zone, 2026).map((change): [string, OffsetChange] => [zone, change]),
);
const FALL_BACKS = CHANGES.filter(([, c]) => c.after < c.before);
const SPRING_FORWARDS = CHANGES.filter(([, c]) => c.after > c.before);

const clock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
// Times around the usual shift hours, and midnight, are where the rules bite.
const NEAR_SHIFTS = ['00:00', '00:30', '01:00', '01:30', '01:45', '02:00', '02:15', '02:30', '03:00', '23:00', '23:30'];
const clockArb = (last: number): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom(...NEAR_SHIFTS), fc.integer({ min: 0, max: last }).map(clock));
const windowArb: fc.Arbitrary<ScheduleWindow> = fc.record({
  days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  from: clockArb(23 * 60 + 59),
  to: fc.oneof(clockArb(24 * 60), fc.constant('24:00')),
});
const windowsArb = fc.array(windowArb, { maxLength: 5 });

const localDate = (instant: number): string => new Date(instant).toISOString().slice(0, 10);
const localDateTime = (instant: number): string => new Date(instant).toISOString().slice(0, 16);

/** Instants within a few days of a 2026 offset change, or anywhere in 2026. */
const instantArb: fc.Arbitrary<number> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -3 * DAY, max: 3 * DAY }))
    .map(([[, change], shift]) => Date.parse(change.at) + shift),
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
);

/** Exceptions and holidays near `around`, so that they matter. */
function extrasArb(around: number): fc.Arbitrary<{ exceptions: ScheduleException[]; holidays: Set<string> }> {
  const nearby = fc.integer({ min: -2 * DAY, max: 4 * DAY }).map((shift) => around + shift);
  const powerState = fc.constantFrom<'On' | 'Off'>('On', 'Off');
  const dateException = fc.record({ date: nearby.map(localDate), powerState });
  const rangeException = fc
    .tuple(nearby, fc.integer({ min: 1, max: 3000 }), powerState)
    .map(([start, minutes, state]) => ({
      from: localDateTime(start),
      to: localDateTime(start - (start % MINUTE) + minutes * MINUTE),
      powerState: state,
    }));
  return fc.record({
    exceptions: fc.array(fc.oneof(dateException, rangeException), { maxLength: 3 }),
    holidays: fc.array(nearby.map(localDate), { maxLength: 3 }).map((dates) => new Set(dates)),
  });
}

/** The changes of the verdict seen by evaluating it once a minute over [start, end). */
function scanChanges(schedule: Schedule, [start, end]: [number, number], holidays?: ReadonlySet<string>): string[][] {
  const changes: string[][] = [];
  let previous = desiredAt(schedule, start - MINUTE, holidays);
  for (let t = start; t < end; t += MINUTE) {
    const desired = desiredAt(schedule, t, holidays);
    if (desired !== previous) changes.push([new Date(t).toISOString(), desired]);
    previous = desired;
  }
  return changes;
}

const scenarioArb = fc.tuple(fc.constantFrom(...ZONES), windowsArb, instantArb).chain(([timeZone, on, now]) =>
  extrasArb(now).map(({ exceptions, holidays }) => ({
    schedule: { timeZone, on, exceptions } satisfies Schedule,
    holidays,
    now,
  })),
);

describe('next is the first change after now', () => {
  test('next.at > now, the state holds until just before it, and flips at it', () => {
    fc.assert(
      fc.property(scenarioArb, ({ schedule, holidays, now }) => {
        const verdict = evaluateSchedule(schedule, new Date(now), holidays);
        const first = transitionsBetween(schedule, new Date(now + 1), 8, holidays)[0];
        if (verdict.next === undefined) {
          expect(first).toBeUndefined();
          return;
        }
        const at = verdict.next.at.getTime();
        expect(at).toBeGreaterThan(now);
        expect(at).toBeLessThanOrEqual(now + 8 * DAY);
        expect(desiredAt(schedule, at - 1, holidays)).toBe(verdict.desired);
        expect(desiredAt(schedule, at, holidays)).toBe(verdict.next.powerState);
        expect(verdict.next.powerState).not.toBe(verdict.desired);
        expect(first && { at: first.at, powerState: first.powerState }).toEqual(verdict.next);
      }),
      { numRuns: 2000 },
    );
  });

  test('transitionsBetween lists exactly the changes a minute-by-minute scan of the verdict sees', () => {
    // Every boundary lies on a whole minute in these zones, so a scan by the minute misses none.
    fc.assert(
      fc.property(scenarioArb, ({ schedule, holidays, now }) => {
        const from = now - (now % MINUTE);
        const listed = transitionsBetween(schedule, new Date(from), 30 / 24, holidays);
        expect(listed.map((t) => [t.at.toISOString(), t.powerState])).toEqual(
          scanChanges(schedule, [from, from + 30 * HOUR], holidays),
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe('the nights the clocks change', () => {
  /**
   * The same stretch of wall-clock time, [change - hours, change + hours) by the clock, on the night of an
   * offset change and one week earlier: the same weekdays, so the same window boundaries.
   */
  function stretches(change: OffsetChange, hours = 36): { shifted: [number, number]; ordinary: [number, number] } {
    const at = Date.parse(change.at);
    const shift = (change.after - change.before) * MINUTE;
    const start = at - hours * HOUR;
    const end = at + hours * HOUR;
    return { shifted: [start, end], ordinary: [start - 7 * DAY, end - 7 * DAY + shift] };
  }
  const countIn = (schedule: Schedule, [start, end]: [number, number]): number =>
    transitionsBetween(schedule, new Date(start), (end - start) / DAY).length;

  test('a fall-back night changes the state exactly as often as an ordinary night', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FALL_BACKS), windowsArb, ([timeZone, change], on) => {
        const schedule: Schedule = { timeZone, on };
        const { shifted, ordinary } = stretches(change);
        expect(countIn(schedule, shifted)).toBe(countIn(schedule, ordinary));
      }),
      { numRuns: 1000 },
    );
  });

  test('evaluated minute by minute through a fall-back night, the verdict flips as often as on an ordinary one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FALL_BACKS), windowsArb, ([timeZone, change], on) => {
        const schedule: Schedule = { timeZone, on };
        const { shifted, ordinary } = stretches(change, 12);
        expect(scanChanges(schedule, shifted)).toHaveLength(countIn(schedule, ordinary));
      }),
      { numRuns: 40 },
    );
  });

  test('a spring-forward night can only lose changes (windows inside the gap vanish), never gain them', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPRING_FORWARDS), windowsArb, ([timeZone, change], on) => {
        const schedule: Schedule = { timeZone, on };
        const { shifted, ordinary } = stretches(change);
        expect(countIn(schedule, shifted)).toBeLessThanOrEqual(countIn(schedule, ordinary));
      }),
      { numRuns: 1000 },
    );
  });
});
