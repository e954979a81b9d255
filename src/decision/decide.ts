// The pure heart of the operator: from what was observed (spec, VMs, last status, the clock) to
// what to do (at most one stage's commands) and what to report. No I/O here, so every decision the
// operator can make is a unit test away; src/reconcile/reconciler.ts does the observing and acting.
// Its vocabulary (Observed, Decision, ...) is in ./types.ts.
import { sanitizeStatus, type AcdClusterStatus, type Transition } from '../api/status.js';
import type { ActiveSides } from '../api/domain.js';
import { desiredPowerOf } from './power.js';
import { scheduleNotes } from './schedule-notes.js';
import { appendHistory, historyEntry, triggerOf } from './history.js';
import { finishRestart, restartStep } from './restart.js';
import { downVms, recoveryBegun, recoveryDue, recoveryHold } from './recovery.js';
import { ActiveSideUnknownError, deriveSizing, planTransition, requiredActiveSides, type Plan } from '../plan/index.js';
import type { ActiveRecords, Blocker, Ctx, Decision, DesiredPower, Observed, RestartStep } from './types.js';
import { resolveActive } from './active.js';
import { buildStatus } from './report.js';
import { done, POLL_MS, signature, worldAtTarget } from './context.js';
import type { WalkResult } from './walk.js';
import { gateAsks, gatedWalk } from './gates.js';
import { carriedGates, initialGates } from './gate-words.js';
import { DIRECTION } from './direction.js';
import { periodicCheck, recordHealth } from './health-status.js';

/**
 * One decision, as a chain of small steps: the plan (or why there is none), paused, the transition
 * to keep or begin, the walk over its stages, its end, and the status rebuilt from the world.
 */
export function decide(observed: Observed): Decision {
  // Status is memory, not authority: what does not parse is forgotten, and the world decides.
  const o = sanitized(observed);
  const { power, restart } = passTarget(o);
  const ctx: Ctx = { o, now: o.now.toISOString(), events: [], target: restart.target, power, ended: [], restart };
  return withHistory(ctx, withRestart(ctx, withSchedule(ctx, decideTowards(ctx))));
}

const sanitized = (observed: Observed): Observed => ({ ...observed, status: sanitizeStatus(observed.status) });

/**
 * Where a pass heads (restart.target): what powerState asks for now (with Scheduled, the schedule
 * at this clock), unless an ordered restart is due, which goes Off first, every stage, then On again,
 * whatever the spec asks meanwhile.
 */
function passTarget(o: Observed): { power: DesiredPower; restart: RestartStep } {
  const power = desiredPowerOf(o);
  return { power, restart: restartStep(o, power.target) };
}

/**
 * A shutdown with an Auto side is about to begin: the reconciler then detects the active sides live
 * before deciding (once it runs, the sides it began with hold). A restart's Off counts too.
 */
export function shutdownAboutToBegin(observed: Observed): boolean {
  const o = sanitized(observed);
  if (!Object.values(o.spec.active).some((v) => v === 'Auto')) return false;
  const t = o.status.transition;
  return passTarget(o).restart.target === 'Off' && (!t || t.direction !== 'Off');
}

/** The decision for ctx.target, the direction spec.powerState asks for now. */
function decideTowards(ctx: Ctx): Decision {
  const { o } = ctx;
  const { sides, records } = resolveActive(o.spec, o.vms, o.status, requiredActiveSides(o.spec.machines), o.detected);
  const planned = planOrBlock(ctx, sides, records);
  if (!planned.plan) return planned.decision;
  // Paused freezes even the bookkeeping: no new transition record, no Reversed event.
  if (o.spec.paused) {
    const blocker: Blocker = {
      kind: 'Paused',
      reason: 'Paused',
      message: 'spec.paused is true: no VM is started or stopped',
    };
    return settled(ctx, buildStatus(ctx, o.status.transition, records, blocker));
  }
  // A schedule that cannot be read touches nothing: no guess at what it meant, and never UTC.
  if (ctx.power?.invalid) {
    const message = `spec.schedule: ${ctx.power.invalid}; nothing is started or stopped until it is corrected`;
    const blocker: Blocker = { kind: 'Stalled', reason: 'InvalidSchedule', message };
    return settled(ctx, buildStatus(ctx, o.status.transition, records, blocker));
  }
  // VMs down while On (recovery Ordered): brought back in runbook order, unless the back-off holds.
  const recovery = recoveryDue(ctx, o.status.transition);
  if (recovery) {
    const hold = recoveryHold(ctx);
    if (hold) {
      const status = buildStatus(ctx, o.status.transition, records, hold.blocker);
      return wakeUpBy(ctx, { ...settled(ctx, status), requeueAfterMs: POLL_MS }, hold.wakeAt);
    }
  }
  const kept = currentTransition(ctx, planned.plan, recovery);
  if (!kept) return settled(ctx, buildStatus(ctx, undefined, records));

  // A copy of everything this pass may change: the transition it keeps comes from the status it
  // read, and the reconciler appends this pass's commands. Shared with what was read, a command
  // made the new status equal the old one, and its write (the record of the command) was skipped.
  const transition = copyTransition(kept);
  const result = gatedWalk(ctx, planned.plan, transition);
  finishIfDone(ctx, transition, result);
  const status = buildStatus(ctx, transition, records, blockerOf(ctx, transition, result));
  if (transition.trigger?.source === 'Recovery' && transition.startedAt === ctx.now)
    status.recovery = recoveryBegun(ctx);
  rememberActiveSides(ctx, transition, records, status);
  recordHealth(ctx, status);
  // The gates' asks go out with either return: a drain or undrain recorded in `status` must run.
  const asks = gateAsks(ctx, result);
  const periodic = periodicCheck(ctx, status, transition, result);
  if (periodic) return { status, commands: [], events: ctx.events, ...periodic, ...asks };
  const { commands, runChecks, checkTier, requeueAfterMs } = result;
  return { status, commands, events: ctx.events, runChecks, checkTier, requeueAfterMs, ...asks };
}

const copyTransition = (t: Transition): Transition => ({
  ...t,
  stages: t.stages.map((s) => ({ ...s })),
  commands: [...t.commands],
  ...(t.gates ? { gates: t.gates.map((g) => ({ ...g, ...(g.skip ? { skip: { ...g.skip } } : {}) })) } : {}),
  ...(t.undrains ? { undrains: t.undrains.map((u) => ({ ...u })) } : {}),
});

const settled = (ctx: Ctx, status: AcdClusterStatus): Decision => ({ status, commands: [], events: ctx.events });

/**
 * status.schedule says what the schedule asks for now and next (absent unless powerState is
 * Scheduled), with its notes (missed slots, a change coming soon, an expired override), and the
 * pass looks again just after the next boundary or announcement, whatever else it waits for.
 */
function withSchedule(ctx: Ctx, d: Decision): Decision {
  const notes = scheduleNotes(ctx);
  if (notes.status) d.status.schedule = notes.status;
  else delete d.status.schedule;
  const out: Decision = { ...d, events: [...d.events, ...notes.events] };
  if (notes.removeOverride !== undefined) out.removeOverride = notes.removeOverride;
  if (notes.missedSlots) out.missedSlots = notes.missedSlots;
  return wakeUpBy(ctx, out, notes.wakeAt);
}
/** status.restart and its events; a restart whose startup finished is Done; a restartAfter ahead wakes the pass. */
function withRestart(ctx: Ctx, d: Decision): Decision {
  if (!ctx.restart) return d;
  const t = d.status.transition;
  const step = finishRestart(ctx.restart, t?.direction === 'On' && t.outcome === 'Succeeded', ctx.now);
  if (step.status) d.status.restart = step.status;
  const out: Decision = { ...d, events: [...step.events, ...d.events] };
  // The restart's shutdown just ended: the next pass begins the startup, at once.
  if (step.status?.phase === 'Stopping' && t?.direction === 'Off' && t.finishedAt) return { ...out, requeueAfterMs: 0 };
  return wakeUpBy(ctx, out, step.wakeAt);
}

/** `d`, asked to look again just after `at` at the latest (whatever else it waits for). */
function wakeUpBy(ctx: Ctx, d: Decision, at: Date | undefined): Decision {
  if (!at) return d;
  const untilWake = Math.max(0, at.getTime() - ctx.o.now.getTime()) + BOUNDARY_MARGIN_MS;
  return { ...d, requeueAfterMs: Math.min(d.requeueAfterMs ?? untilWake, untilWake) };
}

/** The transitions this pass ended or superseded, recorded in the same status write. */
function withHistory(ctx: Ctx, d: Decision): Decision {
  if (!ctx.ended.length) return d;
  d.status.history = appendHistory(ctx.o.status.history, ctx.ended, ctx.o.spec.historyLimit);
  return d;
}

/** Looked at this long after a boundary, the schedule reads the new state for sure. */
const BOUNDARY_MARGIN_MS = 100;

/** The plan for this direction; or, when a pair's active side is unknown, the decision to wait. */
function planOrBlock(
  ctx: Ctx,
  sides: ActiveSides,
  records: ActiveRecords,
): { plan: Plan } | { plan?: never; decision: Decision } {
  const { o, target } = ctx;
  try {
    return { plan: planTransition(o.spec.machines, sides, target) };
  } catch (e) {
    if (!(e instanceof ActiveSideUnknownError)) throw e;
  }
  // Nothing to order when every VM is already where it should be.
  const prev = o.status.transition;
  if (worldAtTarget(o, target) && (!prev || prev.finishedAt)) {
    return { decision: settled(ctx, buildStatus(ctx, prev?.direction === target ? prev : undefined, records)) };
  }
  const blocker: Blocker = {
    kind: 'ActiveUnknown',
    reason: 'ActiveSideUnknown',
    message: activeUnknownMessage(records),
  };
  const status = buildStatus(ctx, o.status.transition, records, blocker);
  return { decision: { ...settled(ctx, status), requeueAfterMs: POLL_MS } };
}

/** A walk that found nothing left to do ends the transition, Failed if a stage failed (failurePolicy Continue). */
function finishIfDone(ctx: Ctx, t: Transition, result: WalkResult): void {
  const idle = result.commands.length === 0 && !result.blocker && !result.runChecks && !result.waiting;
  if (t.finishedAt || !idle || !t.stages.every(done)) return;
  t.finishedAt = ctx.now;
  t.outcome = t.stages.some((s) => s.state === 'Failed') ? 'Failed' : 'Succeeded';
  ctx.ended.push(historyEntry(t, t.outcome, ctx.now));
  const message = `all ${ctx.o.spec.machines.length} VMs are ${ctx.target} (${t.outcome})`;
  ctx.events.push({ type: 'Normal', reason: DIRECTION[ctx.target].done, message });
}

/** What holds the transition: the walk's blocker, or a finished transition whose stages failed. */
function blockerOf(ctx: Ctx, t: Transition, result: WalkResult): Blocker | undefined {
  if (t.outcome !== 'Failed' || result.blocker) return result.blocker;
  const failed = t.stages.filter((s) => s.state === 'Failed').map((s) => s.message ?? s.name);
  if (!failed.length) return undefined;
  const message =
    `transition to ${ctx.target} finished with failed stages (${failed.join('; ')}); ` + 'change the spec to try again';
  return { kind: 'Stalled', reason: 'TransitionFailed', message };
}

/** After a successful shutdown, who was active, so the next startup brings that side up first. */
function rememberActiveSides(ctx: Ctx, t: Transition, records: ActiveRecords, status: AcdClusterStatus): void {
  if (!t.finishedAt || ctx.target !== 'Off' || t.outcome !== 'Succeeded') return;
  const known = Object.entries(records).filter(([, r]) => r.side);
  status.lastShutdownActive = Object.fromEntries(known.map(([k, r]) => [k, r.side]));
}

/** Keeps the recorded transition while it still describes this plan; otherwise starts a new one. */
function currentTransition(ctx: Ctx, plan: Plan, recovery: boolean): Transition | undefined {
  const { o, now, target } = ctx;
  const prev = o.status.transition;
  const atTarget = worldAtTarget(o, target);
  if (prev && stillHolds(ctx, prev, plan, atTarget)) return prev;
  if (!prev && atTarget) return undefined; // nothing to do, and nothing was ever done
  if (recovery) {
    const message = `${downVms(ctx).join(', ')} went down while On; starting them again in runbook order`;
    ctx.events.push({ type: 'Warning', reason: 'RecoveryStarted', message });
  } else if (prev) announceNew(ctx, prev, atTarget);
  const drift = prev?.finishedAt !== undefined && prev.direction === target && !atTarget;
  // Gates only where there is something to guard: an Off with VMs still up, an On with VMs to start.
  const gates = carriedGates(ctx, prev, atTarget ? undefined : initialGates(o.spec, target));
  return {
    direction: target,
    trigger: recovery ? { source: 'Recovery' } : triggerOf(ctx, drift),
    generation: o.generation,
    startedAt: now,
    stages: plan.stages.map((s) => ({
      index: s.index,
      name: s.name,
      tier: s.tier,
      ...(s.side ? { side: s.side } : {}),
      vms: s.vms,
      gate: s.gate,
      awaits: s.awaits,
      checks: s.checks,
      state: 'Pending' as const,
    })),
    commands: [],
    ...gates,
  };
}

/** The recorded transition goes on: same direction and stages, and not finished unless the world agrees. */
function stillHolds(ctx: Ctx, prev: Transition, plan: Plan, atTarget: boolean): boolean {
  const { o, target } = ctx;
  if (prev.direction !== target || signature(prev.stages) !== signature(plan.stages)) return false;
  // A transition that ended Failed (failurePolicy Continue) stays the record for its generation: the
  // failed VMs are not at target by definition, so treating that as drift restarted it on every pass.
  const failedHere =
    prev.outcome === 'Failed' && prev.generation === o.generation && o.spec.failurePolicy === 'Continue';
  // So does an Off given up by a beforeOff gate (onTimeout Abort): no new Off until the spec changes.
  const abortedHere = prev.outcome === 'Aborted' && prev.generation === o.generation;
  return !prev.finishedAt || atTarget || failedHere || abortedHere;
}

/** Why a new transition replaces the recorded one: a flip or a new plan mid-way, or drift after the end. */
function announceNew(ctx: Ctx, prev: Transition, atTarget: boolean): void {
  const { events, target } = ctx;
  if (!prev.finishedAt) {
    ctx.ended.push(historyEntry(prev, 'Superseded', ctx.now));
    const message =
      `transition to ${prev.direction} superseded by powerState ${target}; ` + "continuing from the VMs' current state";
    events.push({ type: 'Normal', reason: prev.direction !== target ? 'Reversed' : 'Replanned', message });
  } else if (!atTarget && prev.direction === target) {
    events.push({
      type: 'Warning',
      reason: 'Drift',
      message: `VMs are no longer all ${target}; bringing them back stage by stage`,
    });
  }
}

function activeUnknownMessage(records: ReturnType<typeof resolveActive>['records']): string {
  return Object.entries(records)
    .filter(([, r]) => !r?.side)
    .map(([k, r]) => `active ${k} side unknown: ${r?.message ?? ''}`)
    .join('; ');
}

export { deriveSizing };
