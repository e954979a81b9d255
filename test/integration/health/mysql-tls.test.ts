// TLS to MySQL, against a real MariaDB that this test starts with server certificates made by
// openssl: the monitoring password travels over this connection, so each mode must do what its
// name says, and a misfit must fail with a message that says why.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withConnection } from '../../../src/health/mysql-conn.js';
import { scalar } from '../../../src/health/util.js';
import type { DbCredentials, Endpoint, MysqlTlsMode } from '../../../src/health/types.js';
import { ca, issue } from '../../testbed/pki.js';
import { dbCredentials, dbEndpoint } from '../../services/endpoints.js';
import { rootQuery, startInstance, type MariaDbInfo } from '../../services/mariadb.js';
import { stopPid } from '../../services/proc.js';
import { loadServices, type ServicesState } from '../../services/state.js';

let dir: string;
let db: MariaDbInfo;
let state: ServicesState;
const monitor = { user: 'acd_tls_monitor', password: 'tls-monitor-password-31' };

beforeAll(async () => {
  state = loadServices();
  dir = mkdtempSync(path.join(os.tmpdir(), 'acd-mysql-tls-'));
  ca(dir, 'db-ca');
  ca(dir, 'other-ca');
  issue(dir, 'db-ca', 'server', '/CN=mariadb.acd.test', { server: true, sans: ['IP:127.0.0.1', 'DNS:localhost'] });
  // A server that requires TLS: nothing in plain text, not even the login.
  const inst = await startInstance(dir, 'tls', 90, [
    `--ssl-ca=${path.join(dir, 'db-ca.crt')}`,
    `--ssl-cert=${path.join(dir, 'server.crt')}`,
    `--ssl-key=${path.join(dir, 'server.key')}`,
    '--require-secure-transport=ON',
    // All of loopback, so that 127.0.0.2, a name the certificate does not carry, reaches it too.
    '--bind-address=0.0.0.0',
  ]);
  db = { dir, host: '127.0.0.1', instances: [inst], monitor, replication: monitor };
  await rootQuery(db, 'tls', `CREATE USER '${monitor.user}'@'%' IDENTIFIED BY '${monitor.password}'`);
}, 120_000);

afterAll(async () => {
  if (db) await stopPid(db.instances[0]!.pid);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tlsServer = (): Endpoint => ({ vm: 'acd-dbm1', host: '127.0.0.1', port: db.instances[0]!.port });
const creds = (mode: MysqlTlsMode, caFile?: string): DbCredentials => ({
  ...monitor,
  tls: { mode, ...(caFile ? { ca: readFileSync(path.join(dir, caFile), 'utf8'), caSecret: `secret-${caFile}` } : {}) },
});
/** The cipher of the session, as the server reports it: empty on a plain connection. */
const cipher = (ep: Endpoint, c: DbCredentials) =>
  withConnection(ep, c, 10_000, async (q) => scalar((await q("SHOW STATUS LIKE 'Ssl_cipher'"))[0]?.Value));

describe('MySQL TLS modes against a real MariaDB', () => {
  test('Required: encrypted, the server not verified', async () => {
    expect(await cipher(tlsServer(), creds('Required'))).not.toBe('');
  });

  test('Preferred (the default): encrypted when the server offers TLS, plain when it does not', async () => {
    expect(await cipher(tlsServer(), creds('Preferred'))).not.toBe('');
    expect(await cipher(tlsServer(), { ...monitor })).not.toBe('');
    // The shared replication servers run without TLS.
    const plain = dbEndpoint(state, 'master1', 'acd-dbm1');
    expect(await cipher(plain, { ...dbCredentials(state), tls: { mode: 'Preferred' } })).toBe('');
  });

  test('VerifyCA and VerifyIdentity with the CA that signed the server certificate: encrypted', async () => {
    expect(await cipher(tlsServer(), creds('VerifyCA', 'db-ca.crt'))).not.toBe('');
    expect(await cipher(tlsServer(), creds('VerifyIdentity', 'db-ca.crt'))).not.toBe('');
  });

  test('VerifyCA with the wrong CA: refused, naming the Secret', async () => {
    await expect(cipher(tlsServer(), creds('VerifyCA', 'other-ca.crt'))).rejects.toThrow(
      new RegExp(
        `cannot connect to 127\\.0\\.0\\.1:${db.instances[0]!.port}: TLS to 127\\.0\\.0\\.1:\\d+ \\(VerifyCA\\): ` +
          "the server's certificate is not signed by the CA in Secret secret-other-ca\\.crt",
      ),
    );
  });

  test('VerifyIdentity by a name the certificate does not carry: refused', async () => {
    // The certificate names 127.0.0.1 and localhost; 127.0.0.2 reaches the same server on loopback.
    const ep = { ...tlsServer(), host: '127.0.0.2' };
    await expect(cipher(ep, creds('VerifyIdentity', 'db-ca.crt'))).rejects.toThrow(
      /VerifyIdentity.*does not name 127\.0\.0\.2/,
    );
  });

  test('Disabled against a server that requires TLS: refused, and the message says why', async () => {
    await expect(cipher(tlsServer(), creds('Disabled'))).rejects.toThrow(
      /requires TLS, and spec\.health\.mysql\.tls\.mode is Disabled/,
    );
  });

  test('Required against a server without TLS: refused, and the message says why', async () => {
    const plain = dbEndpoint(state, 'master1', 'acd-dbm1');
    await expect(cipher(plain, { ...dbCredentials(state), tls: { mode: 'Required' } })).rejects.toThrow(
      /does not offer TLS, and spec\.health\.mysql\.tls\.mode is Required/,
    );
  });
});
