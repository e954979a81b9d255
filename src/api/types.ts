import type { AcdClusterSpec } from './spec.js';
import type { AcdClusterStatus } from './status.js';

/** An AcdCluster as read from the API server, before its spec is validated. */
export interface AcdCluster {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    /** Field ownership; the operator's cache keeps only spec.powerState's owners (for the history). */
    managedFields?: unknown[];
  };
  spec?: unknown;
  status?: AcdClusterStatus;
}

export interface ValidAcdCluster extends AcdCluster {
  spec: AcdClusterSpec;
}
