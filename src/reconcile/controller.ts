// Wires the informers to the work queue: an AcdCluster change enqueues it; a VM or VMI change
// enqueues every AcdCluster in its namespace that lists that VM.
import { CustomObjectsApi, type KubeConfig, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/names.js';
import { ResilientInformer } from '../kube/informer.js';
import { WorkQueue } from '../kube/queue.js';
import { VM_GROUP, VM_PLURAL, VM_VERSION, VMI_PLURAL } from '../kubevirt/vm.js';
import type { Logger } from '../log.js';
import type { Reconciler } from './reconciler.js';

export interface ControllerOptions {
  kc: KubeConfig;
  namespace?: string; // undefined = all namespaces
  log: Logger;
  resyncMs?: number;
  concurrency?: number;
}

type Obj = KubernetesObject & { spec?: { machines?: { vm?: unknown }[] } };
const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

export class Controller {
  readonly queue: WorkQueue;
  readonly clusters: ResilientInformer<Obj>;
  readonly vms: ResilientInformer<KubernetesObject>;
  readonly vmis: ResilientInformer<KubernetesObject>;

  constructor(private readonly o: ControllerOptions, reconciler: Reconciler) {
    this.queue = new WorkQueue((key) => reconciler.reconcile(key), {
      concurrency: o.concurrency ?? 4,
      onError: (key, err, ms) => o.log.warn({ cluster: key, err: String(err), retryInMs: ms }, 'reconcile failed; retrying'),
    });
    const custom = o.kc.makeApiClient(CustomObjectsApi);
    const ns = o.namespace;
    const path = (group: string, version: string, plural: string) => `/apis/${group}/${version}${ns ? `/namespaces/${ns}` : ''}/${plural}`;
    const lister = (group: string, version: string, plural: string) => async () =>
      (ns
        ? await custom.listNamespacedCustomObject({ group, version, namespace: ns, plural })
        : await custom.listClusterCustomObject({ group, version, plural })) as KubernetesListObject<Obj>;
    const onError = (name: string) => (err: unknown, ms: number) => o.log.warn({ informer: name, err: String(err), retryInMs: ms }, 'watch failed; restarting');
    const resyncMs = o.resyncMs ?? 60_000;

    this.clusters = new ResilientInformer<Obj>(o.kc, {
      name: 'acdclusters', path: path(GROUP, VERSION, PLURAL), list: lister(GROUP, VERSION, PLURAL),
      onChange: (obj) => this.queue.add(keyOf(obj)),
      onResync: (all) => all.forEach((c) => this.queue.add(keyOf(c))),
      onError: onError('acdclusters'), resyncMs,
    });
    const vmChanged = (obj: KubernetesObject) => this.enqueueOwnersOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    this.vms = new ResilientInformer(o.kc, {
      name: 'virtualmachines', path: path(VM_GROUP, VM_VERSION, VM_PLURAL), list: lister(VM_GROUP, VM_VERSION, VM_PLURAL),
      onChange: vmChanged, onError: onError('virtualmachines'),
    });
    // A VMI is named after its VM, so the same lookup finds the clusters it matters to.
    this.vmis = new ResilientInformer(o.kc, {
      name: 'virtualmachineinstances', path: path(VM_GROUP, VM_VERSION, VMI_PLURAL), list: lister(VM_GROUP, VM_VERSION, VMI_PLURAL),
      onChange: vmChanged, onError: onError('virtualmachineinstances'),
    });
  }

  enqueueOwnersOf(namespace: string, vm: string): void {
    for (const c of this.clusters.list(namespace)) {
      if (c.spec?.machines?.some((m) => m?.vm === vm)) this.queue.add(keyOf(c));
    }
  }

  async start(): Promise<void> {
    // VMs first, so the first reconcile of each cluster already sees them.
    await Promise.all([this.vms.start(), this.vmis.start()]);
    await this.clusters.start();
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await Promise.all([this.clusters.stop(), this.vms.stop(), this.vmis.stop()]);
  }
}
