import { beforeAll, describe, expect, test } from '@jest/globals';
import { activeLoadBalancerNode, checkPacemaker, CRM_MON_XML, promotedNode } from '../../../src/health/pacemaker.js';
import { runOverSsh } from '../../../src/health/ssh.js';
import { sshCredentials, sshEndpoints } from '../../services/endpoints.js';
import { freePort } from '../../services/proc.js';
import { loadServices, type ServicesState } from '../../services/state.js';

// Real sshd, real crm_mon 2.1.5 rendering the CIB fixtures (CIB_file, chosen by the scenario key).
let state: ServicesState;
beforeAll(() => {
  state = loadServices();
});

const check = (scenario: string) =>
  checkPacemaker({
    nodes: sshEndpoints(state, ['acd-lb1', 'acd-lb2']),
    credentials: sshCredentials(state, scenario),
    timeoutMs: 15_000,
  });

describe('checkPacemaker over sshd + real crm_mon', () => {
  test('healthy cluster', async () => {
    const r = await check('pcmk-healthy');
    expect(r.message).toMatch(/^acd-lb1: cluster healthy: 2 nodes online, DC acd-lb1 with quorum/);
    expect(r.healthy).toBe(true);
    expect(r.details).toMatchObject({
      node: 'acd-lb1',
      format: 'pacemaker-result',
      activeLoadBalancerNode: 'acd-lb1',
      promotedNode: 'acd-lb1',
    });
  });

  test('node offline', async () => {
    const r = await check('pcmk-node-offline');
    expect(r.healthy).toBe(false);
    expect(r.message).toBe('acd-lb1: node acd-lb2 offline');
  });

  test('failed resource (lrm_rsc_op failure)', async () => {
    const r = await check('pcmk-failed-resource');
    expect(r.healthy).toBe(false);
    expect(r.message).toContain(
      'failed action vip_monitor_10000 on acd-lb1: not running (IP 10.10.0.100 not configured)',
    );
    expect(r.message).toContain('resource vip failed on acd-lb1');
  });

  test('no quorum', async () => {
    const r = await check('pcmk-no-quorum');
    expect(r.healthy).toBe(false);
    expect(r.message).toBe('acd-lb1: partition without quorum');
  });

  test('cluster stack down: crm_mon exit 102 "Not connected"', async () => {
    const r = await check('pcmk-down');
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/^acd-lb1: crm_mon: Not connected/);
    expect(r.details).toMatchObject({ exitCode: 102, statusCode: 102 });
  });

  test('uses the first node that answers', async () => {
    const dead = { vm: 'acd-lb1', host: '127.0.0.1', port: await freePort() };
    const [, lb2] = sshEndpoints(state, ['acd-lb1', 'acd-lb2']);
    const r = await checkPacemaker({
      nodes: [dead, lb2!],
      credentials: sshCredentials(state, 'pcmk-healthy'),
      timeoutMs: 15_000,
    });
    expect(r.healthy).toBe(true);
    expect(r.details['node']).toBe('acd-lb2');
  });

  test('no node answers: unhealthy within the timeout', async () => {
    const nodes = [
      { vm: 'acd-lb1', host: '127.0.0.1', port: await freePort() },
      { vm: 'acd-lb2', host: '127.0.0.1', port: await freePort() },
    ];
    const t0 = Date.now();
    const r = await checkPacemaker({ nodes, credentials: sshCredentials(state, 'pcmk-healthy'), timeoutMs: 3_000 });
    expect(Date.now() - t0).toBeLessThan(3_500);
    expect(r.healthy).toBe(false);
    expect(r.message).toMatch(/^pacemaker: no node answered \(acd-lb1: .*ECONNREFUSED.*; acd-lb2: .*ECONNREFUSED/);
  });

  test('VIP node and Promoted DRBD node from the real crm_mon output', async () => {
    const [lb1] = sshEndpoints(state, ['acd-lb1']);
    const out = await runOverSsh(lb1!, sshCredentials(state, 'pcmk-healthy'), CRM_MON_XML, 15_000);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('role="Promoted"');
    expect(activeLoadBalancerNode(out.stdout)).toBe('acd-lb1');
    expect(promotedNode(out.stdout)).toBe('acd-lb1');
    expect(promotedNode(out.stdout, 'drbd_data')).toBe('acd-lb1');
    expect(promotedNode(out.stdout, 'no_such_resource')).toBeUndefined();
  });

  test('VIP on a node that is gone: no active node while the VIP is stopped', async () => {
    const [lb1] = sshEndpoints(state, ['acd-lb1']);
    const out = await runOverSsh(lb1!, sshCredentials(state, 'pcmk-node-offline'), CRM_MON_XML, 15_000);
    // acd-lb2 is offline; the VIP stays on acd-lb1, and the DRBD clone is Promoted there only.
    expect(activeLoadBalancerNode(out.stdout)).toBe('acd-lb1');
    expect(promotedNode(out.stdout)).toBe('acd-lb1');
  });
});
