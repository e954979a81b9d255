import { beforeAll, describe, expect, test } from '@jest/globals';
import { checkDrbd } from '../../../src/health/drbd.js';
import { sshCredentials, sshEndpoints } from '../../services/endpoints.js';
import { freePort } from '../../services/proc.js';
import { loadServices, type ServicesState } from '../../services/state.js';

// Real sshd sessions; the DRBD output itself comes from the DRBD test double (recorded-format
// samples in test/fixtures/drbd), since no DRBD kernel module can load here.
let state: ServicesState;
beforeAll(() => {
  state = loadServices();
});

const VMS = ['acd-store1', 'acd-store2'];
const check = (scenario: string) =>
  checkDrbd({ nodes: sshEndpoints(state, VMS), credentials: sshCredentials(state, scenario), timeoutMs: 15_000 });

describe.each([
  ['drbd9', 'drbdsetup-json', 'data'],
  ['drbd84', 'proc-drbd', '0'],
])('checkDrbd %s over sshd', (version, source, res) => {
  test('healthy pair: Primary is the active storage node', async () => {
    const r = await check(`${version}-healthy`);
    expect(r.message).toBe(`drbd healthy: ${res} UpToDate/UpToDate, Primary on acd-store1`);
    expect(r.healthy).toBe(true);
    expect(r.details['activeStorageNode']).toBe('acd-store1');
    expect(r.details['sources']).toEqual({ 'acd-store1': source, 'acd-store2': source });
  });

  test('split brain: StandAlone', async () => {
    const r = await check(`${version}-standalone`);
    expect(r.healthy).toBe(false);
    expect(r.message).toContain(`acd-store1: ${res} StandAlone to`);
    expect(r.message).toContain('KiB out of sync');
  });

  test('resync: Inconsistent', async () => {
    const r = await check(`${version}-inconsistent`);
    expect(r.healthy).toBe(false);
    expect(r.message).toContain(`acd-store2: ${res} disk Inconsistent`);
    expect(r.message).toContain('SyncTarget');
  });

  test('two primaries', async () => {
    const r = await check(`${version}-two-primaries`);
    expect(r.healthy).toBe(false);
    expect(r.message).toContain(`${res} Primary on acd-store1 and acd-store2`);
    expect(r.details['activeStorageNode']).toBeUndefined();
  });
});

describe('checkDrbd failures', () => {
  test('a node without DRBD at all', async () => {
    const r = await check('plain');
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/acd-store1: no DRBD status \(drbdsetup: .*not found; \/proc\/drbd: .*No such file/);
  });

  test('an unreachable node makes the pair unhealthy within the timeout', async () => {
    const [store1] = sshEndpoints(state, VMS);
    const dead = { vm: 'acd-store2', host: '127.0.0.1', port: await freePort() };
    const t0 = Date.now();
    const r = await checkDrbd({
      nodes: [store1!, dead],
      credentials: sshCredentials(state, 'drbd9-healthy'),
      timeoutMs: 3_000,
    });
    expect(Date.now() - t0).toBeLessThan(3_500);
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/acd-store2: ssh to acd-store2 .*ECONNREFUSED/);
    expect(r.details['activeStorageNode']).toBe('acd-store1');
  });
});
