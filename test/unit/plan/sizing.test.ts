import { describe, expect, test } from '@jest/globals';
import { deriveSizing, type Machine, type Sizing } from '../../../src/plan/index.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

const without = (machines: Machine[], vm: string): Machine[] => machines.filter((m) => m.vm !== vm);

describe('deriveSizing recognises every seed sizing', () => {
  test.each(Object.entries(SEED_LAYOUTS) as Array<[Sizing, Machine[]]>)('%s', (sizing, machines) => {
    expect(deriveSizing(machines)).toBe(sizing);
  });

  test('is independent of machine order', () => {
    for (const [sizing, machines] of Object.entries(SEED_LAYOUTS)) {
      expect(deriveSizing([...machines].reverse())).toBe(sizing);
    }
  });

  test('Small V1 may keep jb off the all-in-one VM ("(+jb)")', () => {
    const machines: Machine[] = [
      { vm: 'acd-tel', roles: ['tel'] },
      { vm: 'acd-aio', roles: ['store', 'lb', 'dbm', 'dbs', 'dbr'] },
    ];
    expect(deriveSizing(machines)).toBe('SmallV1');
  });

  test('Medium V1 allows dbs and dbr on separate VMs', () => {
    const machines = without(SEED_LAYOUTS.MediumV1, 'acd-dbs-dbr').concat(
      { vm: 'acd-dbs', roles: ['dbs'] },
      { vm: 'acd-dbr', roles: ['dbr'] },
    );
    expect(deriveSizing(machines)).toBe('MediumV1');
  });

  test('api, chat and chatbot VMs do not change the sizing', () => {
    const machines = SEED_LAYOUTS.LargeV2.concat(
      { vm: 'acd-api', roles: ['api'] },
      { vm: 'acd-chat', roles: ['chat', 'chatbot'] },
    );
    expect(deriveSizing(machines)).toBe('LargeV2');
  });

  test('more than one telephony VM keeps a small sizing', () => {
    expect(deriveSizing(SEED_LAYOUTS.SmallV2.concat({ vm: 'acd-tel2', roles: ['tel'] }))).toBe('SmallV2');
  });
});

describe('deriveSizing falls back to Custom', () => {
  const custom: Array<[string, Machine[]]> = [
    ['no machines', []],
    ['no telephony VM', without(SEED_LAYOUTS.SmallV3, 'acd-tel')],
    [
      'telephony on an infrastructure VM',
      [{ vm: 'acd-all', roles: ['tel', 'store', 'lb', 'dbm', 'dbs', 'dbr', 'jb'] }],
    ],
    [
      'Small V2 without jb anywhere',
      [
        { vm: 'acd-tel', roles: ['tel'] },
        { vm: 'a', roles: ['dbm', 'dbs', 'dbr'] },
        { vm: 'b', roles: ['store', 'lb'] },
      ],
    ],
    ['Small V3 without jbN', without(without(SEED_LAYOUTS.SmallV3, 'acd-jb1'), 'acd-jb2')],
    ['Medium V1 without dbr', without(SEED_LAYOUTS.MediumV1, 'acd-dbs-dbr').concat({ vm: 'acd-dbs', roles: ['dbs'] })],
    [
      'Medium V2 with a side on the dbm',
      SEED_LAYOUTS.MediumV2.map((m) => (m.vm === 'acd-dbm' ? { ...m, side: 1 as const } : m)),
    ],
    ['Large V1 with only one master', without(SEED_LAYOUTS.LargeV1, 'acd-dbm1')],
    [
      'Large V1 with both masters on side 2',
      SEED_LAYOUTS.LargeV1.map((m) => (m.vm === 'acd-dbm1' ? { ...m, side: 2 as const } : m)),
    ],
    ['Large V1 without a slave on side 1', without(SEED_LAYOUTS.LargeV1, 'acd-dbs1-dbr1')],
    [
      'Large with a storage pair but a single load balancer',
      without(without(SEED_LAYOUTS.LargeV3, 'acd-lb1'), 'acd-lb2').concat({ vm: 'acd-lb', roles: ['lb'] }),
    ],
    ['Large V3 with an extra store+lb VM', SEED_LAYOUTS.LargeV3.concat({ vm: 'acd-store-lb', roles: ['store', 'lb'] })],
    [
      'jb on a Large database VM',
      SEED_LAYOUTS.LargeV1.map((m) => (m.vm === 'acd-dbm1' ? { ...m, roles: [...m.roles, 'jb' as const] } : m)),
    ],
  ];
  test.each(custom)('%s', (_label, machines) => {
    expect(deriveSizing(machines)).toBe('Custom');
  });
});
