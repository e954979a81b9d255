import type { KnownHost } from './known-hosts.js';

/** Outcome of one health check. Checks never throw: every failure becomes `healthy: false`. */
export interface CheckResult {
  healthy: boolean;
  message: string;
  details: Record<string, unknown>;
}

/** A VM of the ACD, addressed by the host/port the operator reaches it on. */
export interface Endpoint {
  vm: string;
  host: string;
  port?: number;
}

export type MysqlTlsMode = 'Disabled' | 'Preferred' | 'Required' | 'VerifyCA' | 'VerifyIdentity';

export interface DbCredentials {
  user: string;
  password: string;
  /** How the connection that carries the password is protected; absent = Preferred. */
  tls?: { mode: MysqlTlsMode; ca?: string; caSecret?: string };
}

export interface SshCredentials {
  username: string;
  privateKey: string | Buffer;
  passphrase?: string;
  /** The host keys a VM may present (the credentials Secret's known_hosts); any other fails the check. */
  knownHosts: readonly KnownHost[];
  /** spec.health.ssh.insecureSkipHostKeyVerification: accept any host key (a Warning condition says so). */
  insecureSkipHostKeyVerification?: boolean;
}
