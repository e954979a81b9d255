import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import { runOverSsh } from '../../../src/health/ssh.js';
import { sshCredentials, sshEndpoints } from '../../services/endpoints.js';
import { freePort } from '../../services/proc.js';
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
    const r = await runOverSsh(node!, sshCredentials(state, 'plain'), 'echo out; echo err >&2; echo "$ACD_TEST_NODE"; exit 3', 10_000);
    expect(r).toEqual({ code: 3, stdout: 'out\nnode1\n', stderr: 'err\n' });
  });

  test('a closed port is an error result well within the timeout', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await runOverSsh({ vm: 'acd-lb9', host: '127.0.0.1', port }, sshCredentials(state, 'plain'), 'true', 5_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBeNull();
    expect(r.error).toMatch(/acd-lb9.*ECONNREFUSED/);
  });

  test('a server that never answers times out on time', async () => {
    const silent = await silentServer();
    try {
      const t0 = Date.now();
      const r = await runOverSsh({ vm: 'acd-lb9', host: '127.0.0.1', port: silent.port }, sshCredentials(state, 'plain'), 'true', 800);
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
      const r = await runOverSsh({ vm: 'acd-lb1', host: '127.0.0.1', port: proxy.port }, sshCredentials(state, 'plain'), 'echo started; sleep 30', 1_500);
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

afterAll(() => undefined);
