// Health gates and live active detection over SSH: a Large V3 ACD whose lb and store VMs are
// served by real OpenSSH sshds on loopback running the real crm_mon over CIB files (DRBD state
// from the DRBD test double). A startup holds after the lb stage while the lb pcs cluster is
// unhealthy and after the store stage while DRBD is split, and resumes once the Secret selects a
// healthy scenario; a shutdown with loadBalancer/storage Auto takes the sides the probes report,
// and does not begin while no node runs the VIP. The private key never leaves the Secret.
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { knownHostsOf, startSshd, stopSshd, type SshdInfo, type SshScenario } from '../services/sshd.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest, waitReady } from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { VmTimeline } from './support/timeline.js';

const NS = 'health-ssh';
const SECRET = 'acd-ssh';
const FIXTURES = path.resolve('test/fixtures');
const cib = (name: string) => path.join(FIXTURES, 'pacemaker', `${name}.cib.xml`);
const drbd9 = (sample: string) => ({
  'acd-store1': { 'drbdsetup-status.json': path.join(FIXTURES, 'drbd', 'drbd9', sample, 'node1.status.json') },
  'acd-store2': { 'drbdsetup-status.json': path.join(FIXTURES, 'drbd', 'drbd9', sample, 'node2.status.json') },
});

// In a Large V3 the load balancers and the storage VMs are two separate pcs clusters, so each
// scenario is a pair of cluster states: what the lb pair shows and what the store pair shows.
const SCENARIOS: Record<string, { lb: string; store: string; drbd: string }> = {
  healthy: { lb: 'healthy', store: 'storage-healthy', drbd: 'healthy' },
  'lb-node-offline': { lb: 'node-offline', store: 'storage-healthy', drbd: 'healthy' },
  'drbd-standalone': { lb: 'healthy', store: 'storage-healthy', drbd: 'standalone' },
  'no-vip': { lb: 'no-vip', store: 'storage-healthy', drbd: 'healthy' },
  'vip-on-lb2': { lb: 'vip-on-lb2', store: 'storage-healthy', drbd: 'healthy' },
};
const LB = ['acd-lb1', 'acd-lb2'];
const STORE = ['acd-store1', 'acd-store2'];
const LATER = ['acd-dbm1', 'acd-dbm2', 'acd-dbs1-dbr1', 'acd-dbs2-dbr2', 'acd-jb1', 'acd-jb2', 'acd-tel1', 'acd-tel2'];

let lbSshd: SshdInfo;
let storeSshd: SshdInfo;
let operator: RunningOperator;
let tl: VmTimeline;
/** Every private key the Secret has held, to prove none of them leaked. */
const usedKeys = new Set<string>();

/**
 * One Secret holds one key for both pairs, but each sshd made its own keys. So the store sshd is
 * told to accept the lb sshd's key of a scenario too, with the same forced command (same scenario)
 * as its own key of that name: the line is copied from its authorized_keys, only the key swapped.
 */
function trustKeyOf(from: SshdInfo, to: SshdInfo, scenario: string): void {
  const file = path.join(to.dir, 'authorized_keys');
  const own = readFileSync(`${to.keys[scenario]!}.pub`, 'utf8').trim();
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.endsWith(own));
  if (!line) throw new Error(`no authorized_keys line for scenario ${scenario}`);
  appendFileSync(
    file,
    `${line.slice(0, line.length - own.length)}${readFileSync(`${from.keys[scenario]!}.pub`, 'utf8').trim()}\n`,
  );
}

const keyOf = (scenario: string) => readFileSync(lbSshd.keys[scenario]!, 'utf8');

/** Points the Secret at a scenario: the operator reads it at every check, as after a key rotation. */
async function useScenario(scenario: string): Promise<void> {
  const key = keyOf(scenario);
  usedKeys.add(key);
  await apply([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/ssh-auth',
      metadata: { name: SECRET, namespace: NS },
      data: {
        username: Buffer.from(lbSshd.username).toString('base64'),
        'ssh-privatekey': Buffer.from(key).toString('base64'),
        known_hosts: Buffer.from(knownHostsOf(lbSshd) + knownHostsOf(storeSshd)).toString('base64'),
      },
    },
  ]);
}

async function patchSpec(spec: Record<string, unknown>): Promise<void> {
  await kubectl(['patch', 'acd', 'acd', '-n', NS, '--type', 'merge', '-p', JSON.stringify({ spec })]);
}

/** Waits until the startup holds at a health gate; returns that moment's status. */
async function waitHeld() {
  return until(
    'the health gate to hold',
    async () => {
      const s = (await getAcd(NS, 'acd')).status;
      return s?.phase === 'Starting' && s.conditions?.find((c) => c.type === 'Healthy')?.status === 'False'
        ? s
        : undefined;
    },
    60_000,
    200,
  );
}

beforeAll(async () => {
  const scenarios = (
    pick: (s: { lb: string; store: string; drbd: string }) => Omit<SshScenario, 'name'>,
  ): SshScenario[] => Object.entries(SCENARIOS).map(([name, s]) => ({ name, ...pick(s) }));
  lbSshd = await startSshd({ nodes: LB, scenarios: scenarios((s) => ({ cib: cib(s.lb) })) });
  storeSshd = await startSshd({
    nodes: STORE,
    scenarios: scenarios((s) => ({ cib: cib(s.store), perNode: drbd9(s.drbd) })),
  });
  for (const name of Object.keys(SCENARIOS)) trustKeyOf(lbSshd, storeSshd, name);

  await createNamespace(NS);
  await useScenario('healthy');
  tl = await VmTimeline.start(NS);
  const ports = { ...lbSshd.nodes, ...storeSshd.nodes };
  const machines = SEED_LAYOUTS.LargeV3.map((m) =>
    ports[m.vm] ? { ...m, host: '127.0.0.1', ports: { ssh: ports[m.vm]! } } : m,
  );
  await apply([
    ...machines.map((m) =>
      vmManifest(NS, m.vm, {
        runStrategy: 'Halted',
        annotations: { 'standin.acd.power.dev/boot-seconds': '2', 'standin.acd.power.dev/stop-seconds': '2' },
      }),
    ),
    acdManifest(NS, 'acd', machines, {
      powerState: 'Off',
      // Pinned for the startups; the last test switches lb and store to Auto.
      active: { database: 1, loadBalancer: 1, storage: 2 },
      // mysql stays unconfigured: its check then passes as "skipped".
      health: { interval: '2s', checkTimeout: '3s', ssh: { credentialsSecret: SECRET } },
    }),
  ]);
  operator = await startOperator({ namespaces: [NS] });
  await waitReady(NS, 'acd', 60);
}, 180_000);

afterAll(async () => {
  tl?.stop();
  await operator?.stop();
  if (lbSshd) await stopSshd(lbSshd);
  if (storeSshd) await stopSshd(storeSshd);
});

describe('health gates and active detection over SSH (real sshd + crm_mon)', () => {
  test(
    'a startup holds after the lb stage while a load balancer is offline, ' +
      'and completes once the pcs cluster is whole',
    async () => {
      await useScenario('lb-node-offline');
      const since = Date.now();
      await setPower(NS, 'acd', 'On');
      const held = await waitHeld();
      const healthy = held.conditions!.find((c) => c.type === 'Healthy')!;
      expect(healthy.reason).toBe('ChecksFailed');
      expect(healthy.message).toMatch(/pacemaker/);
      expect(healthy.message).toMatch(/lb pair/);
      expect(healthy.message).toMatch(/node acd-lb2 offline/);
      const stage = held.transition!.stages.find((st) => st.state === 'InProgress')!;
      expect(stage.tier).toBe('lb');
      expect(stage.checks).toContain('pacemaker');
      // The store stage before it passed its own gate: the storage pcs cluster and DRBD are healthy.
      expect(held.transition!.stages.filter((st) => st.tier === 'store').map((st) => st.state)).toEqual([
        'Completed',
        'Completed',
      ]);
      await sleep(2000);
      for (const vm of [...STORE, ...LB])
        expect({ vm, commanded: tl.commandedAt(vm, 'On', since) !== undefined }).toEqual({ vm, commanded: true });
      for (const vm of LATER)
        expect({ vm, commanded: tl.commandedAt(vm, 'On', since) }).toEqual({ vm, commanded: undefined });
      expect((await getAcd(NS, 'acd')).status?.phase).toBe('Starting');

      await useScenario('healthy');
      await waitReady(NS, 'acd', 90);
      const s = (await getAcd(NS, 'acd')).status!;
      expect(s.power).toBe('On');
      expect(s.conditions!.find((c) => c.type === 'Healthy')!.status).toBe('True');
      const check = (name: string) => s.health!.find((h) => h.name === name)!;
      expect(check('pacemaker')).toMatchObject({ healthy: true });
      expect(check('pacemaker').message).toMatch(/lb pair: acd-lb1: cluster healthy/);
      expect(check('drbd')).toMatchObject({ healthy: true });
      expect(check('mysqlReplication')).toMatchObject({ healthy: true });
      expect(check('mysqlReplication').message).toMatch(/skipped/);
      expect(check('systemHealth').message).toMatch(/store pair: acd-store1: cluster healthy/);
      expect(check('systemHealth').message).toMatch(/drbd healthy: data UpToDate\/UpToDate, Primary on acd-store1/);
    },
    180_000,
  );

  test(
    'a startup holds after the store stage while DRBD is split brain (StandAlone), ' +
      'and completes once it reconnects',
    async () => {
      await setPower(NS, 'acd', 'Off');
      await waitReady(NS, 'acd', 90);
      await useScenario('drbd-standalone');
      const since = Date.now();
      await setPower(NS, 'acd', 'On');
      const held = await waitHeld();
      const healthy = held.conditions!.find((c) => c.type === 'Healthy')!;
      expect(healthy.message).toMatch(/drbd/);
      expect(healthy.message).toMatch(/acd-store1: data StandAlone to acd-store2/);
      const stage = held.transition!.stages.find((st) => st.state === 'InProgress')!;
      expect(stage.tier).toBe('store');
      expect(stage.checks).toEqual(expect.arrayContaining(['pacemaker', 'drbd']));
      await sleep(2000);
      for (const vm of [...LB, ...LATER])
        expect({ vm, commanded: tl.commandedAt(vm, 'On', since) }).toEqual({ vm, commanded: undefined });

      await useScenario('healthy');
      await waitReady(NS, 'acd', 90);
      const s = (await getAcd(NS, 'acd')).status!;
      expect(s.power).toBe('On');
      expect(s.conditions!.find((c) => c.type === 'Healthy')!.status).toBe('True');
      expect(s.health!.find((h) => h.name === 'drbd')).toMatchObject({ healthy: true });
    },
    180_000,
  );

  test('a shutdown with loadBalancer and storage Auto does not begin while no node runs the VIP', async () => {
    await useScenario('no-vip');
    const since = Date.now();
    await patchSpec({ powerState: 'Off', active: { loadBalancer: 'Auto', storage: 'Auto' } });
    await kubectl(['wait', 'acd/acd', '-n', NS, '--for=condition=ActiveUnknown', '--timeout=30s']);
    const s = (await getAcd(NS, 'acd')).status!;
    expect(s.conditions!.find((c) => c.type === 'ActiveUnknown')!.message).toMatch(/loadBalancer/);
    expect(s.active?.loadBalancer).toMatchObject({ source: 'Unknown' });
    expect(s.active?.loadBalancer?.message).toMatch(/no node runs the VIP/);
    await sleep(1500);
    for (const m of SEED_LAYOUTS.LargeV3)
      expect({ vm: m.vm, commanded: tl.commandedAt(m.vm, 'Off', since) }).toEqual({ vm: m.vm, commanded: undefined });
  }, 90_000);

  test(
    'once the VIP runs again, the shutdown takes the sides the probes report: ' +
      'the inactive lb and store go down first',
    async () => {
      // After a failover the VIP runs on acd-lb2, and DRBD is Primary on acd-store1: both the
      // opposite of the sides the startups were pinned to.
      await useScenario('vip-on-lb2');
      const since = Date.now();
      await waitReady(NS, 'acd', 120);
      const s = (await getAcd(NS, 'acd')).status!;
      expect(s.power).toBe('Off');
      expect(s.active?.loadBalancer).toMatchObject({ side: 2, source: 'Detected' });
      expect(s.active?.loadBalancer?.message).toMatch(/VIP \(IPaddr2\) runs on acd-lb2/);
      expect(s.active?.storage).toMatchObject({ side: 1, source: 'Detected' });
      expect(s.active?.storage?.message).toMatch(/acd-store1 is Primary/);
      expect(s.active?.database).toMatchObject({ side: 1, source: 'Spec' });
      const down = (vm: string) => tl.commandedAt(vm, 'Off', since)!;
      expect(down('acd-lb1')).toBeLessThan(down('acd-lb2'));
      expect(tl.reachedAt('acd-lb1', 'Off', since)!).toBeLessThanOrEqual(down('acd-lb2'));
      expect(down('acd-store2')).toBeLessThan(down('acd-store1'));
      expect(tl.reachedAt('acd-store2', 'Off', since)!).toBeLessThanOrEqual(down('acd-store1'));
      expect(s.lastShutdownActive).toMatchObject({ loadBalancer: 2, storage: 1 });
    },
    150_000,
  );

  test('no private key appears in the AcdCluster status, its Events or the operator log', async () => {
    expect(usedKeys.size).toBe(Object.keys(SCENARIOS).length);
    const status = JSON.stringify((await getAcd(NS, 'acd')).status);
    const events = await kubectl(['get', 'events', '-n', NS, '-o', 'json']);
    const logText = readFileSync(operator.log, 'utf8');
    const logJson = JSON.stringify(operator.logLines());
    // Sanity: these are the real texts (the checks did report through all three).
    expect(status).toMatch(/acd-lb2/);
    expect(events).toMatch(/AcdCluster/);
    expect(logText.length).toBeGreaterThan(0);
    for (const key of usedKeys) {
      // The whole key, each of its base64 lines (a partial leak) and the Secret's own encoding.
      const needles = [
        key.trim(),
        Buffer.from(key).toString('base64'),
        ...key.split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----')),
      ];
      for (const needle of needles) {
        for (const [where, text] of [
          ['status', status],
          ['events', events],
          ['operator log', logText],
          ['operator log lines', logJson],
        ] as const) {
          expect({ where, leaked: text.includes(needle) }).toEqual({ where, leaked: false });
        }
      }
    }
  });
});
