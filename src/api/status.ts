// The AcdCluster status. It is rebuilt from the world on every reconcile; only the transition
// record (which stage runs, which commands were issued, the active sides at shutdown) is carried
// over, because the world alone cannot tell a finished stage from one never begun.
import { z } from 'zod';

const time = z.string().describe('RFC 3339 time.');
const SideSchema = z.union([z.literal(1), z.literal(2)]);

export const ConditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().describe('CamelCase reason.'),
  message: z.string(),
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: time,
});

export const StageStatusSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  tier: z.string(),
  side: SideSchema.optional(),
  vms: z.array(z.string()),
  gate: z.enum(['Completed', 'Initiated']),
  awaits: z.array(z.string()),
  checks: z.array(z.string()),
  state: z.enum(['Pending', 'InProgress', 'Completed', 'Failed']),
  startedAt: time.optional(),
  finishedAt: time.optional(),
  settleUntil: time
    .optional()
    .describe(
      'spec.settle: the next stage begins no earlier than this. Written once, with the completion of this ' +
        "stage's gate, so a restarted operator waits out the rest of the settle, not all of it nor none.",
    ),
  message: z.string().optional(),
});

export const CommandSchema = z.object({
  vm: z.string(),
  action: z.enum(['Start', 'Stop', 'ForceStop']),
  via: z.enum(['runStrategy', 'subresource']),
  at: time,
});

export const TriggerSchema = z
  .object({
    source: z
      .enum(['Spec', 'Schedule', 'Override', 'Drift', 'Restart', 'Recovery'])
      .describe(
        'spec.powerState, the schedule, an override annotation, VMs that left the reached state, a restart, or ' +
          'VMs that went down while On (recovery Ordered).',
      ),
    by: z.string().optional().describe("Who: spec.powerState's last writer (managedFields), or the override's author."),
  })
  .describe('What began a transition.');

export const GateStatusSchema = z
  .object({
    name: z.string().describe('The gate of spec.gates.beforeOff or spec.gates.afterOn.'),
    when: z.enum(['BeforeOff', 'AfterOn']).describe('Before the first stage of an Off, or after the last of an On.'),
    state: z
      .enum(['Pending', 'Waiting', 'Passed', 'Skipped', 'TimedOut'])
      .describe('Pending (not reached), Waiting (checked every interval), then Passed, Skipped or TimedOut.'),
    startedAt: time.optional().describe('When the gate began to wait; maxWait counts from here.'),
    finishedAt: time.optional().describe('When it passed, was skipped or timed out.'),
    successes: z.number().int().describe('Passing checks in a row; consecutiveSuccesses of them pass the gate.'),
    lastCheckAt: time.optional().describe('The last check; the next is due an interval later.'),
    attemptFrom: z
      .string()
      .optional()
      .describe(
        'While an attempt is still running (a Job check whose Job has not finished): the lastCheckAt it began ' +
          'after, empty for the first. Its key, and so its Job, stays the same until it finishes.',
      ),
    value: z.string().optional().describe('The last result, as shown to users (never a secret).'),
    message: z.string().optional().describe("The last check's one-line verdict, or why it failed."),
    drainedAt: time
      .optional()
      .describe('When the drain action was issued: written before it runs, so it runs at most once.'),
    skip: z
      .object({
        by: z.string().optional().describe('Who skipped it (acdctl fills in the kubeconfig user).'),
        reason: z.string().describe('Why, as given with --reason.'),
      })
      .optional()
      .describe('Skipped through the skip-gates annotation (acdctl power off --skip-gate).'),
  })
  .describe('One gate of a transition, and how far it got.');

export const TransitionSchema = z.object({
  direction: z.enum(['On', 'Off']),
  trigger: TriggerSchema.optional(),
  generation: z.number().int().describe('metadata.generation that asked for this transition.'),
  startedAt: time,
  finishedAt: time.optional(),
  outcome: z
    .enum(['Succeeded', 'Failed', 'Superseded', 'Aborted'])
    .optional()
    .describe('Aborted: a beforeOff gate timed out with onTimeout Abort; nothing was stopped.'),
  stages: z.array(StageStatusSchema),
  commands: z
    .array(CommandSchema)
    .describe('Every start/stop command issued in this transition, so none is issued twice.'),
  gates: z
    .array(GateStatusSchema)
    .optional()
    .describe('The gates of spec.gates this transition runs: beforeOff for an Off, afterOn for an On.'),
  undrains: z
    .array(
      z.object({
        gate: z.string().describe('The beforeOff gate whose undrain action is owed.'),
        at: time.optional().describe('When it was issued: written before it runs, so it runs at most once.'),
      }),
    )
    .optional()
    .describe('Undrain actions owed by the Off transition this one replaced after its gates had drained.'),
});

export const HistoryEntrySchema = z
  .object({
    direction: z.enum(['On', 'Off']),
    trigger: TriggerSchema.optional(),
    startedAt: time,
    finishedAt: time,
    outcome: z.enum(['Succeeded', 'Failed', 'Superseded', 'Aborted']),
    seconds: z.number().describe('From start to end.'),
    stages: z
      .array(z.object({ name: z.string(), seconds: z.number().optional() }))
      .describe('Seconds per stage, from its start to its end; absent for a stage that never ran.'),
    forcedStops: z.array(z.string()).optional().describe('VMs force-stopped after spec.stop.forceAfter.'),
  })
  .describe('One finished transition.');

export const MachineStatusSchema = z.object({
  vm: z.string(),
  printableStatus: z.string(),
  ready: z.boolean(),
  runStrategy: z.string().optional(),
  message: z.string().optional(),
});

const ActiveSourceSchema = z.object({
  side: SideSchema.optional(),
  source: z.enum(['Spec', 'Annotation', 'LastShutdown', 'Detected', 'Unknown']),
  message: z.string().optional(),
});

export const HealthCheckStatusSchema = z.object({
  name: z.string(),
  healthy: z.boolean(),
  message: z.string(),
  checkedAt: time,
});

export const ScheduleStatusSchema = z
  .object({
    desired: z.enum(['On', 'Off']).describe('What spec.schedule (or an override) asks for now.'),
    source: z
      .enum(['Override', 'Exception', 'Calendar', 'Window'])
      .describe('What decided: an override annotation, an exception, a holiday of a calendar, the windows.'),
    reason: z.string().optional(),
    nextTransition: z
      .object({ at: time, powerState: z.enum(['On', 'Off']) })
      .optional()
      .describe('The next change the schedule asks for, within eight days.'),
    announced: time
      .optional()
      .describe('The transition a ScheduledTransitionSoon event went out for, so it goes out once.'),
  })
  .describe('The schedule, as evaluated at the last reconcile (powerState Scheduled).');

export const StatusSchema = z
  .object({
    observedGeneration: z.number().int().optional(),
    phase: z.enum(['Off', 'Starting', 'On', 'Stopping', 'Stalled']).optional(),
    power: z.enum(['On', 'Off', 'Mixed']).optional().describe('Actual power of the VMs.'),
    sizing: z.string().optional().describe('SmallV1 ... LargeV3, or Custom; derived from spec.machines.'),
    stage: z.string().optional().describe('Current stage of the transition, e.g. 3/8.'),
    readyVMs: z.string().optional().describe('VMs ready / VMs.'),
    transition: TransitionSchema.optional(),
    machines: z.array(MachineStatusSchema).optional(),
    active: z
      .object({
        database: ActiveSourceSchema.optional(),
        loadBalancer: ActiveSourceSchema.optional(),
        storage: ActiveSourceSchema.optional(),
      })
      .optional(),
    lastShutdownActive: z
      .object({
        database: SideSchema.optional(),
        loadBalancer: SideSchema.optional(),
        storage: SideSchema.optional(),
      })
      .optional()
      .describe('Active sides at the last completed shutdown; the last one down comes up first.'),
    health: z.array(HealthCheckStatusSchema).optional(),
    schedule: ScheduleStatusSchema.optional(),
    restart: z
      .object({
        at: time.describe('The restart asked for: spec.restartAfter or the restartedAt annotation, the later.'),
        phase: z
          .enum(['Stopping', 'Starting', 'Done', 'Skipped'])
          .describe('Stopping, then Starting, then Done; Skipped if the ACD was Off.'),
        finishedAt: time.optional(),
      })
      .optional()
      .describe('The last ordered restart and how far it got, so a crash neither repeats nor skips it.'),
    recovery: z
      .object({
        count: z.number().int().describe('Recoveries begun since windowStart.'),
        windowStart: time.describe('The first recovery of this window; the count starts over an hour later.'),
        lastAt: time.describe('When the last recovery began: the next waits out the back-off from here.'),
        generation: z.number().int().describe('The spec generation of the last recovery: a spec change starts over.'),
      })
      .optional()
      .describe('Recoveries after VMs went down while On, for the back-off and the crash-loop stop.'),
    history: z
      .array(HistoryEntrySchema)
      .max(50)
      .optional()
      .describe('The last spec.historyLimit transitions, oldest first; each is written once, when it ends.'),
    conditions: z.array(ConditionSchema).optional(),
  })
  .describe('Observed state of the ACD, rebuilt from its VirtualMachines on every reconcile.');

export type AcdClusterStatus = z.infer<typeof StatusSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type StageStatus = z.infer<typeof StageStatusSchema>;
export type Transition = z.infer<typeof TransitionSchema>;
export type GateStatus = z.infer<typeof GateStatusSchema>;
export type Command = z.infer<typeof CommandSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export type RestartStatus = NonNullable<AcdClusterStatus['restart']>;
export type RecoveryStatus = NonNullable<AcdClusterStatus['recovery']>;
export type MachineStatus = z.infer<typeof MachineStatusSchema>;

const parsesAsTime = (s: string | undefined) => s === undefined || !Number.isNaN(Date.parse(s));

/**
 * The status as the operator may rely on it. Status is memory, not authority: a person or a broken
 * tool can write anything there, so each top-level field that does not parse is forgotten (the
 * world decides instead), and so is a transition whose times do not parse, or a command without a
 * time; never a throw. The API server's schema catches most of this; an object stored before a CRD
 * upgrade, or written through a CRD without it, does not pass that way.
 */
export function sanitizeStatus(raw: unknown): AcdClusterStatus {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(StatusSchema.shape)) {
    const r = schema.safeParse((raw as Record<string, unknown>)[key]);
    if (r.success && r.data !== undefined) out[key] = r.data;
  }
  const t = out.transition as Transition | undefined;
  const times = (s: StageStatus) => [s.startedAt, s.finishedAt, s.settleUntil];
  if (t && ![t.startedAt, t.finishedAt, ...t.stages.flatMap(times)].every(parsesAsTime)) delete out.transition;
  else if (t) t.commands = t.commands.filter((c) => parsesAsTime(c.at));
  return out;
}
