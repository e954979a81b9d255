// The API floor under every stage hop: one write, seen by a watch. An orchestrator that reacts to a
// watch event with a write cannot hop faster than this on this test bed (its own reaction is
// what the hop adds on top). Measured with keep-alive connections (PooledKubeConfig), as the
// operator talks to the API server, on an annotation nobody acts on.
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../src/kube/kubeconfig.js';

const KEY = 'bench.acd.power.dev/floor';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** `n` samples (ms) of: merge-patch VM `vm` -> the bench's watch delivers the change. */
export async function apiFloorMs(kubeconfig: string, namespace: string, vm: string, n = 40): Promise<number[]> {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(kubeconfig);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const seen = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  const req = await new Watch(kc).watch(
    `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachines`,
    { fieldSelector: `metadata.name=${vm}` },
    (_type, obj: { metadata?: { annotations?: Record<string, string> } }) => {
      const tag = obj.metadata?.annotations?.[KEY];
      if (tag && !seen.has(tag)) {
        seen.set(tag, performance.now());
        waiting.get(tag)?.();
      }
    },
    () => {},
  );
  const out: number[] = [];
  try {
    // One extra round first: it opens the pooled connection, which the operator has long done.
    for (let i = -1; i < n; i++) {
      const tag = `${Date.now()}-${i}`;
      const delivered = new Promise<boolean>((resolve) => {
        waiting.set(tag, () => resolve(true));
        setTimeout(() => resolve(false), 5_000).unref();
      });
      const t0 = performance.now();
      await custom.patchNamespacedCustomObject(
        {
          group: 'kubevirt.io',
          version: 'v1',
          namespace,
          plural: 'virtualmachines',
          name: vm,
          body: { metadata: { annotations: { [KEY]: tag } } },
        },
        mergePatch,
      );
      if (!(await delivered)) throw new Error(`API floor: the watch never delivered ${tag}`);
      waiting.delete(tag);
      if (i >= 0) out.push(seen.get(tag)! - t0);
      await sleep(30);
    }
  } finally {
    req.abort();
    await kc.close();
  }
  return out;
}
