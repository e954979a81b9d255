// `npm run bench`: the operator against the admin's kubectl and virtctl-style scripts on the local
// test bed (real kube-apiserver + etcd, real KubeVirt virt-api + virt-controller, and the node
// stand-in for kubelet + virt-handler), then 100 ACDs at once on one operator process.
// Writes bench/results/<date>.json, .md and -timeline.svg. Not part of CI. See bench/README.md.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { SEED_LAYOUTS } from '../test/fixtures/seed-layouts.js';
import { SEED_SHUTDOWN, SEED_STARTUP, type Step } from '../test/e2e/support/seed-rules.js';
import { bin, repoRoot } from '../test/testbed/binaries.js';
import { startTestbed, stopTestbed, type TestbedState } from '../test/testbed/testbed.js';
import { analyze, criticalPathMs, median, pct, type RunResult, type Target } from './lib/analyze.js';
import { baselineScript, runScript, type Via } from './lib/baseline.js';
import { installAcdCrd, kubectlFor, type Kubectl } from '../test/support/kubectl.js';
import { asList } from '../test/support/manifests.js';
import { acdObjects, operatorEvents, operatorMemory, startOperator, waitAcds, type Operator } from './lib/cluster.js';
import {
  byVerb,
  diff,
  isOperators,
  scrapeRequests,
  supervisedPid,
  treeCpuSeconds,
  vmHwmKb,
  type Counter,
} from './lib/probe.js';
import { VmRecorder } from './lib/recorder.js';
import { apiFloorMs } from './lib/floor.js';
import { render, upgrade, type BenchResults, type ScaleResults } from './lib/report.js';
import { gantt, type Panel } from './lib/svg.js';

// Flags win over the BENCH_* variables; see bench/README.md.
const { values: flags } = parseArgs({
  options: {
    render: { type: 'string' },
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '5' },
    scale: { type: 'string', default: process.env.BENCH_CLUSTERS ?? '100' },
    speed: { type: 'string', default: process.env.BENCH_SPEED ?? '0.1' },
    'scale-speed': { type: 'string', default: process.env.BENCH_SCALE_SPEED },
    idle: { type: 'string', default: process.env.BENCH_IDLE_SECONDS ?? '60' },
    timeout: { type: 'string', default: process.env.BENCH_TIMEOUT_MINUTES ?? '40' },
    'skip-single': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: process.env.BENCH_HEAP_SNAPSHOT === '1' },
    // Node flags for the operator; default: the image's NODE_OPTIONS (Dockerfile), so that the
    // bench measures the heap bounds the pod runs with.
    'operator-node-flags': { type: 'string', default: process.env.BENCH_OPERATOR_NODE_FLAGS },
    // Extra operator flags, e.g. "--workers 64"; default: none (the operator's own defaults).
    'operator-args': { type: 'string', default: process.env.BENCH_OPERATOR_ARGS ?? '' },
  },
});
const OPERATOR_NODE_FLAGS = (flags['operator-node-flags'] ?? imageNodeOptions()).split(' ').filter(Boolean);
const OPERATOR_ARGS = flags['operator-args'].split(' ').filter(Boolean);

function imageNodeOptions(): string {
  const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return (
    /NODE_OPTIONS=("([^"]*)"|(\S+))/
      .exec(text)
      ?.slice(2)
      .find((x) => x !== undefined) ?? ''
  );
}
const RUNS = Number(flags.runs);
const CLUSTERS = Number(flags.scale);
const SPEED = Number(flags.speed);
const IDLE_S = Number(flags.idle);
const TIMING = { bootSeconds: 20, stopSeconds: 10 }; // x SPEED: 2 s boot, 1 s stop in real time
// The scale part may run its VMs faster than the side-by-side part (the node stand-in's speed is one
// per process, so the VMs' own boot/stop annotations are scaled instead).
const SCALE_SPEED = Number(flags['scale-speed'] ?? SPEED);
const SCALE_TIMING = {
  bootSeconds: (TIMING.bootSeconds * SCALE_SPEED) / SPEED,
  stopSeconds: (TIMING.stopSeconds * SCALE_SPEED) / SPEED,
};
/** Hard limit for the whole bench: past it every wait fails, and what was measured is written, marked incomplete. */
const DEADLINE = Date.now() + Number(flags.timeout) * 60_000;
const left = (ms: number) => {
  const l = Math.min(ms, DEADLINE - Date.now());
  if (l <= 0) throw new Error('bench timeout reached');
  return l;
};
const LAYOUT = 'LargeV3' as const;
const MACHINES = SEED_LAYOUTS[LAYOUT];
const STEPS: Record<Target, Step[]> = { Off: SEED_SHUTDOWN[LAYOUT], On: SEED_STARTUP[LAYOUT] };
const delayMs =
  (t: Target, tm = TIMING) =>
  () =>
    (t === 'On' ? tm.bootSeconds : tm.stopSeconds) * SPEED * 1000;

const benchDir = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(benchDir, 'results');
const date = process.env.BENCH_DATE ?? new Date().toISOString().slice(0, 10);
const t00 = Date.now();
const say = (m: string) => console.log(`${((Date.now() - t00) / 1000).toFixed(1).padStart(7)}s  ${m}`);

const bootStop = (t: { bootSeconds: number; stopSeconds: number }) =>
  `boot ${t.bootSeconds * SPEED} s, stop ${t.stopSeconds * SPEED} s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acd-bench-'));
  say(
    `test bed in ${dir} (` +
      [
        `speed ${SPEED}: ${bootStop(TIMING)}`,
        `scale ${CLUSTERS} x 12 at ${bootStop(SCALE_TIMING)}`,
        `timeout ${flags.timeout} min`,
        `operator node flags: ${OPERATOR_NODE_FLAGS.join(' ') || 'none'}`,
        `operator args: ${OPERATOR_ARGS.join(' ') || 'none'}`,
      ].join('; ') +
      ')',
  );
  const tb = await startTestbed(dir, { speed: SPEED, log: say });
  const kubectl = kubectlFor(tb.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(tb.kubeconfig);
  const rec = new VmRecorder(kc);
  const ops: Operator[] = [];
  const results: BenchResults = {
    date,
    host: hostInfo(),
    speed: SPEED,
    timing: TIMING,
    layout: LAYOUT,
    runs: RUNS,
    boundMs: { Off: criticalPathMs(STEPS.Off, delayMs('Off')), On: criticalPathMs(STEPS.On, delayMs('On')) },
    scaleSpeed: SCALE_SPEED,
    scaleTiming: SCALE_TIMING,
    operatorNodeFlags: OPERATOR_NODE_FLAGS.join(' '),
    operatorArgs: OPERATOR_ARGS.join(' '),
    kubevirtVersion: tb.kubevirtVersion,
  };
  const write = () => {
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `${date}.json`), JSON.stringify(results, null, 1) + '\n');
    writeFileSync(join(resultsDir, `${date}.md`), render(results));
    const svg = results.single ? ', -timeline.svg' : '';
    say(
      `wrote bench/results/${date}.json, .md${svg}${results.incomplete ? ` (incomplete: ${results.incomplete})` : ''}`,
    );
  };
  // Whatever happens from here on (a timeout, a failed wait), the figures measured so far are written.
  const hard = setTimeout(
    () => {
      results.incomplete ??= `hard timeout of ${flags.timeout} min + 2 min reached`;
      write();
      void Promise.all(ops.map((op) => op.stop().catch(() => undefined)))
        .then(() => stopTestbed(tb))
        .finally(() => process.exit(2));
    },
    DEADLINE - Date.now() + 120_000,
  );
  try {
    await installAcdCrd(kubectl);
    await rec.start();
    if (!flags['skip-single']) results.single = await sideBySide(tb, kc, rec, kubectl, ops);
    results.scale = { clusters: CLUSTERS, vms: CLUSTERS * MACHINES.length, phases: [] };
    await scaleRun(tb, kc, rec, kubectl, ops, results.scale);
  } catch (err) {
    results.incomplete = err instanceof Error ? err.message : String(err);
    say(`stopped early: ${results.incomplete}`);
  } finally {
    clearTimeout(hard);
    write();
    rec.stop();
    for (const op of ops) await op.stop().catch(() => undefined);
    await stopTestbed(tb);
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
  }
}

/** One run's figures for the log line. */
const runFigures = (res: RunResult) =>
  `total ${res.totalMs} ms, overhead ${res.overheadMs} ms, hops ${res.hops.map((h) => h.ms).join(' ')}`;

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/**
 * Part 1: one Large V3 ACD, the admin's kubectl script N times, the virtctl-style script N times, then the operator
 * N times, same VMs.
 */
async function sideBySide(tb: TestbedState, kc: KubeConfig, rec: VmRecorder, kubectl: Kubectl, ops: Operator[]) {
  const ns = 'bench-l3';
  const keys = MACHINES.map((m) => `${ns}/${m.vm}`);
  await kubectl(['apply', '-f', '-'], asList(acdObjects(ns, MACHINES, TIMING, false)));
  await rec.waitAll(keys, 'On', left(120_000));
  say(`${ns}: ${MACHINES.length} VMs up`);

  const results: RunResult[] = [];
  // The kubectl baseline (runStrategy patches), then the same script with virtctl's start/stop subresources.
  const scriptSides: [RunResult['side'], Via, string][] = [
    ['baseline', 'patch', ''],
    ['virtctl', 'subresource', '-virtctl'],
  ];
  for (const [side, via, suffix] of scriptSides) {
    const scripts: Record<Target, string> = {
      Off: join(tb.dir, `baseline-off${suffix}.sh`),
      On: join(tb.dir, `baseline-on${suffix}.sh`),
    };
    for (const t of ['Off', 'On'] as const) {
      writeFileSync(scripts[t], baselineScript(LAYOUT, STEPS[t], t, via));
      cpSync(scripts[t], join(resultsDir, `baseline-${LAYOUT}-${t.toLowerCase()}${suffix}.sh`));
    }
    for (let r = 0; r < RUNS; r++) {
      for (const t of ['Off', 'On'] as const) {
        left(1);
        const t0 = Date.now();
        await runScript(scripts[t], { KUBECONFIG: tb.kubeconfig, NS: ns, KUBECTL: bin('kubectl') });
        await rec.waitAll(keys, t, left(120_000));
        await sleep(300);
        const res = analyze(rec, side, ns, STEPS[t], t, t0, delayMs(t));
        results.push(res);
        say(`${side} run ${r + 1} ${t}: ${runFigures(res)}`);
      }
    }
  }

  const op = await startOperator(tb.kubeconfig, join(tb.dir, 'logs'), 'operator-single', {
    nodeArgs: OPERATOR_NODE_FLAGS,
    extra: OPERATOR_ARGS,
  });
  ops.push(op);
  await kubectl(['apply', '-f', '-'], asList(acdObjects(ns, MACHINES, TIMING, true).slice(1)));
  await waitAcds(kc, 'On', 1, left(60_000));
  for (let r = 0; r < RUNS; r++) {
    for (const t of ['Off', 'On'] as const) {
      const t0 = Date.now();
      await kubectl([
        'patch',
        'acdcluster',
        'acd',
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        JSON.stringify({ spec: { powerState: t } }),
      ]);
      await rec.waitAll(keys, t, left(120_000));
      await waitAcds(kc, t, 1, left(60_000), 50);
      await sleep(300);
      const res = analyze(rec, 'operator', ns, STEPS[t], t, t0, delayMs(t));
      results.push(res);
      say(`operator run ${r + 1} ${t}: ${runFigures(res)}`);
    }
  }
  const rssKb = vmHwmKb(op.pid);
  const floor = await apiFloorMs(tb.kubeconfig, ns, MACHINES[0]!.vm);
  say(`API floor (a write seen by a watch): p50 ${pct(floor, 50).toFixed(1)} ms, p99 ${pct(floor, 99).toFixed(1)} ms`);
  // Out of the way of the scale run: the AcdCluster goes, its VMs stay (On) and are not watched by anyone.
  await kubectl(['delete', 'acdcluster', 'acd', '-n', ns, '--wait=true']);
  await op.stop();

  writeFileSync(join(resultsDir, `${date}-timeline.svg`), timelineSvg(tb, rec, ns, results));
  const summary = (side: RunResult['side']) => {
    const rs = results.filter((x) => x.side === side);
    const hops = rs.flatMap((x) => x.hops.map((h) => h.ms));
    const pick = (t: Target) => rs.filter((x) => x.target === t);
    return {
      totalMs: { Off: median(pick('Off').map((x) => x.totalMs)), On: median(pick('On').map((x) => x.totalMs)) },
      overheadMs: {
        Off: median(pick('Off').map((x) => x.overheadMs)),
        On: median(pick('On').map((x) => x.overheadMs)),
      },
      overheadPerStageMs: {
        Off: median(pick('Off').map((x) => x.overheadMs / x.steps.filter((s) => s.wait).length)),
        On: median(pick('On').map((x) => x.overheadMs / x.steps.filter((s) => s.wait).length)),
      },
      hopMs: { p50: pct(hops, 50), p99: pct(hops, 99), max: Math.max(...hops), n: hops.length },
      kubevirtLagMs: {
        p50: pct(
          rs.flatMap((x) => x.kubevirtLagMs),
          50,
        ),
        p99: pct(
          rs.flatMap((x) => x.kubevirtLagMs),
          99,
        ),
      },
    };
  };
  return {
    runs: results,
    operator: summary('operator'),
    baseline: summary('baseline'),
    virtctl: summary('virtctl'),
    operatorRssKb: rssKb,
    apiFloorMs: { p50: pct(floor, 50), p99: pct(floor, 99), max: Math.max(...floor), n: floor.length },
  };
}

function timelineSvg(tb: TestbedState, rec: VmRecorder, ns: string, results: RunResult[]): string {
  const titles: Record<RunResult['side'], string> = {
    baseline: 'baseline: kubectl script from the runbook',
    virtctl: 'virtctl: the same script, start/stop subresources',
    operator: 'acd-operator',
  };
  const panels: Panel[] = (['baseline', 'virtctl', 'operator'] as const)
    .filter((side) => results.some((x) => x.side === side))
    .map((side) => {
      const pairs: [RunResult, RunResult][] = [];
      const rs = results.filter((x) => x.side === side);
      for (let i = 0; i + 1 < rs.length; i += 2) pairs.push([rs[i]!, rs[i + 1]!]);
      // The run whose Off+On total is the median one.
      const sorted = [...pairs].sort((a, b) => a[0].totalMs + a[1].totalMs - b[0].totalMs - b[1].totalMs);
      const [off, on] = sorted[Math.floor((sorted.length - 1) / 2)]!;
      const idx = pairs.indexOf(sorted[Math.floor((sorted.length - 1) / 2)]!) + 1;
      const vms = [...STEPS.On.flatMap((s) => s.vms)];
      return {
        title: `${titles[side]} (run ${idx}; Off ${seconds(off.totalMs)} s, On ${seconds(on.totalMs)} s)`,
        t0: off.t0,
        t1: on.end + 500,
        vms,
        samples: (vm) => rec.samples.get(`${ns}/${vm}`) ?? [],
        commands: (vm) => {
          const ss = (rec.samples.get(`${ns}/${vm}`) ?? []).filter((s) => s.t >= off.t0 && s.t <= on.end);
          return ss.filter((s, i) => i > 0 && s.runStrategy !== ss[i - 1]!.runStrategy).map((s) => s.t);
        },
        marks: [
          { t: off.t0, label: 'Off requested' },
          { t: on.t0, label: 'On requested' },
        ],
      };
    });
  return gantt(
    panels,
    `Large V3 power-cycle, boot ${TIMING.bootSeconds * SPEED} s / stop ${TIMING.stopSeconds * SPEED} s per VM ` +
      `(node stand-in; KubeVirt ${tb.kubevirtVersion}), median run of ${RUNS}`,
  );
}

/** Part 3: CLUSTERS x 12 VMs, all flipped at once, one operator process. Fills `sc` as it goes. */
async function scaleRun(
  tb: TestbedState,
  kc: KubeConfig,
  rec: VmRecorder,
  kubectl: Kubectl,
  ops: Operator[],
  sc: ScaleResults,
): Promise<void> {
  const nss = Array.from({ length: CLUSTERS }, (_, i) => `bench-s${String(i).padStart(3, '0')}`);
  const keys = nss.flatMap((ns) => MACHINES.map((m) => `${ns}/${m.vm}`));
  say(`scale: creating ${CLUSTERS} ACDs x ${MACHINES.length} VMs`);
  // From the first object created: the apply itself (KubeVirt's webhooks admit each VM) is most of it.
  const c0 = Date.now();
  for (let i = 0; i < nss.length; i += 10) {
    left(1);
    await kubectl(
      ['apply', '-f', '-'],
      asList(nss.slice(i, i + 10).flatMap((ns) => acdObjects(ns, MACHINES, SCALE_TIMING, true))),
    );
  }
  await rec.waitAll(keys, 'On', left(900_000));
  sc.createMs = Date.now() - c0;
  say(`scale: ${keys.length} VMs up; starting the operator`);
  const op = await startOperator(tb.kubeconfig, join(tb.dir, 'logs'), 'operator-scale', {
    nodeArgs: [...OPERATOR_NODE_FLAGS, ...(flags['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2'] : [])],
    extra: OPERATOR_ARGS,
  });
  ops.push(op);
  const s0 = Date.now();
  await waitAcds(kc, 'On', CLUSTERS, left(300_000), 1000);
  sc.syncMs = Date.now() - s0;
  await sleep(3000);
  const mem0 = await operatorMemory(op);
  sc.operatorRssKb = { afterSync: vmHwmKb(op.pid), peak: vmHwmKb(op.pid) };
  sc.operatorMemoryMB = { afterSync: mb(mem0), peakHeapUsed: mem0.heapUsed / 1048576 };
  say(`scale: operator synced in ${sc.syncMs} ms; memory ${JSON.stringify(sc.operatorMemoryMB.afterSync)} MB`);
  // Heap and RSS while the transitions run, every 2 s, from the operator's own metrics.
  const memSampler = setInterval(
    () =>
      void operatorMemory(op).then(
        (m) => {
          if (sc.operatorMemoryMB)
            sc.operatorMemoryMB.peakHeapUsed = Math.max(
              sc.operatorMemoryMB.peakHeapUsed,
              Math.round(m.heapUsed / 1048576),
            );
          if (sc.operatorRssKb) sc.operatorRssKb.peak = vmHwmKb(op.pid);
        },
        () => undefined,
      ),
    2000,
  );
  try {
    await transitions(tb, kc, rec, op, nss, keys, sc);
  } finally {
    clearInterval(memSampler);
    if (sc.operatorRssKb && op.child.exitCode === null) sc.operatorRssKb.peak = vmHwmKb(op.pid);
    sc.testbedRssKb = testbedRssKb(tb);
    say(
      `scale: test bed peak RSS ${Object.entries(sc.testbedRssKb)
        .map(([k, kb]) => `${k} ${(kb / 1024).toFixed(0)} MB`)
        .join(', ')}`,
    );
  }
  if (flags['heap-snapshot']) {
    op.child.kill('SIGUSR2');
    say(`scale: heap snapshot requested (in ${op.cwd}; keep it with BENCH_KEEP=1)`);
    await sleep(20_000);
  }
  await op.stop();
}

/** Peak RSS (VmHWM, kB) of the test bed's processes; virt-api and virt-controller: the binary under its supervisor. */
function testbedRssKb(tb: TestbedState): Record<string, number> {
  const p = tb.pids;
  const pids = {
    etcd: p.etcd,
    apiserver: p.apiserver,
    virtApi: supervisedPid(p.virtApi),
    virtController: supervisedPid(p.virtController),
    nodeStandin: p.nodeStandin,
  };
  return Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => {
      try {
        return [k, vmHwmKb(pid)];
      } catch {
        return [k, NaN]; // gone
      }
    }),
  );
}

const mb = (m: { rss: number; heapUsed: number; heapTotal: number; external: number }) => ({
  rss: Math.round(m.rss / 1048576),
  heapUsed: Math.round(m.heapUsed / 1048576),
  heapTotal: Math.round(m.heapTotal / 1048576),
  external: Math.round(m.external / 1048576),
});

async function transitions(
  tb: TestbedState,
  kc: KubeConfig,
  rec: VmRecorder,
  op: Operator,
  nss: string[],
  keys: string[],
  sc: ScaleResults,
): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const pids = {
    operator: op.pid,
    virtController: tb.pids.virtController,
    virtApi: tb.pids.virtApi,
    nodeStandin: tb.pids.nodeStandin,
    apiserver: tb.pids.apiserver,
    etcd: tb.pids.etcd,
  };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, treeCpuSeconds(p)]));
  const benchCpu0 = process.cpuUsage();
  const m0 = await scrapeRequests(tb);
  // virt-controller posts Events too, so the operator's Event POSTs are counted by the operator itself.
  const events0 = await operatorEvents(op);
  const w0 = Date.now();
  let benchLists = 0;
  const runs: RunResult[] = [];
  const timing = SCALE_TIMING;
  const account = (transitionsDone: number) => {
    const w1 = Date.now();
    const wallS = (w1 - w0) / 1000;
    return async () => {
      const m1 = await scrapeRequests(tb);
      const events = await operatorEvents(op).then(
        (n) => n - events0,
        () => NaN,
      );
      const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, treeCpuSeconds(p)]));
      const benchCpu = process.cpuUsage(benchCpu0);
      const cpu = Object.fromEntries(
        Object.keys(pids).map((k) => [
          k,
          { seconds: round(cpu1[k]! - cpu0[k]!), utilization: round((cpu1[k]! - cpu0[k]!) / wallS) },
        ]),
      );
      cpu.bench = {
        seconds: round((benchCpu.user + benchCpu.system) / 1e6),
        utilization: round((benchCpu.user + benchCpu.system) / 1e6 / wallS),
      };
      const d = diff(m0, m1).filter((c) => c.resource !== '');
      const opReq = byVerb(d, isOperators);
      // The bench's own calls on acdclusters: one PATCH per cluster per transition, and its status LISTs.
      opReq.PATCH = (opReq.PATCH ?? 0) - transitionsDone * CLUSTERS;
      opReq.LIST = (opReq.LIST ?? 0) - benchLists;
      opReq.POST = (opReq.POST ?? 0) + events;
      const n = Math.max(transitionsDone, 1);
      sc.cpu = cpu;
      sc.wallSeconds = round(wallS);
      sc.requests = {
        ...sc.requests,
        transitions: transitionsDone,
        operatorPerTransition: Object.fromEntries(Object.entries(opReq).map(([v, k]) => [v, round(k / n)])),
        operatorPerClusterTransition: Object.fromEntries(
          Object.entries(opReq).map(([v, k]) => [v, round(k / n / CLUSTERS)]),
        ),
        allClientsByResource: summarize(d),
      };
    };
  };
  for (const t of ['Off', 'On'] as const) {
    const t0 = Date.now();
    await Promise.all(
      nss.map((namespace) =>
        api.patchNamespacedCustomObject(
          {
            group: 'acd.power.dev',
            version: 'v1alpha1',
            namespace,
            plural: 'acdclusters',
            name: 'acd',
            body: { spec: { powerState: t } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    );
    const patched = Date.now();
    let vmsAt: number;
    try {
      vmsAt = await rec.waitAll(keys, t, left(900_000));
      benchLists += await waitAcds(kc, t, CLUSTERS, left(300_000), 250);
    } catch (err) {
      // Record how far this transition got before giving up, and the requests so far (a partial transition).
      const done = keys.filter((k) => rec.reachedAt(k, t, t0) !== undefined).length;
      sc.unfinished = { target: t, vmsAtTarget: done, vms: keys.length, afterMs: Date.now() - t0 };
      const partialRuns = nss
        .map((ns) => analyzeSafe(ns, t, t0, timing))
        .filter((x): x is RunResult => x !== undefined);
      sc.unfinished.hopMs = distOf(partialRuns.flatMap((x) => x.hops.map((h) => h.ms)));
      await account(sc.phases.length + 0.5)();
      throw err;
    }
    const ready = Date.now();
    await sleep(500);
    const rs = nss.map((ns) => analyze(rec, 'operator', ns, STEPS[t], t, t0, delayMs(t, timing)));
    runs.push(...rs);
    const hops = rs.flatMap((x) => x.hops.map((h) => h.ms));
    const lag = rs.flatMap((x) => x.kubevirtLagMs);
    const firstCmd = rs.map((x) => Math.min(...x.steps.map((st) => st.firstCmd)) - t0);
    sc.phases.push({
      target: t,
      patchAllMs: patched - t0,
      allVmsAtTargetMs: vmsAt - t0,
      allReadyMs: ready - t0,
      boundMs: criticalPathMs(STEPS[t], delayMs(t, timing)),
      totalMs: {
        p50: pct(
          rs.map((x) => x.totalMs),
          50,
        ),
        max: Math.max(...rs.map((x) => x.totalMs)),
      },
      hopMs: { p50: pct(hops, 50), p99: pct(hops, 99), max: Math.max(...hops), n: hops.length },
      firstCommandMs: { p50: pct(firstCmd, 50), p99: pct(firstCmd, 99) },
      kubevirtLagMs: { p50: pct(lag, 50), p99: pct(lag, 99), max: Math.max(...lag) },
    });
    sc.hopsByStep = hopsByStep(runs);
    say(
      `scale ${t}: all VMs ${t} after ${vmsAt - t0} ms, all Ready after ${ready - t0} ms; ` +
        `hop p50 ${pct(hops, 50)} p99 ${pct(hops, 99)} ms; KubeVirt lag p50 ${pct(lag, 50)} p99 ${pct(lag, 99)} ms`,
    );
  }
  await account(2)();

  say(`scale: idle for ${IDLE_S} s`);
  await sleep(2000);
  const i0 = await scrapeRequests(tb);
  const ie0 = await operatorEvents(op);
  await sleep(Math.min(IDLE_S * 1000, left(IDLE_S * 1000)));
  const i1 = await scrapeRequests(tb);
  const idleEvents = (await operatorEvents(op)) - ie0;
  const idle = diff(i0, i1).filter((c) => c.resource !== '');
  const perMin = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([v, n]) => [v, round((n * 60) / IDLE_S)]));
  const idleOp = byVerb(idle, isOperators);
  if (idleEvents) idleOp.POST = (idleOp.POST ?? 0) + idleEvents;
  sc.requests!.idlePerMinute = {
    operator: perMin(idleOp),
    all: perMin(byVerb(idle)),
    byResource: summarize(idle).map((r) => ({ ...r, value: round((r.value * 60) / IDLE_S) })),
  };

  function analyzeSafe(ns: string, t: Target, t0: number, tm: typeof TIMING): RunResult | undefined {
    try {
      return analyze(rec, 'operator', ns, STEPS[t], t, t0, delayMs(t, tm));
    } catch {
      return undefined;
    }
  }
}

function distOf(xs: number[]) {
  return xs.length
    ? { p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs), n: xs.length }
    : { p50: NaN, p99: NaN, n: 0 };
}

function hopsByStep(runs: RunResult[]): ScaleResults['hopsByStep'] {
  const out: ScaleResults['hopsByStep'] = [];
  for (const t of ['Off', 'On'] as const) {
    const steps = new Set(runs.filter((r) => r.target === t).flatMap((r) => r.hops.map((h) => h.step)));
    for (const s of steps) {
      const ms = runs.filter((r) => r.target === t).flatMap((r) => r.hops.filter((h) => h.step === s).map((h) => h.ms));
      out.push({ target: t, afterStep: s, p50: pct(ms, 50), p99: pct(ms, 99) });
    }
  }
  return out;
}

function summarize(cs: Counter[]): Counter[] {
  return [...cs].sort((a, b) => b.value - a.value);
}

const round = (x: number) => Math.round(x * 100) / 100;

function hostInfo() {
  return {
    node: process.version,
    cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 0,
    platform: process.platform,
  };
}

/** `tsx bench/run.ts --render bench/results/<date>.json`: re-renders the markdown (e.g. after adding notes). */
async function rerender(file: string): Promise<void> {
  const r = upgrade(JSON.parse(readFileSync(file, 'utf8')) as BenchResults);
  writeFileSync(file.replace(/\.json$/, '.md'), render(r));
}

(flags.render ? rerender(flags.render) : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
