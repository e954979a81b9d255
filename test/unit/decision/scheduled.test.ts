// powerState Scheduled through decide(): the schedule picks the direction at the pass's clock, the
// walk keeps the runbook's order, status.schedule says what comes next, and a schedule that cannot
// be read touches nothing (and never falls back to UTC).
import { describe, expect, test } from '@jest/globals';
import { decide } from '../../../src/decision/decide.js';
import { OVERRIDE_ANNOTATION } from '../../../src/api/names.js';
import { readOverride } from '../../../src/api/override.js';
import type { Observed } from '../../../src/decision/types.js';
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
      // Two minutes ahead is within announceBefore (15m by default): announced at once.
      announced: '2026-12-04T21:00:00.000Z',
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

  describe('notes: a change coming soon, slots missed while down, overrides', () => {
    const spec = (extra: Record<string, unknown> = {}) =>
      specOf(L3, 'Scheduled', { ...SPEC_ACTIVE, schedule: { ...WEEKDAYS_0630_2200, ...extra } });
    const observe = (now: number, over: Partial<Observed> = {}): Observed => ({
      generation: 1,
      spec: spec(),
      status: {},
      vms: World.of(L3, 'On').snapshot(),
      now: new Date(now),
      ...over,
    });
    const reasons = (d: { events: Array<{ reason: string }> }) => d.events.map((e) => e.reason);
    const MIN = 60_000;

    test('ScheduledTransitionSoon goes out once, announceBefore ahead; the pass wakes up for it', () => {
      const early = decide(observe(FRIDAY_2200 - 20 * MIN));
      expect(reasons(early)).not.toContain('ScheduledTransitionSoon');
      expect(early.status.schedule?.announced).toBeUndefined();
      // Woken at 21:45 to announce, not at 22:00.
      expect(early.requeueAfterMs).toBeLessThanOrEqual(5 * MIN + 1_000);
      const due = decide(observe(FRIDAY_2200 - 14 * MIN, { status: early.status }));
      const soon = due.events.filter((e) => e.reason === 'ScheduledTransitionSoon');
      expect(soon.map((e) => e.message)).toEqual([
        'the schedule turns the ACD Off at 2026-12-04T21:00:00.000Z (in 14 min)',
      ]);
      const again = decide(observe(FRIDAY_2200 - 13 * MIN, { status: due.status }));
      expect(reasons(again)).not.toContain('ScheduledTransitionSoon');
      expect(again.status.schedule?.announced).toBe('2026-12-04T21:00:00.000Z');
    });

    test('announceBefore 0s announces nothing', () => {
      const d = decide(observe(FRIDAY_2200 - MIN, { spec: spec({ announceBefore: '0s' }) }));
      expect(reasons(d)).not.toContain('ScheduledTransitionSoon');
    });

    test('down from Friday 21:00 to Tuesday 12:00: three whole slots missed, reported once, not replayed', () => {
      const before = decide(observe(FRIDAY_2158));
      const TUESDAY_1200 = Date.parse('2026-12-08T11:00:00Z');
      const back = decide(observe(TUESDAY_1200, { status: before.status }));
      // Fri 22:00-Mon 06:30 Off, Mon 06:30-22:00 On, Mon 22:00-Tue 06:30 Off; Tuesday's On is current.
      expect(back.missedSlots).toBe(3);
      const missed = back.events.filter((e) => e.reason === 'ScheduleSlotMissed');
      expect(missed).toHaveLength(1);
      expect(missed[0]!.type).toBe('Warning');
      expect(missed[0]!.message).toMatch(/^3 scheduled slot\(s\) passed unseen \(Off 2026-12-04T21:00:00.000Z to /);
      expect(missed[0]!.message).toMatch(/going to the current slot \(On\)$/);
      // The VMs were On all along and the schedule says On: nothing to replay, nothing commanded.
      expect(back.commands).toEqual([]);
      const next = decide(observe(TUESDAY_1200 + MIN, { status: back.status }));
      expect(reasons(next)).not.toContain('ScheduleSlotMissed');
    });

    test('a boundary seen late, but no whole slot missed: no ScheduleSlotMissed', () => {
      const before = decide(observe(FRIDAY_2158));
      const late = decide(observe(FRIDAY_2200 + 30 * MIN, { status: before.status }));
      expect(late.missedSlots ?? 0).toBe(0);
      expect(reasons(late)).not.toContain('ScheduleSlotMissed');
    });

    const annotated = (o: Record<string, unknown>) => readOverride({ [OVERRIDE_ANNOTATION]: JSON.stringify(o) });

    test('a live override beats the window; its end is the next transition and the next wake-up', () => {
      const until = '2026-12-04T18:00:00Z';
      const d = decide(
        observe(FRIDAY_2158 - 5 * 3_600_000, { override: annotated({ powerState: 'Off', until, by: 'bob' }) }),
      );
      expect(d.status.schedule).toMatchObject({
        desired: 'Off',
        source: 'Override',
        reason: 'override by bob until 2026-12-04T18:00:00.000Z',
        nextTransition: { at: '2026-12-04T18:00:00.000Z', powerState: 'On' },
      });
      expect(d.commands.every((c) => c.action !== 'Start')).toBe(true);
      expect(d.commands.length).toBeGreaterThan(0);
      expect(d.removeOverride).toBeUndefined();
    });

    test('an expired override is ignored, reported and marked for removal, in any powerState', () => {
      const override = annotated({ powerState: 'Off', until: '2026-12-04T18:00:00Z', reason: 'patching' });
      for (const powerState of ['Scheduled', 'On'] as const) {
        const d = decide(
          observe(FRIDAY_2158, {
            override,
            spec: specOf(L3, powerState, { ...SPEC_ACTIVE, schedule: WEEKDAYS_0630_2200 }),
          }),
        );
        expect(d.commands).toEqual([]);
        expect(d.removeOverride).toBe(override.raw);
        expect(d.events.filter((e) => e.reason === 'OverrideExpired')).toHaveLength(1);
      }
    });

    test('a garbled override touches nothing: ScheduleValid=False names the annotation', () => {
      const override = readOverride({ [OVERRIDE_ANNOTATION]: '{"powerState":"Of","until":"tonight"}' });
      const d = decide(observe(FRIDAY_2158, { override }));
      expect(d.commands).toEqual([]);
      expect(cond(d.status, 'ScheduleValid')).toMatchObject({ status: 'False', reason: 'InvalidSchedule' });
      expect(cond(d.status, 'ScheduleValid')?.message).toContain(OVERRIDE_ANNOTATION);
    });
  });
});
