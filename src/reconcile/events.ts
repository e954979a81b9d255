// Kubernetes Events for stage start, end and failure, so `kubectl describe acd` tells the story.
// Posted in the background, in order per cluster: an Event is a report, and a reconcile (the next
// stage's commands) must not wait for it. At 100 ACDs the POSTs were a quarter of the operator's
// requests, each one on the path of the next hop.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AcdCluster } from '../api/types.js';
import { API_VERSION, KIND } from '../api/names.js';
import type { Event } from '../decision/types.js';

export class EventRecorder {
  private readonly core: CoreV1Api;
  /** Per cluster, the last Event still being posted: the next one goes after it. */
  private readonly tails = new Map<string, Promise<void>>();
  private lastNanos = 0n;
  constructor(
    kc: KubeConfig,
    private readonly instance: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Queues the Event and returns at once; a failed POST goes to onError, never to the caller. */
  record(obj: AcdCluster, e: Event): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const tail = (this.tails.get(key) ?? Promise.resolve())
      .then(() => this.post(obj, e))
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    this.tails.set(key, tail);
  }

  /**
   * Resolves once every queued Event is posted (or failed), or after `timeoutMs`: shutdown must not hang on a
   * report.
   */
  async flush(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
    });
    const drained = (async () => {
      while (this.tails.size) await Promise.all([...this.tails.values()]);
    })();
    await Promise.race([drained, timeout]);
    clearTimeout(timer);
  }

  /**
   * A name that sorts in posting order: `<cluster>.<nanoseconds, hex>`, as client-go's recorder
   * names Events, made strictly increasing. `kubectl describe` sorts Events by lastTimestamp, whole
   * seconds, with an unstable sort; the API lists them by name, so within one second the names are
   * what keeps "stage 5/9 completed" above "stage 6/9 started" (a generated name is random).
   */
  private nameFor(obj: AcdCluster): string {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.lastNanos = now > this.lastNanos ? now : this.lastNanos + 1n;
    return `${obj.metadata.name}.${this.lastNanos.toString(16)}`;
  }

  private async post(obj: AcdCluster, e: Event): Promise<void> {
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: obj.metadata.namespace,
      body: {
        metadata: { name: this.nameFor(obj), namespace: obj.metadata.namespace },
        involvedObject: {
          apiVersion: API_VERSION,
          kind: KIND,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
        },
        type: e.type,
        reason: e.reason,
        message: e.message.slice(0, 1024),
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        source: { component: 'acd-operator' },
        reportingComponent: 'acd.power.dev/acd-operator',
        reportingInstance: this.instance,
      },
    });
  }
}
