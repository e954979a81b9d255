import { describe, expect, test } from '@jest/globals';
import {
  ActiveSideUnknownError,
  InvalidMachinesError,
  planTransition,
  requiredActiveSides,
  type Machine,
} from '../../../src/plan/index.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('requiredActiveSides', () => {
  test('lists the redundant pairs of each Large sizing and none for Small/Medium', () => {
    expect(requiredActiveSides(SEED_LAYOUTS.SmallV1)).toEqual([]);
    expect(requiredActiveSides(SEED_LAYOUTS.MediumV2)).toEqual([]);
    expect(requiredActiveSides(SEED_LAYOUTS.LargeV1)).toEqual(['database']);
    expect(requiredActiveSides(SEED_LAYOUTS.LargeV2)).toEqual(['database', 'loadBalancer']);
    expect(requiredActiveSides(SEED_LAYOUTS.LargeV3)).toEqual(['database', 'loadBalancer', 'storage']);
  });

  test('a side on an app VM creates no pair: tel/jb have no active side', () => {
    expect(requiredActiveSides([{ vm: 'acd-tel1', roles: ['tel'], side: 1 }])).toEqual([]);
  });

  test('a sided multi-role VM counts for the tier it is planned in', () => {
    expect(requiredActiveSides([{ vm: 'acd-store-lb1', roles: ['lb', 'store'], side: 1 }])).toEqual(['storage']);
  });
});

describe('ActiveSideUnknownError', () => {
  // "before a shutdown procedure can begin, the active machines must be known"
  test.each(['Off', 'On'] as const)('%s with unknown sides throws and names every missing pair', (direction) => {
    const error = thrownBy(() => planTransition(SEED_LAYOUTS.LargeV3, { loadBalancer: 2 }, direction));
    expect(error).toBeInstanceOf(ActiveSideUnknownError);
    expect((error as ActiveSideUnknownError).missing).toEqual(['database', 'storage']);
    expect((error as ActiveSideUnknownError).direction).toBe(direction);
    expect((error as Error).name).toBe('ActiveSideUnknownError');
  });

  test('a side that is neither 1 nor 2 counts as unknown', () => {
    const active = { database: 3 } as unknown as { database: 1 };
    expect(() => planTransition(SEED_LAYOUTS.LargeV1, active, 'Off')).toThrow(ActiveSideUnknownError);
  });

  test('sides of pairs that do not exist are not needed', () => {
    expect(planTransition(SEED_LAYOUTS.LargeV1, { database: 2 }, 'Off').stages.length).toBeGreaterThan(0);
  });
});

describe('InvalidMachinesError', () => {
  const cases: Array<[string, Machine[]]> = [
    [
      'duplicate VM',
      [
        { vm: 'a', roles: ['tel'] },
        { vm: 'a', roles: ['jb'] },
      ],
    ],
    ['no roles', [{ vm: 'a', roles: [] }]],
    ['unknown role', [{ vm: 'a', roles: ['mail' as 'tel'] }]],
    ['bad side', [{ vm: 'a', roles: ['dbm'], side: 3 as 1 }]],
    ['empty name', [{ vm: '', roles: ['tel'] }]],
  ];
  test.each(cases)('%s', (_label, machines) => {
    const error = thrownBy(() => planTransition(machines, { database: 1 }, 'On'));
    expect(error).toBeInstanceOf(InvalidMachinesError);
    expect((error as InvalidMachinesError).problems).toHaveLength(1);
  });

  test('an empty list plans nothing', () => {
    expect(planTransition([], {}, 'Off')).toEqual({ direction: 'Off', stages: [] });
  });
});

test('requiredActiveSides tolerates unvalidated roles', () => {
  const machines = [{ vm: 'x', roles: ['mail', 'lb'], side: 2 }] as unknown as Machine[];
  expect(requiredActiveSides(machines)).toEqual(['loadBalancer']);
});
