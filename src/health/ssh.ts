import ssh2 from 'ssh2';
import { hostName, verifyHostKey, type HostKeyVerdict } from './known-hosts.js';
import type { Endpoint, SshCredentials } from './types.js';
import { errorText, redact } from './util.js';

export interface SshResult {
  /** Remote exit code; null when the command did not run to completion (connect/auth/timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the transport failed or timed out; never contains key material. */
  error?: string;
  timedOut?: boolean;
}

// A health probe never needs more; a runaway remote command must not fill the operator's memory.
const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * Runs one command on a VM and collects its output. Never throws. The whole exchange (TCP connect,
 * handshake, auth, command) shares one deadline, after which the connection is torn down so no
 * session lingers on the VM.
 */
export function runOverSsh(
  endpoint: Endpoint,
  credentials: SshCredentials,
  command: string,
  timeoutMs: number,
): Promise<SshResult> {
  return new Promise<SshResult>((resolve) => {
    const client = new ssh2.Client();
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (r: SshResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        client.end();
        client.destroy();
      } catch {
        // Already closed.
      }
      resolve(redact(r, [credentials.passphrase, credentials.privateKey]));
    };
    const where = `${endpoint.vm} (${endpoint.host}:${endpoint.port ?? 22})`;
    const timer = setTimeout(
      () =>
        finish({
          code: null,
          stdout,
          stderr,
          timedOut: true,
          error: `ssh to ${where} timed out after ${timeoutMs} ms`,
        }),
      timeoutMs,
    );

    // The host must prove it holds a pinned key before the operator's key is offered: anyone who
    // can answer on a VM's address would otherwise receive a login and could forge Pacemaker or
    // DRBD health. A refused key ends the handshake; no authentication, no command.
    let verdict: HostKeyVerdict | undefined;
    const port = endpoint.port ?? 22;
    // By address as OpenSSH names it, or by VM name (on any port: VM names are not DNS names).
    const names = [hostName(endpoint.host, port), hostName(endpoint.vm, port), endpoint.vm];
    const hostVerifier = (key: Buffer): boolean => {
      if (credentials.insecureSkipHostKeyVerification) return true;
      verdict = verifyHostKey(credentials.knownHosts, names, key);
      return verdict.ok;
    };
    client.on('error', (err) =>
      finish({
        code: null,
        stdout,
        stderr,
        error:
          verdict && !verdict.ok
            ? hostKeyRefused(where, verdict, credentials.knownHosts.length)
            : `ssh to ${where} failed: ${errorText(err)}`,
      }),
    );
    client.on('close', () =>
      finish({ code: null, stdout, stderr, error: `ssh to ${where}: connection closed before the command finished` }),
    );
    client.on('ready', () => {
      client.exec(command, (err, stream) => {
        if (err) {
          finish({ code: null, stdout, stderr, error: `ssh exec on ${where} failed: ${errorText(err)}` });
          return;
        }
        let exitCode: number | null = null;
        stream.on('exit', (code: number | null) => {
          exitCode = typeof code === 'number' ? code : null;
        });
        stream.on('data', (d: Buffer) => {
          if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
        });
        stream.stderr.on('data', (d: Buffer) => {
          if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
        });
        stream.on('close', (code: number | null) => {
          const c = typeof code === 'number' ? code : exitCode;
          finish(
            c === null
              ? { code: null, stdout, stderr, error: `command on ${where} ended by a signal` }
              : { code: c, stdout, stderr },
          );
        });
      });
    });

    try {
      client.connect({
        host: endpoint.host,
        port: endpoint.port ?? 22,
        username: credentials.username,
        privateKey: credentials.privateKey,
        passphrase: credentials.passphrase,
        readyTimeout: timeoutMs,
        // No agent or keyboard-interactive fallbacks: the operator authenticates with its key only.
        tryKeyboard: false,
        hostVerifier,
      });
    } catch (err) {
      // ssh2 throws synchronously for unparsable keys or a wrong passphrase.
      finish({ code: null, stdout, stderr, error: `ssh to ${where} not attempted: ${errorText(err)}` });
    }
  });
}

function hostKeyRefused(where: string, v: Exclude<HostKeyVerdict, { ok: true }>, known: number): string {
  if (v.reason === 'mismatch') return `host key of ${where} does not match known_hosts: ${v.fingerprint}`;
  if (v.reason === 'revoked') return `host key of ${where} is revoked in known_hosts: ${v.fingerprint}`;
  const hint = known ? '' : ' (the credentials Secret has no known_hosts key)';
  return `host key of ${where} is not in known_hosts${hint}: ${v.fingerprint}`;
}
