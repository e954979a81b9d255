// The README's GitOps path, with the real thing: Argo CD v3.6's own application-controller and
// repo-server (test/testbed/argocd) sync an ACD from a Git repository on loopback into the test bed,
// judge the AcdCluster with deploy/argocd's health check, and a commit powers it off. The operator
// must keep the runbook's order, and Argo CD must neither fight it (Synced throughout, no write to
// spec.runStrategy) nor misjudge it (Progressing while it moves, Healthy when there, Degraded when
// stuck, Suspended when paused). Flux's kstatus judges the same object with the real library.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { repoRoot } from '../testbed/binaries.js';
import { commit, kstatusBinDir, startArgocd, stopArgocd, type ArgocdState } from '../testbed/argocd/install.js';
import { acdManifest, getAcd, vmManifest } from './support/acd.js';
import { kubeConfig, kubeconfigPath, kubectl, testbedState, until } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { checkTimeline, SEED_SHUTDOWN } from './support/seed-rules.js';
import { VmTimeline } from './support/timeline.js';

const NS = { plain: 'argo-acd', manual: 'argo-manual', stuck: 'argo-stuck' } as const;
const layout = SEED_LAYOUTS.SmallV3;
// Stages of a second or two at the test bed's speed: long enough for Argo CD to see the ACD move.
const timing = { 'standin.acd.power.dev/boot-seconds': '40', 'standin.acd.power.dev/stop-seconds': '40' };
let argo: ArgocdState;
let operator: RunningOperator;

interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  resources?: { kind: string; name: string; health?: { status?: string; message?: string } }[];
  operationState?: {
    phase?: string;
    syncResult?: { revision?: string; resources?: { kind: string; name: string; message?: string }[] };
  };
  history?: { revision: string }[];
}
const custom = () => kubeConfig().makeApiClient(CustomObjectsApi);
const app = async (name: string) =>
  (
    (await custom().getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      plural: 'applications',
      namespace: 'argocd',
      name,
    })) as { status?: AppStatus }
  ).status ?? {};
/** Argo CD has synced commit `rev`: until then the Application is OutOfSync with Git, by design. */
const isSynced = (s: AppStatus, rev: string) => s.sync?.revision === rev && s.sync.status === 'Synced';
/** Argo CD's health of the AcdCluster itself, as the Application's resource list reports it. */
const acdHealth = (s: AppStatus) => s.resources?.find((r) => r.kind === 'AcdCluster')?.health;

/** The manifests of one ACD in Git: its VMs and its AcdCluster, in the folder the Application syncs. */
function manifests(
  ns: string,
  o: {
    powerState: 'On' | 'Off' | 'Scheduled';
    runStrategy: string;
    paused?: boolean;
    stuck?: string;
    schedule?: Record<string, unknown>;
  },
) {
  const vms = layout.map((m) =>
    vmManifest(ns, m.vm, {
      runStrategy: o.runStrategy,
      annotations: {
        ...timing,
        ...(m.vm === o.stuck ? { 'standin.acd.power.dev/never-ready': 'true' } : {}),
      },
    }),
  );
  const acd = acdManifest(ns, 'acd', layout, {
    powerState: o.powerState,
    ...(o.paused ? { paused: true } : {}),
    ...(o.stuck ? { timeouts: { vmStart: '30s' } } : {}),
    ...(o.schedule ? { schedule: o.schedule } : {}),
  });
  // Quoted On/Off, as deploy/argocd/application.yaml tells users: YAML 1.1 reads a bare On as true.
  return {
    [`clusters/${ns}/acd.yaml`]: [...vms, acd]
      // Keys too: spec.schedule's "on" is a boolean to YAML 1.1, which Argo CD's repo-server speaks.
      .map((x) => stringify(x, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'QUOTE_DOUBLE' }))
      .join('---\n'),
  };
}

interface AppManifest {
  metadata: { name: string; finalizers?: string[] };
  spec: {
    source: Record<string, unknown>;
    destination: { namespace: string };
    ignoreDifferences?: unknown[];
    syncPolicy: { automated: { prune: boolean }; syncOptions: string[]; retry?: unknown };
  };
}

/** deploy/argocd/application.yaml, pointed at the loopback repo, the namespace, and with prune on. */
function application(ns: string, manual: boolean): string {
  const a = parse(readFileSync(join(repoRoot, 'deploy/argocd/application.yaml'), 'utf8')) as AppManifest;
  a.metadata.name = ns;
  delete a.metadata.finalizers;
  a.spec.source = { repoURL: argo.repoUrl, targetRevision: 'main', path: `clusters/${ns}` };
  a.spec.destination.namespace = ns;
  a.spec.syncPolicy.automated.prune = true;
  a.spec.syncPolicy.syncOptions = [
    ...a.spec.syncPolicy.syncOptions.filter((o: string) => !o.startsWith('CreateNamespace')),
    'CreateNamespace=true',
  ];
  // A failed sync retries its old revision for minutes by default: fail fast in a test.
  a.spec.syncPolicy.retry = { limit: 2, backoff: { duration: '1s', maxDuration: '5s' } };
  // Manual VMs: the alternative the docs offer, with no ignoreDifferences at all.
  if (manual) delete a.spec.ignoreDifferences;
  return stringify(a);
}

/** Git changed: ask for a hard refresh, as the repo-server caches a branch's revision for minutes. */
const refresh = (name: string) =>
  kubectl(['annotate', 'application', name, '-n', 'argocd', 'argocd.argoproj.io/refresh=hard', '--overwrite']);

/** Polls the Application every 100 ms until `done`, recording each (sync, health) it went through. */
async function watchApp(name: string, done: (s: AppStatus) => boolean | Promise<boolean>, timeoutMs: number) {
  const seen: { t: number; sync?: string; health?: string; acd?: string; message?: string }[] = [];
  await until(
    `${name}: done`,
    async () => {
      const s = await app(name);
      const row = {
        t: Date.now(),
        sync: s.sync?.status,
        health: s.health?.status,
        acd: acdHealth(s)?.status,
        message: acdHealth(s)?.message,
      };
      const last = seen.at(-1);
      if (!last || last.sync !== row.sync || last.acd !== row.acd) seen.push(row);
      return (await done(s)) ? s : undefined;
    },
    timeoutMs,
    100,
  );
  return seen;
}

/** Our kstatus tool (sigs.k8s.io/cli-utils' kstatus, the library Flux waits with) on the AcdCluster. */
async function kstatus(ns: string): Promise<string> {
  const obj = await kubectl(['get', 'acd', 'acd', '-n', ns, '-o', 'json']);
  const out = execFileSync(join(kstatusBinDir(), 'kstatus'), { input: obj, encoding: 'utf8' });
  return (JSON.parse(out) as { status: string }).status;
}

// powerState Scheduled runs beside the other tests: its own operator's clock (ACD_TEST_CLOCK_OFFSET_MS,
// tests only) is put 75 s before an Off boundary, with the On boundary a minute after it; a poller
// records what Argo CD says all along, and the last test judges the record.
const SCHED_NS = 'argo-sched';
const SCHED_OFF = Date.parse('2027-01-05T09:32:00Z');
const SCHED_ON = SCHED_OFF + 60_000;
const SCHED_LEAD_MS = 75_000;
const ALL_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
let schedOffset = 0;
const schedRows: { t: number; sync?: string; acd?: string; message?: string }[] = [];
let schedPolling = true;
let schedPoller: Promise<void> | undefined;

/** What Argo CD says of the scheduled Application now, kept when it changed. */
async function recordScheduled(): Promise<void> {
  const s = await app(SCHED_NS).catch(() => undefined);
  if (!s) return;
  const row = { t: Date.now(), sync: s.sync?.status, acd: acdHealth(s)?.status, message: acdHealth(s)?.message };
  const last = schedRows.at(-1);
  if (!last || last.sync !== row.sync || last.acd !== row.acd || last.message !== row.message) schedRows.push(row);
}

async function pollScheduled(): Promise<void> {
  while (schedPolling) {
    await recordScheduled();
    await sleep(250);
  }
}

async function startScheduled(): Promise<void> {
  schedOffset = SCHED_OFF - SCHED_LEAD_MS - Date.now();
  operators.push(
    await startOperator({ namespaces: [SCHED_NS], env: { ACD_TEST_CLOCK_OFFSET_MS: String(schedOffset) } }),
  );
  const schedule = {
    timeZone: 'UTC',
    on: [
      { days: ALL_DAYS, from: '00:00', to: '09:32' },
      { days: ALL_DAYS, from: '09:33', to: '24:00' },
    ],
    announceBefore: '0s',
  };
  commit(
    argo,
    `${SCHED_NS}: Scheduled`,
    manifests(SCHED_NS, { powerState: 'Scheduled', runStrategy: 'Halted', schedule }),
  );
  await kubectl(['apply', '-f', '-'], application(SCHED_NS, false));
  schedPoller = pollScheduled();
}
const operators: RunningOperator[] = [];

beforeAll(async () => {
  const bed = testbedState();
  if (!bed) throw new Error('no test bed state');
  argo = await startArgocd({
    dir: join(bed.dir, 'argocd-e2e'),
    kubeconfig: kubeconfigPath(),
    log: (m) => console.log(`[argocd e2e] ${m}`),
  });
  operator = await startOperator({ namespaces: Object.values(NS) });
  await startScheduled();
}, 300_000);

afterAll(async () => {
  schedPolling = false;
  await schedPoller;
  await operator?.stop();
  await Promise.all(operators.map((o) => o.stop()));
  if (!argo) return;
  // Argo CD's peak memory on the test bed, for the issue note (VmHWM: the process's peak RSS).
  const peak = (pid: number) => /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  const { controller, repoServer, server, redis } = argo.pids;
  const mb = (pid: number) => `${Math.round(Number(peak(pid) ?? 0) / 1024)} MB`;
  console.log(
    `[argocd e2e] peak RSS: application-controller ${mb(controller)}, repo-server ${mb(repoServer)}, ` +
      `argocd-server ${mb(server)}, redis ${mb(redis)}`,
  );
  await stopArgocd(argo);
});

describe('Argo CD v3.6 (its own controllers) and the operator', () => {
  test('first sync; a commit powers it Off in runbook order; Synced throughout, runStrategy never Argo', async () => {
    commit(argo, 'acd-argo: VMs and AcdCluster, On', manifests(NS.plain, { powerState: 'On', runStrategy: 'Halted' }));
    await kubectl(['apply', '-f', '-'], application(NS.plain, false));
    const first = await watchApp(
      NS.plain,
      (s) => s.sync?.status === 'Synced' && acdHealth(s)?.status === 'Healthy',
      180_000,
    );
    expect(first.map((r) => r.acd)).toContain('Progressing');
    expect((await getAcd(NS.plain, 'acd')).status?.power).toBe('On');
    // Flux's kstatus agrees: reached is Current.
    expect(await kstatus(NS.plain)).toBe('Current');

    const tl = await VmTimeline.start(NS.plain);
    const since = Date.now();
    const rev = commit(argo, 'acd-argo: power Off', manifests(NS.plain, { powerState: 'Off', runStrategy: 'Halted' }));
    await refresh(NS.plain);
    await until('the Off commit synced', async () => isSynced(await app(NS.plain), rev), 60_000, 100);
    const off = await watchApp(
      NS.plain,
      async (s) =>
        acdHealth(s)?.status === 'Healthy' &&
        s.sync?.revision === rev &&
        s.operationState?.phase === 'Succeeded' &&
        (await getAcd(NS.plain, 'acd')).status?.power === 'Off',
      180_000,
    );
    tl.stop();
    const acd = await getAcd(NS.plain, 'acd');
    expect(acd.status?.power).toBe('Off');
    expect(checkTimeline(SEED_SHUTDOWN.SmallV3, 'Off', tl, since)).toEqual([]);
    expect(off.map((r) => r.acd)).toContain('Progressing');
    expect(off.filter((r) => r.sync !== 'Synced')).toEqual([]);

    // Who wrote spec.runStrategy: only the operator's field manager owns it now.
    for (const m of layout) {
      const vm = JSON.parse(await kubectl(['get', 'vm', m.vm, '-n', NS.plain, '-o', 'json', '--show-managed-fields']));
      const owners = (
        vm.metadata.managedFields as { manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[]
      )
        .filter((f) => f.fieldsV1?.['f:spec']?.['f:runStrategy'] !== undefined)
        .map((f) => f.manager);
      expect({ vm: m.vm, owners }).toEqual({ vm: m.vm, owners: ['acd-operator'] });
    }
    // And Argo's own record: under ApplyOutOfSyncOnly the Off commit's sync applied the AcdCluster
    // alone; no VM was re-applied with a stale runStrategy behind the operator's back.
    const after = await app(NS.plain);
    expect(after.history?.map((h) => h.revision)).toContain(rev);
    const last = after.operationState?.syncResult;
    expect(last?.revision).toBe(rev);
    expect((last?.resources ?? []).map((r) => `${r.kind}/${r.name}`)).toEqual(['AcdCluster/acd']);
  }, 420_000);

  test('Manual VMs, no ignoreDifferences: power Off through Git, still Synced, spec untouched', async () => {
    const ns = NS.manual;
    commit(argo, `${ns}: On`, manifests(ns, { powerState: 'On', runStrategy: 'Manual' }));
    await kubectl(['apply', '-f', '-'], application(ns, true));
    await watchApp(ns, (s) => s.sync?.status === 'Synced' && acdHealth(s)?.status === 'Healthy', 180_000);
    expect((await getAcd(ns, 'acd')).status?.power).toBe('On');

    const tl = await VmTimeline.start(ns);
    const since = Date.now();
    const rev = commit(argo, `${ns}: Off`, manifests(ns, { powerState: 'Off', runStrategy: 'Manual' }));
    await refresh(ns);
    await until('the Off commit synced', async () => isSynced(await app(ns), rev), 60_000, 100);
    const off = await watchApp(
      ns,
      async (s) =>
        acdHealth(s)?.status === 'Healthy' &&
        s.sync?.revision === rev &&
        (await getAcd(ns, 'acd')).status?.power === 'Off',
      180_000,
    );
    tl.stop();
    expect((await getAcd(ns, 'acd')).status?.power).toBe('Off');
    expect(checkTimeline(SEED_SHUTDOWN.SmallV3, 'Off', tl, since)).toEqual([]);
    expect(off.filter((r) => r.sync !== 'Synced')).toEqual([]);
    // Driven through KubeVirt's subresources only: every VM's spec is still Git's.
    expect([...new Set(tl.samples.map((x) => x.runStrategy))]).toEqual(['Manual']);
  }, 420_000);

  test('a VM never ready: Stalled; Argo CD says Degraded with our message, kstatus Failed', async () => {
    const ns = NS.stuck;
    commit(argo, `${ns}: Off`, manifests(ns, { powerState: 'Off', runStrategy: 'Halted', stuck: 'acd-dbm-dbs-dbr' }));
    await kubectl(['apply', '-f', '-'], application(ns, false));
    await watchApp(ns, (s) => s.sync?.status === 'Synced' && acdHealth(s)?.status === 'Healthy', 180_000);
    expect(await kstatus(ns)).toBe('Current');

    commit(argo, `${ns}: On`, manifests(ns, { powerState: 'On', runStrategy: 'Halted', stuck: 'acd-dbm-dbs-dbr' }));
    await refresh(ns);
    // Flux's view of the same object, sampled alongside: InProgress while it moves.
    const kstatusSeen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        kstatusSeen.add(await kstatus(ns).catch(() => 'error'));
        await sleep(250);
      }
    })();
    const seen = await watchApp(ns, (s) => acdHealth(s)?.status === 'Degraded', 180_000);
    sampling = false;
    await sampler;
    const degraded = seen.at(-1)!;
    expect(degraded.message).toMatch(/^Stalled: stage 2\/3 .*acd-dbm-dbs-dbr not up within 30s/);
    expect(await kstatus(ns)).toBe('Failed');
    expect(kstatusSeen).toContain('InProgress');
  }, 420_000);

  test('paused: Argo CD reports the AcdCluster Suspended', async () => {
    const ns = NS.stuck;
    commit(
      argo,
      `${ns}: paused`,
      manifests(ns, { powerState: 'On', runStrategy: 'Halted', stuck: 'acd-dbm-dbs-dbr', paused: true }),
    );
    await refresh(ns);
    const seen = await watchApp(ns, (s) => acdHealth(s)?.status === 'Suspended', 120_000);
    expect(seen.at(-1)!.message).toMatch(/^Paused: the operator leaves this ACD alone/);
  }, 300_000);

  test("the argocd CLI against a local argocd-server: 'app get' and 'app wait --health'", async () => {
    const cli = (...args: string[]) =>
      execFileSync(join(argo.bin, 'argocd'), [...args, '--server', `127.0.0.1:${argo.ports.server}`, '--plaintext'], {
        encoding: 'utf8',
        env: argo.env,
        timeout: 120_000,
      });
    const got = cli('app', 'get', NS.plain, '-o', 'json');
    expect((JSON.parse(got) as { status: AppStatus }).status.health?.status).toBe('Healthy');
    const waited = cli('app', 'wait', NS.plain, '--health', '--timeout', '60');
    expect(waited).toMatch(/Health Status:\s+Healthy/);
  }, 180_000);

  test("argocd-cm holds exactly deploy/argocd's health.lua", async () => {
    const cm = JSON.parse(await kubectl(['get', 'configmap', 'argocd-cm', '-n', 'argocd', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const lua = readFileSync(join(repoRoot, 'deploy/argocd/health/acd.power.dev/AcdCluster/health.lua'), 'utf8');
    expect(cm.data['resource.customizations.health.acd.power.dev_AcdCluster']).toBe(lua);
  });

  test('powerState Scheduled: Synced with self-heal across an Off and an On boundary, Healthy when Off', async () => {
    // It ran beside the tests above; wait for its On boundary to have passed and the ACD to be On.
    await until(
      'the scheduled ACD On again after its On boundary',
      async () => {
        const s = (await getAcd(SCHED_NS, 'acd')).status;
        return Date.now() + schedOffset > SCHED_ON && s?.power === 'On' && s.transition?.finishedAt !== undefined;
      },
      240_000,
      500,
    ).catch(async (e: unknown) => {
      console.log(`[argocd e2e] ${await kubectl(['get', 'acd', 'acd', '-n', SCHED_NS, '-o', 'yaml'])}`);
      console.log(`[argocd e2e] ${JSON.stringify(schedRows)}`);
      throw e;
    });
    await until('Argo CD to see it Healthy', async () => acdHealth(await app(SCHED_NS))?.status === 'Healthy', 30_000);
    schedPolling = false;
    await schedPoller;
    await recordScheduled(); // the Healthy just seen, which the poller may have stopped short of
    // From the first Synced on, never anything else: the operator never writes the spec Git owns.
    const firstSynced = schedRows.findIndex((r) => r.sync === 'Synced');
    expect(firstSynced).toBeGreaterThanOrEqual(0);
    expect(schedRows.slice(firstSynced).filter((r) => r.sync !== 'Synced')).toEqual([]);
    // Healthy On, Progressing down, Healthy Off (scheduled), Progressing up, Healthy On.
    const after = schedRows.slice(schedRows.findIndex((r, i) => i >= firstSynced && r.acd === 'Healthy'));
    const health = after.map((r) => r.acd).filter((h, i, all) => h !== all[i - 1]);
    expect(health).toEqual(['Healthy', 'Progressing', 'Healthy', 'Progressing', 'Healthy']);
    expect(after.some((r) => r.acd === 'Healthy' && /scheduled Off by Window/.test(r.message ?? ''))).toBe(true);
    const history = (await getAcd(SCHED_NS, 'acd')).status?.history ?? [];
    expect(history.slice(-2).map((h) => [h.direction, h.trigger?.source])).toEqual([
      ['Off', 'Schedule'],
      ['On', 'Schedule'],
    ]);
  }, 300_000);
});
