// Wall-clock arithmetic in an IANA zone with nothing but the platform's Intl.
//
// A "wall" is a local date-time written as milliseconds since 1970-01-01T00:00 of the local calendar,
// i.e. the instant it would be if the zone were UTC; offset = wall - instant. Intl only converts instant to
// wall, so each zone's offset changes are found once per UTC year by probing and bisecting, and kept:
// after that an instant-to-wall or wall-to-instant conversion is a lookup, not a formatToParts call.
// Instants are kept to the years 1000 to 9999 (see evaluate.ts), where Date.UTC and Intl's years agree.

export const MINUTE = 60_000;
export const DAY = 86_400_000;
const HOUR = 3_600_000;
// Far shorter than the time between two changes of any zone's offset, so no change hides between probes.
const PROBE_STEP = 6 * HOUR;
// Further than any offset (±14 h) plus any shift, so every instant that can show a given wall is covered.
const REACH = 2 * DAY;

interface OffsetChange {
  /** The first instant with the new offset. */
  at: number;
  before: number;
  after: number;
}

interface YearOfOffsets {
  /** The offset at the start of the UTC year. */
  initial: number;
  /** The changes in (start of the year, start of the next year], in order. */
  changes: OffsetChange[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const years = new Map<string, Map<number, YearOfOffsets>>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * Intl accepts fixed offsets such as "+01:00" as well as IANA names; a fixed offset silently never observes
 * daylight saving time, so only names (which all begin with a letter) count.
 */
export function isKnownTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || !/^[A-Za-z]/.test(zone)) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function probeOffset(formatter: Intl.DateTimeFormat, instant: number): number {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(instant)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  const millis = ((instant % 1000) + 1000) % 1000;
  return wall + millis - instant;
}

function bisectChange(formatter: Intl.DateTimeFormat, lo: number, before: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (probeOffset(formatter, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

const AVERAGE_YEAR = 365.2425 * DAY;

// The year last asked for: nearly every lookup of an evaluation falls into it.
let lastYear = { year: 1970, start: 0, end: Date.UTC(1971, 0, 1) };

/** new Date(instant).getUTCFullYear() without the allocation: this runs several times per boundary. */
function utcYear(instant: number): number {
  if (instant >= lastYear.start && instant < lastYear.end) return lastYear.year;
  let year = Math.floor(instant / AVERAGE_YEAR) + 1970;
  if (instant < Date.UTC(year, 0, 1)) year--;
  else if (instant >= Date.UTC(year + 1, 0, 1)) year++;
  lastYear = { year, start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  return year;
}

function probeYear(zone: string, year: number): YearOfOffsets {
  const formatter = formatterFor(zone);
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const initial = probeOffset(formatter, start);
  const changes: OffsetChange[] = [];
  let lo = start;
  let before = initial;
  while (lo < end) {
    const hi = Math.min(lo + PROBE_STEP, end);
    const after = probeOffset(formatter, hi);
    if (after !== before) changes.push({ at: bisectChange(formatter, lo, before, hi), before, after });
    lo = hi;
    before = after;
  }
  return { initial, changes };
}

function yearOfOffsets(zone: string, year: number): YearOfOffsets {
  let byYear = years.get(zone);
  if (byYear === undefined) {
    byYear = new Map();
    years.set(zone, byYear);
  }
  let offsets = byYear.get(year);
  if (offsets === undefined) {
    offsets = probeYear(zone, year);
    byYear.set(year, offsets);
  }
  return offsets;
}

/** The last offset change at or before `instant`, looking back into the previous year if need be. */
function lastChange(zone: string, instant: number): OffsetChange | undefined {
  const year = utcYear(instant);
  for (const y of [year, year - 1]) {
    const { changes } = yearOfOffsets(zone, y);
    for (let i = changes.length - 1; i >= 0; i--) {
      const change = changes[i] as OffsetChange;
      if (change.at <= instant) return change;
    }
  }
  return undefined;
}

export function offsetAt(zone: string, instant: number): number {
  const year = utcYear(instant);
  const { initial, changes } = yearOfOffsets(zone, year);
  let offset = initial;
  for (const change of changes) {
    if (change.at > instant) break;
    offset = change.after;
  }
  return offset;
}

function changesBetween(zone: string, from: number, to: number): OffsetChange[] {
  const found: OffsetChange[] = [];
  for (let y = utcYear(from); y <= utcYear(to); y++) {
    for (const change of yearOfOffsets(zone, y).changes) if (change.at > from && change.at <= to) found.push(change);
  }
  return found;
}

/**
 * The wall time the schedule is evaluated with at `instant`. Inside the second pass of a repeated interval
 * (clocks set back) it stays at the wall time reached just before the offset dropped: a boundary in the
 * repeated hour has already fired once, and must neither fire again nor be undone.
 */
export function effectiveWallAt(zone: string, instant: number): number {
  const change = lastChange(zone, instant);
  if (change !== undefined && change.after < change.before && instant < change.at + change.before - change.after) {
    return change.at + change.before - 1;
  }
  return instant + offsetAt(zone, instant);
}

/**
 * The first instant whose effective wall time reaches `wall`: the instant itself on an ordinary day, the
 * first occurrence in a repeated interval, and the end of the gap (the first instant after it) for a wall
 * time the clocks skip.
 */
export function instantOfWall(zone: string, wall: number): number {
  const nearby = changesBetween(zone, wall - REACH, wall + REACH);
  const offsets = [offsetAt(zone, wall - REACH), ...nearby.map((change) => change.after)];
  let first = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const instant = wall - offset;
    if (instant < first && offsetAt(zone, instant) === offset) first = instant;
  }
  if (first !== Number.POSITIVE_INFINITY) return first;
  const gap = nearby.find((change) => change.at + change.before <= wall && wall < change.at + change.after);
  // Every wall time is either shown by some instant or skipped by a change found above.
  return gap === undefined ? wall - (offsets[0] as number) : gap.at;
}
