// The seed's 8 sizings as one suite, run on the shared test bed by sizings.test.ts (runStrategy VMs,
// the spec path) and on the older KubeVirt release by kubevirt-older.test.ts (Manual VMs, the
// subresource path). For each sizing: create its VMs and AcdCluster, power Off then On with the real
// kubectl, record the VM timeline from a watch, and check it against the seed's order as written
// independently in seed-rules.ts. All 8 ACDs run at once on one operator.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_ACTIVE, SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import type { Machine } from '../../../src/plan/index.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest, waitReady } from './acd.js';
import { MOVED_TO_MANUAL_ANNOTATION } from '../../../src/api/names.js';
import { startOperator, type RunningOperator } from './operator.js';
import { checkTimeline, SEED_SHUTDOWN, SEED_STARTUP } from './seed-rules.js';
import { VmTimeline } from './timeline.js';
import { kubectl } from './env.js';

type Seed = keyof typeof SEED_LAYOUTS;
const SIZINGS = Object.keys(SEED_LAYOUTS) as Seed[];
const APP = new Set(['tel', 'jb', 'api', 'chat', 'chatbot']);

// Stand-in seconds, scaled by the test bed's speed factor (0.05: 20 s -> 1 s). App VMs take longer
// to stop, so "you do not have to wait until acd-tel is down" is visible in the timeline.
export const annotationsFor = (m: Machine) => ({
  'standin.acd.power.dev/boot-seconds': '10',
  'standin.acd.power.dev/stop-seconds': m.roles.every((r) => APP.has(r)) ? '40' : '10',
});

export interface SizingsOptions {
  /** Namespace prefix, so that two suites never share a namespace. */
  prefix: string;
  runStrategy: 'Always' | 'Manual';
}

export function sizingsSuite(o: SizingsOptions): void {
  let operator: RunningOperator;
  const timelines = new Map<Seed, VmTimeline>();
  const ns = (s: Seed) => `${o.prefix}-${s.toLowerCase()}`;

  beforeAll(async () => {
    operator = await startOperator({ namespaces: SIZINGS.map(ns) });
    await Promise.all(
      SIZINGS.map(async (s) => {
        await createNamespace(ns(s));
        timelines.set(s, await VmTimeline.start(ns(s)));
        const active = SEED_ACTIVE;
        await apply([
          ...SEED_LAYOUTS[s].map((m) =>
            vmManifest(ns(s), m.vm, { runStrategy: o.runStrategy, annotations: annotationsFor(m) }),
          ),
          acdManifest(ns(s), 'acd', SEED_LAYOUTS[s], {
            active: {
              database: active.database ?? 'Auto',
              loadBalancer: active.loadBalancer ?? 'Auto',
              storage: active.storage ?? 'Auto',
            },
          }),
        ]);
      }),
    );
    await Promise.all(SIZINGS.map((s) => waitReady(ns(s), 'acd', 180)));
  }, 240_000);

  afterAll(async () => {
    for (const t of timelines.values()) t.stop();
    await operator?.stop();
  });

  describe(`the 8 seed sizings (${o.runStrategy} VMs), powered Off then On through kubectl`, () => {
    const since = { Off: new Map<Seed, number>(), On: new Map<Seed, number>() };

    test('all 8 reach Off; each shutdown follows the seed', async () => {
      for (const s of SIZINGS) since.Off.set(s, Date.now());
      await Promise.all(SIZINGS.map((s) => setPower(ns(s), 'acd', 'Off')));
      await Promise.all(SIZINGS.map((s) => waitReady(ns(s), 'acd', 180)));
      for (const s of SIZINGS) {
        const acd = await getAcd(ns(s), 'acd');
        expect({ s, power: acd.status?.power, phase: acd.status?.phase, sizing: acd.status?.sizing }).toEqual({
          s,
          power: 'Off',
          phase: 'Off',
          sizing: s,
        });
        expect({ s, violations: checkTimeline(SEED_SHUTDOWN[s], 'Off', timelines.get(s)!, since.Off.get(s)!) }).toEqual(
          { s, violations: [] },
        );
        for (const m of SEED_LAYOUTS[s])
          expect({ vm: m.vm, flips: timelines.get(s)!.commands(m.vm, 'Off', since.Off.get(s)!) }).toEqual({
            vm: m.vm,
            flips: 1,
          });
      }
    }, 240_000);

    test('all 8 reach On; each startup follows the seed', async () => {
      for (const s of SIZINGS) since.On.set(s, Date.now());
      await Promise.all(SIZINGS.map((s) => setPower(ns(s), 'acd', 'On')));
      await Promise.all(SIZINGS.map((s) => waitReady(ns(s), 'acd', 180)));
      for (const s of SIZINGS) {
        const acd = await getAcd(ns(s), 'acd');
        expect({ s, power: acd.status?.power, phase: acd.status?.phase }).toEqual({ s, power: 'On', phase: 'On' });
        expect(acd.status?.transition?.stages.every((st: { state: string }) => st.state === 'Completed')).toBe(true);
        expect({ s, violations: checkTimeline(SEED_STARTUP[s], 'On', timelines.get(s)!, since.On.get(s)!) }).toEqual({
          s,
          violations: [],
        });
        for (const m of SEED_LAYOUTS[s])
          expect({ vm: m.vm, flips: timelines.get(s)!.commands(m.vm, 'On', since.On.get(s)!) }).toEqual({
            vm: m.vm,
            flips: 1,
          });
      }
    }, 240_000);

    test(
      o.runStrategy === 'Manual'
        ? 'the operator owns no field of a Manual VM: it drives them through the subresources only'
        : 'the operator owns spec.runStrategy of each VM, with its moved-to-manual mark, and no other field',
      async () => {
        const vms = JSON.parse(await kubectl(['get', 'vm', '-n', ns('LargeV3'), '-o', 'json', '--show-managed-fields']))
          .items as { metadata: { name: string; managedFields?: { manager: string; fieldsV1?: unknown }[] } }[];
        for (const vm of vms) {
          const ours = (vm.metadata.managedFields ?? []).filter((f) => f.manager === 'acd-operator');
          // On under recovery Ordered: moved to Manual, and marked so that its stop sets Halted again.
          const moved = { 'f:metadata': { 'f:annotations': { [`f:${MOVED_TO_MANUAL_ANNOTATION}`]: {} } } };
          const expected = o.runStrategy === 'Manual' ? [] : [{ ...moved, 'f:spec': { 'f:runStrategy': {} } }];
          expect({ vm: vm.metadata.name, fields: ours.map((f) => f.fieldsV1) }).toEqual({
            vm: vm.metadata.name,
            fields: expected,
          });
        }
      },
    );

    test('kubectl get acd shows the printer columns', async () => {
      const out = await kubectl(['get', 'acd', '-n', ns('LargeV3')]);
      expect(out.split('\n')[0]).toMatch(/NAME\s+POWER\s+PHASE\s+STAGE\s+READY\s+SIZING\s+AGE/);
      // Large V3 startup: store2, store1, lb2, lb1, dbm2, dbm1, dbs2/dbr2, dbs1/dbr1, then the app tier.
      expect(out).toMatch(/acd\s+On\s+On\s+9\/9\s+12\/12\s+LargeV3/);
    });

    test('events tell each stage', async () => {
      const events = await kubectl(['get', 'events', '-n', ns('LargeV3'), '-o', 'json']);
      const reasons = (JSON.parse(events).items as { reason: string }[]).map((e) => e.reason);
      expect(reasons.filter((r) => r === 'StageStarted').length).toBeGreaterThanOrEqual(20);
      expect(reasons).toContain('PoweredOff');
      expect(reasons).toContain('PoweredOn');
      // A reader of the real `kubectl describe` sees the runbook's order: within a transition each
      // stage starts after the one before it ended, even for events of the same second.
      const described = await kubectl(['describe', 'acd', 'acd', '-n', ns('LargeV3')]);
      const seen = [...described.matchAll(/\s(StageStarted|StageCompleted|StageInitiated)\s.*?stage (\d+)\/\d+/g)].map(
        (m) => ({ reason: m[1]!, n: Number(m[2]) }),
      );
      expect(seen.length).toBeGreaterThanOrEqual(36);
      const disorder = seen.flatMap((e, i) => {
        const prev = seen[i - 1];
        if (!prev || (e.reason === 'StageStarted' && e.n === 1)) return [];
        const ok =
          e.reason === 'StageStarted'
            ? prev.n === e.n - 1 && prev.reason !== 'StageStarted'
            : prev.n === e.n && prev.reason === 'StageStarted';
        return ok ? [] : [`${prev.reason} ${prev.n} then ${e.reason} ${e.n}`];
      });
      expect(disorder).toEqual([]);
    });
  });
}
