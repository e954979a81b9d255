// The node stand-in: NOT KubeVirt, and NOT a kubelet. The test bed runs KubeVirt's own
// virt-controller and virt-api; what they need from a node cannot run here, because kubelet and
// virt-handler need a container runtime and KVM. This process plays those two parts, and only as
// far as KubeVirt's control plane needs them:
//  - as the kubelet: the Node; binding each virt-launcher pod to it; the pod's status (Running,
//    Ready, or Ready held False for a guest that never becomes ready); a terminating pod's exit once
//    its VMI is down, and its removal.
//  - as virt-handler (identity system:serviceaccount:kubevirt:kubevirt-handler, which virt-api's
//    VMI webhook lets write status): a Scheduled VMI on this node becomes Running after the boot
//    delay, with its phase timestamp and interface address, and its guest agent connects (the VMI
//    condition AgentConnected) after the agent delay, unless it has none; a deleted one shuts down
//    in the stop delay, capped by its grace period, and turns Succeeded; a crash loop fails the VMI
//    before it ever runs; a power loss fails every VMI on the node at once.
// Everything else (runStrategy, VMI creation, printableStatus, start/stop/restart, back-off,
// finalizers, pod creation and deletion) is real KubeVirt. Every delay here is scaled by `speed`.
import { inspect } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Node,
  type V1Pod,
  type V1PodStatus,
} from '@kubernetes/client-node';
import { ResilientInformer } from '../../../../src/kube/informer.js';
import { behaviour, DEFAULT_GRACE_SECONDS, stopDelayMs, type Behaviour } from '../annotations.js';
import { httpCode, mergePatch } from '../kube.js';
import { KeyQueue } from '../queue.js';
import type { Record as RecordFn } from '../timeline.js';
import { GROUP, isFinal, VERSION, VM_PLURAL, VMI_PLURAL, type VirtualMachineInstance } from '../types.js';
import { exitedStatus, runningStatus, unschedulableStatus } from './pods.js';
import { goTime, hasAgent, runningSince, withAgent, withPhase } from './vmis.js';

export const NODE_NAME = 'standin-node';
/** Set (to any new value) on the Node: every VMI on it fails at once, as in a host power loss. */
export const POWER_LOSS = 'standin.acd.power.dev/power-loss';
/** Set on a VMI (to any value): its guest crashes once, as virt-handler reports a dead QEMU (Failed). */
export const CRASH = 'standin.acd.power.dev/crash';
/** The last power loss handled, so that a restarted stand-in does not cut the power again. */
const POWER_LOSS_DONE = 'standin.acd.power.dev/power-loss-handled';
/** virt-handler's heartbeat: virt-controller fails the VMIs of a node whose heartbeat is 5 min old. */
const HEARTBEAT = 'kubevirt.io/heartbeat';
const HEARTBEAT_MS = 30_000;
const LAUNCHER = 'virt-launcher';

export interface NodeStandinOptions {
  speed: number;
  record: RecordFn;
  log: (m: string) => void;
  node?: string;
}

interface Memory {
  scheduledAt?: number;
  /** When this stand-in made the VMI Running (ms); the phase timestamp, in whole seconds, is the fallback. */
  runningAt?: number;
  stoppingSince?: number;
}

export class NodeStandin {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly queue: KeyQueue;
  private readonly memory = new Map<string, Memory>();
  private readonly node: string;
  private readonly informers: ResilientInformer<never>[] = [];
  private vms!: ResilientInformer<KubernetesObject>;
  private pods!: ResilientInformer<V1Pod>;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly kc: KubeConfig,
    private readonly o: NodeStandinOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.node = o.node ?? NODE_NAME;
    this.queue = new KeyQueue(
      (k) => this.sync(k),
      (k, e) => o.log(`sync ${k}: ${errText(e)}`),
      32,
    );
  }

  async start(): Promise<void> {
    await this.ensureNode();
    const onError = (what: string) => (err: unknown, ms: number) =>
      this.o.log(`${what} watch: ${errText(err)}; again in ${ms} ms`);
    const add =
      <T extends { metadata?: { name?: string; namespace?: string } }>(kind: string) =>
      (obj: T) =>
        this.queue.add(`${kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
    this.pods = new ResilientInformer<V1Pod>(this.kc, {
      name: 'pods',
      path: '/api/v1/pods',
      list: () => this.core.listPodForAllNamespaces({ labelSelector: `kubevirt.io=${LAUNCHER}` }),
      onChange: (p) => {
        if (p.metadata?.labels?.['kubevirt.io'] === LAUNCHER) add<V1Pod>('pod')(p);
      },
      onError: onError('pods'),
    });
    const vmis = new ResilientInformer<KubernetesObject>(this.kc, {
      name: 'vmis',
      path: `/apis/${GROUP}/${VERSION}/${VMI_PLURAL}`,
      list: () => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: VMI_PLURAL }) as never,
      onChange: add<KubernetesObject>('vmi'),
      onError: onError('vmis'),
    });
    this.vms = new ResilientInformer(this.kc, {
      name: 'vms',
      path: `/apis/${GROUP}/${VERSION}/${VM_PLURAL}`,
      list: () => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: VM_PLURAL }) as never,
      onChange: () => undefined,
      onError: onError('vms'),
    });
    const node = new ResilientInformer<V1Node>(this.kc, {
      name: 'node',
      path: '/api/v1/nodes',
      list: () => this.core.listNode({ fieldSelector: `metadata.name=${this.node}` }),
      onChange: (n) => {
        if (n.metadata?.name === this.node) this.queue.add('node');
      },
      onError: onError('node'),
    });
    for (const i of [this.vms, this.pods, vmis, node]) {
      await i.start();
      this.informers.push(i as unknown as ResilientInformer<never>);
    }
    this.heartbeat = setInterval(
      () => void this.beat().catch((e: unknown) => this.o.log(`heartbeat: ${errText(e)}`)),
      HEARTBEAT_MS,
    );
    this.o.log(`node stand-in (kubelet + virt-handler) for node ${this.node}, speed ${this.o.speed}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.queue.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private sync(key: string): Promise<void> {
    if (key === 'node') return this.syncNode();
    const [kind, ns, name] = key.split('/') as [string, string, string];
    return kind === 'pod' ? this.syncPod(ns, name) : this.syncVmi(ns, name);
  }

  /** The fault and delay knobs of a VMI: its VM's annotations, then the VMI's own. */
  private behaviourOf(ns: string, vmiName: string, vmi?: VirtualMachineInstance): Behaviour {
    const vm = this.vms.get(vmiName, ns);
    return behaviour({ ...vm?.metadata?.annotations, ...vmi?.metadata.annotations }, this.o.speed);
  }

  // ---- as the kubelet -------------------------------------------------------------------------

  private async syncPod(ns: string, name: string): Promise<void> {
    const pod = await this.core.readNamespacedPod({ namespace: ns, name }).catch(notFound);
    if (!pod || pod.metadata?.labels?.['kubevirt.io'] !== LAUNCHER) return;
    const vmiName = pod.metadata.ownerReferences?.find((r) => r.kind === 'VirtualMachineInstance')?.name ?? '';
    const b = this.behaviourOf(ns, vmiName);
    const now = new Date();
    if (!pod.spec?.nodeName) {
      if (pod.metadata.deletionTimestamp) return this.removePod(pod, 'never bound');
      if (b.unschedulable) {
        if (pod.status?.conditions?.some((c) => c.reason === 'Unschedulable')) return;
        await this.writePodStatus(pod, unschedulableStatus(pod, now));
        return this.o.record(`${ns}/${vmiName}`, 'pod:Unschedulable');
      }
      await this.core.createNamespacedPodBinding({
        namespace: ns,
        name,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns },
          target: { apiVersion: 'v1', kind: 'Node', name: this.node },
        },
      });
      return this.o.record(`${ns}/${vmiName}`, 'pod:bound', this.node);
    }
    if (pod.spec.nodeName !== this.node) return;
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp) {
      // The launcher shuts its guest down on SIGTERM and exits when it is down: the pod stays
      // Terminating until virt-handler (below) has reported the VMI final.
      const vmi = await this.getVmi(ns, vmiName);
      if (vmi && !isFinal(vmi) && vmi.status?.phase === 'Running' && vmi.metadata.uid === ownerUid(pod)) return;
      if (phase !== 'Succeeded' && phase !== 'Failed') await this.writePodStatus(pod, exitedStatus(pod, 0, now));
      return this.removePod(pod, 'launcher exited');
    }
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const status = runningStatus(pod, !b.neverReady, now);
    if (samePodStatus(pod.status, status)) return;
    await this.writePodStatus(pod, status);
    if (phase !== 'Running') this.o.record(`${ns}/${vmiName}`, 'pod:Running');
  }

  private async writePodStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    await this.core.replaceNamespacedPodStatus({
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      body: { ...pod, status },
    });
  }

  private async removePod(pod: V1Pod, why: string): Promise<void> {
    await this.core
      .deleteNamespacedPod({
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      })
      .catch(notFound);
    this.o.record(`${pod.metadata!.namespace}/${pod.metadata!.name}`, 'pod:removed', why);
  }

  /** The launcher of `vmi` exited: its pod is Succeeded (exit 0) or Failed. */
  private async launcherExited(vmi: VirtualMachineInstance, exitCode: number): Promise<void> {
    for (const p of this.pods.list(vmi.metadata.namespace).filter((x) => ownerUid(x) === vmi.metadata.uid)) {
      const pod = await this.core
        .readNamespacedPod({ namespace: vmi.metadata.namespace, name: p.metadata!.name! })
        .catch(notFound);
      if (!pod || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      await this.writePodStatus(pod, exitedStatus(pod, exitCode, new Date()));
      this.queue.add(`pod/${vmi.metadata.namespace}/${pod.metadata!.name}`);
    }
  }

  // ---- as virt-handler ------------------------------------------------------------------------

  private getVmi(ns: string, name: string): Promise<VirtualMachineInstance | undefined> {
    return (
      this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: VMI_PLURAL,
        namespace: ns,
        name,
      }) as Promise<VirtualMachineInstance>
    ).catch(notFound);
  }

  private async writeVmi(vmi: VirtualMachineInstance): Promise<VirtualMachineInstance> {
    // Through the main resource: KubeVirt's VMI CRD has no status subresource.
    return (await this.custom.replaceNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: VMI_PLURAL,
      namespace: vmi.metadata.namespace,
      name: vmi.metadata.name,
      body: vmi,
    })) as VirtualMachineInstance;
  }

  private async syncVmi(ns: string, name: string): Promise<void> {
    const vmi = await this.getVmi(ns, name);
    if (!vmi || vmi.status?.nodeName !== this.node) return;
    const uid = vmi.metadata.uid;
    const key = `${ns}/${name}`;
    if (isFinal(vmi)) {
      this.memory.delete(uid);
      return;
    }
    const m = this.memory.get(uid) ?? {};
    this.memory.set(uid, m);
    const b = this.behaviourOf(ns, name, vmi);
    const phase = vmi.status?.phase;
    const now = Date.now();
    if (vmi.metadata.deletionTimestamp) {
      if (phase === 'Running') {
        // Re-read on every pass: a later stop with a shorter grace period (or 0) cuts the wait short.
        const grace = vmi.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
        if (m.stoppingSince === undefined)
          this.o.record(key, 'vmi:stopping', `grace ${grace}s${b.ignoresAcpi ? ', ignores ACPI' : ''}`);
        m.stoppingSince ??= now;
        const due = m.stoppingSince + stopDelayMs(b, grace, this.o.speed);
        if (now < due) return this.queue.addAfter(`vmi/${key}`, due - now);
        return this.finish(vmi, 'Succeeded', 0, grace === 0 ? 'killed' : 'shut down');
      }
      return this.finish(vmi, 'Succeeded', 0, 'deleted before boot');
    }
    if (phase === 'Running' && vmi.metadata.annotations?.[CRASH] !== undefined)
      return this.finish(vmi, 'Failed', 139, 'the guest crashed');
    if (phase === 'Running') return this.connectAgent(vmi, b, m);
    if (phase !== 'Scheduled') return;
    m.scheduledAt ??= now;
    const due = m.scheduledAt + b.bootMs;
    if (now < due) return this.queue.addAfter(`vmi/${key}`, due - now);
    if (b.crashLoop) return this.finish(vmi, 'Failed', 1, 'crash loop: the guest dies while it boots');
    const at = new Date();
    const running = withPhase(vmi, 'Running', at, b.ip ? { ip: b.ip } : {});
    // An agent with no delay connects with the boot: one write, as before the delay existed.
    await this.writeVmi(b.agentMs === 0 ? withAgent(running, at) : running);
    m.runningAt = at.getTime();
    this.o.record(key, 'vmi:Running', b.neverReady ? 'never ready' : b.agentMs === undefined ? 'no agent' : undefined);
    if (b.agentMs === 0) this.o.record(key, 'vmi:AgentConnected');
  }

  /** A running VMI's guest agent connects once the agent delay has passed since it began running. */
  private async connectAgent(vmi: VirtualMachineInstance, b: Behaviour, m: Memory): Promise<void> {
    if (b.agentMs === undefined || hasAgent(vmi)) return;
    const since = m.runningAt ?? runningSince(vmi)?.getTime();
    if (since === undefined) return;
    const key = `${vmi.metadata.namespace}/${vmi.metadata.name}`;
    const due = since + b.agentMs;
    const now = Date.now();
    if (now < due) return this.queue.addAfter(`vmi/${key}`, due - now);
    await this.writeVmi(withAgent(vmi, new Date()));
    this.o.record(key, 'vmi:AgentConnected');
  }

  private async finish(
    vmi: VirtualMachineInstance,
    phase: 'Succeeded' | 'Failed',
    exitCode: number,
    why: string,
    reason?: string,
  ): Promise<void> {
    await this.writeVmi(withPhase(vmi, phase, new Date(), undefined, reason));
    this.memory.delete(vmi.metadata.uid);
    this.o.record(`${vmi.metadata.namespace}/${vmi.metadata.name}`, `vmi:${phase}`, why);
    await this.launcherExited(vmi, exitCode);
  }

  // ---- the node -------------------------------------------------------------------------------

  private async ensureNode(): Promise<void> {
    const labels = {
      'kubevirt.io/schedulable': 'true',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': this.node,
    };
    const existing = await this.core.readNode({ name: this.node }).catch(notFound);
    if (!existing) {
      await this.core.createNode({
        body: { metadata: { name: this.node, labels, annotations: { [HEARTBEAT]: heartbeatNow() } } },
      });
    }
    const node = await this.core.readNode({ name: this.node });
    const now = new Date();
    const capacity = {
      cpu: '64',
      memory: '256Gi',
      pods: '1000',
      'devices.kubevirt.io/kvm': '1k',
      'devices.kubevirt.io/tun': '1k',
      'devices.kubevirt.io/vhost-net': '1k',
    };
    await this.core.replaceNodeStatus({
      name: this.node,
      body: {
        ...node,
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'node stand-in (no kubelet: see test/testbed/kubevirt/node)',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: this.node },
          ],
          nodeInfo: {
            architecture: 'amd64',
            operatingSystem: 'linux',
            kubeletVersion: 'node-stand-in',
            kubeProxyVersion: '',
            containerRuntimeVersion: 'none',
            kernelVersion: '',
            osImage: 'node stand-in',
            machineID: '',
            systemUUID: '',
            bootID: '',
          },
        },
      },
    });
    await this.beat();
  }

  private async beat(): Promise<void> {
    await this.core.patchNode(
      { name: this.node, body: { metadata: { annotations: { [HEARTBEAT]: heartbeatNow() } } } },
      mergePatch,
    );
  }

  /** A new value of the power-loss annotation: every VMI on the node fails, every launcher dies. */
  private async syncNode(): Promise<void> {
    const node = await this.core.readNode({ name: this.node }).catch(notFound);
    const wanted = node?.metadata?.annotations?.[POWER_LOSS];
    if (!node || !wanted || node.metadata?.annotations?.[POWER_LOSS_DONE] === wanted) return;
    const all = (await this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: VMI_PLURAL })) as {
      items: VirtualMachineInstance[];
    };
    const victims = all.items.filter((v) => v.status?.nodeName === this.node && !isFinal(v));
    this.o.log(`power loss ${wanted}: failing ${victims.length} VMIs on ${this.node}`);
    await Promise.all(
      victims.map((v) =>
        this.finish(v, 'Failed', 137, `power loss ${wanted}`).catch((e: unknown) =>
          this.o.log(`power loss ${v.metadata.name}: ${errText(e)}`),
        ),
      ),
    );
    await this.core.patchNode(
      { name: this.node, body: { metadata: { annotations: { [POWER_LOSS_DONE]: wanted } } } },
      mergePatch,
    );
  }
}

const ownerUid = (pod: V1Pod) => pod.metadata?.ownerReferences?.find((r) => r.kind === 'VirtualMachineInstance')?.uid;
const heartbeatNow = () => goTime(new Date());
/** The first line of an API error's body, or of the error's message. */
function errText(e: unknown): string | undefined {
  const { body, message } = (e ?? {}) as { body?: unknown; message?: unknown };
  const text = body ?? message ?? e;
  return (typeof text === 'string' ? text : inspect(text, { breakLength: Infinity })).split('\n')[0];
}

function notFound(e: unknown): undefined {
  if (httpCode(e) === 404) return undefined;
  throw e;
}

/** What a status write would change: phase, condition statuses and container readiness. */
function samePodStatus(a: V1PodStatus | undefined, b: V1PodStatus): boolean {
  const key = (s: V1PodStatus | undefined) =>
    JSON.stringify([
      s?.phase,
      s?.podIP,
      (s?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
      (s?.containerStatuses ?? []).map((c) => `${c.name}=${c.ready}`),
    ]);
  return key(a) === key(b);
}
