// Two replicas on one Lease, as the chart deploys them: only the leader acts, the standby stays
// Ready and idle, and when the leader is SIGKILLed mid-shutdown the standby takes over within a
// lease period and finishes the transition in runbook order, commanding no VM twice.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import {
  acdManifest,
  apply,
  createNamespace,
  getAcd,
  setPower,
  stageInProgress,
  vmManifest,
  waitReady,
} from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { checkTimeline, SEED_SHUTDOWN } from './support/seed-rules.js';
import { VmTimeline } from './support/timeline.js';

const NS = 'leader-election';
// The Lease lives apart from the watched namespace, as in the chart (release namespace).
const LEASE_NS = 'leader-election-lease';
const LEASE_NAME = 'acd-operator';
const LEASE_SECONDS = 4;
const RENEW_MS = (LEASE_SECONDS * 1000) / 3;
const ARGS = [
  '--leader-elect',
  '--lease-namespace',
  LEASE_NS,
  '--lease-name',
  LEASE_NAME,
  '--lease-duration',
  String(LEASE_SECONDS),
];
const machines = SEED_LAYOUTS.LargeV1;
const slow = { 'standin.acd.power.dev/boot-seconds': '20', 'standin.acd.power.dev/stop-seconds': '20' };

let first: RunningOperator;
let second: RunningOperator;
let tl: VmTimeline;
/** When the first test asked for Off; the second test checks that shutdown. */
let offSince = 0;

const start = () => startOperator({ namespaces: [NS], args: ARGS });
const lines = (op: RunningOperator, msg: string) => op.logLines().filter((l) => l.msg === msg);
const becameLeaderAt = (op: RunningOperator) => lines(op, 'became leader')[0]?.time as number | undefined;

async function lease(): Promise<{ spec: { holderIdentity?: string; leaseTransitions?: number } }> {
  return JSON.parse(await kubectl(['get', 'lease', LEASE_NAME, '-n', LEASE_NS, '-o', 'json']));
}

/** Holder identities are `<hostname>-<pid>` (src/main.ts). */
const holds = (l: { spec: { holderIdentity?: string } }, op: RunningOperator) =>
  l.spec.holderIdentity?.endsWith(`-${op.child.pid}`) === true;

async function scrape(op: RunningOperator, metric: string): Promise<number | undefined> {
  const body = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${metric} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

const readyz = async (op: RunningOperator) => (await fetch(`http://127.0.0.1:${op.healthPort}/readyz`)).status;

beforeAll(async () => {
  await createNamespace(NS);
  await createNamespace(LEASE_NS);
  tl = await VmTimeline.start(NS);
  await apply([
    ...machines.map((m) => vmManifest(NS, m.vm, { runStrategy: 'Always', annotations: slow })),
    acdManifest(NS, 'acd', machines, { active: { database: 2, loadBalancer: 2, storage: 2 } }),
  ]);
  first = await start();
  await until('the first operator to lead', async () => becameLeaderAt(first), 15_000);
  // Started only now, so which one leads is known; it waits for /readyz like any replica.
  second = await start();
  await waitReady(NS, 'acd', 60);
}, 120_000);

afterAll(async () => {
  tl?.stop();
  await first?.stop();
  await second?.stop();
});

describe('leader election', () => {
  test('one leader acts; the standby is Ready but starts no controller and commands nothing', async () => {
    expect(lines(first, 'became leader')).toHaveLength(1);
    expect(lines(first, 'starting controllers')).toHaveLength(1);
    expect(lines(second, 'became leader')).toHaveLength(0);
    expect(lines(second, 'starting controllers')).toHaveLength(0);
    expect(holds(await lease(), first)).toBe(true);
    // A standby that has read the Lease is Ready (it could take over): the chart's two replicas
    // must both be available, or a RollingUpdate would wait forever on the new standby.
    expect(await readyz(first)).toBe(200);
    expect(await readyz(second)).toBe(200);
    expect(await scrape(first, 'acd_leader')).toBe(1);
    expect(await scrape(second, 'acd_leader')).toBe(0);

    // Work arrives: still only the leader commands.
    offSince = Date.now();
    await setPower(NS, 'acd', 'Off');
    await until('the leader to command a VM', async () => lines(first, 'commanded').length > 0, 30_000);
    expect(lines(second, 'commanded')).toEqual([]);
  }, 60_000);

  test(
    'SIGKILL of the leader mid-shutdown: the standby takes over within a lease period, ' +
      'finishes in order, commands no VM twice',
    async () => {
      const since = offSince;
      expect(since).toBeGreaterThan(0);
      await until('stage 4 (acd-dbm1) in progress', async () => (await stageInProgress(NS, 'acd')) >= 3, 60_000, 50);
      const killedAt = Date.now();
      await first.stop('SIGKILL');
      expect(lines(second, 'commanded')).toEqual([]);

      const tookOverAt = await until('the standby to become leader', async () => becameLeaderAt(second), 20_000, 50);
      const takeoverMs = tookOverAt - killedAt;
      console.log(
        `[leader-election] takeover ${takeoverMs} ms after SIGKILL ` +
          `(lease ${LEASE_SECONDS}s, renew every ${Math.round(RENEW_MS)} ms)`,
      );
      // The dead leader's last renewal was at most one renew period before the kill, so the Lease
      // expires at most one lease duration after it; the standby retries every duration/5.
      expect(takeoverMs).toBeLessThan(LEASE_SECONDS * 1000 + RENEW_MS);

      await waitReady(NS, 'acd', 90);
      const acd = await getAcd(NS, 'acd');
      expect(acd.status?.power).toBe('Off');
      expect(acd.status?.transition?.outcome).toBe('Succeeded');

      // The kill really was mid-transition: the new leader issued the remaining commands, all of them
      // after it became leader; the killed one never commanded after its death.
      const late = lines(second, 'commanded');
      expect(late.length).toBeGreaterThan(0);
      expect(late.every((l) => (l.time as number) >= tookOverAt)).toBe(true);
      expect(lines(first, 'commanded').every((l) => (l.time as number) < killedAt)).toBe(true);
      expect(tl.commandedAt('acd-store', 'Off', since)).toBeGreaterThan(killedAt);

      expect(checkTimeline(SEED_SHUTDOWN.LargeV1, 'Off', tl, since)).toEqual([]);
      for (const m of machines)
        expect({ vm: m.vm, flips: tl.commands(m.vm, 'Off', since) }).toEqual({ vm: m.vm, flips: 1 });

      const l = await lease();
      expect(holds(l, second)).toBe(true);
      expect(l.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
      expect(await readyz(second)).toBe(200);
      expect(await scrape(second, 'acd_leader')).toBe(1);
    },
    180_000,
  );
});
