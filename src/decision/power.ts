// What spec.powerState asks for now: On and Off are absolute; Scheduled is read from spec.schedule
// at this pass's clock (level-triggered: after any downtime the ACD goes to the current slot and
// never replays a past one), beaten by an unexpired override annotation. The operator never writes
// spec, so a GitOps tool stays in sync.
import type { Direction } from '../api/domain.js';
import type { Override, OverrideRead } from '../api/override.js';
import type { AcdClusterSpec } from '../api/spec.js';
import { evaluateSchedule, InvalidScheduleError, type Schedule } from '../schedule/index.js';
import type { DesiredPower, Observed } from './types.js';

/** What besides the spec the schedule is read with: the calendars' dates and the override. */
export interface ScheduleInputs {
  holidays?: ReadonlySet<string>;
  /** Why a calendar cannot be read: the schedule is then as unusable as an unknown zone. */
  calendarProblems?: readonly string[];
  override?: OverrideRead;
}

/**
 * With an unusable schedule (an unknown zone, a missing calendar, a garbled override) the target
 * stays where the ACD is heading already (the last transition's direction, else Off), and nothing
 * is commanded. An override past its `until` is ignored here and reported as `expired`, in every
 * mode, so that it is cleaned up even after the ACD left Scheduled.
 */
export function desiredPower(
  spec: Pick<AcdClusterSpec, 'powerState' | 'schedule'>,
  now: Date,
  fallback: Direction,
  inputs: ScheduleInputs = {},
): DesiredPower {
  const { override } = inputs.override ?? {};
  const expired = override && Date.parse(override.until) <= now.getTime() ? override : undefined;
  const base = basePower(spec, now, fallback, inputs, expired ? undefined : override);
  return expired ? { ...base, expiredOverride: expired } : base;
}

/** desiredPower for what one pass observed. */
export const desiredPowerOf = (o: Observed): DesiredPower =>
  desiredPower(o.spec, o.now, o.status.transition?.direction ?? 'Off', {
    ...(o.holidays ? { holidays: o.holidays } : {}),
    ...(o.calendarProblems ? { calendarProblems: o.calendarProblems } : {}),
    ...(o.override ? { override: o.override } : {}),
  });

function basePower(
  spec: Pick<AcdClusterSpec, 'powerState' | 'schedule'>,
  now: Date,
  fallback: Direction,
  inputs: ScheduleInputs,
  live: Override | undefined,
): DesiredPower {
  if (spec.powerState !== 'Scheduled') return { target: spec.powerState };
  if (!spec.schedule) return { target: fallback, invalid: 'powerState Scheduled needs spec.schedule' };
  const problems = [...(inputs.calendarProblems ?? [])];
  if (inputs.override?.invalid) problems.push(inputs.override.invalid);
  if (problems.length) return { target: fallback, invalid: problems.join('; ') };
  try {
    return live ? overridden(spec.schedule, live, inputs.holidays) : scheduled(spec.schedule, now, inputs.holidays);
  } catch (e) {
    if (!(e instanceof InvalidScheduleError)) throw e;
    return { target: fallback, invalid: e.problems.join('; ') };
  }
}

function scheduled(schedule: Schedule, now: Date, holidays: ReadonlySet<string> | undefined): DesiredPower {
  const v = evaluateSchedule(schedule, now, holidays);
  return {
    target: v.desired,
    schedule: {
      desired: v.desired,
      source: v.source,
      ...(v.reason ? { reason: v.reason } : {}),
      ...(v.next ? { nextTransition: { at: v.next.at.toISOString(), powerState: v.next.powerState } } : {}),
    },
    ...(v.next ? { nextAt: v.next.at } : {}),
  };
}

/** The override's state until it ends; then whatever the schedule says at that instant. */
function overridden(schedule: Schedule, o: Override, holidays: ReadonlySet<string> | undefined): DesiredPower {
  const until = new Date(o.until);
  const after = evaluateSchedule(schedule, until, holidays);
  const next = after.desired !== o.powerState ? { at: until, powerState: after.desired } : after.next;
  const by = o.by ? ` by ${o.by}` : '';
  return {
    target: o.powerState,
    schedule: {
      desired: o.powerState,
      source: 'Override',
      reason: `override${by} until ${until.toISOString()}${o.reason ? `: ${o.reason}` : ''}`,
      ...(next ? { nextTransition: { at: next.at.toISOString(), powerState: next.powerState } } : {}),
    },
    // The pass looks again when the override ends, even if the schedule agrees with it: it is removed then.
    nextAt: until,
  };
}
