// The two calls the reconciler makes on AcdClusters themselves, behind a port: a GET (404 as
// undefined) and a status replace under optimistic concurrency. client-node's CustomObjectsApi
// serves it in the operator; a unit test gives the Reconciler a recording fake instead.
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/names.js';
import type { AcdClusterStatus } from '../api/status.js';
import type { AcdCluster } from '../api/types.js';

export interface AcdClusterApi {
  get(namespace: string, name: string): Promise<AcdCluster | undefined>;
  /** Writes `status` over the object's, if it is still at `obj`'s resourceVersion (else a 409). */
  replaceStatus(obj: AcdCluster, status: AcdClusterStatus): Promise<AcdCluster>;
}

export class KubeAcdClusterApi implements AcdClusterApi {
  private readonly custom: CustomObjectsApi;
  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async get(namespace: string, name: string): Promise<AcdCluster | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
      })) as AcdCluster;
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw e;
    }
  }

  async replaceStatus(obj: AcdCluster, status: AcdClusterStatus): Promise<AcdCluster> {
    const { name, namespace, resourceVersion } = obj.metadata;
    const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace, resourceVersion }, status };
    return (await this.custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
      body,
    })) as AcdCluster;
  }
}
