// What `acdctl plan` computes, kept free of I/O so it can be checked without a cluster: the
// sizing, which active side of each pair is used and where that came from, and both plans.
import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdClusterStatus } from '../api/status.js';
import {
  ActiveSideUnknownError,
  deriveSizing,
  planTransition,
  requiredActiveSides,
  type ActiveSides,
  type Direction,
  type PairKind,
  type Plan,
  type Side,
  type Sizing,
} from '../plan/index.js';
import type { PowerState } from '../api/domain.js';
import { InvalidScheduleError, transitionsBetween, type ScheduleTransition } from '../schedule/index.js';

export interface ActiveLine {
  kind: PairKind;
  side?: Side;
  from: string;
  note?: string;
}
export type PlanOutcome = { direction: Direction; plan: Plan } | { direction: Direction; missing: PairKind[] };

export interface PlanReport {
  subject: string;
  powerState: PowerState;
  sizing: Sizing;
  vms: number;
  active: ActiveLine[];
  outcomes: PlanOutcome[];
  /** powerState Scheduled: what the schedule does over the next SCHEDULE_DAYS days, or why it cannot. */
  schedule?: ScheduleOutlook;
}

export type ScheduleOutlook =
  { timeZone: string; from: Date; transitions: ScheduleTransition[] } | { timeZone: string; invalid: string };

/** How far `acdctl plan` looks ahead into a schedule. */
export const SCHEDULE_DAYS = 7;

export interface PlanInput {
  subject: string;
  spec: AcdClusterSpec;
  /** Present when planning an object read from the cluster (or a manifest that carries a status). */
  status?: AcdClusterStatus;
  overrides: ActiveSides;
  /** The clock a schedule is read at (acdctl: now). */
  now?: Date;
}

const DIRECTIONS: readonly Direction[] = ['Off', 'On'];
const SOURCE_LABEL: Record<string, string> = {
  Spec: 'spec',
  Annotation: 'VM annotation',
  Detected: 'detected',
  LastShutdown: 'last shutdown',
};

/**
 * The operator's order of trust (src/reconcile/active.ts) with the command line on top, and the
 * same sides for both directions, as the operator uses them: a dry run that resolved differently
 * would show a plan the operator never runs. The operator's resolution is read from
 * status.active rather than redone, because live detection and VM annotations are only visible
 * to it.
 */
function choose(kind: PairKind, input: PlanInput): ActiveLine {
  const flag = input.overrides[kind];
  if (flag) return { kind, side: flag, from: '--active' };
  const setting = input.spec.active[kind];
  if (setting === 1 || setting === 2) return { kind, side: setting, from: 'spec' };
  const record = input.status?.active?.[kind];
  if (record?.side) return { kind, side: record.side, from: SOURCE_LABEL[record.source] ?? record.source };
  const last = input.status?.lastShutdownActive?.[kind];
  if (last) return { kind, side: last, from: 'last shutdown' };
  return { kind, from: '-', note: record?.message ?? `set spec.active.${kind} to 1 or 2` };
}

export function buildPlanReport(input: PlanInput): PlanReport {
  const machines = input.spec.machines;
  const active = requiredActiveSides(machines).map((kind) => choose(kind, input));
  const sides: ActiveSides = {};
  for (const line of active) if (line.side) sides[line.kind] = line.side;
  const outcomes = DIRECTIONS.map((direction): PlanOutcome => {
    try {
      return { direction, plan: planTransition(machines, sides, direction) };
    } catch (e) {
      if (e instanceof ActiveSideUnknownError) return { direction, missing: e.missing };
      throw e;
    }
  });
  return {
    subject: input.subject,
    powerState: input.spec.powerState,
    sizing: deriveSizing(machines),
    vms: machines.length,
    active,
    outcomes,
    ...(input.spec.schedule && input.spec.powerState === 'Scheduled'
      ? { schedule: outlook(input.spec.schedule, input.now ?? new Date()) }
      : {}),
  };
}

function outlook(schedule: NonNullable<AcdClusterSpec['schedule']>, from: Date): ScheduleOutlook {
  try {
    return { timeZone: schedule.timeZone, from, transitions: transitionsBetween(schedule, from, SCHEDULE_DAYS) };
  } catch (e) {
    if (e instanceof InvalidScheduleError) return { timeZone: schedule.timeZone, invalid: e.problems.join('; ') };
    throw e;
  }
}
