// `npm run bench`: the operator against the admin's kubectl script on the local test bed (real
// kube-apiserver + etcd + the KubeVirt stand-in), then 100 ACDs at once on one operator process.
// Writes bench/results/<date>.json, .md and -timeline.svg. Not part of CI. See bench/README.md.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { SEED_LAYOUTS } from '../test/fixtures/seed-layouts.js';
import { SEED_SHUTDOWN, SEED_STARTUP, type Step } from '../test/e2e/support/seed-rules.js';
import { bin, repoRoot } from '../test/testbed/binaries.js';
import { startTestbed, stopTestbed, type TestbedState } from '../test/testbed/testbed.js';
import { analyze, criticalPathMs, median, pct, type RunResult, type Target } from './lib/analyze.js';
import { baselineScript, runScript } from './lib/baseline.js';
import { acdObjects, asList, kubectlFor, sleep, startOperator, waitAcds, type Operator } from './lib/cluster.js';
import { byVerb, cpuSeconds, diff, isOperators, scrapeRequests, vmHwmKb, type Counter } from './lib/probe.js';
import { VmRecorder } from './lib/recorder.js';
import { render, type BenchResults, type ScaleResults } from './lib/report.js';
import { gantt, type Panel } from './lib/svg.js';

const RUNS = Number(process.env.BENCH_RUNS ?? '5');
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? '100');
const SPEED = Number(process.env.BENCH_SPEED ?? '0.1');
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? '60');
const TIMING = { bootSeconds: 20, stopSeconds: 10 }; // x SPEED: 2 s boot, 1 s stop in real time
const LAYOUT = 'LargeV3' as const;
const MACHINES = SEED_LAYOUTS[LAYOUT];
const STEPS: Record<Target, Step[]> = { Off: SEED_SHUTDOWN[LAYOUT], On: SEED_STARTUP[LAYOUT] };
const delayMs = (t: Target) => () => (t === 'On' ? TIMING.bootSeconds : TIMING.stopSeconds) * SPEED * 1000;

const benchDir = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(benchDir, 'results');
const date = process.env.BENCH_DATE ?? new Date().toISOString().slice(0, 10);
const t00 = Date.now();
const say = (m: string) => console.log(`${((Date.now() - t00) / 1000).toFixed(1).padStart(7)}s  ${m}`);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acd-bench-'));
  say(`test bed in ${dir} (speed ${SPEED}: boot ${TIMING.bootSeconds * SPEED} s, stop ${TIMING.stopSeconds * SPEED} s)`);
  const tb = await startTestbed(dir, { speed: SPEED, log: say });
  const kubectl = kubectlFor(tb.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(tb.kubeconfig);
  const rec = new VmRecorder(kc);
  const ops: Operator[] = [];
  try {
    await kubectl(['apply', '--server-side', '-f', join(repoRoot, 'deploy/crds/acd.power.dev_acdclusters.yaml')]);
    await kubectl(['wait', '--for=condition=Established', 'crd/acdclusters.acd.power.dev']);
    await rec.start();

    const single = await sideBySide(tb, kc, rec, kubectl, ops);
    const scale = await scaleRun(tb, kc, rec, kubectl, ops);

    const results: BenchResults = {
      date, host: hostInfo(), speed: SPEED, timing: TIMING, layout: LAYOUT, runs: RUNS,
      boundMs: { Off: criticalPathMs(STEPS.Off, delayMs('Off')), On: criticalPathMs(STEPS.On, delayMs('On')) },
      single, scale,
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `${date}.json`), JSON.stringify(results, null, 1) + '\n');
    writeFileSync(join(resultsDir, `${date}.md`), render(results));
    say(`wrote bench/results/${date}.json, .md, -timeline.svg`);
  } finally {
    rec.stop();
    for (const op of ops) await op.stop().catch(() => undefined);
    await stopTestbed(tb);
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
  }
}

/** Part 1: one Large V3 ACD, the admin's script N times, then the operator N times, same VMs. */
async function sideBySide(tb: TestbedState, kc: KubeConfig, rec: VmRecorder, kubectl: ReturnType<typeof kubectlFor>, ops: Operator[]) {
  const ns = 'bench-l3';
  const keys = MACHINES.map((m) => `${ns}/${m.vm}`);
  await kubectl(['apply', '-f', '-'], asList(acdObjects(ns, MACHINES, TIMING, false)));
  await rec.waitAll(keys, 'On', 120_000);
  say(`${ns}: ${MACHINES.length} VMs up`);

  const scripts: Record<Target, string> = { Off: join(tb.dir, 'baseline-off.sh'), On: join(tb.dir, 'baseline-on.sh') };
  for (const t of ['Off', 'On'] as const) {
    writeFileSync(scripts[t], baselineScript(LAYOUT, STEPS[t], t));
    cpSync(scripts[t], join(resultsDir, `baseline-${LAYOUT}-${t.toLowerCase()}.sh`));
  }

  const results: RunResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const t of ['Off', 'On'] as const) {
      const t0 = Date.now();
      await runScript(scripts[t], { KUBECONFIG: tb.kubeconfig, NS: ns, KUBECTL: bin('kubectl') });
      await rec.waitAll(keys, t, 120_000);
      await sleep(300);
      const res = analyze(rec, 'baseline', ns, STEPS[t], t, t0, delayMs(t));
      results.push(res);
      say(`baseline run ${r + 1} ${t}: total ${res.totalMs} ms, overhead ${res.overheadMs} ms, hops ${res.hops.map((h) => h.ms).join(' ')}`);
    }
  }

  const op = await startOperator(tb.kubeconfig, join(tb.dir, 'logs'), 'operator-single');
  ops.push(op);
  await kubectl(['apply', '-f', '-'], asList(acdObjects(ns, MACHINES, TIMING, true).slice(1)));
  await waitAcds(kc, 'On', 1, 60_000);
  for (let r = 0; r < RUNS; r++) {
    for (const t of ['Off', 'On'] as const) {
      const t0 = Date.now();
      await kubectl(['patch', 'acdcluster', 'acd', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { powerState: t } })]);
      await rec.waitAll(keys, t, 120_000);
      await waitAcds(kc, t, 1, 60_000, 50);
      await sleep(300);
      const res = analyze(rec, 'operator', ns, STEPS[t], t, t0, delayMs(t));
      results.push(res);
      say(`operator run ${r + 1} ${t}: total ${res.totalMs} ms, overhead ${res.overheadMs} ms, hops ${res.hops.map((h) => h.ms).join(' ')}`);
    }
  }
  const rssKb = vmHwmKb(op.pid);
  // Out of the way of the scale run: the AcdCluster goes, its VMs stay (On) and are not watched by anyone.
  await kubectl(['delete', 'acdcluster', 'acd', '-n', ns, '--wait=true']);
  await op.stop();

  writeFileSync(join(resultsDir, `${date}-timeline.svg`), timelineSvg(rec, ns, results));
  const summary = (side: RunResult['side']) => {
    const rs = results.filter((x) => x.side === side);
    const hops = rs.flatMap((x) => x.hops.map((h) => h.ms));
    const pick = (t: Target) => rs.filter((x) => x.target === t);
    return {
      totalMs: { Off: median(pick('Off').map((x) => x.totalMs)), On: median(pick('On').map((x) => x.totalMs)) },
      overheadMs: { Off: median(pick('Off').map((x) => x.overheadMs)), On: median(pick('On').map((x) => x.overheadMs)) },
      overheadPerStageMs: {
        Off: median(pick('Off').map((x) => x.overheadMs / x.steps.filter((s) => s.wait).length)),
        On: median(pick('On').map((x) => x.overheadMs / x.steps.filter((s) => s.wait).length)),
      },
      hopMs: { p50: pct(hops, 50), p99: pct(hops, 99), max: Math.max(...hops), n: hops.length },
      standinLagMs: { p50: pct(rs.flatMap((x) => x.standinLagMs), 50), p99: pct(rs.flatMap((x) => x.standinLagMs), 99) },
    };
  };
  return { runs: results, operator: summary('operator'), baseline: summary('baseline'), operatorRssKb: rssKb };
}

function timelineSvg(rec: VmRecorder, ns: string, results: RunResult[]): string {
  const panels: Panel[] = (['baseline', 'operator'] as const).map((side) => {
    const pairs: [RunResult, RunResult][] = [];
    const rs = results.filter((x) => x.side === side);
    for (let i = 0; i + 1 < rs.length; i += 2) pairs.push([rs[i]!, rs[i + 1]!]);
    // The run whose Off+On total is the median one.
    const sorted = [...pairs].sort((a, b) => a[0].totalMs + a[1].totalMs - b[0].totalMs - b[1].totalMs);
    const [off, on] = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const idx = pairs.indexOf(sorted[Math.floor((sorted.length - 1) / 2)]!) + 1;
    const vms = [...STEPS.On.flatMap((s) => s.vms)];
    return {
      title: `${side === 'operator' ? 'acd-operator' : 'baseline: kubectl script from the runbook'} (run ${idx}; Off ${(off.totalMs / 1000).toFixed(2)} s, On ${(on.totalMs / 1000).toFixed(2)} s)`,
      t0: off.t0, t1: on.end + 500, vms,
      samples: (vm) => rec.samples.get(`${ns}/${vm}`) ?? [],
      commands: (vm) => {
        const ss = (rec.samples.get(`${ns}/${vm}`) ?? []).filter((s) => s.t >= off.t0 && s.t <= on.end);
        return ss.filter((s, i) => i > 0 && s.runStrategy !== ss[i - 1]!.runStrategy).map((s) => s.t);
      },
      marks: [{ t: off.t0, label: 'Off requested' }, { t: on.t0, label: 'On requested' }],
    };
  });
  return gantt(panels, `Large V3 power-cycle, boot ${TIMING.bootSeconds * SPEED} s / stop ${TIMING.stopSeconds * SPEED} s per VM (stand-in), median run of ${RUNS}`);
}

/** Part 3: CLUSTERS x 12 VMs, all flipped at once, one operator process. */
async function scaleRun(tb: TestbedState, kc: KubeConfig, rec: VmRecorder, kubectl: ReturnType<typeof kubectlFor>, ops: Operator[]): Promise<ScaleResults> {
  const nss = Array.from({ length: CLUSTERS }, (_, i) => `bench-s${String(i).padStart(3, '0')}`);
  const keys = nss.flatMap((ns) => MACHINES.map((m) => `${ns}/${m.vm}`));
  say(`scale: creating ${CLUSTERS} ACDs x ${MACHINES.length} VMs`);
  for (let i = 0; i < nss.length; i += 10) {
    await kubectl(['apply', '-f', '-'], asList(nss.slice(i, i + 10).flatMap((ns) => acdObjects(ns, MACHINES, TIMING, true))));
  }
  await rec.waitAll(keys, 'On', 600_000);
  say(`scale: ${keys.length} VMs up; starting the operator`);
  const op = await startOperator(tb.kubeconfig, join(tb.dir, 'logs'), 'operator-scale');
  ops.push(op);
  await waitAcds(kc, 'On', CLUSTERS, 300_000, 1000);
  await sleep(3000);
  const rssStartKb = vmHwmKb(op.pid);

  const api = kc.makeApiClient(CustomObjectsApi);
  const pids = { operator: op.pid, standin: tb.pids.standin, apiserver: tb.pids.apiserver, etcd: tb.pids.etcd };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  const benchCpu0 = process.cpuUsage();
  const m0 = await scrapeRequests(tb);
  const w0 = Date.now();
  let benchLists = 0;
  const phases: ScaleResults['phases'] = [];
  const runs: RunResult[] = [];
  for (const t of ['Off', 'On'] as const) {
    const t0 = Date.now();
    await Promise.all(nss.map((namespace) => api.patchNamespacedCustomObject(
      { group: 'acd.power.dev', version: 'v1alpha1', namespace, plural: 'acdclusters', name: 'acd', body: { spec: { powerState: t } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch))));
    const patched = Date.now();
    const vmsAt = await rec.waitAll(keys, t, 900_000);
    benchLists += await waitAcds(kc, t, CLUSTERS, 300_000, 250);
    const ready = Date.now();
    await sleep(500);
    const rs = nss.map((ns) => analyze(rec, 'operator', ns, STEPS[t], t, t0, delayMs(t)));
    runs.push(...rs);
    const hops = rs.flatMap((x) => x.hops.map((h) => h.ms));
    const lag = rs.flatMap((x) => x.standinLagMs);
    const firstCmd = rs.map((x) => Math.min(...x.steps.map((s) => s.firstCmd)) - t0);
    phases.push({
      target: t, patchAllMs: patched - t0, allVmsAtTargetMs: vmsAt - t0, allReadyMs: ready - t0,
      boundMs: criticalPathMs(STEPS[t], delayMs(t)),
      totalMs: { p50: pct(rs.map((x) => x.totalMs), 50), max: Math.max(...rs.map((x) => x.totalMs)) },
      hopMs: { p50: pct(hops, 50), p99: pct(hops, 99), max: Math.max(...hops), n: hops.length },
      firstCommandMs: { p50: pct(firstCmd, 50), p99: pct(firstCmd, 99) },
      standinLagMs: { p50: pct(lag, 50), p99: pct(lag, 99), max: Math.max(...lag) },
    });
    say(`scale ${t}: all VMs ${t} after ${vmsAt - t0} ms, all Ready after ${ready - t0} ms; hop p50 ${pct(hops, 50)} p99 ${pct(hops, 99)} ms; stand-in lag p50 ${pct(lag, 50)} p99 ${pct(lag, 99)} ms`);
  }
  const w1 = Date.now();
  const m1 = await scrapeRequests(tb);
  const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  const benchCpu = process.cpuUsage(benchCpu0);
  const wallS = (w1 - w0) / 1000;
  const cpu = Object.fromEntries(Object.keys(pids).map((k) => [k, { seconds: round(cpu1[k]! - cpu0[k]!), utilization: round((cpu1[k]! - cpu0[k]!) / wallS) }]));
  cpu.bench = { seconds: round((benchCpu.user + benchCpu.system) / 1e6), utilization: round((benchCpu.user + benchCpu.system) / 1e6 / wallS) };

  const d = diff(m0, m1).filter((c) => c.resource !== '');
  const opReq = byVerb(d, isOperators);
  // The bench's own calls on acdclusters: one PATCH per cluster per transition, and its status LISTs.
  opReq.PATCH = (opReq.PATCH ?? 0) - 2 * CLUSTERS;
  opReq.LIST = (opReq.LIST ?? 0) - benchLists;
  const perTransition = Object.fromEntries(Object.entries(opReq).map(([v, n]) => [v, n / 2]));
  const perClusterTransition = Object.fromEntries(Object.entries(opReq).map(([v, n]) => [v, round(n / 2 / CLUSTERS)]));

  say(`scale: idle for ${IDLE_S} s`);
  await sleep(2000);
  const i0 = await scrapeRequests(tb);
  await sleep(IDLE_S * 1000);
  const i1 = await scrapeRequests(tb);
  const idle = diff(i0, i1).filter((c) => c.resource !== '');
  const perMin = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([v, n]) => [v, round(n * 60 / IDLE_S)]));
  const rssKb = vmHwmKb(op.pid);
  await op.stop();
  return {
    clusters: CLUSTERS, vms: keys.length, phases, cpu, wallSeconds: round(wallS),
    operatorRssKb: { afterSync: rssStartKb, peak: rssKb },
    requests: {
      operatorPerTransition: perTransition, operatorPerClusterTransition: perClusterTransition,
      allClientsByResource: summarize(d),
      idlePerMinute: { operator: perMin(byVerb(idle, isOperators)), all: perMin(byVerb(idle)), byResource: summarize(idle).map((r) => ({ ...r, value: round(r.value * 60 / IDLE_S) })) },
    },
    hopsByStep: hopsByStep(runs),
  };
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
  return { node: process.version, cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 0, platform: process.platform };
}

/** `tsx bench/run.ts --render bench/results/<date>.json`: re-renders the markdown (e.g. after adding notes). */
async function rerender(file: string): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  writeFileSync(file.replace(/\.json$/, '.md'), render(r));
}

const renderArg = process.argv.indexOf('--render');
(renderArg >= 0 ? rerender(process.argv[renderArg + 1] ?? '') : main()).then(() => process.exit(0), (err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
