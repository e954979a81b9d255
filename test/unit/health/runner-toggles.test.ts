// The spec's switches for each check: a check turned off, or without credentials, is skipped and
// says so (before any Secret is read or any VM reached), so a user sees why it did not gate.
import { describe, expect, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterHealthRunner } from '../../../src/health/runner.js';
import { SpecSchema } from '../../../src/api/spec.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import type { AcdCluster } from '../../../src/api/types.js';

// A kubeconfig pointing nowhere: any API call would fail, which proves none is made.
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
  users: [{ name: 'u' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const obj: AcdCluster = { metadata: { name: 'acd', namespace: 'ns' } };
const runner = new ClusterHealthRunner(kc, () => undefined);
const spec = (health: unknown) =>
  SpecSchema.parse({
    powerState: 'On',
    machines: SEED_LAYOUTS.LargeV3,
    active: { database: 2, loadBalancer: 2, storage: 2 },
    health,
  });

describe('health check switches', () => {
  test('each check turned off is skipped with the field that turned it off', async () => {
    const r = await runner.run(
      obj,
      spec({ mysql: { enabled: false }, pacemaker: { enabled: false }, drbd: { enabled: false } }),
      new Map(),
      ['mysqlReplication', 'pacemaker', 'drbd'],
    );
    expect(r.mysqlReplication).toEqual({ healthy: true, message: 'skipped: spec.health.mysql.enabled is false' });
    expect(r.pacemaker).toEqual({ healthy: true, message: 'skipped: spec.health.pacemaker.enabled is false' });
    expect(r.drbd).toEqual({ healthy: true, message: 'skipped: spec.health.drbd.enabled is false' });
  });

  test('checks without credentials are skipped and name the Secret field to set', async () => {
    const r = await runner.run(obj, spec({}), new Map(), ['mysqlReplication', 'pacemaker', 'drbd']);
    expect(r.mysqlReplication!.message).toBe('skipped: spec.health.mysql.credentialsSecret is not set');
    expect(r.pacemaker!.message).toBe('skipped: spec.health.ssh.credentialsSecret is not set');
    expect(r.drbd!.message).toBe('skipped: spec.health.ssh.credentialsSecret is not set');
  });

  test('thresholds and ports default as documented and can be set', () => {
    expect(spec({}).health).toMatchObject({
      interval: '60s',
      checkTimeout: '10s',
      mysql: { enabled: true, port: 3306, maxLagSeconds: 30 },
      ssh: { port: 22 },
    });
    expect(spec({ mysql: { maxLagSeconds: 5, port: 3307 }, interval: '15s' }).health).toMatchObject({
      interval: '15s',
      mysql: { maxLagSeconds: 5, port: 3307 },
    });
  });

  test('a Secret that cannot be read is an unhealthy result naming it, not an exception', async () => {
    const r = await runner.run(obj, spec({ mysql: { credentialsSecret: 'mysql-monitor' } }), new Map(), [
      'mysqlReplication',
    ]);
    expect(r.mysqlReplication!.healthy).toBe(false);
    expect(r.mysqlReplication!.message).toMatch(/mysql-monitor/);
  });
});
