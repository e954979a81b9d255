// The result file's shape and its markdown rendering (figures, ratios, targets met/missed).
import { pct, type RunResult, type Target } from './analyze.js';
import type { Counter } from './probe.js';

interface Dist { p50: number; p99: number; max?: number; n?: number }
export interface SideSummary {
  totalMs: Record<Target, number>;
  overheadMs: Record<Target, number>;
  overheadPerStageMs: Record<Target, number>;
  hopMs: Dist;
  standinLagMs: Dist;
}
export interface ScaleResults {
  clusters: number;
  vms: number;
  phases: {
    target: Target; patchAllMs: number; allVmsAtTargetMs: number; allReadyMs: number; boundMs: number;
    totalMs: { p50: number; max: number }; hopMs: Dist; firstCommandMs: Dist; standinLagMs: Dist;
  }[];
  /** Creating the VMs until all are Running (before the operator starts). */
  createMs?: number;
  /** Operator start -> every AcdCluster Ready (initial list + first reconcile of each). */
  syncMs?: number;
  cpu?: Record<string, { seconds: number; utilization: number }>;
  wallSeconds?: number;
  operatorRssKb?: { afterSync: number; peak: number };
  /** From the operator's own /metrics (prom-client): after the initial sync, and the peak heapUsed seen every 2 s. */
  operatorMemoryMB?: { afterSync: { rss: number; heapUsed: number; heapTotal: number; external: number }; peakHeapUsed: number };
  requests?: {
    /** Transitions the counts cover (x.5: the last one did not finish). */
    transitions?: number;
    operatorPerTransition: Record<string, number>;
    operatorPerClusterTransition: Record<string, number>;
    allClientsByResource: Counter[];
    idlePerMinute?: { operator: Record<string, number>; all: Record<string, number>; byResource: Counter[] };
  };
  hopsByStep?: { target: Target; afterStep: number; p50: number; p99: number }[];
  /** A transition that did not finish before the timeout. */
  unfinished?: { target: Target; vmsAtTarget: number; vms: number; afterMs: number; hopMs?: Dist };
}
export interface BenchResults {
  date: string;
  host: { node: string; cpus: number; platform: string };
  speed: number;
  timing: { bootSeconds: number; stopSeconds: number };
  layout: string;
  runs: number;
  boundMs: Record<Target, number>;
  scaleSpeed?: number;
  operatorNodeFlags?: string;
  operatorArgs?: string;
  scaleTiming?: { bootSeconds: number; stopSeconds: number };
  /** apiFloorMs: one write seen by a watch (bench/lib/floor.ts), the least any hop can take here. */
  single?: { runs: RunResult[]; operator: SideSummary; baseline: SideSummary; operatorRssKb: number; apiFloorMs?: Dist };
  scale?: ScaleResults;
  /** Set when the bench stopped early (timeout, failed wait): what is missing and why. */
  incomplete?: string;
  /** Hand-written: the memory profile, before/after figures of fixes. Markdown paragraphs. */
  memory?: string[];
  /** Hand-written per target (same order as targets()): the cause of a miss and the measured attempt to fix it. */
  targetNotes?: string[];
  notes?: string[];
}

const ms = (x: number) => `${Math.round(x)} ms`;
const ms1 = (x: number) => `${x.toFixed(1)} ms`;
const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a (operator 0)');
const met = (ok: boolean | undefined) => (ok === undefined ? '**not measured**' : ok ? '**met**' : '**missed**');
const verbs = (r: Record<string, number>) => Object.entries(r).filter(([, n]) => n !== 0).map(([v, n]) => `${v} ${n}`).join(', ') || '0';

export function targets(r: BenchResults) {
  const rows: { target: string; value: string; ok: boolean | undefined }[] = [];
  const single = r.single;
  if (single) {
    const op = single.operator, base = single.baseline;
    const overheadOp = op.overheadMs.Off + op.overheadMs.On, overheadBase = base.overheadMs.Off + base.overheadMs.On;
    rows.push(
      { target: 'operator overhead per stage p99 <= 100 ms (hop: last VM of a stage at target -> first command of the next)', value: ms(op.hopMs.p99), ok: op.hopMs.p99 <= 100 },
      { target: 'operator per-stage overhead >= 10x less than the baseline (hop p50)', value: ratio(base.hopMs.p50, op.hopMs.p50), ok: base.hopMs.p50 >= 10 * op.hopMs.p50 },
      { target: 'operator total overhead >= 10x less than the baseline (median Off + On overhead)', value: ratio(overheadBase, overheadOp), ok: overheadBase >= 10 * overheadOp },
    );
  } else {
    for (const t of ['overhead per stage p99 <= 100 ms', 'per-stage overhead >= 10x less than the baseline', 'total overhead >= 10x less than the baseline']) rows.push({ target: t, value: 'not measured', ok: undefined });
  }
  const sc = r.scale;
  const n = sc?.clusters ?? 100;
  const hopP99 = sc && sc.phases.length ? Math.max(...sc.phases.map((p) => p.hopMs.p99)) : NaN;
  rows.push(
    { target: `${n} x 12 complete (all Off, then all On)`, value: sc ? [...sc.phases.map((p) => `${p.target} ${s(p.allReadyMs)}`), ...(sc.unfinished ? [`${sc.unfinished.target}: ${sc.unfinished.vmsAtTarget}/${sc.unfinished.vms} VMs after ${s(sc.unfinished.afterMs)}`] : [])].join(', ') || 'not reached' : 'not measured', ok: sc ? sc.phases.length === 2 : undefined },
    { target: `${n} x 12 stage-hop p99 < 1 s`, value: ms(hopP99), ok: Number.isNaN(hopP99) ? undefined : hopP99 < 1000 },
    { target: `${n} x 12 operator peak RSS < 200 MB`, value: sc?.operatorRssKb ? `${(sc.operatorRssKb.peak / 1024).toFixed(0)} MB` : 'not measured', ok: sc?.operatorRssKb ? sc.operatorRssKb.peak < 200 * 1024 : undefined },
  );
  if (n !== 100) rows.push({ target: '100 x 12 (the target size)', value: `run at ${n} x 12 only`, ok: undefined });
  return rows;
}

export function render(r: BenchResults): string {
  const L: string[] = [];
  L.push(`# acd-operator bench, ${r.date}${r.incomplete ? ' (INCOMPLETE)' : ''}`, '');
  if (r.incomplete) L.push(`**Incomplete:** the bench stopped early (${r.incomplete}); the figures below are what was measured until then.`, '');
  L.push(`Local test bed: real kube-apiserver + etcd, KubeVirt stand-in at speed ${r.speed} (each VM boots in ${r.timing.bootSeconds * r.speed} s and stops in ${r.timing.stopSeconds * r.speed} s of real time). ` +
    `Host: ${r.host.cpus} CPUs, Node ${r.host.node}. Layout ${r.layout} (12 VMs, active sides 2). ${r.runs} runs of Off then On per side; medians unless marked. ` +
    `Operator: \`node ${r.operatorNodeFlags ?? ''} dist/main.js${r.operatorArgs ? ` ${r.operatorArgs}` : ''}\`. ` +
    'Times are taken from one watch on all VirtualMachines (the bench process): a command is the VM spec flipping to Halted/Always, a VM is at target when Stopped, or Running and Ready.', '');
  if (r.single) renderSingle(r, r.single, L);
  if (r.scale) renderScale(r, r.scale, L);
  if (r.memory?.length) {
    L.push('## Operator memory', '');
    for (const p of r.memory) L.push(p, '');
  }
  L.push('## Targets', '');
  L.push('| target | measured | | cause / attempt |', '|---|---:|---|---|');
  targets(r).forEach((t, i) => L.push(`| ${t.target} | ${t.value} | ${met(t.ok)} | ${r.targetNotes?.[i] ?? ''} |`));
  L.push('');
  if (r.notes?.length) {
    L.push('## Findings', '');
    for (const n of r.notes) L.push(`- ${n}`);
    L.push('');
  }
  return L.join('\n');
}

function renderSingle(r: BenchResults, single: NonNullable<BenchResults['single']>, L: string[]): void {
  const op = single.operator, base = single.baseline;
  L.push('## Large V3: operator vs the admin\'s kubectl script', '');
  L.push('| figure | baseline (kubectl script) | operator | baseline / operator |', '|---|---:|---:|---:|');
  for (const t of ['Off', 'On'] as const) {
    L.push(`| total ${t} (request -> last VM at target) | ${s(base.totalMs[t])} | ${s(op.totalMs[t])} | ${ratio(base.totalMs[t], op.totalMs[t])} |`);
    L.push(`| critical-path bound ${t} | ${s(r.boundMs[t])} | ${s(r.boundMs[t])} | |`);
    L.push(`| overhead ${t} = total - bound | ${ms(base.overheadMs[t])} | ${ms(op.overheadMs[t])} | ${ratio(base.overheadMs[t], op.overheadMs[t])} |`);
    L.push(`| overhead ${t} per waiting step | ${ms(base.overheadPerStageMs[t])} | ${ms(op.overheadPerStageMs[t])} | ${ratio(base.overheadPerStageMs[t], op.overheadPerStageMs[t])} |`);
    const hops = (side: 'baseline' | 'operator') => single.runs.filter((x) => x.side === side && x.target === t).flatMap((x) => x.hops.map((h) => h.ms));
    const hb = hops('baseline'), ho = hops('operator');
    if (hb.length && ho.length) {
      L.push(`| stage hop ${t} p50 (n=${ho.length}) | ${ms(pct(hb, 50))} | ${ms(pct(ho, 50))} | ${ratio(pct(hb, 50), pct(ho, 50))} |`);
      L.push(`| stage hop ${t} p99 | ${ms(pct(hb, 99))} | ${ms(pct(ho, 99))} | ${ratio(pct(hb, 99), pct(ho, 99))} |`);
    }
  }
  L.push(`| stage hop p50, Off + On (n=${op.hopMs.n}) | ${ms(base.hopMs.p50)} | ${ms(op.hopMs.p50)} | ${ratio(base.hopMs.p50, op.hopMs.p50)} |`);
  L.push(`| stage hop p99, Off + On | ${ms(base.hopMs.p99)} | ${ms(op.hopMs.p99)} | ${ratio(base.hopMs.p99, op.hopMs.p99)} |`);
  L.push(`| stage hop max | ${ms(base.hopMs.max ?? NaN)} | ${ms(op.hopMs.max ?? NaN)} | |`);
  if (single.apiFloorMs) {
    const f = single.apiFloorMs;
    L.push(`| API floor: one write seen by a watch, p50 / p99 (n=${f.n}) | ${ms1(f.p50)} / ${ms1(f.p99)} | ${ms1(f.p50)} / ${ms1(f.p99)} | |`);
    L.push(`| stage hop p50 / floor p50 | ${(base.hopMs.p50 / f.p50).toFixed(1)}x | ${(op.hopMs.p50 / f.p50).toFixed(1)}x | |`);
  }
  L.push(`| stand-in lag p50 / p99 (VM reach - command - simulated delay) | ${ms(base.standinLagMs.p50)} / ${ms(base.standinLagMs.p99)} | ${ms(op.standinLagMs.p50)} / ${ms(op.standinLagMs.p99)} | |`);
  L.push('', `Operator peak RSS in this part: ${(single.operatorRssKb / 1024).toFixed(0)} MB.`, '');
  L.push('Bound: the sum over the runbook steps that must be waited for of the slowest VM\'s simulated delay (Off: 7 waiting steps x stop; On: 9 x boot). ' +
    'Overhead = total - bound: process start-up, API round trips, the stand-in\'s own reaction time and the hops. ' +
    'The hop is the part of the overhead that the orchestrator itself adds at each waiting step. Ratios are baseline / operator (> 1: the operator is faster).', '');
  L.push(`Per-run figures are in \`${r.date}.json\` (\`single.runs\`); the timelines of the median runs are in \`${r.date}-timeline.svg\`.`, '');
}

function renderScale(r: BenchResults, sc: ScaleResults, L: string[]): void {
  const tm = r.scaleTiming ?? r.timing;
  L.push(`## Scale: ${sc.clusters} AcdClusters x 12 VMs (${sc.vms} VMs), one operator process`, '');
  L.push(`VMs boot in ${+(tm.bootSeconds * r.speed).toFixed(2)} s and stop in ${+(tm.stopSeconds * r.speed).toFixed(2)} s here. ` +
    `Creating the ${sc.vms} VMs until all ran: ${sc.createMs !== undefined ? s(sc.createMs) : 'n/a'}; operator start -> all AcdClusters Ready (initial sync): ${sc.syncMs !== undefined ? s(sc.syncMs) : 'n/a'}.`, '');
  if (sc.phases.length) {
    L.push(`| figure | ${sc.phases.map((p) => p.target).join(' | ')} |`, `|---|${sc.phases.map(() => '---:').join('|')}|`);
    const row = (name: string, f: (p: ScaleResults['phases'][number]) => string) => L.push(`| ${name} | ${sc.phases.map(f).join(' | ')} |`);
    row('patch all powerStates (client-node, concurrent)', (p) => ms(p.patchAllMs));
    row('all VMs at target', (p) => s(p.allVmsAtTargetMs));
    row('all AcdClusters Ready', (p) => s(p.allReadyMs));
    row('critical-path bound (one ACD)', (p) => s(p.boundMs));
    row('per-ACD total p50 / max', (p) => `${s(p.totalMs.p50)} / ${s(p.totalMs.max)}`);
    row('request -> first command p50 / p99', (p) => `${ms(p.firstCommandMs.p50)} / ${ms(p.firstCommandMs.p99)}`);
    row('stage hop p50 / p99 / max', (p) => `${ms(p.hopMs.p50)} / ${ms(p.hopMs.p99)} / ${ms(p.hopMs.max ?? NaN)}`);
    row('stand-in lag p50 / p99 / max', (p) => `${ms(p.standinLagMs.p50)} / ${ms(p.standinLagMs.p99)} / ${ms(p.standinLagMs.max ?? NaN)}`);
    L.push('');
  }
  if (sc.unfinished) {
    const u = sc.unfinished;
    L.push(`Unfinished: ${u.target} had ${u.vmsAtTarget}/${u.vms} VMs at target after ${s(u.afterMs)}` +
      (u.hopMs?.n ? `; hops of the ACDs that finished: p50 ${ms(u.hopMs.p50)} / p99 ${ms(u.hopMs.p99)} (n=${u.hopMs.n})` : '') + '.', '');
  }
  if (sc.operatorRssKb) L.push(`Operator RSS (VmHWM): ${(sc.operatorRssKb.afterSync / 1024).toFixed(0)} MB after the initial sync, peak ${(sc.operatorRssKb.peak / 1024).toFixed(0)} MB.` +
    (sc.operatorMemoryMB ? ` From its own metrics after the sync: rss ${sc.operatorMemoryMB.afterSync.rss} MB, V8 heapUsed ${sc.operatorMemoryMB.afterSync.heapUsed} MB of heapTotal ${sc.operatorMemoryMB.afterSync.heapTotal} MB, external ${sc.operatorMemoryMB.afterSync.external} MB; peak heapUsed during the transitions ${sc.operatorMemoryMB.peakHeapUsed} MB.` : ''), '');
  if (sc.cpu && sc.wallSeconds !== undefined) {
    L.push(`CPU over the ${sc.wallSeconds} s of the transitions (1.0 = one core):`, '');
    L.push('| process | CPU s | utilization |', '|---|---:|---:|');
    for (const [k, v] of Object.entries(sc.cpu)) L.push(`| ${k} | ${v.seconds} | ${v.utilization} |`);
    L.push('');
  }
  if (sc.requests) {
    const n = sc.requests.transitions ?? 2;
    L.push(`API requests by the operator per transition of all ${sc.clusters} ACDs${n !== 2 ? ` (averaged over ${n} transitions; the last unfinished)` : ''}: ${verbs(sc.requests.operatorPerTransition)}; per ACD per transition: ${verbs(sc.requests.operatorPerClusterTransition)}.`, '');
    if (sc.requests.idlePerMinute) L.push(`Idle requests per minute after completion: operator ${verbs(sc.requests.idlePerMinute.operator)}; all clients ${verbs(sc.requests.idlePerMinute.all)}.`, '');
    L.push('apiserver_request_total has no user-agent label, so the operator\'s requests are those on acdclusters (minus the bench\'s own PATCHes and status LISTs), events, and VirtualMachine spec PATCHes; the stand-in only writes VM status and VMIs. ' +
      'All clients\' requests during the transitions, by resource, are in the JSON (`scale.requests.allClientsByResource`).', '');
  }
  if (sc.hopsByStep?.length) {
    L.push('Hop p50 / p99 by step (scale):', '');
    L.push('| direction | after step | p50 | p99 |', '|---|---:|---:|---:|');
    for (const h of sc.hopsByStep) L.push(`| ${h.target} | ${h.afterStep} | ${ms(h.p50)} | ${ms(h.p99)} |`);
    L.push('');
  }
}
