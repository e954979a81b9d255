// What a user does to an ACD on the test bed: apply its VirtualMachines (with the stand-in's timing
// annotations) and its AcdCluster, create a namespace, flip powerState, wait for Ready; with the real
// kubectl. The manifests themselves are built in test/support/manifests.ts.
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

export async function getAcd(
  namespace: string,
  name: string,
): Promise<{ metadata: { generation: number }; spec: Record<string, unknown>; status?: AcdClusterStatus }> {
  return JSON.parse(await kubectl(['get', 'acd', name, '-n', namespace, '-o', 'json']));
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

/** `kubectl wait --for=condition=Ready` after the operator has seen the new generation. */
export async function waitReady(namespace: string, name: string, timeoutSeconds = 60): Promise<void> {
  const gen = (await getAcd(namespace, name)).metadata.generation;
  await kubectl([
    'wait',
    `acd/${name}`,
    '-n',
    namespace,
    `--for=jsonpath={.status.observedGeneration}=${gen}`,
    `--timeout=${timeoutSeconds}s`,
  ]);
  await kubectl(['wait', `acd/${name}`, '-n', namespace, '--for=condition=Ready', `--timeout=${timeoutSeconds}s`]);
}

/**
 * The index of the stage the operator has in progress, -1 when none (no transition, or between
 * stages). Read with client-node, a GET in a few ms: polled through kubectl, 18 busy namespaces at
 * once missed the short last stages of a transition on a loaded machine. A client per call, as the
 * kubeconfig may change (an own test bed) and the API server may restart (chaos).
 */
export async function stageInProgress(namespace: string, name: string): Promise<number> {
  const t = (await statusOf(namespace, name))?.transition;
  return t?.stages.findIndex((s) => s.state === 'InProgress') ?? -1;
}

/** The AcdCluster's status through client-node (a GET in a few ms), with a client per call. */
async function statusOf(namespace: string, name: string): Promise<AcdClusterStatus | undefined> {
  const acd = (await kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'acd.power.dev',
    version: 'v1alpha1',
    plural: 'acdclusters',
    namespace,
    name,
  })) as { status?: AcdClusterStatus };
  return acd.status;
}

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
