import { describe, expect, test } from '@jest/globals';
import { planTransition, ROLES, tierOfRoles, type Role } from '../../../src/plan/index.js';

function allNonEmptyRoleSets(): Role[][] {
  const sets: Role[][] = [];
  for (let mask = 1; mask < 1 << ROLES.length; mask++) sets.push(ROLES.filter((_, bit) => (mask & (1 << bit)) !== 0));
  return sets;
}

describe('multi-role VMs', () => {
  // Startup uses a VM's earliest-starting role, shutdown its latest-stopping role. Because the seed's
  // priority table is a mirror, the two readings must name the same tier for every role combination.
  test('startup and shutdown readings of the priority table agree for all 1023 role sets', () => {
    const disagreements = allNonEmptyRoleSets().filter(
      (roles) => tierOfRoles(roles, 'On') !== tierOfRoles(roles, 'Off'),
    );
    expect(disagreements).toEqual([]);
  });

  test('the most foundational role wins', () => {
    expect(tierOfRoles(['store', 'lb', 'dbm', 'dbs', 'dbr', 'jb'], 'On')).toBe('store');
    expect(tierOfRoles(['jb', 'lb'], 'Off')).toBe('lb');
    expect(tierOfRoles(['dbr', 'dbm'], 'On')).toBe('dbm');
    expect(tierOfRoles(['tel', 'dbr'], 'Off')).toBe('dbsr');
    expect(tierOfRoles(['chatbot', 'api'], 'On')).toBe('app');
  });

  test('"acd-store/lb/dbm/dbs/dbr/jb" is started first and stopped last', () => {
    const machines = [
      { vm: 'acd-tel', roles: ['tel'] as Role[] },
      { vm: 'acd-dbm', roles: ['dbm'] as Role[] },
      { vm: 'acd-aio', roles: ['jb', 'dbr', 'dbs', 'dbm', 'lb', 'store'] as Role[] },
    ];
    const on = planTransition(machines, {}, 'On').stages;
    const off = planTransition(machines, {}, 'Off').stages;
    expect(on[0]?.vms).toEqual(['acd-aio']);
    expect(off.at(-1)?.vms).toEqual(['acd-aio']);
  });
});
