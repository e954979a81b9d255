// Pure parts of the VirtualMachine controller stand-in: the status KubeVirt's virt-controller
// derives from a VM and its VMI (printableStatus precedence, conditions, crash-loop back-off,
// which state-change request is done). Kept free of I/O so the rules read as KubeVirt states them.
import { condition, isFinal, wasRunning, type Condition, type RunStrategy, type StartFailure, type StateChangeRequest, type VirtualMachine, type VirtualMachineInstance } from './types.js';

const RESTARTING: readonly RunStrategy[] = ['Always', 'RerunOnFailure', 'Once'];

/** First match wins, in KubeVirt's order (Terminating, Stopping, Running, ErrorUnschedulable, Starting, CrashLoopBackOff, Stopped). */
export function printableStatus(vm: VirtualMachine, vmi: VirtualMachineInstance | undefined, strategy: RunStrategy, sf: StartFailure | undefined): string {
  if (vm.metadata.deletionTimestamp) return 'Terminating';
  if (vmi && !isFinal(vmi) && vmi.metadata.deletionTimestamp) return 'Stopping';
  if (vmi?.status?.phase === 'Running') return 'Running';
  const scheduled = condition(vmi?.status?.conditions, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') return 'ErrorUnschedulable';
  if (vmi && !isFinal(vmi)) return 'Starting';
  if (sf && sf.consecutiveFailCount > 0 && RESTARTING.includes(strategy)) return 'CrashLoopBackOff';
  return 'Stopped';
}

/**
 * Ready mirrors the VMI's Ready (VMINotExists without a VMI); every other VMI condition is copied
 * (AgentConnected, PodScheduled, ...). Unchanged conditions keep their timestamps, so that a
 * reconcile without news writes nothing.
 */
export function vmConditions(prev: Condition[] | undefined, vmi: VirtualMachineInstance | undefined, now: string): Condition[] {
  const vmiReady = condition(vmi?.status?.conditions, 'Ready');
  let ready: Condition;
  if (!vmi) ready = { type: 'Ready', status: 'False', reason: 'VMINotExists', message: 'VMI does not exist' };
  else if (!vmiReady) ready = { type: 'Ready', status: 'False', reason: 'VMIConditionMissing', message: 'VMI is missing the Ready condition' };
  else ready = { ...vmiReady };
  const old = condition(prev, 'Ready');
  if (!vmi || !vmiReady) {
    const same = old && old.status === ready.status && old.reason === ready.reason;
    ready.lastProbeTime = same ? old.lastProbeTime ?? null : now;
    ready.lastTransitionTime = same ? old.lastTransitionTime ?? null : now;
  }
  const kept = (prev ?? []).filter((c) => c.type === 'Failure');
  // KubeVirt leaves other VM conditions alone while no VMI exists; the stand-in drops them, so a
  // stopped VM never shows a stale AgentConnected=True.
  const copied = (vmi?.status?.conditions ?? []).filter((c) => !['Ready', 'Failure', 'RestartRequired'].includes(c.type));
  return [ready, ...copied, ...kept];
}

/** KubeVirt's start back-off: 10 s x failures^2, plus up to half again at random, at most 300 s. */
export function backoffSeconds(failCount: number, random: () => number = Math.random): number {
  const maxDelay = 300;
  const interval = Math.max(10, Math.floor(maxDelay / 30));
  const base = interval * Math.max(1, failCount) ** 2;
  return Math.min(maxDelay, base + Math.floor(random() * (Math.floor(base / 2) + 1)));
}

/**
 * Start-failure tracking: a VMI that failed before ever running counts once; one that reached
 * Running, or a run strategy that never restarts, clears the count.
 */
export function nextStartFailure(current: StartFailure | undefined, vmi: VirtualMachineInstance | undefined, failedEarlyUid: string | undefined,
  strategy: RunStrategy, speed: number, now = Date.now()): StartFailure | undefined {
  if (wasRunning(vmi) || !RESTARTING.includes(strategy)) return undefined;
  const failedUid = vmi?.status?.phase === 'Failed' && !wasRunning(vmi) ? vmi.metadata.uid : vmi ? undefined : failedEarlyUid;
  if (!failedUid || current?.lastFailedVMIUID === failedUid) return current;
  const count = (current?.consecutiveFailCount ?? 0) + 1;
  return {
    consecutiveFailCount: count,
    lastFailedVMIUID: failedUid,
    retryAfterTimestamp: new Date(now + backoffSeconds(count) * speed * 1000).toISOString(),
  };
}

/** KubeVirt's isTrimFirstChangeRequestNeeded: has the first queued request been carried out? */
export function firstRequestDone(requests: StateChangeRequest[], vmi: VirtualMachineInstance | undefined): boolean {
  const first = requests[0];
  if (!first) return false;
  if (first.action === 'Stop') return !vmi || !first.uid || first.uid !== vmi.metadata.uid;
  return !!vmi && !vmi.metadata.deletionTimestamp && !isFinal(vmi);
}
