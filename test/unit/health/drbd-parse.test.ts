import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  activeStorageNode,
  assessDrbd,
  parseDrbdadmStatus,
  parseDrbdsetupJson,
  parseProcDrbd,
} from '../../../src/health/drbd.js';

const fixture = (...p: string[]): string =>
  readFileSync(path.join(process.cwd(), 'test', 'fixtures', 'drbd', ...p), 'utf8');

describe('drbdadm status text', () => {
  test('DRBD 9, short form', () => {
    expect(parseDrbdadmStatus(fixture('drbdadm', 'drbd9-healthy.txt'))).toEqual([
      {
        name: 'data',
        role: 'Primary',
        disks: ['UpToDate'],
        peers: [
          {
            name: 'acd-store2',
            connection: 'Connected',
            peerRole: 'Secondary',
            replication: 'Established',
            peerDisk: 'UpToDate',
          },
        ],
      },
    ]);
  });

  test('DRBD 9, --verbose --statistics (out-of-sync counted)', () => {
    const [r] = parseDrbdadmStatus(fixture('drbdadm', 'drbd9-verbose-healthy.txt'));
    expect(r?.peers[0]).toMatchObject({
      connection: 'Connected',
      replication: 'Established',
      peerDisk: 'UpToDate',
      outOfSync: 0,
    });
    expect(r?.disks).toEqual(['UpToDate']);
  });

  test('StandAlone and SyncTarget', () => {
    expect(parseDrbdadmStatus(fixture('drbdadm', 'drbd9-standalone.txt'))[0]?.peers[0]).toMatchObject({
      connection: 'StandAlone',
      replication: 'Off',
      peerDisk: 'DUnknown',
    });
    expect(parseDrbdadmStatus(fixture('drbdadm', 'drbd9-sync-target.txt'))[0]).toMatchObject({
      role: 'Secondary',
      disks: ['Inconsistent'],
      peers: [{ replication: 'SyncTarget', peerRole: 'Primary' }],
    });
  });

  test('8.4 kernel through drbd-utils 9: peer is called "peer"', () => {
    expect(parseDrbdadmStatus(fixture('drbdadm', 'drbd84-healthy.txt'))[0]?.peers[0]).toMatchObject({
      name: 'peer',
      peerRole: 'Primary',
      replication: 'Established',
    });
  });
});

describe('/proc/drbd and drbdsetup JSON', () => {
  test('8.4 line format, unconfigured minors skipped', () => {
    const text = `${fixture('drbd84', 'healthy', 'node1.proc-drbd.txt')} 1: cs:Unconfigured\n`;
    expect(parseProcDrbd(text)).toEqual([
      {
        name: '0',
        role: 'Primary',
        disks: ['UpToDate'],
        peers: [
          {
            name: 'peer',
            connection: 'Connected',
            peerRole: 'Secondary',
            replication: 'Established',
            peerDisk: 'UpToDate',
            outOfSync: 0,
          },
        ],
      },
    ]);
  });

  test('not /proc/drbd, not JSON', () => {
    expect(() => parseProcDrbd('hello')).toThrow();
    expect(() => parseDrbdsetupJson('{}')).toThrow(/array/);
  });

  test('one node view alone still finds a lone Primary', () => {
    const views = [
      {
        vm: 'acd-store2',
        source: 'drbdsetup-json' as const,
        resources: parseDrbdsetupJson(fixture('drbd9', 'healthy', 'node2.status.json')),
      },
    ];
    const r = assessDrbd(views);
    expect(r.healthy).toBe(true);
    expect(activeStorageNode(views)).toBeUndefined();
  });

  test('no resources at all', () => {
    expect(assessDrbd([{ vm: 'a', source: 'drbdsetup-json', resources: [] }]).message).toBe(
      'drbd: no DRBD resources configured',
    );
  });
});
