// acdctl's only contact with the API server: read, patch and watch one AcdCluster, and turn
// whatever goes wrong into one line a person can act on (never a stack trace).
import { PooledKubeConfig } from '../kube/kubeconfig.js';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { GROUP, PLURAL, SINGULAR, VERSION } from '../api/names.js';
import type { AcdCluster } from '../api/types.js';

/** An error meant for the user: its message is printed as is, and the process exits with exitCode. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface Kube {
  kc: KubeConfig;
  api: CustomObjectsApi;
  namespace: string;
  server: string;
}

export function connect(kubeconfig: string | undefined, namespace: string | undefined): Kube {
  const kc = new PooledKubeConfig();
  try {
    if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new CliError(`cannot load kubeconfig${kubeconfig ? ` ${kubeconfig}` : ''}: ${(e as Error).message}`);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new CliError(`kubeconfig${kubeconfig ? ` ${kubeconfig}` : ''} has no current cluster`);
  // Like kubectl: the context's namespace unless -n says otherwise.
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return { kc, api: kc.makeApiClient(CustomObjectsApi), namespace: namespace ?? contextNamespace ?? 'default', server };
}

const notFound = (k: Kube, name: string) => new CliError(`${SINGULAR} ${name} not found in namespace ${k.namespace}`);

function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** Network errors hide their reason in a chain of causes (fetch failed <- connect ECONNREFUSED ...). */
function rootCause(e: unknown): string {
  let cur: unknown = e;
  let text = e instanceof Error ? e.message : String(e);
  for (let depth = 0; cur instanceof Error && depth < 5; depth++) {
    if (cur.message) text = cur.message;
    cur = (cur as { cause?: unknown }).cause;
  }
  return text.split('\n')[0] ?? text;
}

/** Turns anything client-node throws into a CliError; `name` is the AcdCluster asked for. */
export function explain(e: unknown, k: Kube, name: string): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof ApiException) {
    const message = statusMessage(e.body);
    const details = (typeof e.body === 'string' ? safeJson(e.body) : e.body) as
      { details?: { name?: string } } | undefined;
    if (e.code === 404 && details?.details?.name === name) return notFound(k, name);
    if (e.code === 404)
      return new CliError(
        `the AcdCluster API (${GROUP}/${VERSION}) is not served by ${k.server}: is the CRD installed? ` +
          `(${message ?? 'not found'})`,
      );
    if (e.code === 401)
      return new CliError(`${k.server} did not accept the kubeconfig's credentials (401 Unauthorized)`);
    return new CliError(`${k.server} refused: ${message ?? `HTTP ${e.code}`}`);
  }
  return new CliError(`cannot reach the Kubernetes API at ${k.server}: ${rootCause(e)}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const ref = (k: Kube, name: string) => ({
  group: GROUP,
  version: VERSION,
  namespace: k.namespace,
  plural: PLURAL,
  name,
});

export async function getAcd(k: Kube, name: string): Promise<AcdCluster> {
  try {
    return (await k.api.getNamespacedCustomObject(ref(k, name))) as AcdCluster;
  } catch (e) {
    throw explain(e, k, name);
  }
}

/** Merge patch of spec.powerState alone, so nothing else in the spec is touched or re-owned. */
export async function setPowerState(
  k: Kube,
  name: string,
  powerState: 'On' | 'Off',
  annotation?: { key: string; value: string },
): Promise<AcdCluster> {
  const metadata = annotation ? { metadata: { annotations: { [annotation.key]: annotation.value } } } : {};
  try {
    return (await k.api.patchNamespacedCustomObject(
      { ...ref(k, name), body: { ...metadata, spec: { powerState } }, fieldManager: 'acdctl' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as AcdCluster;
  } catch (e) {
    throw explain(e, k, name);
  }
}

/**
 * Sets one annotation of the AcdCluster by a merge patch. With `resourceVersion`, only on that version
 * of the object (the override's --until was read in the zone of that version's spec): a concurrent
 * edit then fails with a conflict instead of being overridden on stale grounds.
 */
export async function annotate(
  k: Kube,
  name: string,
  annotation: { key: string; value: string },
  resourceVersion?: string,
): Promise<AcdCluster> {
  const metadata = {
    ...(resourceVersion ? { resourceVersion } : {}),
    annotations: { [annotation.key]: annotation.value },
  };
  try {
    return (await k.api.patchNamespacedCustomObject(
      { ...ref(k, name), body: { metadata }, fieldManager: 'acdctl' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as AcdCluster;
  } catch (e) {
    throw explain(e, k, name);
  }
}

/** Who acdctl runs as, for an override's `by`: the kubeconfig user's name, as kubectl shows it. */
export const whoAmI = (k: Kube): string | undefined => k.kc.getCurrentUser()?.name;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Calls `onObject` with the AcdCluster now and on every change, until it returns true ('done')
 * or `signal` aborts ('aborted'). `from` is an object already in hand (the power command's own
 * patch): the watch starts at its resourceVersion, so every status write after the patch is
 * seen, even a stage that began and ended before this call. A watch ends by itself (server
 * timeouts, client-node's 30 s inactivity limit); the next one resumes from the last version
 * seen (bookmarks included), so nothing in between is missed. Only when the server no longer
 * has that version (410 Gone) is the object read again.
 */
export async function watchAcd(
  k: Kube,
  name: string,
  onObject: (acd: AcdCluster) => boolean,
  signal?: AbortSignal,
  from?: AcdCluster,
): Promise<'done' | 'aborted'> {
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(k.namespace)}/${PLURAL}`;
  const watch = new Watch(k.kc);
  let resourceVersion: string | undefined;
  const read = (acd: AcdCluster): boolean => {
    resourceVersion = acd.metadata.resourceVersion;
    return onObject(acd);
  };
  if (read(from ?? (await getAcd(k, name)))) return 'done';
  while (!signal?.aborted) {
    const ended = await new Promise<'done' | 'ended' | 'failed' | 'expired' | 'deleted'>((resolve) => {
      let controller: AbortController | undefined;
      let settled = false;
      const finish = (how: 'done' | 'ended' | 'failed' | 'expired' | 'deleted') => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve(how);
      };
      const onAbort = () => finish('ended');
      signal?.addEventListener('abort', onAbort, { once: true });
      watch
        .watch(
          path,
          { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true },
          (type, obj: AcdCluster & { code?: number }) => {
            if (settled) return;
            if (type === 'DELETED') finish('deleted');
            else if (type === 'ERROR') finish(obj.code === 410 ? 'expired' : 'failed');
            else if (type === 'BOOKMARK') resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
            else if (type === 'ADDED' || type === 'MODIFIED') {
              resourceVersion = obj.metadata.resourceVersion;
              if (onObject(obj)) finish('done');
            }
          },
          (e?: unknown) => finish(e ? 'failed' : 'ended'),
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
          },
          () => finish('failed'),
        );
    });
    if (ended === 'done') return 'done';
    if (ended === 'deleted') throw new CliError(`${SINGULAR} ${name} was deleted from namespace ${k.namespace}`);
    // A refused or broken connection is retried after a pause, not in a tight loop.
    if (ended === 'failed') await sleep(200, signal);
    if (ended === 'expired' && !signal?.aborted && read(await getAcd(k, name))) return 'done';
  }
  return 'aborted';
}
