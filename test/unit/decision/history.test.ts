// status.history through decide(): one entry per transition, made in the write that ends it, with
// what triggered it and who, seconds per stage and forced stops; a ring of spec.historyLimit.
import { describe, expect, test } from '@jest/globals';
import { appendHistory } from '../../../src/decision/history.js';
import { HistoryEntrySchema, StatusSchema, type HistoryEntry } from '../../../src/api/status.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { Driver, finished, SPEC_ACTIVE, specOf, World } from './world.js';

const L3 = SEED_LAYOUTS.LargeV3;

describe('status.history', () => {
  test('a finished shutdown: one entry, its trigger and writer, seconds per stage; repeated passes add none', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    d.powerStateBy = 'kubectl-patch';
    d.runUntil(finished);
    const t = d.status.transition!;
    expect(d.status.history).toHaveLength(1);
    const [entry] = d.status.history!;
    expect(entry).toMatchObject({
      direction: 'Off',
      trigger: { source: 'Spec', by: 'kubectl-patch' },
      startedAt: t.startedAt,
      finishedAt: t.finishedAt,
      outcome: 'Succeeded',
    });
    expect(entry!.seconds).toBe((Date.parse(t.finishedAt!) - Date.parse(t.startedAt)) / 1000);
    expect(entry!.stages.map((s) => s.name)).toEqual(t.stages.map((s) => s.name));
    expect(entry!.stages.every((s) => typeof s.seconds === 'number' && s.seconds >= 0)).toBe(true);
    // Stages that wait for their VMs took the VMs' shutdown time (3 s in this world).
    expect(Math.max(...entry!.stages.map((s) => s.seconds!))).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 3; i++) {
      world.advance(1_000);
      d.reconcile();
    }
    expect(d.status.history).toHaveLength(1);
  });

  test('a reversal records the superseded transition, and the new one carries its own trigger', () => {
    const world = World.of(L3, 'On');
    const d = new Driver(world, specOf(L3, 'Off', SPEC_ACTIVE));
    d.powerStateBy = 'argocd-controller';
    d.runUntil((x) => (x.status.transition?.stages.filter((s) => s.state === 'Completed').length ?? 0) >= 2);
    d.powerStateBy = 'acdctl';
    d.setSpec(specOf(L3, 'On', SPEC_ACTIVE));
    d.runUntil(finished);
    expect(d.status.history!.map((h) => [h.direction, h.outcome, h.trigger?.by])).toEqual([
      ['Off', 'Superseded', 'argocd-controller'],
      ['On', 'Succeeded', 'acdctl'],
    ]);
    // Stages of the superseded shutdown that never began have no seconds.
    expect(d.status.history![0]!.stages.at(-1)).toEqual({ name: expect.any(String) });
  });

  test.each([
    ['KubeVirt', 'Drift'],
    ['Ordered', 'Recovery'],
  ] as const)(
    'VMs that fell after the end, recovery %s: the transition that brings them back is a %s',
    (recovery, source) => {
      const world = World.of(L3, 'Off');
      const d = new Driver(world, specOf(L3, 'On', { ...SPEC_ACTIVE, recovery }));
      d.runUntil(finished);
      world.powerLoss();
      d.runUntil((x) => finished(x) && x.status.transition?.trigger?.source === source, 1_000, 200);
      expect(d.status.history!.map((h) => h.trigger?.source)).toEqual(['Spec', source]);
    },
  );

  test('a forced stop is named', () => {
    const world = World.of(L3, 'On', { 'acd-dbm1': { shutdownMs: Infinity } });
    const d = new Driver(world, specOf(L3, 'Off', { ...SPEC_ACTIVE, stop: { forceAfter: '30s' } }));
    d.runUntil(finished);
    expect(d.status.history![0]!.forcedStops).toEqual(['acd-dbm1']);
  });

  test('a ring of historyLimit, oldest first, each transition once', () => {
    const entry = (i: number): HistoryEntry => ({
      direction: i % 2 ? 'On' : 'Off',
      startedAt: new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
      finishedAt: new Date(Date.UTC(2026, 0, 1, i, 30)).toISOString(),
      outcome: 'Succeeded',
      seconds: 1800,
      stages: [],
    });
    let h: HistoryEntry[] = [];
    for (let i = 0; i < 12; i++) h = appendHistory(h, [entry(i), entry(i)], 10);
    expect(h.map((e) => e.startedAt)).toEqual(Array.from({ length: 10 }, (_, i) => entry(i + 2).startedAt));
  });

  test('50 entries of a 30-VM ACD, with every VM force-stopped: well under the 1.5 MiB object limit', () => {
    const stages = Array.from({ length: 12 }, (_, i) => ({
      name: `stage ${i + 1}: dbs/dbr side 2 (active)`,
      seconds: 612.4,
    }));
    const vms = Array.from({ length: 30 }, (_, i) => `acd-customer-prod-vm-${String(i + 1).padStart(2, '0')}`);
    const entry: HistoryEntry = HistoryEntrySchema.parse({
      direction: 'Off',
      trigger: { source: 'Override', by: 'system:serviceaccount:acd-operations:night-shift-automation' },
      startedAt: '2026-11-29T21:00:00.123Z',
      finishedAt: '2026-11-29T21:41:07.456Z',
      outcome: 'Superseded',
      seconds: 2467.3,
      stages,
      forcedStops: vms,
    });
    const history = Array.from({ length: 50 }, () => entry);
    expect(StatusSchema.shape.history.safeParse(history).success).toBe(true);
    const bytes = Buffer.byteLength(JSON.stringify({ history }));
    // Stated in spec.historyLimit's description: 88 KB (88,413 bytes when written).
    expect(bytes).toBeLessThan(90 * 1024);
    expect(bytes).toBeGreaterThan(80 * 1024);
  });
});
