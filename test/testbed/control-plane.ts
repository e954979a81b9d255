// The test bed's control plane: a real etcd and a real kube-apiserver (built from the Go module
// proxy at pinned versions), on free loopback ports, with RBAC, an admin user and aggregation.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin } from './binaries.js';
import { httpsGet } from './https.js';
import { makePki, type Pki } from './pki.js';
import { freePort } from './ports.js';
import { isAlive, sleep, startDetached, stopPid, type Started } from './process.js';

export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  pki: Pki;
  etcd: Started & { port: number };
  apiserver: Started & { port: number };
}

export async function startControlPlane(dir: string, log: (m: string) => void = () => {}): Promise<ControlPlane> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const pki = makePki(join(dir, 'pki'));
  const etcd = await startEtcd(dir);
  log(`etcd ready on 127.0.0.1:${etcd.port} (pid ${etcd.pid})`);
  try {
    const apiserver = await startApiserver(dir, pki, etcd.port);
    const server = `https://127.0.0.1:${apiserver.port}`;
    const kubeconfig = writeKubeconfig(dir, server, pki);
    log(`kube-apiserver ready at ${server} (pid ${apiserver.pid})`);
    return { dir, kubeconfig, server, pki, etcd, apiserver };
  } catch (e) {
    await stopPid(etcd.pid);
    throw e;
  }
}

export async function stopControlPlane(cp: Pick<ControlPlane, 'etcd' | 'apiserver'>): Promise<void> {
  await stopPid(cp.apiserver.pid);
  await stopPid(cp.etcd.pid);
}

/**
 * Stops the kube-apiserver `pid` and starts the same binary again with the very same arguments (read
 * from /proc before it goes), so it comes back on the same port and every client only has to
 * reconnect. `signal` SIGTERM is a graceful shutdown, SIGKILL cuts every connection at once.
 * Resolves with the new process once /readyz answers; the caller records the new PID.
 */
export async function restartApiserver(
  dir: string,
  pid: number,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
): Promise<Started> {
  const [cmd, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  const port = args.find((a) => a.startsWith('--secure-port='))?.split('=')[1];
  if (!cmd || !port) throw new Error(`process ${pid} does not look like the test bed's kube-apiserver`);
  if (signal === 'SIGKILL') process.kill(pid, 'SIGKILL');
  await stopPid(pid);
  const pki = join(dir, 'pki');
  // The port can stay bound for a moment after the old process is gone ("address already in
  // use"): a new process that exits at once is simply started again.
  for (let attempt = 1; ; attempt++) {
    const p = startDetached(cmd, args, join(dir, 'logs', 'kube-apiserver.log'));
    try {
      await waitFor(`kube-apiserver (log: ${p.log})`, p.pid, 90_000, async () => {
        const r = await httpsGet(`https://127.0.0.1:${port}/readyz`, {
          ca: join(pki, 'ca.crt'),
          cert: join(pki, 'admin.crt'),
          key: join(pki, 'admin.key'),
        }).catch(() => undefined);
        return r?.status === 200;
      });
      return p;
    } catch (e) {
      if (attempt >= 5 || isAlive(p.pid)) throw e;
      await sleep(500 * attempt);
    }
  }
}

/** etcd on fresh ports; one that exits at once (a port taken meanwhile by another process) is tried again. */
async function startEtcd(dir: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce(dir);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof Error) || !e.message.includes('exited during start-up')) throw e;
      rmSync(join(dir, 'etcd-data'), { recursive: true, force: true });
    }
  }
}

async function startEtcdOnce(dir: string) {
  const port = await freePort();
  const peer = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = startDetached(
    bin('etcd'),
    [
      '--name',
      'testbed',
      '--data-dir',
      join(dir, 'etcd-data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `testbed=http://127.0.0.1:${peer}`,
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ],
    join(dir, 'logs', 'etcd.log'),
  );
  await waitFor(`etcd (log: ${p.log})`, p.pid, 30_000, async () => {
    const res = await fetch(`${url}/health`).catch(() => undefined);
    return res?.ok === true && (await res.text()).includes('"health":"true"');
  });
  return { ...p, port };
}

async function startApiserver(dir: string, pki: Pki, etcdPort: number) {
  const port = await freePort();
  const p = startDetached(
    bin('kube-apiserver'),
    [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      // No controller-manager runs, so nothing would create the default ServiceAccounts it expects.
      '--disable-admission-plugins=ServiceAccount',
      `--service-account-issuer=https://127.0.0.1:${port}/`,
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      // Aggregation, so the KubeVirt stand-in can serve subresources.kubevirt.io through an APIService.
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.proxyClientCert}`,
      `--proxy-client-key-file=${pki.proxyClientKey}`,
      // Endpoint routing would need an EndpointSlice, and the API server rejects loopback addresses in
      // those ("may not be in the loopback range"). With routing off, the aggregator resolves an
      // ExternalName Service instead, which can name localhost.
      '--enable-aggregator-routing=false',
      '--profiling=false',
    ],
    join(dir, 'logs', 'kube-apiserver.log'),
  );
  await waitFor(`kube-apiserver (log: ${p.log})`, p.pid, 90_000, async () => {
    const r = await httpsGet(`https://127.0.0.1:${port}/readyz`, {
      ca: pki.caCert,
      cert: pki.adminCert,
      key: pki.adminKey,
    }).catch(() => undefined);
    return r?.status === 200;
  });
  return { ...p, port };
}

function writeKubeconfig(dir: string, server: string, pki: Pki): string {
  const user = { name: 'admin', cert: pki.adminCert, key: pki.adminKey };
  return writeKubeconfigFile(join(dir, 'kubeconfig'), server, pki.caCert, user, 'default');
}

/** A kubeconfig for one client-certificate user of the test bed, readable by its owner only. */
export function writeKubeconfigFile(
  path: string,
  server: string,
  caCert: string,
  user: { name: string; cert: string; key: string },
  namespace?: string,
): string {
  const context = `{cluster: testbed, user: ${user.name}${namespace ? `, namespace: ${namespace}` : ''}}`;
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: testbed',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${caCert}`,
    'users:',
    `- name: ${user.name}`,
    '  user:',
    `    client-certificate: ${user.cert}`,
    `    client-key: ${user.key}`,
    'contexts:',
    '- name: testbed',
    `  context: ${context}`,
    'current-context: testbed',
    '',
  ];
  writeFileSync(path, lines.join('\n'), { mode: 0o600 });
  return path;
}

async function waitFor(what: string, pid: number, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`${what} exited during start-up`);
    if (await ready()) return;
    await sleep(150);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}
