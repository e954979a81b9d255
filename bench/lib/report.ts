// The result file's shape and its markdown rendering (figures, ratios, targets met/missed).
import type { RunResult, Target } from './analyze.js';
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
  cpu: Record<string, { seconds: number; utilization: number }>;
  wallSeconds: number;
  operatorRssKb: { afterSync: number; peak: number };
  requests: {
    operatorPerTransition: Record<string, number>;
    operatorPerClusterTransition: Record<string, number>;
    allClientsByResource: Counter[];
    idlePerMinute: { operator: Record<string, number>; all: Record<string, number>; byResource: Counter[] };
  };
  hopsByStep: { target: Target; afterStep: number; p50: number; p99: number }[];
}
export interface BenchResults {
  date: string;
  host: { node: string; cpus: number; platform: string };
  speed: number;
  timing: { bootSeconds: number; stopSeconds: number };
  layout: string;
  runs: number;
  boundMs: Record<Target, number>;
  single: { runs: RunResult[]; operator: SideSummary; baseline: SideSummary; operatorRssKb: number };
  scale: ScaleResults;
  notes?: string[];
}

const ms = (x: number) => `${Math.round(x)} ms`;
const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a (operator 0)');
const met = (ok: boolean) => (ok ? '**met**' : '**missed**');
const verbs = (r: Record<string, number>) => Object.entries(r).filter(([, n]) => n !== 0).map(([v, n]) => `${v} ${n}`).join(', ') || '0';

export function targets(r: BenchResults) {
  const op = r.single.operator, base = r.single.baseline;
  const scaleHopP99 = Math.max(...r.scale.phases.map((p) => p.hopMs.p99));
  const overheadOp = op.overheadMs.Off + op.overheadMs.On, overheadBase = base.overheadMs.Off + base.overheadMs.On;
  return [
    { target: 'operator overhead per stage p99 <= 100 ms (hop: last VM of a stage at target -> first command of the next)', value: ms(op.hopMs.p99), ok: op.hopMs.p99 <= 100 },
    { target: 'operator per-stage overhead >= 10x less than the baseline (hop p50)', value: ratio(base.hopMs.p50, op.hopMs.p50), ok: base.hopMs.p50 >= 10 * op.hopMs.p50 },
    { target: 'operator total overhead >= 10x less than the baseline (median Off + On overhead)', value: ratio(overheadBase, overheadOp), ok: overheadBase >= 10 * overheadOp },
    { target: `${r.scale.clusters} x 12 complete (all Off, then all On)`, value: r.scale.phases.map((p) => `${p.target} ${s(p.allReadyMs)}`).join(', '), ok: r.scale.phases.length === 2 },
    { target: `${r.scale.clusters} x 12 stage-hop p99 < 1 s`, value: ms(scaleHopP99), ok: scaleHopP99 < 1000 },
    { target: `${r.scale.clusters} x 12 operator peak RSS < 200 MB`, value: `${(r.scale.operatorRssKb.peak / 1024).toFixed(0)} MB`, ok: r.scale.operatorRssKb.peak < 200 * 1024 },
  ];
}

export function render(r: BenchResults): string {
  const op = r.single.operator, base = r.single.baseline;
  const L: string[] = [];
  L.push(`# acd-operator bench, ${r.date}`, '');
  L.push(`Local test bed: real kube-apiserver + etcd, KubeVirt stand-in at speed ${r.speed} (each VM boots in ${r.timing.bootSeconds * r.speed} s and stops in ${r.timing.stopSeconds * r.speed} s of real time). ` +
    `Host: ${r.host.cpus} CPUs, Node ${r.host.node}. Layout ${r.layout} (12 VMs, active sides 2). ${r.runs} runs of Off then On per side; medians unless marked. ` +
    'Times are taken from one watch on all VirtualMachines (the bench process): a command is the VM spec flipping to Halted/Always, a VM is at target when Stopped, or Running and Ready.', '');
  L.push('## Large V3: operator vs the admin\'s kubectl script', '');
  L.push('| figure | baseline (kubectl script) | operator | baseline / operator |', '|---|---:|---:|---:|');
  for (const t of ['Off', 'On'] as const) {
    L.push(`| total ${t} (request -> last VM at target) | ${s(base.totalMs[t])} | ${s(op.totalMs[t])} | ${ratio(base.totalMs[t], op.totalMs[t])} |`);
    L.push(`| critical-path bound ${t} | ${s(r.boundMs[t])} | ${s(r.boundMs[t])} | |`);
    L.push(`| overhead ${t} = total - bound | ${ms(base.overheadMs[t])} | ${ms(op.overheadMs[t])} | ${ratio(base.overheadMs[t], op.overheadMs[t])} |`);
    L.push(`| overhead ${t} per waiting step | ${ms(base.overheadPerStageMs[t])} | ${ms(op.overheadPerStageMs[t])} | ${ratio(base.overheadPerStageMs[t], op.overheadPerStageMs[t])} |`);
  }
  L.push(`| stage hop p50 (n=${op.hopMs.n}) | ${ms(base.hopMs.p50)} | ${ms(op.hopMs.p50)} | ${ratio(base.hopMs.p50, op.hopMs.p50)} |`);
  L.push(`| stage hop p99 | ${ms(base.hopMs.p99)} | ${ms(op.hopMs.p99)} | ${ratio(base.hopMs.p99, op.hopMs.p99)} |`);
  L.push(`| stage hop max | ${ms(base.hopMs.max ?? NaN)} | ${ms(op.hopMs.max ?? NaN)} | |`);
  L.push(`| stand-in lag p50 / p99 (VM reach - command - simulated delay) | ${ms(base.standinLagMs.p50)} / ${ms(base.standinLagMs.p99)} | ${ms(op.standinLagMs.p50)} / ${ms(op.standinLagMs.p99)} | |`);
  L.push('', `Operator peak RSS in this part: ${(r.single.operatorRssKb / 1024).toFixed(0)} MB.`, '');
  L.push('Bound: the sum over the runbook steps that must be waited for of the slowest VM\'s simulated delay (Off: 7 waiting steps x stop; On: 9 x boot). ' +
    'Overhead = total - bound: process start-up, API round trips, the stand-in\'s own reaction time and the hops. ' +
    'The hop is the part of the overhead that the orchestrator itself adds at each waiting step.', '');
  L.push(`Per-run figures are in \`${r.date}.json\` (\`single.runs\`); the timelines of the median runs are in \`${r.date}-timeline.svg\`.`, '');

  const sc = r.scale;
  L.push(`## Scale: ${sc.clusters} AcdClusters x 12 VMs (${sc.vms} VMs), one operator process`, '');
  L.push('| figure | Off | On |', '|---|---:|---:|');
  const ph = (t: Target) => sc.phases.find((p) => p.target === t)!;
  const row = (name: string, f: (p: ScaleResults['phases'][number]) => string) => L.push(`| ${name} | ${f(ph('Off'))} | ${f(ph('On'))} |`);
  row('patch all powerStates (client-node, concurrent)', (p) => ms(p.patchAllMs));
  row('all VMs at target', (p) => s(p.allVmsAtTargetMs));
  row('all AcdClusters Ready', (p) => s(p.allReadyMs));
  row('critical-path bound (one ACD)', (p) => s(p.boundMs));
  row('per-ACD total p50 / max', (p) => `${s(p.totalMs.p50)} / ${s(p.totalMs.max)}`);
  row('request -> first command p50 / p99', (p) => `${ms(p.firstCommandMs.p50)} / ${ms(p.firstCommandMs.p99)}`);
  row(`stage hop p50 / p99 / max`, (p) => `${ms(p.hopMs.p50)} / ${ms(p.hopMs.p99)} / ${ms(p.hopMs.max ?? NaN)}`);
  row('stand-in lag p50 / p99 / max', (p) => `${ms(p.standinLagMs.p50)} / ${ms(p.standinLagMs.p99)} / ${ms(p.standinLagMs.max ?? NaN)}`);
  L.push('');
  L.push(`Operator RSS: ${(sc.operatorRssKb.afterSync / 1024).toFixed(0)} MB after the initial sync, peak (VmHWM) ${(sc.operatorRssKb.peak / 1024).toFixed(0)} MB.`, '');
  L.push(`CPU over the ${sc.wallSeconds} s of both transitions (1.0 = one core):`, '');
  L.push('| process | CPU s | utilization |', '|---|---:|---:|');
  for (const [k, v] of Object.entries(sc.cpu)) L.push(`| ${k} | ${v.seconds} | ${v.utilization} |`);
  L.push('');
  L.push(`API requests by the operator per transition of all ${sc.clusters} ACDs: ${verbs(sc.requests.operatorPerTransition)}; per ACD per transition: ${verbs(sc.requests.operatorPerClusterTransition)}.`, '');
  L.push(`Idle requests per minute after completion: operator ${verbs(sc.requests.idlePerMinute.operator)}; all clients ${verbs(sc.requests.idlePerMinute.all)}.`, '');
  L.push('apiserver_request_total has no user-agent label, so the operator\'s requests are those on acdclusters (minus the bench\'s own PATCHes and status LISTs), events, and VirtualMachine spec PATCHes; the stand-in only writes VM status and VMIs. ' +
    'All clients\' requests during the transitions, by resource, are in the JSON (`scale.requests.allClientsByResource`).', '');
  L.push('Hop p50 / p99 by step (scale):', '');
  L.push('| direction | after step | p50 | p99 |', '|---|---:|---:|---:|');
  for (const h of sc.hopsByStep) L.push(`| ${h.target} | ${h.afterStep} | ${ms(h.p50)} | ${ms(h.p99)} |`);
  L.push('');

  L.push('## Targets', '');
  L.push('| target | measured | |', '|---|---:|---|');
  for (const t of targets(r)) L.push(`| ${t.target} | ${t.value} | ${met(t.ok)} |`);
  L.push('');
  if (r.notes?.length) {
    L.push('## Findings', '');
    for (const n of r.notes) L.push(`- ${n}`);
    L.push('');
  }
  return L.join('\n');
}
