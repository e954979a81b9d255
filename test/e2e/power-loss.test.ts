// A host power loss, on real KubeVirt: the node stand-in fails every VMI on its node at once. A new
// user found that with Manual VMs a second loss during the operator's recovery from a first one
// left every VM Stopped, the ACD "waiting" and nothing commanded for good. A power loss hits every
// VM of the node, so this file runs on a test bed of its own. The database VMs are played by real
// MariaDB instances: the recovery passes the replication gate, as a startup does.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { POWER_LOSS } from '../testbed/kubevirt/node/standin.js';
import { acdManifest, apply, createNamespace, eventMessages, getAcd, vmManifest, waitReady } from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { startOwnTestbed, type OwnTestbed } from './support/own-testbed.js';
import { SEED_STARTUP } from './support/seed-rules.js';
import { upAt, VmTimeline } from './support/timeline.js';
import { stopMariaDb, type MariaDbInfo } from '../services/mariadb.js';
import { LOOPBACK_IP, monitorSecret, startLargeV3Dbs, withDbPorts } from './support/large-v3-db.js';

const NS = 'power-loss-manual';
const L3 = SEED_LAYOUTS.LargeV3;
let own: OwnTestbed | undefined;
let operator: RunningOperator;
let db: MariaDbInfo;

beforeAll(async () => {
  db = await startLargeV3Dbs();
  own = await startOwnTestbed('power-loss');
  operator = await startOperator({ namespaces: [NS], kubeconfig: own.bed.kubeconfig });
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await own?.stop();
  if (db) await stopMariaDb(db);
}, 60_000);

const powerLoss = (n: number) => kubectl(['annotate', 'node', 'standin-node', `${POWER_LOSS}=${n}`, '--overwrite']);

describe('power loss', () => {
  test(
    'Manual VMs: a power loss during the recovery from a power loss ends with every VM up, ' +
      'started in runbook order',
    async () => {
      await createNamespace(NS);
      const health = await monitorSecret(NS, db);
      const tl = await VmTimeline.start(NS);
      const boot = { 'standin.acd.power.dev/boot-seconds': '30', ...LOOPBACK_IP };
      // spec.recovery is left out: Ordered is the default.
      await apply([
        ...L3.map((m) => vmManifest(NS, m.vm, { runStrategy: 'Manual', annotations: boot })),
        acdManifest(NS, 'acd', withDbPorts(L3, db), {
          powerState: 'On',
          active: { database: 2, loadBalancer: 2, storage: 2 },
          health,
        }),
      ]);
      await waitReady(NS, 'acd', 180);
      const first = Date.now();
      await powerLoss(1);
      // KubeVirt keeps a Manual VM's Failed VMI: every VM reads Stopped, and nothing restarts it.
      await until(
        'every VM seen Stopped',
        async () =>
          L3.every((m) => tl.samples.some((x) => x.vm === m.vm && x.t >= first && x.printableStatus === 'Stopped')),
        30_000,
        50,
      );
      await until(
        'the recovery in its fifth stage',
        async () => {
          const t = (await getAcd(NS, 'acd')).status?.transition;
          return (
            t && Date.parse(t.startedAt) >= first - 1_000 && t.stages.findIndex((x) => x.state === 'InProgress') >= 4
          );
        },
        120_000,
        25,
      );
      const second = Date.now();
      await powerLoss(2);
      await until(
        'On again',
        async () => {
          const s = (await getAcd(NS, 'acd')).status;
          return s?.power === 'On' && s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        },
        240_000,
        250,
      );
      const s = (await getAcd(NS, 'acd')).status!;
      expect({ power: s.power, ready: s.readyVMs }).toEqual({ power: 'On', ready: `${L3.length}/${L3.length}` });
      // A Recovery, through the replication gate, and Healthy at the end.
      expect(s.transition!.trigger?.source).toBe('Recovery');
      const gated = s.transition!.stages.filter((st) => st.checks?.includes('mysqlReplication'));
      expect(gated.length).toBeGreaterThan(0);
      expect(gated.map((st) => st.state)).toEqual(gated.map(() => 'Completed'));
      expect(s.conditions!.find((c) => c.type === 'Healthy')?.status).toBe('True');
      expect(s.history!.filter((h) => h.trigger?.source === 'Recovery').length).toBeGreaterThanOrEqual(1);
      // Each start after each loss found every earlier startup step up (Manual VMs: a start shows as
      // KubeVirt's state-change request on the VM).
      for (const since of [first, second]) {
        const violations = SEED_STARTUP.LargeV3.flatMap((st, i) =>
          st.vms.flatMap((vm) => {
            const at = tl.commandedAt(vm, 'On', since);
            if (at === undefined) return [`${vm} never started after the loss at ${since}`];
            return SEED_STARTUP.LargeV3.slice(0, i)
              .flatMap((e) => e.vms)
              .filter((d) => !upAt(tl, d, at))
              .map((d) => `${vm} started while ${d} was not up`);
          }),
        );
        expect({ since, violations }).toEqual({ since, violations: [] });
      }
      const events = (await eventMessages(NS, 'StageReopened')).join('\n');
      expect(events).toMatch(/no longer up; going back to this stage/);
      tl.stop();
    },
    300_000,
  );
});
