// Endpoints and credentials of the running services, in the shapes the health checks take.
import { readFileSync } from 'node:fs';
import type { DbCredentials, Endpoint, SshCredentials } from '../../src/health/types.js';
import { parseKnownHosts } from '../../src/health/known-hosts.js';
import { instance } from './mariadb.js';
import { knownHostsOf } from './sshd.js';
import type { ServicesState } from './state.js';

export function dbEndpoint(state: ServicesState, name: string, vm: string): Endpoint {
  return { vm, host: state.mariadb.host, port: instance(state.mariadb, name).port };
}

export function dbCredentials(state: ServicesState): DbCredentials {
  return { user: state.mariadb.monitor.user, password: state.mariadb.monitor.password };
}

/** The sshd's simulated nodes (node1, node2, ...) under the VM names a test wants. */
export function sshEndpoints(state: ServicesState, vms: string[]): Endpoint[] {
  return vms.map((vm, i) => {
    const port = state.sshd.nodes[`node${i + 1}`];
    if (port === undefined) throw new Error(`sshd has no node${i + 1}`);
    return { vm, host: state.sshd.host, port };
  });
}

/** The key that selects `scenario` (see sshd.ts standardScenarios). */
export function sshCredentials(state: ServicesState, scenario: string): SshCredentials {
  const key = state.sshd.keys[scenario];
  if (!key) throw new Error(`sshd has no scenario ${scenario}`);
  return {
    username: state.sshd.username,
    privateKey: readFileSync(key, 'utf8'),
    knownHosts: parseKnownHosts(knownHostsOf(state.sshd)),
  };
}
