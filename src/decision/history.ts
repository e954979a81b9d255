// status.history: the last transitions, as an admin asks after the fact ("who powered it off on
// Saturday, and why did the startup take 40 minutes?"). An entry is made in the very status write
// that ends its transition (or supersedes it), so a crash between the end and the record cannot
// happen; and it is keyed by its start, so a pass that repeats the end adds nothing.
import type { HistoryEntry, Transition, Trigger } from '../api/status.js';
import type { Ctx } from './types.js';

const seconds = (from: string | undefined, to: string | undefined): number | undefined =>
  from && to ? Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10) : undefined;

/** The record of `t`, ended at `finishedAt` with `outcome`. */
export function historyEntry(t: Transition, outcome: HistoryEntry['outcome'], finishedAt: string): HistoryEntry {
  const forced = [...new Set(t.commands.filter((c) => c.action === 'ForceStop').map((c) => c.vm))];
  return {
    direction: t.direction,
    ...(t.trigger ? { trigger: t.trigger } : {}),
    startedAt: t.startedAt,
    finishedAt,
    outcome,
    seconds: seconds(t.startedAt, finishedAt) ?? 0,
    stages: t.stages.map((st) => {
      const s = st.state === 'Pending' ? undefined : seconds(st.startedAt, st.finishedAt ?? finishedAt);
      return { name: st.name, ...(s !== undefined ? { seconds: s } : {}) };
    }),
    ...(forced.length ? { forcedStops: forced } : {}),
  };
}

/** `history` with `entries` appended (unless already there), keeping the last `limit`. */
export function appendHistory(
  history: readonly HistoryEntry[] | undefined,
  entries: readonly HistoryEntry[],
  limit: number,
): HistoryEntry[] {
  const out = [...(history ?? [])];
  for (const e of entries) {
    if (!out.some((h) => h.startedAt === e.startedAt && h.direction === e.direction)) out.push(e);
  }
  return out.slice(-limit);
}

/** What begins the transition this pass starts. */
export function triggerOf(ctx: Ctx, drift: boolean): Trigger {
  const { o, power } = ctx;
  if (ctx.restart?.restarting) return { source: 'Restart' };
  if (drift) return { source: 'Drift' };
  if (o.spec.powerState !== 'Scheduled') return { source: 'Spec', ...(o.powerStateBy ? { by: o.powerStateBy } : {}) };
  if (power?.schedule?.source !== 'Override') return { source: 'Schedule' };
  const by = o.override?.override?.by;
  return { source: 'Override', ...(by ? { by } : {}) };
}
