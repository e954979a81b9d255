import { describe, expect, test } from '@jest/globals';
import { assessReplicaStatus, normaliseReplicaRow } from '../../../src/health/mysql-replication.js';

// Rows as MySQL 8.0.22+ returns them from SHOW REPLICA STATUS (Replica_/Source_ names), and as
// MariaDB 10.11 returns them (Slave_/Master_ names), trimmed to the columns that matter.
const mysql8Row = {
  Replica_IO_State: 'Waiting for source to send event',
  Source_Host: 'acd-dbm1.acd.local',
  Source_User: 'repl',
  Source_Port: 3306,
  Connect_Retry: 60,
  Replica_IO_Running: 'Yes',
  Replica_SQL_Running: 'Yes',
  Last_Errno: 0,
  Seconds_Behind_Source: 3,
  Last_IO_Errno: 0,
  Last_IO_Error: '',
  Last_SQL_Errno: 0,
  Last_SQL_Error: '',
};

const mariadbRow = {
  Slave_IO_State: 'Waiting for master to send event',
  Master_Host: '10.0.0.11',
  Master_Port: 3306,
  Slave_IO_Running: 'Yes',
  Slave_SQL_Running: 'No',
  Seconds_Behind_Master: null,
  Last_IO_Errno: 0,
  Last_IO_Error: '',
  Last_SQL_Errno: 1396,
  Last_SQL_Error: "Error 'Operation CREATE USER failed for 'x'@'%'' on query.",
};

const dbm1 = { vm: 'acd-dbm1', host: 'acd-dbm1.acd.local', port: 3306 };

describe('normaliseReplicaRow', () => {
  test('MySQL 8 column names', () => {
    expect(normaliseReplicaRow(mysql8Row)).toEqual({
      ioRunning: 'Yes',
      sqlRunning: 'Yes',
      lagSeconds: 3,
      masterHost: 'acd-dbm1.acd.local',
      masterPort: 3306,
      lastIoErrno: 0,
      lastIoError: '',
      lastSqlErrno: 0,
      lastSqlError: '',
    });
  });

  test('MariaDB (old) column names, NULL lag', () => {
    expect(normaliseReplicaRow(mariadbRow)).toMatchObject({
      ioRunning: 'Yes',
      sqlRunning: 'No',
      lagSeconds: null,
      masterHost: '10.0.0.11',
      lastSqlErrno: 1396,
    });
  });

  test('numbers as strings or buffers (text protocol, binary collations)', () => {
    const r = normaliseReplicaRow({
      ...mysql8Row,
      Seconds_Behind_Source: '12',
      Source_Port: '3307',
      Last_IO_Errno: '2003',
      Source_Host: Buffer.from('h'),
    });
    expect(r).toMatchObject({ lagSeconds: 12, masterPort: 3307, lastIoErrno: 2003, masterHost: 'h' });
  });

  test('missing columns read as not running', () => {
    expect(normaliseReplicaRow({})).toMatchObject({
      ioRunning: '',
      sqlRunning: '',
      lagSeconds: null,
      masterPort: null,
      lastIoErrno: 0,
    });
  });
});

describe('assessReplicaStatus', () => {
  test('healthy MySQL 8 replica', () => {
    const r = assessReplicaStatus('acd-dbs1', normaliseReplicaRow(mysql8Row), dbm1, 10);
    expect(r).toMatchObject({ healthy: true, message: 'acd-dbs1: replicating from acd-dbm1, 3s behind' });
  });

  test('lag over threshold', () => {
    const r = assessReplicaStatus('acd-dbs1', normaliseReplicaRow(mysql8Row), dbm1, 2);
    expect(r.message).toBe('acd-dbs1: 3s behind acd-dbm1 (max 2s)');
  });

  test('SQL error with errno, lag NULL not reported twice', () => {
    const r = assessReplicaStatus(
      'acd-dbs1',
      normaliseReplicaRow(mariadbRow),
      { vm: 'acd-dbm1', host: '10.0.0.11' },
      10,
    );
    expect(r.message).toBe(
      "acd-dbs1: SQL thread stopped (errno 1396: Error 'Operation CREATE USER failed for 'x'@'%'' on query.)",
    );
  });

  test('threads running but lag NULL', () => {
    const r = assessReplicaStatus(
      'acd-dbs1',
      normaliseReplicaRow({ ...mysql8Row, Seconds_Behind_Source: null }),
      dbm1,
      10,
    );
    expect(r.message).toBe('acd-dbs1: lag unknown (Seconds_Behind_Master is NULL)');
  });

  test('host compared as given: an IP is not the configured name', () => {
    const r = assessReplicaStatus(
      'acd-dbs1',
      normaliseReplicaRow({ ...mysql8Row, Source_Host: '10.0.0.11' }),
      dbm1,
      10,
    );
    expect(r.message).toBe('acd-dbs1: replicates from 10.0.0.11:3306, expected acd-dbm1 (acd-dbm1.acd.local:3306)');
  });
});
