// The pure heart of the operator: from what was observed (spec, VMs, last status, the clock) to
// what to do (at most one stage's commands) and what to report. No I/O here, so every decision the
// operator can make is a unit test away; src/reconcile/reconciler.ts does the observing and acting.
import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdClusterStatus, Command, StageStatus, Transition } from '../api/status.js';
import { parseDuration } from '../api/duration.js';
import { ActiveSideUnknownError, deriveSizing, planTransition, requiredActiveSides, type Direction, type HealthCheckName, type Plan, type Stage, type Tier } from '../plan/index.js';
import { commandsVia, isDown, isFailing, isHeadingTo, isUp, type VmView } from '../kubevirt/vm.js';
import type { Action } from '../kubevirt/commands.js';
import { resolveActive, type DetectedSides } from './active.js';
import { buildStatus, type Blocker } from './report.js';
import { setCondition } from './conditions.js';

export interface CheckOutcome { healthy: boolean; message: string }
export interface Observed {
  generation: number;
  spec: AcdClusterSpec;
  status: AcdClusterStatus;
  vms: ReadonlyMap<string, VmView>;
  now: Date;
  /** Results of the health checks the previous decision asked for; absent = not run yet. */
  health?: Partial<Record<HealthCheckName, CheckOutcome>>;
  /** Live active-side detection, when the health probes are configured. */
  detected?: DetectedSides;
}

export interface PlannedCommand { vm: VmView; action: Action; via: 'runStrategy' | 'subresource' }
export interface Event { type: 'Normal' | 'Warning'; reason: string; message: string }
export interface Decision {
  status: AcdClusterStatus;
  commands: PlannedCommand[];
  events: Event[];
  /** Checks to run before deciding again: the reconciler runs them and calls decide() once more. */
  runChecks?: HealthCheckName[];
  /** The tier whose stage asked for the checks (which pcs pair a Pacemaker check means). */
  checkTier?: Tier;
  requeueAfterMs?: number;
}

const POLL_MS = 5_000;

export function decide(o: Observed): Decision {
  const now = o.now.toISOString();
  const events: Event[] = [];
  const target: Direction = o.spec.powerState;
  const ctx = { o, now, events, target };

  const { sides, records } = resolveActive(o.spec, o.vms, o.status, requiredActiveSides(o.spec.machines), o.detected);
  let plan: Plan;
  try {
    plan = planTransition(o.spec.machines, sides, target);
  } catch (e) {
    if (!(e instanceof ActiveSideUnknownError)) throw e;
    // Nothing to order when every VM is already where it should be.
    const prev = o.status.transition;
    if (worldAtTarget(o, target) && (!prev || prev.finishedAt)) return { status: buildStatus(ctx, prev?.direction === target ? prev : undefined, records), commands: [], events };
    const blocker: Blocker = { kind: 'ActiveUnknown', reason: 'ActiveSideUnknown', message: activeUnknownMessage(records) };
    return { status: buildStatus(ctx, o.status.transition, records, blocker), commands: [], events, requeueAfterMs: POLL_MS };
  }

  // Paused freezes even the bookkeeping: no new transition record, no Reversed event.
  if (o.spec.paused) {
    return { status: buildStatus(ctx, o.status.transition, records, { kind: 'Paused', reason: 'Paused', message: 'spec.paused is true: no VM is started or stopped' }), commands: [], events };
  }
  let transition = currentTransition(ctx, plan);
  if (!transition) return { status: buildStatus(ctx, undefined, records), commands: [], events };

  transition = { ...transition, stages: transition.stages.map((s) => ({ ...s })) };
  const result = walk(ctx, plan, transition);
  if (!transition.finishedAt && result.commands.length === 0 && !result.blocker && !result.runChecks && transition.stages.every(done)) {
    transition.finishedAt = now;
    transition.outcome = transition.stages.some((s) => s.state === 'Failed') ? 'Failed' : 'Succeeded';
    events.push({ type: 'Normal', reason: target === 'On' ? 'PoweredOn' : 'PoweredOff', message: `all ${o.spec.machines.length} VMs are ${target} (${transition.outcome})` });
  }
  const failed = transition.outcome === 'Failed' && !result.blocker ? transition.stages.filter((s) => s.state === 'Failed') : [];
  const blocker: Blocker | undefined = failed.length
    ? { kind: 'Stalled', reason: 'TransitionFailed', message: `transition to ${target} finished with failed stages (${failed.map((s) => s.message ?? s.name).join('; ')}); change the spec to try again` }
    : result.blocker;
  const status = buildStatus(ctx, transition, records, blocker);
  if (transition.finishedAt && target === 'Off' && transition.outcome === 'Succeeded') {
    // Remember who was active, so the next startup brings that side up first.
    status.lastShutdownActive = Object.fromEntries(Object.entries(records).filter(([, r]) => r?.side).map(([k, r]) => [k, r!.side]));
  }
  recordHealth(ctx, status, transition);
  const periodic = periodicCheck(ctx, status, transition, result);
  if (periodic) return { status, commands: [], events, ...periodic };
  return { status, commands: result.commands, events, runChecks: result.runChecks, checkTier: result.checkTier, requeueAfterMs: result.requeueAfterMs };
}

/** Health results of this pass go into status.health and the Healthy / Degraded conditions. */
function recordHealth(ctx: Ctx, status: AcdClusterStatus, t: Transition | undefined): void {
  const { o, now, target } = ctx;
  const running = t !== undefined && !t.finishedAt;
  let c = status.conditions ?? [];
  if (o.health) {
    const fresh = Object.entries(o.health).map(([name, r]) => ({ name, healthy: r!.healthy, message: r!.message, checkedAt: now }));
    const health = [...(status.health ?? []).filter((h) => !fresh.some((f) => f.name === h.name)), ...fresh];
    status.health = health;
    const bad = fresh.filter((h) => !h.healthy);
    c = setCondition(c, 'Healthy', bad.length ? 'False' : 'True', bad.length ? 'ChecksFailed' : 'ChecksPassed',
      bad.length ? bad.map((h) => `${h.name}: ${h.message}`).join('; ') : fresh.map((h) => `${h.name}: ${h.message}`).join('; '), o.generation, now);
  } else if (!running && target === 'Off' && status.power === 'Off') {
    c = setCondition(c, 'Healthy', 'Unknown', 'PoweredOff', 'no checks run while the ACD is Off', o.generation, now);
  }
  const healthy = c.find((x) => x.type === 'Healthy');
  const degraded = !running && target === 'On' && healthy?.status === 'False';
  c = setCondition(c, 'Degraded', degraded ? 'True' : 'False', degraded ? 'ChecksFailed' : 'NotDegraded', degraded ? healthy!.message : 'no check is failing while On', o.generation, now);
  status.conditions = c;
}

/** While On, the checks re-run every spec.health.interval; they never touch a VM. */
function periodicCheck(ctx: Ctx, status: AcdClusterStatus, t: Transition | undefined, r: WalkResult): Pick<Decision, 'runChecks' | 'checkTier' | 'requeueAfterMs'> | undefined {
  const { o, now, target } = ctx;
  if (target !== 'On' || status.power !== 'On' || (t && !t.finishedAt) || r.commands.length || r.runChecks) return undefined;
  const interval = parseDuration(o.spec.health.interval);
  const last = status.health?.find((h) => h.name === 'systemHealth')?.checkedAt;
  const dueIn = last ? interval - elapsed(now, last) : 0;
  if (dueIn > 0) return { requeueAfterMs: dueIn };
  if (o.health) return { requeueAfterMs: interval };
  return { runChecks: ['systemHealth'], checkTier: 'app' };
}

type Ctx = { o: Observed; now: string; events: Event[]; target: Direction };
const worldAtTarget = (o: Observed, target: Direction) => o.spec.machines.every((m) => {
  const vm = o.vms.get(m.vm);
  return vm !== undefined && (target === 'On' ? isUp(vm) : isDown(vm));
});
const done = (s: StageStatus) => s.state === 'Completed' || s.state === 'Failed';
const signature = (stages: readonly Pick<Stage, 'vms' | 'gate'>[]) => stages.map((s) => `${s.gate}:${s.vms.join(',')}`).join('|');

/** Keeps the recorded transition while it still describes this plan; otherwise starts a new one. */
function currentTransition(ctx: Ctx, plan: Plan): Transition | undefined {
  const { o, now, events, target } = ctx;
  const prev = o.status.transition;
  const atTarget = worldAtTarget(o, target);
  if (prev && prev.direction === target && signature(prev.stages) === signature(plan.stages)) {
    // A transition that ended Failed (failurePolicy Continue) stays the record for its generation: the
    // failed VMs are not at target by definition, so treating that as drift restarted it on every pass.
    if (!prev.finishedAt || atTarget || (prev.outcome === 'Failed' && prev.generation === o.generation)) return prev;
  }
  if (!prev && atTarget) return undefined; // nothing to do, and nothing was ever done
  if (prev && !prev.finishedAt) {
    events.push({ type: 'Normal', reason: prev.direction !== target ? 'Reversed' : 'Replanned', message: `transition to ${prev.direction} superseded by powerState ${target}; continuing from the VMs' current state` });
  } else if (prev && !atTarget && prev.direction === target) {
    events.push({ type: 'Warning', reason: 'Drift', message: `VMs are no longer all ${target}; bringing them back stage by stage` });
  }
  return {
    direction: target, generation: o.generation, startedAt: now,
    stages: plan.stages.map((s) => ({ index: s.index, name: s.name, tier: s.tier, ...(s.side ? { side: s.side } : {}), vms: s.vms, gate: s.gate, awaits: s.awaits, checks: s.checks, state: 'Pending' as const })),
    commands: [],
  };
}

interface WalkResult { commands: PlannedCommand[]; blocker?: Blocker; runChecks?: HealthCheckName[]; checkTier?: Tier; requeueAfterMs?: number }

function walk(ctx: Ctx, plan: Plan, t: Transition): WalkResult {
  const { o, now, events, target } = ctx;
  for (const [i, stage] of plan.stages.entries()) {
    const st = t.stages[i]!;
    if (done(st)) continue;
    const label = `stage ${i + 1}/${plan.stages.length} (${stage.name})`;
    if (st.state === 'Pending') {
      st.state = 'InProgress';
      st.startedAt = now;
      events.push({ type: 'Normal', reason: 'StageStarted', message: `${label}: ${verb(target)} ${stage.vms.join(', ')}` });
    }

    const missing = stage.vms.filter((v) => !o.vms.has(v));
    const toCommand = stage.vms
      .map((v) => o.vms.get(v))
      .filter((vm): vm is VmView => vm !== undefined && !atTarget(vm, target) && !isHeadingTo(vm, target) && !commanded(t, vm.name, target));
    if (toCommand.length) {
      return { commands: toCommand.map((vm) => ({ vm, action: target === 'On' ? 'Start' : 'Stop', via: commandsVia(vm) })), requeueAfterMs: POLL_MS };
    }
    if (missing.length) {
      return { commands: [], blocker: { kind: 'Stalled', reason: 'VMMissing', message: `${label}: VirtualMachine ${missing.join(', ')} not found in namespace` }, requeueAfterMs: POLL_MS };
    }

    if (stage.gate === 'Initiated') {
      finish(st, 'Completed', now, `commands issued; awaited by the next stage that waits`);
      events.push({ type: 'Normal', reason: 'StageInitiated', message: `${label}: commands issued, not waiting (the runbook allows it)` });
      continue;
    }

    const pending = stage.awaits.filter((v) => { const vm = o.vms.get(v); return !vm || !atTarget(vm, target); });
    if (pending.length) {
      const force = forceStops(ctx, t, pending);
      if (force.length) return { commands: force, requeueAfterMs: POLL_MS };
      const problem = stallReason(ctx, t, st, pending, label);
      if (problem && o.spec.failurePolicy === 'Continue' && problem.timedOut) {
        finish(st, 'Failed', now, problem.message);
        events.push({ type: 'Warning', reason: 'StageFailed', message: `${problem.message}; continuing (failurePolicy Continue)` });
        continue;
      }
      st.message = problem?.message ?? `waiting for ${pending.join(', ')} to be ${target === 'On' ? 'up' : 'down'}`;
      if (problem) {
        if (problem.timedOut && st.state !== 'Failed') events.push({ type: 'Warning', reason: 'StageStalled', message: problem.message });
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

const verb = (d: Direction) => (d === 'On' ? 'starting' : 'stopping');
const atTarget = (vm: VmView, target: Direction) => (target === 'On' ? isUp(vm) : isDown(vm));
const commandedAt = (t: Transition, vm: string, actions: Command['action'][]) =>
  t.commands.filter((c) => c.vm === vm && actions.includes(c.action)).at(-1)?.at;
const commanded = (t: Transition, vm: string, target: Direction) => commandedAt(t, vm, target === 'On' ? ['Start'] : ['Stop', 'ForceStop']) !== undefined;
const elapsed = (now: string, since?: string) => (since ? Date.parse(now) - Date.parse(since) : 0);

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

function activeUnknownMessage(records: ReturnType<typeof resolveActive>['records']): string {
  return Object.entries(records).filter(([, r]) => !r?.side).map(([k, r]) => `active ${k} side unknown: ${r?.message ?? ''}`).join('; ');
}

export { deriveSizing };
