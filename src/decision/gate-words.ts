// What the gates of a transition are and how they read: the gates a new transition gets, those it
// takes over from the Off it replaces, and the one-line messages the conditions show. Pure.
import type { AfterOnGate, BeforeOffGate } from '../api/gates.js';
import { formatDuration, parseDuration } from '../api/duration.js';
import type { Direction } from '../api/domain.js';
import type { AcdClusterSpec } from '../api/spec.js';
import type { GateStatus, Transition } from '../api/status.js';
import { elapsed } from './context.js';
import type { Ctx } from './types.js';

export type GateWhen = GateStatus['when'];
export type AnyGate = BeforeOffGate | AfterOnGate;

/** spec.gates' list for `when`. */
const gatesOf = (spec: AcdClusterSpec, when: GateWhen): readonly AnyGate[] | undefined =>
  when === 'BeforeOff' ? spec.gates?.beforeOff : spec.gates?.afterOn;

/** The spec of a gate a transition records; undefined once it was removed from spec.gates. */
export const gateSpec = (spec: AcdClusterSpec, gs: Pick<GateStatus, 'name' | 'when'>): AnyGate | undefined =>
  gatesOf(spec, gs.when)?.find((g) => g.name === gs.name);

export const beforeOffSpec = (spec: AcdClusterSpec, name: string): BeforeOffGate | undefined =>
  spec.gates?.beforeOff?.find((g) => g.name === name);

export const isEnded = (gs: GateStatus) => gs.state === 'Passed' || gs.state === 'Skipped' || gs.state === 'TimedOut';

/** The gates a new transition towards `target` runs: beforeOff for an Off, afterOn for an On. */
export function initialGates(spec: AcdClusterSpec, target: Direction): GateStatus[] | undefined {
  const when: GateWhen = target === 'Off' ? 'BeforeOff' : 'AfterOn';
  const list = gatesOf(spec, when);
  if (!list?.length) return undefined;
  return list.map((g) => ({ name: g.name, when, state: 'Pending' as const, successes: 0 }));
}

/**
 * What a new transition takes over from the unfinished one it replaces: an Off replanned keeps its
 * gates (a drain already issued is not issued again); an Off reversed to On owes the undrain of
 * every gate that drained; undrains still owed are carried on.
 */
export function carriedGates(
  ctx: Ctx,
  prev: Transition | undefined,
  fresh: GateStatus[] | undefined,
): Pick<Transition, 'gates' | 'undrains'> {
  if (!prev || prev.finishedAt) return fresh ? { gates: fresh } : {};
  const owed = owedUndrains(ctx, prev);
  const replanned = prev.direction === 'Off' && ctx.target === 'Off';
  const gates = (replanned && prev.gates) || fresh;
  const out: Pick<Transition, 'gates' | 'undrains'> = {};
  if (gates) out.gates = gates.map((g) => ({ ...g }));
  if (owed.length) out.undrains = owed;
  return out;
}

/** What the unfinished `prev` leaves owed: its undrains not yet run, and, reversed to On, each gate it drained. */
function owedUndrains(ctx: Ctx, prev: Transition): NonNullable<Transition['undrains']> {
  const owed = (prev.undrains ?? []).filter((u) => !u.at);
  if (prev.direction !== 'Off' || ctx.target !== 'On') return owed;
  return [...owed, ...drainedToUndo(ctx, prev).map((g) => ({ gate: g.name }))];
}

/** The gates of `t` that drained and have an undrain action: what giving its Off up owes. */
export const drainedToUndo = (ctx: Ctx, t: Transition): GateStatus[] =>
  (t.gates ?? []).filter((g) => g.drainedAt && beforeOffSpec(ctx.o.spec, g.name)?.undrain);

/** The condition a gate waits for, as users wrote it (or its default). */
function conditionText(gate: AnyGate): string {
  if (gate.successCondition) return gate.successCondition;
  return gate.check.job ? 'the Job completes' : 'a 2xx answer';
}

/** "waiting for no-active-calls: 7 (result == 0), 3m of 30m". */
export function waitingLine(ctx: Ctx, gs: GateStatus, gate: AnyGate): string {
  const waited = formatDuration(Math.max(0, elapsed(ctx.now, gs.startedAt ?? ctx.now)));
  const value = gs.value ?? (gs.lastCheckAt ? 'no value' : 'not checked yet');
  const row = gate.consecutiveSuccesses > 1 ? `, ${gs.successes}/${gate.consecutiveSuccesses} in a row` : '';
  return `waiting for ${gs.name}: ${value} (${conditionText(gate)})${row}, ${waited} of ${gate.maxWait}`;
}

/** The line for the gate a running transition waits on, for the Ready/Reconciling message. */
export function gateLine(ctx: Ctx, t: Transition | undefined): string | undefined {
  const gs = t && !t.finishedAt ? t.gates?.find((g) => g.state === 'Waiting') : undefined;
  const gate = gs && gateSpec(ctx.o.spec, gs);
  return gs && gate ? waitingLine(ctx, gs, gate) : undefined;
}

/** Why the ACD is Degraded: an afterOn gate of the finished startup that timed out. */
export function failedAfterOnGate(t: Transition | undefined): string | undefined {
  if (!t?.finishedAt || t.direction !== 'On') return undefined;
  const gs = t.gates?.find((g) => g.when === 'AfterOn' && g.state === 'TimedOut');
  if (!gs) return undefined;
  return `afterOn gate ${gs.name} did not pass: last value ${gs.value ?? 'none'} (${gs.message ?? 'no check ran'})`;
}

export const timedOut = (ctx: Ctx, gs: GateStatus, gate: AnyGate) =>
  elapsed(ctx.now, gs.startedAt) >= parseDuration(gate.maxWait);

/** Until the gate's next check is due (0: now). */
export function untilDue(ctx: Ctx, gs: GateStatus, gate: AnyGate): number {
  if (!gs.lastCheckAt) return 0;
  return Math.max(0, parseDuration(gate.interval) - elapsed(ctx.now, gs.lastCheckAt));
}
