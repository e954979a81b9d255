// How `acdctl power --wait` reads progress from the status: pure, so that what counts as done,
// stalled or still moving is pinned down by unit tests rather than by timing in e2e.
import type { AcdCluster } from '../api/types.js';
import type { Condition } from '../api/status.js';

export type WaitOutcome = { kind: 'ready'; message: string } | { kind: 'stalled'; reason: string; message: string };

const condition = (acd: AcdCluster, type: string): Condition | undefined =>
  acd.status?.conditions?.find((c) => c.type === type);

/**
 * Conditions only speak for the generation the operator has observed: right after the patch
 * they still describe the old powerState (Ready=True for the state being left), so nothing is
 * concluded until status.observedGeneration has caught up with the patched generation.
 */
function caughtUp(acd: AcdCluster, generation: number): boolean {
  return (acd.status?.observedGeneration ?? -1) >= generation;
}

export function waitOutcome(acd: AcdCluster, generation: number): WaitOutcome | undefined {
  if (!caughtUp(acd, generation)) return undefined;
  const stalled = condition(acd, 'Stalled');
  if (stalled?.status === 'True') return { kind: 'stalled', reason: stalled.reason, message: stalled.message };
  const ready = condition(acd, 'Ready');
  if (ready?.status === 'True') return { kind: 'ready', message: ready.message };
  return undefined;
}

/** One line describing where the transition is; the caller prints it only when it changes. */
export function progressLine(acd: AcdCluster, generation: number): string {
  if (!caughtUp(acd, generation)) return `waiting for the operator to observe generation ${generation}`;
  const s = acd.status!;
  const stages = s.transition?.stages ?? [];
  const i = stages.findIndex((st) => st.state === 'Pending' || st.state === 'InProgress');
  const ready = condition(acd, 'Ready');
  if (i < 0) {
    const where = stages.length ? `[${stages.length}/${stages.length}] ` : '';
    return `${where}${s.phase ?? 'unknown phase'}: ${ready?.message ?? 'no transition'}`;
  }
  const stage = stages[i]!;
  const verb = s.transition?.direction === 'Off' ? 'stopping' : 'starting';
  const what = stage.message ?? (stage.state === 'Pending' ? 'pending' : `${verb} ${stage.vms.join(', ')}`);
  return `[${i + 1}/${stages.length}] ${stage.name}: ${what}`;
}
