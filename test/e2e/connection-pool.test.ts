// The operator's KubeConfig reuses its TLS connections to the real kube-apiserver; client-node's
// own opens one per request. Counted from undici's diagnostics channel, which reports every new
// connection (and TLS handshake) the HTTP client makes.
import { describe, expect, test } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import diagnostics from 'node:diagnostics_channel';
import { PooledKubeConfig } from '../../src/kube/kubeconfig.js';
import { kubeconfigPath } from './support/env.js';

async function connectionsFor(kc: KubeConfig, requests: number, parallel: number): Promise<number> {
  kc.loadFromFile(kubeconfigPath());
  const core = kc.makeApiClient(CoreV1Api);
  let connects = 0;
  const onConnect = () => {
    connects++;
  };
  diagnostics.subscribe('undici:client:connected', onConnect);
  try {
    for (let done = 0; done < requests; done += parallel) {
      const names = await Promise.all(Array.from({ length: parallel }, () => core.readNamespace({ name: 'default' })));
      // Each answer is the real namespace: the pooled client is a working client.
      for (const ns of names) expect(ns.metadata?.name).toBe('default');
    }
  } finally {
    diagnostics.unsubscribe('undici:client:connected', onConnect);
  }
  return connects;
}

describe('API connections', () => {
  test('client-node alone opens a connection per request (the cost PooledKubeConfig removes)', async () => {
    expect(await connectionsFor(new KubeConfig(), 20, 1)).toBe(20);
  });

  test('PooledKubeConfig: 40 requests, 4 at a time, over at most 4 connections', async () => {
    const kc = new PooledKubeConfig();
    try {
      const n = await connectionsFor(kc, 40, 4);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(4);
    } finally {
      await kc.close();
    }
  });
});
