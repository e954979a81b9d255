// The stage walk: find the first unfinished stage of the transition and say what it needs now —
// its commands, a wait, a force stop, its health checks — or that it is stuck and why.
import type { Command, StageStatus, Transition } from '../api/status.js';
import { parseDuration } from '../api/duration.js';
import type { Direction, HealthCheckName, Plan, Tier } from '../plan/index.js';
import { commandsVia, isFailing, isHeadingTo, mustSettleBefore, type VmView } from '../kubevirt/vm.js';
import type { PlannedCommand } from './policy.js';
import type { Blocker } from './report.js';
import { atTarget, COMMAND_HOLD_MS, elapsed, POLL_MS, type Ctx } from './context.js';

export interface WalkResult { commands: PlannedCommand[]; blocker?: Blocker; runChecks?: HealthCheckName[]; checkTier?: Tier; requeueAfterMs?: number }

export function walk(ctx: Ctx, plan: Plan, t: Transition): WalkResult {
  const { o, now, events, target } = ctx;
  const notYet = (vms: string[]) => vms.filter((v) => { const vm = o.vms.get(v); return !vm || !atTarget(vm, target); });
  const failedVms = new Set(plan.stages.filter((s, i) => t.stages[i]!.state === 'Failed' && failureStands(ctx, t, s)).flatMap((s) => s.vms));
  for (const [i, stage] of plan.stages.entries()) {
    const st = t.stages[i]!;
    const label = `stage ${i + 1}/${plan.stages.length} (${stage.name})`;
    if (st.state === 'Failed') {
      if (failureStands(ctx, t, stage)) continue;
      // Not a failure this spec allows, or a stage that never ran: the status is wrong (written by
      // hand, say), and the stage is walked again like any other.
      reopen(st, now);
    }
    if (st.state === 'Completed') {
      // A finished stage holds only while its VMs stay where it put them: one that fell back (a power
      // loss, a guest that crashed, a human) sends the walk back here, never on to the next stage.
      const lost = fellBack(ctx, t, stage, failedVms);
      if (!lost.length) continue;
      reopen(st, now);
      events.push({ type: 'Warning', reason: 'StageReopened', message: `${label}: ${lost.join(', ')} no longer ${upOrDown(target)}; going back to this stage` });
    }
    if (st.state === 'Pending') {
      st.state = 'InProgress';
      st.startedAt = now;
      events.push({ type: 'Normal', reason: 'StageStarted', message: `${label}: ${verb(target)} ${stage.vms.join(', ')}` });
    }

    const missing = stage.vms.filter((v) => !o.vms.has(v));
    const unmoved = stage.vms
      .map((v) => o.vms.get(v))
      .filter((vm): vm is VmView => vm !== undefined && needsCommand(ctx, t, vm));
    const toCommand = unmoved.filter((vm) => !mustSettleBefore(vm, target));
    if (toCommand.length) {
      // Say at once what a waiting stage waits for: written with the commands, it needs no status
      // write of its own on the next pass (about one PUT per stage).
      const awaited = stage.gate === 'Completed' ? notYet(stage.awaits) : [];
      if (awaited.length) st.message = waitingFor(awaited, target);
      return { commands: toCommand.map((vm) => ({ vm, action: target === 'On' ? 'Start' : 'Stop', via: commandsVia(vm) })), requeueAfterMs: POLL_MS };
    }
    if (unmoved.length) {
      // Even a stage that does not wait for its VMs must command each of them: this one waits until
      // KubeVirt will take the command.
      st.message = `waiting for ${unmoved.map((vm) => vm.name).join(', ')} to finish stopping before starting ${unmoved.length > 1 ? 'them' : 'it'}`;
      return { commands: [], requeueAfterMs: POLL_MS };
    }
    if (missing.length) {
      return { commands: [], blocker: { kind: 'Stalled', reason: 'VMMissing', message: `${label}: VirtualMachine ${missing.join(', ')} not found in namespace` }, requeueAfterMs: POLL_MS };
    }

    if (stage.gate === 'Initiated') {
      finish(st, 'Completed', now, `commands issued; awaited by the next stage that waits`);
      events.push({ type: 'Normal', reason: 'StageInitiated', message: `${label}: commands issued, not waiting (the runbook allows it)` });
      continue;
    }

    const pending = notYet(stage.awaits);
    if (pending.length) {
      const force = forceStops(ctx, t, pending);
      if (force.length) return { commands: force, requeueAfterMs: POLL_MS };
      const problem = stallReason(ctx, t, st, pending, label);
      if (problem && o.spec.failurePolicy === 'Continue' && problem.timedOut) {
        finish(st, 'Failed', now, problem.message);
        events.push({ type: 'Warning', reason: 'StageFailed', message: `${problem.message}; continuing (failurePolicy Continue)` });
        continue;
      }
      st.message = problem?.message ?? waitingFor(pending, target);
      if (problem) {
        if (problem.timedOut) events.push({ type: 'Warning', reason: 'StageStalled', message: problem.message });
        return { commands: [], blocker: { kind: 'Stalled', reason: problem.reason, message: problem.message }, requeueAfterMs: POLL_MS };
      }
      return { commands: [], requeueAfterMs: Math.min(POLL_MS, nextDeadlineMs(ctx, t, st, pending)) };
    }

    if (stage.checks.length) {
      if (!o.health) return { commands: [], runChecks: stage.checks, checkTier: stage.tier };
      const failed = stage.checks.filter((c) => o.health?.[c] && !o.health[c]!.healthy);
      if (failed.length) {
        const message = `${label}: health gate held: ${failed.map((c) => `${c}: ${o.health![c]!.message}`).join('; ')}`;
        st.message = message;
        const timedOut = elapsed(now, st.startedAt) > parseDuration(o.spec.timeouts.stage);
        return { commands: [], blocker: { kind: timedOut ? 'Stalled' : 'Held', reason: timedOut ? 'HealthGateTimeout' : 'HealthGateHeld', message }, requeueAfterMs: POLL_MS };
      }
    }
    finish(st, 'Completed', now);
    events.push({ type: 'Normal', reason: 'StageCompleted', message: `${label}: ${stage.awaits.join(', ')} ${target === 'On' ? 'up' : 'down'}` });
  }
  return { commands: [] };
}

const upOrDown = (target: Direction) => (target === 'On' ? 'up' : 'down');
const verb = (d: Direction) => (d === 'On' ? 'starting' : 'stopping');
const waitingFor = (vms: string[], d: Direction) => `waiting for ${vms.join(', ')} to be ${upOrDown(d)}`;
const commandedAt = (t: Transition, vm: string, actions: Command['action'][]) =>
  t.commands.filter((c) => c.vm === vm && actions.includes(c.action)).at(-1)?.at;
/** When the VM was last commanded towards `target` in this transition. */
const commandedTowards = (t: Transition, vm: string, target: Direction) => commandedAt(t, vm, target === 'On' ? ['Start'] : ['Stop', 'ForceStop']);

/**
 * A VM this transition must (again) command: not at target, not already heading there, and not
 * commanded towards it in the last COMMAND_HOLD_MS. The record keeps a command from being repeated
 * while KubeVirt may not show it yet (after a restart, say); once that window is over, a VM found at
 * rest the other way was knocked back (a power loss, a refused command) and is commanded again.
 */
function needsCommand(ctx: Ctx, t: Transition, vm: VmView): boolean {
  const { now, target } = ctx;
  if (atTarget(vm, target) || isHeadingTo(vm, target)) return false;
  const at = commandedTowards(t, vm.name, target);
  // |age|: a little clock skew between replicas makes a command look a moment old or young; one
  // dated far in the future is garbage, and must not hold the VM back until that date.
  return at === undefined || Math.abs(elapsed(now, at)) >= COMMAND_HOLD_MS;
}

/**
 * The VMs of a finished stage that are no longer where it left them: one that needs commanding
 * again, or, for a stage that waits, one it waited for that is no longer at target (a VM KubeVirt
 * restarts by itself after a power loss is heading On, but not up: the next tier must wait for it).
 * VMs of failed stages (failurePolicy Continue) and missing VMs are not sent back for.
 */
function fellBack(ctx: Ctx, t: Transition, stage: Plan['stages'][number], failed: Set<string>): string[] {
  const { o, target } = ctx;
  const lost = new Set<string>();
  for (const v of stage.vms) {
    const vm = o.vms.get(v);
    if (vm && !failed.has(v) && needsCommand(ctx, t, vm)) lost.add(v);
  }
  if (stage.gate === 'Completed') {
    for (const v of stage.awaits) {
      const vm = o.vms.get(v);
      if (vm && !failed.has(v) && !atTarget(vm, target)) lost.add(v);
    }
  }
  return [...lost];
}

/**
 * A stage recorded Failed is passed over only where a failure can be: under failurePolicy
 * Continue, and after the stage ran (each of its VMs not at target was commanded towards it).
 */
function failureStands(ctx: Ctx, t: Transition, stage: Plan['stages'][number]): boolean {
  const { o, target } = ctx;
  if (o.spec.failurePolicy !== 'Continue') return false;
  return stage.vms.every((v) => {
    const vm = o.vms.get(v);
    return !vm || atTarget(vm, target) || commandedTowards(t, v, target) !== undefined;
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

/** After spec.stop.forceAfter, a VM that ignores the ACPI shutdown is stopped hard, once. */
function forceStops(ctx: Ctx, t: Transition, pending: string[]): PlannedCommand[] {
  const { o, now, target } = ctx;
  if (target !== 'Off' || !o.spec.stop.forceAfter) return [];
  const after = parseDuration(o.spec.stop.forceAfter);
  return pending.flatMap((v) => {
    const vm = o.vms.get(v);
    const since = commandedAt(t, v, ['Stop']);
    if (!vm || !since || commandedAt(t, v, ['ForceStop']) || elapsed(now, since) < after) return [];
    return [{ vm, action: 'ForceStop' as const, via: 'subresource' as const }];
  });
}

function stallReason(ctx: Ctx, t: Transition, st: StageStatus, pending: string[], label: string) {
  const { o, now, target } = ctx;
  const failing = pending.map((v) => o.vms.get(v)).filter((vm): vm is VmView => vm !== undefined && isFailing(vm));
  const vmLimit = parseDuration(target === 'On' ? o.spec.timeouts.vmStart : o.spec.timeouts.vmStop);
  const late = pending.filter((v) => elapsed(now, commandedAt(t, v, ['Start', 'Stop']) ?? st.startedAt) > vmLimit);
  if (late.length) {
    return { reason: target === 'On' ? 'VMStartTimeout' : 'VMStopTimeout', timedOut: true, message: `${label}: ${late.join(', ')} not ${target === 'On' ? 'up' : 'down'} within ${target === 'On' ? o.spec.timeouts.vmStart : o.spec.timeouts.vmStop}` };
  }
  if (elapsed(now, st.startedAt) > parseDuration(o.spec.timeouts.stage)) {
    return { reason: 'StageTimeout', timedOut: true, message: `${label}: not finished within ${o.spec.timeouts.stage}; waiting for ${pending.join(', ')}` };
  }
  if (failing.length) {
    return { reason: 'VMFailing', timedOut: false, message: `${label}: ${failing.map((vm) => `${vm.name} is ${vm.printableStatus}`).join(', ')}` };
  }
  return undefined;
}

function nextDeadlineMs(ctx: Ctx, t: Transition, st: StageStatus, pending: string[]): number {
  const { o, now, target } = ctx;
  const vmLimit = parseDuration(target === 'On' ? o.spec.timeouts.vmStart : o.spec.timeouts.vmStop);
  const candidates = pending.map((v) => vmLimit - elapsed(now, commandedAt(t, v, ['Start', 'Stop']) ?? st.startedAt));
  candidates.push(parseDuration(o.spec.timeouts.stage) - elapsed(now, st.startedAt));
  if (o.spec.stop.forceAfter && target === 'Off') {
    const after = parseDuration(o.spec.stop.forceAfter);
    for (const v of pending) { const s = commandedAt(t, v, ['Stop']); if (s) candidates.push(after - elapsed(now, s)); }
  }
  return Math.max(50, Math.min(...candidates) + 10);
}

