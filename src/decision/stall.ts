// Why a stage does not finish, as an ordered chain of small checks: the first hit wins. Each reads
// the stage's pending VMs against the spec's limits; none changes anything.
import type { StageStatus, Transition } from '../api/status.js';
import type { StallReason } from '../api/reasons.js';
import { parseDuration } from '../api/duration.js';
import { DIRECTION } from './direction.js';
import { commandedAt, commandHoldMs, failedAfterStart, startsOf } from './record.js';
import { elapsed } from './context.js';
import { agentNote, waitingFor } from './awaited.js';
import type { Ctx, PlannedCommand } from './types.js';
import { isFailing } from './vm-state.js';

/** The stage being looked at: its record, its label for messages, and the VMs it still waits for. */
export interface StallInput {
  ctx: Ctx;
  t: Transition;
  st: StageStatus;
  label: string;
  pending: string[];
}
/** A reason to stand still; `timedOut` ones are Stalled (or Failed under failurePolicy Continue). */
export interface Stall {
  reason: StallReason;
  timedOut: boolean;
  message: string;
}
type StallCheck = (i: StallInput) => Stall | undefined;

const vmLimitMs = (ctx: Ctx) => parseDuration(ctx.o.spec.timeouts[DIRECTION[ctx.target].vmTimeout]);
/** Since when a pending VM has been on its way: its last command in this transition, else the stage's start. */
const movingSince = (i: Pick<StallInput, 't' | 'st'>, vm: string) =>
  commandedAt(i.t, vm, ['Start', 'Stop']) ?? i.st.startedAt;

/** A VM commanded longer ago than spec.timeouts.vmStart / vmStop. */
const vmTooLate: StallCheck = (i) => {
  const { ctx } = i;
  const late = i.pending.filter((v) => elapsed(ctx.now, movingSince(i, v)) > vmLimitMs(ctx));
  if (!late.length) return undefined;
  const d = DIRECTION[ctx.target];
  const limit = ctx.o.spec.timeouts[d.vmTimeout];
  return {
    reason: d.vmTimeoutReason,
    timedOut: true,
    message: `${i.label}: ${late.join(', ')} not ${d.state} within ${limit}${agentNote(ctx, late)}`,
  };
};

/** The whole stage longer than spec.timeouts.stage. */
const stageTooLate: StallCheck = (i) => {
  const { ctx } = i;
  if (elapsed(ctx.now, i.st.startedAt) <= parseDuration(ctx.o.spec.timeouts.stage)) return undefined;
  const message = `${i.label}: not finished within ${ctx.o.spec.timeouts.stage}; ${waitingFor(ctx, i.pending)}`;
  return { reason: 'StageTimeout', timedOut: true, message };
};

/**
 * A VM in a state it will not leave without help (CrashLoopBackOff, ErrorUnschedulable, ...), or a
 * Manual VM whose boot failed after our start, which KubeVirt shows as Stopped.
 */
const vmFailing: StallCheck = (i) => {
  const { ctx, t } = i;
  const what = i.pending.flatMap((v) => {
    const vm = ctx.o.vms.get(v);
    if (vm && isFailing(vm)) return [`${vm.name} is ${vm.printableStatus}`];
    if (!vm || !failedAfterStart(t, vm)) return [];
    const next = new Date(Date.parse(commandedAt(t, v, ['Start'])!) + commandHoldMs(ctx, t, vm)).toISOString();
    const starts = startsOf(t, v);
    return [`${v} failed to boot (instance Failed after ${starts} start${starts > 1 ? 's' : ''}; next start ${next})`];
  });
  if (!what.length) return undefined;
  return { reason: 'VMFailing', timedOut: false, message: `${i.label}: ${what.join(', ')}` };
};

/** In order of precedence: a timeout says more than a failing status, and is what the user set. */
export const STALL_CHECKS: readonly StallCheck[] = [vmTooLate, stageTooLate, vmFailing];

export function whyStuck(i: StallInput): Stall | undefined {
  for (const check of STALL_CHECKS) {
    const hit = check(i);
    if (hit) return hit;
  }
  return undefined;
}

/** How long until the next limit of this stage passes: the walk looks again then, not a poll later. */
export function nextDeadlineMs(i: Omit<StallInput, 'label'>): number {
  const { ctx, pending } = i;
  const candidates = pending.map((v) => vmLimitMs(ctx) - elapsed(ctx.now, movingSince(i, v)));
  candidates.push(parseDuration(ctx.o.spec.timeouts.stage) - elapsed(ctx.now, i.st.startedAt));
  const after = forceAfterMs(ctx);
  if (after !== undefined) {
    for (const v of pending) {
      const since = commandedAt(i.t, v, ['Stop']);
      if (since) candidates.push(after - elapsed(ctx.now, since));
    }
  }
  return Math.max(50, Math.min(...candidates) + 10);
}

const forceAfterMs = (ctx: Ctx) =>
  ctx.target === 'Off' && ctx.o.spec.stop.forceAfter ? parseDuration(ctx.o.spec.stop.forceAfter) : undefined;

/** After spec.stop.forceAfter, a VM that ignores the ACPI shutdown is stopped hard, once. */
export function forceStops(ctx: Ctx, t: Transition, pending: string[]): PlannedCommand[] {
  const after = forceAfterMs(ctx);
  if (after === undefined) return [];
  return pending.flatMap((v) => {
    const vm = ctx.o.vms.get(v);
    const since = commandedAt(t, v, ['Stop']);
    if (!vm || !since || commandedAt(t, v, ['ForceStop']) || elapsed(ctx.now, since) < after) return [];
    return [{ vm, action: 'ForceStop' as const, via: 'subresource' as const }];
  });
}
