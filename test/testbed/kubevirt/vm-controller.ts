// The virt-controller half of the stand-in: for each VirtualMachine it creates or deletes the VMI
// as the run strategy and the queued state-change requests say (KubeVirt's syncRunStrategy), then
// writes the VM status through the status subresource.
import { DEFAULT_GRACE_SECONDS } from './annotations.js';
import type { KubevirtClient } from './kube.js';
import type { Record } from './timeline.js';
import { isFinal, runStrategyOf, type RunStrategy, type StateChangeRequest, type VirtualMachine, type VirtualMachineInstance, type VmStatus } from './types.js';
import { VMI_FINALIZER, type VmiHandler } from './vmi-handler.js';
import { firstRequestDone, nextStartFailure, printableStatus, vmConditions } from './vm-status.js';

export interface VmControllerOptions {
  speed: number;
  record: Record;
  requeue: (key: string, ms: number) => void;
}

export const controllerOwner = (vmi: VirtualMachineInstance) =>
  vmi.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'VirtualMachine');

export class VmController {
  constructor(private readonly kv: KubevirtClient, private readonly handler: VmiHandler, private readonly opts: VmControllerOptions) {}

  async sync(key: string, vm: VirtualMachine, vmi: VirtualMachineInstance | undefined): Promise<void> {
    const { namespace: ns, name } = vm.metadata;
    let strategy: RunStrategy;
    try {
      strategy = runStrategyOf(vm);
    } catch (e) {
      await this.writeFailure(vm, (e as Error).message);
      return;
    }
    // A VMI left from an earlier VM of the same name: remove it (no garbage collector runs here).
    const owner = vmi && controllerOwner(vmi);
    if (vmi && owner && owner.uid !== vm.metadata.uid) {
      if (!vmi.metadata.deletionTimestamp) await this.deleteVmi(key, vmi, 'owned by an older VM of this name');
      return;
    }

    const status = vm.status ?? {};
    const requests: StateChangeRequest[] = [...(status.stateChangeRequests ?? [])];
    const startFailure = nextStartFailure(status.startFailure, vmi, this.handler.failedEarly.get(key), strategy, this.opts.speed);
    const deleting = !!vmi?.metadata.deletionTimestamp;
    const stopRequested = !!vmi && requests[0]?.action === 'Stop' && requests[0].uid === vmi.metadata.uid;
    const startRequested = requests[0]?.action === 'Start';
    let acted = false;

    const stop = async (why: string) => {
      if (!vmi || deleting) return;
      await this.deleteVmi(key, vmi, why);
      acted = true;
    };
    const start = async (why: string) => {
      const wait = startFailure ? Date.parse(startFailure.retryAfterTimestamp) - Date.now() : 0;
      if (wait > 0) {
        this.opts.requeue(key, wait);
        return;
      }
      await this.createVmi(key, vm, why);
      acted = true;
    };

    switch (strategy) {
      case 'Always':
        if (vmi) {
          if (stopRequested) await stop('restart requested');
          else if (isFinal(vmi)) await stop(`VMI ${vmi.status?.phase}, Always restarts it`);
        } else await start('runStrategy Always');
        break;
      case 'RerunOnFailure':
        if (vmi) {
          const phase = vmi.status?.phase;
          if (!deleting && (stopRequested || phase === 'Failed' || phase === 'Succeeded')) {
            await stop(stopRequested ? 'stop requested' : `VMI ${phase}`);
            // A failure is rerun: queue a start (a guest shutdown is not).
            if (phase === 'Failed' && !stopRequested) requests.push({ action: 'Start' });
          }
        } else if (startRequested || status.runStrategy !== strategy) {
          await start(startRequested ? 'start requested' : 'runStrategy RerunOnFailure');
        }
        break;
      case 'Manual':
        if (vmi) {
          if (stopRequested) await stop('stop requested');
        } else if (startRequested) await start('start requested');
        break;
      case 'Halted':
        await stop('runStrategy Halted');
        break;
      case 'Once':
        if (!vmi) await start('runStrategy Once');
        break;
    }
    if (acted) vmi = await this.kv.getVmi(ns, name);
    if (firstRequestDone(requests, vmi)) requests.shift();

    const created = !!vmi && !isFinal(vmi);
    const next: VmStatus = {
      printableStatus: printableStatus(vm, vmi, strategy, startFailure),
      ready: created && vmi?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      created,
      runStrategy: strategy,
      conditions: vmConditions(status.conditions, vmi, new Date().toISOString()),
      ...(requests.length ? { stateChangeRequests: requests } : {}),
      ...(startFailure ? { startFailure } : {}),
      observedGeneration: vm.metadata.generation,
      desiredGeneration: vm.metadata.generation,
    };
    await this.writeStatus(vm, next);
  }

  private async writeStatus(vm: VirtualMachine, next: VmStatus): Promise<void> {
    const cur = vm.status ?? {};
    const pick = (s: VmStatus) => JSON.stringify([s.printableStatus, s.ready, s.created, s.runStrategy, s.conditions ?? [],
      s.stateChangeRequests ?? [], s.startFailure ?? null, s.observedGeneration, s.desiredGeneration]);
    if (pick(cur) === pick(next)) return;
    // resourceVersion makes the merge patch conditional: a state-change request queued meanwhile is
    // never overwritten (the queue retries on 409).
    await this.kv.patchVmStatus(vm.metadata.namespace, vm.metadata.name, {
      metadata: { resourceVersion: vm.metadata.resourceVersion },
      status: { ...next, stateChangeRequests: next.stateChangeRequests ?? null, startFailure: next.startFailure ?? null },
    });
    const key = `${vm.metadata.namespace}/${vm.metadata.name}`;
    if (cur.printableStatus !== next.printableStatus) this.opts.record(key, `vm:${next.printableStatus}`);
  }

  private async writeFailure(vm: VirtualMachine, message: string): Promise<void> {
    const others = (vm.status?.conditions ?? []).filter((c) => c.type !== 'Failure');
    if (vm.status?.conditions?.some((c) => c.type === 'Failure' && c.message === message)) return;
    await this.kv.patchVmStatus(vm.metadata.namespace, vm.metadata.name, {
      metadata: { resourceVersion: vm.metadata.resourceVersion },
      status: { conditions: [...others, { type: 'Failure', status: 'True', reason: 'FailedCreate', message, lastTransitionTime: new Date().toISOString() }] },
    });
  }

  private async createVmi(key: string, vm: VirtualMachine, why: string): Promise<void> {
    const tpl = vm.spec.template;
    const spec = structuredClone(tpl.spec);
    spec.terminationGracePeriodSeconds ??= DEFAULT_GRACE_SECONDS;
    const vmi: VirtualMachineInstance = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: {
        name: vm.metadata.name,
        namespace: vm.metadata.namespace,
        uid: '',
        labels: { ...tpl.metadata?.labels },
        annotations: { ...tpl.metadata?.annotations, 'kubevirt.io/vm-generation': String(vm.metadata.generation ?? 1) },
        ownerReferences: [{ apiVersion: vm.apiVersion, kind: 'VirtualMachine', name: vm.metadata.name, uid: vm.metadata.uid, controller: true, blockOwnerDeletion: true }],
        finalizers: [VMI_FINALIZER],
      },
      spec,
    };
    delete (vmi.metadata as Partial<VirtualMachineInstance['metadata']>).uid;
    const made = await this.kv.createVmi(vmi);
    this.handler.failedEarly.delete(key);
    this.opts.record(key, 'vmi:create', `${made.metadata.uid}: ${why}`);
  }

  async deleteVmi(key: string, vmi: VirtualMachineInstance, why: string): Promise<void> {
    await this.kv.deleteVmi(vmi.metadata.namespace, vmi.metadata.name, vmi.metadata.uid);
    this.opts.record(key, 'vmi:delete', `${vmi.metadata.uid}: ${why}`);
  }
}
