// Wires the informers to the work queue: an AcdCluster change enqueues it; a VM or VMI change
// enqueues every AcdCluster in its namespace that lists that VM.
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import { ownersOnly, POWER_STATE_PATH } from '../kube/managed-fields.js';
import { ACTIVE_ANNOTATION, GROUP, OVERRIDE_ANNOTATION, PLURAL, RESTART_ANNOTATION, VERSION } from '../api/names.js';
import type { AcdCluster } from '../api/types.js';
import { ResilientInformer } from '../kube/informer.js';
import { WorkQueue } from '../kube/queue.js';
import {
  agentConnectedOf,
  VM_GROUP,
  VM_PLURAL,
  VM_VERSION,
  VMI_PLURAL,
  vmCacheView,
  vmiCacheView,
} from '../kubevirt/vm.js';
import type { Logger } from '../log.js';
import type { Reconciler } from './reconciler.js';

export interface ControllerOptions {
  kc: KubeConfig;
  /** Namespaces to watch; undefined or empty = all namespaces (needs cluster-wide RBAC). */
  namespaces?: string[];
  log: Logger;
  resyncMs?: number;
  concurrency?: number;
  /** Deep-freeze the informers' objects, so that a mutation of the cache throws (the test suites). */
  freezeCache?: boolean;
  /** Called after every reconcile with its duration, and the error if it failed (for metrics). */
  onReconciled?: (key: string, seconds: number, err?: unknown) => void;
}

type Obj = KubernetesObject & { spec?: { machines?: { vm?: unknown }[] } };

/** The VM fields a reconcile reads (src/kubevirt/vm.ts): a change elsewhere is no news to us. */
function vmFingerprint(obj: KubernetesObject): string {
  const vm = obj as KubernetesObject & {
    spec?: { runStrategy?: unknown; running?: unknown };
    status?: { printableStatus?: unknown; ready?: unknown; created?: unknown; stateChangeRequests?: unknown };
  };
  return JSON.stringify([
    vm.spec?.runStrategy,
    vm.spec?.running,
    vm.status?.printableStatus,
    vm.status?.ready,
    vm.status?.created,
    vm.status?.stateChangeRequests,
    vm.metadata?.annotations?.[ACTIVE_ANNOTATION],
  ]);
}
const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
const ALL = '';

/** The three informers of one namespace (or of all namespaces, under the key ''). */
interface Watches {
  clusters: ResilientInformer<Obj>;
  vms: ResilientInformer<KubernetesObject>;
  vmis: ResilientInformer<KubernetesObject>;
}

export class Controller {
  readonly queue: WorkQueue;
  private readonly watches = new Map<string, Watches>();

  constructor(
    private readonly o: ControllerOptions,
    reconciler: Reconciler,
  ) {
    this.queue = new WorkQueue(
      async (key) => {
        const t0 = performance.now();
        const took = () => (performance.now() - t0) / 1000;
        try {
          const res = await reconciler.reconcile(key);
          o.onReconciled?.(key, took());
          return res;
        } catch (err) {
          o.onReconciled?.(key, took(), err);
          throw err;
        }
      },
      {
        concurrency: o.concurrency ?? 4,
        onError: (key, err, ms) =>
          o.log.warn({ cluster: key, err: String(err), retryInMs: ms }, 'reconcile failed; retrying'),
      },
    );
    const namespaces = o.namespaces?.length ? o.namespaces : [ALL];
    for (const ns of namespaces) this.watches.set(ns, this.watchesFor(ns));
  }

  private watchesFor(ns: string): Watches {
    const o = this.o;
    const custom = o.kc.makeApiClient(CustomObjectsApi);
    const path = (group: string, version: string, plural: string) =>
      `/apis/${group}/${version}${ns ? `/namespaces/${ns}` : ''}/${plural}`;
    const lister = (group: string, version: string, plural: string) => async () =>
      (ns
        ? await custom.listNamespacedCustomObject({ group, version, namespace: ns, plural })
        : await custom.listClusterCustomObject({ group, version, plural })) as KubernetesListObject<Obj>;
    const onError = (name: string) => (err: unknown, ms: number) =>
      o.log.warn({ informer: name, namespace: ns || '*', err: String(err), retryInMs: ms }, 'watch failed; restarting');
    const resyncMs = o.resyncMs ?? 60_000;
    const freeze = o.freezeCache ?? false;
    const vmChanged = (obj: KubernetesObject, type: 'add' | 'update' | 'delete') => {
      if (type === 'update' && !this.changed(`vm:${keyOf(obj)}`, vmFingerprint(obj))) return;
      if (type === 'delete') this.seen.delete(`vm:${keyOf(obj)}`);
      this.enqueueOwnersOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    };
    // The VM's status mirrors every VMI change a stage waits for but one: the guest agent's
    // connection (spec.readiness GuestAgent). Only that change of a VMI wakes its VM's clusters.
    const vmiChanged = (obj: KubernetesObject, type: 'add' | 'update' | 'delete') => {
      const key = `vmi:${keyOf(obj)}`;
      if (type === 'delete') return void this.seen.delete(key);
      if (this.changed(key, String(agentConnectedOf(obj))))
        this.enqueueOwnersOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    };
    const clusterChanged = (obj: Obj, type: 'add' | 'update' | 'delete') => {
      // Our own status writes come back as updates; only a new generation (a spec change) or a new
      // override or restart annotation (metadata, so no new generation) is news.
      const a = obj.metadata?.annotations ?? {};
      const fingerprint = [obj.metadata?.generation, a[OVERRIDE_ANNOTATION], a[RESTART_ANNOTATION]].join('|');
      if (type === 'update' && !this.changed(`acd:${keyOf(obj)}`, fingerprint)) return;
      if (type === 'delete') this.seen.delete(`acd:${keyOf(obj)}`);
      this.queue.add(keyOf(obj));
    };
    return {
      clusters: new ResilientInformer<Obj>(o.kc, {
        name: 'acdclusters',
        path: path(GROUP, VERSION, PLURAL),
        list: lister(GROUP, VERSION, PLURAL),
        onChange: clusterChanged,
        onResync: (all) => all.forEach((c) => this.queue.add(keyOf(c))),
        onError: onError('acdclusters'),
        resyncMs,
        freeze,
        // Who last wrote spec.powerState, for status.history; the rest of managedFields is dropped.
        keepManaged: (entries) => ownersOnly(entries, POWER_STATE_PATH),
      }),
      vms: new ResilientInformer(o.kc, {
        name: 'virtualmachines',
        path: path(VM_GROUP, VM_VERSION, VM_PLURAL),
        list: lister(VM_GROUP, VM_VERSION, VM_PLURAL),
        onChange: vmChanged,
        onError: onError('virtualmachines'),
        freeze,
        keep: vmCacheView,
      }),
      // VMIs are read for their IPs (the health checks) and their guest agent (spec.readiness).
      vmis: new ResilientInformer(o.kc, {
        name: 'virtualmachineinstances',
        path: path(VM_GROUP, VM_VERSION, VMI_PLURAL),
        list: lister(VM_GROUP, VM_VERSION, VMI_PLURAL),
        onChange: vmiChanged,
        onError: onError('virtualmachineinstances'),
        freeze,
        keep: vmiCacheView,
      }),
    };
  }

  /** Last fingerprint per object, so an update that changes nothing we read wakes nobody. */
  private readonly seen = new Map<string, string>();
  private changed(key: string, fingerprint: string): boolean {
    if (this.seen.get(key) === fingerprint) return false;
    this.seen.set(key, fingerprint);
    return true;
  }

  private of(namespace: string): Watches | undefined {
    return this.watches.get(namespace) ?? this.watches.get(ALL);
  }

  get hasSynced(): boolean {
    return [...this.watches.values()].every((w) => w.clusters.hasSynced && w.vms.hasSynced);
  }

  getVm(namespace: string, name: string): KubernetesObject | undefined {
    return this.of(namespace)?.vms.get(name, namespace);
  }

  getCluster(namespace: string, name: string): KubernetesObject | undefined {
    return this.of(namespace)?.clusters.get(name, namespace);
  }

  getVmi(namespace: string, name: string): KubernetesObject | undefined {
    return this.of(namespace)?.vmis.get(name, namespace);
  }

  /** Clusters created earlier (then by name) that list one of `vms`: the first claim wins. */
  claimedElsewhere(obj: AcdCluster, vms: string[]): Array<{ vm: string; cluster: string }> {
    const ns = obj.metadata.namespace;
    const mine = [String(obj.metadata.creationTimestamp ?? ''), obj.metadata.name];
    const before = (o: Obj) => {
      const theirs = [String(o.metadata?.creationTimestamp ?? ''), o.metadata?.name ?? ''];
      return theirs[0]! < mine[0]! || (theirs[0] === mine[0] && theirs[1]! < mine[1]!);
    };
    return (this.of(ns)?.clusters.list(ns) ?? [])
      .filter((o) => o.metadata?.name !== obj.metadata.name && before(o))
      .flatMap((o) =>
        (o.spec?.machines ?? [])
          .filter((m) => typeof m?.vm === 'string' && vms.includes(m.vm))
          .map((m) => ({ vm: m.vm as string, cluster: o.metadata!.name! })),
      );
  }

  enqueueOwnersOf(namespace: string, vm: string): void {
    for (const c of this.of(namespace)?.clusters.list(namespace) ?? []) {
      if (c.spec?.machines?.some((m) => m?.vm === vm)) this.queue.add(keyOf(c));
    }
  }

  async start(): Promise<void> {
    const all = [...this.watches.values()];
    // VMs first, so the first reconcile of each cluster already sees them.
    await Promise.all(all.flatMap((w) => [w.vms.start(), w.vmis.start()]));
    await Promise.all(all.map((w) => w.clusters.start()));
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await Promise.all([...this.watches.values()].flatMap((w) => [w.clusters.stop(), w.vms.stop(), w.vmis.stop()]));
  }
}
