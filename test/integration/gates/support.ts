// Shared by the gate integration tests: loopback HTTP servers (test/support/loopback.ts), a fake
// Secret reader (the probes read Secrets by name; no API server is needed for that), and probes
// wired to the real SSH client.
import { AfterOnGateSchema, type Gate } from '../../../src/api/gates.js';
import { SpecSchema, type AcdClusterSpec } from '../../../src/api/spec.js';
import type { AcdCluster } from '../../../src/api/types.js';
import type { SecretReader } from '../../../src/health/access.js';
import { runOverSsh } from '../../../src/health/ssh.js';
import { ClusterGateProbes } from '../../../src/gates/probes.js';

export { loopback, type Loopback, type Reply, type Seen } from '../../support/loopback.js';

export const obj: AcdCluster = { metadata: { name: 'acd', namespace: 'cc', uid: 'u1' } };

/** Secrets by name in namespace cc; a read of any other is the error the API reader would give. */
export function fakeSecrets(secrets: Record<string, Record<string, string>>): SecretReader & { reads: string[] } {
  const reads: string[] = [];
  const read = async (namespace: string, name: string) => {
    reads.push(`${namespace}/${name}`);
    const s = namespace === 'cc' ? secrets[name] : undefined;
    if (!s) throw new Error(`Secret ${name} not found`);
    return { ...s };
  };
  return Object.assign(read, { reads });
}

export function probes(readSecret: SecretReader): ClusterGateProbes {
  const noJobs = () => Promise.reject(new Error('no Job in these tests'));
  return new ClusterGateProbes({
    readSecret,
    getVmi: () => undefined,
    jobs: { read: noJobs, create: noJobs, remove: noJobs },
    runSsh: runOverSsh,
  });
}

export function specWith(extra: Record<string, unknown> = {}): AcdClusterSpec {
  return SpecSchema.parse({
    powerState: 'On',
    machines: [{ vm: 'acd-tel1', roles: ['tel'], host: '127.0.0.1' }],
    health: { checkTimeout: '2s' },
    ...extra,
  });
}

export const gate = (g: Record<string, unknown>): Gate => AfterOnGateSchema.parse({ name: 'g', ...g });
