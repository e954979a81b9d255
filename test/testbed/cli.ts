// `npm run testbed -- up|down|env|status|crd`: the test bed as a developer tool. `up` leaves the
// processes running in the background (state in .testbed/), `env` prints the KUBECONFIG to export.
import { join } from 'node:path';
import { binDir, repoRoot } from './binaries.js';
import { listeningPorts } from './ports.js';
import { isAlive } from './process.js';
import { readState, startTestbed, stopTestbed, testbedAlive, type TestbedState } from './testbed.js';
import { startArgocd, stopArgocd, type ArgocdState } from './argocd/install.js';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { installAcdCrd, kubectlFor } from '../support/kubectl.js';

const dir = process.env.ACD_TESTBED_DIR ?? join(repoRoot, '.testbed');
const cmd = process.argv[2];
/** `up --with argocd` also starts Argo CD's own controllers (test/testbed/argocd) on the test bed. */
const withArgocd = process.argv.slice(3).join(' ').includes('--with argocd');
const argocdStateFile = join(dir, 'argocd-state.json');
const readArgocd = () =>
  existsSync(argocdStateFile) ? (JSON.parse(readFileSync(argocdStateFile, 'utf8')) as ArgocdState) : undefined;

async function up(state: TestbedState | undefined): Promise<number> {
  if (state && testbedAlive(state)) {
    console.log(`test bed already up: export KUBECONFIG=${state.kubeconfig}`);
    return 0;
  }
  const speed = Number(process.env.ACD_STANDIN_SPEED ?? '1');
  const s = await startTestbed(dir, { speed, log: (m) => console.log(m) });
  console.log(`\ntest bed up (Kubernetes ${s.server}). Use it with:`);
  console.log(`  export KUBECONFIG=${s.kubeconfig}`);
  console.log(`  export PATH=${binDir()}:$PATH   # kubectl and helm of the same version`);
  console.log(`logs: ${s.logs}   stop: npm run testbed -- down`);
  if (!withArgocd) return 0;
  const a = await startArgocd({ dir, kubeconfig: s.kubeconfig, log: console.log });
  writeFileSync(
    argocdStateFile,
    JSON.stringify(a, (k, v: unknown) => (k === 'env' ? undefined : v), 2),
  );
  console.log(`Argo CD: push to ${a.workTree} (origin), Argo reads ${a.repoUrl}; logs: ${a.logs}`);
  console.log(`  argocd CLI: ${a.bin}/argocd app list --server 127.0.0.1:${a.ports.server} --plaintext`);
  return 0;
}

/** Stops Argo CD (if up) and the test bed, and proves no process and no port is left. */
async function down(state: TestbedState | undefined): Promise<number> {
  if (!state) {
    console.log('test bed is not up');
    return 0;
  }
  const argo = readArgocd();
  if (argo) {
    await stopArgocd(argo);
    rmSync(argocdStateFile);
  }
  await stopTestbed(state);
  const pidsNow = { ...state.pids, ...(argo ? argo.pids : {}) };
  const portsNow = { ...state.ports, ...(argo ? argo.ports : {}) };
  const left = Object.entries(pidsNow).filter(([, pid]) => isAlive(pid));
  const listening = await listeningPorts();
  const open = Object.entries(portsNow).filter(([, p]) => listening.has(p));
  if (left.length || open.length) {
    console.error(`still running: ${JSON.stringify(left)}; still listening: ${JSON.stringify(open)}`);
    return 1;
  }
  const [pids, ports] = [Object.values(pidsNow), Object.values(portsNow)];
  console.log(`test bed down: processes ${pids.join(', ')} gone, ports ${ports.join(', ')} closed`);
  return 0;
}

async function main(): Promise<number> {
  const state = readState(dir);
  switch (cmd) {
    case 'up':
      return up(state);
    case 'down':
      return down(state);
    case 'env':
      if (!state) {
        console.error('test bed is not up: npm run testbed -- up');
        return 1;
      }
      console.log(`export KUBECONFIG=${state.kubeconfig}`);
      return 0;
    case 'crd': {
      // global-setup's way in (it cannot import these .ts files): the CRD on $KUBECONFIG, or here.
      const kubeconfig = process.env.KUBECONFIG ?? state?.kubeconfig;
      if (!kubeconfig) throw new Error('no KUBECONFIG and no test bed up');
      await installAcdCrd(kubectlFor(kubeconfig));
      return 0;
    }
    case 'status':
      console.log(state ? JSON.stringify({ ...state, alive: testbedAlive(state) }, null, 2) : 'test bed is not up');
      return 0;
    default:
      console.error('usage: npm run testbed -- up [--with argocd]|down|env|status|crd');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`testbed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
