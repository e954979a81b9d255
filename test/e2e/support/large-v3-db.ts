// A Large V3's four database VMs played by real MariaDB instances on loopback, for the e2e files
// whose health gates check MySQL replication: master1 <-> master2, slave1 following master1 and
// slave2 following master2, as dbs/dbr follow their master's side. The stand-in reports 127.0.0.1
// as each VMI's IP (`standin.acd.power.dev/ip`), so the checks reach the VMs as they would in a
// cluster.
import type { Machine } from '../../../src/plan/index.js';
import { instance, rootQuery, startMariaDb, waitReplicating, type MariaDbInfo } from '../../services/mariadb.js';
import { kubectl } from './env.js';

/** Which MariaDB instance plays which database VM of a Large V3. */
export const DB_OF: Record<string, string> = {
  'acd-dbm1': 'master1',
  'acd-dbm2': 'master2',
  'acd-dbs1-dbr1': 'slave1',
  'acd-dbs2-dbr2': 'slave2',
};

export const LOOPBACK_IP = { 'standin.acd.power.dev/ip': '127.0.0.1' };

/** The four instances, replicating as a Large V3's databases do. */
export async function startLargeV3Dbs(): Promise<MariaDbInfo> {
  const db = await startMariaDb({ count: 4 });
  const s2 = instance(db, 'slave2');
  s2.replicatesFrom = 'master2';
  await rootQuery(
    db,
    'slave2',
    'STOP SLAVE; CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=?, MASTER_USER=?, MASTER_PASSWORD=?, ' +
      'MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE',
    [db.host, instance(db, 'master2').port, db.replication.user, db.replication.password],
  );
  await waitReplicating(db);
  return db;
}

/** The machines, each database VM pointed at its instance's port. */
export const withDbPorts = (machines: readonly Machine[], db: MariaDbInfo): Machine[] =>
  machines.map((m) => (DB_OF[m.vm] ? { ...m, ports: { mysql: instance(db, DB_OF[m.vm]!).port } } : m));

/** The monitor user's Secret in `namespace`, and the spec.health that uses it. */
export async function monitorSecret(namespace: string, db: MariaDbInfo): Promise<Record<string, unknown>> {
  await kubectl([
    'create',
    'secret',
    'generic',
    'mysql-monitor',
    '-n',
    namespace,
    `--from-literal=username=${db.monitor.user}`,
    `--from-literal=password=${db.monitor.password}`,
  ]);
  return { interval: '2s', checkTimeout: '3s', mysql: { credentialsSecret: 'mysql-monitor', maxLagSeconds: 30 } };
}
