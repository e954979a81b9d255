// powerState Scheduled on the test bed, with real KubeVirt: the operator's clock is put seconds
// before a schedule boundary (ACD_TEST_CLOCK_OFFSET_MS, a flag for tests only), so boundaries come
// in real seconds and the ACD crosses them as it would at 22:00 on a Friday.
// - crossing an Off and an On boundary, each in the runbook's order;
// - a SIGKILL across a whole Off slot: after the restart, the ACD stays On (nothing replayed) and
//   ScheduleSlotMissed is recorded;
// - an override holding the ACD On across the boundary, then expiring and being removed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { OVERRIDE_ANNOTATION } from '../../src/api/names.js';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { acdManifest, apply, createNamespace, eventMessages, getAcd, vmManifest, waitReady } from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { checkTimeline, SEED_SHUTDOWN, SEED_STARTUP } from './support/seed-rules.js';
import { VmTimeline } from './support/timeline.js';
import { annotationsFor } from './support/sizings-suite.js';
import { acdctl } from './support/acdctl.js';

const S2 = SEED_LAYOUTS.SmallV2;
const NS = { cross: 'sched-cross', kill: 'sched-kill', override: 'sched-override' };
const ALL_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MINUTE = 60_000;
/** The operator's clock starts here: mid-morning UTC, far from midnight and any DST change. */
const BASE = Date.parse('2027-01-05T09:30:30Z');

const operators: RunningOperator[] = [];

const until5s = (check: () => Promise<boolean>) => until('the override in status', check, 5_000, 100);
const timelines: VmTimeline[] = [];

/** An operator for `namespaces` whose clock reads `at` now. */
async function operatorAt(namespaces: string[], at: number): Promise<{ op: RunningOperator; offset: number }> {
  const offset = at - Date.now();
  const op = await startOperator({ namespaces, env: { ACD_TEST_CLOCK_OFFSET_MS: String(offset) } });
  operators.push(op);
  return { op, offset };
}

/** The first whole minute at least `leadMs` after `t`. */
const minuteAfter = (t: number, leadMs: number) => Math.ceil((t + leadMs) / MINUTE) * MINUTE;
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

/** On until `off`, Off until `on`, On after it (UTC, every day). */
const scheduleAround = (off: number, on: number, announceBefore = '0s') => ({
  timeZone: 'UTC',
  on: [
    { days: ALL_DAYS, from: '00:00', to: hhmm(off) },
    { days: ALL_DAYS, from: hhmm(on), to: '24:00' },
  ],
  announceBefore,
});

async function setUp(
  ns: string,
  schedule: Record<string, unknown>,
  annotations: Record<string, string> = {},
): Promise<VmTimeline> {
  await createNamespace(ns);
  const tl = await VmTimeline.start(ns);
  timelines.push(tl);
  const acd = acdManifest(ns, 'acd', S2, { powerState: 'Scheduled', schedule });
  (acd['metadata'] as { annotations?: Record<string, string> }).annotations = annotations;
  // The seed's timing: acd-tel takes longer to stop, so checkTimeline can see the db tier not wait for it.
  await apply([...S2.map((m) => vmManifest(ns, m.vm, { runStrategy: 'Always', annotations: annotationsFor(m) })), acd]);
  // Up before any operator looks, so that the only transitions are the schedule's.
  await until('the VMs up', async () => S2.every((m) => tl.reachedAt(m.vm, 'On', 0) !== undefined), 90_000, 100);
  return tl;
}

const events = eventMessages;

const powerIs = (ns: string, power: 'On' | 'Off') => async () => {
  const s = (await getAcd(ns, 'acd')).status;
  return s?.power === power && s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
};

afterAll(async () => {
  timelines.forEach((t) => t.stop());
  await Promise.all(operators.map((o) => o.stop()));
}, 60_000);

describe('powerState Scheduled on the test bed', () => {
  let cross: { op: RunningOperator; offset: number };
  let off = 0;
  let on = 0;
  let crossTl: VmTimeline;
  let overrideTl: VmTimeline;
  let overrideUntil = 0;

  beforeAll(async () => {
    // Off at the first whole minute 25 s or more after the operator starts, On again a minute later.
    off = minuteAfter(BASE, 25_000);
    on = off + MINUTE;
    // A second ACD on the same schedule, held On by an override until 20 s past the boundary: the
    // two run side by side, so the file waits for one Off slot, not two.
    overrideUntil = off + 20_000;
    const override = { powerState: 'On', until: new Date(overrideUntil).toISOString(), reason: 'campaign', by: 'e2e' };
    [crossTl, overrideTl] = await Promise.all([
      setUp(NS.cross, scheduleAround(off, on, '15m')),
      setUp(NS.override, scheduleAround(off, on + 10 * MINUTE), { [OVERRIDE_ANNOTATION]: JSON.stringify(override) }),
    ]);
    cross = await operatorAt([NS.cross, NS.override], BASE);
  }, 120_000);

  test('crosses an Off and then an On boundary, each in the runbook order, at the boundary', async () => {
    await waitReady(NS.cross, 'acd', 60);
    expect((await getAcd(NS.cross, 'acd')).status?.schedule).toMatchObject({
      desired: 'On',
      source: 'Window',
      nextTransition: { at: new Date(off).toISOString(), powerState: 'Off' },
    });
    const realOff = off - cross.offset;
    await until('Off after the boundary', powerIs(NS.cross, 'Off'), 120_000, 250);
    // Every VM Halted from here on: a later Always is a start (before, later stages were still Always).
    const offDone = Date.now();
    // No VM was told to stop before the boundary (the operator's clock, mapped to the machine's).
    const firstStop = Math.min(...S2.map((m) => crossTl.commandedAt(m.vm, 'Off', 0) ?? Infinity));
    expect(firstStop).toBeGreaterThanOrEqual(realOff - 500);
    expect(checkTimeline(SEED_SHUTDOWN.SmallV2, 'Off', crossTl, realOff - 500)).toEqual([]);
    expect((await getAcd(NS.cross, 'acd')).status?.schedule).toMatchObject({
      desired: 'Off',
      nextTransition: { at: new Date(on).toISOString(), powerState: 'On' },
    });

    const realOn = on - cross.offset;
    await until('On after the next boundary', powerIs(NS.cross, 'On'), 150_000, 250);
    const firstStart = Math.min(...S2.map((m) => crossTl.commandedAt(m.vm, 'On', offDone) ?? Infinity));
    expect(firstStart).toBeGreaterThanOrEqual(realOn - 500);
    expect(checkTimeline(SEED_STARTUP.SmallV2, 'On', crossTl, offDone)).toEqual([]);
    // One history entry per transition, each triggered by the schedule.
    const history = (await getAcd(NS.cross, 'acd')).status?.history ?? [];
    expect(history.map((h) => [h.direction, h.trigger?.source, h.outcome])).toEqual([
      ['Off', 'Schedule', 'Succeeded'],
      ['On', 'Schedule', 'Succeeded'],
    ]);
    expect(await events(NS.cross, 'PoweredOff')).toHaveLength(1);
    expect(await events(NS.cross, 'PoweredOn')).toHaveLength(1);
    // Each change announced once, 15 min ahead (here: at once); the next one is a day away.
    expect((await events(NS.cross, 'ScheduledTransitionSoon')).sort()).toEqual(
      [
        `the schedule turns the ACD Off at ${new Date(off).toISOString()}`,
        `the schedule turns the ACD On at ${new Date(on).toISOString()}`,
      ].map((m) => expect.stringContaining(m)),
    );
  }, 300_000);

  test('an override holds the ACD On across the boundary, then expires, is removed, and the ACD goes Off', async () => {
    // It ran alongside the first test; by now its override has ended and its shutdown has run.
    await until('Off after the override ended', powerIs(NS.override, 'Off'), 60_000, 250);
    const firstStop = Math.min(...S2.map((m) => overrideTl.commandedAt(m.vm, 'Off', 0) ?? Infinity));
    // Held On across the boundary: the first stop came only once the override had ended.
    expect(firstStop).toBeGreaterThanOrEqual(overrideUntil - cross.offset - 500);
    expect(checkTimeline(SEED_SHUTDOWN.SmallV2, 'Off', overrideTl, overrideUntil - cross.offset - 500)).toEqual([]);
    const acd = JSON.parse(await kubectl(['get', 'acd', 'acd', '-n', NS.override, '-o', 'json'])) as {
      metadata: { annotations?: Record<string, string> };
    };
    expect(acd.metadata.annotations?.[OVERRIDE_ANNOTATION]).toBeUndefined();
    expect((await getAcd(NS.override, 'acd')).status?.history?.map((h) => h.trigger?.source)).toEqual(['Schedule']);
    expect(await events(NS.override, 'OverrideExpired')).toEqual([
      `override On by e2e (campaign) ended at ${new Date(overrideUntil).toISOString()}; the schedule decides again`,
    ]);
  }, 120_000);

  test('acdctl power off --until on a running operator: acted on at once, not at the next resync', async () => {
    // The cross ACD is On, its next change a day away. An override is metadata, not spec: no new
    // generation. It once waited for the 60 s resync; it must be read within seconds.
    // The first test leaves the cross ACD On, its next change a day away; it may still be starting.
    await until('the cross ACD On', powerIs(NS.cross, 'On'), 150_000, 250);
    const ends = new Date(Date.now() + cross.offset + 30 * MINUTE).toISOString();
    const run = await acdctl(['power', 'off', 'acd', '-n', NS.cross, '--until', ends, '--reason', 'maintenance']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`override Off until ${ends}`);
    const seenAt = Date.now();
    await until5s(async () => (await getAcd(NS.cross, 'acd')).status?.schedule?.source === 'Override');
    expect(Date.now() - seenAt).toBeLessThan(5_000);
    expect((await getAcd(NS.cross, 'acd')).status?.schedule?.reason).toMatch(
      new RegExp(`^override by \\S+ until ${ends.replace(/[.]/g, '\\.')}: maintenance$`),
    );
    await until('Off under the override', powerIs(NS.cross, 'Off'), 60_000, 250);
    const last = (await getAcd(NS.cross, 'acd')).status?.history?.at(-1);
    expect(last).toMatchObject({
      direction: 'Off',
      trigger: { source: 'Override', by: 'admin' },
      outcome: 'Succeeded',
    });
  }, 120_000);

  test('SIGKILLed before an Off slot, back after it: stays On, replays nothing, reports the missed slot', async () => {
    const start = BASE + 3 * 3_600_000;
    const slotOff = minuteAfter(start, 25_000);
    const slotOn = slotOff + MINUTE;
    const tl = await setUp(NS.kill, scheduleAround(slotOff, slotOn));
    const first = await operatorAt([NS.kill], start);
    await waitReady(NS.kill, 'acd', 60);
    await first.op.stop('SIGKILL');
    const killedAt = Date.now();
    // Back 30 s into the On slot after the Off one, as after a node failure that lasted that long.
    const second = await operatorAt([NS.kill], slotOn + 30_000);
    const missed = await until(
      'ScheduleSlotMissed',
      async () => {
        const found = await events(NS.kill, 'ScheduleSlotMissed');
        return found.length > 0 && found;
      },
      30_000,
      250,
    );
    expect(missed).toEqual([
      `1 scheduled slot(s) passed unseen (Off ${new Date(slotOff).toISOString()} to ` +
        `${new Date(slotOn).toISOString()}); not replayed: going to the current slot (On)`,
    ]);
    // Give a replay every chance to show: a few more passes, then no VM was ever told to stop.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const m of S2) expect({ vm: m.vm, stop: tl.commandedAt(m.vm, 'Off', killedAt) }).toEqual({ vm: m.vm });
    expect(await powerIs(NS.kill, 'On')()).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${second.op.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^acd_schedule_slots_missed_total 1$/m);
  }, 300_000);
});
