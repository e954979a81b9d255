// The reconciler's side of spec.gates: it runs the checks a decision asks for (runGates) and the
// drain/undrain actions it recorded (gateActions), through the GateProbes port (src/gates). The
// decisions themselves are src/decision/gates.ts'.
import { createHash } from 'node:crypto';
import type { AcdClusterSpec } from '../api/spec.js';
import type { GateStatus, Transition } from '../api/status.js';
import type { AcdCluster } from '../api/types.js';
import { beforeOffSpec, gateSpec, isEnded } from '../decision/gate-words.js';
import type { Event, GateActionRequest, GateResults, VmView } from '../decision/types.js';
import type { GateProbes } from '../gates/types.js';

/** What a check is without probes: a failure that says why, never a pass. */
const NOT_CONFIGURED = { passed: false, noData: false, message: 'gate probes not configured' };

/**
 * One attempt's key: the same for every pass that retries the same due check (transition, gate,
 * last check), and for every check while the attempt still runs (attemptFrom), so a Job check's
 * Job is created once per attempt, read until it finishes, and found again after a crash.
 */
export function attemptKey(
  t: Transition | undefined,
  gs: Pick<GateStatus, 'name' | 'lastCheckAt' | 'attemptFrom'>,
): string {
  const text = `${t?.startedAt ?? ''}/${gs.name}/${gs.attemptFrom ?? gs.lastCheckAt ?? ''}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

export interface GateRunContext {
  probes?: GateProbes;
  obj: AcdCluster;
  spec: AcdClusterSpec;
  vms: ReadonlyMap<string, VmView>;
  /** The transition the decision asked for these checks in. */
  transition?: Transition;
}

/** Each asked-for gate's check, one attempt each, in order (a gate holds until it passes). */
export async function runGateChecks(c: GateRunContext, names: readonly string[]): Promise<GateResults> {
  const out: Record<string, GateResults[string]> = {};
  for (const name of names) {
    const gs = c.transition?.gates?.find((g) => g.name === name);
    const gate = gs && gateSpec(c.spec, gs);
    if (!gs || !gate) continue;
    out[name] = c.probes
      ? await c.probes.check(c.obj, c.spec, c.vms, gate, attemptKey(c.transition, gs))
      : NOT_CONFIGURED;
  }
  return out;
}

/**
 * The drain/undrain actions, run once each, after the status that records them was written. A
 * failure is a Warning event and is not retried: running a drain twice is the worse mistake.
 */
export async function runGateActions(c: GateRunContext, actions: readonly GateActionRequest[]): Promise<Event[]> {
  const events: Event[] = [];
  for (const a of actions) {
    const action = beforeOffSpec(c.spec, a.gate)?.[a.kind];
    const r = !action
      ? { ok: false, message: `no ${a.kind} action in spec.gates.beforeOff for gate ${a.gate}` }
      : c.probes
        ? await c.probes.act(c.obj, c.spec, c.vms, action)
        : { ok: false, message: 'gate probes not configured' };
    if (!r.ok)
      events.push({
        type: 'Warning',
        reason: 'GateActionFailed',
        message: `${a.kind} of gate ${a.gate}: ${r.message}`,
      });
  }
  return events;
}

export interface GateEnded {
  gate: string;
  outcome: 'Passed' | 'Skipped' | 'TimedOut';
  seconds: number;
}

/** Gates this pass ended (compared with the status read), each once, for the wait histogram. */
export function endedGates(prev: Transition | undefined, next: Transition | undefined): GateEnded[] {
  if (!next?.gates) return [];
  const before = prev?.startedAt === next.startedAt ? (prev.gates ?? []) : [];
  return next.gates
    .filter((g) => isEnded(g) && !before.some((b) => b.name === g.name && isEnded(b)))
    .map((g) => ({
      gate: g.name,
      outcome: g.state as GateEnded['outcome'],
      seconds:
        Math.max(0, (Date.parse(g.finishedAt ?? '') - Date.parse(g.startedAt ?? g.finishedAt ?? '')) / 1000) || 0,
    }));
}
