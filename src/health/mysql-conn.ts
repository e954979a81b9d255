import mysql from 'mysql2/promise';
import type { Endpoint, DbCredentials } from './types.js';
import { errorText, withTimeout } from './util.js';
import { normaliseReplicaRow, type ReplicaStatus } from './replica-status.js';

export const DEFAULT_MYSQL_PORT = 3306;
const ER_PARSE_ERROR = 1064;

type Row = Record<string, unknown>;

function describe(err: unknown): string {
  const e = err as { errno?: unknown; sqlMessage?: unknown; code?: unknown };
  if (typeof e?.sqlMessage === 'string') return `${String(e.code ?? '')} ${String(e.errno ?? '')}: ${e.sqlMessage}`.trim();
  return errorText(err);
}

/**
 * Opens one connection, runs `work`, closes it. Everything – connect included – shares one
 * deadline; on expiry the socket is destroyed, also when the connect is still pending.
 */
export async function withConnection<T>(
  endpoint: Endpoint,
  creds: DbCredentials,
  timeoutMs: number,
  work: (q: (sql: string) => Promise<Row[]>) => Promise<T>,
): Promise<T> {
  const where = `${endpoint.host}:${endpoint.port ?? DEFAULT_MYSQL_PORT}`;
  const pending = mysql.createConnection({
    host: endpoint.host,
    port: endpoint.port ?? DEFAULT_MYSQL_PORT,
    user: creds.user,
    password: creds.password,
    connectTimeout: Math.max(1, timeoutMs),
  });
  let conn: mysql.Connection | undefined;
  const kill = (): void => {
    if (conn) conn.destroy();
    else pending.then((c) => c.destroy(), () => undefined);
  };
  try {
    return await withTimeout(
      (async () => {
        try {
          conn = await pending;
        } catch (err) {
          throw new Error(`cannot connect to ${where}: ${describe(err)}`, { cause: err });
        }
        const q = async (sql: string): Promise<Row[]> => {
          const [rows] = await (conn as mysql.Connection).query(sql);
          return Array.isArray(rows) ? (rows as Row[]) : [];
        };
        return await work(q);
      })(),
      timeoutMs,
      `database ${where}`,
      kill,
    );
  } finally {
    // A graceful QUIT, but never wait long for it: the socket may already be gone.
    const c = conn;
    if (c) await withTimeout(c.end(), 1000, 'close').catch(() => c.destroy());
  }
}

/** SHOW REPLICA STATUS, or SHOW SLAVE STATUS on servers that reject the newer syntax. */
export async function showReplicaStatus(q: (sql: string) => Promise<Row[]>): Promise<ReplicaStatus | undefined> {
  let rows: Row[];
  try {
    rows = await q('SHOW REPLICA STATUS');
  } catch (err) {
    if ((err as { errno?: unknown }).errno !== ER_PARSE_ERROR) throw new Error(describe(err), { cause: err });
    rows = await q('SHOW SLAVE STATUS');
  }
  return rows[0] ? normaliseReplicaRow(rows[0]) : undefined;
}

export { describe as describeDbError };
