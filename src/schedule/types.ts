// The vocabulary of `powerState: Scheduled`. Times are the schedule's local wall-clock times, read in
// `timeZone`; instants are Dates. src/schedule is pure: the clock and the holiday calendar come in as
// arguments, so the verdict is a function of (schedule, now, holidays) and can be re-derived on every
// reconcile.

import type { Weekday } from '../api/domain.js';

// The weekdays are the API's (src/api/domain.ts): the CRD and the evaluator read the same list.
export { WEEKDAYS, type Weekday } from '../api/domain.js';

export type SchedulePowerState = 'On' | 'Off';

/**
 * On inside the window. `to` earlier than (or equal to) `from` wraps past midnight into the next day, so
 * `from` equal to `to` is a 24-hour window; "24:00" is allowed as `to`. Times "HH:MM".
 */
export interface ScheduleWindow {
  days: Weekday[];
  from: string;
  to: string;
}

/**
 * Beats the windows and the calendar: a whole local date ("YYYY-MM-DD"), or a local date-time range
 * [from, to) ("YYYY-MM-DDTHH:MM"). Where exceptions overlap, a range beats a whole date (it is the more
 * specific), and among exceptions of one kind the first listed wins.
 */
export interface ScheduleException {
  date?: string;
  from?: string;
  to?: string;
  powerState: SchedulePowerState;
  reason?: string;
}

export interface Schedule {
  /** An IANA zone name such as "Europe/Berlin"; weekdays, dates and times are all read in it. */
  timeZone: string;
  /** Required; optional in the type because a YAML 1.1 `on:` key arrives as "true" (src/api/rules.ts). */
  on?: ScheduleWindow[];
  exceptions?: ScheduleException[];
}

/** What decided: an exception, a holiday of the calendar (Off), or the windows (inside: On, outside: Off). */
export type ScheduleSource = 'Exception' | 'Calendar' | 'Window';

export interface ScheduleTransition {
  at: Date;
  powerState: SchedulePowerState;
  source: ScheduleSource;
}

export interface ScheduleVerdict {
  desired: SchedulePowerState;
  source: ScheduleSource;
  /** The exception's reason, "holiday 2026-12-25", or the window that holds the VM on. */
  reason?: string;
  /** The next instant the desired state changes, within the horizon; undefined if none. */
  next?: { at: Date; powerState: SchedulePowerState };
}
