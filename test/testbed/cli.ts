// `npm run testbed -- up|down|env|status`: the test bed as a developer tool. `up` leaves the
// processes running in the background (state in .testbed/), `env` prints the KUBECONFIG to export.
import { join } from 'node:path';
import { binDir, repoRoot } from './binaries.js';
import { listeningPorts } from './ports.js';
import { isAlive } from './process.js';
import { readState, startTestbed, stopTestbed, testbedAlive } from './testbed.js';

const dir = process.env.ACD_TESTBED_DIR ?? join(repoRoot, '.testbed');
const cmd = process.argv[2];

async function main(): Promise<number> {
  const state = readState(dir);
  switch (cmd) {
    case 'up': {
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
      return 0;
    }
    case 'down': {
      if (!state) {
        console.log('test bed is not up');
        return 0;
      }
      await stopTestbed(state);
      const left = Object.entries(state.pids).filter(([, pid]) => isAlive(pid));
      const listening = await listeningPorts();
      const open = Object.entries(state.ports).filter(([, p]) => listening.has(p));
      if (left.length || open.length) {
        console.error(`still running: ${JSON.stringify(left)}; still listening: ${JSON.stringify(open)}`);
        return 1;
      }
      const [pids, ports] = [Object.values(state.pids), Object.values(state.ports)];
      console.log(`test bed down: processes ${pids.join(', ')} gone, ports ${ports.join(', ')} closed`);
      return 0;
    }
    case 'env':
      if (!state) {
        console.error('test bed is not up: npm run testbed -- up');
        return 1;
      }
      console.log(`export KUBECONFIG=${state.kubeconfig}`);
      return 0;
    case 'status':
      console.log(state ? JSON.stringify({ ...state, alive: testbedAlive(state) }, null, 2) : 'test bed is not up');
      return 0;
    default:
      console.error('usage: npm run testbed -- up|down|env|status');
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
