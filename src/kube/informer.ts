// A watch-backed cache that never gives up. client-node's ListWatch relists on 410 Gone by itself,
// but stops for good on any other error (a restarted API server, a cut connection); this wrapper
// restarts it with exponential backoff and adds the periodic resync that client-go informers have.
// Objects are slimmed before they are cached (see slim()).
import { ListWatch, Watch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the cache does not need: `metadata.managedFields` (server-side apply bookkeeping, about half
 * of a VM's metadata) and kubectl's last-applied-configuration annotation (a JSON copy of the whole
 * object as applied). Nothing in the operator reads either; the reconciler's writes are patches
 * that never carry them. At 100 ACDs x 12 VMs (+ VMIs) they were ~6 MB of live heap. In place: the
 * object is fresh from JSON.parse and nobody else holds it.
 */
export function slim<T extends KubernetesObject>(obj: T, keepManaged?: (entries: unknown) => unknown[]): T {
  const md = obj?.metadata;
  if (!md) return obj;
  const kept = keepManaged?.(md.managedFields);
  if (kept?.length) md.managedFields = kept as typeof md.managedFields;
  else delete md.managedFields;
  if (md.annotations && LAST_APPLIED in md.annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = md.annotations;
    md.annotations = rest;
  }
  return obj;
}

/** Freezes an object and everything in it, so that code that mutates it throws (in strict mode). */
export function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj)) deepFreeze(v);
  }
  return obj;
}

/** A Watch whose events reach the ListWatch (and so its cache) already slimmed (and frozen, if asked). */
class SlimWatch extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly prepare: <T extends KubernetesObject>(o: T) => T,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // Not an ERROR event: its object is a Status (410 Gone: code, reason), which ListWatch reads
    // whole; cut down to a VM's fields, it lost its code, and ListWatch never relisted (the chaos
    // suite's API-server restart wedged every informer that had a `keep`).
    return super.watch(
      path,
      params,
      (phase, obj: KubernetesObject, raw) => callback(phase, phase === 'ERROR' ? obj : this.prepare(obj), raw),
      done,
    );
  }
}

export interface InformerOptions<T extends KubernetesObject> {
  name: string;
  path: string;
  list: ListPromise<T>;
  onChange: (obj: T, type: 'add' | 'update' | 'delete') => void;
  onResync?: (objs: readonly T[]) => void;
  onError?: (err: unknown, retryInMs: number) => void;
  resyncMs?: number;
  /**
   * Deep-freeze every cached object. The cache is shared by every reconcile and must never be
   * changed in place; the test suites run the operator with this on, so a mutation throws there.
   */
  freeze?: boolean;
  /**
   * What of each object the cache keeps (default: all of it, slimmed); must keep metadata's name, namespace,
   * resourceVersion.
   */
  keep?: <U extends KubernetesObject>(o: U) => U;
  /** What of metadata.managedFields the cache keeps (default: none). */
  keepManaged?: (entries: unknown) => unknown[];
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly lw: ListWatch<T>;
  private backoffMs = 0;
  private restartTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private stopped = false;
  private synced = false;

  constructor(
    kc: KubeConfig,
    private readonly opts: InformerOptions<T>,
  ) {
    const prepare = <U extends KubernetesObject>(o: U): U => {
      const slimmed = slim(o, opts.keepManaged);
      const kept = opts.keep ? opts.keep(slimmed) : slimmed;
      return opts.freeze ? deepFreeze(kept) : kept;
    };
    const list: ListPromise<T> = async () => {
      const l = await opts.list();
      // The list itself stays mutable: ListWatch keeps and edits it; its items are what it caches.
      l.items = l.items.map(prepare);
      return l;
    };
    this.lw = new ListWatch<T>(opts.path, new SlimWatch(kc, prepare), list, false);
    this.lw.on('add', (o) => opts.onChange(o, 'add'));
    this.lw.on('update', (o) => opts.onChange(o, 'update'));
    this.lw.on('delete', (o) => opts.onChange(o, 'delete'));
    this.lw.on('connect', () => (this.backoffMs = 0));
    this.lw.on('error', (err) => this.restartLater(err));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.startOnce();
    if (this.opts.resyncMs && this.opts.onResync) {
      this.resyncTimer = setInterval(() => this.opts.onResync?.(this.lw.list()), this.opts.resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    await this.lw.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace);
  }

  private async startOnce(): Promise<void> {
    try {
      await this.lw.start();
      this.synced = true;
    } catch (err) {
      this.restartLater(err);
    }
  }

  private restartLater(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : 500, 30_000);
    this.opts.onError?.(err, this.backoffMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      // A failed ListWatch keeps its resourceVersion; stop() then start() relists from scratch.
      void this.lw.stop().then(() => this.startOnce());
    }, this.backoffMs);
    this.restartTimer.unref();
  }
}
