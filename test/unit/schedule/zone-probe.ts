// The tests' own reading of the platform's time-zone data, independent of src/schedule/zone.ts: the UTC offset
// comes from Intl's "longOffset" zone name (not from formatToParts arithmetic), probed hourly and bisected
// to the minute. The DST tests first check that the dates they hard-code are the ones this data has.
import { evaluateSchedule, type Schedule, type SchedulePowerState } from '../../../src/schedule/index.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const offsetNames = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at `instant`, in minutes. */
export function offsetMinutes(zone: string, instant: number): number {
  let formatter = offsetNames.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetNames.set(zone, formatter);
  }
  const name = formatter.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const match = /^GMT(?:([+-])(\d\d):(\d\d))?$/.exec(name);
  if (match === null) throw new Error(`unexpected offset name ${name} in ${zone}`);
  if (match[1] === undefined) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

export interface OffsetChange {
  /** The first instant with the new offset. */
  at: string;
  before: number;
  after: number;
}

/** Every change of the zone's offset in the UTC year `year`. */
export function offsetChanges(zone: string, year: number): OffsetChange[] {
  const changes: OffsetChange[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let before = offsetMinutes(zone, Date.UTC(year, 0, 1));
  for (let probe = Date.UTC(year, 0, 1) + HOUR; probe <= end; probe += HOUR) {
    const after = offsetMinutes(zone, probe);
    if (after === before) continue;
    let lo = probe - HOUR;
    let hi = probe;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetMinutes(zone, mid) === before) lo = mid;
      else hi = mid;
    }
    changes.push({ at: new Date(hi).toISOString(), before, after });
    before = after;
  }
  return changes;
}

export interface Row {
  now: string;
  desired: SchedulePowerState;
  /** The next change, [ISO instant, state]; absent when none lies within the horizon. */
  next?: [string, SchedulePowerState];
}

/** What a table row compares: the desired state and the next change. */
export function verdictRow(schedule: Schedule, now: string, holidays?: ReadonlySet<string>): Row {
  const verdict = evaluateSchedule(schedule, new Date(now), holidays);
  const row: Row = { now, desired: verdict.desired };
  if (verdict.next !== undefined) row.next = [verdict.next.at.toISOString(), verdict.next.powerState];
  return row;
}

/** The desired state at `instant` alone, without looking for the next change. */
export const desiredAt = (schedule: Schedule, instant: number, holidays?: ReadonlySet<string>): SchedulePowerState =>
  evaluateSchedule(schedule, new Date(instant), holidays, 0).desired;
