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

export interface DbCredentials {
  user: string;
  password: string;
}

export interface SshCredentials {
  username: string;
  privateKey: string | Buffer;
  passphrase?: string;
}
