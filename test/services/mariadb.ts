// Real MariaDB instances on loopback for the replication checks: master1 <-> master2 (GTID
// master-master, as on a redundant ACD) plus slave(s) of master1. Each instance has its own datadir
// under one temp dir; processes are stopped by PID.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { scalar } from '../../src/health/util.js';
import { freePort, probeTcp, runOk, spawnDaemon, stopPid, waitFor } from './proc.js';

export interface MariaDbInstance {
  name: string;
  serverId: number;
  port: number;
  socket: string;
  datadir: string;
  pid: number;
  logFile: string;
  /** Name of the instance this one replicates from. */
  replicatesFrom?: string;
}

export interface MariaDbInfo {
  dir: string;
  host: string;
  instances: MariaDbInstance[];
  /** Least-privilege monitoring account the health checks use (REPLICA MONITOR, BINLOG MONITOR). */
  monitor: { user: string; password: string };
  replication: { user: string; password: string };
}

type Row = Record<string, unknown>;

export function instance(info: MariaDbInfo, name: string): MariaDbInstance {
  const i = info.instances.find((x) => x.name === name);
  if (!i) throw new Error(`no MariaDB instance ${name}`);
  return i;
}

/** Runs SQL as root over the instance's unix socket (root has no TCP account). */
export async function rootQuery(info: MariaDbInfo, name: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const conn = await mysql.createConnection({
    socketPath: instance(info, name).socket,
    user: 'root',
    password: '',
    multipleStatements: true,
  });
  try {
    const [rows] = await conn.query(sql, params);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function slaveStatus(info: MariaDbInfo, name: string): Promise<Row | undefined> {
  return (await rootQuery(info, name, 'SHOW SLAVE STATUS'))[0];
}

/** One MariaDB server in `dir`/`name`; `extraArgs` go to mariadbd (the TLS test's ssl options, say). */
export async function startInstance(
  dir: string,
  name: string,
  serverId: number,
  extraArgs: string[] = [],
): Promise<MariaDbInstance> {
  const base = path.join(dir, name);
  const datadir = path.join(base, 'data');
  mkdirSync(base, { recursive: true });
  // The bootstrap server names its temp tables after small counters in $TMPDIR; parallel
  // bootstraps sharing /tmp (ours, or another suite's) collide, so each gets its own TMPDIR.
  const tmp = path.join(base, 'tmp');
  mkdirSync(tmp, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      await runOk(
        'mariadb-install-db',
        [
          '--no-defaults',
          '--auth-root-authentication-method=normal',
          `--datadir=${datadir}`,
          '--user=root',
          '--skip-test-db',
        ],
        { env: { ...process.env, TMPDIR: tmp } },
      );
      break;
    } catch (err) {
      rmSync(datadir, { recursive: true, force: true });
      if (attempt >= 3) throw err;
    }
  }
  const socket = path.join(base, 'mysqld.sock');
  const logFile = path.join(base, 'mariadbd.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const pid = spawnDaemon(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(base, 'mariadbd.pid')}`,
        `--log-error=${logFile}`,
        `--server-id=${serverId}`,
        `--gtid-domain-id=${serverId}`,
        '--log-bin=mysql-bin',
        '--log-slave-updates',
        '--relay-log=relay-bin',
        '--binlog-format=MIXED',
        '--skip-name-resolve',
        `--tmpdir=${tmp}`,
        // Small and fast: these instances hold a handful of rows.
        '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M',
        '--innodb-use-native-aio=0',
        '--performance-schema=OFF',
        '--skip-innodb-doublewrite',
        '--innodb-flush-log-at-trx-commit=2',
        ...extraArgs,
      ],
      path.join(base, 'stdout.log'),
    );
    try {
      await waitFor(`mariadbd ${name}`, 30_000, () => probeTcp('127.0.0.1', port), logFile);
      return { name, serverId, port, socket, datadir, pid, logFile };
    } catch (err) {
      await stopPid(pid);
      if (attempt >= 3) throw err;
    }
  }
}

async function changeMaster(info: MariaDbInfo, name: string, masterPort: number): Promise<void> {
  await rootQuery(
    info,
    name,
    `CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=?, MASTER_USER=?, MASTER_PASSWORD=?,
       MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    [info.host, masterPort, info.replication.user, info.replication.password],
  );
}

/** Starts `count` (>= 3) instances: master1, master2 (master-master) and slaves of master1. */
export async function startMariaDb(opts: { count?: number } = {}): Promise<MariaDbInfo> {
  const count = Math.max(3, opts.count ?? 3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'acd-mariadb-'));
  const names = ['master1', 'master2', ...Array.from({ length: count - 2 }, (_, i) => `slave${i + 1}`)];
  const info: MariaDbInfo = {
    dir,
    host: '127.0.0.1',
    instances: [],
    monitor: { user: 'acd_monitor', password: `mon-${randomBytes(12).toString('hex')}` },
    replication: { user: 'acd_repl', password: `repl-${randomBytes(12).toString('hex')}` },
  };
  try {
    // Record each instance as soon as it runs, so a failure of another still stops it.
    const started = await Promise.allSettled(
      names.map(async (n, i) => {
        const inst = await startInstance(dir, n, i + 1);
        info.instances.push(inst);
        return inst;
      }),
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    info.instances.sort((x, y) => x.serverId - y.serverId);
    info.instances.forEach((inst) => {
      if (inst.name === 'master1') inst.replicatesFrom = 'master2';
      else inst.replicatesFrom = 'master1';
    });
    for (const inst of info.instances) {
      // Accounts are created unlogged on every instance, so nothing account-related replicates.
      await rootQuery(
        info,
        inst.name,
        `SET sql_log_bin=0;
        CREATE USER ?@'%' IDENTIFIED BY ?; GRANT REPLICATION SLAVE, REPLICA MONITOR ON *.* TO ?@'%';
        CREATE USER ?@'%' IDENTIFIED BY ?; GRANT REPLICA MONITOR, BINLOG MONITOR ON *.* TO ?@'%';
        SET sql_log_bin=1;`,
        [
          info.replication.user,
          info.replication.password,
          info.replication.user,
          info.monitor.user,
          info.monitor.password,
          info.monitor.user,
        ],
      );
    }
    for (const inst of info.instances) {
      await changeMaster(info, inst.name, instance(info, inst.replicatesFrom as string).port);
      await rootQuery(info, inst.name, 'START SLAVE');
    }
    await rootQuery(
      info,
      'master1',
      'CREATE DATABASE acdtest; CREATE TABLE acdtest.t (id INT PRIMARY KEY, v VARCHAR(64))',
    );
    for (const inst of info.instances) await setReadOnly(info, inst.name, inst.name !== 'master1');
    await waitReplicating(info);
    await syncAll(info);
    return info;
  } catch (err) {
    await stopMariaDb(info);
    throw err;
  }
}

export async function stopMariaDb(info: MariaDbInfo): Promise<void> {
  await Promise.all(info.instances.map((i) => stopPid(i.pid, 30_000)));
  rmSync(info.dir, { recursive: true, force: true });
}

export async function setReadOnly(info: MariaDbInfo, name: string, readOnly: boolean): Promise<void> {
  await rootQuery(info, name, `SET GLOBAL read_only=${readOnly ? 1 : 0}`);
}

/** Waits until both replication threads of the named instances (default all) run without error. */
export async function waitReplicating(
  info: MariaDbInfo,
  names = info.instances.map((i) => i.name),
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(`replication on ${names.join(',')}`, timeoutMs, async () => {
    for (const n of names) {
      const s = await slaveStatus(info, n);
      if (s?.['Slave_IO_Running'] !== 'Yes' || s['Slave_SQL_Running'] !== 'Yes') return false;
    }
    return true;
  });
}

/** Waits until every replica has applied everything its master has binlogged. */
export async function syncAll(info: MariaDbInfo, timeoutSec = 20): Promise<void> {
  for (const inst of info.instances) {
    const master = instance(info, inst.replicatesFrom as string);
    const [row] = await rootQuery(info, master.name, 'SELECT @@gtid_binlog_pos AS pos');
    const pos = scalar(row?.['pos']);
    if (!pos) continue;
    const [w] = await rootQuery(info, inst.name, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [pos, timeoutSec]);
    if (Number(w?.['r']) !== 0) throw new Error(`${inst.name} did not reach ${master.name}'s ${pos}`);
  }
  // Reaching the master's GTID position is not enough for a lag check. After a CHANGE MASTER,
  // master2 asks master1 from its slave_pos, which lacks master2's own domain, so master1 resends
  // master2's old events from the start of its binlog. master2 skips them (its own server id), but
  // while it does, Seconds_Behind_Master reports their age: 853 s once in CI, on a loaded machine.
  // A lag of 0 alone is not enough either: it reads 0 between two chunks of that resend (904 s
  // behind in the very next test, once in CI). So wait until each replica has read and applied its
  // master's binlog to its end, with no lag.
  await waitFor(`no replication lag on ${info.instances.map((i) => i.name).join(',')}`, timeoutSec * 1000, async () => {
    for (const inst of info.instances) if (!(await caughtUp(info, inst))) return false;
    return true;
  });
}

/** The replica has read its master's binlog to the end, applied all of it, and shows no lag. */
async function caughtUp(info: MariaDbInfo, inst: MariaDbInstance): Promise<boolean> {
  const [end] = await rootQuery(info, inst.replicatesFrom as string, 'SHOW MASTER STATUS');
  const s = await slaveStatus(info, inst.name);
  if (!end || !s) return false;
  const file = String(end['File']);
  const pos = Number(end['Position']);
  return (
    s['Master_Log_File'] === file &&
    Number(s['Read_Master_Log_Pos']) === pos &&
    s['Relay_Master_Log_File'] === file &&
    Number(s['Exec_Master_Log_Pos']) === pos &&
    Number(s['Seconds_Behind_Master']) === 0
  );
}

/** IO thread stopped on purpose (Slave_IO_Running: No, errno 0). */
export async function stopIoThread(info: MariaDbInfo, name: string): Promise<void> {
  await rootQuery(info, name, 'STOP SLAVE IO_THREAD');
}

/** IO thread pointed at a port where nothing listens: Connecting, Last_IO_Errno 2003. */
export async function pointAtDeadPort(info: MariaDbInfo, name: string): Promise<number> {
  const dead = await freePort();
  await rootQuery(info, name, 'STOP SLAVE');
  await changeMaster(info, name, dead);
  await rootQuery(info, name, 'START SLAVE');
  await waitFor(
    `${name} IO error`,
    20_000,
    async () => Number((await slaveStatus(info, name))?.['Last_IO_Errno']) !== 0,
  );
  return dead;
}

let conflictSeq = 0;

/**
 * A real SQL-thread failure: the replica already has a user its master then creates, so applying
 * the master's CREATE USER fails with 1396 (the failure seen on ACD replicas).
 */
export async function breakSqlThread(info: MariaDbInfo, name: string): Promise<string> {
  const user = `acd_conflict_${process.pid}_${++conflictSeq}`;
  const master = instance(info, name).replicatesFrom as string;
  await rootQuery(info, name, `SET sql_log_bin=0; CREATE USER ?@'%'; SET sql_log_bin=1;`, [user]);
  await rootQuery(info, master, `CREATE USER ?@'%'`, [user]);
  await waitFor(
    `${name} SQL error`,
    20_000,
    async () => (await slaveStatus(info, name))?.['Slave_SQL_Running'] === 'No',
  );
  return user;
}

/**
 * Real lag: the replica holds a table lock, so its SQL thread waits on the master's next insert
 * and Seconds_Behind_Master grows in real time (MariaDB counts from when the event started
 * applying, so a back-dated SET TIMESTAMP does not shortcut this). Resolves once the lag reached
 * `seconds`; the returned release ends the lock and waits for the replica to catch up.
 */
export async function holdReplicaBehind(
  info: MariaDbInfo,
  name: string,
  seconds: number,
): Promise<() => Promise<void>> {
  const locker = await mysql.createConnection({ socketPath: instance(info, name).socket, user: 'root', password: '' });
  await locker.query('LOCK TABLES acdtest.t WRITE');
  const master = instance(info, name).replicatesFrom as string;
  await rootQuery(info, master, "INSERT INTO acdtest.t (id, v) SELECT COALESCE(MAX(id), 0) + 1, 'lag' FROM acdtest.t");
  await waitFor(
    `${name} lag`,
    seconds * 1000 + 20_000,
    async () => Number((await slaveStatus(info, name))?.['Seconds_Behind_Master']) >= seconds,
  );
  return async () => {
    await locker.query('UNLOCK TABLES').catch(() => undefined);
    await locker.end().catch(() => undefined);
    await syncAll(info);
  };
}

const CONFLICT_USERS = "SELECT User AS u FROM mysql.user WHERE User LIKE 'acd\\_conflict\\_%'";

/** Undoes a breakage of `name`'s replication (IO stopped, dead port, SQL conflict) and restarts it. */
export async function mend(info: MariaDbInfo, name: string): Promise<void> {
  const inst = instance(info, name);
  const master = instance(info, inst.replicatesFrom as string);
  const before = await slaveStatus(info, name);
  await rootQuery(info, name, 'STOP SLAVE');
  if (before?.['Slave_SQL_Running'] !== 'Yes') {
    // The SQL thread stopped on a user that already exists here: drop the local copy, unlogged,
    // so the master's CREATE USER applies when the thread restarts.
    for (const c of await rootQuery(info, name, CONFLICT_USERS)) {
      await rootQuery(info, name, "SET sql_log_bin=0; DROP USER IF EXISTS ?@'%'; SET sql_log_bin=1;", [c['u']]);
    }
  }
  await changeMaster(info, name, master.port);
  await rootQuery(info, name, 'START SLAVE');
  await waitReplicating(info, [name]);
}

/** Mends every instance, removes the conflict users the replicated way, waits until all caught up. */
export async function mendAll(info: MariaDbInfo): Promise<void> {
  for (const inst of info.instances) await mend(info, inst.name);
  await syncAll(info);
  const users = new Set<string>();
  for (const inst of info.instances)
    for (const c of await rootQuery(info, inst.name, CONFLICT_USERS)) users.add(String(c['u']));
  for (const u of users) await rootQuery(info, 'master1', "DROP USER IF EXISTS ?@'%'", [u]);
  await syncAll(info);
}
