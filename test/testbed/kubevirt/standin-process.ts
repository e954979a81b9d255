// Starts the KubeVirt stand-in as a detached process and registers it with the API server the way
// KubeVirt registers virt-api: namespace kubevirt, Service virt-api, APIService
// v1.subresources.kubevirt.io. The Service is an ExternalName for localhost because the test bed's
// API server runs with --enable-aggregator-routing=false (EndpointSlices reject loopback addresses).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiregistrationV1Api, CoreV1Api, type V1APIService, type V1Service } from '@kubernetes/client-node';
import { repoRoot } from '../binaries.js';
import { issue, type Pki } from '../pki.js';
import { freePort } from '../ports.js';
import { isAlive, sleep, startDetached, stopPid } from '../process.js';
import { installKubevirt } from './crds.js';
import { httpCode, loadKubeConfig } from './kube.js';

export interface StandinOptions {
  dir: string;
  kubeconfig: string;
  pki: Pki;
  /** Multiplies every delay of the stand-in (boot, stop, back-off). Default 1. */
  speed?: number;
  /** JSON-lines file of every transition the stand-in applies. */
  timeline?: string;
  timeoutMs?: number;
}

export interface StartedStandin { pid: number; port: number; log: string }

export const STANDIN_NAMESPACE = 'kubevirt';
export const STANDIN_SERVICE = 'virt-api';
export const APISERVICE_NAME = 'v1.subresources.kubevirt.io';

/** Node 24 from node_modules when present (the project's pinned runtime), else the one running us. */
function nodeBinary(): string {
  const pinned = join(repoRoot, 'node_modules', '.bin', 'node');
  return existsSync(pinned) ? pinned : process.execPath;
}

async function upsert<T>(create: () => Promise<T>, replace: () => Promise<T>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if (httpCode(e) !== 409) throw e;
    await replace();
  }
}

export async function startStandin(o: StandinOptions): Promise<StartedStandin> {
  const speed = o.speed ?? 1;
  issue(o.pki.dir, 'ca', 'kubevirt-standin', '/CN=virt-api.kubevirt.svc', {
    server: true, sans: ['DNS:virt-api.kubevirt.svc', 'DNS:localhost', 'IP:127.0.0.1'],
  });
  await installKubevirt(o.kubeconfig);
  const port = await freePort();
  const kc = loadKubeConfig(o.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const reg = kc.makeApiClient(ApiregistrationV1Api);

  await upsert(() => core.createNamespace({ body: { metadata: { name: STANDIN_NAMESPACE } } }), async () => undefined);
  const service: V1Service = {
    metadata: { name: STANDIN_SERVICE, namespace: STANDIN_NAMESPACE, labels: { 'kubevirt.io': 'virt-api' } },
    spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
  await upsert(() => core.createNamespacedService({ namespace: STANDIN_NAMESPACE, body: service }), async () => {
    const cur = await core.readNamespacedService({ namespace: STANDIN_NAMESPACE, name: STANDIN_SERVICE });
    return core.replaceNamespacedService({ namespace: STANDIN_NAMESPACE, name: STANDIN_SERVICE,
      body: { ...service, metadata: { ...service.metadata, resourceVersion: cur.metadata?.resourceVersion } } });
  });
  const apiService: V1APIService = {
    metadata: { name: APISERVICE_NAME, labels: { 'kubevirt.io': 'virt-api' } },
    spec: {
      group: 'subresources.kubevirt.io', version: 'v1',
      service: { namespace: STANDIN_NAMESPACE, name: STANDIN_SERVICE, port },
      caBundle: readFileSync(o.pki.caCert).toString('base64'),
      groupPriorityMinimum: 1000, versionPriority: 15,
    },
  };
  await upsert(() => reg.createAPIService({ body: apiService }), async () => {
    const cur = await reg.readAPIService({ name: APISERVICE_NAME });
    return reg.replaceAPIService({ name: APISERVICE_NAME,
      body: { ...apiService, metadata: { ...apiService.metadata, resourceVersion: cur.metadata?.resourceVersion } } });
  });

  const log = join(o.dir, 'logs', 'kubevirt-standin.log');
  // tsx as a loader in this one process (not its CLI, which forks a second node): the PID we hand
  // back is the stand-in itself, so stopping it by PID can never leave an orphan behind.
  const p = startDetached(nodeBinary(), [
    '--import', pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
    join(repoRoot, 'test', 'testbed', 'kubevirt', 'main.ts'),
    '--kubeconfig', o.kubeconfig, '--port', String(port),
    '--tls-cert', join(o.pki.dir, 'kubevirt-standin.crt'), '--tls-key', join(o.pki.dir, 'kubevirt-standin.key'),
    '--client-ca', o.pki.frontProxyCaCert, '--speed', String(speed),
    ...(o.timeline ? ['--timeline', o.timeline] : []),
  ], log);

  const timeoutMs = o.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (!isAlive(p.pid)) throw new Error(`KubeVirt stand-in exited during start-up (log: ${log})`);
      const s = await reg.readAPIService({ name: APISERVICE_NAME }).catch(() => undefined);
      if (s?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) break;
      if (Date.now() > deadline) {
        const why = s?.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason ?? ''} ${c.message ?? ''}`).join('; ');
        throw new Error(`APIService ${APISERVICE_NAME} not Available after ${timeoutMs} ms (${why}; log: ${log})`);
      }
      await sleep(200);
    }
  } catch (e) {
    await stopPid(p.pid);
    throw e;
  }
  return { pid: p.pid, port, log };
}

export const stopStandin = (pid: number): Promise<void> => stopPid(pid);
