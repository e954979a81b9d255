// What a kubelet would write for a virt-launcher pod: the status of a pod whose containers run (or
// ran), in the shape the kubelet writes it. Pure functions over client-node's types.
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

/** Pod conditions the kubelet owns; any other (virt-controller's readiness gate) is kept as found. */
const KUBELET_CONDITIONS = new Set([
  'PodReadyToStartContainers',
  'PodScheduled',
  'Initialized',
  'ContainersReady',
  'Ready',
]);

/** A stable per-pod address in 10.244.0.0/16, from the pod's UID. */
export function podIp(uid: string): string {
  let h = 0;
  for (const ch of uid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const n = 2 + (h % 65_000);
  return `10.244.${n >> 8}.${n & 255}`;
}

const condition = (
  type: string,
  status: boolean,
  old: V1PodCondition[],
  now: Date,
  reason?: string,
): V1PodCondition => {
  const prev = old.find((c) => c.type === type);
  const s = status ? 'True' : 'False';
  return {
    type,
    status: s,
    lastTransitionTime: prev?.status === s && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    ...(reason && !status ? { reason } : {}),
  };
};

/**
 * A running launcher pod. `guestReady` false holds the compute container (and so the pod) not ready:
 * virt-controller copies the pod's Ready into the VMI's, which is how a guest that never becomes
 * ready shows. Ready also waits for every readiness gate, as the kubelet's does.
 */
export function runningStatus(pod: V1Pod, guestReady: boolean, now: Date): V1PodStatus {
  const old = pod.status?.conditions ?? [];
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesTrue = gates.every((g) => old.find((c) => c.type === g)?.status === 'True');
  const startedAt = pod.status?.startTime ?? now;
  const running = (name: string, image: string, ready: boolean): V1ContainerStatus => ({
    name,
    image,
    imageID: `standin://${image}`,
    containerID: `standin://${pod.metadata?.uid}/${name}`,
    ready,
    started: true,
    restartCount: 0,
    state: { running: { startedAt } },
  });
  const ip = podIp(pod.metadata?.uid ?? '');
  return {
    phase: 'Running',
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: startedAt,
    qosClass: pod.status?.qosClass ?? 'Burstable',
    conditions: [
      condition('PodReadyToStartContainers', true, old, now),
      condition('Initialized', true, old, now),
      condition('ContainersReady', guestReady, old, now, 'ContainersNotReady'),
      condition(
        'Ready',
        guestReady && gatesTrue,
        old,
        now,
        guestReady ? 'ReadinessGatesNotReady' : 'ContainersNotReady',
      ),
      condition('PodScheduled', true, old, now),
      ...old.filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      running(c.name, c.image ?? '', c.name !== 'compute' || guestReady),
    ),
    // guest-console-log is a native sidecar (restartPolicy Always): it runs next to compute.
    initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) =>
      c.restartPolicy === 'Always'
        ? running(c.name, c.image ?? '', true)
        : {
            name: c.name,
            image: c.image ?? '',
            imageID: `standin://${c.image}`,
            ready: true,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: startedAt } },
          },
    ),
  };
}

/** The pod after its launcher exited: Succeeded (exit 0), or Failed (a crash, a power loss). */
export function exitedStatus(pod: V1Pod, exitCode: number, now: Date): V1PodStatus {
  const old = pod.status ?? {};
  const terminated = (s: V1ContainerStatus): V1ContainerStatus => ({
    ...s,
    ready: false,
    started: false,
    state: {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt: s.state?.running?.startedAt ?? now,
        finishedAt: now,
      },
    },
  });
  const conds = old.conditions ?? [];
  return {
    ...old,
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: [
      ...conds.filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady'),
      condition('ContainersReady', false, conds, now, 'PodCompleted'),
      condition('Ready', false, conds, now, 'PodCompleted'),
    ],
    containerStatuses: (old.containerStatuses ?? []).map(terminated),
    initContainerStatuses: (old.initContainerStatuses ?? []).map((s) => (s.state?.running ? terminated(s) : s)),
  };
}

/** An unbound pod the scheduler found no node for (the unschedulable fault). */
export function unschedulableStatus(pod: V1Pod, now: Date): V1PodStatus {
  return {
    ...(pod.status ?? {}),
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        lastTransitionTime: now,
        message:
          '0/1 nodes are available: 1 Insufficient devices.kubevirt.io/kvm ' +
          '(node stand-in: standin.acd.power.dev/unschedulable).',
      },
    ],
  };
}
