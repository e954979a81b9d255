// An ordered restart through decide(): Off through every stage, then On through every stage, once;
// status.restart carries it across a crash or a lost status write; a second bump restarts once more.
import { describe, expect, test } from '@jest/globals';
import { decide, shutdownAboutToBegin } from '../../../src/decision/decide.js';
import type { Decision } from '../../../src/decision/types.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { Driver, SPEC_ACTIVE, specOf, stagesOf, World } from './world.js';

const L3 = SEED_LAYOUTS.LargeV3;
const restartDone = (d: Decision) => d.status.restart?.phase === 'Done';
const reasons = (d: Driver) => d.steps.flatMap((s) => s.decision.events.map((e) => e.reason));

/**
 * An On Large V3 whose instances all started at the world's start; `after` ms later, a restart is due.
 * `due`: the clock moved there already.
 */
function onAcd(extra: Record<string, unknown> = {}, after = 60_000, due = false) {
  const world = World.of(L3, 'On');
  const restartAfter = new Date(world.now.getTime() + after).toISOString();
  const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, restartAfter, ...extra }));
  if (due) world.advance(after);
  return { world, d, restartAfter };
}

describe('ordered restart', () => {
  test('every stage Off in runbook order, then every stage On, once; every instance newer afterwards', () => {
    const { world, d, restartAfter } = onAcd();
    // Not due yet: nothing commanded, and the pass wakes up for it.
    const early = d.reconcile();
    expect(early.commands).toEqual([]);
    expect(early.requeueAfterMs).toBeLessThanOrEqual(60_000 + 1_000);
    world.advance(60_000);
    d.runUntil(restartDone, 1_000);
    const stops = world.log.filter((a) => a.cmd.action === 'Stop');
    const starts = world.log.filter((a) => a.cmd.action === 'Start');
    expect(stops.map((a) => a.cmd.vm).sort()).toEqual(L3.map((m) => m.vm).sort());
    expect(starts.map((a) => a.cmd.vm).sort()).toEqual(L3.map((m) => m.vm).sort());
    // All stops before any start, each direction in its stages' order.
    expect(Math.max(...stops.map((a) => a.at))).toBeLessThan(Math.min(...starts.map((a) => a.at)));
    const order = (dir: 'On' | 'Off', applied: typeof stops) => {
      const index = new Map(stagesOf(dir).flatMap((s) => s.vms.map((v) => [v, s.index] as const)));
      const seen = applied.map((a) => index.get(a.cmd.vm)!);
      return seen.every((v, i) => i === 0 || v >= seen[i - 1]!);
    };
    expect(order('Off', stops)).toBe(true);
    expect(order('On', starts)).toBe(true);
    for (const m of L3) expect(Date.parse(world.vm(m.vm).instanceCreatedAt!)).toBeGreaterThan(Date.parse(restartAfter));
    expect(d.status.restart).toMatchObject({ at: restartAfter, phase: 'Done' });
    expect(d.status.history!.map((h) => [h.direction, h.trigger?.source, h.outcome])).toEqual([
      ['Off', 'Restart', 'Succeeded'],
      ['On', 'Restart', 'Succeeded'],
    ]);
    // Later passes do nothing more.
    const before = world.log.length;
    for (let i = 0; i < 5; i++) {
      world.advance(10_000);
      d.reconcile();
    }
    expect(world.log.length).toBe(before);
    expect(reasons(d).filter((r) => r.startsWith('Restart'))).toEqual(['RestartStarted', 'RestartCompleted']);
  });

  test('a crash mid-startup (a fresh operator on the stored status): no stop repeated, no start skipped', () => {
    const { world, d } = onAcd({}, 1_000, true);
    d.runUntil((x) => x.status.restart?.phase === 'Starting' && world.log.some((a) => a.cmd.action === 'Start'));
    const stopsSoFar = world.log.filter((a) => a.cmd.action === 'Stop').length;
    const fresh = new Driver(world, d.spec);
    fresh.status = structuredClone(d.status);
    fresh.runUntil(restartDone);
    expect(world.log.filter((a) => a.cmd.action === 'Stop')).toHaveLength(stopsSoFar);
    expect(L3.every((m) => world.vm(m.vm).printableStatus === 'Running')).toBe(true);
  });

  test('the write that began the startup is lost: the next pass goes on starting, it does not stop again', () => {
    const { world, d } = onAcd({}, 1_000, true);
    d.runUntil(
      (x) => x.status.restart?.phase === 'Stopping' && L3.every((m) => world.vm(m.vm).printableStatus === 'Stopped'),
    );
    const lost = structuredClone(d.status);
    const next = d.reconcile();
    expect(next.status.restart?.phase).toBe('Starting');
    d.status = lost; // that write never landed
    d.runUntil(restartDone);
    expect(world.log.filter((a) => a.cmd.action === 'Stop')).toHaveLength(L3.length);
  });

  test('a second bump restarts once more; the annotation counts as a bump', () => {
    const { world, d } = onAcd({}, 1_000, true);
    d.runUntil(restartDone);
    world.advance(60_000);
    d.restartAnnotation = world.now.toISOString();
    d.runUntil((x) => restartDone(x) && x.status.restart?.at === d.restartAnnotation);
    expect(world.log.filter((a) => a.cmd.action === 'Stop')).toHaveLength(2 * L3.length);
    expect(world.log.filter((a) => a.cmd.action === 'Start')).toHaveLength(2 * L3.length);
  });

  test('an Off ACD records the restart as skipped, once, and touches nothing', () => {
    const world = World.of(L3, 'Off');
    const d = new Driver(world, specOf(L3, 'Off', { ...SPEC_ACTIVE, restartAfter: world.now.toISOString() }));
    d.reconcile();
    d.reconcile();
    expect(world.log).toEqual([]);
    expect(d.status.restart).toMatchObject({ phase: 'Skipped' });
    expect(reasons(d)).toEqual(['RestartSkipped']);
  });

  test('an instance created in the very second of the restart time counts as new (whole seconds)', () => {
    const { d } = onAcd({}, 900, true);
    expect(d.reconcile().commands).toEqual([]);
    expect(d.status.restart).toMatchObject({ phase: 'Done' });
  });

  test('instances newer than the restart time already: nothing to restart', () => {
    const world = World.of(L3, 'On');
    const spec = specOf(L3, 'On', {
      ...SPEC_ACTIVE,
      restartAfter: new Date(world.now.getTime() - 1_000).toISOString(),
    });
    const d = decide({ generation: 1, spec, status: {}, vms: world.snapshot(), now: world.now });
    expect(d.commands).toEqual([]);
    expect(d.status.restart).toMatchObject({ phase: 'Done' });
  });

  test('a due restart is a shutdown about to begin: active sides Auto are detected live first', () => {
    const { world, d } = onAcd({ active: { database: 'Auto', loadBalancer: 2, storage: 2 } }, 60_000, true);
    const base = { generation: 1, spec: d.spec, vms: world.snapshot(), now: world.now };
    // The ACD is On and its last transition an On: only the restart makes the next pass an Off.
    const on = { direction: 'On' as const, generation: 1, startedAt: '2029-12-31T00:00:00Z', stages: [], commands: [] };
    const status = { transition: { ...on, finishedAt: '2029-12-31T00:01:00Z' } };
    expect(shutdownAboutToBegin({ ...base, status })).toBe(true);
    // Not before it is due, and not with every side pinned.
    expect(shutdownAboutToBegin({ ...base, now: new Date(world.now.getTime() - 30_000), status })).toBe(false);
    const pinned = specOf(L3, 'On', { ...SPEC_ACTIVE, restartAfter: d.spec.restartAfter });
    expect(shutdownAboutToBegin({ ...base, spec: pinned, status })).toBe(false);
  });

  test("a beforeOff gate that aborts the restart's Off: the restart is given up, the ACD stays On", () => {
    const gate = {
      name: 'no-active-calls',
      check: { http: { url: 'http://acd-tel/calls/idle' } },
      interval: '10s',
      maxWait: '1m',
      onTimeout: 'Abort',
    };
    const { world, d } = onAcd({ gates: { beforeOff: [gate] } }, 60_000, true);
    d.gates = () => ({ passed: false, noData: false, value: '503', message: 'HTTP 503' });
    d.runUntil((x) => x.status.restart?.phase === 'Skipped', 1_000);
    expect(world.log).toEqual([]);
    expect(reasons(d)).toContain('GateAborted');
    expect(d.steps.flatMap((s) => s.decision.events).find((e) => e.reason === 'RestartSkipped')?.message).toMatch(
      /given up: a beforeOff gate aborted its Off/,
    );
    // Settled On again: nothing more is commanded, and the pass is not Stalled.
    for (let i = 0; i < 30; i++) {
      world.advance(1_000);
      expect(d.reconcile().commands).toEqual([]);
    }
    expect(d.status.power).toBe('On');
    expect(d.status.phase).toBe('On');
  });
});
