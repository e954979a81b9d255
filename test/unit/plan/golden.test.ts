// Golden plans: each expected plan is written out by hand from the seed's tables and prose,
// never computed, so a planner change that reorders a runbook step fails here.
import { describe, expect, test } from '@jest/globals';
import { planTransition, type Stage } from '../../../src/plan/index.js';
import { FLIPPED_ACTIVE, SEED_ACTIVE, SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

type StageInput = Omit<Stage, 'checks'> & { checks?: Stage['checks'] };
const stage = ({ checks = [], ...rest }: StageInput): Stage => ({ ...rest, checks });

const stagesOf = (layout: keyof typeof SEED_LAYOUTS, direction: 'On' | 'Off', active = SEED_ACTIVE): Stage[] => {
  const plan = planTransition(SEED_LAYOUTS[layout], active, direction);
  expect(plan.direction).toBe(direction);
  return plan.stages;
};

const APP_MEDIUM = ['acd-jb1', 'acd-jb2', 'acd-tel'];
const APP_LARGE = ['acd-jb1', 'acd-jb2', 'acd-tel1', 'acd-tel2'];

describe('Small V1', () => {
  test('startup: "First start acd-store/lb/dbm/dbs/dbr/jb. Wait until ... is up before starting acd-tel."', () => {
    expect(stagesOf('SmallV1', 'On')).toEqual([
      stage({
        index: 0,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store-lb-dbm-dbs-dbr-jb'],
        gate: 'Completed',
        awaits: ['acd-store-lb-dbm-dbs-dbr-jb'],
      }),
      stage({
        index: 1,
        name: 'app tier',
        tier: 'app',
        vms: ['acd-tel'],
        gate: 'Completed',
        awaits: ['acd-tel'],
        checks: ['systemHealth'],
      }),
    ]);
  });

  test(
    'shutdown: "You do not have to wait until acd-tel is down ' + 'before shutting acd-store/lb/dbm/dbs/dbr/jb down."',
    () => {
      expect(stagesOf('SmallV1', 'Off')).toEqual([
        stage({ index: 0, name: 'app tier', tier: 'app', vms: ['acd-tel'], gate: 'Initiated', awaits: [] }),
        stage({
          index: 1,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store-lb-dbm-dbs-dbr-jb'],
          gate: 'Completed',
          awaits: ['acd-store-lb-dbm-dbs-dbr-jb', 'acd-tel'],
        }),
      ]);
    },
  );
});

describe('Small V2', () => {
  test('startup: table 1 acd-store/lb/jb, 2 acd-dbm/dbs/dbr, 3 acd-tel; "wait until it is up" each', () => {
    expect(stagesOf('SmallV2', 'On')).toEqual([
      stage({
        index: 0,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store-lb-jb'],
        gate: 'Completed',
        awaits: ['acd-store-lb-jb'],
      }),
      stage({
        index: 1,
        name: 'dbm tier',
        tier: 'dbm',
        vms: ['acd-dbm-dbs-dbr'],
        gate: 'Completed',
        awaits: ['acd-dbm-dbs-dbr'],
      }),
      stage({
        index: 2,
        name: 'app tier',
        tier: 'app',
        vms: ['acd-tel'],
        gate: 'Completed',
        awaits: ['acd-tel'],
        checks: ['systemHealth'],
      }),
    ]);
  });

  test('shutdown: "You do not have to wait until acd-tel is down ... Wait for acd-dbm/dbs/dbr to shutdown"', () => {
    expect(stagesOf('SmallV2', 'Off')).toEqual([
      stage({ index: 0, name: 'app tier', tier: 'app', vms: ['acd-tel'], gate: 'Initiated', awaits: [] }),
      stage({
        index: 1,
        name: 'dbm tier',
        tier: 'dbm',
        vms: ['acd-dbm-dbs-dbr'],
        gate: 'Completed',
        awaits: ['acd-dbm-dbs-dbr', 'acd-tel'],
      }),
      stage({
        index: 2,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store-lb-jb'],
        gate: 'Completed',
        awaits: ['acd-store-lb-jb'],
      }),
    ]);
  });
});

describe('Small V3', () => {
  test('startup: "Start acd-jbN and acd-tel afterwards in no particular order" merges table steps 3 and 4', () => {
    expect(stagesOf('SmallV3', 'On')).toEqual([
      stage({
        index: 0,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store-lb'],
        gate: 'Completed',
        awaits: ['acd-store-lb'],
      }),
      stage({
        index: 1,
        name: 'dbm tier',
        tier: 'dbm',
        vms: ['acd-dbm-dbs-dbr'],
        gate: 'Completed',
        awaits: ['acd-dbm-dbs-dbr'],
      }),
      stage({
        index: 2,
        name: 'app tier',
        tier: 'app',
        vms: APP_MEDIUM,
        gate: 'Completed',
        awaits: APP_MEDIUM,
        checks: ['systemHealth'],
      }),
    ]);
  });

  test('shutdown: "acd-tel and acd-jbN in no particular order" merges table steps 1 and 2', () => {
    expect(stagesOf('SmallV3', 'Off')).toEqual([
      stage({ index: 0, name: 'app tier', tier: 'app', vms: APP_MEDIUM, gate: 'Initiated', awaits: [] }),
      stage({
        index: 1,
        name: 'dbm tier',
        tier: 'dbm',
        vms: ['acd-dbm-dbs-dbr'],
        gate: 'Completed',
        awaits: ['acd-dbm-dbs-dbr', ...APP_MEDIUM],
      }),
      stage({
        index: 2,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store-lb'],
        gate: 'Completed',
        awaits: ['acd-store-lb'],
      }),
    ]);
  });
});

describe('Medium V1', () => {
  test('startup: "Start acd-dbs/dbr and check the MySQL replication status after it is up"', () => {
    expect(stagesOf('MediumV1', 'On')).toEqual([
      stage({
        index: 0,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store-lb'],
        gate: 'Completed',
        awaits: ['acd-store-lb'],
      }),
      stage({ index: 1, name: 'dbm tier', tier: 'dbm', vms: ['acd-dbm'], gate: 'Completed', awaits: ['acd-dbm'] }),
      stage({
        index: 2,
        name: 'dbs/dbr tier',
        tier: 'dbsr',
        vms: ['acd-dbs-dbr'],
        gate: 'Completed',
        awaits: ['acd-dbs-dbr'],
        checks: ['mysqlReplication'],
      }),
      stage({
        index: 3,
        name: 'app tier',
        tier: 'app',
        vms: APP_MEDIUM,
        gate: 'Completed',
        awaits: APP_MEDIUM,
        checks: ['systemHealth'],
      }),
    ]);
  });

  test(
    'shutdown: "Wait until acd-dbs/dbr is shutdown before shutting acd-dbm down. ' +
      'Wait until acd-dbm is shutdown ..."',
    () => {
      expect(stagesOf('MediumV1', 'Off')).toEqual([
        stage({ index: 0, name: 'app tier', tier: 'app', vms: APP_MEDIUM, gate: 'Initiated', awaits: [] }),
        stage({
          index: 1,
          name: 'dbs/dbr tier',
          tier: 'dbsr',
          vms: ['acd-dbs-dbr'],
          gate: 'Completed',
          awaits: ['acd-dbs-dbr', ...APP_MEDIUM],
        }),
        stage({ index: 2, name: 'dbm tier', tier: 'dbm', vms: ['acd-dbm'], gate: 'Completed', awaits: ['acd-dbm'] }),
        stage({
          index: 3,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store-lb'],
          gate: 'Completed',
          awaits: ['acd-store-lb'],
        }),
      ]);
    },
  );

  test('dbs and dbr on separate VMs start together as one "acd-dbs/dbr" step', () => {
    const machines = SEED_LAYOUTS.MediumV1.filter((m) => m.vm !== 'acd-dbs-dbr').concat(
      { vm: 'acd-dbs', roles: ['dbs'] },
      { vm: 'acd-dbr', roles: ['dbr'] },
    );
    const dbsr = planTransition(machines, {}, 'On').stages.filter((s) => s.tier === 'dbsr');
    expect(dbsr).toEqual([
      stage({
        index: 2,
        name: 'dbs/dbr tier',
        tier: 'dbsr',
        vms: ['acd-dbr', 'acd-dbs'],
        gate: 'Completed',
        awaits: ['acd-dbr', 'acd-dbs'],
        checks: ['mysqlReplication'],
      }),
    ]);
  });
});

describe('Medium V2', () => {
  test('startup: store, lb, dbm, dbs/dbr each "wait until it is up", then jbN and tel', () => {
    expect(stagesOf('MediumV2', 'On')).toEqual([
      stage({
        index: 0,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store'],
        gate: 'Completed',
        awaits: ['acd-store'],
      }),
      stage({ index: 1, name: 'lb tier', tier: 'lb', vms: ['acd-lb'], gate: 'Completed', awaits: ['acd-lb'] }),
      stage({ index: 2, name: 'dbm tier', tier: 'dbm', vms: ['acd-dbm'], gate: 'Completed', awaits: ['acd-dbm'] }),
      stage({
        index: 3,
        name: 'dbs/dbr tier',
        tier: 'dbsr',
        vms: ['acd-dbs-dbr'],
        gate: 'Completed',
        awaits: ['acd-dbs-dbr'],
        checks: ['mysqlReplication'],
      }),
      stage({
        index: 4,
        name: 'app tier',
        tier: 'app',
        vms: APP_MEDIUM,
        gate: 'Completed',
        awaits: APP_MEDIUM,
        checks: ['systemHealth'],
      }),
    ]);
  });

  test(
    'shutdown: "Wait until acd-dbm is shutdown before shutting acd-lb down. ' +
      'Wait until acd-lb is shutdown before ... acd-store"',
    () => {
      expect(stagesOf('MediumV2', 'Off')).toEqual([
        stage({ index: 0, name: 'app tier', tier: 'app', vms: APP_MEDIUM, gate: 'Initiated', awaits: [] }),
        stage({
          index: 1,
          name: 'dbs/dbr tier',
          tier: 'dbsr',
          vms: ['acd-dbs-dbr'],
          gate: 'Completed',
          awaits: ['acd-dbs-dbr', ...APP_MEDIUM],
        }),
        stage({ index: 2, name: 'dbm tier', tier: 'dbm', vms: ['acd-dbm'], gate: 'Completed', awaits: ['acd-dbm'] }),
        stage({ index: 3, name: 'lb tier', tier: 'lb', vms: ['acd-lb'], gate: 'Completed', awaits: ['acd-lb'] }),
        stage({
          index: 4,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store'],
          gate: 'Completed',
          awaits: ['acd-store'],
        }),
      ]);
    },
  );
});

// Large shutdown prose shared by V1-V3: "shutting acd-dbs1/dbr1 and acd-dbs2/dbr2 down simultaneously, but in
// correct order. Wait until acd-dbs1/dbr1 and acd-dbs2/dbr2 are down until shutting acd-dbm1 down."
const LARGE_DBSR_OFF_ACTIVE_2: Stage[] = [
  stage({ index: 0, name: 'app tier', tier: 'app', vms: APP_LARGE, gate: 'Initiated', awaits: [] }),
  stage({
    index: 1,
    name: 'dbs/dbr side 1 (inactive)',
    tier: 'dbsr',
    side: 1,
    vms: ['acd-dbs1-dbr1'],
    gate: 'Initiated',
    awaits: [],
  }),
  stage({
    index: 2,
    name: 'dbs/dbr side 2 (active)',
    tier: 'dbsr',
    side: 2,
    vms: ['acd-dbs2-dbr2'],
    gate: 'Completed',
    awaits: ['acd-dbs1-dbr1', 'acd-dbs2-dbr2', ...APP_LARGE],
  }),
  stage({
    index: 3,
    name: 'dbm side 1 (inactive)',
    tier: 'dbm',
    side: 1,
    vms: ['acd-dbm1'],
    gate: 'Completed',
    awaits: ['acd-dbm1'],
  }),
  stage({
    index: 4,
    name: 'dbm side 2 (active)',
    tier: 'dbm',
    side: 2,
    vms: ['acd-dbm2'],
    gate: 'Completed',
    awaits: ['acd-dbm2'],
  }),
];

describe('Large V1 (acd-dbm2 active)', () => {
  test(
    'startup: "Start acd-dbm2 ... acd-dbm1 ... acd-dbs2/dbr2 ... acd-dbs1/dbr1"; ' +
      'replication checked on all partners',
    () => {
      expect(stagesOf('LargeV1', 'On')).toEqual([
        stage({
          index: 0,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store'],
          gate: 'Completed',
          awaits: ['acd-store'],
        }),
        stage({ index: 1, name: 'lb tier', tier: 'lb', vms: ['acd-lb'], gate: 'Completed', awaits: ['acd-lb'] }),
        stage({
          index: 2,
          name: 'dbm side 2 (active)',
          tier: 'dbm',
          side: 2,
          vms: ['acd-dbm2'],
          gate: 'Completed',
          awaits: ['acd-dbm2'],
        }),
        stage({
          index: 3,
          name: 'dbm side 1 (inactive)',
          tier: 'dbm',
          side: 1,
          vms: ['acd-dbm1'],
          gate: 'Completed',
          awaits: ['acd-dbm1'],
        }),
        stage({
          index: 4,
          name: 'dbs/dbr side 2 (active)',
          tier: 'dbsr',
          side: 2,
          vms: ['acd-dbs2-dbr2'],
          gate: 'Completed',
          awaits: ['acd-dbs2-dbr2'],
        }),
        stage({
          index: 5,
          name: 'dbs/dbr side 1 (inactive)',
          tier: 'dbsr',
          side: 1,
          vms: ['acd-dbs1-dbr1'],
          gate: 'Completed',
          awaits: ['acd-dbs1-dbr1'],
          checks: ['mysqlReplication'],
        }),
        stage({
          index: 6,
          name: 'app tier',
          tier: 'app',
          vms: APP_LARGE,
          gate: 'Completed',
          awaits: APP_LARGE,
          checks: ['systemHealth'],
        }),
      ]);
    },
  );

  test(
    'shutdown: table 1-8 with telN/jbN and dbs1/dbs2 merged per prose; ' +
      '"Wait until acd-dbm2 is down before ... acd-lb"',
    () => {
      expect(stagesOf('LargeV1', 'Off')).toEqual([
        ...LARGE_DBSR_OFF_ACTIVE_2,
        stage({ index: 5, name: 'lb tier', tier: 'lb', vms: ['acd-lb'], gate: 'Completed', awaits: ['acd-lb'] }),
        stage({
          index: 6,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store'],
          gate: 'Completed',
          awaits: ['acd-store'],
        }),
      ]);
    },
  );
});

describe('Large V2 (acd-lb2 active)', () => {
  test(
    'startup: "Start acd-lb2 ... Start acd-lb1"; ' + '"pcs cluster status must be checked on all pcs cluster members"',
    () => {
      expect(stagesOf('LargeV2', 'On')).toEqual([
        stage({
          index: 0,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store'],
          gate: 'Completed',
          awaits: ['acd-store'],
        }),
        stage({
          index: 1,
          name: 'lb side 2 (active)',
          tier: 'lb',
          side: 2,
          vms: ['acd-lb2'],
          gate: 'Completed',
          awaits: ['acd-lb2'],
        }),
        stage({
          index: 2,
          name: 'lb side 1 (inactive)',
          tier: 'lb',
          side: 1,
          vms: ['acd-lb1'],
          gate: 'Completed',
          awaits: ['acd-lb1'],
          checks: ['pacemaker'],
        }),
        stage({
          index: 3,
          name: 'dbm side 2 (active)',
          tier: 'dbm',
          side: 2,
          vms: ['acd-dbm2'],
          gate: 'Completed',
          awaits: ['acd-dbm2'],
        }),
        stage({
          index: 4,
          name: 'dbm side 1 (inactive)',
          tier: 'dbm',
          side: 1,
          vms: ['acd-dbm1'],
          gate: 'Completed',
          awaits: ['acd-dbm1'],
        }),
        stage({
          index: 5,
          name: 'dbs/dbr side 2 (active)',
          tier: 'dbsr',
          side: 2,
          vms: ['acd-dbs2-dbr2'],
          gate: 'Completed',
          awaits: ['acd-dbs2-dbr2'],
        }),
        stage({
          index: 6,
          name: 'dbs/dbr side 1 (inactive)',
          tier: 'dbsr',
          side: 1,
          vms: ['acd-dbs1-dbr1'],
          gate: 'Completed',
          awaits: ['acd-dbs1-dbr1'],
          checks: ['mysqlReplication'],
        }),
        stage({
          index: 7,
          name: 'app tier',
          tier: 'app',
          vms: APP_LARGE,
          gate: 'Completed',
          awaits: APP_LARGE,
          checks: ['systemHealth'],
        }),
      ]);
    },
  );

  test(
    'shutdown: "Wait until acd-lb1 is down before shutting down acd-lb2. ' +
      'Wait until acd-lb2 is down before ... acd-store"',
    () => {
      expect(stagesOf('LargeV2', 'Off')).toEqual([
        ...LARGE_DBSR_OFF_ACTIVE_2,
        stage({
          index: 5,
          name: 'lb side 1 (inactive)',
          tier: 'lb',
          side: 1,
          vms: ['acd-lb1'],
          gate: 'Completed',
          awaits: ['acd-lb1'],
        }),
        stage({
          index: 6,
          name: 'lb side 2 (active)',
          tier: 'lb',
          side: 2,
          vms: ['acd-lb2'],
          gate: 'Completed',
          awaits: ['acd-lb2'],
        }),
        stage({
          index: 7,
          name: 'store tier',
          tier: 'store',
          vms: ['acd-store'],
          gate: 'Completed',
          awaits: ['acd-store'],
        }),
      ]);
    },
  );
});

describe('Large V3 (acd-store2 active)', () => {
  test(
    'startup: "First start acd-store2 ... Start acd-store1"; ' +
      '"pcs cluster and drbd replication status must be checked"',
    () => {
      expect(stagesOf('LargeV3', 'On')).toEqual([
        stage({
          index: 0,
          name: 'store side 2 (active)',
          tier: 'store',
          side: 2,
          vms: ['acd-store2'],
          gate: 'Completed',
          awaits: ['acd-store2'],
        }),
        stage({
          index: 1,
          name: 'store side 1 (inactive)',
          tier: 'store',
          side: 1,
          vms: ['acd-store1'],
          gate: 'Completed',
          awaits: ['acd-store1'],
          checks: ['pacemaker', 'drbd'],
        }),
        stage({
          index: 2,
          name: 'lb side 2 (active)',
          tier: 'lb',
          side: 2,
          vms: ['acd-lb2'],
          gate: 'Completed',
          awaits: ['acd-lb2'],
        }),
        stage({
          index: 3,
          name: 'lb side 1 (inactive)',
          tier: 'lb',
          side: 1,
          vms: ['acd-lb1'],
          gate: 'Completed',
          awaits: ['acd-lb1'],
          checks: ['pacemaker'],
        }),
        stage({
          index: 4,
          name: 'dbm side 2 (active)',
          tier: 'dbm',
          side: 2,
          vms: ['acd-dbm2'],
          gate: 'Completed',
          awaits: ['acd-dbm2'],
        }),
        stage({
          index: 5,
          name: 'dbm side 1 (inactive)',
          tier: 'dbm',
          side: 1,
          vms: ['acd-dbm1'],
          gate: 'Completed',
          awaits: ['acd-dbm1'],
        }),
        stage({
          index: 6,
          name: 'dbs/dbr side 2 (active)',
          tier: 'dbsr',
          side: 2,
          vms: ['acd-dbs2-dbr2'],
          gate: 'Completed',
          awaits: ['acd-dbs2-dbr2'],
        }),
        stage({
          index: 7,
          name: 'dbs/dbr side 1 (inactive)',
          tier: 'dbsr',
          side: 1,
          vms: ['acd-dbs1-dbr1'],
          gate: 'Completed',
          awaits: ['acd-dbs1-dbr1'],
          checks: ['mysqlReplication'],
        }),
        stage({
          index: 8,
          name: 'app tier',
          tier: 'app',
          vms: APP_LARGE,
          gate: 'Completed',
          awaits: APP_LARGE,
          checks: ['systemHealth'],
        }),
      ]);
    },
  );

  test(
    'shutdown: "Wait until acd-lb2 is down before shutting down acd-store1. ' +
      'Wait until acd-store1 is down until shutting acd-store2 down."',
    () => {
      expect(stagesOf('LargeV3', 'Off')).toEqual([
        ...LARGE_DBSR_OFF_ACTIVE_2,
        stage({
          index: 5,
          name: 'lb side 1 (inactive)',
          tier: 'lb',
          side: 1,
          vms: ['acd-lb1'],
          gate: 'Completed',
          awaits: ['acd-lb1'],
        }),
        stage({
          index: 6,
          name: 'lb side 2 (active)',
          tier: 'lb',
          side: 2,
          vms: ['acd-lb2'],
          gate: 'Completed',
          awaits: ['acd-lb2'],
        }),
        stage({
          index: 7,
          name: 'store side 1 (inactive)',
          tier: 'store',
          side: 1,
          vms: ['acd-store1'],
          gate: 'Completed',
          awaits: ['acd-store1'],
        }),
        stage({
          index: 8,
          name: 'store side 2 (active)',
          tier: 'store',
          side: 2,
          vms: ['acd-store2'],
          gate: 'Completed',
          awaits: ['acd-store2'],
        }),
      ]);
    },
  );
});

// "When shutting down a redundant ... architecture, the inactive machines are shutdown first. Therefore, before a
// shutdown procedure can begin, the active machines must be known": flipping every active side swaps every pair.
describe('Large with every active side flipped to side 1', () => {
  test('Large V1 startup starts acd-dbm1 and acd-dbs1/dbr1 first', () => {
    const sequence = stagesOf('LargeV1', 'On', FLIPPED_ACTIVE).map((s) => [s.name, s.vms, s.checks]);
    expect(sequence).toEqual([
      ['store tier', ['acd-store'], []],
      ['lb tier', ['acd-lb'], []],
      ['dbm side 1 (active)', ['acd-dbm1'], []],
      ['dbm side 2 (inactive)', ['acd-dbm2'], []],
      ['dbs/dbr side 1 (active)', ['acd-dbs1-dbr1'], []],
      ['dbs/dbr side 2 (inactive)', ['acd-dbs2-dbr2'], ['mysqlReplication']],
      ['app tier', APP_LARGE, ['systemHealth']],
    ]);
  });

  test('Large V1 shutdown initiates acd-dbs2/dbr2 first and waits for both before acd-dbm2, then acd-dbm1', () => {
    expect(stagesOf('LargeV1', 'Off', FLIPPED_ACTIVE)).toEqual([
      stage({ index: 0, name: 'app tier', tier: 'app', vms: APP_LARGE, gate: 'Initiated', awaits: [] }),
      stage({
        index: 1,
        name: 'dbs/dbr side 2 (inactive)',
        tier: 'dbsr',
        side: 2,
        vms: ['acd-dbs2-dbr2'],
        gate: 'Initiated',
        awaits: [],
      }),
      stage({
        index: 2,
        name: 'dbs/dbr side 1 (active)',
        tier: 'dbsr',
        side: 1,
        vms: ['acd-dbs1-dbr1'],
        gate: 'Completed',
        awaits: ['acd-dbs1-dbr1', 'acd-dbs2-dbr2', ...APP_LARGE],
      }),
      stage({
        index: 3,
        name: 'dbm side 2 (inactive)',
        tier: 'dbm',
        side: 2,
        vms: ['acd-dbm2'],
        gate: 'Completed',
        awaits: ['acd-dbm2'],
      }),
      stage({
        index: 4,
        name: 'dbm side 1 (active)',
        tier: 'dbm',
        side: 1,
        vms: ['acd-dbm1'],
        gate: 'Completed',
        awaits: ['acd-dbm1'],
      }),
      stage({ index: 5, name: 'lb tier', tier: 'lb', vms: ['acd-lb'], gate: 'Completed', awaits: ['acd-lb'] }),
      stage({
        index: 6,
        name: 'store tier',
        tier: 'store',
        vms: ['acd-store'],
        gate: 'Completed',
        awaits: ['acd-store'],
      }),
    ]);
  });

  test('Large V2 startup starts acd-lb1 before acd-lb2 and checks pacemaker after acd-lb2', () => {
    const lb = stagesOf('LargeV2', 'On', FLIPPED_ACTIVE).filter((s) => s.tier === 'lb');
    expect(lb.map((s) => [s.index, s.name, s.vms, s.checks])).toEqual([
      [1, 'lb side 1 (active)', ['acd-lb1'], []],
      [2, 'lb side 2 (inactive)', ['acd-lb2'], ['pacemaker']],
    ]);
  });

  test('Large V2 shutdown stops acd-lb2 before acd-lb1', () => {
    const lb = stagesOf('LargeV2', 'Off', FLIPPED_ACTIVE).filter((s) => s.tier === 'lb');
    expect(lb.map((s) => [s.index, s.name, s.vms, s.gate, s.awaits])).toEqual([
      [5, 'lb side 2 (inactive)', ['acd-lb2'], 'Completed', ['acd-lb2']],
      [6, 'lb side 1 (active)', ['acd-lb1'], 'Completed', ['acd-lb1']],
    ]);
  });

  test('Large V3 startup: store1, store2, lb1, lb2, dbm1, dbm2, dbs1/dbr1, dbs2/dbr2, then jbN and telN', () => {
    expect(stagesOf('LargeV3', 'On', FLIPPED_ACTIVE).map((s) => [s.vms, s.checks])).toEqual([
      [['acd-store1'], []],
      [['acd-store2'], ['pacemaker', 'drbd']],
      [['acd-lb1'], []],
      [['acd-lb2'], ['pacemaker']],
      [['acd-dbm1'], []],
      [['acd-dbm2'], []],
      [['acd-dbs1-dbr1'], []],
      [['acd-dbs2-dbr2'], ['mysqlReplication']],
      [APP_LARGE, ['systemHealth']],
    ]);
  });

  test('Large V3 shutdown: ..., acd-lb2, acd-lb1, acd-store2, then acd-store1 last', () => {
    expect(stagesOf('LargeV3', 'Off', FLIPPED_ACTIVE).map((s) => [s.vms, s.gate])).toEqual([
      [APP_LARGE, 'Initiated'],
      [['acd-dbs2-dbr2'], 'Initiated'],
      [['acd-dbs1-dbr1'], 'Completed'],
      [['acd-dbm2'], 'Completed'],
      [['acd-dbm1'], 'Completed'],
      [['acd-lb2'], 'Completed'],
      [['acd-lb1'], 'Completed'],
      [['acd-store2'], 'Completed'],
      [['acd-store1'], 'Completed'],
    ]);
  });

  test('only the flipped pair moves when the sides disagree (database 2, load balancer 1, storage 2)', () => {
    const names = stagesOf('LargeV3', 'On', { database: 2, loadBalancer: 1, storage: 2 }).map((s) => s.name);
    expect(names.slice(0, 6)).toEqual([
      'store side 2 (active)',
      'store side 1 (inactive)',
      'lb side 1 (active)',
      'lb side 2 (inactive)',
      'dbm side 2 (active)',
      'dbm side 1 (inactive)',
    ]);
  });
});
