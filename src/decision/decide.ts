// The pure heart of the operator: from what was observed (spec, VMs, last status, the clock) to
// what to do (at most one stage's commands) and what to report. No I/O here, so every decision the
// operator can make is a unit test away; src/reconcile/reconciler.ts does the observing and acting.
// Its vocabulary (Observed, Decision, ...) is in ./types.ts.
import { sanitizeStatus, type Transition } from '../api/status.js';
import type { Direction } from '../api/domain.js';
import { ActiveSideUnknownError, deriveSizing, planTransition, requiredActiveSides, type Plan } from '../plan/index.js';
import type { Blocker, Ctx, Decision, Event, Observed } from './types.js';
import { resolveActive } from './active.js';
import { buildStatus } from './report.js';
import { done, POLL_MS, signature, worldAtTarget } from './context.js';
import { walk } from './walk.js';
import { DIRECTION } from './direction.js';
import { periodicCheck, recordHealth } from './health-status.js';

export function decide(observed: Observed): Decision {
  // Status is memory, not authority: what does not parse is forgotten, and the world decides.
  const o: Observed = { ...observed, status: sanitizeStatus(observed.status) };
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
    if (worldAtTarget(o, target) && (!prev || prev.finishedAt))
      return { status: buildStatus(ctx, prev?.direction === target ? prev : undefined, records), commands: [], events };
    const blocker: Blocker = {
      kind: 'ActiveUnknown',
      reason: 'ActiveSideUnknown',
      message: activeUnknownMessage(records),
    };
    return {
      status: buildStatus(ctx, o.status.transition, records, blocker),
      commands: [],
      events,
      requeueAfterMs: POLL_MS,
    };
  }

  // Paused freezes even the bookkeeping: no new transition record, no Reversed event.
  if (o.spec.paused) {
    return {
      status: buildStatus(ctx, o.status.transition, records, {
        kind: 'Paused',
        reason: 'Paused',
        message: 'spec.paused is true: no VM is started or stopped',
      }),
      commands: [],
      events,
    };
  }
  let transition = currentTransition(ctx, plan);
  if (!transition) return { status: buildStatus(ctx, undefined, records), commands: [], events };

  // A copy of everything this pass may change: the transition it keeps comes from the status it
  // read, and the reconciler appends this pass's commands. Shared with what was read, a command
  // made the new status equal the old one, and its write (the record of the command) was skipped.
  transition = { ...transition, stages: transition.stages.map((s) => ({ ...s })), commands: [...transition.commands] };
  const result = walk(ctx, plan, transition);
  if (
    !transition.finishedAt &&
    result.commands.length === 0 &&
    !result.blocker &&
    !result.runChecks &&
    transition.stages.every(done)
  ) {
    transition.finishedAt = now;
    transition.outcome = transition.stages.some((s) => s.state === 'Failed') ? 'Failed' : 'Succeeded';
    events.push({
      type: 'Normal',
      reason: DIRECTION[target].done,
      message: `all ${o.spec.machines.length} VMs are ${target} (${transition.outcome})`,
    });
  }
  const failed =
    transition.outcome === 'Failed' && !result.blocker ? transition.stages.filter((s) => s.state === 'Failed') : [];
  const blocker: Blocker | undefined = failed.length
    ? {
        kind: 'Stalled',
        reason: 'TransitionFailed',
        message:
          `transition to ${target} finished with failed stages (${failed.map((s) => s.message ?? s.name).join('; ')})` +
          '; change the spec to try again',
      }
    : result.blocker;
  const status = buildStatus(ctx, transition, records, blocker);
  if (transition.finishedAt && target === 'Off' && transition.outcome === 'Succeeded') {
    // Remember who was active, so the next startup brings that side up first.
    status.lastShutdownActive = Object.fromEntries(
      Object.entries(records)
        .filter(([, r]) => r.side)
        .map(([k, r]) => [k, r.side]),
    );
  }
  recordHealth(ctx, status);
  const periodic = periodicCheck(ctx, status, transition, result);
  if (periodic) return { status, commands: [], events, ...periodic };
  return {
    status,
    commands: result.commands,
    events,
    runChecks: result.runChecks,
    checkTier: result.checkTier,
    requeueAfterMs: result.requeueAfterMs,
  };
}

/** Keeps the recorded transition while it still describes this plan; otherwise starts a new one. */
function currentTransition(ctx: Ctx, plan: Plan): Transition | undefined {
  const { o, now, events, target } = ctx;
  const prev = o.status.transition;
  const atTarget = worldAtTarget(o, target);
  if (prev && prev.direction === target && signature(prev.stages) === signature(plan.stages)) {
    // A transition that ended Failed (failurePolicy Continue) stays the record for its generation: the
    // failed VMs are not at target by definition, so treating that as drift restarted it on every pass.
    const failedHere =
      prev.outcome === 'Failed' && prev.generation === o.generation && o.spec.failurePolicy === 'Continue';
    if (!prev.finishedAt || atTarget || failedHere) return prev;
  }
  if (!prev && atTarget) return undefined; // nothing to do, and nothing was ever done
  if (prev && !prev.finishedAt) {
    events.push({
      type: 'Normal',
      reason: prev.direction !== target ? 'Reversed' : 'Replanned',
      message:
        `transition to ${prev.direction} superseded by powerState ${target}; ` +
        "continuing from the VMs' current state",
    });
  } else if (prev && !atTarget && prev.direction === target) {
    events.push({
      type: 'Warning',
      reason: 'Drift',
      message: `VMs are no longer all ${target}; bringing them back stage by stage`,
    });
  }
  return {
    direction: target,
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
  };
}

function activeUnknownMessage(records: ReturnType<typeof resolveActive>['records']): string {
  return Object.entries(records)
    .filter(([, r]) => !r?.side)
    .map(([k, r]) => `active ${k} side unknown: ${r?.message ?? ''}`)
    .join('; ');
}

export { deriveSizing };
