// What an e2e test needs to talk to the test bed: its kubeconfig, the real kubectl, and a
// client-node KubeConfig for watches.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { errorText } from '../../../src/health/util.js';
import { kubectlFor } from '../../support/kubectl.js';
import type { TestbedState } from '../../testbed/testbed.js';

export function kubeconfigPath(): string {
  const k = process.env.ACD_KUBECONFIG;
  if (!k)
    throw new Error(
      'ACD_KUBECONFIG is not set: run the e2e project through jest (its globalSetup starts the test bed)',
    );
  return k;
}

export function testbedState(): TestbedState | undefined {
  const f = process.env.ACD_TESTBED_STATE;
  return f ? (JSON.parse(readFileSync(f, 'utf8')) as TestbedState) : undefined;
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/** The real kubectl on the test bed (ACD_KUBECONFIG, read at each call); see test/support/kubectl.ts. */
export const kubectl = kubectlFor(kubeconfigPath);

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${errorText(last)}` : ''}`);
}
