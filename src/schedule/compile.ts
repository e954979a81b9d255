// A schedule from a custom resource is only as typed as the YAML someone wrote, so every field is checked
// at run time, and the checked schedule is turned into numbers once per evaluation.
import { WEEKDAYS, type Schedule, type ScheduleException, type SchedulePowerState } from './types.js';
import { DAY, isKnownTimeZone, MINUTE } from './zone.js';

export interface CompiledWindow {
  /** Bit i set: the window opens on WEEKDAYS[i]. */
  days: number;
  /** Milliseconds after local midnight. */
  from: number;
  to: number;
  /** `to` at or before `from`: the window closes on the next day. */
  wraps: boolean;
  /** For the verdict's reason, e.g. "Mon,Tue 06:30-22:00". */
  label: () => string;
}

export interface CompiledException {
  /** Walls (see zone.ts): [start, end). */
  start: number;
  end: number;
  powerState: SchedulePowerState;
  reason: string;
  wholeDate: boolean;
}

export interface CompiledSchedule {
  zone: string;
  windows: CompiledWindow[];
  /** Ranges before whole dates: the more specific exception wins. */
  exceptions: CompiledException[];
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKDAY_INDEX: ReadonlyMap<string, number> = new Map(WEEKDAYS.map((day, i) => [day, i]));

/** Minutes after midnight of "HH:MM"; "24:00" only where `endOfDay` allows it. */
export function parseClock(text: unknown, endOfDay = false): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (endOfDay && text === '24:00') return 24 * 60;
  const match = CLOCK.exec(text);
  return match === null ? undefined : Number(match[1]) * 60 + Number(match[2]);
}

/** The wall at local midnight of "YYYY-MM-DD", if that date exists. */
export function parseDate(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DATE.exec(text);
  if (match === null) return undefined;
  const wall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return formatDate(wall) === text ? wall : undefined;
}

/** The wall of "YYYY-MM-DDTHH:MM". */
export function parseDateTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length !== 16 || text[10] !== 'T') return undefined;
  const midnight = parseDate(text.slice(0, 10));
  const minutes = parseClock(text.slice(11));
  return midnight === undefined || minutes === undefined ? undefined : midnight + minutes * MINUTE;
}

export const formatDate = (wall: number): string => new Date(wall).toISOString().slice(0, 10);

const quote = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : String(value));

/** Weekday index (0 = Mon) of the local day `day` days after 1970-01-01, a Thursday. */
export const weekdayOf = (day: number): number => (((day + 3) % 7) + 7) % 7;

interface Compiled<T> {
  value?: T;
  problems: string[];
}

function compileDays(days: unknown, where: string): Compiled<number> {
  if (!Array.isArray(days) || days.length === 0) return { problems: [`${where}.days is empty`] };
  const problems: string[] = [];
  let mask = 0;
  days.forEach((day: unknown, i) => {
    const index = typeof day === 'string' ? WEEKDAY_INDEX.get(day) : undefined;
    if (index === undefined) problems.push(`${where}.days[${i}] ${quote(day)} is not one of ${WEEKDAYS.join(', ')}`);
    else mask |= 1 << index;
  });
  return { value: mask, problems };
}

function compileWindow(window: unknown, where: string): Compiled<CompiledWindow> {
  if (typeof window !== 'object' || window === null) return { problems: [`${where} is not an object`] };
  const { days, from, to } = window as Record<string, unknown>;
  const mask = compileDays(days, where);
  const problems = [...mask.problems];
  const start = parseClock(from);
  const end = parseClock(to, true);
  if (start === undefined) problems.push(`${where}.from ${quote(from)} is not a time HH:MM from 00:00 to 23:59`);
  if (end === undefined) problems.push(`${where}.to ${quote(to)} is not a time HH:MM from 00:00 to 24:00`);
  if (problems.length > 0 || mask.value === undefined || start === undefined || end === undefined) return { problems };
  const label = (): string => `${(days as string[]).join(',')} ${String(from)}-${String(to)}`;
  return {
    value: { days: mask.value, from: start * MINUTE, to: end * MINUTE, wraps: end <= start, label },
    problems,
  };
}

function compileBounds(exception: ScheduleException, where: string): Compiled<[number, number]> {
  const { date, from, to } = exception;
  const hasRange = from !== undefined || to !== undefined;
  if (date !== undefined && hasRange) return { problems: [`${where} has both a date and a from/to range`] };
  if (date !== undefined) {
    const midnight = parseDate(date);
    if (midnight === undefined) return { problems: [`${where}.date ${quote(date)} is not a date YYYY-MM-DD`] };
    return { value: [midnight, midnight + DAY], problems: [] };
  }
  if (!hasRange) return { problems: [`${where} has neither a date nor a from/to range`] };
  const start = parseDateTime(from);
  const end = parseDateTime(to);
  const problems: string[] = [];
  if (start === undefined) problems.push(`${where}.from ${quote(from)} is not a local date-time YYYY-MM-DDTHH:MM`);
  if (end === undefined) problems.push(`${where}.to ${quote(to)} is not a local date-time YYYY-MM-DDTHH:MM`);
  if (start === undefined || end === undefined) return { problems };
  if (start >= end) return { problems: [`${where}.from ${quote(from)} is not before to ${quote(to)}`] };
  return { value: [start, end], problems };
}

function compileException(exception: unknown, where: string): Compiled<CompiledException> {
  if (typeof exception !== 'object' || exception === null) return { problems: [`${where} is not an object`] };
  const candidate = exception as ScheduleException;
  const bounds = compileBounds(candidate, where);
  const problems = [...bounds.problems];
  const { powerState, reason, date, from, to } = candidate;
  if (powerState !== 'On' && powerState !== 'Off')
    problems.push(`${where}.powerState ${quote(powerState)} is not On or Off`);
  if (reason !== undefined && typeof reason !== 'string') problems.push(`${where}.reason is not a string`);
  if (problems.length > 0 || bounds.value === undefined) return { problems };
  const [start, end] = bounds.value;
  const span = date ?? `${String(from)} to ${String(to)}`;
  const value = { start, end, powerState, reason: reason ?? `exception ${span}`, wholeDate: date !== undefined };
  return { value, problems };
}

function listOf<T>(
  items: unknown,
  name: string,
  compileItem: (item: unknown, where: string) => Compiled<T>,
): Compiled<T[]> {
  if (!Array.isArray(items)) return { problems: [`${name} is not a list`] };
  const compiled = items.map((item, i) => compileItem(item, `${name}[${i}]`));
  const problems = compiled.flatMap((c) => c.problems);
  return { value: compiled.flatMap((c) => (c.value === undefined ? [] : [c.value])), problems };
}

/** Every problem at once, so one edit of the custom resource can fix them all. */
export function compileSchedule(schedule: Schedule): Compiled<CompiledSchedule> {
  if (typeof schedule !== 'object' || schedule === null) return { problems: ['the schedule is not an object'] };
  const { timeZone } = schedule;
  const problems: string[] = [];
  if (!isKnownTimeZone(timeZone)) problems.push(`timeZone ${quote(timeZone)} is not a known IANA time zone`);
  const windows =
    schedule.on === undefined
      ? { problems: ['on (the windows the ACD is On in) is missing; in YAML write it quoted: "on":'] }
      : listOf(schedule.on, 'on', compileWindow);
  const exceptions = listOf(schedule.exceptions ?? [], 'exceptions', compileException);
  problems.push(...windows.problems, ...exceptions.problems);
  if (problems.length > 0) return { problems };
  const all = exceptions.value ?? [];
  const ordered = [...all.filter((e) => !e.wholeDate), ...all.filter((e) => e.wholeDate)];
  return { value: { zone: timeZone, windows: windows.value ?? [], exceptions: ordered }, problems };
}
