// Test-bed plumbing for the bench: manifests, the operator process, AcdCluster status.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Machine } from '../../src/plan/index.js';
import type { AcdClusterStatus } from '../../src/api/status.js';
import { repoRoot } from '../../test/testbed/binaries.js';
import { freePort } from '../../test/testbed/ports.js';
import { BOOT_SECONDS, STOP_SECONDS } from '../../test/testbed/kubevirt/annotations.js';
import { SEED_ACTIVE } from '../../test/fixtures/seed-layouts.js';
import { acdManifest, vmManifest } from '../../test/support/manifests.js';

export interface Timing {
  bootSeconds: number;
  stopSeconds: number;
}

/**
 * One ACD: its namespace, 12 VMs (running) with the node stand-in's timing annotations, and optionally
 * its AcdCluster. The VMs are what real KubeVirt's webhooks accept: a memory request, as in the e2e suite.
 */
export function acdObjects(
  namespace: string,
  machines: Machine[],
  timing: Timing,
  withCluster: boolean,
): Record<string, unknown>[] {
  const annotations = { [BOOT_SECONDS]: String(timing.bootSeconds), [STOP_SECONDS]: String(timing.stopSeconds) };
  const vms = machines.map((m) => vmManifest(namespace, m.vm, { runStrategy: 'Always', annotations }));
  const acd = acdManifest(namespace, 'acd', machines, { active: SEED_ACTIVE });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ...vms,
    ...(withCluster ? [acd] : []),
  ];
}

export interface Operator {
  child: ChildProcess;
  pid: number;
  log: string;
  metricsPort: number;
  cwd: string;
  stop(): Promise<void>;
}

export interface OperatorOptions {
  /** Operator arguments after the kubeconfig and ports. */
  extra?: string[];
  /** The entry point to run (default dist/main.js), e.g. a build of an earlier commit. */
  entry?: string;
  /** Extra node flags, e.g. --heapsnapshot-signal=SIGUSR2 (snapshots land in `cwd`). */
  nodeArgs?: string[];
}

export async function startOperator(
  kubeconfig: string,
  dir: string,
  name: string,
  o: OperatorOptions = {},
): Promise<Operator> {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${name}.log`);
  const cwd = join(dir, `${name}-cwd`);
  mkdirSync(cwd, { recursive: true });
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const nodeArgs = [
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, `${name}-prof`)}`] : []),
    ...(o.nodeArgs ?? []),
  ];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      o.entry ?? join(repoRoot, 'dist/main.js'),
      '--kubeconfig',
      kubeconfig,
      '--metrics-port',
      String(metricsPort),
      '--health-port',
      String(healthPort),
      ...(o.extra ?? []),
    ],
    {
      cwd,
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
      env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`operator exited during start-up (log ${log})`);
    if ((await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.ok) break;
    if (Date.now() > deadline) throw new Error(`operator not ready after 30 s (log ${log})`);
    await sleep(100);
  }
  return {
    child,
    pid: child.pid!,
    log,
    metricsPort,
    cwd,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

type Acd = { metadata: { namespace: string; name: string; generation: number }; status?: AcdClusterStatus };
export const acdReady = (a: Acd, power: 'On' | 'Off') =>
  a.status?.observedGeneration === a.metadata.generation &&
  a.status.power === power &&
  a.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Polls until every AcdCluster reports Ready at `power`; returns how many LISTs it took. */
export async function waitAcds(
  kc: KubeConfig,
  power: 'On' | 'Off',
  expect: number,
  timeoutMs: number,
  everyMs = 100,
): Promise<number> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  let lists = 0;
  for (;;) {
    lists++;
    const list = (await api.listClusterCustomObject({
      group: 'acd.power.dev',
      version: 'v1alpha1',
      plural: 'acdclusters',
    })) as { items: Acd[] };
    const ready = list.items.filter((a) => acdReady(a, power)).length;
    if (ready >= expect) return lists;
    if (Date.now() > deadline)
      throw new Error(`only ${ready}/${expect} AcdClusters Ready ${power} after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** The operator's own memory figures from its /metrics (prom-client default metrics), in bytes. */
export async function operatorMemory(
  op: Operator,
): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number }> {
  const body = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
  const g = (name: string) => Number(new RegExp(`^acd_operator_${name} (\\S+)`, 'm').exec(body)?.[1] ?? NaN);
  return {
    rss: g('process_resident_memory_bytes'),
    heapUsed: g('nodejs_heap_size_used_bytes'),
    heapTotal: g('nodejs_heap_size_total_bytes'),
    external: g('nodejs_external_memory_bytes'),
  };
}

/** Events the operator has recorded so far (one POST each), from its acd_transition_events_total. */
export async function operatorEvents(op: Operator): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
  return [...body.matchAll(/^acd_transition_events_total(?:\{[^}]*\})? (\S+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}
