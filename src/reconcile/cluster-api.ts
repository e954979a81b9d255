// The two calls the reconciler makes on AcdClusters themselves, behind a port: a GET (404 as
// undefined) and a status replace under optimistic concurrency. client-node's CustomObjectsApi
// serves it in the operator; a unit test gives the Reconciler a recording fake instead.
import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { FIELD_MANAGER, GROUP, PLURAL, VERSION } from '../api/names.js';
import type { AcdClusterStatus } from '../api/status.js';
import type { AcdCluster } from '../api/types.js';

export interface AcdClusterApi {
  get(namespace: string, name: string): Promise<AcdCluster | undefined>;
  /** Writes `status` over the object's, if it is still at `obj`'s resourceVersion (else a 409). */
  replaceStatus(obj: AcdCluster, status: AcdClusterStatus): Promise<AcdCluster>;
  /**
   * Removes annotation `key` if it still holds `value` (a JSON patch `test`, so an override set
   * meanwhile survives). Resolves false when it changed or is gone. Never touches spec.
   */
  removeAnnotation(obj: AcdCluster, key: string, value: string): Promise<boolean>;
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

  async removeAnnotation(obj: AcdCluster, key: string, value: string): Promise<boolean> {
    const path = `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    try {
      await this.custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: obj.metadata.namespace,
          plural: PLURAL,
          name: obj.metadata.name,
          body: [
            { op: 'test', path, value },
            { op: 'remove', path },
          ],
          fieldManager: FIELD_MANAGER,
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      return true;
    } catch (e) {
      // 422: the test failed (someone set a new override); 404: the object is gone.
      if (e instanceof ApiException && (e.code === 422 || e.code === 404)) return false;
      throw e;
    }
  }
}
