// Entry point of the node stand-in process (kubelet + virt-handler; see standin.ts):
//   node --import tsx/loader test/testbed/kubevirt/node/main.ts --kubeconfig K [--speed F] [--timeline FILE]
// K must authenticate as system:serviceaccount:kubevirt:kubevirt-handler: virt-api's VMI webhook
// reverts status written by anyone KubeVirt does not know.
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../kube.js';
import { timelineWriter } from '../timeline.js';
import { NodeStandin } from './standin.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    speed: { type: 'string', default: '1' },
    timeline: { type: 'string' },
    node: { type: 'string' },
  },
  strict: true,
});
if (!values.kubeconfig) {
  console.error('node stand-in: --kubeconfig is required');
  process.exit(2);
}
const speed = Number(values.speed);
if (!(speed > 0)) {
  console.error(`node stand-in: --speed must be a positive number, not ${values.speed}`);
  process.exit(2);
}
const log = (m: string) => console.log(`${new Date().toISOString()} ${m}`);
const standin = new NodeStandin(loadKubeConfig(values.kubeconfig), {
  speed,
  log,
  record: timelineWriter(values.timeline, log),
  ...(values.node ? { node: values.node } : {}),
});
await standin.start();

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    void standin.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
