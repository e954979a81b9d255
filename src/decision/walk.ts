// The stage walk: find the first unfinished stage of the transition and say what it needs now —
// its commands, a wait, a force stop, its health checks — or that it is stuck and why.
import type { StageStatus, Transition } from '../api/status.js';
import { parseDuration } from '../api/duration.js';
import type { HealthCheckName, Tier } from '../api/domain.js';
import type { Plan } from '../plan/index.js';
import { notYet, waitingFor } from './awaited.js';
import { atTarget, COMMAND_HOLD_MS, elapsed, POLL_MS } from './context.js';
import { DIRECTION } from './direction.js';
import { commandedTowards, needsCommand } from './record.js';
import { beginSettle, settleLeftMs, settleMessage } from './settle.js';
import { forceStops, nextDeadlineMs, whyStuck } from './stall.js';
import type { Blocker, Ctx, PlannedCommand } from './types.js';
import { commandsVia, isHeadingTo, mustSettleBefore, needsManual, type VmView } from './vm-state.js';

export interface WalkResult {
  commands: PlannedCommand[];
  blocker?: Blocker;
  runChecks?: HealthCheckName[];
  checkTier?: Tier;
  requeueAfterMs?: number;
  /** Gates whose check is due (./gates.ts). */
  runGates?: string[];
  /** A gate holds the transition open: it may not finish yet. */
  waiting?: boolean;
}
type PlanStage = Plan['stages'][number];
/** What one stage says: go on to the next stage, or stop the walk here with this result. */
type StageStep = { next: true } | { next: false; result: WalkResult };
const NEXT: StageStep = { next: true };
const stop = (result: WalkResult): StageStep => ({ next: false, result });
/**
 * The stage being walked: the pass, the transition, the stage as planned and as recorded, its label,
 * and the record of the stage after it (none for the last).
 */
interface Here {
  ctx: Ctx;
  t: Transition;
  stage: PlanStage;
  st: StageStatus;
  label: string;
  nextSt?: StageStatus;
}

export function walk(ctx: Ctx, plan: Plan, t: Transition): WalkResult {
  const failedVms = new Set(
    plan.stages.filter((s, i) => t.stages[i]!.state === 'Failed' && failureStands(ctx, t, s)).flatMap((s) => s.vms),
  );
  for (const [i, stage] of plan.stages.entries()) {
    const label = `stage ${i + 1}/${plan.stages.length} (${stage.name})`;
    const step = walkStage({ ctx, t, stage, st: t.stages[i]!, label, nextSt: t.stages[i + 1] }, failedVms);
    if (!step.next) return step.result;
  }
  return { commands: [] };
}

function walkStage(here: Here, failedVms: Set<string>): StageStep {
  const { ctx, t, stage, st, label } = here;
  const { events, target } = ctx;
  const d = DIRECTION[target];
  if (st.state === 'Failed') {
    if (failureStands(ctx, t, stage)) return NEXT;
    // Not a failure this spec allows, or a stage that never ran: the status is wrong (written by
    // hand, say), and the stage is walked again like any other.
    reopen(st, ctx.now);
  }
  if (st.state === 'Completed') {
    // A finished stage holds only while its VMs stay where it put them: one that fell back (a power
    // loss, a guest that crashed, a human) sends the walk back here, never on to the next stage.
    const lost = fellBack(ctx, stage, failedVms);
    if (!lost.length) return settleOrNext(here);
    reopen(st, ctx.now);
    const message = `${label}: ${lost.join(', ')} no longer ${d.state}; going back to this stage`;
    events.push({ type: 'Warning', reason: 'StageReopened', message });
  }
  if (st.state === 'Pending') {
    st.state = 'InProgress';
    st.startedAt = ctx.now;
    delete st.message; // "settling until ...", said while it was waiting to begin
    events.push({ type: 'Normal', reason: 'StageStarted', message: `${label}: ${d.verb} ${stage.vms.join(', ')}` });
  }
  return commandStage(here) ?? awaitStage(here);
}

/** The stage's commands, or a wait until KubeVirt will take them; undefined once all are out. */
function commandStage(here: Here): StageStep | undefined {
  const { ctx, t, stage, st, label } = here;
  const { o, target } = ctx;
  const missing = stage.vms.filter((v) => !o.vms.has(v));
  const unmoved = stage.vms
    .map((v) => o.vms.get(v))
    .filter((vm): vm is VmView => vm !== undefined && needsCommand(ctx, t, vm));
  const { recovery } = o.spec;
  const toCommand = unmoved.filter((vm) => !mustSettleBefore(vm, target, recovery));
  if (toCommand.length) {
    // Say at once what a waiting stage waits for: written with the commands, it needs no status
    // write of its own on the next pass (about one PUT per stage).
    const awaited = stage.gate === 'Completed' ? notYet(ctx, stage.awaits) : [];
    if (awaited.length) st.message = waitingFor(ctx, awaited);
    const action = DIRECTION[target].action;
    const commands = toCommand.map((vm) => ({
      vm,
      action,
      via: commandsVia(vm, recovery, action),
      ...(needsManual(vm, recovery, action) ? { toManual: true } : {}),
    }));
    return stop({ commands, requeueAfterMs: POLL_MS });
  }
  if (unmoved.length) {
    // Even a stage that does not wait for its VMs must command each of them: this one waits until
    // KubeVirt will take the command.
    const names = unmoved.map((vm) => vm.name).join(', ');
    st.message = `waiting for ${names} to finish stopping before starting ${unmoved.length > 1 ? 'them' : 'it'}`;
    return stop({ commands: [], requeueAfterMs: POLL_MS });
  }
  if (missing.length) {
    const message = `${label}: VirtualMachine ${missing.join(', ')} not found in namespace`;
    return stop({ commands: [], blocker: { kind: 'Stalled', reason: 'VMMissing', message }, requeueAfterMs: POLL_MS });
  }
  return undefined;
}

/** With its commands out: the gate (VMs there, then health checks) that lets the walk go on. */
function awaitStage(here: Here): StageStep {
  const { ctx, stage, st, label } = here;
  const { o, now, events, target } = ctx;
  if (stage.gate === 'Initiated') {
    // Issued is not enough: each VM must show that it took its command. One recorded as commanded
    // that still shows otherwise (its stop undone by Argo CD's self-heal before KubeVirt acted, or a
    // status written by hand) holds the next stage until it is commanded again.
    const unmoving = stage.vms.filter((v) => notMoving(ctx, o.vms.get(v)));
    if (unmoving.length) return awaitVms(here, unmoving, unshownWords(ctx, unmoving));
    finish(st, 'Completed', now, 'commands issued; awaited by the next stage that waits');
    events.push({
      type: 'Normal',
      reason: 'StageInitiated',
      message: `${label}: commands issued, not waiting (the runbook allows it)`,
    });
    return NEXT;
  }
  const pending = notYet(ctx, stage.awaits);
  if (pending.length) return awaitVms(here, pending);
  if (stage.checks.length) {
    if (!o.health) return stop({ commands: [], runChecks: stage.checks, checkTier: stage.tier });
    const failed = stage.checks.filter((c) => o.health?.[c]?.healthy === false);
    if (failed.length) {
      const message = `${label}: health gate held: ${failed.map((c) => `${c}: ${o.health![c]!.message}`).join('; ')}`;
      st.message = message;
      const timedOut = elapsed(now, st.startedAt) > parseDuration(o.spec.timeouts.stage);
      const blocker: Blocker = timedOut
        ? { kind: 'Stalled', reason: 'HealthGateTimeout', message }
        : { kind: 'Held', reason: 'HealthGateHeld', message };
      return stop({ commands: [], blocker, requeueAfterMs: POLL_MS });
    }
  }
  finish(st, 'Completed', now);
  // In the same status write as the gate's completion: a restart reads it back and waits the rest.
  if (here.nextSt) beginSettle(ctx, st, stage.tier);
  const settling = st.settleUntil && settleLeftMs(ctx, st) ? `; ${settleMessage(st.settleUntil)}` : '';
  events.push({
    type: 'Normal',
    reason: 'StageCompleted',
    message: `${label}: ${stage.awaits.join(', ')} ${DIRECTION[target].state}${settling}`,
  });
  return settleOrNext(here);
}

/**
 * After a stage that passed its gate: on to the next stage, unless spec.settle still holds it. The
 * wait is said on the next stage (what the stage column shows) and issues nothing; a next stage
 * that already began is past any settle, whatever the clock says.
 */
function settleOrNext(here: Here): StageStep {
  const { ctx, st, nextSt } = here;
  const leftMs = settleLeftMs(ctx, st);
  if (!leftMs || !nextSt || nextSt.state !== 'Pending') return NEXT;
  nextSt.message = settleMessage(st.settleUntil!);
  return stop({ commands: [], requeueAfterMs: leftMs + SETTLE_MARGIN_MS });
}
/** Looked at this long after settleUntil, the settle is over for sure. */
const SETTLE_MARGIN_MS = 10;

/** "waiting for acd-tel1, acd-tel2 to show their stop (sent again 30s after it was sent)". */
function unshownWords(ctx: Ctx, vms: string[]): string {
  const their = vms.length > 1 ? 'their' : 'its';
  const action = DIRECTION[ctx.target].action.toLowerCase();
  const again = `sent again ${COMMAND_HOLD_MS / 1000}s after it was sent`;
  return `waiting for ${vms.join(', ')} to show ${their} ${action} (${again})`;
}

/**
 * VMs the gate still waits for: a force stop, a stall (or a failure under Continue), or a wait,
 * said as `waiting`.
 */
function awaitVms(here: Here, pending: string[], waiting = waitingFor(here.ctx, pending)): StageStep {
  const { ctx, t, st, label } = here;
  const { o, now, events } = ctx;
  const force = forceStops(ctx, t, pending);
  if (force.length) return stop({ commands: force, requeueAfterMs: POLL_MS });
  const problem = whyStuck({ ctx, t, st, label, pending });
  if (problem && o.spec.failurePolicy === 'Continue' && problem.timedOut) {
    finish(st, 'Failed', now, problem.message);
    events.push({
      type: 'Warning',
      reason: 'StageFailed',
      message: `${problem.message}; continuing (failurePolicy Continue)`,
    });
    return NEXT;
  }
  st.message = problem?.message ?? waiting;
  if (!problem)
    return stop({ commands: [], requeueAfterMs: Math.min(POLL_MS, nextDeadlineMs({ ctx, t, st, pending })) });
  if (problem.timedOut) events.push({ type: 'Warning', reason: 'StageStalled', message: problem.message });
  const blocker: Blocker = { kind: 'Stalled', reason: problem.reason, message: problem.message };
  return stop({ commands: [], blocker, requeueAfterMs: POLL_MS });
}

/** Neither at the target nor heading there, whatever the record says was commanded; a missing VM is not. */
const notMoving = (ctx: Ctx, vm: VmView | undefined) =>
  vm !== undefined && !atTarget(vm, ctx.target, ctx.o.spec.readiness) && !isHeadingTo(vm, ctx.target);

/**
 * The VMs of a finished stage that are no longer where it left them: one neither at target nor
 * heading there (even while its last command still stands: the walk waits for it here, and commands
 * it again once the command is old), or, for a stage that waits, one it waited for that is no longer
 * at target (a VM KubeVirt restarts by itself after a power loss is heading On, but not up: the next
 * tier must wait for it). VMs of failed stages (failurePolicy Continue) and missing VMs are not sent
 * back for.
 */
function fellBack(ctx: Ctx, stage: PlanStage, failed: Set<string>): string[] {
  const { o, target } = ctx;
  const lost = new Set<string>();
  for (const v of stage.vms) if (!failed.has(v) && notMoving(ctx, o.vms.get(v))) lost.add(v);
  if (stage.gate === 'Completed') {
    for (const v of stage.awaits) {
      const vm = o.vms.get(v);
      if (vm && !failed.has(v) && !atTarget(vm, target, o.spec.readiness)) lost.add(v);
    }
  }
  return [...lost];
}

/**
 * A stage recorded Failed is passed over only where a failure can be: under failurePolicy
 * Continue, and after the stage ran (each of its VMs not at target was commanded towards it).
 */
function failureStands(ctx: Ctx, t: Transition, stage: PlanStage): boolean {
  const { o, target } = ctx;
  if (o.spec.failurePolicy !== 'Continue') return false;
  return stage.vms.every((v) => {
    const vm = o.vms.get(v);
    return !vm || atTarget(vm, target, o.spec.readiness) || commandedTowards(t, v, target) !== undefined;
  });
}

function reopen(st: StageStatus, now: string): void {
  st.state = 'InProgress';
  st.startedAt = now;
  delete st.finishedAt;
  delete st.message;
}

function finish(st: StageStatus, state: 'Completed' | 'Failed', now: string, message?: string): void {
  st.state = state;
  st.finishedAt = now;
  if (message) st.message = message;
  else delete st.message;
}
