export const ROLES = ['tel', 'jb', 'api', 'chat', 'chatbot', 'dbm', 'dbs', 'dbr', 'lb', 'store'] as const;
export type Role = typeof ROLES[number];
export type Side = 1 | 2;
export interface Machine { vm: string; roles: Role[]; side?: Side }
export interface ActiveSides { database?: Side; loadBalancer?: Side; storage?: Side } // undefined = unknown
export type Direction = 'On' | 'Off'; // On = startup, Off = shutdown
export type Gate = 'Completed' | 'Initiated';
export type HealthCheckName = 'mysqlReplication' | 'pacemaker' | 'drbd' | 'systemHealth';
export type Tier = 'store' | 'lb' | 'dbm' | 'dbsr' | 'app';
export interface Stage {
  index: number; // 0-based
  name: string; // human, e.g. "store side 2 (active)", "app tier", "dbs/dbr side 1 (inactive)"
  tier: Tier;
  side?: Side;
  vms: string[]; // sorted, VMs commanded in this stage
  gate: Gate; // Completed: next stage waits for `awaits`; Initiated: next stage may begin once commands are issued
  awaits: string[]; // VMs that must reach the target before the NEXT stage may start; [] for Initiated
  checks: HealthCheckName[]; // health checks that must pass before the next stage (or before the transition ends, for the last stage)
}
export interface Plan { direction: Direction; stages: Stage[] }
export type Sizing =
  | 'SmallV1' | 'SmallV2' | 'SmallV3'
  | 'MediumV1' | 'MediumV2'
  | 'LargeV1' | 'LargeV2' | 'LargeV3'
  | 'Custom';

/** The redundant pairs whose active side must be known; keys of ActiveSides. */
export type PairKind = keyof ActiveSides;
