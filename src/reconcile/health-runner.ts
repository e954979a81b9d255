import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdCluster } from '../api/types.js';
import type { VmView } from '../kubevirt/vm.js';
import type { HealthCheckName, Tier } from '../plan/types.js';
import type { DetectedSides } from './active.js';
import type { CheckOutcome } from './policy.js';

/** The seam between the reconciler and src/health: runs named checks, detects active sides. */
export interface HealthRunner {
  run(obj: AcdCluster, spec: AcdClusterSpec, vms: ReadonlyMap<string, VmView>, checks: HealthCheckName[], tier?: Tier): Promise<Partial<Record<HealthCheckName, CheckOutcome>>>;
  detectActive(obj: AcdCluster, spec: AcdClusterSpec, vms: ReadonlyMap<string, VmView>): Promise<DetectedSides | undefined>;
}
