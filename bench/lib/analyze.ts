// Turns a recorded window into the bench's figures: total time, the runbook's critical-path lower
// bound, overhead, and per-step hop latency (last awaited VM at target -> first command of the next
// step). Steps come from test/e2e/support/seed-rules.ts (the seed's prose), not from src/plan.
import type { Step } from '../../test/e2e/support/seed-rules.js';
import type { VmRecorder } from './recorder.js';

export type Target = 'On' | 'Off';

export interface Hop {
  step: number;
  ms: number;
}
export interface StepTiming {
  step: number;
  vms: string[];
  wait: boolean;
  firstCmd: number;
  lastCmd: number;
  lastReach: number;
}
export interface RunResult {
  side: 'operator' | 'baseline' | 'virtctl';
  namespace: string;
  target: Target;
  t0: number;
  end: number;
  totalMs: number;
  boundMs: number;
  overheadMs: number;
  hops: Hop[];
  steps: StepTiming[];
  /**
   * Per VM: reach - command - simulated delay: KubeVirt's own reaction (virt-controller, virt-api's
   * webhooks, the node stand-in's work besides its simulated delay) plus watch delivery.
   */
  kubevirtLagMs: number[];
}

/** Sum over the waiting steps of the slowest VM's simulated delay. */
export function criticalPathMs(steps: readonly Step[], delayMs: (vm: string) => number): number {
  return steps
    .filter((s) => s.wait)
    .reduce((sum, s) => sum + Math.max(...[...s.vms, ...(s.waitAlso ?? [])].map(delayMs)), 0);
}

export function analyze(
  rec: VmRecorder,
  side: RunResult['side'],
  namespace: string,
  steps: readonly Step[],
  target: Target,
  t0: number,
  delayMs: (vm: string) => number,
): RunResult {
  const key = (vm: string) => `${namespace}/${vm}`;
  const cmd = (vm: string) => must(rec.commandedAt(key(vm), target, t0), `${key(vm)} never commanded ${target}`);
  const reach = (vm: string) => must(rec.reachedAt(key(vm), target, t0), `${key(vm)} never reached ${target}`);
  const timings: StepTiming[] = steps.map((s, i) => ({
    step: i + 1,
    vms: s.vms,
    wait: s.wait,
    firstCmd: Math.min(...s.vms.map(cmd)),
    lastCmd: Math.max(...s.vms.map(cmd)),
    lastReach: Math.max(...[...s.vms, ...(s.waitAlso ?? [])].map(reach)),
  }));
  const hops: Hop[] = [];
  steps.forEach((s, i) => {
    const next = timings[i + 1];
    if (s.wait && next) hops.push({ step: i + 1, ms: next.firstCmd - timings[i]!.lastReach });
  });
  const all = steps.flatMap((s) => s.vms);
  const end = Math.max(...all.map(reach));
  const boundMs = criticalPathMs(steps, delayMs);
  return {
    side,
    namespace,
    target,
    t0,
    end,
    totalMs: end - t0,
    boundMs,
    overheadMs: end - t0 - boundMs,
    hops,
    steps: timings,
    kubevirtLagMs: all.map((vm) => reach(vm) - cmd(vm) - delayMs(vm)),
  };
}

function must<T>(v: T | undefined, msg: string): T {
  if (v === undefined) throw new Error(msg);
  return v;
}

/** Nearest-rank percentile. */
export function pct(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
export const median = (xs: readonly number[]) => pct(xs, 50);
