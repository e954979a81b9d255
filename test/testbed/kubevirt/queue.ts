// A work queue keyed by namespace/name, as in a Kubernetes controller: one reconcile at a time per
// key (a VM and its VMI share the key, so the VM side and the VMI side never race each other), a
// key added while it runs runs once more afterwards, delayed adds keep only the earliest deadline,
// and a bounded number of keys run at once so that a bench with many VMs does not flood the API server.
import { httpCode } from './kube.js';

export class KeyQueue {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly waiting: string[] = [];
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
    private readonly concurrency = 16,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
    } else if (this.running.size >= this.concurrency) {
      if (!this.waiting.includes(key)) this.waiting.push(key);
    } else {
      this.running.add(key);
      void this.run(key);
    }
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, ms);
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.max(0, ms),
    );
    this.timers.set(key, { at, timer });
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async run(key: string): Promise<void> {
    try {
      do {
        this.dirty.delete(key);
        try {
          await this.work(key);
        } catch (e) {
          // A conflict means another writer (a user, the subresource API) got there first: read
          // again at once. Anything else is logged and retried shortly.
          if (httpCode(e) === 409) this.dirty.add(key);
          else {
            this.onError(key, e);
            this.addAfter(key, 250);
          }
        }
      } while (this.dirty.has(key) && !this.stopped);
    } finally {
      this.running.delete(key);
      const next = this.waiting.shift();
      if (next !== undefined) this.add(next);
    }
  }
}
