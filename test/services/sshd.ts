// A real OpenSSH sshd on loopback for the health-check tests. One daemon listens on one port per
// simulated node; the node a command runs on is the port the client connected to. Each scenario
// (a cluster state) has its own client key, bound in authorized_keys with command="..." to a
// session script that points crm_mon at the scenario's CIB (CIB_file) and puts the DRBD test
// double first on PATH. So the checks run their real commands against real crm_mon.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDrbdTestDouble } from './drbd-test-double.js';
import { freePort, probeTcp, runOk, spawnDaemon, stopPid, waitFor } from './proc.js';

export interface SshScenario {
  name: string;
  /** CIB file rendered by crm_mon in this scenario; absent = no cluster (crm_mon exits 102). */
  cib?: string;
  /** Files each node sees in $ACD_TEST_NODE_DIR: node -> { file name in session -> source path }. */
  perNode?: Record<string, Record<string, string>>;
}

export interface SshdInfo {
  pid: number;
  dir: string;
  host: string;
  username: string;
  /** node name -> port; connecting to that port "is" that node. */
  nodes: Record<string, number>;
  /** scenario name -> path of the private key that selects it. */
  keys: Record<string, string>;
  logFile: string;
}

/**
 * The sshd's host key as known_hosts lines, one per node port (`[127.0.0.1]:PORT ssh-ed25519 ...`):
 * what `ssh-keyscan` would print, and what the operator's credentials Secret holds as known_hosts.
 */
export function knownHostsOf(info: Pick<SshdInfo, 'dir' | 'host' | 'nodes'>): string {
  return Object.values(info.nodes)
    .map((port) => `[${info.host}]:${port} ${hostKeyOf(info)}\n`)
    .join('');
}

/** The sshd's public host key as known_hosts writes it after the names: `ssh-ed25519 AAAA...`. */
export function hostKeyOf(info: Pick<SshdInfo, 'dir'>): string {
  const [type, key] = readFileSync(path.join(info.dir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
  return `${type} ${key}`;
}

const SESSION = (dir: string, doubles: string): string => `#!/bin/sh
# Forced by authorized_keys for one scenario key. The node is chosen by the port this connection
# arrived on ($SSH_CONNECTION = client-ip client-port server-ip server-port).
scenario_dir="$1"
set -- $SSH_CONNECTION
node=$(/bin/cat "${dir}/ports/$4" 2>/dev/null)
export ACD_TEST_NODE="$node"
export ACD_TEST_NODE_DIR="$scenario_dir/$node"
if [ -f "$scenario_dir/cib.xml" ]; then export CIB_file="$scenario_dir/cib.xml"; fi
export PATH="${doubles}:/usr/sbin:/usr/bin:/sbin:/bin"
if [ -z "$SSH_ORIGINAL_COMMAND" ]; then exec /bin/sh; fi
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
`;

function sshdConfig(dir: string, ports: number[]): string {
  return [
    ...ports.map((p) => `ListenAddress 127.0.0.1:${p}`),
    `HostKey ${dir}/ssh_host_ed25519_key`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    // The tests run as root here; keys only, never passwords.
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The temp dir is not owned the way StrictModes wants, and PAM would need system config.
    'StrictModes no',
    'UsePAM no',
    'PermitUserEnvironment no',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PrintMotd no',
    // Jest workers open many short sessions at once.
    'MaxStartups 200:30:400',
    'MaxSessions 50',
    // VERBOSE logs each accepted login ('Accepted publickey'): the host-key tests prove by its
    // absence that a refused host key ends the connection before any login.
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

export async function startSshd(opts: { nodes: string[]; scenarios: SshScenario[] }): Promise<SshdInfo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'acd-sshd-'));
  const username = os.userInfo().username;
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const doubles = installDrbdTestDouble(dir);
  const session = path.join(dir, 'session.sh');
  writeFileSync(session, SESSION(dir, doubles));
  chmodSync(session, 0o755);
  await runOk('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'acd-test-host',
    '-f',
    path.join(dir, 'ssh_host_ed25519_key'),
  ]);

  const keys: Record<string, string> = {};
  const authorized: string[] = [];
  for (const sc of opts.scenarios) {
    const scDir = path.join(dir, 'scenarios', sc.name);
    mkdirSync(scDir, { recursive: true });
    if (sc.cib) copyFileSync(sc.cib, path.join(scDir, 'cib.xml'));
    for (const node of opts.nodes) {
      mkdirSync(path.join(scDir, node), { recursive: true });
      for (const [name, src] of Object.entries(sc.perNode?.[node] ?? {}))
        copyFileSync(src, path.join(scDir, node, name));
    }
    const key = path.join(dir, 'keys', sc.name);
    mkdirSync(path.dirname(key), { recursive: true });
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `acd-test-${sc.name}`, '-f', key]);
    const pub = (await runOk('cat', [`${key}.pub`])).trim();
    authorized.push(
      `command="${session} ${scDir}",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty ${pub}`,
    );
    keys[sc.name] = key;
  }
  writeFileSync(path.join(dir, 'authorized_keys'), authorized.join('\n') + '\n', { mode: 0o600 });

  const logFile = path.join(dir, 'sshd.log');
  // A port picked as free can be taken before sshd binds it; pick again then.
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(opts.nodes.map(() => freePort()));
    mkdirSync(path.join(dir, 'ports'), { recursive: true });
    opts.nodes.forEach((n, i) => writeFileSync(path.join(dir, 'ports', String(ports[i])), n));
    const conf = path.join(dir, 'sshd_config');
    writeFileSync(conf, sshdConfig(dir, ports));
    const pid = spawnDaemon('/usr/sbin/sshd', ['-D', '-e', '-f', conf], logFile);
    try {
      await waitFor(
        'sshd',
        10_000,
        async () => {
          const up = await Promise.all(ports.map((p) => probeTcp('127.0.0.1', p, 'SSH-')));
          return up.every(Boolean);
        },
        logFile,
      );
      const nodes = Object.fromEntries(opts.nodes.map((n, i) => [n, ports[i] as number]));
      return { pid, dir, host: '127.0.0.1', username, nodes, keys, logFile };
    } catch (err) {
      await stopPid(pid);
      rmSync(path.join(dir, 'ports'), { recursive: true, force: true });
      if (attempt >= 3) throw err;
    }
  }
}

export async function stopSshd(info: SshdInfo): Promise<void> {
  await stopPid(info.pid);
  rmSync(info.dir, { recursive: true, force: true });
}

/** The standard scenarios: one per CIB fixture, a cluster that is down, and each DRBD sample. */
export function standardScenarios(fixtures: string): { nodes: string[]; scenarios: SshScenario[] } {
  const nodes = ['node1', 'node2'];
  const pcmk = path.join(fixtures, 'pacemaker');
  const drbd = path.join(fixtures, 'drbd');
  const scenarios: SshScenario[] = [
    { name: 'plain' },
    { name: 'pcmk-down' },
    ...['healthy', 'node-offline', 'failed-resource', 'no-quorum'].map((s) => ({
      name: `pcmk-${s}`,
      cib: path.join(pcmk, `${s}.cib.xml`),
    })),
  ];
  for (const s of ['healthy', 'standalone', 'inconsistent', 'two-primaries']) {
    scenarios.push({
      name: `drbd84-${s}`,
      perNode: Object.fromEntries(
        nodes.map((n) => [n, { 'proc-drbd.txt': path.join(drbd, 'drbd84', s, `${n}.proc-drbd.txt`) }]),
      ),
    });
    scenarios.push({
      name: `drbd9-${s}`,
      perNode: Object.fromEntries(
        nodes.map((n) => [n, { 'drbdsetup-status.json': path.join(drbd, 'drbd9', s, `${n}.status.json`) }]),
      ),
    });
  }
  return { nodes, scenarios };
}
