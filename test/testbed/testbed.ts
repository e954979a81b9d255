// The whole local test bed in one call: real etcd and kube-apiserver, KubeVirt's own virt-api and
// virt-controller, and the node stand-in (test/testbed/kubevirt/node: a stand-in for kubelet and
// virt-handler only, which need KVM). Used by jest's e2e global setup, the demo, the bench and
// `npm run testbed`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { restartApiserver as restartApiserverProcess, startControlPlane, stopControlPlane } from './control-plane.js';
import { startKubevirt, stopKubevirt } from './kubevirt/install.js';
import { isAlive, stopPid } from './process.js';

export interface TestbedState {
  dir: string;
  kubeconfig: string;
  server: string;
  /** The node stand-in's JSON-lines record of what it did to each VMI and pod. */
  timeline: string;
  speed: number;
  kubevirtVersion: string;
  pids: { etcd: number; apiserver: number; virtApi: number; virtController: number; nodeStandin: number };
  ports: { etcd: number; apiserver: number; virtApi: number; virtController: number };
  logs: string;
}

export const stateFile = (dir: string) => join(dir, 'state.json');

/** `kubevirtVersion`: a KubeVirt release hack/build-kubevirt.sh knows (default: ACD_KUBEVIRT_VERSION, else v1.8.4). */
export async function startTestbed(
  dir: string,
  opts: { speed?: number; kubevirtVersion?: string; log?: (m: string) => void } = {},
): Promise<TestbedState> {
  const log = opts.log ?? (() => {});
  const speed = opts.speed ?? 1;
  mkdirSync(dir, { recursive: true });
  const cp = await startControlPlane(dir, log);
  try {
    const timeline = join(dir, 'timeline.jsonl');
    const kv = await startKubevirt({
      dir,
      kubeconfig: cp.kubeconfig,
      server: cp.server,
      pki: cp.pki,
      speed,
      timeline,
      log,
      ...(opts.kubevirtVersion ? { version: opts.kubevirtVersion } : {}),
    });
    const state: TestbedState = {
      dir,
      kubeconfig: cp.kubeconfig,
      server: cp.server,
      timeline,
      speed,
      kubevirtVersion: kv.version,
      pids: { etcd: cp.etcd.pid, apiserver: cp.apiserver.pid, ...kv.pids },
      ports: { etcd: cp.etcd.port, apiserver: cp.apiserver.port, ...kv.ports },
      logs: join(dir, 'logs'),
    };
    writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
    return state;
  } catch (e) {
    await stopControlPlane(cp);
    throw e;
  }
}

export function readState(dir: string): TestbedState | undefined {
  return existsSync(stateFile(dir)) ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as TestbedState) : undefined;
}

export const testbedAlive = (s: TestbedState) => Object.values(s.pids).every(isAlive);

/**
 * Restarts the test bed's kube-apiserver on the same port with the same flags (every watch is cut,
 * clients reconnect) and records its new PID in `s` and in state.json, so stopTestbed and
 * `testbed down` stop the new process. Resolves with how long the API was gone.
 */
export async function restartApiserver(
  s: TestbedState,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
): Promise<{ downMs: number }> {
  const t0 = Date.now();
  const p = await restartApiserverProcess(s.dir, s.pids.apiserver, signal);
  s.pids.apiserver = p.pid;
  writeFileSync(stateFile(s.dir), JSON.stringify(s, null, 2));
  return { downMs: Date.now() - t0 };
}

/** Stops every process of the test bed by PID: KubeVirt first, so nothing writes to a dying API. */
export async function stopTestbed(s: TestbedState, opts: { keepDir?: boolean } = {}): Promise<void> {
  await stopKubevirt(s);
  await stopPid(s.pids.apiserver);
  await stopPid(s.pids.etcd);
  rmSync(stateFile(s.dir), { force: true });
  if (!opts.keepDir) rmSync(join(s.dir, 'etcd-data'), { recursive: true, force: true });
}
