// SHOW REPLICA STATUS rows differ by server: MariaDB 10.11 still answers with the Slave_/Master_
// column names, MySQL 8.0.22+ with Replica_/Source_. Normalise either into one shape.
import { scalar } from './util.js';

export interface ReplicaStatus {
  ioRunning: string;
  sqlRunning: string;
  /** Seconds_Behind_Master/Source; null when the server reports NULL (SQL thread down, no IO). */
  lagSeconds: number | null;
  masterHost: string;
  masterPort: number | null;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
}

function pick(row: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (row[n] !== undefined) return row[n];
  return undefined;
}

// mysql2 hands a cell over as a string, a number, a Buffer or a Date (never a plain object).
const asText = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : Buffer.isBuffer(v)
      ? v.toString('utf8')
      : v instanceof Date
        ? v.toISOString()
        : scalar(v);

function asNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(asText(v));
  return Number.isFinite(n) ? n : null;
}

export function normaliseReplicaRow(row: Record<string, unknown>): ReplicaStatus {
  return {
    ioRunning: asText(pick(row, 'Replica_IO_Running', 'Slave_IO_Running')),
    sqlRunning: asText(pick(row, 'Replica_SQL_Running', 'Slave_SQL_Running')),
    lagSeconds: asNumber(pick(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master')),
    masterHost: asText(pick(row, 'Source_Host', 'Master_Host')),
    masterPort: asNumber(pick(row, 'Source_Port', 'Master_Port')),
    lastIoErrno: asNumber(pick(row, 'Last_IO_Errno')) ?? 0,
    lastIoError: asText(pick(row, 'Last_IO_Error')),
    lastSqlErrno: asNumber(pick(row, 'Last_SQL_Errno')) ?? 0,
    lastSqlError: asText(pick(row, 'Last_SQL_Error')),
  };
}
