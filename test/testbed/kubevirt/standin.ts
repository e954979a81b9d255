// The KubeVirt stand-in: NOT KubeVirt. It stands in for virt-controller + virt-handler (VM and VMI
// lifecycle, driven through the real API server) and for virt-api's start/stop/restart
// subresources (an aggregated API), because KubeVirt itself needs a kubelet and KVM, which the
// test bed does not have. What it does is documented in the files next to it; every delay is
// scaled by `speed`.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import { createApiServer } from './api-server.js';
import { LifecycleController } from './controller.js';
import { KubevirtClient, loadKubeConfig } from './kube.js';
import { LifecycleApi } from './lifecycle-api.js';
import { timelineWriter } from './timeline.js';

export interface StandinConfig {
  kubeconfig: string;
  port: number;
  host?: string;
  tlsCert: string;
  tlsKey: string;
  /** Front-proxy CA file; default: read from kube-system/extension-apiserver-authentication, as aggregated API servers do. */
  clientCa?: string;
  speed: number;
  timeline?: string;
  log?: (m: string) => void;
}

export interface RunningStandin {
  port: number;
  controller: LifecycleController;
  stop(): Promise<void>;
}

/** The front-proxy CA and allowed names the API server publishes for extension API servers. */
async function requestHeaderAuth(kubeconfig: string): Promise<{ ca: string; names: string[] }> {
  const core = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  const cm = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'extension-apiserver-authentication' });
  const ca = cm.data?.['requestheader-client-ca-file'];
  if (!ca) throw new Error('kube-system/extension-apiserver-authentication has no requestheader-client-ca-file');
  const names = JSON.parse(cm.data?.['requestheader-allowed-names'] ?? '[]') as string[];
  return { ca, names };
}

export async function runStandin(c: StandinConfig): Promise<RunningStandin> {
  const log = c.log ?? ((m: string) => console.log(`${new Date().toISOString()} ${m}`));
  const kv = new KubevirtClient(loadKubeConfig(c.kubeconfig));
  const record = timelineWriter(c.timeline, (line) => log(line));
  const controller = new LifecycleController(kv, { speed: c.speed, record, log });
  const lifecycle = new LifecycleApi({
    kv, record,
    forceStop: (uid) => controller.handler.forceStop(uid),
    poke: (ns, name) => controller.enqueue(ns, name),
  });
  const published = await requestHeaderAuth(c.kubeconfig).catch((e: Error) => {
    if (!c.clientCa) throw e;
    return { ca: '', names: [] as string[] };
  });
  const server: Server = createApiServer({
    cert: readFileSync(c.tlsCert), key: readFileSync(c.tlsKey),
    clientCa: c.clientCa ? readFileSync(c.clientCa) : published.ca,
    allowedNames: published.names.length ? published.names : ['front-proxy-client'],
    lifecycle, log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(c.port, c.host ?? '127.0.0.1', () => resolve());
  });
  await controller.start();
  const port = (server.address() as AddressInfo).port;
  log(`KubeVirt stand-in (virt-controller + virt-handler + virt-api subresources) on ${c.host ?? '127.0.0.1'}:${port}, speed ${c.speed}`);
  return {
    port,
    controller,
    async stop() {
      await controller.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
