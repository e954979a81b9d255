// `npm run demo`: the operator's main job on the local test bed. Starts a real kube-apiserver, real
// KubeVirt (virt-api, virt-controller) and the node stand-in, creates a Large V3 ACD (12 VMs), runs
// the operator (dist/main.js), and power-cycles the ACD with `kubectl patch`, printing each stage as it progresses.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import type { AcdClusterStatus } from '../../src/api/status.js';
import { installAcdCrd, kubectlFor } from '../support/kubectl.js';
import { acdManifest, asList, vmManifest } from '../support/manifests.js';
import { repoRoot } from './binaries.js';
import { freePort } from './ports.js';
import { startTestbed, stopTestbed } from './testbed.js';

const NS = 'acd-demo';
const keep = process.argv.includes('--keep');
const speed = Number(process.env.ACD_STANDIN_SPEED ?? '0.1');
const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s`;
const say = (m: string) => console.log(`${stamp()}  ${m}`);

async function main(): Promise<void> {
  say('building or finding kube-apiserver, etcd, kubectl (a cold build takes a few minutes) ...');
  const dir = mkdtempSync(join(tmpdir(), 'acd-demo-'));
  const tb = await startTestbed(dir, { speed, log: say });
  const kubectl = kubectlFor(tb.kubeconfig);
  let op: ReturnType<typeof spawn> | undefined;
  try {
    await installAcdCrd(kubectl);
    kubectl.sync(['create', 'namespace', NS]);
    const machines = SEED_LAYOUTS.LargeV3;
    const annotations = { 'standin.acd.power.dev/boot-seconds': '20', 'standin.acd.power.dev/stop-seconds': '15' };
    const vms = machines.map((m) => vmManifest(NS, m.vm, { runStrategy: 'Always', annotations }));
    const acd = acdManifest(NS, 'acd', machines, { active: { database: 2, loadBalancer: 2, storage: 2 } });
    kubectl.sync(['apply', '-f', '-'], asList([...vms, acd]));
    say(`created a Large V3 ACD: ${machines.length} VirtualMachines (runStrategy Always), AcdCluster ${NS}/acd`);

    const log = join(dir, 'logs', 'operator.log');
    op = spawn(
      process.execPath,
      [
        join(repoRoot, 'dist/main.js'),
        '--kubeconfig',
        tb.kubeconfig,
        '--metrics-port',
        String(await freePort()),
        '--health-port',
        String(await freePort()),
      ],
      { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] },
    );
    say(`operator started (pid ${op.pid}, log ${log})`);
    const kc = new KubeConfig();
    kc.loadFromFile(tb.kubeconfig);
    const api = kc.makeApiClient(CustomObjectsApi);

    await follow(api, 'On', 'waiting for the operator to report the ACD On');
    for (const power of ['Off', 'On'] as const) {
      console.log(`\n$ kubectl patch acdcluster acd -n ${NS} --type merge -p '{"spec":{"powerState":"${power}"}}'`);
      kubectl.sync([
        'patch',
        'acdcluster',
        'acd',
        '-n',
        NS,
        '--type',
        'merge',
        '-p',
        JSON.stringify({ spec: { powerState: power } }),
      ]);
      const started = Date.now();
      await follow(api, power, `powering ${power}`);
      say(`ACD is ${power} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    console.log(`\n$ kubectl get acd -n ${NS}\n${kubectl.sync(['get', 'acd', '-n', NS])}`);
    console.log(`$ kubectl get vm -n ${NS}\n${kubectl.sync(['get', 'vm', '-n', NS])}`);
    if (keep) {
      console.log(
        `kept running: export KUBECONFIG=${tb.kubeconfig}; ` +
          `stop with: kill ${op.pid}; ACD_TESTBED_DIR=${dir} npm run testbed -- down`,
      );
      return;
    }
  } finally {
    if (!keep) {
      op?.kill('SIGTERM');
      await stopTestbed(tb);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Prints each stage as its state changes, until the ACD reports Ready for `power`. */
async function follow(api: CustomObjectsApi, power: 'On' | 'Off', what: string): Promise<void> {
  say(what);
  const seen = new Map<string, string>();
  const deadline = Date.now() + 300_000;
  for (;;) {
    const obj = (await api.getNamespacedCustomObject({
      group: 'acd.power.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'acdclusters',
      name: 'acd',
    })) as { metadata: { generation: number }; status?: AcdClusterStatus };
    const s = obj.status;
    const t = s?.transition;
    if (t && t.direction === power) {
      for (const st of t.stages) {
        const key = `${power}/${st.index}`;
        const line = `${st.state}`;
        if (seen.get(key) !== line) {
          seen.set(key, line);
          if (st.state !== 'Pending') {
            const checks = st.checks.length ? `  (checks: ${st.checks.join(', ')})` : '';
            say(
              `  [${power}] stage ${String(st.index + 1).padStart(2)}/${t.stages.length} ` +
                `${st.name.padEnd(34)} ${st.state.padEnd(10)} ${st.vms.join(', ')}${checks}`,
            );
          }
        }
      }
    }
    const ready = s?.conditions?.find((c) => c.type === 'Ready');
    const stalled = s?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
    if (stalled) throw new Error(`Stalled: ${stalled.reason}: ${stalled.message}`);
    if (s?.observedGeneration === obj.metadata.generation && ready?.status === 'True' && s.power === power) return;
    if (Date.now() > deadline) throw new Error(`timed out ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
