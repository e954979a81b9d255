// A per-key work queue, as client-go's workqueue does it: a key is processed by one worker at a
// time, adding a key that is queued is a no-op, adding one that is being processed marks it dirty
// so it runs once more afterwards, and failures back off exponentially per key.
// Hand-written because client-node ships informers but no work queue.

export interface QueueResult {
  requeueAfterMs?: number;
}
export type Handler = (key: string) => Promise<QueueResult | void>;

export interface QueueOptions {
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly deadlines = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private readonly opts: Required<Omit<QueueOptions, 'onError'>> & Pick<QueueOptions, 'onError'>;

  constructor(
    private readonly handler: Handler,
    opts: QueueOptions = {},
  ) {
    this.opts = { concurrency: 4, baseDelayMs: 200, maxDelayMs: 60_000, ...opts };
  }

  /** Keys waiting or being processed, for the queue-depth metric. */
  get depth(): number {
    return this.queue.length + this.processing.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /**
   * Adds the key after a delay; of several pending delays for one key the soonest deadline wins (as client-go's
   * AddAfter).
   */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const pending = this.deadlines.get(key);
    if (pending !== undefined && pending <= due) return;
    clearTimeout(this.timers.get(key));
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.deadlines.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
    this.deadlines.set(key, due);
  }

  forget(key: string): void {
    this.failures.delete(key);
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.deadlines.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.deadlines.clear();
  }

  /** Resolves once nothing is queued or running (for tests and graceful shutdown). */
  async drain(): Promise<void> {
    // After stop() queued keys never start, so only running work is waited for.
    while ((this.queue.length && !this.stopped) || this.processing.size) await new Promise((r) => setTimeout(r, 10));
  }

  private pump(): void {
    while (!this.stopped && this.active < this.opts.concurrency && this.queue.length) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    let requeueAfterMs: number | undefined;
    try {
      const res = await this.handler(key);
      this.failures.delete(key);
      requeueAfterMs = res?.requeueAfterMs;
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      requeueAfterMs = Math.min(this.opts.baseDelayMs * 2 ** (n - 1), this.opts.maxDelayMs);
      this.opts.onError?.(key, err, requeueAfterMs);
    } finally {
      this.processing.delete(key);
      this.active--;
    }
    if (this.dirty.delete(key)) this.add(key);
    else if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
    this.pump();
  }
}
