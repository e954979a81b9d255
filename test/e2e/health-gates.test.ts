// Health gates and live active detection against real MariaDB replication (three masters/slaves
// on loopback): a Large V3 startup holds before the app tier while replication is broken and
// resumes once it is mended; a shutdown with active database Auto takes the side the probes
// report, and does not begin while they disagree.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { mend, setReadOnly, stopIoThread, stopMariaDb, type MariaDbInfo } from '../services/mariadb.js';
import { DB_OF, LOOPBACK_IP, monitorSecret, startLargeV3Dbs, withDbPorts } from './support/large-v3-db.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest, waitReady } from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { VmTimeline } from './support/timeline.js';
import { CRASH } from '../testbed/kubevirt/node/standin.js';

const NS = 'health-gates';
let db: MariaDbInfo;
let operator: RunningOperator;
let tl: VmTimeline;

beforeAll(async () => {
  db = await startLargeV3Dbs();
  await createNamespace(NS);
  const health = await monitorSecret(NS, db);
  tl = await VmTimeline.start(NS);
  const machines = withDbPorts(SEED_LAYOUTS.LargeV3, db);
  await apply([
    ...machines.map((m) =>
      vmManifest(NS, m.vm, {
        runStrategy: 'Halted',
        annotations: {
          'standin.acd.power.dev/boot-seconds': '10',
          'standin.acd.power.dev/stop-seconds': '10',
          ...LOOPBACK_IP,
        },
      }),
    ),
    acdManifest(NS, 'acd', machines, {
      powerState: 'Off',
      recovery: 'Ordered',
      active: { database: 'Auto', loadBalancer: 2, storage: 2 },
      health,
    }),
  ]);
  operator = await startOperator({ namespaces: [NS] });
  await waitReady(NS, 'acd', 60);
}, 180_000);

afterAll(async () => {
  tl?.stop();
  await operator?.stop();
  if (db) await stopMariaDb(db);
});

describe('health gates on real MariaDB replication', () => {
  test(
    'a Large V3 startup holds before the app tier while replication is broken, ' + 'and completes once mended',
    async () => {
      await stopIoThread(db, 'slave1');
      const since = Date.now();
      // Sides for the startup come from the spec or the last shutdown; pin the database side here.
      await kubectl([
        'patch',
        'acd',
        'acd',
        '-n',
        NS,
        '--type',
        'merge',
        '-p',
        '{"spec":{"powerState":"On","active":{"database":1}}}',
      ]);
      const held = await until(
        'the replication gate to hold',
        async () => {
          const s = (await getAcd(NS, 'acd')).status;
          const healthy = s?.conditions?.find((c) => c.type === 'Healthy');
          return healthy?.status === 'False' ? s : undefined;
        },
        60_000,
        200,
      );
      const healthy = held.conditions!.find((c) => c.type === 'Healthy')!;
      // One `kubectl get acd -o yaml` says which check failed, on which VM, and why.
      expect(healthy.reason).toBe('ChecksFailed');
      expect(healthy.message).toMatch(/mysqlReplication/);
      expect(healthy.message).toMatch(/acd-dbs1-dbr1/);
      expect(healthy.message).toMatch(/IO/i);
      const stage = held.transition!.stages.find((st) => st.state === 'InProgress')!;
      expect(stage.checks).toContain('mysqlReplication');
      await sleep(2000);
      for (const vm of ['acd-jb1', 'acd-jb2', 'acd-tel1', 'acd-tel2'])
        expect({ vm, commanded: tl.commandedAt(vm, 'On', since) }).toEqual({ vm, commanded: undefined });
      expect((await getAcd(NS, 'acd')).status?.phase).toBe('Starting');

      await mend(db, 'slave1');
      await waitReady(NS, 'acd', 90);
      const s = (await getAcd(NS, 'acd')).status!;
      expect(s.power).toBe('On');
      expect(s.conditions!.find((c) => c.type === 'Healthy')!.status).toBe('True');
      expect(s.health!.find((h) => h.name === 'mysqlReplication')!.healthy).toBe(true);
    },
    180_000,
  );

  test(
    'while On a broken replica makes the cluster Degraded without touching a VM, ' + 'and recovers by itself',
    async () => {
      const since = Date.now();
      await stopIoThread(db, 'slave2');
      await kubectl(['wait', 'acd/acd', '-n', NS, '--for=condition=Degraded', '--timeout=30s']);
      expect((await getAcd(NS, 'acd')).status!.conditions!.find((c) => c.type === 'Degraded')!.message).toMatch(
        /acd-dbs2-dbr2/,
      );
      await mend(db, 'slave2');
      await kubectl(['wait', 'acd/acd', '-n', NS, '--for=condition=Degraded=False', '--timeout=30s']);
      for (const vm of Object.keys(DB_OF)) expect(tl.commands(vm, 'Off', since)).toBe(0);
    },
    90_000,
  );

  test(
    'recovery Ordered: a crashed app VM is started alone; a crashed DB master is started, ' +
      'and the replication gate holds the recovery until replication is mended',
    async () => {
      const crash = (vm: string) => kubectl(['annotate', 'vmi', vm, '-n', NS, `${CRASH}=now`]);
      const recovered = async (after: number) => {
        const s = (await getAcd(NS, 'acd')).status;
        const t = s?.transition;
        const ready = s?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return t?.trigger?.source === 'Recovery' && Date.parse(t.startedAt) >= after - 1_000 && t.finishedAt && ready;
      };
      let since = Date.now();
      await crash('acd-jb2');
      await until('the recovery of acd-jb2', () => recovered(since), 60_000, 250);
      const startedSince = (from: number) =>
        SEED_LAYOUTS.LargeV3.filter((m) => tl.commands(m.vm, 'On', from) > 0).map((m) => m.vm);
      expect(startedSince(since)).toEqual(['acd-jb2']);
      for (const m of SEED_LAYOUTS.LargeV3)
        expect({ vm: m.vm, off: tl.commands(m.vm, 'Off', since) }).toEqual({ vm: m.vm, off: 0 });

      // acd-dbm1 crashes while slave1's replication is broken: started again, the recovery then
      // waits at the replication gate, and the app tier is not asked to do anything.
      await stopIoThread(db, 'slave1');
      since = Date.now();
      await crash('acd-dbm1');
      await until(
        'the recovery held at the replication gate, acd-dbm1 up again',
        async () => {
          const s = (await getAcd(NS, 'acd')).status;
          const healthy = s?.conditions?.find((c) => c.type === 'Healthy');
          return (
            s?.transition?.trigger?.source === 'Recovery' &&
            !s.transition.finishedAt &&
            tl.reachedAt('acd-dbm1', 'On', since) !== undefined &&
            healthy?.status === 'False' &&
            /mysqlReplication/.test(healthy.message)
          );
        },
        90_000,
        250,
      );
      expect((await getAcd(NS, 'acd')).status?.phase).toBe('Starting');
      await mend(db, 'slave1');
      await until('the recovery of acd-dbm1', () => recovered(since), 90_000, 250);
      expect(startedSince(since)).toEqual(['acd-dbm1']);
      const s = (await getAcd(NS, 'acd')).status!;
      expect(s.history!.filter((h) => h.trigger?.source === 'Recovery')).toHaveLength(2);
      expect(s.recovery?.count).toBe(2);
      expect(s.health!.find((h) => h.name === 'mysqlReplication')!.healthy).toBe(true);
    },
    240_000,
  );

  test('a shutdown with active database Auto does not begin while the probes disagree', async () => {
    await kubectl([
      'patch',
      'acd',
      'acd',
      '-n',
      NS,
      '--type',
      'merge',
      '-p',
      '{"spec":{"active":{"database":"Auto"}}}',
    ]);
    await setReadOnly(db, 'master2', false); // two writable masters: no honest answer
    const since = Date.now();
    await setPower(NS, 'acd', 'Off');
    await kubectl(['wait', 'acd/acd', '-n', NS, '--for=condition=ActiveUnknown', '--timeout=30s']);
    const s = (await getAcd(NS, 'acd')).status!;
    expect(s.conditions!.find((c) => c.type === 'ActiveUnknown')!.message).toMatch(/database/);
    expect(s.active?.database?.source).toBe('Unknown');
    await sleep(1500);
    for (const m of SEED_LAYOUTS.LargeV3)
      expect({ vm: m.vm, commanded: tl.commandedAt(m.vm, 'Off', since) }).toEqual({ vm: m.vm, commanded: undefined });
  }, 90_000);

  test(
    'once the probes agree, the shutdown takes the side they report: ' + 'the inactive master goes down first',
    async () => {
      // master1 is the one writable master, and the slaves follow it or its partner
      await setReadOnly(db, 'master2', true);
      const since = Date.now();
      await waitReady(NS, 'acd', 120);
      const s = (await getAcd(NS, 'acd')).status!;
      expect(s.power).toBe('Off');
      expect(s.active?.database).toMatchObject({ side: 1, source: 'Detected' });
      const down = (vm: string) => tl.commandedAt(vm, 'Off', since)!;
      expect(down('acd-dbm2')).toBeLessThan(down('acd-dbm1'));
      expect(down('acd-dbs2-dbr2')).toBeLessThanOrEqual(down('acd-dbs1-dbr1') + 1000);
      expect(tl.reachedAt('acd-dbm2', 'Off', since)!).toBeLessThanOrEqual(down('acd-dbm1'));
      expect(s.lastShutdownActive?.database).toBe(1);
    },
    150_000,
  );
});
