// Builds what a user would apply: a namespace, the ACD's VirtualMachines (with the stand-in's
// timing annotations) and an AcdCluster; applied with the real kubectl.
import type { Machine } from '../../../src/plan/index.js';
import { kubectl } from './env.js';
import type { AcdClusterStatus } from '../../../src/api/status.js';

export interface VmOptions {
  runStrategy?: string;
  annotations?: Record<string, string>;
  running?: boolean;
}

export function vmManifest(namespace: string, name: string, o: VmOptions = {}): Record<string, unknown> {
  const spec: Record<string, unknown> =
    o.running !== undefined ? { running: o.running } : { runStrategy: o.runStrategy ?? 'Halted' };
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace, labels: { app: 'acd' }, annotations: o.annotations ?? {} },
    spec: {
      ...spec,
      template: {
        metadata: { labels: { 'kubevirt.io/vm': name } },
        spec: {
          domain: { devices: {}, resources: { requests: { memory: '64Mi' } } },
          terminationGracePeriodSeconds: 180,
        },
      },
    },
  };
}

export function acdManifest(
  namespace: string,
  name: string,
  machines: Machine[],
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'acd.power.dev/v1alpha1',
    kind: 'AcdCluster',
    metadata: { name, namespace },
    spec: { powerState: 'On', machines, ...spec },
  };
}

export async function apply(objects: Record<string, unknown>[]): Promise<void> {
  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
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

export async function setPower(namespace: string, name: string, powerState: 'On' | 'Off'): Promise<void> {
  await kubectl([
    'patch',
    'acdcluster',
    name,
    '-n',
    namespace,
    '--type',
    'merge',
    '-p',
    JSON.stringify({ spec: { powerState } }),
  ]);
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
