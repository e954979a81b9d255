// The ACD's vocabulary, shared by every layer: the roles a VM carries, the two sides of a pair, the
// direction of a transition, the tiers and the health checks. A leaf: it imports nothing, so the
// plan, the decision core, the adapters and acdctl can all depend on it without a cycle.

export const ROLES = ['tel', 'jb', 'api', 'chat', 'chatbot', 'dbm', 'dbs', 'dbr', 'lb', 'store'] as const;
export type Role = (typeof ROLES)[number];
export type Side = 1 | 2;
/** On = startup, Off = shutdown. */
export type Direction = 'On' | 'Off';
/** The redundant pairs whose active side may have to be known. */
export type PairKind = 'database' | 'loadBalancer' | 'storage';
export type ActiveSides = Partial<Record<PairKind, Side>>; // a missing side = unknown
export type HealthCheckName = 'mysqlReplication' | 'pacemaker' | 'drbd' | 'systemHealth';
/** The stage tiers of the plan, in startup order. */
export const TIERS = ['store', 'lb', 'dbm', 'dbsr', 'app'] as const;
export type Tier = (typeof TIERS)[number];
/** What the operator ever does to a VM. */
export type Action = 'Start' | 'Stop' | 'ForceStop';
/** Local weekdays of a power schedule, Monday first (ISO 8601). */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** What spec.powerState may say: a direction, or follow spec.schedule. */
export type PowerState = Direction | 'Scheduled';
