// What the operator caches of VMs and VMIs: exactly what it reads, so that parseVm sees the same VM
// through the cache view as through the whole object.
import { describe, expect, test } from '@jest/globals';
import { parseVm, vmCacheView, vmiCacheView } from '../../../src/kubevirt/vm.js';

const vm = {
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: {
    name: 'acd-lb1',
    namespace: 'acd',
    uid: 'u1',
    generation: 3,
    resourceVersion: '42',
    annotations: { 'acd.power.dev/active': 'true' },
    labels: { app: 'acd' },
    managedFields: [{ manager: 'x' }],
  },
  spec: {
    runStrategy: 'Manual',
    template: { spec: { domain: { devices: { disks: new Array(20).fill({ name: 'd' }) } } } },
  },
  status: {
    printableStatus: 'Stopping',
    ready: false,
    created: true,
    stateChangeRequests: [{ action: 'Stop', uid: 'v1' }],
    conditions: new Array(10).fill({ type: 'X', status: 'True' }),
    volumeSnapshotStatuses: [{ name: 'd' }],
  },
};

describe('cache views', () => {
  test('a VM keeps what parseVm and the change filter read, and none of its template', () => {
    const kept = vmCacheView(vm);
    expect(parseVm(kept)).toEqual(parseVm(vm));
    expect(kept).toEqual({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: {
        name: 'acd-lb1',
        namespace: 'acd',
        uid: 'u1',
        generation: 3,
        resourceVersion: '42',
        annotations: { 'acd.power.dev/active': 'true' },
      },
      spec: { runStrategy: 'Manual' },
      status: {
        printableStatus: 'Stopping',
        ready: false,
        created: true,
        stateChangeRequests: [{ action: 'Stop', uid: 'v1' }],
      },
    });
    expect(JSON.stringify(kept).length).toBeLessThan(JSON.stringify(vm).length / 2);
  });

  test('a VMI keeps its addresses, its phase and of its conditions only AgentConnected', () => {
    const vmi = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name: 'acd-lb1', namespace: 'acd', resourceVersion: '7' },
      spec: { domain: {} },
      status: {
        phase: 'Running',
        interfaces: [{ name: 'default', ipAddress: '10.0.0.5' }],
        conditions: [
          { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2030-01-01T00:00:00Z' },
          { type: 'AgentConnected', status: 'True', lastProbeTime: '2030-01-01T00:00:09Z', lastTransitionTime: null },
        ],
      },
    };
    expect(vmiCacheView(vmi)).toEqual({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name: 'acd-lb1', namespace: 'acd', resourceVersion: '7' },
      status: {
        phase: 'Running',
        interfaces: [{ name: 'default', ipAddress: '10.0.0.5' }],
        conditions: [{ type: 'AgentConnected', status: 'True' }],
      },
    });
    expect(parseVm(vm, vmiCacheView(vmi))?.agentConnected).toBe(true);
    expect(parseVm(vm, vmi)?.agentConnected).toBe(true);
  });

  test('an agent counts only on a running VMI that is not being deleted', () => {
    const agent = [{ type: 'AgentConnected', status: 'True' }];
    const vmi = (status: object, metadata: object = {}) => ({ metadata: { name: 'acd-lb1', ...metadata }, status });
    expect(parseVm(vm, vmi({ phase: 'Running', conditions: [] }))?.agentConnected).toBe(false);
    expect(parseVm(vm, vmi({ phase: 'Succeeded', conditions: agent }))?.agentConnected).toBe(false);
    const deleting = vmi({ phase: 'Running', conditions: agent }, { deletionTimestamp: '2030-01-01T00:00:00Z' });
    expect(parseVm(vm, deleting)?.agentConnected).toBe(false);
    expect(parseVm(vm, vmi({ phase: 'Running', conditions: 'garbage' }))?.agentConnected).toBe(false);
    expect(parseVm(vm)?.agentConnected).toBeUndefined();
  });

  test('garbage passes through without a throw', () => {
    expect(() => vmCacheView({ metadata: 'x', spec: 5 })).not.toThrow();
    expect(parseVm(vmCacheView({ metadata: 'x' }))).toBeUndefined();
  });
});
