// The pure policy, driven through whole transitions by a small simulated world (world.ts). Each
// test states a runbook or kstatus promise and would fail if decide() broke it.
import { describe, expect, test } from '@jest/globals';
import type { Stage } from '../../../src/plan/index.js';
import { commandsVia, isDown, isUp, withIntent } from '../../../src/decision/vm-state.js';
import { decide } from '../../../src/decision/decide.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { cond, Driver, finished, SPEC_ACTIVE, specOf, stageOfVm, stagesOf, World, type Applied } from './world.js';
import { MOVED_TO_MANUAL_ANNOTATION } from '../../../src/api/names.js';

const L3 = SEED_LAYOUTS.LargeV3;

/** Every decision commands VMs of at most one stage, and no (vm, action) is ever issued twice. */
function expectOneStagePerDecisionAndNoRepeats(d: Driver, stages: Stage[]): void {
  const of = stageOfVm(stages);
  for (const s of d.steps) {
    const idx = new Set(s.decision.commands.filter((c) => c.action !== 'ForceStop').map((c) => of.get(c.vm.name)));
    expect(idx.size).toBeLessThanOrEqual(1);
  }
  const keys = d.world.log.map((a) => `${a.cmd.vm}:${a.cmd.action}`);
  expect(new Set(keys).size).toBe(keys.length);
}

/** The first command of each stage, in the order the world received them. */
const stageOrder = (log: Applied[], stages: Stage[]) => {
  const of = stageOfVm(stages);
  const seen: number[] = [];
  for (const a of log) {
    const i = of.get(a.cmd.vm)!;
    if (!seen.includes(i)) seen.push(i);
  }
  return seen;
};

describe('full walks of Large V3', () => {
  test('Off: every stage in runbook order, one stage per decision, finished Succeeded, active sides remembered', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    d.runUntil(finished);
    const stages = stagesOf('Off');
    const t = d.status.transition!;
    expect(t.outcome).toBe('Succeeded');
    expect(t.direction).toBe('Off');
    expect(t.stages.map((s) => s.state)).toEqual(stages.map(() => 'Completed'));
    expect(stageOrder(world.log, stages)).toEqual(stages.map((s) => s.index));
    expectOneStagePerDecisionAndNoRepeats(d, stages);
    // Every VM was stopped exactly once, gracefully, through runStrategy Halted (declared stopped).
    expect(world.log.map((a) => a.cmd.vm).sort()).toEqual(L3.map((m) => m.vm).sort());
    expect(world.log.every((a) => a.cmd.action === 'Stop' && a.cmd.via === 'runStrategy')).toBe(true);
    expect(L3.every((m) => world.vm(m.vm).runStrategy === 'Halted')).toBe(true);
    // A Completed gate means: nothing of a later stage is commanded before its awaits are down.
    for (const s of stages.filter((x) => x.gate === 'Completed' && x.index < stages.length - 1)) {
      const later = world.log.filter((a) => stageOfVm(stages).get(a.cmd.vm)! > s.index);
      for (const a of later) for (const v of s.awaits) expect(isDown(a.before.get(v)!)).toBe(true);
    }
    expect(d.status).toMatchObject({
      power: 'Off',
      phase: 'Off',
      readyVMs: '0/12',
      sizing: 'LargeV3',
      stage: '9/9',
      lastShutdownActive: { database: 2, loadBalancer: 2, storage: 2 },
    });
    expect(cond(d.status, 'Ready')).toMatchObject({ status: 'True', reason: 'PoweredOff' });
    expect(d.steps.at(-1)!.decision.events.map((e) => e.reason)).toContain('PoweredOff');
  });

  test(
    'On: active side first, health gates asked for at the right stages, ' +
      'never a VM before its earlier tiers are up',
    () => {
      const world = World.of(L3, 'Off');
      const d = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE));
      d.runUntil(finished);
      const stages = stagesOf('On');
      const t = d.status.transition!;
      expect(t.outcome).toBe('Succeeded');
      expect(stageOrder(world.log, stages)).toEqual(stages.map((s) => s.index));
      // Recovery Ordered, the default: started through the subresource, never by Always.
      expect(world.log[0]!.cmd).toEqual({ vm: 'acd-store2', action: 'Start', via: 'subresource' });
      expectOneStagePerDecisionAndNoRepeats(d, stages);
      const of = stageOfVm(stages);
      for (const a of world.log) {
        const earlier = stages.filter((s) => s.index < of.get(a.cmd.vm)!).flatMap((s) => s.vms);
        for (const v of earlier) expect(isUp(a.before.get(v)!)).toBe(true);
      }
      // The checks the planner put on a stage are exactly the ones decide() asked the reconciler to run.
      const asked = d.steps.flatMap((s) => s.first.runChecks ?? []);
      expect(new Set(asked)).toEqual(new Set(stages.flatMap((s) => s.checks)));
      expect(d.status).toMatchObject({ power: 'On', phase: 'On', readyVMs: '12/12', stage: '9/9' });
      expect(cond(d.status, 'Ready')).toMatchObject({ status: 'True', reason: 'PoweredOn' });
      expect(cond(d.status, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Idle' });
    },
  );

  test('a finished transition stays put: another decide issues nothing and keeps finishedAt', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    d.runUntil(finished);
    const at = d.status.transition!.finishedAt;
    world.advance(60_000);
    const again = d.reconcile();
    expect(again.commands).toEqual([]);
    expect(again.status.transition!.finishedAt).toBe(at);
  });

  test('status fields while moving: phase, power, stage, readyVMs, sizing', () => {
    const world = World.of(L3, 'Off');
    const d = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE));
    const first = d.reconcile();
    expect(first.status).toMatchObject({
      phase: 'Starting',
      power: 'Off',
      stage: '1/9',
      readyVMs: '0/12',
      sizing: 'LargeV3',
      observedGeneration: 1,
    });
    expect(cond(first, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Starting' });
    expect(cond(first, 'Ready')).toMatchObject({ status: 'False' });
    d.runUntil((x) => x.status.stage === '3/9');
    expect(d.status).toMatchObject({ phase: 'Starting', power: 'Mixed', readyVMs: '2/12' });
    expect(d.status.machines!.find((m) => m.vm === 'acd-store2')).toMatchObject({
      printableStatus: 'Running',
      ready: true,
      runStrategy: 'Manual',
    });
  });
});

describe('gates', () => {
  test('Initiated app tier: the next stage is commanded while tel is still shutting down', () => {
    const world = World.of(L3, 'On', { 'acd-tel1': { shutdownMs: 60_000 } });
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    d.runUntil(finished);
    const dbs1 = world.log.find((a) => a.cmd.vm === 'acd-dbs1-dbr1')!;
    expect(dbs1.before.get('acd-tel1')!.printableStatus).toBe('Stopping');
    // dbs/dbr side 1 is Initiated too, so side 2 follows at once, still before tel1 is down...
    expect(world.log.find((a) => a.cmd.vm === 'acd-dbs2-dbr2')!.before.get('acd-tel1')!.printableStatus).toBe(
      'Stopping',
    );
    // ...but the Completed dbs/dbr side 2 stage owes tel1: dbm1 waits for it.
    const dbm1 = world.log.find((a) => a.cmd.vm === 'acd-dbm1')!;
    expect(isDown(dbm1.before.get('acd-tel1')!)).toBe(true);
    expect(dbm1.at - world.log[0]!.at).toBeGreaterThanOrEqual(60_000);
  });

  test('a Completed gate holds the next stage until its awaits are up, and says what it waits for', () => {
    const world = World.of(L3, 'Off', { 'acd-store2': { bootMs: 20_000 } });
    const d = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE));
    // Said with the commands already: the status written with them needs no second write to say it.
    const commanding = d.reconcile();
    expect(commanding.commands.map((c) => c.vm.name)).toEqual(['acd-store2']);
    expect(commanding.status.transition!.stages[0]).toMatchObject({
      state: 'InProgress',
      message: 'waiting for acd-store2 to be up',
    });
    world.advance(10_000);
    const waiting = d.reconcile();
    expect(waiting.commands).toEqual([]);
    expect(waiting.status.transition!.stages[0]).toMatchObject({
      state: 'InProgress',
      message: 'waiting for acd-store2 to be up',
    });
    // The requeue is a poll, not a busy loop and not longer than the 5 s poll.
    expect(waiting.requeueAfterMs).toBeGreaterThan(0);
    expect(waiting.requeueAfterMs).toBeLessThanOrEqual(5_000);
    world.advance(10_000);
    expect(d.reconcile().commands.map((c) => c.vm.name)).toEqual(['acd-store1']);
  });
});

describe('reversal', () => {
  test('Off -> On mid-transition starts a new On transition from the current state, bottom-up', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    // Stop until dbm1 (stage 4/9) is down, then flip.
    d.runUntil(() => isDown(world.vm('acd-dbm1')));
    const offStartedAt = d.status.transition!.startedAt;
    const cut = world.log.length;
    world.advance(1_000);
    d.setSpec(specOf(L3, 'On', SPEC_ACTIVE));
    const flipped = d.reconcile();
    expect(flipped.events.map((e) => e.reason)).toContain('Reversed');
    expect(flipped.status.transition).toMatchObject({ direction: 'On', generation: 2 });
    expect(flipped.status.transition!.startedAt).not.toBe(offStartedAt);
    d.runUntil(finished);
    expect(d.status.transition!.outcome).toBe('Succeeded');
    const after = world.log.slice(cut);
    // Only what went down (or was going down) is started again; store/lb were never touched.
    expect(after.every((a) => a.cmd.action === 'Start')).toBe(true);
    expect(after.map((a) => a.cmd.vm)).not.toEqual(expect.arrayContaining(['acd-store1']));
    expect(after.some((a) => /store|lb/.test(a.cmd.vm))).toBe(false);
    const stages = stagesOf('On');
    const of = stageOfVm(stages);
    for (const a of after) {
      for (const v of stages.filter((s) => s.index < of.get(a.cmd.vm)!).flatMap((s) => s.vms))
        expect(isUp(a.before.get(v)!)).toBe(true);
    }
    expect(L3.every((m) => isUp(world.vm(m.vm)))).toBe(true);
  });

  test('On -> Off mid-startup stops only what is up or coming up, top-down, and never touches VMs still off', () => {
    const world = World.of(L3, 'Off');
    const d = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE));
    d.runUntil(() => world.log.some((a) => a.cmd.vm === 'acd-lb1'));
    const cut = world.log.length;
    d.setSpec(specOf(L3, 'Off', SPEC_ACTIVE));
    d.runUntil(finished);
    expect(d.status.transition).toMatchObject({ direction: 'Off', outcome: 'Succeeded' });
    const after = world.log.slice(cut).map((a) => a.cmd);
    expect(after.map((c) => c.vm)).toEqual(['acd-lb1', 'acd-lb2', 'acd-store1', 'acd-store2']);
    expect(after.every((c) => c.action === 'Stop')).toBe(true);
    expect(L3.every((m) => isDown(world.vm(m.vm)))).toBe(true);
  });
});

describe('failures', () => {
  test('VM start timeout: Stalled VMStartTimeout naming the VM and the stage; Halt stops there', () => {
    const world = World.of(L3, 'Off', { 'acd-store2': { bootMs: Infinity } });
    const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, timeouts: { vmStart: '2m' } }));
    d.runUntil((x) => cond(x, 'Stalled')?.status === 'True', 5_000);
    const stalled = cond(d.status, 'Stalled')!;
    expect(stalled.reason).toBe('VMStartTimeout');
    expect(stalled.message).toContain('acd-store2');
    expect(stalled.message).toContain('stage 1/9 (store side 2 (active))');
    expect(d.status.phase).toBe('Stalled');
    expect(world.now.getTime() - world.log[0]!.at).toBeGreaterThan(120_000);
    // Halt: nothing else is started, however long we wait.
    for (let i = 0; i < 20; i++) {
      world.advance(60_000);
      expect(d.reconcile().commands).toEqual([]);
    }
    expect(world.log.map((a) => a.cmd.vm)).toEqual(['acd-store2']);
  });

  test('failurePolicy Continue: the timed-out stage is Failed and the walk goes on; outcome Failed', () => {
    const world = World.of(L3, 'Off', { 'acd-store2': { bootMs: Infinity } });
    const d = new Driver(
      world,
      specOf(L3, 'On', { ...SPEC_ACTIVE, timeouts: { vmStart: '2m' }, failurePolicy: 'Continue' }),
    );
    d.runUntil(finished, 5_000);
    const t = d.status.transition!;
    expect(t.stages[0]).toMatchObject({ state: 'Failed' });
    expect(t.stages[0]!.message).toContain('acd-store2 not up within 2m');
    expect(t.stages.slice(1).every((s) => s.state === 'Completed')).toBe(true);
    expect(t.outcome).toBe('Failed');
    expect(
      d.steps
        .flatMap((s) => s.decision.events)
        .some((e) => e.reason === 'StageFailed' && e.message.includes('failurePolicy Continue')),
    ).toBe(true);
    expect(world.log.map((a) => a.cmd.vm)).toContain('acd-store1');
    // The failure is reported, and it stays reported: later passes keep the Failed record instead of
    // mistaking the failed VM for drift and restarting the whole transition.
    expect(cond(d.status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'TransitionFailed',
      message: expect.stringContaining('acd-store2'),
    });
    const record = d.status.transition!;
    for (let i = 0; i < 5; i++) {
      world.advance(60_000);
      const again = d.reconcile();
      expect(again.commands).toEqual([]);
      expect(again.events.map((e) => e.reason)).not.toContain('Drift');
      expect(again.status.transition).toEqual(record);
    }
    // A spec change (new generation) is the user's way to try again.
    d.setSpec(specOf(L3, 'On', { ...SPEC_ACTIVE, timeouts: { vmStart: '3m' }, failurePolicy: 'Continue' }));
    const retry = d.reconcile();
    expect(retry.status.transition!.generation).toBe(d.generation);
    expect(retry.status.transition!.outcome).toBeUndefined();
  });

  test('VM stop timeout on the way down names VMStopTimeout', () => {
    const world = World.of(L3, 'On', { 'acd-dbm1': { shutdownMs: Infinity } });
    const d = new Driver(world, specOf(L3, 'Off', { ...SPEC_ACTIVE, timeouts: { vmStop: '1m' } }));
    d.runUntil((x) => cond(x, 'Stalled')?.status === 'True', 5_000);
    expect(cond(d.status, 'Stalled')).toMatchObject({ reason: 'VMStopTimeout' });
    expect(cond(d.status, 'Stalled')!.message).toMatch(
      /stage 4\/9 \(dbm side 1 \(inactive\)\): acd-dbm1 not down within 1m/,
    );
  });

  test('stage timeout fires when the stage outlives spec.timeouts.stage though no single VM is late', () => {
    const world = World.of(L3, 'Off', { 'acd-store2': { bootMs: Infinity } });
    const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, timeouts: { vmStart: '10m', stage: '1m' } }));
    d.runUntil((x) => cond(x, 'Stalled')?.status === 'True', 5_000);
    expect(cond(d.status, 'Stalled')).toMatchObject({ reason: 'StageTimeout' });
    expect(cond(d.status, 'Stalled')!.message).toContain('not finished within 1m; waiting for acd-store2');
    expect(world.now.getTime() - world.log[0]!.at).toBeLessThan(600_000);
  });

  test('CrashLoopBackOff (recovery KubeVirt, started by Always) stalls at once with VMFailing', () => {
    const world = World.of(L3, 'Off', { 'acd-store2': { crashes: true } });
    const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, recovery: 'KubeVirt' }));
    const steps = d.runUntil((x) => cond(x, 'Stalled')?.status === 'True');
    expect(steps).toBeLessThan(10);
    expect(cond(d.status, 'Stalled')).toMatchObject({
      reason: 'VMFailing',
      message: expect.stringContaining('acd-store2 is CrashLoopBackOff'),
    });
    expect(cond(d.status, 'Reconciling')!.status).toBe('False');
  });

  test('a missing VM: Stalled VMMissing, reported as Missing, no crash, the rest of its stage still commanded', () => {
    const world = World.of(L3, 'Off');
    world.remove('acd-store1');
    const d = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE));
    d.runUntil((x) => cond(x, 'Stalled')?.status === 'True');
    expect(cond(d.status, 'Stalled')).toMatchObject({
      reason: 'VMMissing',
      message: expect.stringContaining('acd-store1 not found'),
    });
    expect(d.status.machines!.find((m) => m.vm === 'acd-store1')).toMatchObject({
      printableStatus: 'Missing',
      ready: false,
    });
    expect(world.log.map((a) => a.cmd.vm)).toEqual(['acd-store2']);
    // Once the VM appears the walk resumes.
    world.addVm('acd-store1', 'Off');
    d.runUntil(finished);
    expect(d.status.transition!.outcome).toBe('Succeeded');
  });

  test('forceAfter: exactly one ForceStop via the subresource, and only after the delay', () => {
    const world = World.of(L3, 'On', { 'acd-dbm1': { shutdownMs: Infinity } });
    const d = new Driver(world, specOf(L3, 'Off', { ...SPEC_ACTIVE, stop: { forceAfter: '30s' } }));
    d.runUntil(finished);
    const stop = world.log.find((a) => a.cmd.vm === 'acd-dbm1' && a.cmd.action === 'Stop')!;
    const forces = world.log.filter((a) => a.cmd.action === 'ForceStop');
    expect(forces).toHaveLength(1);
    expect(forces[0]!.cmd).toEqual({ vm: 'acd-dbm1', action: 'ForceStop', via: 'subresource' });
    expect(forces[0]!.at - stop.at).toBeGreaterThanOrEqual(30_000);
    expect(forces[0]!.at - stop.at).toBeLessThan(35_000);
    expect(d.status.transition!.outcome).toBe('Succeeded');
  });

  test('without forceAfter a stubborn VM is never forced', () => {
    const world = World.of(L3, 'On', { 'acd-dbm1': { shutdownMs: Infinity } });
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    d.runUntil((x) => cond(x, 'Stalled')?.status === 'True', 10_000);
    expect(world.log.some((a) => a.cmd.action === 'ForceStop')).toBe(false);
  });
});

describe('pause', () => {
  test('paused: no commands, Reconciling False reason Paused, status still reported', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off', { ...SPEC_ACTIVE, paused: true }));
    for (let i = 0; i < 5; i++) {
      expect(d.reconcile().commands).toEqual([]);
      world.advance(5_000);
    }
    expect(world.log).toEqual([]);
    expect(cond(d.status, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Paused' });
    expect(d.status).toMatchObject({ power: 'On', readyVMs: '12/12' });
    // Unpausing resumes from where the world is.
    d.setSpec(specOf(L3, 'Off', SPEC_ACTIVE));
    expect(d.reconcile().commands.length).toBeGreaterThan(0);
  });
});

describe('active sides', () => {
  test('ActiveUnknown: a Large shutdown with no active side anywhere commands nothing and says what to set', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off'));
    const x = d.reconcile();
    expect(x.commands).toEqual([]);
    const c = cond(x, 'ActiveUnknown')!;
    expect(c).toMatchObject({ status: 'True', reason: 'ActiveSideUnknown' });
    for (const kind of ['database', 'loadBalancer', 'storage'])
      expect(c.message).toContain(`set spec.active.${kind} to 1 or 2`);
    expect(c.message).toContain('acd.power.dev/active=true');
    expect(cond(x, 'Stalled')).toMatchObject({ status: 'True', reason: 'ActiveSideUnknown' });
    expect(x.status.active!.database).toMatchObject({ source: 'Unknown' });
  });

  test('the annotation names the active side, and the last shutdown remembers it for the next startup', () => {
    const annotated = { annotations: { 'acd.power.dev/active': 'true' } };
    const world = World.of(L3, 'On', { 'acd-dbm1': annotated, 'acd-lb1': annotated, 'acd-store1': annotated });
    const d = new Driver(world, specOf(L3, 'Off'));
    d.runUntil(finished);
    expect(d.status.active!.database).toMatchObject({ side: 1, source: 'Annotation' });
    // Side 1 active: the inactive side 2 goes first in each pair.
    const stops = world.log.map((a) => a.cmd.vm);
    expect(stops.indexOf('acd-dbm2')).toBeLessThan(stops.indexOf('acd-dbm1'));
    expect(stops.at(-1)).toBe('acd-store1');
    expect(d.status.lastShutdownActive).toEqual({ database: 1, loadBalancer: 1, storage: 1 });

    // The annotations are gone (say the VMs were re-created from Git); the last shutdown decides.
    for (const v of ['acd-dbm1', 'acd-lb1', 'acd-store1']) world.setAnnotations(v, {});
    const cut = world.log.length;
    d.setSpec(specOf(L3, 'On'));
    d.runUntil(finished);
    expect(d.status.active!.storage).toMatchObject({ side: 1, source: 'LastShutdown' });
    expect(world.log[cut]!.cmd.vm).toBe('acd-store1');
    expect(d.status.transition!.outcome).toBe('Succeeded');
  });

  test('annotations on both sides are not trusted', () => {
    const annotated = { annotations: { 'acd.power.dev/active': 'true' } };
    const world = World.of(L3, 'On', { 'acd-dbm1': annotated, 'acd-dbm2': annotated });
    const x = new Driver(world, specOf(L3, 'Off', { active: { loadBalancer: 2, storage: 2 } })).reconcile();
    expect(x.commands).toEqual([]);
    expect(cond(x, 'ActiveUnknown')!.message).toContain('set on VMs of both sides');
  });
});

describe('health gate', () => {
  test(
    'runChecks first; failing health holds; ' + 'after the stage timeout Stalled HealthGateTimeout; healthy passes',
    () => {
      const world = World.of(L3, 'Off');
      const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, timeouts: { stage: '5m' } }));
      let pacemakerOk = false;
      d.health = (checks) =>
        Object.fromEntries(
          checks.map((c) => [
            c,
            c === 'pacemaker' && !pacemakerOk
              ? { healthy: false, message: 'node acd-store1 offline' }
              : { healthy: true, message: 'ok' },
          ]),
        );
      d.runUntil((x) => cond(x, 'Healthy')?.status === 'False');
      const held = d.steps.at(-1)!;
      expect(held.first.runChecks).toEqual(['pacemaker', 'drbd']);
      expect(held.first.commands).toEqual([]);
      expect(held.decision.commands).toEqual([]);
      expect(cond(held.decision, 'Healthy')).toMatchObject({
        status: 'False',
        message: expect.stringContaining('pacemaker: node acd-store1 offline'),
      });
      expect(cond(held.decision, 'Stalled')!.status).toBe('False');
      expect(held.decision.status.stage).toBe('2/9');

      // Held for the whole stage timeout: still nothing of stage 3 (lb2).
      d.runUntil((x) => cond(x, 'Stalled')?.status === 'True', 10_000);
      expect(cond(d.status, 'Stalled')).toMatchObject({ reason: 'HealthGateTimeout' });
      expect(world.log.some((a) => a.cmd.vm === 'acd-lb2')).toBe(false);

      pacemakerOk = true;
      const passed = d.reconcile();
      expect(passed.commands.map((c) => c.vm.name)).toEqual(['acd-lb2']);
      expect(cond(passed, 'Stalled')!.status).toBe('False');
      // A gate that passed must not keep reporting the old failure.
      expect(cond(passed, 'Healthy')).toMatchObject({ status: 'True' });
    },
  );

  test('while On, checks re-run every interval only when one is configured', () => {
    /** Powers Large V3 On, then returns the decisions right after and 61 s later. */
    const afterStartup = (health: Record<string, unknown>) => {
      const d = new Driver(
        World.of(L3, 'Off'),
        specOf(L3, 'On', { ...SPEC_ACTIVE, health: { interval: '60s', ...health } }),
      );
      d.runUntil(finished);
      // The first decision of a reconcile: the one that asks for checks (the Driver then runs them).
      d.reconcile();
      const at = d.steps.at(-1)!.first;
      d.world.advance(61_000);
      d.reconcile();
      return { at, later: d.steps.at(-1)!.first };
    };
    const none = afterStartup({});
    for (const x of [none.at, none.later]) {
      expect(x.commands).toEqual([]);
      expect(x.runChecks).toBeUndefined();
      expect(x.requeueAfterMs).toBeUndefined();
    }
    const mysql = afterStartup({ mysql: { credentialsSecret: 'mon' } });
    expect(mysql.at.requeueAfterMs).toBeGreaterThan(0);
    expect(mysql.later.runChecks).toEqual(['systemHealth']);
    expect(mysql.later.commands).toEqual([]);
    // SSH credentials count only while Pacemaker or DRBD is checked.
    const ssh = (pacemaker: boolean, drbd: boolean) =>
      afterStartup({
        ssh: { credentialsSecret: 'k' },
        mysql: { enabled: false },
        pacemaker: { enabled: pacemaker },
        drbd: { enabled: drbd },
      }).later.runChecks;
    expect(ssh(true, false)).toEqual(['systemHealth']);
    expect(ssh(false, true)).toEqual(['systemHealth']);
    expect(ssh(false, false)).toBeUndefined();
  });

  test('without results decide() asks for checks and commands nothing', () => {
    // Both storage VMs already up: stage 1 passes, stage 2 (store1) carries pacemaker and drbd.
    const world = World.of(L3, 'Off').addVm('acd-store2', 'On').addVm('acd-store1', 'On');
    const spec = specOf(L3, 'On', SPEC_ACTIVE);
    const x = decide({ generation: 1, spec, status: {}, vms: world.snapshot(), now: world.now });
    expect(x.runChecks).toEqual(['pacemaker', 'drbd']);
    expect(x.commands).toEqual([]);
  });
});

describe('how VMs are commanded', () => {
  test('a start waits while a stop request is still queued (KubeVirt would answer 500 "already underway")', () => {
    const layout = SEED_LAYOUTS.SmallV1;
    const world = World.of(layout, 'Off', Object.fromEntries(layout.map((m) => [m.vm, { runStrategy: 'Manual' }])));
    const first = 'acd-store-lb-dbm-dbs-dbr-jb'; // the first stage's VM
    const vms = world.snapshot();
    vms.set(first, { ...vms.get(first)!, pendingActions: ['Stop'] });
    const spec = specOf(layout, 'On');
    const held = decide({ generation: 1, spec, status: {}, vms, now: world.now });
    expect(held.commands).toEqual([]);
    expect(held.status.transition!.stages[0]!.message).toMatch(/finish stopping before starting/);
    const go = decide({ generation: 1, spec, status: held.status, vms: world.snapshot(), now: world.now });
    expect(go.commands.map((c) => `${c.action} ${c.vm.name}`)).toEqual([`Start ${first}`]);
  });

  test.each(['Halted', 'Manual', 'RerunOnFailure'] as const)(
    'recovery Ordered: %s VMs are moved to Manual (once) and commanded through the subresources',
    (runStrategy) => {
      const layout = SEED_LAYOUTS.SmallV1;
      const world = World.of(layout, 'Off', Object.fromEntries(layout.map((m) => [m.vm, { runStrategy }])));
      const d = new Driver(world, specOf(layout, 'On', { recovery: 'Ordered' }));
      const first = d.reconcile();
      expect(first.commands.map((c) => [c.vm.name, c.via, c.toManual ?? false])).toEqual([
        ['acd-store-lb-dbm-dbs-dbr-jb', 'subresource', runStrategy !== 'Manual'],
      ]);
      d.runUntil(finished);
      expect(world.log.map((a) => a.cmd.action)).toEqual(['Start', 'Start']);
      expect(layout.every((m) => world.vm(m.vm).runStrategy === 'Manual')).toBe(true);
      const moved = runStrategy !== 'Manual';
      for (const m of layout)
        expect(world.vm(m.vm).annotations).toEqual(moved ? { [MOVED_TO_MANUAL_ANNOTATION]: 'true' } : {});
      // And back Off: a VM we moved goes to Halted, declared stopped (a stopped Manual VM reads
      // Suspended in Argo CD); a VM held on Manual keeps the subresource, and its spec.
      d.setSpec(specOf(layout, 'Off', { recovery: 'Ordered' }));
      const off = d.reconcile();
      expect(off.commands.map((c) => [c.vm.name, c.via, c.toManual ?? false])).toEqual([
        ['acd-tel', moved ? 'runStrategy' : 'subresource', false],
      ]);
      d.runUntil(finished);
      for (const m of layout)
        expect([m.vm, world.vm(m.vm).runStrategy, world.vm(m.vm).annotations]).toEqual([
          m.vm,
          moved ? 'Halted' : 'Manual',
          {},
        ]);
    },
  );

  test('a VM we moved to Manual with a start still queued is stopped through the subresource, not Halted', () => {
    // Halted would turn the queued start into Always and boot it (virt-controller's syncRunStrategy).
    const vm = World.of(SEED_LAYOUTS.SmallV1, 'Off').vm('acd-tel');
    const moved = withIntent(vm, { action: 'Start', via: 'subresource', toManual: true });
    expect(moved).toMatchObject({ runStrategy: 'Manual', pendingActions: ['Start'] });
    expect(moved.annotations).toEqual({ [MOVED_TO_MANUAL_ANNOTATION]: 'true' });
    expect(commandsVia(moved, 'Ordered', 'Stop')).toBe('subresource');
    expect(commandsVia({ ...moved, pendingActions: [] }, 'Ordered', 'Stop')).toBe('runStrategy');
  });

  test.each(['Manual', 'RerunOnFailure'] as const)(
    'recovery KubeVirt: %s VMs go through the subresource',
    (runStrategy) => {
      const layout = SEED_LAYOUTS.SmallV1;
      const world = World.of(layout, 'Off', Object.fromEntries(layout.map((m) => [m.vm, { runStrategy }])));
      const d = new Driver(world, specOf(layout, 'On', { recovery: 'KubeVirt' }));
      d.runUntil(finished);
      expect(world.log.map((a) => a.cmd)).toEqual([
        { vm: 'acd-store-lb-dbm-dbs-dbr-jb', action: 'Start', via: 'subresource' },
        { vm: 'acd-tel', action: 'Start', via: 'subresource' },
      ]);
      // The subresource leaves spec alone, so the strategy is still the user's.
      expect(world.vm('acd-tel').runStrategy).toBe(runStrategy);
    },
  );

  test(
    'legacy spec.running VMs are commanded via runStrategy with legacyRunning set, ' +
      'so the commander patches spec.running',
    () => {
      const layout = SEED_LAYOUTS.SmallV1;
      const world = World.of(layout, 'On', Object.fromEntries(layout.map((m) => [m.vm, { legacy: true }])));
      const d = new Driver(world, specOf(layout, 'Off', { recovery: 'KubeVirt' }));
      const x = d.reconcile();
      expect(x.commands).toHaveLength(1);
      expect(x.commands[0]).toMatchObject({
        action: 'Stop',
        via: 'runStrategy',
        vm: { name: 'acd-tel', legacyRunning: true },
      });
      d.runUntil(finished);
      expect(d.status.transition!.outcome).toBe('Succeeded');
    },
  );
});

describe('conditions', () => {
  test('carry observedGeneration; lastTransitionTime moves only when the status flips', () => {
    const world = World.of(L3, 'Off', { 'acd-store2': { bootMs: 60_000 } });
    const d = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE));
    d.generation = 7;
    const a = d.reconcile();
    for (const c of a.status.conditions!) expect(c.observedGeneration).toBe(7);
    const readyAt = cond(a, 'Ready')!.lastTransitionTime;
    expect(readyAt).toBe(world.now.toISOString());
    world.advance(30_000);
    const b = d.reconcile();
    // Still False, still moving: same transition time although the clock moved.
    expect(cond(b, 'Ready')).toMatchObject({ status: 'False', lastTransitionTime: readyAt });
    expect(cond(b, 'Reconciling')!.lastTransitionTime).toBe(cond(a, 'Reconciling')!.lastTransitionTime);
    d.runUntil(finished);
    const ready = cond(d.status, 'Ready')!;
    expect(ready.status).toBe('True');
    expect(ready.lastTransitionTime).not.toBe(readyAt);
    expect(Date.parse(ready.lastTransitionTime)).toBe(d.steps.at(-1)!.at);
    // A new generation is stamped on every condition.
    d.setSpec(specOf(L3, 'On', SPEC_ACTIVE));
    const c = d.reconcile();
    for (const x of c.status.conditions!) expect(x.observedGeneration).toBe(8);
    expect(cond(c, 'Ready')!.lastTransitionTime).toBe(ready.lastTransitionTime);
  });

  test('nothing to do from the start: no transition, no commands, Ready True', () => {
    const world = World.of(L3, 'On');
    const x = new Driver(world, specOf(L3, 'On', SPEC_ACTIVE)).reconcile();
    expect(x.commands).toEqual([]);
    expect(x.status.transition).toBeUndefined();
    expect(x.status).toMatchObject({ phase: 'On', power: 'On' });
    expect(cond(x, 'Ready')).toMatchObject({ status: 'True', reason: 'PoweredOn' });
  });
});
