// Entry point of the KubeVirt stand-in process:
//   node_modules/.bin/tsx test/testbed/kubevirt/main.ts --kubeconfig K --port P --tls-cert C --tls-key K
//     [--client-ca FRONT_PROXY_CA] [--speed F] [--timeline FILE]
import { parseArgs } from 'node:util';
import { runStandin } from './standin.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'client-ca': { type: 'string' },
    speed: { type: 'string', default: '1' },
    timeline: { type: 'string' },
  },
  strict: true,
});

for (const k of ['kubeconfig', 'port', 'tls-cert', 'tls-key'] as const) {
  if (!values[k]) {
    console.error(`kubevirt stand-in: --${k} is required`);
    process.exit(2);
  }
}
const speed = Number(values.speed);
if (!(speed > 0)) {
  console.error(`kubevirt stand-in: --speed must be a positive number, not ${values.speed}`);
  process.exit(2);
}

const standin = await runStandin({
  kubeconfig: values.kubeconfig!,
  port: Number(values.port),
  host: values.host!,
  tlsCert: values['tls-cert']!,
  tlsKey: values['tls-key']!,
  ...(values['client-ca'] ? { clientCa: values['client-ca'] } : {}),
  speed,
  ...(values.timeline ? { timeline: values.timeline } : {}),
});

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    void standin.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
