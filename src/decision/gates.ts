// spec.gates in the decision (issue 14): beforeOff gates hold the first stop until they pass (a
// drain first, then a check every interval), afterOn gates hold the end of a startup. One gate at a
// time, in order; their state is kept in status.transition.gates, so a crash resumes where it was.
// The checks and actions run in the reconciler (Decision.runGates, gateActions): this stays pure.
// Drain and undrain run at most once: the decision records them (drainedAt, undrains[].at) and the
// reconciler runs them only after that status is written.
import { parseDuration } from '../api/duration.js';
import type { GateStatus, Transition } from '../api/status.js';
import type { Plan } from '../plan/index.js';
import { done, POLL_MS, worldAtTarget } from './context.js';
import {
  drainedToUndo,
  gateSpec,
  isEnded,
  timedOut,
  untilDue,
  waitingLine,
  type AnyGate,
  type GateWhen,
} from './gate-words.js';
import { historyEntry } from './history.js';
import type { Blocker, Ctx, Decision, GateResult } from './types.js';
import { walk, type WalkResult } from './walk.js';

/** The walk, inside the transition's gates: beforeOff before the first stage, afterOn after the last. */
export function gatedWalk(ctx: Ctx, plan: Plan, t: Transition): WalkResult {
  payOwedUndrains(ctx, t);
  if (t.outcome === 'Aborted') return { commands: [], blocker: abortedBlocker(t) };
  if (t.direction === 'Off' && !t.finishedAt) {
    applySkips(ctx, t);
    skipIfAllDown(ctx, t);
    const held = runGates(ctx, t, 'BeforeOff');
    if (held) return held;
  }
  const result = walk(ctx, plan, t);
  const idle = !result.commands.length && !result.blocker && !result.runChecks;
  if (t.direction !== 'On' || t.finishedAt || !idle || !t.stages.every(done)) return result;
  return runGates(ctx, t, 'AfterOn') ?? result;
}

/** The gate requests of this pass, for the Decision. */
export function gateAsks(ctx: Ctx, r: WalkResult): Pick<Decision, 'runGates' | 'gateActions' | 'removeSkipGates'> {
  const a = ctx.gateAsks;
  return {
    ...(r.runGates?.length ? { runGates: r.runGates } : {}),
    ...(a?.gateActions?.length ? { gateActions: a.gateActions } : {}),
    ...(a?.removeSkipGates !== undefined ? { removeSkipGates: a.removeSkipGates } : {}),
  };
}

function asks(ctx: Ctx) {
  ctx.gateAsks ??= {};
  return ctx.gateAsks;
}

/** Undrains owed by a reversed Off: recorded as issued now, run by the reconciler after the write. */
function payOwedUndrains(ctx: Ctx, t: Transition): void {
  for (const u of t.undrains ?? []) {
    if (u.at) continue;
    u.at = ctx.now;
    (asks(ctx).gateActions ??= []).push({ gate: u.gate, kind: 'undrain' });
  }
}

/**
 * Every VM went down by another route (a person, a power loss) before this Off stopped any: there
 * are no calls left to protect, so the beforeOff gates that have not ended are Skipped, said why,
 * instead of holding an Off that has nothing to stop.
 */
function skipIfAllDown(ctx: Ctx, t: Transition): void {
  if (t.commands.length || !worldAtTarget(ctx.o, 'Off')) return;
  for (const gs of t.gates ?? []) {
    if (gs.when !== 'BeforeOff' || isEnded(gs)) continue;
    gs.skip = { reason: 'every VM is down already' };
    end(ctx, gs, 'Skipped', `${label(gs)} skipped: every VM is down already, nothing is left to stop`);
  }
}

/** The first gate of `when` that has not ended holds the transition; undefined once all ended. */
function runGates(ctx: Ctx, t: Transition, when: GateWhen): WalkResult | undefined {
  for (const gs of t.gates ?? []) {
    if (gs.when !== when || isEnded(gs)) continue;
    const gate = gateSpec(ctx.o.spec, gs);
    if (!gate) {
      end(ctx, gs, 'Skipped', `${gs.name} is no longer in spec.gates`);
      gs.skip = { reason: 'removed from spec.gates' };
      continue;
    }
    const held = stepGate(ctx, t, gs, gate);
    if (held) return held;
  }
  return undefined;
}

/** One pass of one gate: start, drain, take a result, time out, or ask for the next check. */
function stepGate(ctx: Ctx, t: Transition, gs: GateStatus, gate: AnyGate): WalkResult | undefined {
  if (gs.state === 'Pending') {
    gs.state = 'Waiting';
    gs.startedAt = ctx.now;
    ctx.events.push({
      type: 'Normal',
      reason: 'GateStarted',
      message: `${label(gs)}: waiting (${gate.maxWait} at most)`,
    });
  }
  return drainFirst(ctx, gs, gate) ?? checkGate(ctx, t, gs, gate);
}

/** A gate's drain, before its first check: recorded now, run by the reconciler after the write. */
function drainFirst(ctx: Ctx, gs: GateStatus, gate: AnyGate): WalkResult | undefined {
  if (!('drain' in gate) || !gate.drain || gs.drainedAt) return undefined;
  gs.drainedAt = ctx.now;
  (asks(ctx).gateActions ??= []).push({ gate: gs.name, kind: 'drain' });
  // The first check waits an interval: the drain is given time to take effect.
  gs.lastCheckAt = ctx.now;
  return waiting(ctx, gs, gate, parseDuration(gate.interval));
}

/** The check's result taken, the gate passed or timed out, or the next check asked for. */
function checkGate(ctx: Ctx, t: Transition, gs: GateStatus, gate: AnyGate): WalkResult | undefined {
  const r = ctx.o.gateResults?.[gs.name];
  if (r) record(gs, r, ctx.now);
  if (gs.successes >= gate.consecutiveSuccesses) {
    end(ctx, gs, 'Passed', `${label(gs)} passed: ${gs.message ?? ''}`);
    return undefined;
  }
  const after = timedOut(ctx, gs, gate) ? onTimeout(ctx, t, gs, gate) : undefined;
  if (after && 'ends' in after) return after.ends;
  return nextCheck(ctx, gs, gate, r !== undefined, after?.stalled);
}

/** The gate waits: for its next check, due now (asked for) or after the rest of its interval. */
function nextCheck(ctx: Ctx, gs: GateStatus, gate: AnyGate, checked: boolean, stalled?: Blocker): WalkResult {
  const due = untilDue(ctx, gs, gate);
  if (due > 0 || checked) return waiting(ctx, gs, gate, checked ? parseDuration(gate.interval) : due, stalled);
  // A check due: the reconciler runs it and decides again. Asked in a pass that already had its
  // round of checks (a gate that began after another passed, or after the last stage's health
  // checks), it is for the next pass, at once: a poll later would eat a short maxWait unchecked.
  const ranChecks = ctx.o.gateResults !== undefined || ctx.o.health !== undefined;
  return { ...waiting(ctx, gs, gate, ranChecks ? 0 : POLL_MS, stalled), runGates: [gs.name] };
}

/**
 * passed → one more in a row; a failure → none in a row; a Job still running → unchanged, and the
 * attempt stays the one it was (attemptFrom), so that the next check reads the same Job.
 */
function record(gs: GateStatus, r: GateResult, now: string): void {
  if (r.pending) gs.attemptFrom ??= gs.lastCheckAt ?? '';
  else delete gs.attemptFrom;
  gs.lastCheckAt = now;
  gs.message = r.message;
  if (r.value !== undefined) gs.value = r.value;
  else delete gs.value;
  if (r.pending) return;
  gs.successes = r.passed ? gs.successes + 1 : 0;
}

function end(ctx: Ctx, gs: GateStatus, state: 'Passed' | 'Skipped' | 'TimedOut', message: string): void {
  gs.state = state;
  gs.finishedAt = ctx.now;
  const reason = state === 'Passed' ? 'GatePassed' : state === 'Skipped' ? 'GateSkipped' : 'GateTimedOut';
  ctx.events.push({ type: state === 'TimedOut' ? 'Warning' : 'Normal', reason, message });
}

const label = (gs: GateStatus) => `${gs.when === 'BeforeOff' ? 'beforeOff' : 'afterOn'} gate ${gs.name}`;

/** A gate still waiting: beforeOff holds the Off (Ready False, GateWaiting); afterOn only says so. */
function waiting(ctx: Ctx, gs: GateStatus, gate: AnyGate, requeueAfterMs: number, stalled?: Blocker): WalkResult {
  const out: WalkResult = { commands: [], waiting: true, requeueAfterMs };
  if (stalled) return { ...out, blocker: stalled };
  if (gs.when === 'AfterOn') return out;
  return { ...out, blocker: { kind: 'Held', reason: 'GateWaiting', message: waitingLine(ctx, gs, gate) } };
}

/**
 * After maxWait: afterOn and Proceed go on (the gate ends TimedOut), Abort gives the Off up, Hold
 * keeps checking, Stalled (`ends` undefined: the gate ended, go on).
 */
function onTimeout(
  ctx: Ctx,
  t: Transition,
  gs: GateStatus,
  gate: AnyGate,
): { ends: WalkResult | undefined } | { stalled: Blocker } {
  const policy = 'onTimeout' in gate ? gate.onTimeout : 'Proceed';
  const line = waitingLine(ctx, gs, gate);
  if (policy === 'Proceed') {
    const next = gs.when === 'AfterOn' ? 'the startup ends Degraded' : 'stopping anyway (onTimeout Proceed)';
    end(ctx, gs, 'TimedOut', `${label(gs)} timed out: ${line}; ${next}`);
    return { ends: undefined };
  }
  if (policy === 'Abort') return { ends: abort(ctx, t, gs, line) };
  const message =
    `${label(gs)} has not passed within maxWait (onTimeout Hold): ${line}; nothing is stopped until it ` +
    `passes, or skip it once: acdctl power off NAME --skip-gate ${gs.name} --reason TEXT`;
  // Said once, when the wait first runs over; the Stalled condition says it for as long as it lasts.
  const before = ctx.o.status.conditions?.find((c) => c.type === 'Stalled')?.reason === 'GateTimeout';
  if (!before) ctx.events.push({ type: 'Warning', reason: 'GateTimedOut', message });
  return { stalled: { kind: 'Stalled', reason: 'GateTimeout', message } };
}

/** onTimeout Abort: the Off is given up (nothing was stopped), every drained gate is undrained once. */
function abort(ctx: Ctx, t: Transition, gs: GateStatus, line: string): WalkResult {
  gs.state = 'TimedOut';
  gs.finishedAt = ctx.now;
  gs.message = line;
  t.finishedAt = ctx.now;
  t.outcome = 'Aborted';
  ctx.ended.push(historyEntry(t, 'Aborted', ctx.now));
  const drained = drainedToUndo(ctx, t);
  t.undrains = [...(t.undrains ?? []), ...drained.map((g) => ({ gate: g.name, at: ctx.now }))];
  (asks(ctx).gateActions ??= []).push(...drained.map((g) => ({ gate: g.name, kind: 'undrain' as const })));
  const blocker = abortedBlocker(t);
  ctx.events.push({ type: 'Warning', reason: 'GateAborted', message: blocker.message });
  return { commands: [], blocker };
}

function abortedBlocker(t: Transition): Blocker {
  const gs = t.gates?.find((g) => g.state === 'TimedOut');
  const message =
    `Off aborted: beforeOff gate ${gs?.name ?? '?'} did not pass within maxWait ` +
    `(onTimeout Abort; ${gs?.message ?? ''}); no VM was stopped. Change powerState (or the spec) to try again`;
  return { kind: 'Stalled', reason: 'GateAborted', message };
}

/**
 * The skip-gates annotation, on an Off whose beforeOff gates wait: the gates it names are Skipped
 * (who and why recorded), and the annotation is removed. A garbled one, or one naming no waiting
 * gate, is said once (Warning) and removed too: a skip never lingers for a later Off.
 */
function applySkips(ctx: Ctx, t: Transition): void {
  const read = ctx.o.skipGates;
  const open = (t.gates ?? []).filter((g) => g.when === 'BeforeOff' && !isEnded(g));
  if (!read?.raw || !open.length) return;
  asks(ctx).removeSkipGates = read.raw;
  if (read.invalid !== undefined) {
    ctx.events.push({ type: 'Warning', reason: 'GateSkipInvalid', message: `${read.invalid}; ignored` });
    return;
  }
  const { gates, reason, by } = read.skip;
  const named = open.filter((g) => gates.includes(g.name));
  const already = (t.gates ?? []).some((g) => g.state === 'Skipped' && gates.includes(g.name));
  if (!named.length && !already) {
    const message = `skip-gates names ${gates.join(', ')}, but no such beforeOff gate waits; ignored`;
    ctx.events.push({ type: 'Warning', reason: 'GateSkipInvalid', message });
  }
  for (const gs of named) {
    gs.skip = { ...(by ? { by } : {}), reason };
    end(ctx, gs, 'Skipped', `${label(gs)} skipped${by ? ` by ${by}` : ''}: ${reason}`);
  }
}
