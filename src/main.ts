#!/usr/bin/env node
// acd-operator's entry point: the same dist/main.js runs in the container, in the demo and in e2e.
import { PooledKubeConfig } from './kube/kubeconfig.js';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { log } from './log.js';
import { Controller } from './reconcile/controller.js';
import { ConfigMapCalendars, kubeConfigMapReader } from './reconcile/calendars.js';
import { Reconciler } from './reconcile/reconciler.js';
import { EventRecorder } from './reconcile/events.js';
import { KubevirtCommander } from './kubevirt/commands.js';
import { ClusterHealthRunner } from './health/runner.js';
import { makeGateProbes } from './gates/index.js';
import { startServer } from './server.js';
import { metrics } from './metrics.js';
import { LeaderElector } from './kube/lease.js';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' }, // one namespace or a comma-separated list; default: WATCH_NAMESPACES, else all
    'leader-elect': { type: 'boolean', default: false },
    'lease-namespace': { type: 'string' },
    'lease-name': { type: 'string', default: 'acd-operator' },
    'lease-duration': { type: 'string', default: '15' },
    'metrics-port': { type: 'string', default: '8080' },
    'health-port': { type: 'string', default: '8081' },
    'resync-seconds': { type: 'string', default: '60' },
    // AcdClusters reconciled at once (one key never twice at once). A reconcile mostly waits on
    // the API server, so more workers than cores pays off when many ACDs move together (the
    // figures: docs/adr/0005 and the bench results).
    workers: { type: 'string', default: '64' },
  },
});

/** A numeric flag, or exit with a clear message: NaN workers would silently stop all work. */
function positive(name: keyof typeof args): number {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`acd-operator: --${name} must be a positive number, not '${String(args[name])}'`);
    process.exit(2);
  }
  return n;
}
const numbers = {
  leaseDuration: positive('lease-duration'),
  metricsPort: positive('metrics-port'),
  healthPort: positive('health-port'),
  resyncSeconds: positive('resync-seconds'),
  workers: positive('workers'),
};

// A stray promise rejection (e.g. inside client-node's watch restart) must not kill the process:
// log it; the informers restart themselves.
process.on('unhandledRejection', (err) => log.error({ err: String(err) }, 'unhandled rejection'));

// FOR TESTS ONLY: ACD_TEST_CLOCK_OFFSET_MS runs the operator's clock that far ahead of the machine's,
// so an e2e test (test/e2e/schedule.test.ts) can put it seconds before a schedule boundary, or jump
// it over a whole slot across a restart. Real clusters never set it; the operator says so loudly.
const clockOffsetMs = Number(process.env.ACD_TEST_CLOCK_OFFSET_MS ?? 0);
if (!Number.isSafeInteger(clockOffsetMs)) {
  console.error(
    `acd-operator: ACD_TEST_CLOCK_OFFSET_MS must be an integer, not '${process.env.ACD_TEST_CLOCK_OFFSET_MS}'`,
  );
  process.exit(2);
}
if (clockOffsetMs) log.warn({ clockOffsetMs }, 'TEST CLOCK: the schedule is read at a shifted time; tests only');
const clock = clockOffsetMs ? () => new Date(Date.now() + clockOffsetMs) : undefined;

const kc = new PooledKubeConfig();
if (args.kubeconfig) kc.loadFromFile(args.kubeconfig);
else kc.loadFromDefault();

const identity = `${hostname()}-${process.pid}`;
const events = new EventRecorder(kc, identity, (err) => log.warn({ err: String(err) }, 'could not record event'));
const reconciler: Reconciler = new Reconciler({
  kc,
  log,
  commander: new KubevirtCommander(kc),
  events,
  getVm: (ns: string, name: string): unknown => controller.getVm(ns, name),
  getVmi: (ns: string, name: string): unknown => controller.getVmi(ns, name),
  getCluster: (ns: string, name: string): unknown => controller.getCluster(ns, name),
  claimedElsewhere: (obj, vms) => controller.claimedElsewhere(obj, vms),
  health: new ClusterHealthRunner(kc, (ns, name) => controller.getVmi(ns, name)),
  onCommand: (_c, _vm, action) => metrics.commands.inc({ action }),
  onTransitionEvent: (_c, reason) => metrics.transitionEvents.inc({ reason }),
  onStageCompleted: (_c, direction, st) => {
    if (st.startedAt && st.finishedAt)
      metrics.stageDuration.observe({ direction }, (Date.parse(st.finishedAt) - Date.parse(st.startedAt)) / 1000);
  },
  onHealthCheck: (_c, check, healthy) => metrics.healthChecks.inc({ check, result: healthy ? 'healthy' : 'unhealthy' }),
  onSlotsMissed: (_c, slots) => metrics.scheduleSlotsMissed.inc(slots),
  gates: makeGateProbes(kc, (ns, name) => controller.getVmi(ns, name)),
  onGateEnded: (cluster, gate, outcome, seconds) => {
    const [namespace, name] = cluster.split('/');
    metrics.gateWait.observe({ namespace, name, gate, outcome }, seconds);
  },
  calendars: new ConfigMapCalendars(kubeConfigMapReader(kc)),
  ...(clock ? { clock } : {}),
});
const namespaces = (args.namespace ?? process.env.WATCH_NAMESPACES ?? '')
  .split(',')
  .map((n) => n.trim())
  .filter(Boolean);
const controller: Controller = new Controller(
  {
    kc,
    namespaces,
    log,
    resyncMs: numbers.resyncSeconds * 1000,
    concurrency: numbers.workers,
    // Off in production (freezing costs a walk of each object); the test suites turn it on.
    freezeCache: process.env.ACD_FREEZE_CACHE === '1',
    onReconciled: (_key, seconds, err) => {
      metrics.reconcileDuration.observe({ result: err ? 'error' : 'success' }, seconds);
      if (err) metrics.reconcileErrors.inc();
    },
  },
  reconciler,
);
metrics.trackQueue(() => controller.queue.depth);

let leading = false;
let elector: LeaderElector | undefined;
metrics.leader.set(0);
const server = await startServer({
  metricsPort: numbers.metricsPort,
  healthPort: numbers.healthPort,
  // The leader is ready once its caches are synced. A standby is ready once it has read the Lease
  // from the API server, i.e. once it could take over; it must not wait for leadership, or the
  // chart's two-replica RollingUpdate would never see its new standby become available.
  ready: () => (leading ? controller.hasSynced : elector?.inContact === true),
});

async function run(): Promise<void> {
  leading = true;
  metrics.leader.set(1);
  log.info({ identity }, 'starting controllers');
  await controller.start();
}

if (args['leader-elect']) {
  elector = new LeaderElector(kc, {
    namespace: args['lease-namespace'] ?? process.env.POD_NAMESPACE ?? namespaces[0] ?? 'default',
    name: args['lease-name'],
    identity,
    leaseDurationSeconds: numbers.leaseDuration,
    log,
    // Losing the lease means another replica may act: stop at once, as controller-runtime does.
    onLost: () => {
      log.error('leader lease lost; exiting');
      process.exit(1);
    },
  });
  await elector.acquire();
  await run();
} else {
  await run();
}

const shutdown = async (sig: string) => {
  log.info({ sig }, 'shutting down');
  await controller.stop();
  await events.flush();
  await elector?.release();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
