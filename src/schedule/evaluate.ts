// The verdict for `powerState: Scheduled` is level-triggered: a pure function of (schedule, now, holidays),
// so a missed or repeated reconcile changes nothing. The desired state is a function of the effective wall
// time (zone.ts), which only moves forward; it can change only where that wall time reaches a boundary
// (a window's from or to, an exception's bounds, a local midnight), so the next change is found by
// walking those boundaries in order, never by scanning the clock minute by minute.
import { compileSchedule, formatDate, parseDate, weekdayOf, type CompiledSchedule } from './compile.js';
import { InvalidScheduleError } from './errors.js';
import type { Schedule, ScheduleSource, ScheduleTransition, ScheduleVerdict, SchedulePowerState } from './types.js';
import { DAY, effectiveWallAt, instantOfWall } from './zone.js';

const DEFAULT_HORIZON_DAYS = 8;
// Ten years: acdctl plan asks for a week; more is a mistake, and the walk is linear in the days.
const MAX_DAYS = 3660;

interface Decision {
  desired: SchedulePowerState;
  source: ScheduleSource;
  reason: string;
}

function openWindowLabel(schedule: CompiledSchedule, wall: number, day: number): string | undefined {
  const time = wall - day * DAY;
  const today = 1 << weekdayOf(day);
  const yesterday = 1 << weekdayOf(day - 1);
  for (const w of schedule.windows) {
    const opensToday = (w.days & today) !== 0 && time >= w.from && (w.wraps || time < w.to);
    const spillsFromYesterday = w.wraps && (w.days & yesterday) !== 0 && time < w.to;
    if (opensToday || spillsFromYesterday) return w.label();
  }
  return undefined;
}

/** Precedence: an exception, then a holiday of the calendar, then the windows. */
function decide(schedule: CompiledSchedule, holidays: ReadonlySet<number>, wall: number): Decision {
  for (const e of schedule.exceptions) {
    if (e.start <= wall && wall < e.end) return { desired: e.powerState, source: 'Exception', reason: e.reason };
  }
  const day = Math.floor(wall / DAY);
  if (holidays.has(day)) return { desired: 'Off', source: 'Calendar', reason: `holiday ${formatDate(day * DAY)}` };
  const label = openWindowLabel(schedule, wall, day);
  if (label === undefined) return { desired: 'Off', source: 'Window', reason: 'outside every window' };
  return { desired: 'On', source: 'Window', reason: `window ${label}` };
}

/** The walls on local day `day` where the desired state may change, in order. */
function boundariesOn(schedule: CompiledSchedule, day: number): number[] {
  const midnight = day * DAY;
  const walls = [midnight];
  const today = 1 << weekdayOf(day);
  const yesterday = 1 << weekdayOf(day - 1);
  for (const w of schedule.windows) {
    if ((w.days & today) !== 0) walls.push(midnight + w.from);
    if ((w.days & today) !== 0 && !w.wraps) walls.push(midnight + w.to);
    if ((w.days & yesterday) !== 0 && w.wraps) walls.push(midnight + w.to);
  }
  for (const e of schedule.exceptions) {
    for (const bound of [e.start, e.end]) if (bound >= midnight && bound < midnight + DAY) walls.push(bound);
  }
  return walls.sort((a, b) => a - b);
}

/**
 * Calls `visit` for each change of the desired state in [start, end), in order, until it returns false.
 * Boundaries in order map to instants in order (instantOfWall is monotonic), so the walk stops at the first
 * boundary at or past `end`.
 */
function forEachChange(
  schedule: CompiledSchedule,
  holidays: ReadonlySet<number>,
  [start, end]: [number, number],
  visit: (at: number, decision: Decision) => boolean,
): void {
  const { zone } = schedule;
  const wallBefore = effectiveWallAt(zone, start - 1);
  let current = decide(schedule, holidays, wallBefore).desired;
  let previous = Number.NaN;
  for (let day = Math.floor(wallBefore / DAY); ; day++) {
    for (const wall of boundariesOn(schedule, day)) {
      const at = instantOfWall(zone, wall);
      if (at >= end) return;
      if (at < start || at === previous) continue;
      previous = at;
      const decision = decide(schedule, holidays, effectiveWallAt(zone, at));
      if (decision.desired === current) continue;
      current = decision.desired;
      if (!visit(at, decision)) return;
    }
  }
}

function compiled(schedule: Schedule): CompiledSchedule {
  const { value, problems } = compileSchedule(schedule);
  if (value === undefined || problems.length > 0) throw new InvalidScheduleError(problems);
  return value;
}

/** Holidays as local day numbers; a malformed one would silently never match, so it is refused. */
function holidayDays(holidays: ReadonlySet<string> | undefined): ReadonlySet<number> {
  const days = new Set<number>();
  const problems: string[] = [];
  for (const holiday of holidays ?? []) {
    const midnight = parseDate(holiday);
    if (midnight === undefined) problems.push(`holiday ${JSON.stringify(holiday)} is not a date YYYY-MM-DD`);
    else days.add(midnight / DAY);
  }
  if (problems.length > 0) throw new InvalidScheduleError(problems);
  return days;
}

// Four-digit years, as in the schedule's dates, with room for a horizon.
const EARLIEST = Date.UTC(1000, 0, 1);
const LATEST = Date.UTC(9900, 0, 1);

function millisOf(date: Date, name: string): number {
  const instant = date instanceof Date ? date.getTime() : Number.NaN;
  if (!(instant >= EARLIEST && instant < LATEST)) throw new RangeError(`${name} is not a valid Date in 1000-9899`);
  return instant;
}

function spanOf(days: number, name: string): number {
  if (typeof days !== 'number' || !(days >= 0 && days <= MAX_DAYS)) {
    throw new RangeError(`${name} must be a number of days from 0 to ${MAX_DAYS}, got ${String(days)}`);
  }
  return Math.round(days * DAY);
}

/** Human-readable problems of a schedule; [] when it is valid. */
export function validateSchedule(schedule: Schedule): string[] {
  return compileSchedule(schedule).problems;
}

/**
 * The desired power state at `now`, what decided it, and the next change within `horizonDays` (default 8).
 * `holidays`: local dates "YYYY-MM-DD" that are Off days unless an exception says otherwise.
 * Throws InvalidScheduleError for an unknown zone or a malformed time or date.
 */
export function evaluateSchedule(
  schedule: Schedule,
  now: Date,
  holidays?: ReadonlySet<string>,
  horizonDays: number = DEFAULT_HORIZON_DAYS,
): ScheduleVerdict {
  const compiledSchedule = compiled(schedule);
  const days = holidayDays(holidays);
  const instant = millisOf(now, 'now');
  const horizon = spanOf(horizonDays, 'horizonDays');
  const verdict: ScheduleVerdict = decide(compiledSchedule, days, effectiveWallAt(compiledSchedule.zone, instant));
  forEachChange(compiledSchedule, days, [instant + 1, instant + horizon + 1], (at, decision) => {
    verdict.next = { at: new Date(at), powerState: decision.desired };
    return false;
  });
  return verdict;
}

/** Every change of the desired state in [from, from + days), in order: what `acdctl plan` lists. */
export function transitionsBetween(
  schedule: Schedule,
  from: Date,
  days: number,
  holidays?: ReadonlySet<string>,
): ScheduleTransition[] {
  const compiledSchedule = compiled(schedule);
  const holidaySet = holidayDays(holidays);
  const start = millisOf(from, 'from');
  const transitions: ScheduleTransition[] = [];
  forEachChange(compiledSchedule, holidaySet, [start, start + spanOf(days, 'days')], (at, decision) => {
    transitions.push({ at: new Date(at), powerState: decision.desired, source: decision.source });
    return true;
  });
  return transitions;
}
