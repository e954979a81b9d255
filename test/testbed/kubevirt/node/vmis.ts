// What virt-handler would write to a VirtualMachineInstance on its node: the phase, with its
// timestamp appended (virt-controller's VM controller treats a VMI with no Running timestamp as one
// that never ran), and, once Running, the interfaces and the guest agent. Pure functions.
import type { Condition, VirtualMachineInstance, VmiPhase } from '../types.js';

/**
 * A condition as Go serialises KubeVirt's: `lastProbeTime: null` included. virt-controller patches
 * Running VMIs with JSON-patch `test` ops on /status/conditions; a condition stored without the
 * null made every such patch fail (422) and the VMI never became Ready.
 */
const goCondition = (type: string, status: 'True' | 'False', now: string, reason?: string): Condition => ({
  type,
  status,
  lastProbeTime: null,
  lastTransitionTime: now,
  ...(reason ? { reason } : {}),
});

export interface RunningFacts {
  ip?: string;
  agent: boolean;
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
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'AgentConnected');
  if (phase === 'Running' && facts) {
    const name = vmi.spec.domain?.devices?.interfaces?.[0]?.name ?? 'default';
    status.interfaces = [
      {
        name,
        infoSource: 'domain, guest-agent',
        ...(facts.ip ? { ipAddress: facts.ip, ipAddresses: [facts.ip] } : {}),
      },
    ];
    if (facts.agent) {
      conditions.push(goCondition('AgentConnected', 'True', now));
      status.guestOSInfo = { id: 'standin', name: 'node stand-in guest', prettyName: 'no guest: node stand-in' };
    }
  }
  status.conditions = conditions;
  return { ...vmi, status };
}
