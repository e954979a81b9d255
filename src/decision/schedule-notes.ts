// What a pass has to say about the schedule besides the target: slots that passed unseen, the next
// change coming soon, an override that ended. Each note is level-triggered from the status the last
// pass wrote (status.schedule), so it goes out once however often the ACD is reconciled.
import { parseDuration } from '../api/duration.js';
import type { AcdClusterStatus } from '../api/status.js';
import { transitionsBetween, type ScheduleTransition } from '../schedule/index.js';
import type { Ctx, Event } from './types.js';

type ScheduleStatus = NonNullable<AcdClusterStatus['schedule']>;

export interface ScheduleNotes {
  events: Event[];
  /** status.schedule as this pass writes it (with `announced` carried or set). */
  status?: ScheduleStatus;
  /** Slots that began and ended while no pass looked (for the metric). */
  missedSlots: number;
  /** The pass should look again then: the next boundary, or the moment to announce it. */
  wakeAt?: Date;
  removeOverride?: string;
}

const DAY_MS = 86_400_000;
/** A year of downtime is reported in full; beyond that the count is capped, not the convergence. */
const MAX_LOOKBACK_DAYS = 366;

export function scheduleNotes(ctx: Ctx): ScheduleNotes {
  const notes: ScheduleNotes = { events: [], missedSlots: 0 };
  noteExpiredOverride(ctx, notes);
  const status = ctx.power?.schedule;
  if (!status) return notes;
  notes.status = { ...status };
  notes.wakeAt = ctx.power?.nextAt;
  noteMissedSlots(ctx, notes);
  noteComingSoon(ctx, notes, notes.status);
  return notes;
}

function noteExpiredOverride(ctx: Ctx, notes: ScheduleNotes): void {
  const expired = ctx.power?.expiredOverride;
  if (!expired || ctx.o.override?.raw === undefined) return;
  notes.removeOverride = ctx.o.override.raw;
  const by = expired.by ? ` by ${expired.by}` : '';
  const why = expired.reason ? ` (${expired.reason})` : '';
  const then = ctx.o.spec.powerState === 'Scheduled' ? 'the schedule decides again' : 'it is removed';
  notes.events.push({
    type: 'Normal',
    reason: 'OverrideExpired',
    message: `override ${expired.powerState}${by}${why} ended at ${expired.until}; ${then}`,
  });
}

/**
 * The last pass wrote when the schedule would next change. If that moment and a later change have
 * both passed, the slot between them came and went unseen (the operator was down, or had no lease):
 * it is reported, not replayed; the ACD goes to the current slot like any pass would.
 */
function noteMissedSlots(ctx: Ctx, notes: ScheduleNotes): void {
  const { spec, now, status, holidays } = ctx.o;
  const expected = status.schedule?.nextTransition;
  const from = expected ? Date.parse(expected.at) : Number.NaN;
  if (!spec.schedule || !(from <= now.getTime())) return;
  const days = Math.min(MAX_LOOKBACK_DAYS, (now.getTime() - from + 1) / DAY_MS);
  const passed = transitionsBetween(spec.schedule, new Date(from), days, holidays);
  const missed = passed.slice(0, -1).map((t, i) => slotText(t, passed[i + 1]!));
  if (!missed.length) return;
  notes.missedSlots = missed.length;
  notes.events.push({
    type: 'Warning',
    reason: 'ScheduleSlotMissed',
    message:
      `${missed.length} scheduled slot(s) passed unseen (${missed.slice(0, 3).join('; ')}` +
      `${missed.length > 3 ? '; ...' : ''}); not replayed: going to the current slot (${ctx.target})`,
  });
}

const slotText = (t: ScheduleTransition, end: ScheduleTransition): string =>
  `${t.powerState} ${t.at.toISOString()} to ${end.at.toISOString()}`;

/** One ScheduledTransitionSoon per change, spec.schedule.announceBefore ahead of it. */
function noteComingSoon(ctx: Ctx, notes: ScheduleNotes, status: ScheduleStatus): void {
  const next = status.nextTransition;
  const announced = ctx.o.status.schedule?.announced;
  if (announced && announced === next?.at) status.announced = announced;
  const lead = parseDuration(ctx.o.spec.schedule?.announceBefore ?? '0s');
  if (!next || lead <= 0 || status.announced) return;
  const at = Date.parse(next.at);
  const left = at - ctx.o.now.getTime();
  if (left > lead) {
    notes.wakeAt = earliest(notes.wakeAt, new Date(at - lead));
    return;
  }
  status.announced = next.at;
  notes.events.push({
    type: 'Normal',
    reason: 'ScheduledTransitionSoon',
    message: `the schedule turns the ACD ${next.powerState} at ${next.at} (in ${Math.ceil(left / 60_000)} min)`,
  });
}

const earliest = (a: Date | undefined, b: Date): Date => (a && a < b ? a : b);
