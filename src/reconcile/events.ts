// Kubernetes Events for stage start, end and failure, so `kubectl describe acd` tells the story.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AcdCluster } from '../api/types.js';
import { API_VERSION, KIND } from '../api/names.js';
import type { Event } from './policy.js';

export class EventRecorder {
  private readonly core: CoreV1Api;
  constructor(kc: KubeConfig, private readonly instance: string) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async record(obj: AcdCluster, e: Event): Promise<void> {
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: obj.metadata.namespace,
      body: {
        metadata: { generateName: `${obj.metadata.name}.`, namespace: obj.metadata.namespace },
        involvedObject: { apiVersion: API_VERSION, kind: KIND, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid },
        type: e.type, reason: e.reason, message: e.message.slice(0, 1024),
        firstTimestamp: now, lastTimestamp: now, count: 1,
        source: { component: 'acd-operator' },
        reportingComponent: 'acd.power.dev/acd-operator', reportingInstance: this.instance,
      },
    });
  }
}
