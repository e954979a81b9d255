import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import {
  checkReplication,
  detectActiveDatabase,
  withRetry,
  type ReplicationCheckOptions,
} from '../../../src/health/mysql-replication.js';
import type { Endpoint } from '../../../src/health/types.js';
import { dbCredentials, dbEndpoint } from '../../services/endpoints.js';
import {
  breakSqlThread,
  holdReplicaBehind,
  mend,
  mendAll,
  pointAtDeadPort,
  setReadOnly,
  stopIoThread,
} from '../../services/mariadb.js';
import { freePort } from '../../services/proc.js';
import { loadServices, type ServicesState } from '../../services/state.js';

// Real MariaDB: master1 <-> master2 (acd-dbm1/acd-dbm2) and slave1 (acd-dbs1) of master1. The tests
// in this file break and mend replication, so they run in order and leave it healthy.
let state: ServicesState;
let dbm1: Endpoint;
let dbm2: Endpoint;
let dbs1: Endpoint;

beforeAll(() => {
  state = loadServices();
  dbm1 = dbEndpoint(state, 'master1', 'acd-dbm1');
  dbm2 = dbEndpoint(state, 'master2', 'acd-dbm2');
  dbs1 = dbEndpoint(state, 'slave1', 'acd-dbs1');
});

afterEach(async () => {
  // Whatever a test broke, leave the topology healthy and read_only as set up.
  await mendAll(state.mariadb);
  await setReadOnly(state.mariadb, 'master1', false);
  await setReadOnly(state.mariadb, 'master2', true);
});

const opts = (over: Partial<ReplicationCheckOptions> = {}): ReplicationCheckOptions => ({
  masters: [dbm1, dbm2],
  replicas: [{ endpoint: dbs1, master: dbm1 }],
  credentials: dbCredentials(state),
  maxLagSeconds: 30,
  timeoutMs: 5_000,
  ...over,
});

describe('checkReplication against real MariaDB', () => {
  test('healthy master-master plus slave, checked with the least-privilege monitor user', async () => {
    const r = await checkReplication(opts());
    expect(r.message).toBe('replication healthy: acd-dbm1<-acd-dbm2, acd-dbm2<-acd-dbm1, acd-dbs1<-acd-dbm1');
    expect(r.healthy).toBe(true);
    const links = r.details['links'] as Array<Record<string, unknown>>;
    expect(links).toHaveLength(3);
    expect(links[2]).toMatchObject({
      vm: 'acd-dbs1',
      master: 'acd-dbm1',
      status: { ioRunning: 'Yes', sqlRunning: 'Yes', lagSeconds: 0, masterPort: dbm1.port },
    });
  });

  test('single master without replicas has nothing to check', async () => {
    const r = await checkReplication(opts({ masters: [dbm1], replicas: [] }));
    expect(r.healthy).toBe(true);
  });

  test('IO thread stopped', async () => {
    await stopIoThread(state.mariadb, 'slave1');
    const r = await checkReplication(opts());
    expect(r.healthy).toBe(false);
    expect(r.message).toBe('acd-dbs1: IO thread stopped');
  });

  test('IO thread cannot reach its master: connecting, errno 2003', async () => {
    const dead = await pointAtDeadPort(state.mariadb, 'master2');
    const r = await checkReplication(opts());
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/^acd-dbm2: IO thread connecting \(errno 2003: error connecting to master/);
    expect(r.message).toContain(`replicates from 127.0.0.1:${dead}, expected acd-dbm1 (127.0.0.1:${dbm1.port})`);
  });

  test('SQL thread stopped by a real conflict: errno 1396 in the message', async () => {
    await breakSqlThread(state.mariadb, 'slave1');
    const r = await checkReplication(opts());
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(
      /^acd-dbs1: SQL thread stopped \(errno 1396: Error 'Operation CREATE USER failed for 'acd_conflict_/,
    );
  });

  test('SQL conflict in one direction of master-master', async () => {
    await breakSqlThread(state.mariadb, 'master2');
    const r = await checkReplication(opts());
    expect(r.message).toMatch(/^acd-dbm2: SQL thread stopped \(errno 1396/);
  });

  test('lag over the threshold, and within a larger one', async () => {
    const release = await holdReplicaBehind(state.mariadb, 'slave1', 2);
    try {
      const tight = await checkReplication(opts({ maxLagSeconds: 1 }));
      expect(tight.healthy).toBe(false);
      expect(tight.message).toMatch(/^acd-dbs1: \d+s behind acd-dbm1 \(max 1s\)$/);
      const loose = await checkReplication(opts({ maxLagSeconds: 600 }));
      expect(loose.healthy).toBe(true);
    } finally {
      await release();
    }
  });

  test('replica following another master than expected', async () => {
    const r = await checkReplication(opts({ replicas: [{ endpoint: dbs1, master: dbm2 }] }));
    expect(r.healthy).toBe(false);
    expect(r.message).toBe(
      `acd-dbs1: replicates from 127.0.0.1:${dbm1.port}, expected acd-dbm2 (127.0.0.1:${dbm2.port})`,
    );
  });

  test('a replica on a closed port is unhealthy within the timeout', async () => {
    const gone = { vm: 'acd-dbs2', host: '127.0.0.1', port: await freePort() };
    const t0 = Date.now();
    const r = await checkReplication(opts({ replicas: [{ endpoint: gone, master: dbm1 }], timeoutMs: 2_000 }));
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/^acd-dbs2: cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  test('a server that accepts and never answers times out on time', async () => {
    const srv = net.createServer((c) => c.on('error', () => undefined));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const mute = { vm: 'acd-dbs2', host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port };
      const t0 = Date.now();
      const r = await checkReplication(opts({ replicas: [{ endpoint: mute, master: dbm1 }], timeoutMs: 800 }));
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(r.healthy).toBe(false);
      expect(r.message).toMatch(/^acd-dbs2: .*(timed out|ETIMEDOUT)/i);
    } finally {
      srv.close();
    }
  });

  test('withRetry waits out a replica that reconnects later', async () => {
    await stopIoThread(state.mariadb, 'slave1');
    const mended = new Promise((r) => setTimeout(r, 1_500)).then(() => mend(state.mariadb, 'slave1'));
    const r = await withRetry(() => checkReplication(opts()), { untilMs: 20_000, intervalMs: 250 });
    await mended;
    expect(r.healthy).toBe(true);
    expect(r.details['attempts']).toBeGreaterThan(1);
  });

  test('withRetry gives up at the deadline with the last result', async () => {
    await stopIoThread(state.mariadb, 'slave1');
    const t0 = Date.now();
    const r = await withRetry(() => checkReplication(opts()), { untilMs: 1_000, intervalMs: 200 });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.healthy).toBe(false);
    expect(r.message).toBe('acd-dbs1: IO thread stopped');
  });
});

describe('detectActiveDatabase against real MariaDB', () => {
  const masters = () => [
    { side: 1 as const, endpoint: dbm1 },
    { side: 2 as const, endpoint: dbm2 },
  ];

  test('the writable master, confirmed by the slave', async () => {
    const r = await detectActiveDatabase({
      masters: masters(),
      replicas: [dbs1],
      credentials: dbCredentials(state),
      timeoutMs: 5_000,
    });
    expect(r).toEqual({
      side: 1,
      source: 'read_only+replicas',
      message: 'acd-dbm1 (side 1) is active: read_only=0, followed by acd-dbs1',
    });
  });

  test('read_only alone when there are no replicas', async () => {
    const r = await detectActiveDatabase({
      masters: masters(),
      replicas: [],
      credentials: dbCredentials(state),
      timeoutMs: 5_000,
    });
    expect(r.side).toBe(1);
    expect(r.source).toBe('read_only');
  });

  test('two writable masters: no answer', async () => {
    await setReadOnly(state.mariadb, 'master2', false);
    const r = await detectActiveDatabase({
      masters: masters(),
      replicas: [dbs1],
      credentials: dbCredentials(state),
      timeoutMs: 5_000,
    });
    expect(r.side).toBeUndefined();
    expect(r.message).toBe('cannot tell the active database: acd-dbm1 and acd-dbm2 are all writable (read_only=0)');
  });

  test('writable master and slave disagree: no answer', async () => {
    await setReadOnly(state.mariadb, 'master1', true);
    await setReadOnly(state.mariadb, 'master2', false);
    const r = await detectActiveDatabase({
      masters: masters(),
      replicas: [dbs1],
      credentials: dbCredentials(state),
      timeoutMs: 5_000,
    });
    expect(r.side).toBeUndefined();
    expect(r.message).toBe('cannot tell the active database: acd-dbm2 is writable but acd-dbs1 follows acd-dbm1');
  });

  test('a failed probe: no answer, and says which', async () => {
    const gone = { vm: 'acd-dbm2', host: '127.0.0.1', port: await freePort() };
    const r = await detectActiveDatabase({
      masters: [
        { side: 1, endpoint: dbm1 },
        { side: 2, endpoint: gone },
      ],
      replicas: [dbs1],
      credentials: dbCredentials(state),
      timeoutMs: 2_000,
    });
    expect(r.side).toBeUndefined();
    expect(r.message).toMatch(/^cannot tell the active database: acd-dbm2: cannot connect .*ECONNREFUSED/);
  });
});
