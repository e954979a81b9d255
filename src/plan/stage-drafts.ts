import { sortNatural } from './natural-sort.js';
import { pairKindOfTier } from './pairs.js';
import { tierOfRoles, tiersInOrder } from './priority.js';
import type { ActiveSides, Direction, Machine, Side, Tier } from './types.js';

/** A stage before gates, awaits and checks are decided: which VMs move together. */
export interface StageDraft {
  tier: Tier;
  side?: Side;
  activeness?: 'active' | 'inactive';
  vms: string[];
}

const otherSide = (side: Side): Side => (side === 1 ? 2 : 1);

function sideDrafts(tier: Tier, members: readonly Machine[], activeSide: Side, direction: Direction): StageDraft[] {
  // A machine without a side has no partner to fail over to, so it is treated like the side that serves traffic.
  const onActive = members.filter((m) => m.side === undefined || m.side === activeSide);
  const onInactive = members.filter((m) => m.side !== undefined && m.side !== activeSide);
  const activeDraft: StageDraft = {
    tier,
    side: activeSide,
    activeness: 'active',
    vms: sortNatural(onActive.map((m) => m.vm)),
  };
  const inactiveDraft: StageDraft = {
    tier,
    side: otherSide(activeSide),
    activeness: 'inactive',
    vms: sortNatural(onInactive.map((m) => m.vm)),
  };
  // "the inactive machines are shutdown first"; startup mirrors it ("Start acd-dbm2 ... Start acd-dbm1" with dbm2
  // active).
  const ordered = direction === 'On' ? [activeDraft, inactiveDraft] : [inactiveDraft, activeDraft];
  return ordered.filter((draft) => draft.vms.length > 0);
}

/**
 * Groups machines into stages: tiers in priority-table order, and within a redundant tier one stage per side.
 * Callers must have checked that every needed active side is known.
 */
export function buildStageDrafts(
  machines: readonly Machine[],
  active: ActiveSides,
  direction: Direction,
): StageDraft[] {
  const drafts: StageDraft[] = [];
  for (const tier of tiersInOrder(direction)) {
    const members = machines.filter((m) => tierOfRoles(m.roles, direction) === tier);
    if (members.length === 0) continue;
    const kind = pairKindOfTier(tier);
    const activeSide = kind === undefined ? undefined : active[kind];
    const paired = activeSide !== undefined && members.some((m) => m.side !== undefined);
    if (paired) drafts.push(...sideDrafts(tier, members, activeSide, direction));
    else drafts.push({ tier, vms: sortNatural(members.map((m) => m.vm)) });
  }
  return drafts;
}
