import type { StageDraft } from './stage-drafts.js';
import type { HealthCheckName, Machine, Tier } from './types.js';

const CHECK_ORDER: readonly HealthCheckName[] = ['mysqlReplication', 'pacemaker', 'drbd', 'systemHealth'];
const DATABASE_ROLES = new Set(['dbm', 'dbs', 'dbr']);

const isPaired = (draft: StageDraft): boolean => draft.side !== undefined;

function lastIndexWhere(drafts: readonly StageDraft[], predicate: (draft: StageDraft) => boolean): number {
  for (let i = drafts.length - 1; i >= 0; i--) if (predicate(drafts[i] as StageDraft)) return i;
  return -1;
}

const lastPairedStageOf = (drafts: readonly StageDraft[], tier: Tier): number =>
  lastIndexWhere(drafts, (d) => d.tier === tier && isPaired(d));

/**
 * Startup only ("Startup Dependencies for Large Systems"): shutting redundant clusters down is easy,
 * bringing them back needs proof that the partners found each other before anything leans on them.
 */
export function startupChecks(drafts: readonly StageDraft[], machines: readonly Machine[]): HealthCheckName[][] {
  const checks = drafts.map(() => new Set<HealthCheckName>());
  const add = (index: number, ...names: HealthCheckName[]): void => {
    if (index >= 0) names.forEach((name) => checks[index]?.add(name));
  };

  // "the pcs cluster and drbd replication status must be checked on all pcs cluster members"
  add(lastPairedStageOf(drafts, 'store'), 'pacemaker', 'drbd');
  // "the pcs cluster status must be checked on all pcs cluster members"
  add(lastPairedStageOf(drafts, 'lb'), 'pacemaker');

  // "check the MySQL replication status after it is up" / "replication status must be checked on all
  // replication partners": partners exist once database roles live on two or more VMs. Counting VMs by role,
  // not by tier, also catches a master co-hosted on a storage VM replicating to a separate dbs.
  const databaseVms = new Set(machines.filter((m) => m.roles.some((r) => DATABASE_ROLES.has(r))).map((m) => m.vm));
  if (databaseVms.size >= 2)
    add(
      lastIndexWhere(drafts, (d) => d.vms.some((vm) => databaseVms.has(vm))),
      'mysqlReplication',
    );

  // "To ensure proper system functionality after a boot, tests are required ... System Health Check"
  add(drafts.length - 1, 'systemHealth');

  return checks.map((set) => CHECK_ORDER.filter((name) => set.has(name)));
}
