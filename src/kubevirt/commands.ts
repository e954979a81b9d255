// Start and stop, the two disruptive things the operator ever does. Manual / RerunOnFailure VMs get
// KubeVirt's start/stop subresources, which leave spec untouched. Other VMs are stopped by a merge
// patch of spec.runStrategy to Halted under our field manager, and started by Always (recovery
// KubeVirt) or, under recovery Ordered, by a patch to Manual and the start subresource
// (see commandsVia in src/decision/vm-state.ts). A force stop is stop with gracePeriod 0.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { FIELD_MANAGER, MOVED_TO_MANUAL_ANNOTATION } from '../api/names.js';
import { rawRequest } from '../kube/raw.js';
import type { Action } from '../api/domain.js';
import type { PlannedCommand } from '../decision/types.js';
import { VM_GROUP, VM_PLURAL, VM_VERSION } from './vm.js';

export type { Action };

export interface VmCommander {
  /** Issues the command; resolves with the VM's resourceVersion after it, when the API says. */
  command(namespace: string, cmd: PlannedCommand): Promise<string | undefined>;
}

export class KubevirtCommander implements VmCommander {
  private readonly custom: CustomObjectsApi;
  constructor(private readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async command(namespace: string, cmd: PlannedCommand): Promise<string | undefined> {
    const { vm, action, via } = cmd;
    if (cmd.toManual) {
      // Recovery Ordered: Manual first, so that neither this command nor an outage ever leaves the
      // VM on a strategy KubeVirt acts on by itself. Moving a strategy to Manual neither starts nor
      // stops anything (virt-controller's Manual case acts on requests only), and `running: null`
      // drops a legacy field, which KubeVirt refuses beside runStrategy.
      // The annotation tells our own later stop to set Halted again (commandsVia).
      const spec = vm.legacyRunning ? { running: null, runStrategy: 'Manual' } : { runStrategy: 'Manual' };
      await this.patch(namespace, vm.name, {
        spec,
        metadata: { annotations: { [MOVED_TO_MANUAL_ANNOTATION]: 'true' } },
      });
    }
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
    // A VM we had moved to Manual is back on a declared strategy: the mark goes with it.
    const moved = vm.annotations[MOVED_TO_MANUAL_ANNOTATION] !== undefined;
    return this.patch(
      namespace,
      vm.name,
      moved ? { spec, metadata: { annotations: { [MOVED_TO_MANUAL_ANNOTATION]: null } } } : { spec },
    );
  }

  /** A merge patch of the VM under our field manager; resolves with the new resourceVersion. */
  private async patch(namespace: string, name: string, body: Record<string, unknown>): Promise<string | undefined> {
    const after: unknown = await this.custom.patchNamespacedCustomObject(
      {
        group: VM_GROUP,
        version: VM_VERSION,
        namespace,
        plural: VM_PLURAL,
        name,
        body,
        fieldManager: FIELD_MANAGER,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return (after as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  }
}
