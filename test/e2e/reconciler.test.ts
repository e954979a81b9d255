// The Reconciler itself, in this process, against the real API server: its AcdCluster is real (so
// every status write is a real PUT), its VMs are the unit suite's small simulated world behind a
// fake commander. Two promises a review found untested:
// - every pass that issues a command writes it (a ForceStop-only pass once wrote nothing: the new
//   command made the new status equal to the one read, and the write was skipped);
// - nothing read from the informer cache is changed: the cache here is deep-frozen, so a mutation
//   throws, through a whole Large V3 Off and On walk.
import { describe, expect, test } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.js';
import type { AcdCluster } from '../../src/api/types.js';
import { deepFreeze } from '../../src/kube/informer.js';
import { ApiError } from '../../src/kube/raw.js';
import type { EventRecorder } from '../../src/reconcile/events.js';
import { Reconciler } from '../../src/reconcile/reconciler.js';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { vmObject, World } from '../unit/decision/world.js';
import { acdManifest, apply, createNamespace, setPower } from './support/acd.js';
import { kubeConfig, kubectl } from './support/env.js';

const L3 = SEED_LAYOUTS.LargeV3;
const api = () => kubeConfig().makeApiClient(CustomObjectsApi);
const read = async (ns: string) =>
  (await api().getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: ns,
    name: 'acd',
  })) as AcdCluster;

/**
 * A Reconciler on `world`, reading its AcdCluster from a deep-frozen copy of the last object the
 * API server returned (as an informer would hold it), on the world's clock.
 */
async function harness(ns: string, world: World, onCommand: (vm: string) => Promise<void> = async () => undefined) {
  let cached = deepFreeze(await read(ns));
  const events: string[] = [];
  const reconciler = new Reconciler({
    kc: kubeConfig(),
    log: pino({ level: 'silent' }),
    clock: () => world.now,
    events: { record: (_o: unknown, e: { reason: string }) => events.push(e.reason) } as unknown as EventRecorder,
    getVm: (_ns, name) => {
      const v = world.snapshot().get(name);
      return v && deepFreeze(vmObject(ns, v));
    },
    getCluster: () => cached,
    commander: {
      command: async (_ns, cmd) => {
        if (!world.apply(cmd)) throw new ApiError(409, `${cmd.action} ${cmd.vm.name}: 409 VM is already running`, '');
        await onCommand(cmd.vm.name);
        return undefined;
      },
    },
  });
  return {
    events,
    /**
     * One reconcile, then the "informer" catches up with the API server. A conflict (the object
     * changed since the cache saw it) is retried once the cache has caught up, as the work queue
     * would.
     */
    async step(): Promise<AcdCluster> {
      await reconciler.reconcile(`${ns}/acd`).catch(async (e: unknown) => {
        if ((e as { code?: number }).code !== 409) throw e;
        cached = deepFreeze(await read(ns));
        await reconciler.reconcile(`${ns}/acd`);
      });
      cached = deepFreeze(await read(ns));
      return cached;
    },
  };
}

describe('the Reconciler against the real API server', () => {
  test('a pass whose only news is a ForceStop writes it to status.transition.commands', async () => {
    const ns = 'reconciler-force';
    await createNamespace(ns);
    const layout = SEED_LAYOUTS.SmallV1;
    // acd-tel ignores ACPI: only the force stop after 5 s brings it down.
    const world = World.of(layout, 'On', { 'acd-tel': { shutdownMs: Infinity } });
    await apply([acdManifest(ns, 'acd', layout, { powerState: 'Off', stop: { forceAfter: '5s' } })]);
    const h = await harness(ns, world);
    let obj = await h.step();
    expect(obj.status?.transition?.commands.map((c) => `${c.action} ${c.vm}`)).toEqual([
      'Stop acd-tel',
      'Stop acd-store-lb-dbm-dbs-dbr-jb',
    ]);
    for (let i = 0; i < 8 && !world.log.some((a) => a.cmd.action === 'ForceStop'); i++) {
      world.advance(1_000);
      obj = await h.step();
    }
    expect(world.log.filter((a) => a.cmd.action === 'ForceStop').map((a) => a.cmd.vm)).toEqual(['acd-tel']);
    // The pass that forced the stop wrote it, though nothing else in the status changed.
    expect(obj.status?.transition?.commands.map((c) => `${c.action} ${c.vm}`)).toEqual([
      'Stop acd-tel',
      'Stop acd-store-lb-dbm-dbs-dbr-jb',
      'ForceStop acd-tel',
    ]);
  }, 60_000);

  test('a deep-frozen cache survives a whole Large V3 Off and On walk; every command is recorded', async () => {
    const ns = 'reconciler-frozen';
    await createNamespace(ns);
    const world = World.of(L3, 'On');
    await apply([
      acdManifest(ns, 'acd', L3, { powerState: 'Off', active: { database: 2, loadBalancer: 2, storage: 2 } }),
    ]);
    const h = await harness(ns, world);
    for (const target of ['Off', 'On'] as const) {
      if (target === 'On') await setPower(ns, 'acd', 'On');
      const from = world.log.length;
      let obj = await h.step();
      for (let i = 0; i < 200 && !(obj.status?.power === target && obj.status.transition?.finishedAt); i++) {
        world.advance(1_000);
        obj = await h.step();
      }
      expect({ target, power: obj.status?.power, outcome: obj.status?.transition?.outcome }).toEqual({
        target,
        power: target,
        outcome: 'Succeeded',
      });
      // The record is complete: every command the world received is in the transition, once.
      const issued = world.log
        .slice(from)
        .map((a) => `${a.cmd.action} ${a.cmd.vm}`)
        .sort();
      expect(obj.status!.transition!.commands.map((c) => `${c.action} ${c.vm}`).sort()).toEqual(issued);
      expect(issued).toHaveLength(L3.length);
    }
    expect(h.events).toContain('PoweredOn');
  }, 120_000);

  test("a status write that conflicts right after a stage's commands still records them", async () => {
    const ns = 'reconciler-conflict';
    await createNamespace(ns);
    const layout = SEED_LAYOUTS.MediumV2;
    const world = World.of(layout, 'Off');
    await apply([acdManifest(ns, 'acd', layout, { powerState: 'On' })]);
    // A user edits the AcdCluster between the dbm command and its status write.
    const h = await harness(ns, world, async (vm) => {
      if (vm === 'acd-dbm') await kubectl(['annotate', 'acd', 'acd', '-n', ns, 'example.com/touched=yes']);
    });
    let obj = await h.step();
    for (let i = 0; i < 100 && !obj.status?.transition?.finishedAt; i++) {
      world.advance(1_000);
      obj = await h.step();
    }
    expect(obj.metadata.annotations?.['example.com/touched']).toBe('yes');
    expect(obj.status?.transition?.outcome).toBe('Succeeded');
    const issued = world.log.map((a) => `${a.cmd.action} ${a.cmd.vm}`).sort();
    expect(issued).toContain('Start acd-dbm');
    expect(obj.status!.transition!.commands.map((c) => `${c.action} ${c.vm}`).sort()).toEqual(issued);
  }, 60_000);
});
