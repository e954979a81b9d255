import type { Condition } from '../api/status.js';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled' | 'Healthy' | 'Degraded' | 'InvalidSpec' | 'ActiveUnknown' | 'HostKeysUnverified';
export type CondStatus = 'True' | 'False' | 'Unknown';

/**
 * Sets a condition the way apimachinery's meta.SetStatusCondition does: lastTransitionTime only
 * moves when the status flips, so `kubectl get -o yaml` tells how long a state has lasted.
 */
export function setCondition(list: Condition[], type: ConditionType, status: CondStatus, reason: string, message: string, generation: number, now: string): Condition[] {
  const old = list.find((c) => c.type === type);
  const next: Condition = {
    type, status, reason, message, observedGeneration: generation,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
  };
  return [...list.filter((c) => c.type !== type), next];
}

export const conditionIs = (list: Condition[] | undefined, type: ConditionType, status: CondStatus) =>
  (list ?? []).some((c) => c.type === type && c.status === status);
