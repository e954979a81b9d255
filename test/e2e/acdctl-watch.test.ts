// acdctl's watch of one AcdCluster (src/cli/kube.ts watchAcd) against the real API server, with
// no operator running: the only writes are the test's own, so what the watch must see is known.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { connect, getAcd, watchAcd, type Kube } from '../../src/cli/kube.js';
import type { PooledKubeConfig } from '../../src/kube/kubeconfig.js';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { acdManifest, apply, createNamespace } from './support/acd.js';
import { kubeconfigPath, kubectl } from './support/env.js';

const NS = 'acdctl-watch-e2e';
let k: Kube;

beforeAll(async () => {
  await createNamespace(NS);
  await apply([acdManifest(NS, 'w', SEED_LAYOUTS.SmallV2)]);
  k = connect(kubeconfigPath(), NS);
});

// acdctl's client keeps its connections open for reuse; a test process must close them itself.
afterAll(() => (k.kc as PooledKubeConfig).close());

const mark = (step: string) => kubectl(['-n', NS, 'annotate', '--overwrite', 'acdcluster', 'w', `step=${step}`]);

function follow(until: string, from?: Parameters<typeof watchAcd>[4]): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  return watchAcd(
    k,
    'w',
    (acd) => {
      seen.push(acd.metadata.annotations?.step);
      return acd.metadata.annotations?.step === until;
    },
    AbortSignal.timeout(10_000),
    from,
  ).then((how) => {
    expect(how).toBe('done');
    return seen;
  });
}

test('from an object in hand: every change after it is seen, even those made before the call', async () => {
  // The power command's case: it patched, then a fast operator wrote stage 1 and stage 2
  // before the watch began. Starting at the patch's version replays both.
  const inHand = await getAcd(k, 'w');
  await mark('a1');
  await mark('a2');
  expect(await follow('a2', inHand)).toEqual([undefined, 'a1', 'a2']);
});

test('without one: the object as it is now, then the changes that follow', async () => {
  await mark('b1');
  const seen = follow('b3');
  await new Promise((r) => setTimeout(r, 300));
  await mark('b2');
  await mark('b3');
  expect(await seen).toEqual(['b1', 'b2', 'b3']);
});

test('a version the server no longer has (410 Gone): read again, go on from there', async () => {
  const stale = { ...(await getAcd(k, 'w')) };
  stale.metadata = { ...stale.metadata, resourceVersion: '2' };
  await mark('c1');
  // The watch from version 2 is refused as too old; the object is read again (c1) and the next change follows.
  const seen = follow('c2', stale);
  await new Promise((r) => setTimeout(r, 300));
  await mark('c2');
  expect(await seen).toEqual(['b3', 'c1', 'c2']);
});
