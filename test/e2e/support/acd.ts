// What a user does to an ACD on the test bed: apply its VirtualMachines (with the stand-in's timing
// annotations) and its AcdCluster, create a namespace, flip powerState, wait for Ready; with the real
// kubectl, except for the reads that tests poll (client-node, see getAcd). The manifests themselves are
// built in test/support/manifests.ts.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { AcdClusterStatus } from '../../../src/api/status.js';
import { asList } from '../../support/manifests.js';
import { kubeConfig, kubectl } from './env.js';

export { acdManifest, vmManifest, type VmOptions } from '../../support/manifests.js';

export async function apply(objects: Record<string, unknown>[]): Promise<void> {
  await kubectl(['apply', '-f', '-'], asList(objects));
}

export async function createNamespace(name: string): Promise<void> {
  await kubectl(['create', 'namespace', name]);
}

export interface AcdObject {
  metadata: { generation: number };
  spec: Record<string, unknown>;
  status?: AcdClusterStatus;
}

const ACD = { group: 'acd.power.dev', version: 'v1alpha1', plural: 'acdclusters' } as const;

/**
 * The AcdCluster as the API server has it. Read with client-node, not kubectl: tests poll it
 * (1,529 reads in one e2e run), and a kubectl process cost 94 ms of CPU per read on this 2-core
 * machine (77 ms its own, 17 ms the API server's) against about 20 ms in process. A client per
 * call, as the kubeconfig may change (an own test bed) and the API server may restart (chaos).
 */
export async function getAcd(namespace: string, name: string): Promise<AcdObject> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  return (await api.getNamespacedCustomObject({ ...ACD, namespace, name })) as AcdObject;
}

/** A VirtualMachine as tests read it. */
export interface VmObject {
  metadata: { name: string };
  spec: { runStrategy?: string };
  status?: { printableStatus?: string; ready?: boolean };
}

/** The namespace's VirtualMachines, read in process for the same reason as getAcd. */
export async function listVms(namespace: string): Promise<VmObject[]> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  const q = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', namespace };
  return ((await api.listNamespacedCustomObject(q)) as { items: VmObject[] }).items;
}

/** A merge patch of the AcdCluster's spec, as `kubectl patch --type merge` sends it. */
export async function patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kubectl(['patch', 'acdcluster', name, '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec })]);
}

export async function setPower(namespace: string, name: string, powerState: 'On' | 'Off'): Promise<void> {
  await patchSpec(namespace, name, { powerState });
}

/** The messages of the namespace's Events with `reason`, as kubectl lists them. */
export async function eventMessages(namespace: string, reason: string): Promise<string[]> {
  const out = await kubectl([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `reason=${reason}`,
    '-o',
    'jsonpath={range .items[*]}{.message}{"\\n"}{end}',
  ]);
  return out.split('\n').filter(Boolean);
}

/**
 * Ready at the generation the ACD has now, waited for as the README tells users to: `kubectl wait`
 * for the operator to observe the generation, then for condition Ready (a bare wait for Ready can
 * race the operator's first reconcile). kubectl waits on a watch: two processes, about 0.2 s of CPU
 * per wait, where polling every 150 ms for a minute costs about 12 s (400 reads at about 30 ms, the
 * API server's share included). A wait that times out says what the ACD last showed.
 */
export async function waitReady(namespace: string, name: string, timeoutSeconds = 60): Promise<void> {
  const gen = (await getAcd(namespace, name)).metadata.generation;
  const wait = (what: string) =>
    kubectl(['wait', `acd/${name}`, '-n', namespace, `--for=${what}`, `--timeout=${timeoutSeconds}s`]);
  try {
    await wait(`jsonpath={.status.observedGeneration}=${gen}`);
    await wait('condition=Ready');
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${await lastSeen(namespace, name)}`, { cause: e });
  }
}

/** "observedGeneration 3 of 4, Ready False (Stopping: stage 2/9 ...)", for a wait's error. */
async function lastSeen(namespace: string, name: string): Promise<string> {
  try {
    const { metadata, status } = await getAcd(namespace, name);
    const ready = status?.conditions?.find((c) => c.type === 'Ready');
    const seen = `observedGeneration ${status?.observedGeneration ?? 'none'} of ${metadata.generation}`;
    return `${seen}, Ready ${ready ? `${ready.status} (${ready.reason}: ${ready.message})` : 'absent'}`;
  } catch (e) {
    return `not readable (${(e as Error).message})`;
  }
}

/**
 * The index of the stage the operator has in progress, -1 when none (no transition, or between
 * stages). Polled through kubectl, 18 busy namespaces at once missed the short last stages of a
 * transition on a loaded machine.
 */
export async function stageInProgress(namespace: string, name: string): Promise<number> {
  const t = (await statusOf(namespace, name))?.transition;
  return t?.stages.findIndex((s) => s.state === 'InProgress') ?? -1;
}

const statusOf = async (namespace: string, name: string) => (await getAcd(namespace, name)).status;

/**
 * How far the transition towards `direction` got: the index of its stage in progress, or, once
 * it has finished, the number of its stages (past the last); -1 before it began.
 */
export async function stageReached(namespace: string, name: string, direction: 'On' | 'Off'): Promise<number> {
  const t = (await statusOf(namespace, name))?.transition;
  if (!t || t.direction !== direction) return -1;
  if (t.finishedAt) return t.stages.length;
  return t.stages.findIndex((s) => s.state === 'InProgress');
}
