// The virt-handler half of the stand-in: it "runs" VirtualMachineInstances. No guest exists; a VMI
// only moves through KubeVirt's phases on a clock (Pending -> Scheduled -> Running), reports
// Ready/AgentConnected and an IP, and on deletion stays Running for the guest's shutdown time
// before it turns Succeeded and is removed. It holds the VMI with a finalizer, as virt-handler
// does, so that a deleted VMI keeps its deletionTimestamp while the guest shuts down.
import { behaviour, DEFAULT_GRACE_SECONDS, GUEST_ACTION, stopDelayMs, type Behaviour } from './annotations.js';
import type { KubevirtClient } from './kube.js';
import type { Record } from './timeline.js';
import { condition, isFinal, type Condition, type VirtualMachine, type VirtualMachineInstance, type VmiPhase } from './types.js';

export const VMI_FINALIZER = 'kubevirt.io/foregroundDeleteVirtualMachine';
export const NODE_NAME = 'standin-node';

interface Memory { firstSeen: number; stoppingSince?: number; force?: boolean }

export interface HandlerOptions {
  speed: number;
  record: Record;
  requeue: (key: string, ms: number) => void;
}

export class VmiHandler {
  private readonly memory = new Map<string, Memory>();
  /** key -> uid of the last VMI that failed before reaching Running (a start failure). */
  readonly failedEarly = new Map<string, string>();

  constructor(private readonly kv: KubevirtClient, private readonly opts: HandlerOptions) {}

  /** A stop with grace period 0 for this VMI: the guest is killed, not shut down. */
  forceStop(uid: string): void {
    const m = this.memory.get(uid) ?? { firstSeen: Date.now() };
    m.force = true;
    this.memory.set(uid, m);
  }

  /** Moves the VMI on; returns it as it now is, or undefined once it is gone. */
  async sync(key: string, vmi: VirtualMachineInstance, vm: VirtualMachine | undefined): Promise<VirtualMachineInstance | undefined> {
    const b = behaviour({ ...vmi.metadata.annotations, ...vm?.metadata.annotations }, this.opts.speed);
    let m = this.memory.get(vmi.metadata.uid);
    if (!m) this.memory.set(vmi.metadata.uid, (m = { firstSeen: Date.now() }));
    if (vmi.metadata.deletionTimestamp) return this.syncDeleting(key, vmi, b, m);

    if (!(vmi.metadata.finalizers ?? []).includes(VMI_FINALIZER)) {
      vmi = await this.kv.patchVmi(vmi.metadata.namespace, vmi.metadata.name, vmi.metadata.finalizers
        ? [{ op: 'add', path: '/metadata/finalizers/-', value: VMI_FINALIZER }]
        : [{ op: 'add', path: '/metadata/finalizers', value: [VMI_FINALIZER] }]);
    }
    if (isFinal(vmi)) return vmi;
    const phase = vmi.status?.phase ?? '';

    const action = vmi.metadata.annotations?.[GUEST_ACTION];
    if (phase === 'Running' && (action === 'shutdown' || action === 'crash')) {
      return this.setPhase(key, vmi, action === 'crash' ? 'Failed' : 'Succeeded', b, `guest ${action}`);
    }
    if (b.unschedulable) {
      const c = condition(vmi.status?.conditions, 'PodScheduled');
      return phase === 'Pending' && c?.reason === 'Unschedulable' ? vmi : this.setPhase(key, vmi, 'Pending', b, 'unschedulable');
    }

    const elapsed = Date.now() - m.firstSeen;
    const last: VmiPhase = b.crashLoop ? 'Failed' : 'Running';
    const ladder: VmiPhase[] = ['', 'Pending', 'Scheduled', last];
    const target = elapsed < b.bootMs / 2 ? 1 : elapsed < b.bootMs ? 2 : 3;
    // Step through every phase in order, so that a watcher sees each one even when the stand-in is late.
    for (let i = Math.max(ladder.indexOf(phase), phase === 'Scheduling' ? 1 : 0) + 1; i <= target; i++) {
      vmi = await this.setPhase(key, vmi, ladder[i]!, b, i === 3 && b.crashLoop ? 'crash-loop' : undefined);
    }
    if (target < 3) this.opts.requeue(key, m.firstSeen + (target === 1 ? b.bootMs / 2 : b.bootMs) - Date.now());
    return vmi;
  }

  private async syncDeleting(key: string, vmi: VirtualMachineInstance, b: Behaviour, m: Memory): Promise<VirtualMachineInstance | undefined> {
    const phase = vmi.status?.phase ?? '';
    // Only a booted guest has anything to shut down.
    if (phase === 'Running') {
      const grace = m.force ? 0 : vmi.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      if (m.stoppingSince === undefined) {
        m.stoppingSince = Date.now();
        this.opts.record(key, 'vmi:stopping', `grace ${grace}s${b.ignoresAcpi ? ', ignores ACPI' : ''}`);
      }
      // Re-evaluated on every pass: a later stop with a shorter grace period (or 0) cuts the wait short.
      const due = m.stoppingSince + stopDelayMs(b, grace, this.opts.speed);
      if (Date.now() < due) {
        this.opts.requeue(key, due - Date.now());
        return vmi;
      }
      vmi = await this.setPhase(key, vmi, 'Succeeded', b, grace === 0 ? 'killed' : 'shut down');
    } else if (!isFinal(vmi) && phase !== '') {
      vmi = await this.setPhase(key, vmi, 'Succeeded', b, 'deleted before boot');
    }
    const finalizers = vmi.metadata.finalizers ?? [];
    if (finalizers.includes(VMI_FINALIZER)) {
      await this.kv.patchVmi(vmi.metadata.namespace, vmi.metadata.name, [
        { op: 'test', path: '/metadata/finalizers', value: finalizers },
        { op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== VMI_FINALIZER) },
      ]);
      this.opts.record(key, 'vmi:removed', vmi.metadata.uid);
    }
    this.memory.delete(vmi.metadata.uid);
    return undefined;
  }

  private async setPhase(key: string, vmi: VirtualMachineInstance, phase: VmiPhase, b: Behaviour, why?: string): Promise<VirtualMachineInstance> {
    const now = new Date().toISOString();
    const prev = vmi.status ?? {};
    const running = phase === 'Running';
    const ifaceName = vmi.spec.domain?.devices?.interfaces?.[0]?.name ?? 'default';
    const updated = await this.kv.patchVmiStatus(vmi.metadata.namespace, vmi.metadata.name, {
      metadata: { resourceVersion: vmi.metadata.resourceVersion },
      status: {
        phase,
        phaseTransitionTimestamps: [...(prev.phaseTransitionTimestamps ?? []), { phase, phaseTransitionTimestamp: now }],
        conditions: vmiConditions(phase, b, prev.conditions, now),
        nodeName: phase === 'Pending' ? null : NODE_NAME,
        interfaces: running ? [{ name: ifaceName, infoSource: 'domain, guest-agent', ...(b.ip ? { ipAddress: b.ip, ipAddresses: [b.ip] } : {}) }] : null,
      },
    });
    if (phase === 'Failed' && !(prev.phaseTransitionTimestamps ?? []).some((t) => t.phase === 'Running')) {
      this.failedEarly.set(key, vmi.metadata.uid);
    }
    this.opts.record(key, `vmi:${phase}`, why);
    return updated;
  }
}

/** The VMI conditions KubeVirt shows for a phase; timestamps kept when a condition did not change. */
function vmiConditions(phase: VmiPhase, b: Behaviour, prev: Condition[] | undefined, now: string): Condition[] {
  const out: Condition[] = [];
  const put = (c: Omit<Condition, 'lastTransitionTime' | 'lastProbeTime'>) => {
    const old = condition(prev, c.type);
    out.push({ ...c, lastProbeTime: null, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime ?? now : now });
  };
  if (phase === 'Pending' && b.unschedulable) {
    put({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable',
      message: '0/1 nodes are available: 1 Insufficient devices.kubevirt.io/kvm (KubeVirt stand-in: standin.acd.power.dev/unschedulable).' });
  }
  if (phase === 'Running' && !b.neverReady) {
    put({ type: 'Ready', status: 'True' });
    put({ type: 'AgentConnected', status: 'True' });
  } else {
    put({ type: 'Ready', status: 'False', reason: phase === 'Running' ? 'GuestNotReady' : 'GuestNotRunning',
      message: phase === 'Running' ? 'the guest never becomes ready (standin.acd.power.dev/never-ready)' : `VMI is ${phase}` });
  }
  return out;
}
