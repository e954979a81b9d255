// What spec.powerState asks for now: On and Off are absolute; Scheduled is read from spec.schedule
// at this pass's clock (level-triggered: after any downtime the ACD goes to the current slot and
// never replays a past one). The operator never writes spec, so a GitOps tool stays in sync.
import type { Direction } from '../api/domain.js';
import type { AcdClusterSpec } from '../api/spec.js';
import { evaluateSchedule, InvalidScheduleError } from '../schedule/index.js';
import type { DesiredPower } from './types.js';

/**
 * `holidays`: local dates the calendars name. With an invalid schedule the target stays where the
 * ACD is heading already (the last transition's direction, else Off), and nothing is commanded.
 */
export function desiredPower(
  spec: Pick<AcdClusterSpec, 'powerState' | 'schedule'>,
  now: Date,
  fallback: Direction,
  holidays: ReadonlySet<string> = new Set(),
): DesiredPower {
  if (spec.powerState !== 'Scheduled') return { target: spec.powerState };
  if (!spec.schedule) return { target: fallback, invalid: 'powerState Scheduled needs spec.schedule' };
  try {
    const v = evaluateSchedule(spec.schedule, now, holidays);
    const next = v.next && { at: v.next.at.toISOString(), powerState: v.next.powerState };
    return {
      target: v.desired,
      schedule: {
        desired: v.desired,
        source: v.source,
        ...(v.reason ? { reason: v.reason } : {}),
        ...(next ? { nextTransition: next } : {}),
      },
      ...(v.next ? { nextAt: v.next.at } : {}),
    };
  } catch (e) {
    if (!(e instanceof InvalidScheduleError)) throw e;
    return { target: fallback, invalid: e.problems.join('; ') };
  }
}
