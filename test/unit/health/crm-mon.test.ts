import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  activeLoadBalancerNode,
  assessCrmMon,
  isUnsupportedOutputAs,
  promotedNode,
} from '../../../src/health/pacemaker.js';

const fixture = (name: string): string =>
  readFileSync(path.join(process.cwd(), 'test', 'fixtures', 'pacemaker', name), 'utf8');
const NODES = ['acd-lb1', 'acd-lb2'];

describe('legacy crm_mon -1 -X (<crm_mon> root)', () => {
  test('healthy recording', () => {
    const r = assessCrmMon(fixture('crm_mon-legacy-2.1.5.healthy.xml'), NODES);
    expect(r.healthy).toBe(true);
    expect(r.details['format']).toBe('legacy');
  });

  test('failed resource recording', () => {
    const r = assessCrmMon(fixture('crm_mon-legacy-2.1.5.failed-resource.xml'), NODES);
    expect(r.healthy).toBe(false);
    expect(r.message).toBe(
      'failed action vip_monitor_10000 on acd-lb1: not running (IP 10.10.0.100 not configured); ' +
        'resource vip failed on acd-lb1',
    );
  });

  test('Pacemaker 1.1 vocabulary (Master/Slave)', () => {
    const xml = fixture('crm_mon-legacy-1.1.master-slave.xml');
    expect(assessCrmMon(xml, NODES).healthy).toBe(true);
    expect(promotedNode(xml)).toBe('acd-lb1');
    expect(promotedNode(xml, 'drbd_data-clone')).toBe('acd-lb1');
    expect(activeLoadBalancerNode(xml)).toBe('acd-lb1');
  });

  test('Promoted/Unpromoted vocabulary', () => {
    const xml = fixture('crm_mon-legacy-2.1.5.healthy.xml');
    expect(xml).toContain('role="Promoted"');
    expect(promotedNode(xml)).toBe('acd-lb1');
  });
});

describe('assessCrmMon edge cases', () => {
  test('expected node missing from the cluster', () => {
    const r = assessCrmMon(fixture('crm_mon-legacy-2.1.5.healthy.xml'), [...NODES, 'acd-lb3']);
    expect(r.message).toBe('node acd-lb3 not in cluster');
  });

  test('status 102 document as the real crm_mon prints it', () => {
    const xml = `<pacemaker-result api-version="2.25" request="crm_mon --one-shot --inactive --output-as=xml">
  <status code="102" message="Not connected">
    <errors>
      <error>error: Could not connect to launcher: Connection refused</error>
      <error>crm_mon: Connection to cluster failed: Connection refused</error>
    </errors>
  </status>
</pacemaker-result>`;
    const r = assessCrmMon(xml, NODES);
    expect(r.healthy).toBe(false);
    expect(r.message).toBe(
      'crm_mon: Not connected (error: Could not connect to launcher: Connection refused; ' +
        'crm_mon: Connection to cluster failed: Connection refused)',
    );
  });

  test('garbage is unhealthy, never a throw', () => {
    expect(assessCrmMon('not xml <', NODES).healthy).toBe(false);
    expect(assessCrmMon('<other/>', NODES).message).toMatch(/neither <pacemaker-result> nor <crm_mon>/);
    expect(activeLoadBalancerNode('<<<')).toBeUndefined();
    expect(promotedNode('')).toBeUndefined();
  });

  test('standby and maintenance nodes', () => {
    const xml = fixture('crm_mon-legacy-2.1.5.healthy.xml')
      .replace(/(name="acd-lb2" id="2" online="true") standby="false"/, '$1 standby="true"')
      .replace(
        /(name="acd-lb1" id="1" online="true" standby="false" standby_onfail="false") maintenance="false"/,
        '$1 maintenance="true"',
      );
    expect(assessCrmMon(xml, NODES).message).toBe('node acd-lb1 in maintenance; node acd-lb2 standby');
  });
});

describe('isUnsupportedOutputAs (Pacemaker 1.1 fallback)', () => {
  test('unknown option on 1.1', () => {
    expect(
      isUnsupportedOutputAs({
        code: 64,
        stdout: '',
        stderr: "crm_mon: unrecognized option '--output-as=xml'\nusage...",
      }),
    ).toBe(true);
    expect(
      isUnsupportedOutputAs({ code: 1, stdout: '', stderr: "crm_mon: unrecognized option '--output-as=xml'" }),
    ).toBe(true);
  });

  test('not a fallback case', () => {
    expect(isUnsupportedOutputAs({ code: 0, stdout: '<pacemaker-result/>', stderr: '' })).toBe(false);
    expect(isUnsupportedOutputAs({ code: 102, stdout: '<pacemaker-result/>', stderr: '' })).toBe(false);
    expect(isUnsupportedOutputAs({ code: null, stdout: '', stderr: '', error: 'ssh failed' })).toBe(false);
    expect(isUnsupportedOutputAs({ code: 127, stdout: '', stderr: 'sh: crm_mon: not found' })).toBe(false);
  });
});
