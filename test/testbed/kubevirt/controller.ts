// Wires the stand-in's two halves to the API server: informers on VMs and VMIs feed one keyed work
// queue; each pass reads the VM and VMI fresh (a GET, not the informer cache, so that a pass never
// acts on what it has itself just changed), lets the VMI side move the instance on, then the VM side.
import { makeInformer, type Informer, type KubernetesObject } from '@kubernetes/client-node';
import type { KubevirtClient } from './kube.js';
import type { Record } from './timeline.js';
import { GROUP, VERSION, VM_PLURAL, VMI_PLURAL } from './types.js';
import { VmiHandler } from './vmi-handler.js';
import { controllerOwner, VmController } from './vm-controller.js';
import { KeyQueue } from './queue.js';

export interface ControllerOptions { speed: number; record: Record; log: (m: string) => void; resyncMs?: number }

export class LifecycleController {
  readonly handler: VmiHandler;
  private readonly vms: VmController;
  private readonly queue: KeyQueue;
  private readonly informers: Informer<KubernetesObject>[] = [];
  private resync?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly kv: KubevirtClient, private readonly opts: ControllerOptions) {
    this.queue = new KeyQueue((k) => this.reconcile(k), (k, e) => opts.log(`reconcile ${k}: ${(e as Error).message ?? e}`));
    const requeue = (key: string, ms: number) => this.queue.addAfter(key, ms);
    this.handler = new VmiHandler(kv, { speed: opts.speed, record: opts.record, requeue });
    this.vms = new VmController(kv, this.handler, { speed: opts.speed, record: opts.record, requeue });
  }

  enqueue(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  async start(): Promise<void> {
    for (const plural of [VM_PLURAL, VMI_PLURAL]) {
      const informer = makeInformer<KubernetesObject>(this.kv.kc, `/apis/${GROUP}/${VERSION}/${plural}`,
        () => this.kv.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural }));
      const onObject = (o: KubernetesObject) => this.enqueue(o.metadata!.namespace!, o.metadata!.name!);
      informer.on('add', onObject);
      informer.on('update', onObject);
      informer.on('delete', onObject);
      // An informer stops on a watch error; start it again, as client-go's reflector would.
      informer.on('error', (err) => {
        if (this.stopped) return;
        this.opts.log(`${plural} informer: ${String((err as Error)?.message ?? err).split('\n')[0]}; restarting`);
        setTimeout(() => void informer.start().catch(() => {}), 500);
      });
      await informer.start();
      this.informers.push(informer as Informer<KubernetesObject>);
    }
    // A periodic pass over everything known, so that nothing waits forever on a missed event.
    this.resync = setInterval(() => {
      for (const inf of this.informers) {
        for (const o of (inf as unknown as { list(): KubernetesObject[] }).list()) this.enqueue(o.metadata!.namespace!, o.metadata!.name!);
      }
    }, this.opts.resyncMs ?? 10_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resync) clearInterval(this.resync);
    this.queue.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private async reconcile(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const vm = await this.kv.getVm(ns, name);
    let vmi = await this.kv.getVmi(ns, name);
    if (vmi) vmi = await this.handler.sync(key, vmi, vm);
    if (vm) return this.vms.sync(key, vm, vmi);
    // The VM is gone: its VMI goes too (the garbage collector would do it on a real cluster).
    if (vmi && controllerOwner(vmi) && !vmi.metadata.deletionTimestamp) await this.vms.deleteVmi(key, vmi, 'VM deleted');
  }
}
