// ClusterReader: the informer cache, overlaid with our own last status write until the cache shows it.
import { describe, expect, test } from '@jest/globals';
import { ClusterReader } from '../../../src/reconcile/cluster-reader.js';
import type { AcdClusterApi } from '../../../src/reconcile/cluster-api.js';
import type { AcdCluster } from '../../../src/api/types.js';

/** An API server the reader must not need: any GET it makes fails loudly. */
function unreachable(): AcdClusterApi {
  return {
    get: (namespace, name) => Promise.reject(new Error(`GET ${namespace}/${name} went to the API server`)),
    replaceStatus: () => Promise.reject(new Error('the reader never writes')),
    removeAnnotation: () => Promise.reject(new Error('the reader never writes')),
  };
}

const acd = (rv: string, stage?: string, generation = 1): AcdCluster => ({
  apiVersion: 'acd.power.dev/v1alpha1',
  kind: 'AcdCluster',
  metadata: { name: 'a', namespace: 'ns', resourceVersion: rv, generation },
  spec: { powerState: 'Off', machines: [] },
  ...(stage ? { status: { stage } } : {}),
});

function world(initial: AcdCluster | undefined) {
  let cache = initial;
  const reader = new ClusterReader(unreachable(), () => cache);
  return {
    reader,
    set: (c: AcdCluster | undefined) => {
      cache = c;
    },
  };
}

describe('ClusterReader', () => {
  test('reads the cache, as a copy the caller may change', async () => {
    const w = world(acd('10', 'one'));
    const got = await w.reader.read('ns', 'a');
    expect(got?.status?.stage).toBe('one');
    got!.status!.stage = 'changed';
    expect((await w.reader.read('ns', 'a'))?.status?.stage).toBe('one');
  });

  test('our own write wins over a cache that still shows the version it was based on', async () => {
    const w = world(acd('10', 'one'));
    const base = (await w.reader.read('ns', 'a'))!;
    w.reader.wrote(base, acd('11', 'two'));
    expect((await w.reader.read('ns', 'a'))?.status?.stage).toBe('two');
    // Two writes in a row before the watch delivers either: both bases are stale.
    const second = (await w.reader.read('ns', 'a'))!;
    w.reader.wrote(second, acd('12', 'three'));
    expect((await w.reader.read('ns', 'a'))?.status?.stage).toBe('three');
    w.set(acd('11', 'two'));
    expect((await w.reader.read('ns', 'a'))?.status?.stage).toBe('three');
  });

  test('once the cache shows our write or anything newer, the cache wins and the overlay is dropped', async () => {
    const w = world(acd('10', 'one'));
    w.reader.wrote((await w.reader.read('ns', 'a'))!, acd('11', 'two'));
    // A spec change by a user after our write: a newer version we did not write.
    w.set(acd('13', 'two', 2));
    expect((await w.reader.read('ns', 'a'))?.metadata.generation).toBe(2);
    // The overlay is gone: an old version showing up again (it cannot, but if it did) is taken as is.
    w.set(acd('10', 'one'));
    expect((await w.reader.read('ns', 'a'))?.status?.stage).toBe('one');
  });

  test('absent from the cache means deleted, whatever we wrote before', async () => {
    const w = world(acd('10', 'one'));
    w.reader.wrote((await w.reader.read('ns', 'a'))!, acd('11', 'two'));
    w.set(undefined);
    expect(await w.reader.read('ns', 'a')).toBeUndefined();
  });

  test('after a conflict the next read goes to the API server, once', async () => {
    const w = world(acd('10', 'one'));
    w.reader.conflicted('ns', 'a');
    await expect(w.reader.read('ns', 'a')).rejects.toThrow(/went to the API server/);
    expect((await w.reader.read('ns', 'a'))?.status?.stage).toBe('one');
  });

  test('without a cache every read is a GET', async () => {
    const reader = new ClusterReader(unreachable());
    await expect(reader.read('ns', 'a')).rejects.toThrow(/went to the API server/);
  });
});
