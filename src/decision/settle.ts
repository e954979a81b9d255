// spec.settle: a pause after a startup stage has passed its gate, before the next stage begins. Its
// end is recorded in the stage's status (settleUntil) by the write that completes the gate, so an
// operator restarted meanwhile waits out what is left of it: never all of it again, never none.
import { parseDuration } from '../api/duration.js';
import type { Tier } from '../api/domain.js';
import type { StageStatus } from '../api/status.js';
import type { Ctx } from './types.js';

/** The settle time spec.settle gives a stage of `tier`, in ms (0: none); of two entries, the longer. */
export function settleMs(ctx: Ctx, tier: Tier): number {
  const delays = (ctx.o.spec.settle ?? []).filter((s) => s.tier === tier).map((s) => parseDuration(s.delay));
  return Math.max(0, ...delays);
}

/**
 * Called as a stage's gate passes, when a stage follows it: records when that stage may begin.
 * Once: a stage that already has a settleUntil keeps it (a later pass, or the gate passed again
 * after a VM fell back, never moves it).
 */
export function beginSettle(ctx: Ctx, st: StageStatus, tier: Tier): void {
  if (ctx.target !== 'On' || st.settleUntil !== undefined) return;
  const ms = settleMs(ctx, tier);
  if (ms > 0) st.settleUntil = new Date(Date.parse(ctx.now) + ms).toISOString();
}

/** How long the stage after `st` must still wait; 0 once the settle is over (or there is none). */
export function settleLeftMs(ctx: Ctx, st: StageStatus): number {
  if (ctx.target !== 'On' || st.settleUntil === undefined) return 0;
  const left = Date.parse(st.settleUntil) - Date.parse(ctx.now);
  return Number.isFinite(left) && left > 0 ? left : 0;
}

export const settleMessage = (until: string) => `settling until ${until} (spec.settle)`;
