// Records every VM change in a namespace from a watch, as a user's `kubectl get vm -w` would see
// it, and derives per VM when it was commanded and when it reached its target.
import { Watch } from '@kubernetes/client-node';
import { kubeConfig } from './env.js';

export interface VmSample {
  t: number;
  vm: string;
  resourceVersion: string;
  runStrategy?: string;
  running?: boolean;
  printableStatus?: string;
  ready: boolean;
  requests: string[];
  generation: number;
}

/** The fields of a watched VirtualMachine that a sample keeps. */
export interface WatchedVm {
  metadata: { name: string; generation: number; resourceVersion?: string };
  spec?: { runStrategy?: string; running?: boolean };
  status?: { printableStatus?: string; ready?: boolean; stateChangeRequests?: { action: string }[] };
}

export class VmTimeline {
  readonly samples: VmSample[] = [];
  private req?: { abort(): void };

  static async start(namespace: string): Promise<VmTimeline> {
    const t = new VmTimeline();
    await t.watch(namespace);
    return t;
  }

  private stopped = false;
  /** The last version seen (bookmarks included): a new watch resumes there and misses nothing. */
  private lastRv: string | undefined;

  // A watch can end (server timeout, an idle namespace, a loaded API server): start the next one
  // from the last version seen. A fresh list instead would report the VMs in name order, not in
  // the order they changed, and two commands in the gap would read as given the other way round.
  private async watch(namespace: string): Promise<void> {
    const w = new Watch(kubeConfig());
    this.req = await w.watch(
      `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachines`,
      { allowWatchBookmarks: true, ...(this.lastRv ? { resourceVersion: this.lastRv } : {}) },
      (type, obj: WatchedVm) => {
        // 410 Gone: the version is too old to resume from; the next watch lists afresh.
        if (type === 'ERROR') this.lastRv = undefined;
        else this.lastRv = obj.metadata.resourceVersion ?? this.lastRv;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.samples.push(sampleOf(obj));
      },
      () => {
        // Checked again when the timer fires: a stop() in between must not leave a new watch open
        // (an open watch keeps jest from exiting).
        // unref: a recorder a test forgot to stop must not keep jest alive, retrying against a test
        // bed that is gone.
        if (!this.stopped)
          setTimeout(() => {
            if (!this.stopped) void this.watch(namespace).catch(() => undefined);
          }, 100).unref();
      },
    );
    // stop() may have run while this watch was being opened.
    if (this.stopped) this.req.abort();
  }

  stop(): void {
    this.stopped = true;
    this.req?.abort();
  }

  mark(): number {
    return Date.now();
  }

  private of(vm: string, since: number) {
    return this.samples.filter((s) => s.vm === vm && s.t >= since);
  }

  /** When the VM was told to go On/Off after `since`: its spec flipped, or a start/stop request appeared. */
  commandedAt(vm: string, target: 'On' | 'Off', since: number): number | undefined {
    const want = target === 'On' ? 'Always' : 'Halted';
    const action = target === 'On' ? 'Start' : 'Stop';
    return this.of(vm, since).find(
      (s) =>
        s.runStrategy === want ||
        s.running === (target === 'On') ||
        s.requests.includes(action) ||
        (target === 'On' ? s.printableStatus === 'Starting' : s.printableStatus === 'Stopping'),
    )?.t;
  }

  reachedAt(vm: string, target: 'On' | 'Off', since: number): number | undefined {
    return this.of(vm, since).find((s) =>
      target === 'On' ? s.printableStatus === 'Running' && s.ready : s.printableStatus === 'Stopped',
    )?.t;
  }

  /**
   * How many times the VM was told to go to `target` after `since` (see toldTo): a command issued
   * twice shows up here.
   */
  commands(vm: string, target: 'On' | 'Off', since: number, until = Infinity): number {
    let prev: 'On' | 'Off' | undefined;
    let n = 0;
    for (const s of this.samples.filter((x) => x.vm === vm)) {
      const now = toldTo(s);
      if (s.t >= since && s.t < until && now === target && prev !== target) n++;
      prev = now;
    }
    return n;
  }
}

/**
 * Where the VM has been told to go, as its own object shows: its spec (runStrategy Always/Halted,
 * legacy running) for VMs the operator patches, or the start/stop request KubeVirt queued in its
 * status for Manual VMs (until virt-controller acts on it). Undefined: no command is visible.
 */
export function toldTo(s: VmSample): 'On' | 'Off' | undefined {
  const request = s.requests.at(-1);
  if (request === 'Start' || s.runStrategy === 'Always' || s.running === true) return 'On';
  if (request === 'Stop' || s.runStrategy === 'Halted' || s.running === false) return 'Off';
  return undefined;
}

/** Was the VM up (Running and Ready) at time t, by the last sample at or before t? */
export function upAt(tl: VmTimeline, vm: string, t: number): boolean {
  const last = tl.samples.filter((s) => s.vm === vm && s.t <= t).at(-1);
  return last !== undefined && last.printableStatus === 'Running' && last.ready;
}

/** A VM as a watch event shows it, stamped with the time it arrived. */
export function sampleOf(obj: WatchedVm): VmSample {
  return {
    t: Date.now(),
    vm: obj.metadata.name,
    resourceVersion: obj.metadata.resourceVersion ?? '',
    runStrategy: obj.spec?.runStrategy,
    running: obj.spec?.running,
    printableStatus: obj.status?.printableStatus,
    ready: obj.status?.ready === true,
    requests: (obj.status?.stateChangeRequests ?? []).map((r) => r.action),
    generation: obj.metadata.generation,
  };
}
