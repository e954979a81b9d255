// Each condition type has exactly one owner here: a named function from this pass's facts to its
// verdict (status, reason, message), in the manner of kubebuilder's one block per condition. The
// table's type (a Record over every ConditionType) is what makes "one owner each" hold: a second
// owner cannot be added, and a new type cannot be forgotten.
import type { Direction } from '../api/domain.js';
import type { Condition } from '../api/status.js';
import { CONDITION_TYPES, type ConditionType } from '../api/reasons.js';
import { setCondition, type Verdict } from './conditions.js';
import { DIRECTION } from './direction.js';
import type { Blocker, HealthResults } from './types.js';

/** What the owners read, when the operator acts on the object. */
export interface ActingFacts {
  kind: 'acting';
  target: Direction;
  /** A transition is under way (recorded and not finished). */
  running: boolean;
  power: 'On' | 'Off' | 'Mixed';
  /** "stage 3/9 lb tier: waiting for ...", or empty between transitions. */
  stageLine: string;
  blocker?: Blocker;
  vmCount: number;
  /** An afterOn gate of the finished startup that timed out: why the ACD is Degraded. */
  failedGate?: string;
  /** The checks that ran in this pass. */
  health?: HealthResults;
  /** Healthy as the last pass left it. */
  previousHealthy?: Condition;
  insecureSsh: boolean;
  /** spec.powerState is Scheduled. */
  scheduled: boolean;
  /** Why the schedule cannot be read, if it cannot. */
  scheduleProblem?: string;
  recovery: 'Ordered' | 'KubeVirt';
  /** VMs on a runStrategy with which KubeVirt restarts them by itself (Always, RerunOnFailure). */
  selfRestarting: string[];
}
/** What the owners read, when the operator refuses to act (an invalid spec, VMs claimed elsewhere). */
export interface RefusedFacts {
  kind: 'refused';
  reason: 'InvalidSpec' | 'VMClaimedByAnotherCluster';
  message: string;
}
export type ConditionFacts = ActingFacts | RefusedFacts;

/** undefined: the owner leaves the condition as it is. */
type Owner<T extends ConditionType> = (f: ConditionFacts) => Verdict<T> | undefined;

const stalled = (f: ActingFacts) => f.blocker?.kind === 'Stalled' || f.blocker?.kind === 'ActiveUnknown';
const reached = (f: ActingFacts) => !f.running && f.power === f.target && !stalled(f);

/** Ready: the power state is reached and nothing is stuck (what `kubectl wait` waits for). */
export function readyCondition(f: ConditionFacts): Verdict<'Ready'> {
  if (f.kind === 'refused') return { status: 'False', reason: f.reason, message: f.message };
  const d = DIRECTION[f.target];
  if (reached(f)) return { status: 'True', reason: d.done, message: `all ${f.vmCount} VMs are ${f.target}` };
  const message = f.blocker?.message ?? (f.stageLine || `${d.verb} ${f.vmCount} VMs`);
  return { status: 'False', reason: f.blocker?.reason ?? d.moving, message };
}

/** Reconciling: a transition is moving (kstatus); not while it is stalled or paused. */
export function reconcilingCondition(f: ConditionFacts): Verdict<'Reconciling'> {
  if (f.kind === 'refused')
    return { status: 'False', reason: f.reason, message: 'nothing is touched until this is corrected' };
  if (f.blocker?.kind === 'Paused') return { status: 'False', reason: 'Paused', message: f.blocker.message };
  if (!f.running || stalled(f)) return { status: 'False', reason: 'Idle', message: 'no transition in progress' };
  const moving = DIRECTION[f.target].moving;
  return { status: 'True', reason: moving, message: f.stageLine || moving };
}

/** Stalled: the transition cannot go on by itself (kstatus); the reason says why. */
export function stalledCondition(f: ConditionFacts): Verdict<'Stalled'> {
  if (f.kind === 'refused') return { status: 'True', reason: f.reason, message: f.message };
  if (!stalled(f) || !f.blocker) return { status: 'False', reason: 'Progressing', message: 'no stage is stuck' };
  return { status: 'True', reason: f.blocker.reason as Verdict<'Stalled'>['reason'], message: f.blocker.message };
}

/** ActiveUnknown: a redundant shutdown waits because a pair's active side is not known. */
export function activeUnknownCondition(f: ConditionFacts): Verdict<'ActiveUnknown'> | undefined {
  if (f.kind === 'refused') return undefined;
  if (f.blocker?.kind === 'ActiveUnknown')
    return { status: 'True', reason: 'ActiveSideUnknown', message: f.blocker.message };
  return { status: 'False', reason: 'ActiveKnown', message: 'the active side of every pair is known or not needed' };
}

/** InvalidSpec: the operator refuses the object, and says why. */
export function invalidSpecCondition(f: ConditionFacts): Verdict<'InvalidSpec'> {
  if (f.kind === 'refused') return { status: 'True', reason: f.reason, message: f.message };
  return { status: 'False', reason: 'SpecValid', message: 'spec is valid' };
}

/** ScheduleValid: with powerState Scheduled, whether spec.schedule can be read (a known zone, valid times). */
export function scheduleValidCondition(f: ConditionFacts): Verdict<'ScheduleValid'> | undefined {
  if (f.kind === 'refused') return undefined;
  if (!f.scheduled)
    return { status: 'True', reason: 'NotScheduled', message: 'powerState is On or Off: no schedule applies' };
  if (f.scheduleProblem) return { status: 'False', reason: 'InvalidSchedule', message: f.scheduleProblem };
  return { status: 'True', reason: 'ScheduleValid', message: 'spec.schedule is read on every reconcile' };
}

/**
 * Healthy: the verdict of the checks that ran in this pass; while the ACD is Off and none ran,
 * Unknown; else the last verdict, stamped with this generation.
 */
export function healthyCondition(f: ConditionFacts): Verdict<'Healthy'> | undefined {
  if (f.kind === 'refused') return undefined;
  const ran = Object.entries(f.health ?? {});
  if (ran.length) {
    const bad = ran.filter(([, r]) => !r.healthy);
    const message = (bad.length ? bad : ran).map(([k, r]) => `${k}: ${r.message}`).join('; ');
    return bad.length
      ? { status: 'False', reason: 'ChecksFailed', message }
      : { status: 'True', reason: 'ChecksPassed', message };
  }
  if (!f.running && f.target === 'Off' && f.power === 'Off') {
    return { status: 'Unknown', reason: 'PoweredOff', message: 'no checks run while the ACD is Off' };
  }
  const prev = f.previousHealthy;
  if (prev) return { status: prev.status, reason: prev.reason as Verdict<'Healthy'>['reason'], message: prev.message };
  return { status: 'Unknown', reason: 'NotChecked', message: 'no health check has run' };
}

/** Degraded: an On ACD whose last health verdict is a failure. */
export function degradedCondition(f: ConditionFacts): Verdict<'Degraded'> | undefined {
  const healthy = healthyCondition(f);
  if (f.kind === 'refused' || !healthy) return undefined;
  if (!f.running && f.target === 'On' && f.failedGate)
    return { status: 'True', reason: 'GateFailed', message: f.failedGate };
  if (!f.running && f.target === 'On' && healthy.status === 'False') {
    return { status: 'True', reason: 'ChecksFailed', message: healthy.message };
  }
  return { status: 'False', reason: 'NotDegraded', message: 'no check is failing while On' };
}

/** HostKeysUnverified: a warning for as long as the opt-out is on; the SSH checks then trust whoever answers. */
export function hostKeysCondition(f: ConditionFacts): Verdict<'HostKeysUnverified'> | undefined {
  if (f.kind === 'refused') return undefined;
  if (!f.insecureSsh) {
    return {
      status: 'False',
      reason: 'HostKeysPinned',
      message: 'SSH host keys are checked against the known_hosts of the credentials Secret',
    };
  }
  return {
    status: 'True',
    reason: 'InsecureSkipHostKeyVerification',
    message:
      'spec.health.ssh.insecureSkipHostKeyVerification is true: any SSH host key is accepted, so whoever answers on ' +
      "a VM's address receives the operator's login and can forge Pacemaker and DRBD health",
  };
}

/**
 * SelfRestartingVMs: under recovery Ordered, VMs that Git or a person left on a strategy with which
 * KubeVirt restarts them by itself, so that after an outage they come back at once, in no order,
 * before the operator can bring them back in the runbook's. The operator moves a VM to Manual only
 * when it commands it; it never rewrites a VM's strategy behind its owner's back.
 */
export function selfRestartingCondition(f: ConditionFacts): Verdict<'SelfRestartingVMs'> | undefined {
  if (f.kind === 'refused') return undefined;
  if (f.recovery === 'KubeVirt')
    return {
      status: 'False',
      reason: 'RecoveryByKubeVirt',
      message: 'spec.recovery is KubeVirt: after an outage KubeVirt restarts the VMs by itself, in no order',
    };
  if (!f.selfRestarting.length)
    return {
      status: 'False',
      reason: 'RecoveryOrdered',
      message: 'no VM restarts by itself: after an outage the operator starts them in runbook order',
    };
  return {
    status: 'True',
    reason: 'RunStrategyRestartsByItself',
    message:
      `${f.selfRestarting.join(', ')} ${f.selfRestarting.length > 1 ? 'have' : 'has'} a runStrategy with which ` +
      'KubeVirt restarts a VM by itself (Always, RerunOnFailure): after an outage it comes back at once, out of ' +
      'runbook order. Commit runStrategy: Manual (spec.recovery Ordered); the operator moves a VM there when it ' +
      'next commands it',
  };
}

/** The one owner of each condition type. */
export const CONDITION_OWNERS: { readonly [T in ConditionType]: Owner<T> } = {
  Ready: readyCondition,
  Reconciling: reconcilingCondition,
  Stalled: stalledCondition,
  Healthy: healthyCondition,
  Degraded: degradedCondition,
  InvalidSpec: invalidSpecCondition,
  ScheduleValid: scheduleValidCondition,
  ActiveUnknown: activeUnknownCondition,
  HostKeysUnverified: hostKeysCondition,
  SelfRestartingVMs: selfRestartingCondition,
};

/** Every owner's verdict applied to the list, in CONDITION_TYPES order. */
export function applyConditions(list: Condition[], f: ConditionFacts, generation: number, now: string): Condition[] {
  let c = list;
  for (const type of CONDITION_TYPES) {
    const verdict = (CONDITION_OWNERS[type] as Owner<ConditionType>)(f);
    if (verdict) c = setCondition(c, type, verdict, generation, now);
  }
  return c;
}
