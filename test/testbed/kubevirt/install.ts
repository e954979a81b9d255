// Real KubeVirt on the test bed: KubeVirt's own virt-api and virt-controller (built from the Go
// module proxy by hack/build-kubevirt.sh), installed the way virt-operator would install them, and
// the node stand-in (./node) for the kubelet and virt-handler, which need KVM.
// - Install objects (19 CRDs, the virt-api webhooks, the subresources.kubevirt.io APIServices) come
//   from KubeVirt's own generator functions (hack/tools/kubevirt/manifests), pointed at a Service
//   kubevirt/virt-api: an ExternalName for localhost, because this API server runs without
//   aggregator endpoint routing (EndpointSlices reject loopback addresses).
// - Each component runs as its KubeVirt service account (a client certificate with that user name):
//   virt-api's VMI webhook lets only those write VMI status.
// - virt-api and virt-controller run under hack/supervise.sh, which starts them again when they
//   exit: virt-controller exits by design when it loses its leader lease (an API-server restart).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiregistrationV1Api, CoordinationV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { kubectlFor, waitEstablished } from '../../support/kubectl.js';
import { repoRoot } from '../binaries.js';
import { issue, type Pki } from '../pki.js';
import { freePort } from '../ports.js';
import { isAlive, sleep, startDetached, stopPid } from '../process.js';
import { httpCode, loadKubeConfig } from './kube.js';
import { writeKubeconfigFile } from '../control-plane.js';

export const KUBEVIRT_NAMESPACE = 'kubevirt';
export const KUBEVIRT_VERSION_DEFAULT = 'v1.8.4';
/** The KubeVirt release the test bed runs; ACD_KUBEVIRT_VERSION picks another one that the build script knows. */
export const kubevirtVersion = () => process.env.ACD_KUBEVIRT_VERSION ?? KUBEVIRT_VERSION_DEFAULT;
const SA = (name: string) => `system:serviceaccount:${KUBEVIRT_NAMESPACE}:${name}`;
const IDENTITIES = {
  controller: 'kubevirt-controller',
  api: 'kubevirt-apiserver',
  handler: 'kubevirt-handler',
} as const;

export interface KubevirtProcesses {
  version: string;
  pids: { virtApi: number; virtController: number; nodeStandin: number };
  ports: { virtApi: number; virtController: number };
}

/** Builds (or finds cached) KubeVirt's binaries for `version`; returns their folder. */
export function kubevirtBinDir(version = kubevirtVersion()): string {
  return execFileSync('bash', [join(repoRoot, 'hack/build-kubevirt.sh'), version], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

function kubeconfigFor(dir: string, pki: Pki, server: string, name: string): string {
  const user = { name, cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
  return writeKubeconfigFile(join(dir, `kubeconfig-${name}`), server, pki.caCert, user);
}

/** Node 24 from node_modules when present (the project's pinned runtime), else the one running us. */
function nodeBinary(): string {
  const pinned = join(repoRoot, 'node_modules', '.bin', 'node');
  return existsSync(pinned) ? pinned : process.execPath;
}

export async function startKubevirt(o: {
  dir: string;
  kubeconfig: string;
  server: string;
  pki: Pki;
  speed: number;
  timeline: string;
  version?: string;
  log: (m: string) => void;
}): Promise<KubevirtProcesses> {
  const version = o.version ?? kubevirtVersion();
  const kvBin = kubevirtBinDir(version);
  const { pki, dir } = o;
  issue(pki.dir, 'ca', 'virt-api', '/CN=virt-api.kubevirt.svc', {
    server: true,
    sans: ['DNS:virt-api.kubevirt.svc', 'DNS:localhost', 'IP:127.0.0.1'],
  });
  const kubeconfigs = Object.fromEntries(
    Object.entries(IDENTITIES).map(([k, sa]) => {
      issue(pki.dir, 'ca', sa, `/CN=${SA(sa)}`, {});
      return [k, kubeconfigFor(dir, pki, o.server, sa)];
    }),
  ) as Record<keyof typeof IDENTITIES, string>;

  const kc = loadKubeConfig(o.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: KUBEVIRT_NAMESPACE } } }).catch(ignore409);
  // The test bed's stand-in for KubeVirt's own ClusterRoles: its three identities may do anything.
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: 'testbed-kubevirt-components' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: Object.values(IDENTITIES).map((sa) => ({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'User',
          name: SA(sa),
        })),
      },
    })
    .catch(ignore409);
  const apiPort = await freePort();
  await core
    .createNamespacedService({
      namespace: KUBEVIRT_NAMESPACE,
      body: {
        metadata: { name: 'virt-api', labels: { 'kubevirt.io': 'virt-api' } },
        spec: {
          type: 'ExternalName',
          externalName: 'localhost',
          ports: [{ name: 'https', port: apiPort, protocol: 'TCP' }],
        },
      },
    })
    .catch(ignore409);
  // virt-api trusts client certificates (virt-handler's) from this CA bundle.
  await core
    .createNamespacedConfigMap({
      namespace: KUBEVIRT_NAMESPACE,
      body: { metadata: { name: 'kubevirt-ca' }, data: { 'ca-bundle': readFileSync(pki.caCert, 'utf8') } },
    })
    .catch(ignore409);
  const manifests = execFileSync(
    join(kvBin, 'kubevirt-manifests'),
    ['--namespace', KUBEVIRT_NAMESPACE, '--ca-bundle-file', pki.caCert, '--port', String(apiPort)],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const kubectl = kubectlFor(o.kubeconfig);
  kubectl.sync(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifests);
  await waitEstablished(kubectl, ['virtualmachines.kubevirt.io', 'virtualmachineinstances.kubevirt.io']);

  const supervise = join(repoRoot, 'hack', 'supervise.sh');
  const logs = join(dir, 'logs');
  const virtApi = startDetached(
    'bash',
    [
      supervise,
      join(kvBin, 'virt-api'),
      '--kubeconfig',
      kubeconfigs.api,
      '--listen',
      '127.0.0.1',
      '--port',
      String(apiPort),
      '--tls-cert-file',
      join(pki.dir, 'virt-api.crt'),
      '--tls-key-file',
      join(pki.dir, 'virt-api.key'),
      '--handler-cert-file',
      join(pki.dir, `${IDENTITIES.handler}.crt`),
      '--handler-key-file',
      join(pki.dir, `${IDENTITIES.handler}.key`),
    ],
    join(logs, 'virt-api.log'),
  );
  const controllerPort = await freePort();
  const virtController = startDetached(
    'bash',
    [
      supervise,
      join(kvBin, 'virt-controller'),
      '--kubeconfig',
      kubeconfigs.controller,
      '--listen',
      '127.0.0.1',
      '--port',
      String(controllerPort),
      '--launcher-image',
      `quay.io/kubevirt/virt-launcher:${version}`,
      '--exporter-image',
      `quay.io/kubevirt/virt-exportserver:${version}`,
      '--prom-cert-file',
      join(pki.dir, 'virt-api.crt'),
      '--prom-key-file',
      join(pki.dir, 'virt-api.key'),
    ],
    join(logs, 'virt-controller.log'),
  );
  // tsx as a loader in this one process (not its CLI, which forks a second node): the PID is the
  // stand-in itself, so stopping it by PID leaves no orphan.
  const nodeStandin = startDetached(
    nodeBinary(),
    [
      '--import',
      pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      join(repoRoot, 'test', 'testbed', 'kubevirt', 'node', 'main.ts'),
      '--kubeconfig',
      kubeconfigs.handler,
      '--speed',
      String(o.speed),
      '--timeline',
      o.timeline,
    ],
    join(logs, 'node-standin.log'),
  );
  const started: KubevirtProcesses = {
    version,
    pids: { virtApi: virtApi.pid, virtController: virtController.pid, nodeStandin: nodeStandin.pid },
    ports: { virtApi: apiPort, virtController: controllerPort },
  };
  try {
    await waitReady(o.kubeconfig, started, logs);
  } catch (e) {
    await stopKubevirt(started);
    throw e;
  }
  // The version KubeVirt itself reports, in the test bed's log: what the e2e suite ran against.
  const served = JSON.parse(kubectl.sync(['get', '--raw', '/apis/subresources.kubevirt.io/v1/version'])) as {
    gitVersion?: string;
    gitCommit?: string;
  };
  const line =
    `KubeVirt ${version} (${kvBin}): virt-api reports ${served.gitVersion} (commit ${served.gitCommit}); ` +
    `virt-api on 127.0.0.1:${apiPort} (pid ${virtApi.pid}), virt-controller ${version} (pid ${virtController.pid}), ` +
    `node stand-in for kubelet + virt-handler (pid ${nodeStandin.pid})`;
  writeFileSync(join(logs, 'kubevirt.log'), `${new Date().toISOString()} ${line}\n`, { flag: 'a' });
  o.log(line);
  return started;
}

/** Ready: the aggregated API Available, virt-controller holding its lease, and the node stand-in's Node there. */
async function waitReady(kubeconfig: string, p: KubevirtProcesses, logs: string): Promise<void> {
  const kc = loadKubeConfig(kubeconfig);
  const reg = kc.makeApiClient(ApiregistrationV1Api);
  const leases = kc.makeApiClient(CoordinationV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 120_000;
  const checks: Array<[string, () => Promise<boolean>]> = [
    [
      'APIService v1.subresources.kubevirt.io Available',
      async () =>
        (await reg.readAPIService({ name: 'v1.subresources.kubevirt.io' })).status?.conditions?.some(
          (c) => c.type === 'Available' && c.status === 'True',
        ) === true,
    ],
    [
      'virt-controller leader lease',
      async () =>
        !!(await leases.readNamespacedLease({ namespace: KUBEVIRT_NAMESPACE, name: 'virt-controller' })).spec
          ?.holderIdentity,
    ],
    ['node stand-in Node', async () => !!(await core.readNode({ name: 'standin-node' }))],
  ];
  for (const [what, ok] of checks) {
    for (;;) {
      for (const [name, pid] of Object.entries(p.pids)) {
        if (!isAlive(pid)) throw new Error(`${name} exited during start-up (logs: ${logs})`);
      }
      if (await ok().catch(() => false)) break;
      if (Date.now() > deadline) throw new Error(`KubeVirt not ready after 120 s: no ${what} (logs: ${logs})`);
      await sleep(250);
    }
  }
}

/** Stops KubeVirt's processes by PID: the supervisors stop their child before they exit. */
export async function stopKubevirt(p: Pick<KubevirtProcesses, 'pids'>): Promise<void> {
  await stopPid(p.pids.nodeStandin);
  await Promise.all([stopPid(p.pids.virtController), stopPid(p.pids.virtApi)]);
}

function ignore409(e: unknown): undefined {
  if (httpCode(e) === 409) return undefined;
  throw e;
}
