import { showReplicaStatus, withConnection, DEFAULT_MYSQL_PORT } from './mysql-conn.js';
import type { ReplicaStatus } from './replica-status.js';
import type { CheckResult, DbCredentials, Endpoint } from './types.js';
import { errorText, redact, sleep, unhealthy } from './util.js';

export { normaliseReplicaRow, type ReplicaStatus } from './replica-status.js';

export interface ReplicationCheckOptions {
  /** One master, or two that replicate from each other (master-master). */
  masters: Endpoint[];
  replicas: Array<{ endpoint: Endpoint; master: Endpoint }>;
  credentials: DbCredentials;
  maxLagSeconds: number;
  timeoutMs: number;
}

const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}…` : s);
const addr = (e: Endpoint): string => `${e.host}:${e.port ?? DEFAULT_MYSQL_PORT}`;

/** Judges one replica's status against the master it should follow. Pure. */
export function assessReplicaStatus(
  vm: string,
  s: ReplicaStatus,
  expected: Endpoint,
  maxLagSeconds: number,
): CheckResult {
  const reasons: string[] = [];
  if (s.ioRunning !== 'Yes') {
    const state = s.ioRunning === 'Connecting' ? 'connecting' : 'stopped';
    reasons.push(`IO thread ${state}${s.lastIoErrno ? ` (errno ${s.lastIoErrno}: ${clip(s.lastIoError)})` : ''}`);
  } else if (s.lastIoErrno) {
    reasons.push(`IO error (errno ${s.lastIoErrno}: ${clip(s.lastIoError)})`);
  }
  if (s.sqlRunning !== 'Yes') {
    reasons.push(`SQL thread stopped${s.lastSqlErrno ? ` (errno ${s.lastSqlErrno}: ${clip(s.lastSqlError)})` : ''}`);
  } else if (s.lastSqlErrno) {
    reasons.push(`SQL error (errno ${s.lastSqlErrno}: ${clip(s.lastSqlError)})`);
  }
  // With a thread down the lag is NULL anyway; only report it on its own when threads run.
  if (reasons.length === 0) {
    if (s.lagSeconds === null) reasons.push('lag unknown (Seconds_Behind_Master is NULL)');
    else if (s.lagSeconds > maxLagSeconds)
      reasons.push(`${s.lagSeconds}s behind ${expected.vm} (max ${maxLagSeconds}s)`);
  }
  const expectedPort = expected.port ?? DEFAULT_MYSQL_PORT;
  if (s.masterHost !== expected.host || s.masterPort !== expectedPort) {
    reasons.push(`replicates from ${s.masterHost}:${s.masterPort ?? '?'}, expected ${expected.vm} (${addr(expected)})`);
  }
  const details = { vm, master: expected.vm, status: s };
  if (reasons.length) return unhealthy(`${vm}: ${reasons.join('; ')}`, details);
  return { healthy: true, message: `${vm}: replicating from ${expected.vm}, ${s.lagSeconds}s behind`, details };
}

/** Checks one replication link. Never throws. */
export async function checkReplicaLink(
  replica: Endpoint,
  master: Endpoint,
  credentials: DbCredentials,
  maxLagSeconds: number,
  timeoutMs: number,
): Promise<CheckResult> {
  try {
    const status = await withConnection(replica, credentials, timeoutMs, showReplicaStatus);
    if (!status)
      return unhealthy(`${replica.vm}: not configured as a replica (expected master ${master.vm})`, {
        vm: replica.vm,
        master: master.vm,
      });
    return assessReplicaStatus(replica.vm, status, master, maxLagSeconds);
  } catch (err) {
    return unhealthy(`${replica.vm}: ${errorText(err)}`, { vm: replica.vm, master: master.vm });
  }
}

/** All replication links of the ACD database tier: both directions of master-master, and every replica. */
export async function checkReplication(opts: ReplicationCheckOptions): Promise<CheckResult> {
  try {
    const links: Array<{ replica: Endpoint; master: Endpoint }> = [];
    const [m1, m2] = opts.masters;
    if (opts.masters.length > 2) return unhealthy(`replication: ${opts.masters.length} masters given, expected 1 or 2`);
    if (m1 && m2) links.push({ replica: m1, master: m2 }, { replica: m2, master: m1 });
    for (const r of opts.replicas) links.push({ replica: r.endpoint, master: r.master });
    const results = await Promise.all(
      links.map((l) => checkReplicaLink(l.replica, l.master, opts.credentials, opts.maxLagSeconds, opts.timeoutMs)),
    );
    const bad = results.filter((r) => !r.healthy);
    const details = { links: results.map((r) => ({ healthy: r.healthy, message: r.message, ...r.details })) };
    const out: CheckResult = bad.length
      ? unhealthy(bad.map((r) => r.message).join('; '), details)
      : {
          healthy: true,
          message: links.length
            ? `replication healthy: ${links.map((l) => `${l.replica.vm}<-${l.master.vm}`).join(', ')}`
            : 'replication: nothing to check (single master, no replicas)',
          details,
        };
    return redact(out, [opts.credentials.password]);
  } catch (err) {
    return redact(unhealthy(`replication check failed: ${errorText(err)}`), [opts.credentials.password]);
  }
}

/**
 * Repeats a check until it is healthy or `untilMs` (a duration from now) has passed, returning the
 * last result. After a VM start a replica reconnects only every Connect_Retry seconds, so the
 * first look can be unhealthy for a while.
 */
export async function withRetry(
  check: () => Promise<CheckResult>,
  opts: { untilMs: number; intervalMs: number },
): Promise<CheckResult> {
  const deadline = Date.now() + opts.untilMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    let r: CheckResult;
    try {
      r = await check();
    } catch (err) {
      r = unhealthy(`check threw: ${errorText(err)}`);
    }
    if (r.healthy || Date.now() + opts.intervalMs > deadline) return { ...r, details: { ...r.details, attempts } };
    await sleep(opts.intervalMs);
  }
}

export { detectActiveDatabase, type ActiveDatabase, type ActiveDatabaseOptions } from './active-database.js';
