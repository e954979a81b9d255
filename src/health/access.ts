// How the probes reach a VM and log in: its address, and credentials read from the Secrets the spec
// names. Shared by the health runner and the gate probes (src/gates), so that both resolve an
// address the same way and both pin SSH host keys from the same known_hosts.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AcdClusterSpec, MachineSpec } from '../api/spec.js';
import { parseKnownHosts } from './known-hosts.js';
import type { Endpoint, SshCredentials } from './types.js';

/** A Secret's data, decoded; read by name only. Errors name the Secret, never its contents. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string>>;
export type VmiLookup = (namespace: string, name: string) => unknown;

export function apiSecretReader(kc: KubeConfig): SecretReader {
  const core = kc.makeApiClient(CoreV1Api);
  return async (namespace, name) => {
    try {
      const s = await core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (e) {
      const code = e instanceof ApiException ? e.code : undefined;
      throw new Error(
        code === 404
          ? `Secret ${name} not found`
          : code === 403
            ? `not allowed to read Secret ${name}`
            : `cannot read Secret ${name}`,
        { cause: e },
      );
    }
  };
}

/** The spec's host, else the first IP the VM's VMI reports. */
export function vmEndpoint(getVmi: VmiLookup, namespace: string, m: MachineSpec, port: number): Endpoint {
  if (m.host) return { vm: m.vm, host: m.host, port };
  const vmi = getVmi(namespace, m.vm) as { status?: { interfaces?: Array<{ ipAddress?: string }> } } | undefined;
  const ip = vmi?.status?.interfaces?.find((i) => i.ipAddress)?.ipAddress;
  if (!ip) throw new Error(`${m.vm} has no address: its VMI reports no IP; set spec.machines[].host`);
  return { vm: m.vm, host: ip, port };
}

/** The SSH port of a VM: its own, else spec.health.ssh.port. */
export const sshPort = (spec: AcdClusterSpec, m: MachineSpec) => m.ports?.ssh ?? spec.health.ssh.port;

/** spec.health.ssh's credentials; callers check first that the spec names the Secret. */
export async function sshCredentials(
  read: SecretReader,
  namespace: string,
  spec: AcdClusterSpec,
): Promise<SshCredentials> {
  const name = spec.health.ssh.credentialsSecret;
  if (!name) throw new Error('spec.health.ssh.credentialsSecret is not set');
  const d = await read(namespace, name);
  if (!d.username || !d['ssh-privatekey']) throw new Error(`Secret ${name} needs keys username and ssh-privatekey`);
  return {
    username: d.username,
    privateKey: d['ssh-privatekey'],
    knownHosts: parseKnownHosts(d.known_hosts ?? ''),
    insecureSkipHostKeyVerification: spec.health.ssh.insecureSkipHostKeyVerification,
  };
}
