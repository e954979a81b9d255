import { tierOfRoles } from './priority.js';
import type { ActiveSides, Machine, PairKind, Side, Tier } from './types.js';

// dbs/dbr replicate from the master on their own side, so both database tiers follow one active side.
const PAIR_KIND_OF_TIER: Record<Tier, PairKind | undefined> = {
  store: 'storage',
  lb: 'loadBalancer',
  dbm: 'database',
  dbsr: 'database',
  app: undefined, // tel/jb/api/chat have no active/passive role, so their side means nothing to the order
};

const PAIR_KIND_ORDER: readonly PairKind[] = ['database', 'loadBalancer', 'storage'];

export function pairKindOfTier(tier: Tier): PairKind | undefined {
  return PAIR_KIND_OF_TIER[tier];
}

/** A machine's side only orders it when its tier has an active side to be measured against. */
export function isSidedInTier(machine: Machine, tier: Tier): boolean {
  return machine.side !== undefined && pairKindOfTier(tier) !== undefined;
}

/** Which redundant pairs exist, i.e. whose active side the caller must resolve before planning. */
export function requiredActiveSides(machines: readonly Machine[]): PairKind[] {
  const present = new Set<PairKind>();
  for (const machine of machines) {
    const tier = tierOfRoles(machine.roles, 'On');
    if (tier === undefined || machine.side === undefined) continue;
    const kind = pairKindOfTier(tier);
    if (kind !== undefined) present.add(kind);
  }
  return PAIR_KIND_ORDER.filter((kind) => present.has(kind));
}

const isSide = (value: unknown): value is Side => value === 1 || value === 2;

/** Required pairs whose active side is unknown (or not a valid side, which is no better than unknown). */
export function missingActiveSides(machines: readonly Machine[], active: ActiveSides): PairKind[] {
  return requiredActiveSides(machines).filter((kind) => !isSide(active[kind]));
}
