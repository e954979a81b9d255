// Which health checks a spec turns on, and if not, why. Read by the check runner (a 'skipped: …'
// result in status) and by the periodic re-check (nothing to re-check when no check is on): one
// predicate, so that the two cannot drift apart.
import type { AcdClusterSpec } from './spec.js';

export type SwitchableCheck = 'mysqlReplication' | 'pacemaker' | 'drbd';
const SWITCHABLE: readonly SwitchableCheck[] = ['mysqlReplication', 'pacemaker', 'drbd'];

/** Why the spec keeps `check` from running, or undefined when it may run. */
export function whyCheckOff(h: AcdClusterSpec['health'], check: SwitchableCheck): string | undefined {
  if (check === 'mysqlReplication') {
    if (!h.mysql.enabled) return 'spec.health.mysql.enabled is false';
    if (!h.mysql.credentialsSecret) return 'spec.health.mysql.credentialsSecret is not set';
    return undefined;
  }
  if (!h[check].enabled) return `spec.health.${check}.enabled is false`;
  if (!h.ssh.credentialsSecret) return 'spec.health.ssh.credentialsSecret is not set';
  return undefined;
}

export function anyCheckOn(h: AcdClusterSpec['health']): boolean {
  return SWITCHABLE.some((c) => whyCheckOff(h, c) === undefined);
}
