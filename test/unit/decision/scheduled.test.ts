// powerState Scheduled through decide(): the schedule picks the direction at the pass's clock, the
// walk keeps the runbook's order, status.schedule says what comes next, and a schedule that cannot
// be read touches nothing (and never falls back to UTC).
import { describe, expect, test } from '@jest/globals';
import { decide } from '../../../src/decision/decide.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { cond, Driver, finished, SPEC_ACTIVE, specOf, stagesOf, World } from './world.js';

const L3 = SEED_LAYOUTS.LargeV3;
const WEEKDAYS_0630_2200 = {
  timeZone: 'Europe/Berlin',
  on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '06:30', to: '22:00' }],
};
// Friday 2026-12-04, 21:58 in Berlin (CET, UTC+1).
const FRIDAY_2158 = Date.parse('2026-12-04T20:58:00Z');
const FRIDAY_2200 = Date.parse('2026-12-04T21:00:00Z');

describe('powerState Scheduled', () => {
  test('On until the window closes at 22:00 Berlin time, then Off in runbook order; next: Monday 06:30', () => {
    const world = World.of(L3, 'On');
    world.advance(FRIDAY_2158 - world.now.getTime());
    const d = new Driver(world, specOf(L3, 'Scheduled', { ...SPEC_ACTIVE, schedule: WEEKDAYS_0630_2200 }));
    const first = d.reconcile();
    expect(first.commands).toEqual([]);
    expect(first.status.schedule).toEqual({
      desired: 'On',
      source: 'Window',
      reason: 'window Mon,Tue,Wed,Thu,Fri 06:30-22:00',
      nextTransition: { at: '2026-12-04T21:00:00.000Z', powerState: 'Off' },
    });
    // Asked to look again just after the boundary, not a poll later.
    expect(first.requeueAfterMs).toBeLessThanOrEqual(FRIDAY_2200 - FRIDAY_2158 + 1_000);
    d.runUntil(finished, 5_000);
    expect(world.log[0]!.at).toBeGreaterThanOrEqual(FRIDAY_2200);
    expect(d.status.transition).toMatchObject({ direction: 'Off', outcome: 'Succeeded' });
    const order = [...new Set(world.log.map((a) => stagesOf('Off').findIndex((s) => s.vms.includes(a.cmd.vm))))];
    expect(order).toEqual(stagesOf('Off').map((s) => s.index));
    expect(d.status.schedule).toMatchObject({
      desired: 'Off',
      source: 'Window',
      nextTransition: { at: '2026-12-07T05:30:00.000Z', powerState: 'On' },
    });
    expect(cond(d.status, 'ScheduleValid')).toMatchObject({ status: 'True', reason: 'ScheduleValid' });
    expect(cond(d.status, 'Ready')).toMatchObject({ status: 'True', reason: 'PoweredOff' });
  });

  test('an unknown time zone: ScheduleValid=False, Stalled, nothing commanded, and no guess at UTC', () => {
    const world = World.of(L3, 'On');
    const spec = specOf(L3, 'Scheduled', {
      ...SPEC_ACTIVE,
      schedule: { ...WEEKDAYS_0630_2200, timeZone: 'Mars/Olympus_Mons' },
    });
    const d = decide({
      generation: 1,
      spec,
      status: {},
      vms: world.snapshot(),
      now: new Date(FRIDAY_2200 + 3_600_000),
    });
    expect(d.commands).toEqual([]);
    expect(d.status.schedule).toBeUndefined();
    expect(cond(d.status, 'ScheduleValid')).toMatchObject({ status: 'False', reason: 'InvalidSchedule' });
    expect(cond(d.status, 'ScheduleValid')?.message).toMatch(/Mars\/Olympus_Mons/);
    expect(cond(d.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSchedule' });
    expect(cond(d.status, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSchedule' });
  });

  test('On and Off ignore spec.schedule: no status.schedule, ScheduleValid says NotScheduled', () => {
    const world = World.of(L3, 'On');
    const spec = specOf(L3, 'On', { ...SPEC_ACTIVE, schedule: WEEKDAYS_0630_2200 });
    const d = decide({
      generation: 1,
      spec,
      status: { schedule: { desired: 'Off', source: 'Window' } },
      vms: world.snapshot(),
      now: new Date(FRIDAY_2200 + 3_600_000),
    });
    expect(d.commands).toEqual([]);
    expect(d.status.schedule).toBeUndefined();
    expect(cond(d.status, 'ScheduleValid')).toMatchObject({ status: 'True', reason: 'NotScheduled' });
  });
});
