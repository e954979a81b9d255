import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint, parseKnownHosts } from '../../../src/health/known-hosts.js';
import { runOverSsh } from '../../../src/health/ssh.js';
import { sshCredentials, sshEndpoints } from '../../services/endpoints.js';
import { freePort, runOk } from '../../services/proc.js';
import { hostKeyOf, startSshd, stopSshd, type SshdInfo } from '../../services/sshd.js';
import { loadServices, type ServicesState } from '../../services/state.js';

let state: ServicesState;
beforeAll(() => {
  state = loadServices();
});

/** A real TCP relay in front of sshd that counts open client connections. */
function relay(targetPort: number): Promise<{ port: number; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    sockets.add(c);
    const up = net.connect(targetPort, '127.0.0.1');
    c.pipe(up).pipe(c);
    const drop = (): void => {
      sockets.delete(c);
      up.destroy();
      c.destroy();
    };
    c.on('close', drop);
    c.on('error', drop);
    up.on('error', drop);
    up.on('close', drop);
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({
        port,
        open: () => sockets.size,
        close: () => new Promise((r) => srv.close(() => r())),
      });
    });
  });
}

/** Accepts TCP and never says a word: the worst case for a timeout. */
function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        close: () => {
          sockets.forEach((s) => s.destroy());
          return new Promise((r) => srv.close(() => r()));
        },
      }),
    );
  });
}

describe('runOverSsh against a real sshd', () => {
  test('returns exit code, stdout and stderr', async () => {
    const [node] = sshEndpoints(state, ['acd-lb1']);
    const r = await runOverSsh(
      node!,
      sshCredentials(state, 'plain'),
      'echo out; echo err >&2; echo "$ACD_TEST_NODE"; exit 3',
      10_000,
    );
    expect(r).toEqual({ code: 3, stdout: 'out\nnode1\n', stderr: 'err\n' });
  });

  test('a closed port is an error result well within the timeout', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await runOverSsh(
      { vm: 'acd-lb9', host: '127.0.0.1', port },
      sshCredentials(state, 'plain'),
      'true',
      5_000,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBeNull();
    expect(r.error).toMatch(/acd-lb9.*ECONNREFUSED/);
  });

  test('a server that never answers times out on time', async () => {
    const silent = await silentServer();
    try {
      const t0 = Date.now();
      const r = await runOverSsh(
        { vm: 'acd-lb9', host: '127.0.0.1', port: silent.port },
        sshCredentials(state, 'plain'),
        'true',
        800,
      );
      const took = Date.now() - t0;
      expect(r.code).toBeNull();
      expect(r.error).toMatch(/timed out|Timed out/);
      expect(took).toBeGreaterThanOrEqual(700);
      expect(took).toBeLessThan(2_500);
    } finally {
      await silent.close();
    }
  });

  test('a command that outlives the timeout is cut off and the connection closed', async () => {
    const port = state.sshd.nodes['node1'] as number;
    const proxy = await relay(port);
    try {
      const t0 = Date.now();
      // Through the relay the address differs; the host key is pinned by the VM's name.
      const creds = {
        ...sshCredentials(state, 'plain'),
        knownHosts: parseKnownHosts(`acd-lb1 ${hostKeyOf(state.sshd)}`),
      };
      const r = await runOverSsh(
        { vm: 'acd-lb1', host: '127.0.0.1', port: proxy.port },
        creds,
        'echo started; sleep 30',
        1_500,
      );
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(r.timedOut).toBe(true);
      expect(r.code).toBeNull();
      expect(r.stdout).toBe('started\n');
      const deadline = Date.now() + 3_000;
      while (proxy.open() > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(proxy.open()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  test('an unauthorised key is an error result, not a throw', async () => {
    const [node] = sshEndpoints(state, ['acd-lb1']);
    const creds = { ...sshCredentials(state, 'plain'), username: 'nobody-here' };
    const r = await runOverSsh(node!, creds, 'true', 10_000);
    expect(r.code).toBeNull();
    expect(r.error).toMatch(/authentication/i);
  });
});

/** A fresh ed25519 public key, as known_hosts writes it after the names. */
async function strangerKey(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'acd-hostkey-'));
  try {
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    return readFileSync(path.join(dir, 'k.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

describe('SSH host keys are pinned: a key not in known_hosts fails before any login', () => {
  // An sshd of its own: its log then holds this file's logins only (LogLevel VERBOSE logs each).
  let own: SshdInfo;
  beforeAll(async () => {
    own = await startSshd({ nodes: ['node1'], scenarios: [{ name: 'plain' }] });
  }, 30_000);
  afterAll(async () => {
    if (own) await stopSshd(own);
  });
  const port = () => own.nodes['node1']!;
  /** Runs `echo hi` with `known` as known_hosts; returns the result and what sshd logged meanwhile. */
  async function attempt(known: string) {
    const before = readFileSync(own.logFile, 'utf8').length;
    const creds = {
      username: own.username,
      privateKey: readFileSync(own.keys['plain']!, 'utf8'),
      knownHosts: parseKnownHosts(known),
    };
    const r = await runOverSsh({ vm: 'acd-lb1', host: own.host, port: port() }, creds, 'echo hi', 10_000);
    return { r, logged: readFileSync(own.logFile, 'utf8').slice(before) };
  }
  const real = () => hostKeyOf(own);
  const where = () => `acd-lb1 (127.0.0.1:${port()})`;

  test('the right key, by address: the command runs', async () => {
    const { r, logged } = await attempt(`[127.0.0.1]:${port()} ${real()}`);
    expect(r).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect(logged).toMatch(/Accepted publickey/);
  });

  test("a wrong key for the address: refused, with the presented key's fingerprint, and no login", async () => {
    const { r, logged } = await attempt(`[127.0.0.1]:${port()} ${await strangerKey()}`);
    expect(r.code).toBeNull();
    expect(r.error).toBe(`host key of ${where()} does not match known_hosts: ${fingerprint(blob(real()))}`);
    expect(logged).not.toMatch(/Accepted publickey/);
  });

  test('an unknown host (known_hosts names others only, or is empty): refused, no login', async () => {
    const other = await attempt(`[10.9.9.9]:22 ${real()}\nacd-lb2 ${real()}\n`);
    expect(other.r.error).toBe(`host key of ${where()} is not in known_hosts: ${fingerprint(blob(real()))}`);
    expect(other.logged).not.toMatch(/Accepted publickey/);
    const none = await attempt('');
    expect(none.r.error).toBe(
      `host key of ${where()} is not in known_hosts (the credentials Secret has no known_hosts key): ` +
        fingerprint(blob(real())),
    );
    expect(none.logged).not.toMatch(/Accepted publickey/);
  });

  test(
    'a changed host key (the VM now presents another key than the one pinned to its name): ' + 'refused, no login',
    async () => {
      // Another sshd with a host key of its own answers for acd-lb1, whose pinned key is this file's sshd's.
      const other = await startSshd({ nodes: ['node1'], scenarios: [{ name: 'plain' }] });
      try {
        const before = readFileSync(other.logFile, 'utf8').length;
        const creds = {
          username: other.username,
          privateKey: readFileSync(other.keys['plain']!, 'utf8'),
          knownHosts: parseKnownHosts(`acd-lb1 ${real()}`),
        };
        const ep = { vm: 'acd-lb1', host: other.host, port: other.nodes['node1']! };
        const r = await runOverSsh(ep, creds, 'echo hi', 10_000);
        expect(r.error).toBe(
          `host key of acd-lb1 (${other.host}:${ep.port}) does not match known_hosts: ` +
            fingerprint(blob(hostKeyOf(other))),
        );
        expect(readFileSync(other.logFile, 'utf8').slice(before)).not.toMatch(/Accepted publickey/);
        // Pinned to its own key instead, the same login works: the refusal was the host key's alone.
        const ok = await runOverSsh(
          ep,
          { ...creds, knownHosts: parseKnownHosts(`acd-lb1 ${hostKeyOf(other)}`) },
          'echo hi',
          10_000,
        );
        expect(ok.code).toBe(0);
      } finally {
        await stopSshd(other);
      }
    },
  );

  test('a hashed known_hosts line (ssh-keygen -H, HashKnownHosts yes) pins the host too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'acd-hashed-'));
    try {
      const file = path.join(dir, 'known_hosts');
      writeFileSync(file, `[127.0.0.1]:${port()} ${real()}\n`);
      await runOk('ssh-keygen', ['-H', '-f', file]);
      const hashed = readFileSync(file, 'utf8');
      expect(hashed).toMatch(/^\|1\|/);
      expect((await attempt(hashed)).r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('insecureSkipHostKeyVerification accepts any host key', async () => {
    const [node] = sshEndpoints(state, ['acd-lb1']);
    const r = await runOverSsh(
      node!,
      { ...sshCredentials(state, 'plain'), knownHosts: [], insecureSkipHostKeyVerification: true },
      'echo hi',
      10_000,
    );
    expect(r.code).toBe(0);
  });
});
