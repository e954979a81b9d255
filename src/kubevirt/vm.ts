// The few VirtualMachine fields the operator reads, parsed leniently: a VM whose status holds
// garbage (a wrong type, an unknown printableStatus) is reported as such, never crashes a reconcile.
import { z } from 'zod';
import { AGENT_CONDITION, type VmView } from '../decision/vm-state.js';

export const VM_GROUP = 'kubevirt.io';
export const VM_VERSION = 'v1';
export const VM_PLURAL = 'virtualmachines';
export const VMI_PLURAL = 'virtualmachineinstances';

const str = z.string().catch('');
const VmSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string().catch(''),
    generation: z.number().catch(0),
    resourceVersion: z.string().catch('').default(''),
    annotations: z.record(z.string(), z.string()).catch({}).default({}),
  }),
  spec: z
    .object({
      runStrategy: z.string().optional().catch(undefined),
      running: z.boolean().optional().catch(undefined),
    })
    .catch({})
    .default({}),
  status: z
    .object({
      printableStatus: str.default(''),
      ready: z.boolean().catch(false).default(false),
      created: z.boolean().catch(false).default(false),
      stateChangeRequests: z
        .array(z.object({ action: str }))
        .catch([])
        .default([]),
    })
    .catch({ printableStatus: '', ready: false, created: false, stateChangeRequests: [] })
    .default({ printableStatus: '', ready: false, created: false, stateChangeRequests: [] }),
});

/** The VM, with the creation time of its instance when `vmi` (from the VMI cache) is given. */
export function parseVm(obj: unknown, vmi?: unknown): VmView | undefined {
  const r = VmSchema.safeParse(obj);
  if (!r.success) return undefined;
  const { metadata, spec, status } = r.data;
  const legacyRunning = spec.runStrategy === undefined && spec.running !== undefined;
  return {
    name: metadata.name,
    runStrategy: spec.runStrategy ?? (spec.running ? 'Always' : 'Halted'),
    legacyRunning,
    printableStatus: status.printableStatus || 'Unknown',
    ready: status.ready,
    created: status.created,
    pendingActions: status.stateChangeRequests.map((s) => s.action),
    annotations: metadata.annotations,
    resourceVersion: metadata.resourceVersion,
    ...instanceTime(vmi),
    ...instancePhase(vmi),
    ...(vmi !== undefined ? { agentConnected: agentConnectedOf(vmi) } : {}),
  };
}

type VmiLike = {
  metadata?: { deletionTimestamp?: unknown };
  status?: { phase?: unknown; conditions?: unknown };
};

/**
 * The guest agent of a running VMI is connected: virt-handler keeps the condition AgentConnected
 * True while the agent's channel is up. A VMI on its way out (final, or being deleted) never
 * counts, whatever condition it still carries: the VM may already be starting a new one.
 */
export function agentConnectedOf(vmi: unknown): boolean {
  const v = vmi as VmiLike | undefined;
  if (v?.status?.phase !== 'Running' || v.metadata?.deletionTimestamp) return false;
  return agentCondition(v.status.conditions)?.status === 'True';
}

const agentCondition = (conditions: unknown) =>
  Array.isArray(conditions)
    ? (conditions as unknown[]).find(
        (c): c is { type: string; status?: unknown } => (c as { type?: unknown } | null)?.type === AGENT_CONDITION,
      )
    : undefined;

function instancePhase(vmi: unknown): { instancePhase?: string } {
  const phase = (vmi as VmiLike | undefined)?.status?.phase;
  return typeof phase === 'string' && phase ? { instancePhase: phase } : {};
}

function instanceTime(vmi: unknown): { instanceCreatedAt?: string } {
  const at = (vmi as { metadata?: { creationTimestamp?: unknown } } | undefined)?.metadata?.creationTimestamp;
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? { instanceCreatedAt: at } : {};
}

type Loose = { [k: string]: unknown };
const pick = (o: unknown, keys: string[]): Loose | undefined => {
  if (!o || typeof o !== 'object') return undefined;
  return Object.fromEntries(keys.filter((k) => k in (o as Loose)).map((k) => [k, (o as Loose)[k]]));
};
const META = [
  'name',
  'namespace',
  'uid',
  'generation',
  'resourceVersion',
  'annotations',
  'creationTimestamp',
  'deletionTimestamp',
];

/**
 * What the operator's cache keeps of a VirtualMachine: the fields parseVm and the reconciler's
 * change filter read, nothing of its template. Real KubeVirt's VMs and VMIs carry large specs and
 * statuses; at 100 ACDs x 12 VMs the full objects held the operator's RSS just over 200 MB.
 */
export function vmCacheView<T>(obj: T): T {
  const o = obj as Loose;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: pick(o.metadata, META),
    spec: pick(o.spec, ['runStrategy', 'running']),
    status: pick(o.status, ['printableStatus', 'ready', 'created', 'stateChangeRequests']),
  } as T;
}

/**
 * What the operator's cache keeps of a VirtualMachineInstance: its addresses (the health checks'
 * targets), its phase, and of its conditions only AgentConnected's type and status (spec.readiness
 * GuestAgent); the other conditions and every timestamp would only cost memory.
 */
export function vmiCacheView<T>(obj: T): T {
  const o = obj as Loose;
  const status = pick(o.status, ['interfaces', 'phase']);
  const agent = agentCondition((o.status as Loose | undefined)?.conditions);
  if (status && agent) status.conditions = [{ type: agent.type, status: agent.status }];
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: pick(o.metadata, META),
    status,
  } as T;
}
