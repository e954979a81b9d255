// When an override given on the command line ends: `--until 18:00` means the next 18:00 on the
// ACD's own clock (its schedule's zone, not the admin's laptop), `--until 2h` means two hours from
// now, and an RFC 3339 time means itself. The instant is resolved once, by acdctl, and written as
// RFC 3339, so the operator never has to guess what a bare time meant.
import { parseDuration } from '../api/duration.js';
import { parseClock, parseDateTime } from './compile.js';
import { DAY, effectiveWallAt, instantOfWall, isKnownTimeZone } from './zone.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The instant `text` names, after `now`; throws RangeError with a message for the user. */
export function resolveUntil(text: string, now: Date, timeZone: string): Date {
  if (!isKnownTimeZone(timeZone)) throw new RangeError(`time zone ${JSON.stringify(timeZone)} is not known`);
  const instant = instantOf(text.trim(), now.getTime(), timeZone);
  if (instant === undefined) {
    throw new RangeError(
      `"${text}" is not HH:MM, YYYY-MM-DDTHH:MM (both in ${timeZone}), a duration such as 2h, or an RFC 3339 time`,
    );
  }
  if (instant <= now.getTime()) throw new RangeError(`"${text}" (${new Date(instant).toISOString()}) is not ahead`);
  return new Date(instant);
}

function instantOf(text: string, now: number, zone: string): number | undefined {
  if (RFC3339.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? undefined : t;
  }
  const local = parseDateTime(text);
  if (local !== undefined) return instantOfWall(zone, local);
  const minutes = parseClock(text);
  if (minutes !== undefined) {
    const wallNow = effectiveWallAt(zone, now);
    const today = Math.floor(wallNow / DAY) * DAY + minutes * 60_000;
    const at = instantOfWall(zone, today);
    return at > now ? at : instantOfWall(zone, today + DAY);
  }
  try {
    return now + parseDuration(text);
  } catch {
    return undefined;
  }
}
