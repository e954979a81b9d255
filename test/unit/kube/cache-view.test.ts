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

  test('a VMI keeps its addresses', () => {
    const vmi = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name: 'acd-lb1', namespace: 'acd', resourceVersion: '7' },
      spec: { domain: {} },
      status: { phase: 'Running', interfaces: [{ name: 'default', ipAddress: '10.0.0.5' }], conditions: [] },
    };
    expect(vmiCacheView(vmi)).toEqual({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name: 'acd-lb1', namespace: 'acd', resourceVersion: '7' },
      status: { interfaces: [{ name: 'default', ipAddress: '10.0.0.5' }] },
    });
  });

  test('garbage passes through without a throw', () => {
    expect(() => vmCacheView({ metadata: 'x', spec: 5 })).not.toThrow();
    expect(parseVm(vmCacheView({ metadata: 'x' }))).toBeUndefined();
  });
});
