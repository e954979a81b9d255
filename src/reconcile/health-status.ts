// Health in status: results of this pass's checks, the Healthy / Degraded conditions, and the
// periodic re-check while the ACD is On.
import type { AcdClusterStatus, Condition, Transition } from '../api/status.js';
import { anyCheckOn } from '../api/checks-on.js';
import { parseDuration } from '../api/duration.js';
import type { Decision } from './policy.js';
import type { WalkResult } from './walk.js';
import { setCondition } from './conditions.js';
import { elapsed, type Ctx } from './context.js';

/** Health results of this pass go into status.health (the conditions are healthConditions'). */
export function recordHealth(ctx: Ctx, status: AcdClusterStatus): void {
  const { o, now } = ctx;
  if (!o.health) return;
  const fresh = Object.entries(o.health).map(([name, r]) => ({ name, healthy: r!.healthy, message: r!.message, checkedAt: now }));
  status.health = [...(status.health ?? []).filter((h) => !fresh.some((f) => f.name === h.name)), ...fresh];
}

/**
 * The one owner of Healthy and Degraded, on every pass: the verdict of the checks that ran in it;
 * while the ACD is Off and none ran, Unknown; else the last verdict, stamped with this generation.
 * Degraded is an On ACD whose last verdict is a failure.
 */
export function healthConditions(ctx: Ctx, list: Condition[], running: boolean, power: string): Condition[] {
  const { o, now, target } = ctx;
  const gen = o.generation;
  const ran = Object.entries(o.health ?? {});
  const previous = list.find((x) => x.type === 'Healthy');
  let c = list;
  if (ran.length) {
    const bad = ran.filter(([, r]) => !r!.healthy);
    const lines = (rs: typeof ran) => rs.map(([k, r]) => `${k}: ${r!.message}`).join('; ');
    c = setCondition(c, 'Healthy', bad.length ? 'False' : 'True', bad.length ? 'ChecksFailed' : 'ChecksPassed', lines(bad.length ? bad : ran), gen, now);
  } else if (!running && target === 'Off' && power === 'Off') {
    c = setCondition(c, 'Healthy', 'Unknown', 'PoweredOff', 'no checks run while the ACD is Off', gen, now);
  } else if (previous) {
    c = setCondition(c, 'Healthy', previous.status, previous.reason, previous.message, gen, now);
  } else {
    c = setCondition(c, 'Healthy', 'Unknown', 'NotChecked', 'no health check has run', gen, now);
  }
  const healthy = c.find((x) => x.type === 'Healthy')!;
  const degraded = !running && target === 'On' && healthy.status === 'False';
  c = setCondition(c, 'Degraded', degraded ? 'True' : 'False', degraded ? 'ChecksFailed' : 'NotDegraded',
    degraded ? healthy.message : 'no check is failing while On', gen, now);
  // A warning for as long as the opt-out is on: the SSH checks then trust whoever answers.
  const ssh = o.spec.health.ssh;
  const insecure = ssh.insecureSkipHostKeyVerification;
  return setCondition(c, 'HostKeysUnverified', insecure ? 'True' : 'False',
    insecure ? 'InsecureSkipHostKeyVerification' : 'HostKeysPinned',
    insecure
      ? 'spec.health.ssh.insecureSkipHostKeyVerification is true: any SSH host key is accepted, so whoever answers on a VM\'s address receives the operator\'s login and can forge Pacemaker and DRBD health'
      : 'SSH host keys are checked against the known_hosts of the credentials Secret', gen, now);
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

