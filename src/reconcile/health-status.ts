// Health in status: results of this pass's checks, the Healthy / Degraded conditions, and the
// periodic re-check while the ACD is On.
import type { AcdClusterStatus, Transition } from '../api/status.js';
import { anyCheckOn } from '../api/checks-on.js';
import { parseDuration } from '../api/duration.js';
import type { Decision } from './policy.js';
import type { WalkResult } from './walk.js';
import { setCondition } from './conditions.js';
import { elapsed, type Ctx } from './context.js';

/** Health results of this pass go into status.health and the Healthy / Degraded conditions. */
export function recordHealth(ctx: Ctx, status: AcdClusterStatus, t: Transition | undefined): void {
  const { o, now, target } = ctx;
  const running = t !== undefined && !t.finishedAt;
  let c = status.conditions ?? [];
  if (o.health) {
    const fresh = Object.entries(o.health).map(([name, r]) => ({ name, healthy: r!.healthy, message: r!.message, checkedAt: now }));
    const health = [...(status.health ?? []).filter((h) => !fresh.some((f) => f.name === h.name)), ...fresh];
    status.health = health;
    const bad = fresh.filter((h) => !h.healthy);
    c = setCondition(c, 'Healthy', bad.length ? 'False' : 'True', bad.length ? 'ChecksFailed' : 'ChecksPassed',
      bad.length ? bad.map((h) => `${h.name}: ${h.message}`).join('; ') : fresh.map((h) => `${h.name}: ${h.message}`).join('; '), o.generation, now);
  } else if (!running && target === 'Off' && status.power === 'Off') {
    c = setCondition(c, 'Healthy', 'Unknown', 'PoweredOff', 'no checks run while the ACD is Off', o.generation, now);
  }
  const healthy = c.find((x) => x.type === 'Healthy');
  const degraded = !running && target === 'On' && healthy?.status === 'False';
  c = setCondition(c, 'Degraded', degraded ? 'True' : 'False', degraded ? 'ChecksFailed' : 'NotDegraded', degraded ? healthy!.message : 'no check is failing while On', o.generation, now);
  status.conditions = c;
}

/** While On, the checks re-run every spec.health.interval; they never touch a VM. */
export function periodicCheck(ctx: Ctx, status: AcdClusterStatus, t: Transition | undefined, r: WalkResult): Pick<Decision, 'runChecks' | 'checkTier' | 'requeueAfterMs'> | undefined {
  const { o, now, target } = ctx;
  if (target !== 'On' || status.power !== 'On' || (t && !t.finishedAt) || r.commands.length || r.runChecks) return undefined;
  // With no check on, every interval would only stamp 'skipped' results with a new time: a status
  // write per ACD per minute for nothing (bench, 100 ACDs idle: 100 PUTs a minute).
  if (!anyCheckOn(o.spec.health)) return undefined;
  const interval = parseDuration(o.spec.health.interval);
  const last = status.health?.find((h) => h.name === 'systemHealth')?.checkedAt;
  const dueIn = last ? interval - elapsed(now, last) : 0;
  if (dueIn > 0) return { requeueAfterMs: dueIn };
  if (o.health) return { requeueAfterMs: interval };
  return { runChecks: ['systemHealth'], checkTier: 'app' };
}

