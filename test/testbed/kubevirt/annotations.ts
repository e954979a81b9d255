// Per-VM knobs of the KubeVirt stand-in. They go on the VirtualMachine's metadata.annotations (the
// stand-in also reads them from the VMI, so a bare VMI can carry them). Real KubeVirt ignores them.
export const ANNOTATION_PREFIX = 'standin.acd.power.dev/';

/** Seconds from VMI creation to phase Running (Pending, then Scheduled half-way). Default 1. */
export const BOOT_SECONDS = 'standin.acd.power.dev/boot-seconds';
/** Seconds a graceful (ACPI) shutdown takes, capped by terminationGracePeriodSeconds. Default 1. */
export const STOP_SECONDS = 'standin.acd.power.dev/stop-seconds';
/** "true": the guest ignores ACPI power-off, so a graceful stop takes the full grace period. */
export const IGNORES_ACPI = 'standin.acd.power.dev/ignores-acpi';
/** "true": the VMI reaches Running but never becomes Ready (no guest agent either). */
export const NEVER_READY = 'standin.acd.power.dev/never-ready';
/** Seconds from Running to the guest agent's connection (VMI condition AgentConnected). Default 0. */
export const AGENT_SECONDS = 'standin.acd.power.dev/agent-seconds';
/** "true": the guest has no agent: Running and Ready, never AgentConnected. */
export const NO_AGENT = 'standin.acd.power.dev/no-agent';
/** "true": every VMI fails right before Running, so the VM backs off in CrashLoopBackOff. */
export const CRASH_LOOP = 'standin.acd.power.dev/crash-loop';
/** "true": the VMI stays Pending with PodScheduled=False/Unschedulable (VM: ErrorUnschedulable). */
export const UNSCHEDULABLE = 'standin.acd.power.dev/unschedulable';
/** The address reported in VMI status.interfaces[0].ipAddress once Running. */
export const IP = 'standin.acd.power.dev/ip';
/**
 * Set on a running VMI to make its guest act: "shutdown" (guest powers off: phase Succeeded) or
 * "crash" (phase Failed). Lets tests tell Once and RerunOnFailure apart.
 */
export const GUEST_ACTION = 'standin.acd.power.dev/guest';

/** KubeVirt's default VMI spec.terminationGracePeriodSeconds (set by its mutating webhook). */
export const DEFAULT_GRACE_SECONDS = 180;

export interface Behaviour {
  bootMs: number;
  stopMs: number;
  ignoresAcpi: boolean;
  neverReady: boolean;
  /** ms from Running to AgentConnected; undefined: the agent never connects. */
  agentMs?: number;
  crashLoop: boolean;
  unschedulable: boolean;
  ip?: string;
}

const seconds = (v: string | undefined, dflt: number) => {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
};

/** Reads the knobs, every delay multiplied by the global speed factor. */
export function behaviour(annotations: Record<string, string> | undefined, speed: number): Behaviour {
  const a = annotations ?? {};
  return {
    bootMs: seconds(a[BOOT_SECONDS], 1) * speed * 1000,
    stopMs: seconds(a[STOP_SECONDS], 1) * speed * 1000,
    ignoresAcpi: a[IGNORES_ACPI] === 'true',
    neverReady: a[NEVER_READY] === 'true',
    ...(a[NO_AGENT] === 'true' || a[NEVER_READY] === 'true'
      ? {}
      : { agentMs: seconds(a[AGENT_SECONDS], 0) * speed * 1000 }),
    crashLoop: a[CRASH_LOOP] === 'true',
    unschedulable: a[UNSCHEDULABLE] === 'true',
    ...(a[IP] ? { ip: a[IP] } : {}),
  };
}

/** How long a stop takes: 0 when forced, else the ACPI shutdown time capped by the grace period. */
export function stopDelayMs(b: Behaviour, graceSeconds: number, speed: number): number {
  const graceMs = Math.max(0, graceSeconds) * speed * 1000;
  if (graceMs === 0) return 0;
  return b.ignoresAcpi ? graceMs : Math.min(b.stopMs, graceMs);
}
