// The SSH host-key opt-out is a warning for as long as it is on: a condition says so on every pass.
import { describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { cond, Driver, specOf, World } from './world.js';

const layout = SEED_LAYOUTS.SmallV1;

describe('HostKeysUnverified', () => {
  test('True while spec.health.ssh.insecureSkipHostKeyVerification is on, False once it is off', () => {
    const d = new Driver(
      World.of(layout, 'On'),
      specOf(layout, 'On', { health: { ssh: { insecureSkipHostKeyVerification: true } } }),
    );
    expect(cond(d.reconcile(), 'HostKeysUnverified')).toMatchObject({
      status: 'True',
      reason: 'InsecureSkipHostKeyVerification',
      message: expect.stringMatching(/any SSH host key is accepted/),
    });
    d.setSpec(specOf(layout, 'On'));
    expect(cond(d.reconcile(), 'HostKeysUnverified')).toMatchObject({
      status: 'False',
      reason: 'HostKeysPinned',
      observedGeneration: 2,
    });
  });
});
