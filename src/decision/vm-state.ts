// What a VirtualMachine's state means for the runbook: up, down, heading somewhere, failing, and how
// the operator's own command changes that view before KubeVirt shows it. Pure: parsed from the API
// object by src/kubevirt/vm.ts, read by the decision core.
import type { Action, Direction } from '../api/domain.js';
import { MOVED_TO_MANUAL_ANNOTATION } from '../api/names.js';

export type RunStrategy = 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure' | 'Once';

export interface VmView {
  name: string;
  runStrategy: string; // effective strategy; legacy spec.running maps to Always/Halted
  legacyRunning: boolean; // the VM uses spec.running instead of spec.runStrategy
  printableStatus: string;
  ready: boolean;
  created: boolean;
  pendingActions: string[]; // status.stateChangeRequests[].action not yet processed
  annotations: Record<string, string>;
  resourceVersion: string;
  /** When the running instance (the VMI) was created; absent without one in the cache. */
  instanceCreatedAt?: string;
  /** The phase of the VM's instance (VMI) in the cache: Failed for a Manual VM's kept final VMI. */
  instancePhase?: string;
  /** The running VMI has the condition AgentConnected True: the guest agent answers (the guest OS booted). */
  agentConnected?: boolean;
}

/** spec.readiness: what "up" means for a started VM. */
export type Readiness = 'Ready' | 'GuestAgent';
/** The VMI condition virt-handler sets while the QEMU guest agent is connected. */
export const AGENT_CONDITION = 'AgentConnected';

/**
 * Up means what the runbook means by "wait until it is up": running and Ready, and not already told
 * to stop. A VM commanded Off still reads Running and Ready until KubeVirt begins the shutdown; counted
 * as up, a startup that reversed a shutdown would start the next step on top of a VM about to go down.
 */
export const isUp = (vm: VmView) =>
  vm.printableStatus === 'Running' && vm.ready && !isHeadingTo(vm, 'Off') && !requestQueued(vm);
/**
 * Up as spec.readiness means it. A VMI is Ready once its launcher pod is, long before the guest
 * OS has booted; under GuestAgent only the guest agent's connection says the guest is there.
 */
export const isUpFor = (vm: VmView, readiness: Readiness) => isUp(vm) && !awaitsAgent(vm, readiness);
/** Up as Ready means it, yet not booted as GuestAgent means it: the agent has not connected (yet). */
export const awaitsAgent = (vm: VmView, readiness: Readiness) => readiness === 'GuestAgent' && !vm.agentConnected;
/**
 * Down: KubeVirt says Stopped, and the VM is not about to start (a start command that KubeVirt has
 * not acted on yet). The mirror of isUp: a shutdown that reverses a startup must not take a VM about
 * to boot for down and go on (docs/adr/0005). KubeVirt says Stopped when the
 * VMI is gone or final (Succeeded, Failed); a Manual VM keeps its final VMI (`created` stays true)
 * after a guest power-off, a crash or a node loss, and is down all the same.
 */
export const isDown = (vm: VmView) => vm.printableStatus === 'Stopped' && !isHeadingTo(vm, 'On') && !requestQueued(vm);

/**
 * While KubeVirt has a start or stop request queued, the VM is on its way somewhere, whatever its
 * status says: virt-api queues a stop only for a VMI that exists (else 409 "VM is not running"), and
 * virt-controller dequeues a request once it has dealt with it, while the status it shows can still
 * be the one from before (seen in CI: Stopped, not created, a Stop queued, and the VMI Starting).
 * Requests in both directions stand queued together in our own view, when our command was laid over
 * the cache's queue (docs/adr/0005).
 */
const requestQueued = (vm: VmView) => vm.pendingActions.length > 0;

// 'Unknown' is left out: it is also what a VM with no status yet reads as, for a moment after creation.
const FAILED = new Set([
  'CrashLoopBackOff',
  'ErrorUnschedulable',
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrorPvcNotFound',
  'ErrorDataVolumeNotFound',
  'DataVolumeError',
]);
/** A status from which a VM will not reach its target without help. */
export const isFailing = (vm: VmView) => FAILED.has(vm.printableStatus);

/**
 * A Manual VM whose instance failed: KubeVirt keeps the final VMI, shows the VM Stopped, and never
 * retries it nor says CrashLoopBackOff, which it says only under Always, RerunOnFailure and Once
 * (isVirtualMachineStatusCrashLoopBackOff in pkg/virt-controller/watch/vm/vm.go, v1.8.4). The
 * creation time of the failed instance, to tell a boot that failed after our start from one that an
 * outage ended before it. A queued request is not looked at: our own start stands queued in our
 * read-your-writes view for a while after KubeVirt has acted on it (OwnCommands), and a start
 * again makes the failed instance older than the start it is judged against (failedAfterStart).
 */
export const failedInstanceAt = (vm: VmView) =>
  vm.runStrategy === 'Manual' && vm.printableStatus === 'Stopped' && vm.instancePhase === 'Failed'
    ? vm.instanceCreatedAt
    : undefined;

/**
 * KubeVirt refuses (409 "VM is already running") to start a Manual or RerunOnFailure VM while its
 * old VMI is still there on its way down; the start has to wait until the VM has settled Stopped
 * (and a 409 is never a command done: docs/adr/0005). It also refuses one while a stop request is
 * still queued, with a 500 "stop/start already underway" (lifecycle.go, v1.8.4): seen on a loaded
 * machine, where virt-controller took a while to take the stop up.
 */
export const mustSettleBefore = (vm: VmView, target: Direction, recovery: Recovery = 'KubeVirt') =>
  target === 'On' &&
  commandsVia(vm, recovery) === 'subresource' &&
  !isHeadingTo(vm, 'On') &&
  (vmiAlive(vm) || requestQueued(vm));

/** A VMI exists and is not final: KubeVirt shows a final or absent VMI as Stopped (or CrashLoopBackOff). */
const vmiAlive = (vm: VmView) =>
  vm.created && vm.printableStatus !== 'Stopped' && vm.printableStatus !== 'CrashLoopBackOff';

/** spec.recovery: who brings VMs back after an outage, the operator in runbook order or KubeVirt. */
export type Recovery = 'Ordered' | 'KubeVirt';

/** KubeVirt starts and stops this VM only when asked through its subresources, by its own strategy. */
const onRequestOnly = (vm: VmView) => vm.runStrategy === 'Manual' || vm.runStrategy === 'RerunOnFailure';

/** A VM on Manual only because the operator moved it there to start it (recovery Ordered). */
export const movedToManual = (vm: VmView) =>
  vm.runStrategy === 'Manual' && vm.annotations[MOVED_TO_MANUAL_ANNOTATION] === 'true';

/**
 * How the operator commands the VM. A Manual or RerunOnFailure VM always through KubeVirt's
 * start/stop subresources, so its spec never drifts from Git. Other VMs are stopped by patching
 * spec.runStrategy to Halted: a VM declared stopped (Argo CD's bundled VM check calls it Healthy,
 * "Stopped as declared") that KubeVirt never starts by itself. They are started by runStrategy
 * Always under recovery KubeVirt; under Ordered, by moving them to Manual and then the start
 * subresource: Always would restart them by itself after an outage, in no order, and virt-api's
 * start on a Halted VM rewrites it to Always (pkg/virt-api/rest/lifecycle.go, KubeVirt v1.8.4),
 * while Manual keeps its strategy and virt-controller acts on its requests only. A VM that we moved
 * to Manual is stopped into Halted again: stopped through the subresource, it would stay Manual,
 * and Argo CD v3.6.1 calls a stopped Manual VM Suspended. Not while a start request is queued:
 * virt-controller's Halted case turns a queued start on a VM without a VMI into Always, and boots it
 * (syncRunStrategy in vm.go); the subresource's stop waits its turn instead (a 409 is retried).
 */
export const commandsVia = (
  vm: VmView,
  recovery: Recovery = 'KubeVirt',
  action: Action = 'Start',
): 'runStrategy' | 'subresource' => {
  if (action === 'Stop' && movedToManual(vm) && !requestQueued(vm)) return 'runStrategy';
  return onRequestOnly(vm) || (recovery === 'Ordered' && action === 'Start') ? 'subresource' : 'runStrategy';
};

/** Under Ordered, a VM on another strategy is moved to Manual before it is started (never the other way). */
export const needsManual = (vm: VmView, recovery: Recovery, action: Action) =>
  recovery === 'Ordered' && action === 'Start' && vm.runStrategy !== 'Manual';

/** Strategies with which KubeVirt restarts a VM by itself, after a crash or an outage, in no order. */
export const restartsByItself = (vm: VmView) => vm.runStrategy === 'Always' || vm.runStrategy === 'RerunOnFailure';

/** Has the VM already been told to reach `target`, whoever told it? */
export function isHeadingTo(vm: VmView, target: Direction): boolean {
  if (target === 'On') {
    if (!onRequestOnly(vm)) return vm.runStrategy === 'Always' || (vm.runStrategy === 'Once' && vm.created);
    return (
      vm.pendingActions.at(-1) === 'Start' ||
      (vmiAlive(vm) && vm.pendingActions.at(-1) !== 'Stop' && vm.printableStatus !== 'Stopping')
    );
  }
  if (!onRequestOnly(vm)) return vm.runStrategy === 'Halted' || (vm.runStrategy === 'Once' && !vm.created);
  return (
    vm.pendingActions.at(-1) === 'Stop' ||
    (!vmiAlive(vm) && vm.pendingActions.at(-1) !== 'Start') ||
    vm.printableStatus === 'Stopping'
  );
}

/** A command as the commander sent it: laid over the cache as sent, never derived again. */
export interface SentCommand {
  action: Action;
  via: 'runStrategy' | 'subresource';
  /** Moved to runStrategy Manual (and marked) first. */
  toManual?: boolean;
}

/**
 * The VM as the API server already has it after our own command, when the informer cache has not
 * caught up yet: read-your-own-writes. Without it, a reversal right after a stop command could
 * still see the VM "up" and start the next tier on top of a VM that is going down.
 */
export function withIntent(vm: VmView, cmd: SentCommand): VmView {
  const target = cmd.action === 'Start' ? 'On' : 'Off';
  if (isHeadingTo(vm, target)) return vm;
  const base = cmd.toManual ? movedView(vm) : vm;
  if (cmd.via === 'subresource' || cmd.action === 'ForceStop')
    return { ...base, pendingActions: [...base.pendingActions, cmd.action === 'Start' ? 'Start' : 'Stop'] };
  return { ...base, runStrategy: target === 'On' ? 'Always' : 'Halted' };
}

/** The VM as our move to Manual left it: the strategy, and the mark that says we moved it. */
const movedView = (vm: VmView): VmView => ({
  ...vm,
  runStrategy: 'Manual',
  legacyRunning: false,
  annotations: { ...vm.annotations, [MOVED_TO_MANUAL_ANNOTATION]: 'true' },
});

/**
 * The VM as of before KubeVirt reacted to our own command: while the cache still holds the version
 * we commanded (or the one our patch wrote), its status predates the command and cannot say the VM
 * reached the target: a VM stopped and restarted in quick succession still reads "Running, ready"
 * while it is in fact going down (docs/adr/0005).
 */
export function unsettled(vm: VmView, action: Action): VmView {
  if (action === 'Start')
    return { ...vm, ready: false, printableStatus: vm.printableStatus === 'Running' ? 'Starting' : vm.printableStatus };
  return { ...vm, printableStatus: vm.printableStatus === 'Stopped' ? 'Stopping' : vm.printableStatus };
}
