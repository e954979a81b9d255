// Thin typed access to VirtualMachines and VirtualMachineInstances through client-node's
// CustomObjectsApi. Every patch names its content type: client-node 2.x would otherwise send
// application/json-patch+json for any body.
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION, VM_PLURAL, VMI_PLURAL, type VirtualMachine, type VirtualMachineInstance } from './types.js';

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export type JsonPatchOp = { op: 'test' | 'replace' | 'add' | 'remove'; path: string; value?: unknown };

/** HTTP status of a failed API call (client-node's ApiException carries it as `code`). */
export function httpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export class KubevirtClient {
  readonly api: CustomObjectsApi;
  constructor(readonly kc: KubeConfig) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private async getOrNull<T>(plural: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name })) as T;
    } catch (e) {
      if (httpCode(e) === 404) return undefined;
      throw e;
    }
  }

  getVm = (ns: string, name: string) => this.getOrNull<VirtualMachine>(VM_PLURAL, ns, name);
  getVmi = (ns: string, name: string) => this.getOrNull<VirtualMachineInstance>(VMI_PLURAL, ns, name);

  async listVms(): Promise<VirtualMachine[]> {
    const list = (await this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: VM_PLURAL })) as { items: VirtualMachine[] };
    return list.items;
  }

  async listVmis(): Promise<VirtualMachineInstance[]> {
    const list = (await this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: VMI_PLURAL })) as { items: VirtualMachineInstance[] };
    return list.items;
  }

  createVmi(vmi: VirtualMachineInstance): Promise<VirtualMachineInstance> {
    return this.api.createNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: VMI_PLURAL, namespace: vmi.metadata.namespace, body: vmi,
    }) as Promise<VirtualMachineInstance>;
  }

  async deleteVmi(ns: string, name: string, uid: string): Promise<void> {
    try {
      await this.api.deleteNamespacedCustomObject({
        group: GROUP, version: VERSION, plural: VMI_PLURAL, namespace: ns, name,
        body: { preconditions: { uid } },
      });
    } catch (e) {
      if (httpCode(e) !== 404 && httpCode(e) !== 409) throw e;
    }
  }

  patchVm(ns: string, name: string, ops: JsonPatchOp[], dryRun?: boolean): Promise<VirtualMachine> {
    return this.api.patchNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: VM_PLURAL, namespace: ns, name, body: ops, ...(dryRun ? { dryRun: 'All' } : {}),
    }, jsonPatch) as Promise<VirtualMachine>;
  }

  /** Merge patch on the VM status subresource. Carry metadata.resourceVersion in `body` to make it conditional. */
  patchVmStatus(ns: string, name: string, body: object, dryRun?: boolean): Promise<VirtualMachine> {
    return this.api.patchNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, plural: VM_PLURAL, namespace: ns, name, body, ...(dryRun ? { dryRun: 'All' } : {}),
    }, mergePatch) as Promise<VirtualMachine>;
  }

  /** JSON patch on the VM status subresource (virt-api's way of queueing state-change requests). */
  patchVmStatusJson(ns: string, name: string, ops: JsonPatchOp[], dryRun?: boolean): Promise<VirtualMachine> {
    return this.api.patchNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, plural: VM_PLURAL, namespace: ns, name, body: ops, ...(dryRun ? { dryRun: 'All' } : {}),
    }, jsonPatch) as Promise<VirtualMachine>;
  }

  patchVmi(ns: string, name: string, ops: JsonPatchOp[], dryRun?: boolean): Promise<VirtualMachineInstance> {
    return this.api.patchNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: VMI_PLURAL, namespace: ns, name, body: ops, ...(dryRun ? { dryRun: 'All' } : {}),
    }, jsonPatch) as Promise<VirtualMachineInstance>;
  }

  patchVmiStatus(ns: string, name: string, body: object): Promise<VirtualMachineInstance> {
    return this.api.patchNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, plural: VMI_PLURAL, namespace: ns, name, body,
    }, mergePatch) as Promise<VirtualMachineInstance>;
  }
}
