import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDrbd } from '../../../src/health/drbd.js';
import { checkReplication, detectActiveDatabase } from '../../../src/health/mysql-replication.js';
import { checkPacemaker } from '../../../src/health/pacemaker.js';
import { runOverSsh } from '../../../src/health/ssh.js';
import { dbCredentials, dbEndpoint, sshCredentials, sshEndpoints } from '../../services/endpoints.js';
import { runOk } from '../../services/proc.js';
import { loadServices, type ServicesState } from '../../services/state.js';

// Results end up in CR status, events and logs: no password, passphrase or key may appear in them.
let state: ServicesState;
/** The sshd's real host keys: these tests are about the client key, not the host's. */
const known = () => sshCredentials(state, 'plain').knownHosts;
let tmp: string;
beforeAll(() => {
  state = loadServices();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'acd-secrets-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The secret itself, and each substantial line of it (a key leaks just as well in pieces). */
function expectNoSecret(result: unknown, ...secrets: Array<string | Buffer>): void {
  const text = JSON.stringify(result);
  for (const s of secrets) {
    const str = Buffer.isBuffer(s) ? s.toString('utf8') : s;
    expect(text).not.toContain(str);
    for (const line of str.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')))
      expect(text).not.toContain(line);
  }
}

describe('database credentials never appear in results', () => {
  test('healthy and unhealthy replication results', async () => {
    const creds = dbCredentials(state);
    const dbm1 = dbEndpoint(state, 'master1', 'acd-dbm1');
    const dbm2 = dbEndpoint(state, 'master2', 'acd-dbm2');
    const dbs1 = dbEndpoint(state, 'slave1', 'acd-dbs1');
    const ok = await checkReplication({
      masters: [dbm1, dbm2],
      replicas: [{ endpoint: dbs1, master: dbm1 }],
      credentials: creds,
      maxLagSeconds: 60,
      timeoutMs: 5_000,
    });
    expect(ok.healthy).toBe(true);
    expectNoSecret(ok, creds.password);

    const wrong = { user: creds.user, password: `Wr0ng-${creds.password.slice(4)}-pw` };
    const denied = await checkReplication({
      masters: [dbm1],
      replicas: [{ endpoint: dbs1, master: dbm1 }],
      credentials: wrong,
      maxLagSeconds: 60,
      timeoutMs: 5_000,
    });
    expect(denied.healthy).toBe(false);
    expect(denied.message).toMatch(/Access denied/);
    expectNoSecret(denied, wrong.password, creds.password);

    const active = await detectActiveDatabase({
      masters: [
        { side: 1, endpoint: dbm1 },
        { side: 2, endpoint: dbm2 },
      ],
      replicas: [dbs1],
      credentials: wrong,
      timeoutMs: 5_000,
    });
    expect(active.side).toBeUndefined();
    expectNoSecret(active, wrong.password);
  });
});

describe('SSH keys and passphrases never appear in results', () => {
  test('pacemaker, drbd and plain command results', async () => {
    const nodes = sshEndpoints(state, ['acd-lb1', 'acd-lb2']);
    for (const scenario of ['pcmk-healthy', 'pcmk-down']) {
      const creds = sshCredentials(state, scenario);
      expectNoSecret(await checkPacemaker({ nodes, credentials: creds, timeoutMs: 10_000 }), creds.privateKey);
    }
    const dcreds = sshCredentials(state, 'drbd9-standalone');
    expectNoSecret(await checkDrbd({ nodes, credentials: dcreds, timeoutMs: 10_000 }), dcreds.privateKey);
    const pcreds = sshCredentials(state, 'plain');
    expectNoSecret(await runOverSsh(nodes[0]!, pcreds, 'echo hello', 10_000), pcreds.privateKey);
  });

  test('an encrypted key with the wrong passphrase', async () => {
    const keyFile = path.join(tmp, 'enc');
    const passphrase = 'correct-horse-battery-staple-42';
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', keyFile]);
    const privateKey = readFileSync(keyFile, 'utf8');
    const wrong = 'not-the-passphrase-but-secret-77';
    const nodes = sshEndpoints(state, ['acd-lb1', 'acd-lb2']);
    const r = await runOverSsh(
      nodes[0]!,
      { username: state.sshd.username, privateKey, passphrase: wrong, knownHosts: known() },
      'true',
      5_000,
    );
    expect(r.code).toBeNull();
    expect(r.error).toBeDefined();
    expectNoSecret(r, privateKey, wrong, passphrase);
    const p = await checkPacemaker({
      nodes,
      credentials: { username: state.sshd.username, privateKey, passphrase: wrong, knownHosts: known() },
      timeoutMs: 5_000,
    });
    expect(p.healthy).toBe(false);
    expectNoSecret(p, privateKey, wrong, passphrase);
  });

  test('a key that is not authorised', async () => {
    const keyFile = path.join(tmp, 'stranger');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const privateKey = readFileSync(keyFile);
    const nodes = sshEndpoints(state, ['acd-store1', 'acd-store2']);
    const r = await checkDrbd({
      nodes,
      credentials: { username: state.sshd.username, privateKey, knownHosts: known() },
      timeoutMs: 5_000,
    });
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/authentication/i);
    expectNoSecret(r, privateKey);
  });
});
