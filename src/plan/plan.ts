import { startupChecks } from './checks.js';
import { ActiveSideUnknownError } from './errors.js';
import { sortNatural } from './natural-sort.js';
import { missingActiveSides } from './pairs.js';
import { buildStageDrafts, type StageDraft } from './stage-drafts.js';
import type { ActiveSides, Direction, Gate, Machine, Plan, Stage, Tier } from './types.js';
import { assertValidMachines } from './validate.js';

const TIER_LABEL: Record<Tier, string> = { store: 'store', lb: 'lb', dbm: 'dbm', dbsr: 'dbs/dbr', app: 'app' };

function stageName(draft: StageDraft): string {
  const label = TIER_LABEL[draft.tier];
  return draft.side === undefined ? `${label} tier` : `${label} side ${draft.side} (${draft.activeness})`;
}

function gateOf(draft: StageDraft, index: number, drafts: readonly StageDraft[], direction: Direction): Gate {
  // Nothing follows the last stage, so the transition itself must wait for it.
  if (direction === 'On' || index === drafts.length - 1) return 'Completed';
  // "You do not have to wait until acd-tel and acd-jbN are down before ..."
  if (draft.tier === 'app') return 'Initiated';
  // "shutting acd-dbs1/dbr1 and acd-dbs2/dbr2 down simultaneously, but in correct order.
  //  Wait until acd-dbs1/dbr1 and acd-dbs2/dbr2 are down until shutting acd-dbm1 down."
  const next = drafts[index + 1];
  if (draft.tier === 'dbsr' && next?.tier === 'dbsr') return 'Initiated';
  return 'Completed';
}

/**
 * Orders the power transition of a jtel ACD as the runbook prescribes.
 * Throws ActiveSideUnknownError if a redundant pair exists whose active side is not given,
 * and InvalidMachinesError for lists where a VM could not land in exactly one stage.
 */
export function planTransition(machines: Machine[], active: ActiveSides, direction: Direction): Plan {
  assertValidMachines(machines);
  const missing = missingActiveSides(machines, active);
  if (missing.length > 0) throw new ActiveSideUnknownError(missing, direction);

  const drafts = buildStageDrafts(machines, active, direction);
  const checks = direction === 'On' ? startupChecks(drafts, machines) : drafts.map(() => []);

  // "Only start the next step if the previous shutdown was completed successfully": what an Initiated
  // stage did not wait for is owed by the next Completed stage.
  let unawaited: string[] = [];
  const stages = drafts.map((draft, index): Stage => {
    const gate = gateOf(draft, index, drafts, direction);
    unawaited.push(...draft.vms);
    const awaits = gate === 'Completed' ? sortNatural(unawaited) : [];
    if (gate === 'Completed') unawaited = [];
    const stage: Stage = {
      index,
      name: stageName(draft),
      tier: draft.tier,
      ...(draft.side === undefined ? {} : { side: draft.side }),
      vms: draft.vms,
      gate,
      awaits,
      checks: checks[index] ?? [],
    };
    return stage;
  });
  return { direction, stages };
}
