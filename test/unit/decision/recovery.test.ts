// Ordered recovery (spec.recovery: Ordered, the default): VMs that go down while the ACD is On are
// started again by a Recovery transition, in runbook order and with every health gate, with a
// back-off between recoveries and a stop at a crash loop. Never a stop command.
import { describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import type { Decision } from '../../../src/decision/types.js';
import { RECOVERY_LIMIT } from '../../../src/decision/recovery.js';
import { backoffMs } from '../../../src/decision/context.js';
import { failedAfterStart } from '../../../src/decision/record.js';
import { cond, Driver, finished, SPEC_ACTIVE, specOf, stageOfVm, stagesOf, World } from './world.js';

const L3 = SEED_LAYOUTS.LargeV3;
const recovered = (d: Decision) => finished(d) && d.status.transition?.trigger?.source === 'Recovery';

/** A Large V3 On, every VM Manual (as after a first startup under Ordered), and its driver. */
function onAcd(extra: Record<string, unknown> = {}) {
  const world = World.of(L3, 'Off', Object.fromEntries(L3.map((m) => [m.vm, { runStrategy: 'Manual' as const }])));
  const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, recovery: 'Ordered', ...extra }));
  d.runUntil(finished);
  const checks: string[][] = [];
  d.health = (asked) => {
    checks.push(asked);
    return Object.fromEntries(asked.map((c) => [c, { healthy: true, message: 'ok' }]));
  };
  return { world, d, checks, since: world.log.length };
}

describe('recovery Ordered', () => {
  test('after a power loss every VM comes back in runbook order, each stage waited for, no stop', () => {
    const { world, d, checks, since } = onAcd();
    world.powerLoss();
    const first = d.reconcile();
    expect(first.events.filter((e) => e.reason === 'RecoveryStarted')).toHaveLength(1);
    expect(first.status.transition?.trigger).toEqual({ source: 'Recovery' });
    expect(first.status.recovery).toMatchObject({ count: 1, generation: 1 });
    d.runUntil(recovered);
    const log = world.log.slice(since);
    expect(log.every((a) => a.cmd.action === 'Start')).toBe(true);
    expect(log.map((a) => a.cmd.vm).sort()).toEqual(L3.map((m) => m.vm).sort());
    // Runbook order: a VM is started only once every VM of the earlier waited-for stages is up.
    const stages = stagesOf('On');
    const of = stageOfVm(stages);
    for (const a of log) {
      for (const s of stages.filter((x) => x.index < of.get(a.cmd.vm)! && x.gate === 'Completed'))
        for (const v of s.awaits) expect(a.before.get(v)!.printableStatus).toBe('Running');
    }
    expect(checks.flat()).toEqual(expect.arrayContaining(['pacemaker', 'drbd', 'mysqlReplication']));
    expect(d.status.history!.map((h) => h.trigger?.source)).toEqual(['Spec', 'Recovery']);
  });

  test('one crashed app VM is started alone', () => {
    const { world, d, since } = onAcd();
    world.crash('acd-jb1');
    d.runUntil(recovered);
    expect(world.log.slice(since).map((a) => `${a.cmd.action} ${a.cmd.vm}`)).toEqual(['Start acd-jb1']);
  });

  test('a crashed DB master is started, and the replication gate runs again before the ACD is On', () => {
    const { world, d, checks, since } = onAcd();
    world.crash('acd-dbm2');
    checks.length = 0;
    const steps = d.runUntil(recovered);
    expect(world.log.slice(since).map((a) => `${a.cmd.action} ${a.cmd.vm}`)).toEqual(['Start acd-dbm2']);
    expect(checks.flat()).toContain('mysqlReplication');
    // Held while the replication check fails: the recovery does not finish.
    world.crash('acd-dbm2');
    d.health = (asked) =>
      Object.fromEntries(asked.map((c) => [c, { healthy: c !== 'mysqlReplication', message: 'x' }]));
    world.advance(backoffMs(1));
    d.runUntil(
      (x) => x.status.transition?.trigger?.source === 'Recovery' && !finished(x) && world.vm('acd-dbm2').ready,
    );
    for (let i = 0; i < 20; i++) {
      world.advance(1_000);
      expect(finished(d.reconcile())).toBe(false);
    }
    expect(cond(d.status, 'Ready')).toMatchObject({ status: 'False', reason: 'HealthGateHeld' });
    expect(steps).toBeGreaterThan(0);
  });

  test('recoveries back off; the sixth within an hour is a crash loop: Stalled, once, until the spec changes', () => {
    const { world, d } = onAcd();
    for (let n = 1; n <= RECOVERY_LIMIT; n++) {
      world.crash('acd-tel1');
      if (n > 1) {
        // The back-off holds: nothing is started, and the condition says until when.
        const held = d.reconcile();
        expect(held.commands).toEqual([]);
        expect(cond(held, 'Ready')).toMatchObject({ status: 'False', reason: 'RecoveryBackoff' });
        expect(held.requeueAfterMs).toBeLessThanOrEqual(backoffMs(n - 1) + 100);
        world.advance(backoffMs(n - 1));
      }
      d.runUntil(recovered);
      expect(d.status.recovery?.count).toBe(n);
    }
    world.crash('acd-tel1');
    world.advance(10 * 60_000);
    const loop = d.reconcile();
    expect(loop.commands).toEqual([]);
    expect(loop.status.phase).toBe('Stalled');
    expect(cond(loop, 'Stalled')).toMatchObject({ status: 'True', reason: 'RecoveryCrashLoop' });
    expect(loop.events.map((e) => e.reason)).toEqual(['RecoveryCrashLoop']);
    world.advance(1_000);
    expect(d.reconcile().events.map((e) => e.reason)).not.toContain('RecoveryCrashLoop');
    // A change of the spec starts over.
    d.setSpec(specOf(L3, 'On', { ...SPEC_ACTIVE, recovery: 'Ordered', historyLimit: 20 }));
    const again = d.reconcile();
    expect(again.commands.map((c) => c.vm.name)).toEqual(['acd-tel1']);
    expect(again.status.recovery?.count).toBe(1);
  });

  test('KubeVirt: the same fall is a Drift, and the count is not kept', () => {
    const { world, d } = onAcd({ recovery: 'KubeVirt' });
    world.crash('acd-jb1');
    const x = d.reconcile();
    expect(x.status.transition?.trigger).toEqual({ source: 'Drift' });
    expect(x.status.recovery).toBeUndefined();
  });
});

describe('a Manual VM whose boot fails (KubeVirt shows it Stopped, never CrashLoopBackOff)', () => {
  test('is VMFailing at once, started again with a growing back-off, and no later stage starts', () => {
    const M2 = SEED_LAYOUTS.MediumV2;
    const manual = Object.fromEntries(M2.map((m) => [m.vm, { runStrategy: 'Manual' as const }]));
    const world = World.of(M2, 'Off', { ...manual, 'acd-dbm': { runStrategy: 'Manual', crashes: true } });
    const d = new Driver(world, specOf(M2, 'On', { recovery: 'Ordered' }));
    const failing = (x: Decision) => cond(x, 'Stalled')?.reason === 'VMFailing';
    d.runUntil(failing);
    const firstStart = world.log.find((a) => a.cmd.vm === 'acd-dbm')!.at;
    const stalled = cond(d.status, 'Stalled')!;
    expect(stalled.message).toMatch(
      /^stage 3\/5 \(.*\): acd-dbm failed to boot \(instance Failed after 1 start; next start /,
    );
    // Started again after 30 s, then 1 m, then 2 m: KubeVirt's crash-loop back-off, not every pass.
    for (let i = 0; i < 8 * 60; i++) {
      world.advance(1_000);
      d.reconcile();
    }
    const starts = world.log.filter((a) => a.cmd.vm === 'acd-dbm').map((a) => Math.round((a.at - firstStart) / 1000));
    expect(starts.slice(0, 4)).toEqual([0, 30, 90, 210]);
    expect(failing(d.steps.at(-1)!.decision)).toBe(true);
    const later = stagesOf('On', M2)
      .filter((s) => s.index > 2)
      .flatMap((s) => s.vms);
    expect(world.log.filter((a) => later.includes(a.cmd.vm))).toEqual([]);
  });

  test('started again, the old failed instance is older than the start it is judged against', () => {
    const vm = { ...World.of(SEED_LAYOUTS.SmallV1, 'Off').vm('acd-tel'), runStrategy: 'Manual' };
    const failed = { ...vm, created: true, instancePhase: 'Failed', instanceCreatedAt: '2030-01-01T00:00:10Z' };
    const start = (at: string) => ({ vm: 'acd-tel', action: 'Start' as const, via: 'subresource' as const, at });
    const t = { direction: 'On' as const, generation: 1, startedAt: '2030-01-01T00:00:00Z', stages: [] };
    const once = { ...t, commands: [start('2030-01-01T00:00:09.500Z')] };
    expect(failedAfterStart(once, failed)).toBe(true);
    const twice = { ...t, commands: [...once.commands, start('2030-01-01T00:00:40Z')] };
    expect(failedAfterStart(twice, { ...failed, pendingActions: ['Stop', 'Start'] })).toBe(false);
  });

  test("a power loss's Failed instances, from before the start, are not a failed boot", () => {
    const { world, d } = onAcd();
    world.powerLoss();
    const reasons = new Set<string | undefined>();
    d.runUntil((x) => (reasons.add(cond(x, 'Stalled')?.reason), recovered(x)));
    expect(reasons.has('VMFailing')).toBe(false);
  });
});

describe('SelfRestartingVMs', () => {
  test('names the VMs KubeVirt restarts by itself, until the operator has moved them to Manual', () => {
    const world = World.of(L3, 'On', { 'acd-jb1': { runStrategy: 'RerunOnFailure' } });
    const ORDERED = { ...SPEC_ACTIVE, recovery: 'Ordered' };
    const d = new Driver(world, specOf(L3, 'On', ORDERED));
    const first = d.reconcile();
    const c = cond(first, 'SelfRestartingVMs')!;
    expect(c).toMatchObject({ status: 'True', reason: 'RunStrategyRestartsByItself' });
    expect(c.message).toContain('acd-store1, acd-store2');
    expect(c.message).toContain('acd-jb1');
    expect(c.message).toContain('runStrategy: Manual');
    // Off: Always VMs are stopped into Halted (declared stopped); a RerunOnFailure one keeps its strategy.
    d.setSpec(specOf(L3, 'Off', ORDERED));
    d.runUntil(finished);
    expect(cond(d.status, 'SelfRestartingVMs')!.message).toMatch(/^acd-jb1 has a runStrategy/);
    // On: each is moved to Manual before its start.
    d.setSpec(specOf(L3, 'On', ORDERED));
    d.runUntil(finished);
    expect(L3.every((m) => world.vm(m.vm).runStrategy === 'Manual')).toBe(true);
    expect(cond(d.status, 'SelfRestartingVMs')).toMatchObject({ status: 'False', reason: 'RecoveryOrdered' });
  });

  test('recovery KubeVirt says who restarts the VMs', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, recovery: 'KubeVirt' }));
    expect(cond(d.reconcile(), 'SelfRestartingVMs')).toMatchObject({ status: 'False', reason: 'RecoveryByKubeVirt' });
  });
});
