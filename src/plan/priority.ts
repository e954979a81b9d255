import type { Direction, Role, Tier } from './types.js';

// The seed's priority table ("Shutdown Priority" / "Startup Priority"), transcribed as ranks:
// First = 1 ... Last = 5. Everything about tiers is derived from this one table.
const ROLE_PRIORITY: Record<Role, { shutdown: number; startup: number }> = {
  dbm: { shutdown: 3, startup: 3 },
  dbs: { shutdown: 2, startup: 4 },
  dbr: { shutdown: 2, startup: 4 },
  lb: { shutdown: 4, startup: 2 },
  store: { shutdown: 5, startup: 1 },
  tel: { shutdown: 1, startup: 5 },
  jb: { shutdown: 1, startup: 5 },
  api: { shutdown: 1, startup: 5 },
  chat: { shutdown: 1, startup: 5 },
  chatbot: { shutdown: 1, startup: 5 },
};

const ROLE_TIER: Record<Role, Tier> = {
  store: 'store',
  lb: 'lb',
  dbm: 'dbm',
  dbs: 'dbsr',
  dbr: 'dbsr',
  tel: 'app',
  jb: 'app',
  api: 'app',
  chat: 'app',
  chatbot: 'app',
};

export function tierOfRole(role: Role): Tier {
  return ROLE_TIER[role];
}

const rank = (role: Role, direction: Direction): number =>
  direction === 'On' ? ROLE_PRIORITY[role].startup : ROLE_PRIORITY[role].shutdown;

/**
 * A multi-role VM must be up for its first-starting role and stay up for its last-stopping role:
 * earliest role on startup, latest role on shutdown. Undefined only for a VM without roles.
 */
export function tierOfRoles(roles: readonly Role[], direction: Direction): Tier | undefined {
  let chosen: Role | undefined;
  for (const role of roles) {
    // Unvalidated input (requiredActiveSides may see raw spec data) must not crash the lookup.
    if (!Object.hasOwn(ROLE_PRIORITY, role)) continue;
    if (chosen === undefined) chosen = role;
    else if (direction === 'On' ? rank(role, 'On') < rank(chosen, 'On') : rank(role, 'Off') > rank(chosen, 'Off'))
      chosen = role;
  }
  return chosen === undefined ? undefined : ROLE_TIER[chosen];
}

function tierRank(tier: Tier, direction: Direction): number {
  const role = (Object.keys(ROLE_TIER) as Role[]).find((r) => ROLE_TIER[r] === tier) as Role;
  return rank(role, direction);
}

const ALL_TIERS: readonly Tier[] = ['store', 'lb', 'dbm', 'dbsr', 'app'];

/** Tiers in the order they are commanded for the given direction. */
export function tiersInOrder(direction: Direction): Tier[] {
  return [...ALL_TIERS].sort((a, b) => tierRank(a, direction) - tierRank(b, direction));
}
