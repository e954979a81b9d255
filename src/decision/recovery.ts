// Ordered recovery: while the ACD is On under spec.recovery Ordered, VMs that went down without a
// command of ours (a crash, a host power loss) are brought back by a Recovery transition, the startup
// plan from the current state with every health gate. The runbook exists to prevent an uncontrolled
// startup, and that is what KubeVirt does after an outage with VMs it restarts by itself. Recoveries
// back off (30 s, 1 m, 2 m, ... 5 m apart), and the sixth within an hour is a crash loop: Stalled,
// until the hour is over or the spec changes. Pure.
import type { RecoveryStatus, Transition } from '../api/status.js';
import type { Blocker, Ctx } from './types.js';
import { backoffMs, worldAtTarget } from './context.js';
import { isUpFor } from './vm-state.js';

export const RECOVERY_WINDOW_MS = 60 * 60_000;
/** Recoveries allowed within RECOVERY_WINDOW_MS; one more is a crash loop. */
export const RECOVERY_LIMIT = 5;

/** A finished On transition whose VMs are no longer all up, under Ordered: a recovery is due. */
export function recoveryDue(ctx: Ctx, prev: Transition | undefined): boolean {
  const { o, target } = ctx;
  if (o.spec.recovery !== 'Ordered' || target !== 'On' || ctx.restart?.restarting) return false;
  return prev?.finishedAt !== undefined && prev.direction === 'On' && !worldAtTarget(o, 'On');
}

/** The recoveries that count now: the window, unless it is over or the spec changed since. */
function current(ctx: Ctx): RecoveryStatus | undefined {
  const r = ctx.o.status.recovery;
  if (!r || r.generation !== ctx.o.generation) return undefined;
  return ctx.o.now.getTime() - Date.parse(r.windowStart) >= RECOVERY_WINDOW_MS ? undefined : r;
}

/** Why the due recovery may not begin yet (its back-off, a crash loop), and when to look again. */
export function recoveryHold(ctx: Ctx): { blocker: Blocker; wakeAt: Date } | undefined {
  const r = current(ctx);
  if (!r) return undefined;
  const down = downVms(ctx).join(', ');
  if (r.count >= RECOVERY_LIMIT) {
    const wakeAt = new Date(Date.parse(r.windowStart) + RECOVERY_WINDOW_MS);
    const message =
      `${down} down again after ${r.count} recoveries since ${r.windowStart}: a crash loop; nothing is started ` +
      `until ${wakeAt.toISOString()} or a change of the spec`;
    // Said once, when the loop is first seen; the Stalled condition says it for as long as it lasts.
    const stalledBefore = ctx.o.status.conditions?.find((c) => c.type === 'Stalled')?.reason === 'RecoveryCrashLoop';
    if (!stalledBefore) ctx.events.push({ type: 'Warning', reason: 'RecoveryCrashLoop', message });
    return { blocker: { kind: 'Stalled', reason: 'RecoveryCrashLoop', message }, wakeAt };
  }
  const wakeAt = new Date(Date.parse(r.lastAt) + backoffMs(r.count));
  if (wakeAt.getTime() <= ctx.o.now.getTime()) return undefined;
  const message = `${down} went down while On; recovery ${r.count + 1} begins at ${wakeAt.toISOString()} (back-off)`;
  return { blocker: { kind: 'Held', reason: 'RecoveryBackoff', message }, wakeAt };
}

/** status.recovery once a recovery begins now. */
export function recoveryBegun(ctx: Ctx): RecoveryStatus {
  const r = current(ctx);
  return {
    count: (r?.count ?? 0) + 1,
    windowStart: r?.windowStart ?? ctx.now,
    lastAt: ctx.now,
    generation: ctx.o.generation,
  };
}

/** The ACD's VMs that are not up, in spec order. */
export const downVms = (ctx: Ctx) =>
  ctx.o.spec.machines
    .filter((m) => {
      const vm = ctx.o.vms.get(m.vm);
      return !vm || !isUpFor(vm, ctx.o.spec.readiness);
    })
    .map((m) => m.vm);
