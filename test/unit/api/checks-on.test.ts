import { describe, expect, test } from '@jest/globals';
import { anyCheckOn, whyCheckOff } from '../../../src/api/checks-on.js';
import { SpecSchema } from '../../../src/api/spec.js';

const health = (h: Record<string, unknown>) =>
  SpecSchema.parse({ powerState: 'On', machines: [{ vm: 'acd-all', roles: ['tel', 'dbm', 'store'] }], health: h })
    .health;

describe('which checks a spec turns on', () => {
  test('defaults: no Secret named, so no check can run, each says which field to set', () => {
    const h = health({});
    expect(whyCheckOff(h, 'mysqlReplication')).toBe('spec.health.mysql.credentialsSecret is not set');
    expect(whyCheckOff(h, 'pacemaker')).toBe('spec.health.ssh.credentialsSecret is not set');
    expect(whyCheckOff(h, 'drbd')).toBe('spec.health.ssh.credentialsSecret is not set');
    expect(anyCheckOn(h)).toBe(false);
  });

  test('a MySQL Secret turns replication on, and nothing else', () => {
    const h = health({ mysql: { credentialsSecret: 'db' } });
    expect(whyCheckOff(h, 'mysqlReplication')).toBeUndefined();
    expect(whyCheckOff(h, 'pacemaker')).toBeDefined();
    expect(anyCheckOn(h)).toBe(true);
  });

  test('disabled wins over a Secret', () => {
    const h = health({
      mysql: { credentialsSecret: 'db', enabled: false },
      ssh: { credentialsSecret: 'ssh' },
      pacemaker: { enabled: false },
      drbd: { enabled: false },
    });
    expect(whyCheckOff(h, 'mysqlReplication')).toBe('spec.health.mysql.enabled is false');
    expect(whyCheckOff(h, 'pacemaker')).toBe('spec.health.pacemaker.enabled is false');
    expect(whyCheckOff(h, 'drbd')).toBe('spec.health.drbd.enabled is false');
    expect(anyCheckOn(h)).toBe(false);
  });

  test('an SSH Secret turns on pcs and DRBD unless one is disabled', () => {
    const h = health({ ssh: { credentialsSecret: 'ssh' }, drbd: { enabled: false } });
    expect(whyCheckOff(h, 'pacemaker')).toBeUndefined();
    expect(whyCheckOff(h, 'drbd')).toBe('spec.health.drbd.enabled is false');
    expect(anyCheckOn(h)).toBe(true);
  });
});
