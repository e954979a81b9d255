// Conditions as apimachinery keeps them, and the verdict type each condition's one owner returns.
import type { Condition } from '../api/status.js';
import type { ConditionReason, ConditionType } from '../api/reasons.js';

export type { ConditionType } from '../api/reasons.js';
export type CondStatus = 'True' | 'False' | 'Unknown';

/** What one condition's owner decides: everything but the bookkeeping fields. */
export interface Verdict<T extends ConditionType = ConditionType> {
  status: CondStatus;
  reason: ConditionReason<T>;
  message: string;
}

/**
 * Sets a condition the way apimachinery's meta.SetStatusCondition does: lastTransitionTime only
 * moves when the status flips, so `kubectl get -o yaml` tells how long a state has lasted.
 */
export function setCondition<T extends ConditionType>(
  list: Condition[],
  type: T,
  verdict: Verdict<T>,
  generation: number,
  now: string,
): Condition[] {
  const old = list.find((c) => c.type === type);
  const next: Condition = {
    type,
    status: verdict.status,
    reason: verdict.reason,
    message: verdict.message,
    observedGeneration: generation,
    lastTransitionTime: old && old.status === verdict.status ? old.lastTransitionTime : now,
  };
  return [...list.filter((c) => c.type !== type), next];
}

export const conditionIs = (list: Condition[] | undefined, type: ConditionType, status: CondStatus) =>
  (list ?? []).some((c) => c.type === type && c.status === status);
