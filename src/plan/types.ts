import type { Direction, HealthCheckName, Role, Side, Tier } from '../api/domain.js';

// The shared vocabulary lives in the api leaf; the plan re-exports it as part of its own API.
export { ROLES } from '../api/domain.js';
export type { ActiveSides, Direction, HealthCheckName, PairKind, Role, Side, Tier } from '../api/domain.js';

export interface Machine {
  vm: string;
  roles: Role[];
  side?: Side;
}
export type Gate = 'Completed' | 'Initiated';
export interface Stage {
  index: number; // 0-based
  name: string; // human, e.g. "store side 2 (active)", "app tier", "dbs/dbr side 1 (inactive)"
  tier: Tier;
  side?: Side;
  vms: string[]; // sorted, VMs commanded in this stage
  gate: Gate; // Completed: next stage waits for `awaits`; Initiated: next stage may begin once commands are issued
  awaits: string[]; // VMs that must reach the target before the NEXT stage may start; [] for Initiated
  // health checks that must pass before the next stage (or before the transition ends, for the last stage)
  checks: HealthCheckName[];
}
export interface Plan {
  direction: Direction;
  stages: Stage[];
}
export type Sizing =
  'SmallV1' | 'SmallV2' | 'SmallV3' | 'MediumV1' | 'MediumV2' | 'LargeV1' | 'LargeV2' | 'LargeV3' | 'Custom';
