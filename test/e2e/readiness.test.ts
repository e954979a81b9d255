// spec.readiness GuestAgent and spec.settle on real KubeVirt: the next stage waits for the guest
// agent (the VMI condition AgentConnected, written by the node stand-in as virt-handler does), and
// for a settle time whose end, stored in status, outlives a SIGKILL of the operator.
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { parseTimeline } from '../testbed/kubevirt/timeline.js';
import { acdManifest, apply, createNamespace, getAcd, vmManifest, waitReady } from './support/acd.js';
import { testbedState, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { VmTimeline } from './support/timeline.js';

// SmallV2 starts in three stages: store (acd-store-lb-jb), dbm (acd-dbm-dbs-dbr), app (acd-tel).
const S2 = SEED_LAYOUTS.SmallV2;
const STORE = 'acd-store-lb-jb';
const DBM = 'acd-dbm-dbs-dbr';
const AGENT_NS = 'readiness-agent';
const SETTLE_NS = 'readiness-settle';
// At the e2e speed (0.05): boots of 1 s, and the store VM's agent 5 s after it runs.
const BOOT = { 'standin.acd.power.dev/boot-seconds': '20' };
const LATE_AGENT = { ...BOOT, 'standin.acd.power.dev/agent-seconds': '100' };
const SETTLE_MS = 20_000;
const operators: RunningOperator[] = [];
const timelines: Record<string, VmTimeline> = {};

const operator = async () => {
  const op = await startOperator({ namespaces: [AGENT_NS, SETTLE_NS] });
  operators.push(op);
  return op;
};

/** When the node stand-in connected the VM's guest agent (its timeline), in ms. */
function agentConnectedAt(ns: string, vm: string): number | undefined {
  const entries = parseTimeline(readFileSync(testbedState()!.timeline, 'utf8'));
  const hit = entries.find((e) => e.vm === `${ns}/${vm}` && e.event === 'vmi:AgentConnected');
  return hit ? Date.parse(hit.time) : undefined;
}

beforeAll(async () => {
  for (const ns of [AGENT_NS, SETTLE_NS]) {
    await createNamespace(ns);
    timelines[ns] = await VmTimeline.start(ns);
  }
  await operator();
}, 60_000);

afterAll(async () => {
  Object.values(timelines).forEach((t) => t.stop());
  await Promise.all(operators.map((o) => o.stop()));
}, 60_000);

describe('readiness and settle on KubeVirt', () => {
  test('GuestAgent: the next stage waits until AgentConnected, not just Ready', async () => {
    const tl = timelines[AGENT_NS]!;
    const since = Date.now();
    await apply([
      ...S2.map((m) => vmManifest(AGENT_NS, m.vm, { annotations: m.vm === STORE ? LATE_AGENT : BOOT })),
      acdManifest(AGENT_NS, 'acd', S2, { powerState: 'On', readiness: 'GuestAgent' }),
    ]);
    const message = await until(
      'the store stage waiting for the agent',
      async () => {
        const stage = (await getAcd(AGENT_NS, 'acd')).status?.transition?.stages[0];
        return stage?.message?.includes('guest agent') && stage.message;
      },
      20_000,
      100,
    );
    expect(message).toBe(`waiting for ${STORE}'s guest agent (AgentConnected)`);
    await waitReady(AGENT_NS, 'acd', 60);
    const readyAt = tl.reachedAt(STORE, 'On', since)!;
    const agentAt = agentConnectedAt(AGENT_NS, STORE)!;
    const nextAt = tl.commandedAt(DBM, 'On', since)!;
    expect(agentAt - readyAt).toBeGreaterThan(3_000); // the agent came well after Ready
    expect(nextAt).toBeGreaterThanOrEqual(agentAt);
  }, 90_000);

  test('settle: a SIGKILL during it neither restarts it nor skips it, and no VM is started twice', async () => {
    const tl = timelines[SETTLE_NS]!;
    const since = Date.now();
    await apply([
      ...S2.map((m) => vmManifest(SETTLE_NS, m.vm, { annotations: BOOT })),
      acdManifest(SETTLE_NS, 'acd', S2, { powerState: 'On', settle: [{ tier: 'store', delay: '20s' }] }),
    ]);
    const settleUntil = await until(
      'the store stage settling',
      async () => (await getAcd(SETTLE_NS, 'acd')).status?.transition?.stages[0]?.settleUntil,
      30_000,
      100,
    );
    const end = Date.parse(settleUntil);
    const gateAt = Date.parse((await getAcd(SETTLE_NS, 'acd')).status!.transition!.stages[0]!.finishedAt!);
    expect(end - gateAt).toBe(SETTLE_MS);
    // Killed 5 s into the settle, back 4 s later: 11 s of it left.
    await sleep(Math.max(0, gateAt + 5_000 - Date.now()));
    await operators.at(-1)!.stop('SIGKILL');
    await sleep(4_000);
    await operator();
    const waiting = (await getAcd(SETTLE_NS, 'acd')).status!.transition!.stages;
    expect(waiting[0]!.settleUntil).toBe(settleUntil);
    expect(waiting[1]).toMatchObject({ state: 'Pending', message: `settling until ${settleUntil} (spec.settle)` });
    await waitReady(SETTLE_NS, 'acd', 60);
    const nextAt = tl.commandedAt(DBM, 'On', since)!;
    expect(nextAt).toBeGreaterThanOrEqual(end); // not less
    expect(nextAt).toBeLessThan(end + 4_000); // not the whole settle again after the restart
    expect(Object.fromEntries(S2.map((m) => [m.vm, tl.commands(m.vm, 'On', since)]))).toEqual(
      Object.fromEntries(S2.map((m) => [m.vm, 1])),
    );
  }, 90_000);
});
