// Where a reconcile reads its AcdCluster from: the informer cache, overlaid with this process's own
// last status write until the cache has caught up with it (read-your-own-writes).
//
// Why not a fresh GET per reconcile: at 100 ACDs it is the operator's most frequent request and sits
// on every stage hop (figures: docs/adr/0005). Why not the bare
// cache: right after our status PUT the watch may not have brought it back yet, and a pass decided
// on the older status would repeat that pass's commands.
//
// Soundness: every status write is an update under optimistic concurrency (resourceVersion). So the
// versions the cache can still show before ours are exactly the versions our writes were based on;
// they are remembered per key. A cache version outside that set is ours or newer (a spec change, a
// write by someone else): the cache wins and the overlay is dropped. A 409 on a write means we read
// something stale that we did not know of; the next read of that key is a fresh GET.
import type { AcdCluster } from '../api/types.js';
import type { AcdClusterApi } from './cluster-api.js';

interface Own {
  written: AcdCluster;
  staleVersions: Set<string>;
}

export class ClusterReader {
  private readonly own = new Map<string, Own>();
  private readonly mustGet = new Set<string>();

  /** `cached` undefined: no informer (tests, tools); every read is then a GET. */
  constructor(
    private readonly api: AcdClusterApi,
    private readonly cached?: (namespace: string, name: string) => unknown,
  ) {}

  /** The cluster as this process last knew it; a copy the caller may change. */
  async read(namespace: string, name: string): Promise<AcdCluster | undefined> {
    const key = `${namespace}/${name}`;
    if (!this.cached || this.mustGet.delete(key)) {
      this.own.delete(key);
      return this.api.get(namespace, name);
    }
    const c = this.cached(namespace, name) as AcdCluster | undefined;
    // Keys are enqueued by the informer after it stored the object, so absent means deleted.
    if (!c) {
      this.own.delete(key);
      return undefined;
    }
    const mine = this.own.get(key);
    if (mine && mine.staleVersions.has(c.metadata.resourceVersion ?? '')) return structuredClone(mine.written);
    this.own.delete(key);
    return structuredClone(c);
  }

  /** Records a successful status write: `base` is what the write was based on, `written` the answer. */
  wrote(base: AcdCluster, written: AcdCluster): void {
    const key = `${base.metadata.namespace}/${base.metadata.name}`;
    const stale = this.own.get(key)?.staleVersions ?? new Set<string>();
    stale.add(base.metadata.resourceVersion ?? '');
    this.own.set(key, { written, staleVersions: stale });
  }

  /** A write conflicted: our picture of the object is wrong; read it from the API server next. */
  conflicted(namespace: string, name: string): void {
    this.mustGet.add(`${namespace}/${name}`);
  }

  /** The object as the API server has it now (after a conflict, say); the overlay is dropped. */
  async fetch(namespace: string, name: string): Promise<AcdCluster | undefined> {
    this.own.delete(`${namespace}/${name}`);
    return this.api.get(namespace, name);
  }
}
