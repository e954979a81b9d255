// Start and stop, the two disruptive things the operator ever does. runStrategy VMs get a merge
// patch of that one field under our field manager; Manual / RerunOnFailure VMs get KubeVirt's
// start/stop subresources, which leave spec untouched. A force stop is stop with gracePeriod 0.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/names.js';
import { rawRequest } from '../kube/raw.js';
import type { Action } from '../api/domain.js';
import type { VmView } from '../decision/vm-state.js';
import { VM_GROUP, VM_PLURAL, VM_VERSION } from './vm.js';

export type { Action };

export interface VmCommander {
  /** Issues the command; resolves with the VM's resourceVersion after it, when the API says. */
  command(
    namespace: string,
    vm: VmView,
    action: Action,
    via: 'runStrategy' | 'subresource',
  ): Promise<string | undefined>;
}

export class KubevirtCommander implements VmCommander {
  private readonly custom: CustomObjectsApi;
  constructor(private readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async command(
    namespace: string,
    vm: VmView,
    action: Action,
    via: 'runStrategy' | 'subresource',
  ): Promise<string | undefined> {
    if (action === 'ForceStop' || via === 'subresource') {
      const verb = action === 'Start' ? 'start' : 'stop';
      const body = action === 'ForceStop' ? { gracePeriod: 0 } : {};
      await rawRequest(
        this.kc,
        'PUT',
        `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachines/${vm.name}/${verb}`,
        body,
      );
      return undefined;
    }
    const on = action === 'Start';
    // A VM written with the legacy spec.running keeps it: KubeVirt rejects a VM with both fields.
    const spec = vm.legacyRunning ? { running: on } : { runStrategy: on ? 'Always' : 'Halted' };
    const after: unknown = await this.custom.patchNamespacedCustomObject(
      {
        group: VM_GROUP,
        version: VM_VERSION,
        namespace,
        plural: VM_PLURAL,
        name: vm.name,
        body: { spec },
        fieldManager: FIELD_MANAGER,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return (after as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  }
}
