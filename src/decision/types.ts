// The decision core's vocabulary, in a leaf of its own: what a pass observed, what it decided, and the
// ports it needs from the edges. Every file of the core imports its types from here (never from each
// other's implementation), so the core has no import cycle and the adapters depend on it, not on the
// orchestrator in src/reconcile.
import type { Override, OverrideRead } from '../api/override.js';
import type { SkipGatesRead } from '../api/skip-gates.js';
import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdClusterStatus, HistoryEntry, RestartStatus } from '../api/status.js';
import type { AcdCluster } from '../api/types.js';
import type { Action, Direction, HealthCheckName, PairKind, Side, Tier } from '../api/domain.js';
import type { EventReason, HoldReason, StallReason } from '../api/reasons.js';
import type { VmView } from './vm-state.js';

export type { VmView } from './vm-state.js';

export interface CheckOutcome {
  healthy: boolean;
  message: string;
}
export type HealthResults = Partial<Record<HealthCheckName, CheckOutcome>>;

/** Live active-side detection: per pair, the side found, or why none was. */
export type DetectedSides = Partial<Record<PairKind, { side?: Side; message: string }>>;
export type ActiveSource = 'Spec' | 'Annotation' | 'Detected' | 'LastShutdown' | 'Unknown';
export interface ActiveRecord {
  side?: Side;
  source: ActiveSource;
  message?: string;
}
export type ActiveRecords = Partial<Record<PairKind, ActiveRecord>>;

/** Everything one decision is based on. */
export interface Observed {
  generation: number;
  spec: AcdClusterSpec;
  status: AcdClusterStatus;
  vms: ReadonlyMap<string, VmView>;
  now: Date;
  /** Results of the health checks the previous decision asked for; absent = not run yet. */
  health?: HealthResults;
  /** Live active-side detection, when the health probes are configured. */
  detected?: DetectedSides;
  /** Local dates of the schedule's holiday calendars (Off days). */
  holidays?: ReadonlySet<string>;
  /** Why a calendar of spec.schedule.calendarRefs cannot be read (missing, a bad line). */
  calendarProblems?: readonly string[];
  /** The override annotation, read (src/api/override.ts). */
  override?: OverrideRead;
  /** Who last wrote spec.powerState (its managedFields manager), for the history. */
  powerStateBy?: string;
  /** The restartedAt annotation (`acdctl restart`), as written. */
  restartAnnotation?: string;
  /** Results of the gate checks the previous decision asked for (runGates), by gate name. */
  gateResults?: GateResults;
  /** The skip-gates annotation (`acdctl power off --skip-gate`), read (src/api/skip-gates.ts). */
  skipGates?: SkipGatesRead;
}

/**
 * One attempt of a gate's check, as the reconciler hands it over: the shape of src/gates' outcome,
 * restated here so the core does not import the adapters.
 */
export interface GateResult {
  /** The attempt satisfied successCondition (or onNoData: Pass). */
  passed: boolean;
  noData: boolean;
  /** The result as shown to users, e.g. "7". */
  value?: string;
  message: string;
  /** A Job still running: neither a success nor a failure. */
  pending?: boolean;
}
export type GateResults = Readonly<Record<string, GateResult>>;

/** A drain or undrain of a beforeOff gate, for the reconciler to run after the status write. */
export interface GateActionRequest {
  gate: string;
  kind: 'drain' | 'undrain';
}

export type Via = 'runStrategy' | 'subresource';
export interface PlannedCommand {
  vm: VmView;
  action: Action;
  via: Via;
  /** Move the VM to runStrategy Manual first (recovery Ordered): see commandsVia in ./vm-state.ts. */
  toManual?: boolean;
}
export interface Event {
  type: 'Normal' | 'Warning';
  reason: EventReason;
  message: string;
}

export interface Decision {
  status: AcdClusterStatus;
  commands: PlannedCommand[];
  events: Event[];
  /** Checks to run before deciding again: the reconciler runs them and calls decide() once more. */
  runChecks?: HealthCheckName[];
  /** The tier whose stage asked for the checks (which pcs pair a Pacemaker check means). */
  checkTier?: Tier;
  requeueAfterMs?: number;
  /** The override annotation to remove (it expired), if it still holds this value. */
  removeOverride?: string;
  /** Scheduled slots that began and ended while no pass looked. */
  missedSlots?: number;
  /** Gates whose check is due: the reconciler runs them and calls decide() once more with gateResults. */
  runGates?: string[];
  /**
   * Drain/undrain actions, each already recorded in `status` (drainedAt, undrains[].at): the reconciler
   * writes the status first and runs them only after the write, so a crash never runs one twice.
   */
  gateActions?: GateActionRequest[];
  /** The skip-gates annotation to remove (consumed, or garbled), if it still holds this value. */
  removeSkipGates?: string;
}

/** Why a transition does not move on: it waits for the user (Paused, Held) or is stuck (Stalled). */
export interface Blocker {
  kind: 'ActiveUnknown' | 'Paused' | 'Stalled' | 'Held';
  reason: StallReason | HoldReason;
  message: string;
}

export interface DesiredPower {
  target: Direction;
  /** For status.schedule, when powerState is Scheduled and the schedule is valid. */
  schedule?: NonNullable<AcdClusterStatus['schedule']>;
  /** Why the schedule cannot be read (an unknown time zone, ...): nothing is touched until it is fixed. */
  invalid?: string;
  /** When the schedule next changes its mind: the pass should look again then. */
  nextAt?: Date;
  /** An override annotation past its `until`: ignored, and to be removed. */
  expiredOverride?: Override;
}

/** An ordered restart, as one pass sees it (src/decision/restart.ts). */
export interface RestartStep {
  /** Where the ACD goes this pass: Off while a restart stops it, else what was asked for. */
  target: Direction;
  /** The transition this pass begins is part of a restart. */
  restarting: boolean;
  status?: RestartStatus;
  events: Event[];
  /** A restartAfter still ahead: the pass should look again then. */
  wakeAt?: Date;
}

/** What one pass shares between the parts of the decision. */
export interface Ctx {
  o: Observed;
  now: string;
  events: Event[];
  target: Direction;
  /** What spec.powerState asks for now (Scheduled: read from spec.schedule). */
  power?: DesiredPower;
  /** Transitions this pass ended or superseded, for status.history. */
  ended: HistoryEntry[];
  /** An ordered restart in progress: its phase, and whether this pass's target serves it. */
  restart?: RestartStep;
  /** Gate actions and the skip-gates removal this pass asks of the reconciler (./gates.ts). */
  gateAsks?: Pick<Decision, 'gateActions' | 'removeSkipGates'>;
}

/** The seam between the reconciler and src/health: runs named checks, detects active sides. */
export interface HealthRunner {
  run(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    vms: ReadonlyMap<string, VmView>,
    checks: HealthCheckName[],
    tier?: Tier,
  ): Promise<HealthResults>;
  detectActive(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    vms: ReadonlyMap<string, VmView>,
  ): Promise<DetectedSides | undefined>;
}
