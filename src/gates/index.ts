// spec.gates' I/O: the GateProbes port (types.ts) on HTTP, Prometheus, SSH and Jobs.
import type { KubeConfig } from '@kubernetes/client-node';
import { apiSecretReader, type VmiLookup } from '../health/access.js';
import { runOverSsh } from '../health/ssh.js';
import { apiJobClient } from './job-client.js';
import { ClusterGateProbes } from './probes.js';
import type { GateProbes } from './types.js';

export type { GateActionOutcome, GateCheckOutcome, GateProbes } from './types.js';
export { ClusterGateProbes, type GateProbeDeps } from './probes.js';

/** The probes for the operator: Secrets and Jobs through `kc`, VM addresses from the VMI cache. */
export function makeGateProbes(kc: KubeConfig, getVmi: VmiLookup): GateProbes {
  return new ClusterGateProbes({
    readSecret: apiSecretReader(kc),
    getVmi,
    jobs: apiJobClient(kc),
    runSsh: runOverSsh,
  });
}
