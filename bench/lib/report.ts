// The result file's shape and its markdown rendering (figures, ratios, targets met/missed).
import { pct, type RunResult, type Target } from './analyze.js';
import type { Counter } from './probe.js';

interface Dist {
  p50: number;
  p99: number;
  max?: number;
  n?: number;
}
export interface SideSummary {
  totalMs: Record<Target, number>;
  overheadMs: Record<Target, number>;
  overheadPerStageMs: Record<Target, number>;
  hopMs: Dist;
  /** Per VM: reach - command - simulated delay (real KubeVirt's reaction plus watch delivery). */
  kubevirtLagMs: Dist;
}
export interface ScaleResults {
  clusters: number;
  vms: number;
  phases: {
    target: Target;
    patchAllMs: number;
    allVmsAtTargetMs: number;
    allReadyMs: number;
    boundMs: number;
    totalMs: { p50: number; max: number };
    hopMs: Dist;
    firstCommandMs: Dist;
    kubevirtLagMs: Dist;
  }[];
  /** Creating the VMs until all are Running (before the operator starts). */
  createMs?: number;
  /** Operator start -> every AcdCluster Ready (initial list + first reconcile of each). */
  syncMs?: number;
  cpu?: Record<string, { seconds: number; utilization: number }>;
  wallSeconds?: number;
  operatorRssKb?: { afterSync: number; peak: number };
  /**
   * The test bed's peak RSS (VmHWM) per process at the end of the scale part, in kB: etcd, apiserver,
   * virtApi, virtController (the binaries under hack/supervise.sh, not the supervisors), nodeStandin.
   */
  testbedRssKb?: Record<string, number>;
  /** From the operator's own /metrics (prom-client): after the initial sync, and the peak heapUsed seen every 2 s. */
  operatorMemoryMB?: {
    afterSync: { rss: number; heapUsed: number; heapTotal: number; external: number };
    peakHeapUsed: number;
  };
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
  /**
   * The KubeVirt release of the test bed (virt-api, virt-controller); absent: the VM-level stand-in of earlier
   * runs.
   */
  kubevirtVersion?: string;
  /**
   * apiFloorMs: one write seen by a watch (bench/lib/floor.ts), the least any hop can take here.
   * virtctl: the runbook script with start/stop subresource calls (absent in earlier runs).
   */
  single?: {
    runs: RunResult[];
    operator: SideSummary;
    baseline: SideSummary;
    virtctl?: SideSummary;
    operatorRssKb: number;
    apiFloorMs?: Dist;
  };
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
const verbs = (r: Record<string, number>) =>
  Object.entries(r)
    .filter(([, n]) => n !== 0)
    .map(([v, n]) => `${v} ${n}`)
    .join(', ') || '0';

const unfinishedAt = (u: NonNullable<ScaleResults['unfinished']>) =>
  `${u.target}: ${u.vmsAtTarget}/${u.vms} VMs after ${s(u.afterMs)}`;

export function targets(r: BenchResults) {
  const rows: { target: string; value: string; ok: boolean | undefined }[] = [];
  const single = r.single;
  if (single) {
    const op = single.operator,
      base = single.baseline;
    const overheadOp = op.overheadMs.Off + op.overheadMs.On,
      overheadBase = base.overheadMs.Off + base.overheadMs.On;
    rows.push(
      {
        target:
          'operator overhead per stage p99 <= 100 ms (hop: last VM of a stage at target -> first command of the next)',
        value: ms(op.hopMs.p99),
        ok: op.hopMs.p99 <= 100,
      },
      {
        target: 'operator per-stage overhead >= 10x less than the baseline (hop p50)',
        value: ratio(base.hopMs.p50, op.hopMs.p50),
        ok: base.hopMs.p50 >= 10 * op.hopMs.p50,
      },
      {
        target: 'operator total overhead >= 10x less than the baseline (median Off + On overhead)',
        value: ratio(overheadBase, overheadOp),
        ok: overheadBase >= 10 * overheadOp,
      },
    );
  } else {
    for (const t of [
      'overhead per stage p99 <= 100 ms',
      'per-stage overhead >= 10x less than the baseline',
      'total overhead >= 10x less than the baseline',
    ])
      rows.push({ target: t, value: 'not measured', ok: undefined });
  }
  const sc = r.scale;
  const n = sc?.clusters ?? 100;
  const hopP99 = sc && sc.phases.length ? Math.max(...sc.phases.map((p) => p.hopMs.p99)) : NaN;
  rows.push(
    {
      target: `${n} x 12 complete (all Off, then all On)`,
      value: sc
        ? [
            ...sc.phases.map((p) => `${p.target} ${s(p.allReadyMs)}`),
            ...(sc.unfinished ? [unfinishedAt(sc.unfinished)] : []),
          ].join(', ') || 'not reached'
        : 'not measured',
      ok: sc ? sc.phases.length === 2 : undefined,
    },
    {
      target: `${n} x 12 stage-hop p99 < 1 s`,
      value: ms(hopP99),
      ok: Number.isNaN(hopP99) ? undefined : hopP99 < 1000,
    },
    {
      target: `${n} x 12 operator peak RSS < 200 MB`,
      value: sc?.operatorRssKb ? `${(sc.operatorRssKb.peak / 1024).toFixed(0)} MB` : 'not measured',
      ok: sc?.operatorRssKb ? sc.operatorRssKb.peak < 200 * 1024 : undefined,
    },
  );
  if (n !== 100) rows.push({ target: '100 x 12 (the target size)', value: `run at ${n} x 12 only`, ok: undefined });
  return rows;
}

/**
 * A result file as read: files written before the rename have `standinLagMs` where newer ones have
 * `kubevirtLagMs` (runs, side summaries, scale phases); this fills in the new name from the old.
 */
export function upgrade(r: BenchResults): BenchResults {
  const fix = (o: object | undefined) => {
    const x = o as { kubevirtLagMs?: unknown; standinLagMs?: unknown } | undefined;
    if (x && x.kubevirtLagMs === undefined && x.standinLagMs !== undefined) x.kubevirtLagMs = x.standinLagMs;
  };
  for (const o of [
    ...(r.single?.runs ?? []),
    r.single?.operator,
    r.single?.baseline,
    r.single?.virtctl,
    ...(r.scale?.phases ?? []),
  ])
    fix(o);
  return r;
}

export function render(r: BenchResults): string {
  const L: string[] = [];
  L.push(`# acd-operator bench, ${r.date}${r.incomplete ? ' (INCOMPLETE)' : ''}`, '');
  if (r.incomplete)
    L.push(
      `**Incomplete:** the bench stopped early (${r.incomplete}); the figures below are what was measured until then.`,
      '',
    );
  const kubevirt = r.kubevirtVersion
    ? `real KubeVirt ${r.kubevirtVersion} (virt-api + virt-controller) and the node stand-in ` +
      `(kubelet + virt-handler, which need KVM) at speed ${r.speed}`
    : `the VM-level KubeVirt stand-in at speed ${r.speed}`;
  const { bootSeconds, stopSeconds } = r.timing;
  L.push(
    [
      `Local test bed: real kube-apiserver + etcd, ${kubevirt} (each VM boots in ${bootSeconds * r.speed} s ` +
        `and stops in ${stopSeconds * r.speed} s of real time).`,
      `Host: ${r.host.cpus} CPUs, Node ${r.host.node}. Layout ${r.layout} (12 VMs, active sides 2).`,
      `${r.runs} runs of Off then On per side; medians unless marked.`,
      `Operator: \`node ${r.operatorNodeFlags ?? ''} dist/main.js${r.operatorArgs ? ` ${r.operatorArgs}` : ''}\`.`,
      'Times are taken from one watch on all VirtualMachines (the bench process): a command is the VM spec ' +
        'flipping to Halted/Always, a VM is at target when Stopped, or Running and Ready.',
    ].join(' '),
    '',
  );
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

type Side = RunResult['side'];
const SIDE_NAMES: Record<Side, string> = {
  baseline: 'baseline (kubectl script)',
  virtctl: 'virtctl script',
  operator: 'operator',
};

function renderSingle(r: BenchResults, single: NonNullable<BenchResults['single']>, L: string[]): void {
  const op = single.operator;
  // Earlier result files have no virtctl side.
  const candidates: [Side, SideSummary | undefined][] = [
    ['baseline', single.baseline],
    ['virtctl', single.virtctl],
  ];
  const others = candidates.filter((x): x is [Side, SideSummary] => x[1] !== undefined);
  const sides: [Side, SideSummary][] = [...others, ['operator', op]];
  const row = (
    name: string,
    cell: (x: SideSummary, side: Side) => string,
    ratioOf?: (x: SideSummary, side: Side) => number,
  ) => {
    const cells = sides.map(([side, x]) => cell(x, side));
    const ratios = others.map(([side, x]) => (ratioOf ? ratio(ratioOf(x, side), ratioOf(op, 'operator')) : ''));
    L.push(`| ${name} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  };
  L.push(
    `## Large V3: operator vs the admin's ${others.length > 1 ? 'kubectl and virtctl scripts' : 'kubectl script'}`,
    '',
  );
  L.push(
    `| figure | ${sides.map(([side]) => SIDE_NAMES[side]).join(' | ')} | ` +
      `${others.map(([side]) => `${side} / operator`).join(' | ')} |`,
    `|---|${sides.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|`,
  );
  for (const t of ['Off', 'On'] as const) {
    row(
      `total ${t} (request -> last VM at target)`,
      (x) => s(x.totalMs[t]),
      (x) => x.totalMs[t],
    );
    row(`critical-path bound ${t}`, () => s(r.boundMs[t]));
    row(
      `overhead ${t} = total - bound`,
      (x) => ms(x.overheadMs[t]),
      (x) => x.overheadMs[t],
    );
    row(
      `overhead ${t} per waiting step`,
      (x) => ms(x.overheadPerStageMs[t]),
      (x) => x.overheadPerStageMs[t],
    );
    const hops = (side: Side) =>
      single.runs.filter((x) => x.side === side && x.target === t).flatMap((x) => x.hops.map((h) => h.ms));
    if (sides.every(([side]) => hops(side).length)) {
      row(
        `stage hop ${t} p50 (n=${hops('operator').length})`,
        (_, side) => ms(pct(hops(side), 50)),
        (_, side) => pct(hops(side), 50),
      );
      row(
        `stage hop ${t} p99`,
        (_, side) => ms(pct(hops(side), 99)),
        (_, side) => pct(hops(side), 99),
      );
    }
  }
  row(
    `stage hop p50, Off + On (n=${op.hopMs.n})`,
    (x) => ms(x.hopMs.p50),
    (x) => x.hopMs.p50,
  );
  row(
    'stage hop p99, Off + On',
    (x) => ms(x.hopMs.p99),
    (x) => x.hopMs.p99,
  );
  row('stage hop max', (x) => ms(x.hopMs.max ?? NaN));
  if (single.apiFloorMs) {
    const f = single.apiFloorMs;
    row(`API floor: one write seen by a watch, p50 / p99 (n=${f.n})`, () => `${ms1(f.p50)} / ${ms1(f.p99)}`);
    row('stage hop p50 / floor p50', (x) => `${(x.hopMs.p50 / f.p50).toFixed(1)}x`);
  }
  row(
    'KubeVirt lag p50 / p99 (VM reach - command - simulated delay)',
    (x) => `${ms(x.kubevirtLagMs.p50)} / ${ms(x.kubevirtLagMs.p99)}`,
  );
  L.push('', `Operator peak RSS in this part: ${(single.operatorRssKb / 1024).toFixed(0)} MB.`, '');
  if (single.virtctl) {
    L.push(
      'The virtctl script is the kubectl script with each `kubectl patch` of `spec.runStrategy` replaced by ' +
        'the PUT `virtctl start/stop` sends ' +
        '(`kubectl replace --raw /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/VM/stop`): ' +
        "kube-apiserver proxies it to virt-api, which patches the VM's runStrategy to Halted (start: Always), " +
        "so the command is seen at the same place as the other sides' commands, one proxied round trip later.",
      '',
    );
  }
  const reaction = r.kubevirtVersion
    ? "KubeVirt's own reaction time (virt-controller, virt-api, the node stand-in)"
    : "the stand-in's own reaction time";
  const lag = r.kubevirtVersion
    ? `virt-controller and virt-api ${r.kubevirtVersion} creating/deleting the VMI and its pod and updating ` +
      "the VM's status, the node stand-in's work besides its simulated delay, and watch delivery"
    : 'the VM-level KubeVirt stand-in of that run, and watch delivery';
  L.push(
    [
      "Bound: the sum over the runbook steps that must be waited for of the slowest VM's simulated delay " +
        '(Off: 7 waiting steps x stop; On: 9 x boot).',
      `Overhead = total - bound: process start-up, API round trips, ${reaction} and the hops.`,
      `KubeVirt lag: per VM, at target - command - simulated delay: ${lag}; every side pays it.`,
      'The hop is the part of the overhead that the orchestrator itself adds at each waiting step.',
      'Ratios are side / operator (> 1: the operator is faster).',
    ].join(' '),
    '',
  );
  L.push(
    `Per-run figures are in \`${r.date}.json\` (\`single.runs\`); ` +
      `the timelines of the median runs are in \`${r.date}-timeline.svg\`.`,
    '',
  );
}

/** Display names of the processes in the CPU and RSS tables (`standin`: the VM-level stand-in of earlier runs). */
const PROCESS_NAMES: Record<string, string> = {
  operator: 'acd-operator',
  virtController: 'virt-controller',
  virtApi: 'virt-api',
  nodeStandin: 'node stand-in (kubelet + virt-handler)',
  apiserver: 'kube-apiserver',
  etcd: 'etcd',
  bench: 'bench (watch, patches, status polls)',
  standin: 'KubeVirt stand-in (VM level)',
};

function renderScale(r: BenchResults, sc: ScaleResults, L: string[]): void {
  const tm = r.scaleTiming ?? r.timing;
  L.push(`## Scale: ${sc.clusters} AcdClusters x 12 VMs (${sc.vms} VMs), one operator process`, '');
  L.push(
    `VMs boot in ${+(tm.bootSeconds * r.speed).toFixed(2)} s ` +
      `and stop in ${+(tm.stopSeconds * r.speed).toFixed(2)} s here. ` +
      `Creating the ${sc.vms} VMs until all ran: ${sc.createMs !== undefined ? s(sc.createMs) : 'n/a'}; ` +
      `operator start -> all AcdClusters Ready (initial sync): ${sc.syncMs !== undefined ? s(sc.syncMs) : 'n/a'}.`,
    '',
  );
  if (sc.phases.length) {
    L.push(
      `| figure | ${sc.phases.map((p) => p.target).join(' | ')} |`,
      `|---|${sc.phases.map(() => '---:').join('|')}|`,
    );
    const row = (name: string, f: (p: ScaleResults['phases'][number]) => string) =>
      L.push(`| ${name} | ${sc.phases.map(f).join(' | ')} |`);
    row('patch all powerStates (client-node, concurrent)', (p) => ms(p.patchAllMs));
    row('all VMs at target', (p) => s(p.allVmsAtTargetMs));
    row('all AcdClusters Ready', (p) => s(p.allReadyMs));
    row('critical-path bound (one ACD)', (p) => s(p.boundMs));
    row('per-ACD total p50 / max', (p) => `${s(p.totalMs.p50)} / ${s(p.totalMs.max)}`);
    row('request -> first command p50 / p99', (p) => `${ms(p.firstCommandMs.p50)} / ${ms(p.firstCommandMs.p99)}`);
    row('stage hop p50 / p99 / max', (p) => `${ms(p.hopMs.p50)} / ${ms(p.hopMs.p99)} / ${ms(p.hopMs.max ?? NaN)}`);
    row(
      'KubeVirt lag p50 / p99 / max',
      (p) => `${ms(p.kubevirtLagMs.p50)} / ${ms(p.kubevirtLagMs.p99)} / ${ms(p.kubevirtLagMs.max ?? NaN)}`,
    );
    L.push('');
  }
  if (sc.unfinished) {
    const u = sc.unfinished;
    L.push(
      `Unfinished: ${u.target} had ${u.vmsAtTarget}/${u.vms} VMs at target after ${s(u.afterMs)}` +
        (u.hopMs?.n
          ? `; hops of the ACDs that finished: p50 ${ms(u.hopMs.p50)} / p99 ${ms(u.hopMs.p99)} (n=${u.hopMs.n})`
          : '') +
        '.',
      '',
    );
  }
  if (sc.operatorRssKb) {
    const rss = sc.operatorRssKb;
    const mem = sc.operatorMemoryMB;
    L.push(
      `Operator RSS (VmHWM): ${(rss.afterSync / 1024).toFixed(0)} MB after the initial sync, ` +
        `peak ${(rss.peak / 1024).toFixed(0)} MB.` +
        (mem
          ? ` From its own metrics after the sync: rss ${mem.afterSync.rss} MB, ` +
            `V8 heapUsed ${mem.afterSync.heapUsed} MB of heapTotal ${mem.afterSync.heapTotal} MB, ` +
            `external ${mem.afterSync.external} MB; peak heapUsed during the transitions ${mem.peakHeapUsed} MB.`
          : ''),
      '',
    );
  }
  if (sc.cpu && sc.wallSeconds !== undefined) {
    L.push(`CPU over the ${sc.wallSeconds} s of the transitions (1.0 = one core):`, '');
    L.push('| process | CPU s | utilization |', '|---|---:|---:|');
    for (const [k, v] of Object.entries(sc.cpu))
      L.push(`| ${PROCESS_NAMES[k] ?? k} | ${v.seconds} | ${v.utilization} |`);
    L.push('');
  }
  if (sc.testbedRssKb) {
    L.push(
      "Peak RSS (VmHWM) of the test bed's processes at the end of the scale part " +
        '(since each started, so the side-by-side part is included):',
      '',
    );
    L.push('| process | peak RSS MB |', '|---|---:|');
    for (const [k, kb] of Object.entries(sc.testbedRssKb))
      L.push(`| ${PROCESS_NAMES[k] ?? k} | ${Number.isFinite(kb) ? (kb / 1024).toFixed(0) : 'n/a'} |`);
    L.push('');
  }
  if (sc.requests) {
    const n = sc.requests.transitions ?? 2;
    const averaged = n !== 2 ? ` (averaged over ${n} transitions; the last unfinished)` : '';
    L.push(
      `API requests by the operator per transition of all ${sc.clusters} ACDs${averaged}: ` +
        `${verbs(sc.requests.operatorPerTransition)}; ` +
        `per ACD per transition: ${verbs(sc.requests.operatorPerClusterTransition)}.`,
      '',
    );
    const idle = sc.requests.idlePerMinute;
    if (idle)
      L.push(
        `Idle requests per minute after completion: operator ${verbs(idle.operator)}; all clients ${verbs(idle.all)}.`,
        '',
      );
    const who = r.kubevirtVersion
      ? "those on acdclusters (minus the bench's own PATCHes and status LISTs) and VirtualMachine spec PATCHes " +
        '(virt-controller writes VM status, VMIs and pods, the node stand-in VMI and pod status), ' +
        'plus its Event POSTs as it counts them (acd_transition_events_total), since virt-controller posts Events too'
      : "those on acdclusters (minus the bench's own PATCHes and status LISTs), events, and VirtualMachine spec " +
        'PATCHes; the stand-in only writes VM status and VMIs';
    L.push(
      `apiserver_request_total has no user-agent label, so the operator's requests are ${who}. ` +
        "All clients' requests during the transitions, by resource, " +
        'are in the JSON (`scale.requests.allClientsByResource`).',
      '',
    );
  }
  if (sc.hopsByStep?.length) {
    L.push('Hop p50 / p99 by step (scale):', '');
    L.push('| direction | after step | p50 | p99 |', '|---|---:|---:|---:|');
    for (const h of sc.hopsByStep) L.push(`| ${h.target} | ${h.afterStep} | ${ms(h.p50)} | ${ms(h.p99)} |`);
    L.push('');
  }
}
