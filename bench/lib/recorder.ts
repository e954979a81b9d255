// Records every VirtualMachine change in the cluster from one watch (what `kubectl get vm -A -w`
// sees), with the bench's own clock. Commands and arrivals of both the operator and the baseline
// script are read from here, so both sides are measured by the same observer.
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface Sample {
  t: number;
  runStrategy: string;
  status: string;
  ready: boolean;
}
type Target = 'On' | 'Off';

interface WatchedVm {
  metadata: { name: string; namespace: string };
  spec?: { runStrategy?: string; running?: boolean };
  status?: { printableStatus?: string; ready?: boolean };
}

export const strategyFor = (t: Target) => (t === 'On' ? 'Always' : 'Halted');
export const atTarget = (s: Sample | undefined, t: Target) =>
  s !== undefined && (t === 'On' ? s.status === 'Running' && s.ready : s.status === 'Stopped');

export class VmRecorder {
  /** key "namespace/name" -> samples in arrival order. */
  readonly samples = new Map<string, Sample[]>();
  private req?: { abort(): void };
  private stopped = false;

  constructor(private readonly kc: KubeConfig) {}

  async start(): Promise<void> {
    const w = new Watch(this.kc);
    this.req = await w.watch(
      '/apis/kubevirt.io/v1/virtualmachines',
      {},
      (type, obj: WatchedVm) => {
        if (type === 'DELETED') return;
        const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
        const s: Sample = {
          t: Date.now(),
          runStrategy: obj.spec?.runStrategy ?? (obj.spec?.running ? 'Always' : 'Halted'),
          status: obj.status?.printableStatus ?? '',
          ready: obj.status?.ready === true,
        };
        let list = this.samples.get(key);
        if (!list) this.samples.set(key, (list = []));
        list.push(s);
      },
      () => {
        // The API server ends watches after a while; pick up again (a re-list only adds samples).
        if (!this.stopped) setTimeout(() => void this.start(), 100);
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.req?.abort();
  }

  latest(key: string): Sample | undefined {
    return this.samples.get(key)?.at(-1);
  }

  allAt(keys: readonly string[], target: Target): boolean {
    return keys.every((k) => atTarget(this.latest(k), target));
  }

  /** First time after `since` the VM's spec asked for `target` (the command, whoever issued it). */
  commandedAt(key: string, target: Target, since: number): number | undefined {
    return this.samples.get(key)?.find((s) => s.t >= since && s.runStrategy === strategyFor(target))?.t;
  }

  /** First time after `since` the VM was at `target`: Running and Ready, or Stopped. */
  reachedAt(key: string, target: Target, since: number): number | undefined {
    return this.samples.get(key)?.find((s) => s.t >= since && atTarget(s, target))?.t;
  }

  async waitAll(keys: readonly string[], target: Target, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.allAt(keys, target)) {
      if (Date.now() > deadline) {
        const missing = keys.filter((k) => !atTarget(this.latest(k), target));
        throw new Error(
          `timed out waiting for ${missing.length} VMs to be ${target}: ${missing.slice(0, 5).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return Date.now();
  }
}
