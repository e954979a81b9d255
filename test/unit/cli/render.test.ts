import { describe, expect, test } from '@jest/globals';
import type { AcdCluster } from '../../../src/api/types.js';
import type { AcdClusterStatus, Condition, StageStatus } from '../../../src/api/status.js';
import { SpecSchema } from '../../../src/api/spec.js';
import { formatTable, renderPlanReport, renderStatus } from '../../../src/cli/render.js';
import { buildPlanReport } from '../../../src/cli/plan-report.js';
import { progressLine, waitOutcome } from '../../../src/cli/progress.js';
import type { ActiveSides, Machine } from '../../../src/plan/index.js';
import { SEED_ACTIVE, SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

const T0 = '2030-01-01T10:00:00Z';
const cond = (type: string, status: Condition['status'], reason: string, message: string): Condition => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 7,
  lastTransitionTime: T0,
});

const stage = (
  index: number,
  name: string,
  vms: string[],
  state: StageStatus['state'],
  message?: string,
): StageStatus => ({
  index,
  name,
  tier: 'dbm',
  vms,
  gate: 'Completed',
  awaits: vms,
  checks: [],
  state,
  ...(message ? { message } : {}),
});

/** Large V1 halfway through a startup: stage 3 (dbm side 2) waits for acd-dbm2. */
function startingLargeV1(): AcdCluster {
  const status: AcdClusterStatus = {
    observedGeneration: 7,
    phase: 'Starting',
    power: 'Mixed',
    sizing: 'LargeV1',
    stage: '3/7',
    readyVMs: '2/10',
    transition: {
      direction: 'On',
      generation: 7,
      startedAt: T0,
      commands: [],
      stages: [
        stage(0, 'store tier', ['acd-store'], 'Completed'),
        stage(1, 'lb tier', ['acd-lb'], 'Completed'),
        stage(2, 'dbm side 2 (active)', ['acd-dbm2'], 'InProgress', 'waiting for acd-dbm2 to be up'),
        stage(3, 'dbm side 1 (inactive)', ['acd-dbm1'], 'Pending'),
      ],
    },
    machines: [
      { vm: 'acd-store', printableStatus: 'Running', ready: true },
      { vm: 'acd-dbm2', printableStatus: 'Starting', ready: false },
      { vm: 'acd-dbm1', printableStatus: 'Missing', ready: false, message: 'VirtualMachine not found' },
    ],
    active: { database: { side: 2, source: 'LastShutdown', message: 'side 2 was the last one down' } },
    conditions: [
      cond('Stalled', 'False', 'Progressing', 'no stage is stuck'),
      cond('Ready', 'False', 'Starting', 'stage 3/7 dbm side 2 (active): waiting for acd-dbm2 to be up'),
      cond('Reconciling', 'True', 'Starting', 'stage 3/7'),
    ],
  };
  return { metadata: { name: 'acd', namespace: 'prod', generation: 7 }, spec: { powerState: 'On' }, status };
}

describe('formatTable', () => {
  test('aligns columns two spaces apart, with no trailing blanks', () => {
    expect(
      formatTable(
        ['A', 'LONGER', 'C'],
        [
          ['xyz', '1', ''],
          ['p', 'q', 'r'],
        ],
      ),
    ).toBe(['A    LONGER  C', 'xyz  1', 'p    q       r'].join('\n'));
  });
});

describe('renderStatus', () => {
  const text = renderStatus(startingLargeV1());
  const lines = text.split('\n');
  const section = (title: string) =>
    lines.slice(lines.indexOf(title) + 1, lines.indexOf('', lines.indexOf(title)) >>> 0);

  test('summary fields', () => {
    expect(text).toMatch(/^Name: +acd$/m);
    expect(text).toMatch(/^Namespace: +prod$/m);
    expect(text).toMatch(/^powerState: +On \(generation 7, observed by the operator\)$/m);
    expect(text).toMatch(/^Phase: +Starting$/m);
    expect(text).toMatch(/^Stage: +3\/7$/m);
    expect(text).toMatch(/^Ready VMs: +2\/10$/m);
    expect(text).toMatch(/^Transition: +On, started 2030-01-01T10:00:00Z, in progress$/m);
  });

  test('a row per stage, numbered from 1, "-" for no message', () => {
    expect(section('Stages:')).toEqual([
      'STEP  STAGE                  VMS        GATE       STATE       MESSAGE',
      '1     store tier             acd-store  Completed  Completed   -',
      '2     lb tier                acd-lb     Completed  Completed   -',
      '3     dbm side 2 (active)    acd-dbm2   Completed  InProgress  waiting for acd-dbm2 to be up',
      '4     dbm side 1 (inactive)  acd-dbm1   Completed  Pending     -',
    ]);
  });

  test('VMs with readiness, and why a VM is missing', () => {
    expect(section('VMs:')).toEqual([
      'VM         STATUS                              READY',
      'acd-store  Running                             True',
      'acd-dbm2   Starting                            False',
      'acd-dbm1   Missing (VirtualMachine not found)  False',
    ]);
  });

  test('conditions in kstatus order: Ready, Reconciling, Stalled', () => {
    expect(section('Conditions:').map((l) => l.split(/ +/)[0])).toEqual(['TYPE', 'Ready', 'Reconciling', 'Stalled']);
    expect(section('Conditions:')[1]).toMatch(
      /^Ready +False +Starting +stage 3\/7 dbm side 2 \(active\): waiting for acd-dbm2 to be up$/,
    );
  });

  test('active sides with their source', () => {
    expect(section('Active sides:')).toEqual([
      'PAIR      SIDE  SOURCE        MESSAGE',
      'database  2     LastShutdown  side 2 was the last one down',
    ]);
  });

  test('an object the operator has not seen yet', () => {
    const fresh = renderStatus({
      metadata: { name: 'new', namespace: 'x', generation: 1 },
      spec: { powerState: 'Off' },
    });
    expect(fresh).toMatch(/^powerState: +Off \(generation 1, not yet observed by the operator\)$/m);
    expect(fresh).toMatch(/No status yet: is the operator running\?$/);
  });

  test('no redundant pairs and no transition', () => {
    const acd: AcdCluster = {
      metadata: { name: 's', namespace: 'x', generation: 2 },
      spec: { powerState: 'On' },
      status: { observedGeneration: 1, phase: 'On' },
    };
    const out = renderStatus(acd);
    expect(out).toMatch(/generation 2, operator has observed generation 1 only/);
    expect(out).toMatch(/^Transition: +none recorded$/m);
    expect(out).toMatch(/Active sides:\nnone needed \(no redundant pairs\)$/);
  });
});

describe('plan report', () => {
  const spec = (machines: Machine[], active: object = {}) => SpecSchema.parse({ powerState: 'On', machines, active });

  test("Large V3 with the seed's active sides: sizing, sides used, both plans", () => {
    const out = renderPlanReport(
      buildPlanReport({
        subject: 'AcdCluster acd from f.yaml',
        spec: spec(SEED_LAYOUTS.LargeV3, SEED_ACTIVE),
        overrides: {},
      }),
    );
    expect(out).toMatch(/^Sizing: +LargeV3 \(12 VMs\)$/m);
    expect(out).toMatch(/^database +2 +spec +-$/m);
    expect(out).toMatch(/^Shutdown \(powerState Off\): 9 stages$/m);
    expect(out).toMatch(/^Startup \(powerState On\): 9 stages$/m);
    // The seed's Large V3 startup begins with the active storage, acd-store2.
    expect(out).toMatch(/^Startup.*\nSTEP.*\n1 +store side 2 \(active\) +acd-store2 +Completed/m);
    expect(out).not.toMatch(/BLOCKED/);
  });

  test('an unknown side blocks both directions and says what to set; --active unblocks', () => {
    const s = spec(SEED_LAYOUTS.LargeV3, { database: 2, loadBalancer: 2 });
    const blocked = renderPlanReport(buildPlanReport({ subject: 'x', spec: s, overrides: {} }));
    expect(blocked).toMatch(/^storage +unknown +- +set spec.active.storage to 1 or 2$/m);
    expect(blocked).toMatch(/^Shutdown \(powerState Off\): BLOCKED: active side unknown for storage\.$/m);
    expect(blocked).toMatch(/^Startup \(powerState On\): BLOCKED as well: active side unknown for storage\.$/m);
    expect(blocked).toMatch(/To unblock: set spec.active.storage to 1 or 2, .* or plan with --active storage=1\|2\./);
    const overrides: ActiveSides = { storage: 1 };
    const fixed = renderPlanReport(buildPlanReport({ subject: 'x', spec: s, overrides }));
    expect(fixed).toMatch(/^storage +1 +--active +-$/m);
    expect(fixed).toMatch(/^Startup.*\nSTEP.*\n1 +store side 1 \(active\) +acd-store1 /m);
  });

  test("sides from the operator's status and from the last shutdown", () => {
    const s = spec(SEED_LAYOUTS.LargeV2);
    const report = buildPlanReport({
      subject: 'x',
      spec: s,
      overrides: {},
      status: {
        active: { database: { side: 1, source: 'Detected', message: 'dbm1 is the MySQL master' } },
        lastShutdownActive: { loadBalancer: 2 },
      },
    });
    expect(report.active).toEqual([
      { kind: 'database', side: 1, from: 'detected' },
      { kind: 'loadBalancer', side: 2, from: 'last shutdown' },
    ]);
    expect(report.outcomes.every((o) => 'plan' in o)).toBe(true);
  });

  test('a sizing without redundant pairs needs no active side', () => {
    const out = renderPlanReport(buildPlanReport({ subject: 'x', spec: spec(SEED_LAYOUTS.SmallV1), overrides: {} }));
    expect(out).toMatch(/^Active sides: none needed \(no redundant pairs\)$/m);
    expect(out).toMatch(/^Shutdown \(powerState Off\): 2 stages$/m);
  });
});

describe('power --wait progress', () => {
  test('nothing is concluded before the operator observed the patched generation', () => {
    const acd = startingLargeV1();
    acd.status!.conditions = [cond('Ready', 'True', 'PoweredOff', 'all 10 VMs are Off')];
    expect(progressLine(acd, 8)).toBe('waiting for the operator to observe generation 8');
    expect(waitOutcome(acd, 8)).toBeUndefined();
    expect(waitOutcome(acd, 7)).toEqual({ kind: 'ready', message: 'all 10 VMs are Off' });
  });

  test("the current stage with the operator's message", () => {
    const acd = startingLargeV1();
    expect(progressLine(acd, 7)).toBe('[3/4] dbm side 2 (active): waiting for acd-dbm2 to be up');
    expect(waitOutcome(acd, 7)).toBeUndefined();
    acd.status!.transition!.stages[2]!.message = undefined;
    expect(progressLine(acd, 7)).toBe('[3/4] dbm side 2 (active): starting acd-dbm2');
  });

  test('Stalled=True ends the wait with its reason', () => {
    const acd = startingLargeV1();
    acd.status!.conditions = [
      cond('Stalled', 'True', 'VMStartTimeout', 'stage 3/4 (dbm side 2 (active)): acd-dbm2 not up within 2s'),
    ];
    expect(waitOutcome(acd, 7)).toEqual({
      kind: 'stalled',
      reason: 'VMStartTimeout',
      message: 'stage 3/4 (dbm side 2 (active)): acd-dbm2 not up within 2s',
    });
  });

  test('a finished transition', () => {
    const acd = startingLargeV1();
    for (const s of acd.status!.transition!.stages) s.state = 'Completed';
    acd.status!.phase = 'On';
    acd.status!.conditions = [cond('Ready', 'True', 'PoweredOn', 'all 10 VMs are On')];
    expect(progressLine(acd, 7)).toBe('[4/4] On: all 10 VMs are On');
  });
});

describe('acdctl status with powerState Scheduled', () => {
  test('shows what the schedule asks for now, why, and what comes next', () => {
    const out = renderStatus({
      apiVersion: 'acd.power.dev/v1alpha1',
      kind: 'AcdCluster',
      metadata: { name: 'acd', namespace: 'ns', generation: 3 },
      spec: { powerState: 'Scheduled' },
      status: {
        observedGeneration: 3,
        power: 'Off',
        schedule: {
          desired: 'Off',
          source: 'Window',
          reason: 'outside every window',
          nextTransition: { at: '2026-12-07T05:30:00.000Z', powerState: 'On' },
        },
      },
    });
    expect(out).toMatch(/Schedule:\s+Off now \(outside every window\); next: On at 2026-12-07T05:30:00\.000Z/);
  });
});

describe('acdctl plan with powerState Scheduled', () => {
  const spec = SpecSchema.parse({
    powerState: 'Scheduled',
    machines: SEED_LAYOUTS.SmallV1,
    schedule: {
      timeZone: 'Europe/Berlin',
      on: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '06:30', to: '22:00' }],
      exceptions: [{ date: '2026-12-08', powerState: 'Off', reason: 'maintenance' }],
    },
  });

  test('lists the next 7 days of changes in the zone, with UTC and what caused each', () => {
    // Friday 2026-12-04, 21:58 in Berlin.
    const report = buildPlanReport({ subject: 's', spec, overrides: {}, now: new Date('2026-12-04T20:58:00Z') });
    const out = renderPlanReport(report);
    expect(out).toMatch(/Schedule: the next 7 days in Europe\/Berlin:/);
    const rows = out
      .split('\n')
      .filter((l) => /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) 2026-/.test(l))
      .map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['Fri 2026-12-04 22:00', '2026-12-04T21:00:00.000Z', 'Off', 'Window'],
      ['Mon 2026-12-07 06:30', '2026-12-07T05:30:00.000Z', 'On', 'Window'],
      // Tuesday is Off all day by exception: Monday's window ends, Wednesday's begins.
      ['Mon 2026-12-07 22:00', '2026-12-07T21:00:00.000Z', 'Off', 'Window'],
      ['Wed 2026-12-09 06:30', '2026-12-09T05:30:00.000Z', 'On', 'Window'],
      ['Wed 2026-12-09 22:00', '2026-12-09T21:00:00.000Z', 'Off', 'Window'],
      ['Thu 2026-12-10 06:30', '2026-12-10T05:30:00.000Z', 'On', 'Window'],
      ['Thu 2026-12-10 22:00', '2026-12-10T21:00:00.000Z', 'Off', 'Window'],
      ['Fri 2026-12-11 06:30', '2026-12-11T05:30:00.000Z', 'On', 'Window'],
    ]);
  });

  test('a schedule that cannot be read says why, and On/Off specs show no schedule', () => {
    const bad = { ...spec, schedule: { ...spec.schedule!, timeZone: 'Mars/Olympus_Mons' } };
    const out = renderPlanReport(buildPlanReport({ subject: 's', spec: bad, overrides: {}, now: new Date() }));
    expect(out).toMatch(/Schedule \(Mars\/Olympus_Mons\): cannot be read: .*Mars\/Olympus_Mons/);
    const on = SpecSchema.parse({ powerState: 'On', machines: SEED_LAYOUTS.SmallV1 });
    expect(renderPlanReport(buildPlanReport({ subject: 's', spec: on, overrides: {}, now: new Date() }))).not.toMatch(
      /Schedule/,
    );
  });
});
