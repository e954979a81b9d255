// What a user would apply for one ACD: its VirtualMachines and its AcdCluster, as plain objects,
// and a List to hand several of them to `kubectl apply -f -` at once.
import type { Machine } from '../../src/plan/index.js';

export interface VmOptions {
  runStrategy?: string;
  annotations?: Record<string, string>;
  running?: boolean;
}

/** A VM real KubeVirt's webhooks accept: a memory request, as admission requires of every VMI it creates. */
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

/** Objects as one v1 List, the stdin of `kubectl apply -f -`. */
export const asList = (items: Record<string, unknown>[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
