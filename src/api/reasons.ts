// Condition types and the reasons the operator writes into conditions and Events: one list each,
// read by the decision core, the docs' tables, the Argo CD health script's tests and acdctl. A test
// (test/unit/api/reasons.test.ts) holds the docs, the Lua and its test data to these lists.

/** In the order the operator writes them into status.conditions. */
export const CONDITION_TYPES = [
  'Ready',
  'Reconciling',
  'Stalled',
  'ActiveUnknown',
  'InvalidSpec',
  'ScheduleValid',
  'Healthy',
  'Degraded',
  'HostKeysUnverified',
  'SelfRestartingVMs',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Why a transition stands still until something changes (the Stalled condition's reasons). */
export const STALL_REASONS = [
  'VMStartTimeout',
  'VMStopTimeout',
  'StageTimeout',
  'VMFailing',
  'VMMissing',
  'HealthGateTimeout',
  'TransitionFailed',
  'InvalidSpec',
  'VMClaimedByAnotherCluster',
  'ActiveSideUnknown',
  'InvalidSchedule',
  'RecoveryCrashLoop',
  'GateTimeout',
  'GateAborted',
] as const;
export type StallReason = (typeof STALL_REASONS)[number];

/** Why a transition waits without being stuck. */
export const HOLD_REASONS = ['HealthGateHeld', 'Paused', 'RecoveryBackoff', 'GateWaiting'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** Every reason each condition type can carry. */
export const CONDITION_REASONS = {
  Ready: ['PoweredOn', 'PoweredOff', 'Starting', 'Stopping', ...STALL_REASONS, ...HOLD_REASONS],
  Reconciling: ['Starting', 'Stopping', 'Idle', 'Paused', 'InvalidSpec', 'VMClaimedByAnotherCluster'],
  Stalled: ['Progressing', ...STALL_REASONS],
  ActiveUnknown: ['ActiveSideUnknown', 'ActiveKnown'],
  InvalidSpec: ['SpecValid', 'InvalidSpec', 'VMClaimedByAnotherCluster'],
  ScheduleValid: ['ScheduleValid', 'InvalidSchedule', 'NotScheduled'],
  Healthy: ['ChecksPassed', 'ChecksFailed', 'PoweredOff', 'NotChecked'],
  Degraded: ['ChecksFailed', 'GateFailed', 'NotDegraded'],
  HostKeysUnverified: ['InsecureSkipHostKeyVerification', 'HostKeysPinned'],
  SelfRestartingVMs: ['RunStrategyRestartsByItself', 'RecoveryOrdered', 'RecoveryByKubeVirt'],
} as const satisfies Record<ConditionType, readonly string[]>;
export type ConditionReason<T extends ConditionType = ConditionType> = (typeof CONDITION_REASONS)[T][number];

/** The reasons of the Events the operator records on an AcdCluster (kubectl describe). */
export const EVENT_REASONS = [
  'StageStarted',
  'StageInitiated',
  'StageCompleted',
  'StageFailed',
  'StageStalled',
  'StageReopened',
  'Reversed',
  'Replanned',
  'Drift',
  'PoweredOn',
  'PoweredOff',
  'CommandFailed',
  'InvalidSpec',
  'VMClaimedByAnotherCluster',
  'ScheduleSlotMissed',
  'ScheduledTransitionSoon',
  'OverrideExpired',
  'RestartStarted',
  'RestartCompleted',
  'RestartSkipped',
  'RecoveryStarted',
  'RecoveryCrashLoop',
  'GateStarted',
  'GatePassed',
  'GateSkipped',
  'GateSkipInvalid',
  'GateTimedOut',
  'GateAborted',
  'GateActionFailed',
] as const;
export type EventReason = (typeof EVENT_REASONS)[number];
