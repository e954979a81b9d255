// Health in status: results of this pass's checks (the Healthy and Degraded conditions are
// condition-owners.ts'), and the periodic re-check while the ACD is On.
import type { AcdClusterStatus, Transition } from '../api/status.js';
import { anyCheckOn } from '../api/checks-on.js';
import { parseDuration } from '../api/duration.js';
import type { Ctx, Decision } from './types.js';
import type { WalkResult } from './walk.js';
import { elapsed } from './context.js';

/** Health results of this pass go into status.health. */
export function recordHealth(ctx: Ctx, status: AcdClusterStatus): void {
  const { o, now } = ctx;
  if (!o.health) return;
  const fresh = Object.entries(o.health).map(([name, r]) => ({
    name,
    healthy: r.healthy,
    message: r.message,
    checkedAt: now,
  }));
  status.health = [...(status.health ?? []).filter((h) => !fresh.some((f) => f.name === h.name)), ...fresh];
}

/** While On, the checks re-run every spec.health.interval; they never touch a VM. */
export function periodicCheck(
  ctx: Ctx,
  status: AcdClusterStatus,
  t: Transition | undefined,
  r: WalkResult,
): Pick<Decision, 'runChecks' | 'checkTier' | 'requeueAfterMs'> | undefined {
  const { o, now, target } = ctx;
  if (target !== 'On' || status.power !== 'On' || (t && !t.finishedAt) || r.commands.length || r.runChecks)
    return undefined;
  // With no check on, every interval would only stamp 'skipped' results with a new time: a status
  // write per ACD per interval for nothing.
  if (!anyCheckOn(o.spec.health)) return undefined;
  const interval = parseDuration(o.spec.health.interval);
  const last = status.health?.find((h) => h.name === 'systemHealth')?.checkedAt;
  const dueIn = last ? interval - elapsed(now, last) : 0;
  if (dueIn > 0) return { requeueAfterMs: dueIn };
  if (o.health) return { requeueAfterMs: interval };
  return { runChecks: ['systemHealth'], checkTier: 'app' };
}
