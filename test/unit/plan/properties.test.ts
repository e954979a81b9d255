// Invariants of the planner over random layouts: any role combination, any sides, any order.
// Each property runs 10 000 generated layouts.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  ActiveSideUnknownError,
  compareNatural,
  planTransition,
  requiredActiveSides,
  ROLES,
  tierOfRoles,
  type ActiveSides,
  type Direction,
  type Machine,
  type Plan,
  type Side,
  type Tier,
} from '../../../src/plan/index.js';

const RUNS = { numRuns: 10_000 };

// Spelled out from the seed's priority table rather than imported, so the planner is checked against the source.
const STARTUP_TIERS: Tier[] = ['store', 'lb', 'dbm', 'dbsr', 'app'];
const TIER_ORDER: Record<Direction, Tier[]> = { On: STARTUP_TIERS, Off: [...STARTUP_TIERS].reverse() };
const PAIR_OF: Record<Tier, keyof ActiveSides | undefined> = {
  store: 'storage',
  lb: 'loadBalancer',
  dbm: 'database',
  dbsr: 'database',
  app: undefined,
};

const sideArb = fc.constantFrom<Side | undefined>(undefined, 1, 2);
const nameArb = fc
  .tuple(fc.constantFrom('acd-tel', 'acd-jb', 'acd-dbm', 'acd-dbs', 'acd-lb', 'acd-store', 'vm-'), fc.nat(30))
  .map(([prefix, n]) => `${prefix}${n}`);
const machineArb: fc.Arbitrary<Machine> = fc
  .record({ vm: nameArb, roles: fc.subarray([...ROLES], { minLength: 1 }), side: sideArb })
  .map(({ vm, roles, side }) => (side === undefined ? { vm, roles } : { vm, roles, side }));
const machinesArb = fc.uniqueArray(machineArb, { selector: (m) => m.vm, maxLength: 14 });
const fullActiveArb: fc.Arbitrary<ActiveSides> = fc.record({
  database: fc.constantFrom<Side>(1, 2),
  loadBalancer: fc.constantFrom<Side>(1, 2),
  storage: fc.constantFrom<Side>(1, 2),
});
const directionArb = fc.constantFrom<Direction>('On', 'Off');

const isNaturallySorted = (names: string[]): boolean =>
  names.every((name, i) => i === 0 || compareNatural(names[i - 1] as string, name) < 0);
const allVms = (plan: Plan): string[] => plan.stages.flatMap((s) => s.vms);
const tierOf = (m: Machine, direction: Direction): Tier => tierOfRoles(m.roles, direction) as Tier;
const isPairedTier = (machines: Machine[], tier: Tier, direction: Direction): boolean =>
  PAIR_OF[tier] !== undefined && machines.some((m) => m.side !== undefined && tierOf(m, direction) === tier);

describe('planner properties', () => {
  test('every VM appears in exactly one stage; stages are indexed, non-empty and naturally sorted', () => {
    fc.assert(
      fc.property(machinesArb, fullActiveArb, directionArb, (machines, active, direction) => {
        const plan = planTransition(machines, active, direction);
        expect([...allVms(plan)].sort()).toEqual(machines.map((m) => m.vm).sort());
        const malformed = plan.stages.filter(
          (stage, index) =>
            stage.index !== index ||
            stage.vms.length === 0 ||
            !isNaturallySorted(stage.vms) ||
            !isNaturallySorted(stage.awaits),
        );
        expect(malformed).toEqual([]);
      }),
      RUNS,
    );
  });

  test('stage tiers follow the priority table for the direction, and each VM sits in its own tier', () => {
    fc.assert(
      fc.property(machinesArb, fullActiveArb, directionArb, (machines, active, direction) => {
        const plan = planTransition(machines, active, direction);
        const ranks = plan.stages.map((s) => TIER_ORDER[direction].indexOf(s.tier));
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        const byVm = new Map(machines.map((m) => [m.vm, m]));
        const misplaced = plan.stages.flatMap((s) =>
          s.vms.filter((vm) => tierOf(byVm.get(vm) as Machine, direction) !== s.tier),
        );
        expect(misplaced).toEqual([]);
      }),
      RUNS,
    );
  });

  test(
    'pairs: active side first on startup, inactive side first on shutdown; ' + 'unsided VMs go with the active side',
    () => {
      fc.assert(
        fc.property(machinesArb, fullActiveArb, directionArb, (machines, active, direction) => {
          const plan = planTransition(machines, active, direction);
          for (const tier of STARTUP_TIERS) {
            const stages = plan.stages.filter((s) => s.tier === tier);
            const kind = PAIR_OF[tier];
            if (kind === undefined || !isPairedTier(machines, tier, direction)) {
              expect(stages.length).toBeLessThanOrEqual(1);
              expect(stages.every((s) => s.side === undefined)).toBe(true);
              continue;
            }
            const activeSide = active[kind];
            const sides = stages.map((s) => s.side);
            const expectedOrder =
              direction === 'On' ? [activeSide, 3 - (activeSide as number)] : [3 - (activeSide as number), activeSide];
            expect(expectedOrder.filter((side) => sides.includes(side as Side))).toEqual(sides);
            const byVm = new Map(machines.map((m) => [m.vm, m]));
            for (const stage of stages) {
              expect(stage.name.endsWith(stage.side === activeSide ? '(active)' : '(inactive)')).toBe(true);
              const wrongSide = stage.vms.filter((vm) => ((byVm.get(vm) as Machine).side ?? activeSide) !== stage.side);
              expect(wrongSide).toEqual([]);
            }
          }
        }),
        RUNS,
      );
    },
  );

  test(
    'gates: startup waits everywhere; shutdown only skips waiting after the app tier and the ' +
      'inactive dbs/dbr side',
    () => {
      fc.assert(
        fc.property(machinesArb, fullActiveArb, directionArb, (machines, active, direction) => {
          const { stages } = planTransition(machines, active, direction);
          stages.forEach((stage, index) => {
            const isLast = index === stages.length - 1;
            const mayInitiate =
              direction === 'Off' &&
              !isLast &&
              (stage.tier === 'app' || (stage.tier === 'dbsr' && stages[index + 1]?.tier === 'dbsr'));
            expect(stage.gate).toBe(mayInitiate ? 'Initiated' : 'Completed');
          });
        }),
        RUNS,
      );
    },
  );

  test(
    'awaits: Initiated awaits nothing, Completed awaits itself plus preceding Initiated ' +
      'stages, each VM exactly once',
    () => {
      fc.assert(
        fc.property(machinesArb, fullActiveArb, directionArb, (machines, active, direction) => {
          const { stages } = planTransition(machines, active, direction);
          const awaitedAt = new Map<string, number>();
          let owed: string[] = [];
          for (const stage of stages) {
            owed.push(...stage.vms);
            if (stage.gate === 'Initiated') {
              expect(stage.awaits).toEqual([]);
              continue;
            }
            expect([...stage.awaits].sort()).toEqual([...owed].sort());
            owed = [];
            const awaitedTwice = stage.awaits.filter((vm) => awaitedAt.has(vm));
            expect(awaitedTwice).toEqual([]);
            for (const vm of stage.awaits) awaitedAt.set(vm, stage.index);
          }
          // Every VM is awaited by some stage at or after its own.
          const awaitedTooEarly = stages.flatMap((s) => s.vms.filter((vm) => !((awaitedAt.get(vm) ?? -1) >= s.index)));
          expect(awaitedTooEarly).toEqual([]);
          const last = stages.at(-1);
          if (last !== undefined) {
            expect(last.gate).toBe('Completed');
            const awaitedBefore = new Set(stages.slice(0, -1).flatMap((s) => s.awaits));
            expect([...last.awaits].sort()).toEqual(
              machines
                .map((m) => m.vm)
                .filter((vm) => !awaitedBefore.has(vm))
                .sort(),
            );
          }
        }),
        RUNS,
      );
    },
  );

  test('startup and shutdown mirror each other: same stages, tiers and VM sets, reversed', () => {
    fc.assert(
      fc.property(machinesArb, fullActiveArb, (machines, active) => {
        const shape = (plan: Plan): Array<[Tier, Side | undefined, string[]]> =>
          plan.stages.map((s) => [s.tier, s.side, s.vms]);
        const on = shape(planTransition(machines, active, 'On'));
        const off = shape(planTransition(machines, active, 'Off'));
        expect(off.reverse()).toEqual(on);
      }),
      RUNS,
    );
  });

  test('deterministic: the order of the input machines does not change the plan', () => {
    const withPermutation = machinesArb.chain((machines) =>
      fc.tuple(
        fc.constant(machines),
        fc.shuffledSubarray(machines, { minLength: machines.length, maxLength: machines.length }),
      ),
    );
    fc.assert(
      fc.property(withPermutation, fullActiveArb, directionArb, ([machines, shuffled], active, direction) => {
        const plan = planTransition(machines, active, direction);
        expect(planTransition(shuffled, active, direction)).toEqual(plan);
        expect(planTransition(machines, active, direction)).toEqual(plan);
      }),
      RUNS,
    );
  });

  test(
    'checks: none on shutdown; on startup systemHealth last, pcs/drbd after redundant pairs, ' +
      'replication once if partners exist',
    () => {
      fc.assert(
        fc.property(machinesArb, fullActiveArb, directionArb, (machines, active, direction) => {
          const { stages } = planTransition(machines, active, direction);
          const checks = stages.flatMap((s) => s.checks);
          if (direction === 'Off' || stages.length === 0) {
            expect(checks).toEqual([]);
            return;
          }
          expect(stages.at(-1)?.checks.at(-1)).toBe('systemHealth');
          expect(checks.filter((c) => c === 'systemHealth')).toHaveLength(1);
          const databaseVms = machines.filter((m) => m.roles.some((r) => r === 'dbm' || r === 'dbs' || r === 'dbr'));
          expect(checks.filter((c) => c === 'mysqlReplication')).toHaveLength(databaseVms.length >= 2 ? 1 : 0);
          const expectedPcs = (['store', 'lb'] as const).filter((tier) => isPairedTier(machines, tier, 'On')).length;
          expect(checks.filter((c) => c === 'pacemaker')).toHaveLength(expectedPcs);
          expect(checks.filter((c) => c === 'drbd')).toHaveLength(isPairedTier(machines, 'store', 'On') ? 1 : 0);
          for (const stage of stages) {
            // A check placed mid-tier would run before the partner it checks is up.
            if (stage.checks.includes('drbd') || stage.checks.includes('pacemaker')) {
              expect(stages[stage.index + 1]?.tier).not.toBe(stage.tier);
            }
          }
        }),
        RUNS,
      );
    },
  );

  test('an unknown active side of an existing pair always throws, naming exactly the missing pairs', () => {
    const partialActiveArb: fc.Arbitrary<ActiveSides> = fc.record(
      {
        database: fc.constantFrom<Side>(1, 2),
        loadBalancer: fc.constantFrom<Side>(1, 2),
        storage: fc.constantFrom<Side>(1, 2),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(machinesArb, partialActiveArb, directionArb, (machines, active, direction) => {
        const missing = requiredActiveSides(machines).filter((kind) => active[kind] === undefined);
        let thrown: unknown;
        try {
          planTransition(machines, active, direction);
        } catch (error) {
          thrown = error;
        }
        if (missing.length === 0) expect(thrown).toBeUndefined();
        else {
          expect(thrown).toBeInstanceOf(ActiveSideUnknownError);
          expect((thrown as ActiveSideUnknownError).missing).toEqual(missing);
        }
      }),
      RUNS,
    );
  });
});
