import { showReplicaStatus, withConnection, DEFAULT_MYSQL_PORT } from './mysql-conn.js';
import type { DbCredentials, Endpoint } from './types.js';
import { errorText, redact } from './util.js';

export interface ActiveDatabase {
  side?: 1 | 2;
  /** What the answer rests on: "read_only+replicas", "read_only", or "none". */
  source: string;
  message: string;
}

export interface ActiveDatabaseOptions {
  masters: Array<{ side: 1 | 2; endpoint: Endpoint }>;
  replicas: Endpoint[];
  credentials: DbCredentials;
  timeoutMs: number;
}

const sameServer = (host: string, port: number | null, e: Endpoint): boolean =>
  host === e.host && port === (e.port ?? DEFAULT_MYSQL_PORT);

/**
 * Which master is active: the one with read_only=0, when exactly one is writable, confirmed by the
 * replicas all following it. The shutdown order depends on this, so any doubt – a failed probe,
 * two writable masters, a replica following the other side – yields no answer rather than a guess.
 */
export async function detectActiveDatabase(opts: ActiveDatabaseOptions): Promise<ActiveDatabase> {
  const secrets = [opts.credentials.password];
  try {
    const probes = await Promise.all(
      opts.masters.map(async (m) => {
        try {
          const ro = await withConnection(m.endpoint, opts.credentials, opts.timeoutMs, async (q) => {
            const [row] = await q('SELECT @@global.read_only AS ro');
            return Number(row?.['ro']);
          });
          return { ...m, readOnly: ro !== 0 };
        } catch (err) {
          return { ...m, error: errorText(err) };
        }
      }),
    );
    const failed = probes.filter((p) => 'error' in p);
    if (failed.length) {
      return redact(
        {
          source: 'none',
          message: `cannot tell the active database: ${failed.map((p) => `${p.endpoint.vm}: ${p.error}`).join('; ')}`,
        },
        secrets,
      );
    }
    const writable = probes.filter((p) => 'readOnly' in p && !p.readOnly);
    if (writable.length !== 1) {
      const why =
        writable.length === 0
          ? 'no master is writable (all read_only=1)'
          : `${writable.map((p) => p.endpoint.vm).join(' and ')} are all writable (read_only=0)`;
      return { source: 'none', message: `cannot tell the active database: ${why}` };
    }
    const active = writable[0] as (typeof writable)[number];

    const followed = await Promise.all(
      opts.replicas.map(async (r) => {
        try {
          const st = await withConnection(r, opts.credentials, opts.timeoutMs, showReplicaStatus);
          if (!st) return { vm: r.vm, error: 'not a replica' };
          const m = opts.masters.find((x) => sameServer(st.masterHost, st.masterPort, x.endpoint));
          return m
            ? { vm: r.vm, master: m }
            : { vm: r.vm, error: `follows ${st.masterHost}:${st.masterPort}, which is no known master` };
        } catch (err) {
          return { vm: r.vm, error: errorText(err) };
        }
      }),
    );
    const problems = followed.flatMap((f) =>
      'error' in f
        ? [`${f.vm}: ${f.error}`]
        : f.master.side !== active.side
          ? [`${f.vm} follows ${f.master.endpoint.vm}`]
          : [],
    );
    if (problems.length) {
      return redact(
        {
          source: 'none',
          message: `cannot tell the active database: ${active.endpoint.vm} is writable but ${problems.join('; ')}`,
        },
        secrets,
      );
    }
    return {
      side: active.side,
      source: opts.replicas.length ? 'read_only+replicas' : 'read_only',
      message: `${active.endpoint.vm} (side ${active.side}) is active: read_only=0${followers(opts.replicas)}`,
    };
  } catch (err) {
    return redact({ source: 'none', message: `active database detection failed: ${errorText(err)}` }, secrets);
  }
}

const followers = (replicas: { vm: string }[]) =>
  replicas.length ? `, followed by ${replicas.map((r) => r.vm).join(', ')}` : '';
