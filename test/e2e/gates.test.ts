// spec.gates on the test bed, each provider against a real service: HTTP and Prometheus' query API
// on loopback servers in this process (no Prometheus is built here: test/support/loopback.ts), SSH
// on the real sshd, a Job on the real API server (no Job controller runs, so the test writes its
// status, as the issue asks). Each case has its own namespace and SmallV1 ACD, On to begin with
// (tel, then the store VM, go down in that order). The cases mostly wait on timers, so they all
// start in beforeAll and run side by side; each test awaits its own case and reports it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { knownHostsOf, startSshd, stopSshd, type SshdInfo } from '../services/sshd.js';
import { loopback, prometheusApi, type Loopback } from '../support/loopback.js';
import type { AcdClusterStatus } from '../../src/api/status.js';
import type { Machine } from '../../src/plan/index.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest } from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { VmTimeline } from './support/timeline.js';

const SMALL = SEED_LAYOUTS.SmallV1;
const VMS = SMALL.map((m) => m.vm);
const TIMING = { 'standin.acd.power.dev/boot-seconds': '2', 'standin.acd.power.dev/stop-seconds': '2' };
const NS = {
  http: 'gates-http',
  promPass: 'gates-prom-pass',
  promProceed: 'gates-prom-proceed',
  hold: 'gates-hold',
  abort: 'gates-abort',
  flip: 'gates-flip',
  ssh: 'gates-ssh',
  job: 'gates-job',
  afterOn: 'gates-after-on',
  kill: 'gates-kill',
};

let operator: RunningOperator;
/** The SIGKILL case's own operator, so that killing it disturbs no other case. */
let killable: RunningOperator;
let sshd: SshdInfo;
let callsDir: string;
const servers: Loopback[] = [];
const timelines: VmTimeline[] = [];

beforeAll(async () => {
  sshd = await startSshd({ nodes: ['acd-tel'], scenarios: [{ name: 'plain' }] });
  callsDir = mkdtempSync(join(tmpdir(), 'acd-gates-'));
  const { kill, ...shared } = NS;
  operator = await startOperator({ namespaces: Object.values(shared) });
  killable = await startOperator({ namespaces: [kill] });
}, 120_000);

afterAll(async () => {
  for (const tl of timelines) tl.stop();
  await Promise.all([operator?.stop(), killable?.stop(), ...servers.map((s) => s.close())]);
  if (sshd) await stopSshd(sshd);
  if (callsDir) rmSync(callsDir, { recursive: true, force: true });
});

/** A loopback server this file closes at the end. */
async function serve(answer: Parameters<typeof loopback>[0]): Promise<Loopback> {
  const s = await loopback(answer);
  servers.push(s);
  return s;
}

/**
 * A check server: GET /calls answers `status()`; POST /drain and /undrain 204. `gates(more)` is the
 * spec.gates of one beforeOff gate on it, no-active-calls, checked every second, with both actions
 * unless `more` says `actions: false`.
 */
async function callsServer(status: (n: number) => number) {
  let n = 0;
  const srv = await serve((req) => (req.url === '/calls' ? { status: status(++n) } : { status: 204 }));
  const of = (method: string, path: string) => srv.seen.filter((s) => s.method === method && s.url === path);
  const actions = {
    drain: { http: { url: `${srv.url}/drain`, method: 'POST' } },
    undrain: { http: { url: `${srv.url}/undrain`, method: 'POST' } },
  };
  const checks = () => of('GET', '/calls');
  const drains = () => of('POST', '/drain');
  return {
    srv,
    checks,
    drains,
    undrains: () => of('POST', '/undrain'),
    gates: ({ actions: withActions = true, ...more }: Record<string, unknown> = {}) => ({
      beforeOff: [
        {
          name: 'no-active-calls',
          ...(withActions ? actions : {}),
          check: { http: { url: `${srv.url}/calls` } },
          interval: '1s',
          ...more,
        },
      ],
    }),
    drainedAndChecked: () =>
      until('the drain and two checks', async () => drains().length > 0 && checks().length >= 2, 30_000, 100),
  };
}

/** powerState Off; returns when it was asked, for the timeline. */
async function powerOff(ns: string): Promise<number> {
  const since = Date.now();
  await setPower(ns, 'acd', 'Off');
  return since;
}

const status = async (ns: string): Promise<AcdClusterStatus> => (await getAcd(ns, 'acd')).status ?? {};
const condition = (s: AcdClusterStatus, type: string) => s.conditions?.find((c) => c.type === type);
const settledOn = (s: AcdClusterStatus, power: 'On' | 'Off') =>
  s.power === power && (!s.transition || !!s.transition.finishedAt);

/** A SmallV1 ACD with these gates, its VMs up (or down with `power` Off), and a timeline of them. */
async function acdWithGates(
  ns: string,
  gates: Record<string, unknown>,
  o: { power?: 'On' | 'Off'; machines?: Machine[]; spec?: Record<string, unknown>; namespaceMade?: boolean } = {},
): Promise<VmTimeline> {
  const power = o.power ?? 'On';
  if (!o.namespaceMade) await createNamespace(ns);
  const tl = await VmTimeline.start(ns);
  timelines.push(tl);
  await apply([
    ...VMS.map((vm) => vmManifest(ns, vm, { runStrategy: power === 'On' ? 'Always' : 'Halted', annotations: TIMING })),
    acdManifest(ns, 'acd', o.machines ?? SMALL, { powerState: power, gates, ...o.spec }),
  ]);
  await until(`${ns} ${power}`, async () => settledOn(await status(ns), power), 60_000, 200);
  return tl;
}

/** The first stop of any of the ACD's VMs after `since`. */
const firstStop = (tl: VmTimeline, since: number) =>
  Math.min(...VMS.map((vm) => tl.commandedAt(vm, 'Off', since) ?? Infinity));
const anyStop = (tl: VmTimeline, since: number) => firstStop(tl, since) !== Infinity;
const gateOf = (s: AcdClusterStatus) => s.transition?.gates?.[0];

/** Polls the ACD's status until `ok` holds; returns that status. */
const statusWhen = (
  ns: string,
  what: string,
  ok: (s: AcdClusterStatus) => boolean,
  timeoutMs = 30_000,
  everyMs = 100,
) => until(what, async () => ((s) => (ok(s) ? s : undefined))(await status(ns)), timeoutMs, everyMs);

/** Waits until the ACD is Off, its transition finished; returns that status. */
const waitOff = (ns: string) => statusWhen(ns, `${ns} Off`, (s) => settledOn(s, 'Off'), 60_000, 200);

const CASES: Record<string, () => Promise<void>> = {
  'HTTP: 503 three times, then 200; with 2 in a row, the first stop follows the fifth check': async () => {
    const calls = await callsServer((n) => (n <= 3 ? 503 : 200));
    const tl = await acdWithGates(NS.http, calls.gates({ consecutiveSuccesses: 2 }));
    const since = await powerOff(NS.http);
    // While it waits, the conditions say for what, with the last value.
    const waiting = await statusWhen(NS.http, 'the gate waiting on a 503', (s) => gateOf(s)?.value === '503');
    expect(condition(waiting, 'Ready')).toMatchObject({ status: 'False', reason: 'GateWaiting' });
    expect(condition(waiting, 'Ready')!.message).toMatch(/waiting for no-active-calls: 503 \(a 2xx answer\), 0\/2/);
    const off = await waitOff(NS.http);
    const checks = calls.checks();
    expect(checks.length).toBe(5);
    const stop = firstStop(tl, since);
    expect(stop).toBeGreaterThanOrEqual(checks[4]!.at);
    expect(calls.drains().length).toBe(1);
    expect(calls.drains()[0]!.at).toBeLessThanOrEqual(checks[0]!.at);
    expect(calls.undrains()).toEqual([]);
    expect(gateOf(off)).toMatchObject({ name: 'no-active-calls', state: 'Passed', successes: 2, value: '200' });
    expect(off.transition!.outcome).toBe('Succeeded');
  },

  'Prometheus API: an empty answer passes under onNoData Pass; NaN under Fail waits, then Proceed': async () => {
    const prom = await serve(prometheusApi('', { 'sum(acd_active_calls)': [], 'sum(rate(acd_calls[1m]))/0': ['NaN'] }));
    const gate = (query: string, more: Record<string, unknown>) => ({
      beforeOff: [
        {
          name: 'no-active-calls',
          check: { prometheus: { address: prom.url, query } },
          successCondition: 'result == 0',
          interval: '1s',
          ...more,
        },
      ],
    });
    const [passTl, proceedTl] = await Promise.all([
      acdWithGates(NS.promPass, gate('sum(acd_active_calls)', { onNoData: 'Pass' })),
      acdWithGates(NS.promProceed, gate('sum(rate(acd_calls[1m]))/0', { maxWait: '4s', onTimeout: 'Proceed' })),
    ]);
    const since = Date.now();
    await Promise.all([setPower(NS.promPass, 'acd', 'Off'), setPower(NS.promProceed, 'acd', 'Off')]);
    const [passed, proceeded] = await Promise.all([waitOff(NS.promPass), waitOff(NS.promProceed)]);
    expect(gateOf(passed)).toMatchObject({ state: 'Passed' });
    expect(gateOf(passed)!.message).toMatch(/no data/);
    expect(anyStop(passTl, since)).toBe(true);

    const g = gateOf(proceeded)!;
    expect(g).toMatchObject({ state: 'TimedOut' });
    expect(g.message).toMatch(/no data \(Prometheus answered NaN\)/);
    // Nothing stopped before maxWait was over; then the Off went on.
    expect(firstStop(proceedTl, since)).toBeGreaterThanOrEqual(Date.parse(g.startedAt!) + 4_000 - 1_000);
    // Checked more than once while it waited (every second, as far as a loaded operator keeps up).
    expect(prom.seen.filter((r) => r.url.includes('rate')).length).toBeGreaterThanOrEqual(2);
  },

  'maxWait with Hold: Stalled GateTimeout, nothing stopped, still checked; a 200 then lets the Off go on': async () => {
    let open = false;
    const calls = await callsServer(() => (open ? 200 : 503));
    const tl = await acdWithGates(NS.hold, calls.gates({ actions: false, maxWait: '3s' }));
    const since = await powerOff(NS.hold);
    const stalled = await statusWhen(
      NS.hold,
      'Stalled GateTimeout',
      (s) => condition(s, 'Stalled')?.reason === 'GateTimeout',
    );
    expect(condition(stalled, 'Stalled')!.message).toMatch(/no-active-calls/);
    // Still checked after the timeout, and still nothing stopped.
    const checksAtTimeout = calls.checks().length;
    await until('a check after the timeout', async () => calls.checks().length > checksAtTimeout, 15_000, 100);
    await sleep(2_000);
    expect(anyStop(tl, since)).toBe(false);
    open = true;
    const off = await waitOff(NS.hold);
    expect(gateOf(off)).toMatchObject({ state: 'Passed' });
    expect(firstStop(tl, since)).toBeGreaterThanOrEqual(calls.checks().at(-1)!.at);
  },

  'maxWait with Abort: the Off gives up, undrain once, no stop, the ACD stays On': async () => {
    const calls = await callsServer(() => 503);
    const tl = await acdWithGates(NS.abort, calls.gates({ maxWait: '3s', onTimeout: 'Abort' }));
    const since = await powerOff(NS.abort);
    const aborted = await statusWhen(NS.abort, 'the Off aborted', (s) => s.transition?.outcome === 'Aborted');
    expect(gateOf(aborted)).toMatchObject({ state: 'TimedOut' });
    await until('the undrain', async () => calls.undrains().length > 0, 10_000, 100);
    await sleep(3_000);
    expect({ drains: calls.drains().length, undrains: calls.undrains().length }).toEqual({ drains: 1, undrains: 1 });
    expect(calls.undrains()[0]!.at).toBeGreaterThan(calls.drains()[0]!.at);
    expect(anyStop(tl, since)).toBe(false);
    expect((await status(NS.abort)).power).toBe('On');
  },

  'a flip to On while the gate waits: undrain exactly once, no stop': async () => {
    const calls = await callsServer(() => 503);
    const tl = await acdWithGates(NS.flip, calls.gates());
    const since = await powerOff(NS.flip);
    await calls.drainedAndChecked();
    await setPower(NS.flip, 'acd', 'On');
    await until('On again', async () => (await status(NS.flip)).transition?.direction === 'On', 30_000, 100);
    await until('the undrain', async () => calls.undrains().length > 0, 10_000, 100);
    const checks = calls.checks().length;
    await sleep(3_000);
    expect({ drains: calls.drains().length, undrains: calls.undrains().length }).toEqual({ drains: 1, undrains: 1 });
    expect(calls.checks().length).toBeLessThanOrEqual(checks + 1);
    expect(anyStop(tl, since)).toBe(false);
    expect(settledOn(await status(NS.flip), 'On')).toBe(true);
  },

  'SSH on the real sshd: holds while the command reports calls; 0 calls lets the Off go on': async () => {
    const file = join(callsDir, 'tel-calls');
    writeFileSync(file, 'active calls: 3\n');
    await createNamespace(NS.ssh);
    await apply([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/ssh-auth',
        metadata: { name: 'acd-ssh', namespace: NS.ssh },
        stringData: {
          username: sshd.username,
          'ssh-privatekey': readFileSync(sshd.keys['plain']!, 'utf8'),
          known_hosts: knownHostsOf(sshd),
        },
      },
    ]);
    const machines = SMALL.map((m) =>
      m.vm === 'acd-tel' ? { ...m, host: sshd.host, ports: { ssh: sshd.nodes['acd-tel']! } } : m,
    );
    const tl = await acdWithGates(
      NS.ssh,
      {
        beforeOff: [
          {
            name: 'no-active-calls',
            check: { ssh: { role: 'tel', command: `cat ${file}`, regex: 'active calls: (\\d+)' } },
            successCondition: 'result == 0',
            interval: '1s',
          },
        ],
      },
      {
        machines,
        spec: { health: { checkTimeout: '5s', ssh: { credentialsSecret: 'acd-ssh' } } },
        namespaceMade: true,
      },
    );
    const since = await powerOff(NS.ssh);
    const waiting = await statusWhen(NS.ssh, 'the gate reading 3 calls', (s) => gateOf(s)?.value === '3');
    expect(condition(waiting, 'Ready')!.message).toMatch(/waiting for no-active-calls: 3 \(result == 0\)/);
    await sleep(2_000);
    expect(anyStop(tl, since)).toBe(false);
    const zeroAt = Date.now();
    writeFileSync(file, 'active calls: 0\n');
    const off = await waitOff(NS.ssh);
    expect(gateOf(off)).toMatchObject({ state: 'Passed', value: '0' });
    expect(firstStop(tl, since)).toBeGreaterThanOrEqual(zeroAt);
  },

  'Job: one Job, owned by the ACD, that the test completes by writing its status; then the Off goes on': async () => {
    const template = {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'no-calls', image: 'registry.invalid/acd/no-calls:1', command: ['/no-calls'] }],
        },
      },
    };
    const tl = await acdWithGates(NS.job, {
      beforeOff: [{ name: 'no-active-calls', check: { job: { template } }, interval: '1s' }],
    });
    const since = await powerOff(NS.job);
    type Job = { metadata: { name: string; ownerReferences?: Array<Record<string, unknown>> } };
    const jobs = async () =>
      (JSON.parse(await kubectl(['get', 'jobs', '-n', NS.job, '-o', 'json'])) as { items: Job[] }).items;
    const [job] = await until(
      'the Job',
      async () => ((items) => (items.length ? items : undefined))(await jobs()),
      30_000,
      200,
    );
    expect(job!.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: 'acd.power.dev/v1alpha1',
        kind: 'AcdCluster',
        name: 'acd',
        controller: true,
      }),
    ]);
    // No Job controller runs on the test bed: the Job waits, and so does the Off.
    await sleep(3_000);
    expect((await jobs()).length).toBe(1);
    expect(anyStop(tl, since)).toBe(false);
    expect(gateOf(await status(NS.job))).toMatchObject({ state: 'Waiting' });
    const doneAt = Date.now();
    const now = new Date().toISOString();
    const done = (type: string) => ({ type, status: 'True', lastProbeTime: now, lastTransitionTime: now });
    const jobStatus = {
      status: {
        startTime: new Date(since).toISOString(),
        completionTime: now,
        succeeded: 1,
        conditions: [done('SuccessCriteriaMet'), done('Complete')],
      },
    };
    await kubectl([
      'patch',
      'job',
      job!.metadata.name,
      '-n',
      NS.job,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(jobStatus),
    ]);
    const off = await waitOff(NS.job);
    expect(gateOf(off)).toMatchObject({ state: 'Passed' });
    expect(firstStop(tl, since)).toBeGreaterThanOrEqual(doneAt);
    expect((await jobs()).length).toBe(1);
  },

  'afterOn: a smoke test that keeps failing makes the ACD Degraded after maxWait, and stops nothing': async () => {
    const smoke = await callsServer(() => 500);
    const tl = await acdWithGates(
      NS.afterOn,
      {
        afterOn: [
          { name: 'api-smoke', check: { http: { url: `${smoke.srv.url}/calls` } }, interval: '1s', maxWait: '3s' },
        ],
      },
      { power: 'Off' },
    );
    const since = Date.now();
    await setPower(NS.afterOn, 'acd', 'On');
    const degraded = await statusWhen(
      NS.afterOn,
      'Degraded GateFailed',
      (s) => condition(s, 'Degraded')?.status === 'True',
      60_000,
      200,
    );
    expect(condition(degraded, 'Degraded')).toMatchObject({ reason: 'GateFailed' });
    expect(condition(degraded, 'Degraded')!.message).toMatch(/^afterOn gate api-smoke did not pass: last value 500/);
    expect(degraded.power).toBe('On');
    for (const vm of VMS) expect({ vm, up: tl.reachedAt(vm, 'On', since) !== undefined }).toEqual({ vm, up: true });
    // The first check came after the last VM was up.
    expect(smoke.checks()[0]!.at).toBeGreaterThanOrEqual(Math.max(...VMS.map((vm) => tl.reachedAt(vm, 'On', since)!)));
    await sleep(2_000);
    expect(anyStop(tl, since)).toBe(false);
  },

  'SIGKILL of the operator while the gate waits: the drain is not repeated, and waiting resumes': async () => {
    let open = false;
    const calls = await callsServer(() => (open ? 200 : 503));
    const tl = await acdWithGates(NS.kill, calls.gates());
    const since = await powerOff(NS.kill);
    await calls.drainedAndChecked();
    const drainedAt = gateOf(await status(NS.kill))?.drainedAt;
    expect(drainedAt).toBeDefined();
    await killable.stop('SIGKILL');
    const killedAt = Date.now();
    await sleep(2_000);
    killable = await startOperator({ namespaces: [NS.kill] });
    await until('checks again', async () => calls.checks().some((c) => c.at > killedAt + 2_000), 30_000, 100);
    expect(anyStop(tl, since)).toBe(false);
    expect(gateOf(await status(NS.kill))).toMatchObject({ state: 'Waiting', drainedAt });
    open = true;
    const off = await waitOff(NS.kill);
    expect({ drains: calls.drains().length, undrains: calls.undrains().length }).toEqual({ drains: 1, undrains: 0 });
    expect(gateOf(off)).toMatchObject({ state: 'Passed', drainedAt });
  },
};

/** Each case's error, or undefined; every case starts in beforeAll, at once. */
const runs = new Map<string, Promise<Error | undefined>>();
beforeAll(() => {
  for (const [name, run] of Object.entries(CASES))
    runs.set(
      name,
      run().then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      ),
    );
});

describe('beforeOff and afterOn gates on the test bed, side by side', () => {
  test.each(Object.keys(CASES))(
    '%s',
    async (name) => {
      const error = await runs.get(name);
      if (error) throw error;
    },
    180_000,
  );
});
