// What virt-handler would write to a VirtualMachineInstance on its node: the phase, with its
// timestamp appended (virt-controller's VM controller treats a VMI with no Running timestamp as one
// that never ran), and, once Running, the interfaces and, when the guest agent connects, the
// condition AgentConnected. Pure functions.
import type { VirtualMachineInstance, VmiPhase } from '../types.js';

export interface RunningFacts {
  ip?: string;
}

/**
 * A time as Go's metav1.Time marshals it: whole seconds. virt-controller's JSON-patch `test` ops
 * compare the stored conditions with its own re-marshalled copy; a stored ".035Z" never matched.
 */
export const goTime = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The VMI as virt-handler leaves it at `phase`; the caller writes it back with its resourceVersion. */
export function withPhase(
  vmi: VirtualMachineInstance,
  phase: VmiPhase,
  at: Date,
  facts?: RunningFacts,
  reason?: string,
): VirtualMachineInstance {
  const now = goTime(at);
  const status = { ...(vmi.status ?? {}) } as NonNullable<VirtualMachineInstance['status']> & Record<string, unknown>;
  status.phase = phase;
  status.phaseTransitionTimestamps = [
    ...(status.phaseTransitionTimestamps ?? []),
    { phase, phaseTransitionTimestamp: now },
  ];
  if (reason) status.reason = reason;
  // The agent's channel goes with the domain: virt-handler drops the condition once it is gone.
  const conditions = (status.conditions ?? []).filter((c) => c.type !== AGENT_CONNECTED);
  if (phase === 'Running' && facts) {
    const name = vmi.spec.domain?.devices?.interfaces?.[0]?.name ?? 'default';
    status.interfaces = [
      {
        name,
        infoSource: 'domain, guest-agent',
        ...(facts.ip ? { ipAddress: facts.ip, ipAddresses: [facts.ip] } : {}),
      },
    ];
  }
  status.conditions = conditions;
  return { ...vmi, status };
}

const AGENT_CONNECTED = 'AgentConnected';

/** When the VMI last became Running (its phase timestamp), as a Date; undefined if never. */
export function runningSince(vmi: VirtualMachineInstance): Date | undefined {
  const at = (vmi.status?.phaseTransitionTimestamps ?? []).filter((p) => p.phase === 'Running').at(-1);
  return at ? new Date(at.phaseTransitionTimestamp) : undefined;
}

export const hasAgent = (vmi: VirtualMachineInstance) =>
  (vmi.status?.conditions ?? []).some((c) => c.type === AGENT_CONNECTED);

/**
 * The running VMI once its guest agent has connected, as virt-handler v1.8.4 writes it
 * (pkg/virt-handler/vm.go, updateGuestAgentConditions): AgentConnected True appended once, with
 * lastProbeTime now, no lastTransitionTime (Go marshals the zero time as null), and neither reason
 * nor message; then the guest's OS info, which virt-handler reads from the agent.
 */
export function withAgent(vmi: VirtualMachineInstance, at: Date): VirtualMachineInstance {
  const status = { ...(vmi.status ?? {}) } as NonNullable<VirtualMachineInstance['status']> & Record<string, unknown>;
  const agent = { type: AGENT_CONNECTED, status: 'True' as const, lastProbeTime: goTime(at), lastTransitionTime: null };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== AGENT_CONNECTED), agent];
  status.guestOSInfo = { id: 'standin', name: 'node stand-in guest', prettyName: 'no guest: node stand-in' };
  return { ...vmi, status };
}
