import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import mysql from 'mysql2/promise';
import type { Endpoint, DbCredentials } from './types.js';
import { errorText, scalar, withTimeout } from './util.js';
import { normaliseReplicaRow, type ReplicaStatus } from './replica-status.js';

export const DEFAULT_MYSQL_PORT = 3306;
const ER_PARSE_ERROR = 1064;

type Row = Record<string, unknown>;

function describe(err: unknown): string {
  const e = err as { errno?: unknown; sqlMessage?: unknown; code?: unknown };
  if (typeof e?.sqlMessage === 'string') return `${scalar(e.code)} ${scalar(e.errno)}: ${e.sqlMessage}`.trim();
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
  const mode = creds.tls?.mode ?? 'Preferred';
  const open = (ssl: SslOptions | undefined) =>
    mysql.createConnection({
      host: endpoint.host,
      port: endpoint.port ?? DEFAULT_MYSQL_PORT,
      user: creds.user,
      password: creds.password,
      connectTimeout: Math.max(1, timeoutMs),
      ...(ssl ? { ssl } : {}),
    });
  // Preferred: TLS when the server offers it, else plain (mysql2 has no such mode of its own).
  const pending = open(sslOptions(creds)).catch((err: unknown) => {
    if (mode === 'Preferred' && (err as { code?: unknown }).code === 'HANDSHAKE_NO_SSL_SUPPORT') return open(undefined);
    throw new Error(tlsHint(err, creds, where) ?? describe(err), { cause: err });
  });
  let conn: mysql.Connection | undefined;
  const kill = (): void => {
    if (conn) conn.destroy();
    else
      pending.then(
        (c) => c.destroy(),
        () => undefined,
      );
  };
  try {
    return await withTimeout(
      (async () => {
        try {
          conn = await pending;
        } catch (err) {
          throw new Error(`cannot connect to ${where}: ${(err as Error).message}`, { cause: err });
        }
        const wrongName = mode === 'VerifyIdentity' ? verifyName(conn, endpoint.host) : undefined;
        if (wrongName) {
          throw new Error(
            `cannot connect to ${where}: TLS to ${where} (VerifyIdentity): ` +
              `the server's certificate does not name ${endpoint.host}: ${wrongName.message}`,
          );
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

type SslOptions = { ca?: string; rejectUnauthorized: boolean };

/** mysql2's ssl options for a mode; undefined = no TLS. */
function sslOptions(creds: DbCredentials): SslOptions | undefined {
  const t = creds.tls ?? { mode: 'Preferred' as const };
  switch (t.mode) {
    case 'Disabled':
      return undefined;
    case 'Preferred':
    case 'Required':
      return { rejectUnauthorized: false };
    // The chain is verified here; the name (VerifyIdentity) by verifyName() once connected.
    case 'VerifyCA':
    case 'VerifyIdentity':
      return { ca: t.ca, rejectUnauthorized: true };
  }
}

/**
 * VerifyIdentity: the certificate must name the address connected to. Checked here, not by mysql2's
 * verifyIdentity: for an IP address mysql2 gives the TLS layer no name, and Node then checks the
 * certificate against "localhost", which passes for any server certificate that names localhost.
 * mysql2 logs in during the same connect, so a server with a certificate from the right CA but for
 * another name has seen the login (a hashed password) before this check refuses it: the CA is what
 * anchors the trust; the name check keeps one ACD's database from answering for another's.
 */
function verifyName(conn: mysql.Connection, host: string): Error | undefined {
  const stream = (conn as unknown as { connection: { stream: { getPeerCertificate?: () => PeerCertificate } } })
    .connection.stream;
  const cert = stream.getPeerCertificate?.();
  if (!cert || !Object.keys(cert).length) return new Error(`no server certificate to check against ${host}`);
  return checkServerIdentity(host, cert);
}

const CERT_ERRORS = /certificate|self.signed|unable to verify|Hostname\/IP does not match|ERR_TLS/i;
const ER_SECURE_TRANSPORT_REQUIRED = 3159;
const MARIADB_SECURE_TRANSPORT_REQUIRED = 1045;

/** A connect error that TLS settings explain, said in those terms; undefined otherwise. */
function tlsHint(err: unknown, creds: DbCredentials, where: string): string | undefined {
  const mode = creds.tls?.mode ?? 'Preferred';
  const e = err as { errno?: unknown; sqlMessage?: unknown; message?: unknown; code?: unknown };
  const text = scalar(e.sqlMessage) || scalar(e.message);
  if (
    /insecure transport|secure_transport/i.test(text) ||
    e.errno === ER_SECURE_TRANSPORT_REQUIRED ||
    (e.errno === MARIADB_SECURE_TRANSPORT_REQUIRED && /SSL|TLS/i.test(text))
  ) {
    return `the server ${where} requires TLS, and spec.health.mysql.tls.mode is ${mode} (${describe(err)})`;
  }
  if (e.code === 'HANDSHAKE_NO_SSL_SUPPORT')
    return `the server ${where} does not offer TLS, and spec.health.mysql.tls.mode is ${mode}`;
  if ((mode === 'VerifyCA' || mode === 'VerifyIdentity') && CERT_ERRORS.test(`${text} ${scalar(e.code)}`)) {
    const what =
      mode === 'VerifyCA'
        ? `is not signed by the CA in Secret ${creds.tls?.caSecret ?? '?'}`
        : `is not signed by the CA in Secret ${creds.tls?.caSecret ?? '?'} or does not name ${where.split(':')[0]}`;
    return `TLS to ${where} (${mode}): the server's certificate ${what}: ${describe(err)}`;
  }
  return undefined;
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
