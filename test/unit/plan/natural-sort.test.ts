import { describe, expect, test } from '@jest/globals';
import { compareNatural, planTransition, sortNatural, type Machine } from '../../../src/plan/index.js';

describe('natural sort', () => {
  test('numbers inside names compare by value', () => {
    expect(sortNatural(['acd-jb10', 'acd-jb2', 'acd-jb1', 'acd-jb100', 'acd-jb9'])).toEqual([
      'acd-jb1',
      'acd-jb2',
      'acd-jb9',
      'acd-jb10',
      'acd-jb100',
    ]);
  });

  test('text before numbers still orders by text', () => {
    expect(sortNatural(['acd-tel1', 'acd-jb2', 'acd-api', 'acd-jb10'])).toEqual([
      'acd-api',
      'acd-jb2',
      'acd-jb10',
      'acd-tel1',
    ]);
  });

  test('leading zeros and huge numbers keep a total, deterministic order', () => {
    expect(sortNatural(['vm1', 'vm01', 'vm001'])).toEqual(['vm001', 'vm01', 'vm1']);
    expect(sortNatural(['vm99999999999999999999', 'vm100000000000000000000'])).toEqual([
      'vm99999999999999999999',
      'vm100000000000000000000',
    ]);
    expect(compareNatural('a', 'a')).toBe(0);
    expect(Math.sign(compareNatural('a2', 'a10'))).toBe(-1);
    expect(Math.sign(compareNatural('a10', 'a2'))).toBe(1);
  });

  test('stage VMs and awaits are naturally sorted', () => {
    const machines: Machine[] = ['acd-jb10', 'acd-tel', 'acd-jb2', 'acd-jb1'].map((vm) => ({
      vm,
      roles: vm.startsWith('acd-jb') ? ['jb'] : ['tel'],
    }));
    machines.push({ vm: 'acd-store', roles: ['store'] });
    const [app, store] = planTransition(machines, {}, 'Off').stages;
    expect(app?.vms).toEqual(['acd-jb1', 'acd-jb2', 'acd-jb10', 'acd-tel']);
    expect(store?.awaits).toEqual(['acd-jb1', 'acd-jb2', 'acd-jb10', 'acd-store', 'acd-tel']);
  });
});
