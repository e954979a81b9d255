// Small client-node helpers for the node stand-in: a merge-patch content type (client-node 2.x
// would otherwise send application/json-patch+json for any body), the HTTP code of a failed call,
// and a KubeConfig from a file.
import { KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** HTTP status of a failed API call (client-node's ApiException carries it as `code`). */
export function httpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
