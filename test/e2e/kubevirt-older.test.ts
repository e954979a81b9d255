// The older KubeVirt release the README names as supported (v1.7.0), on a test bed of its own: its
// own virt-api answers with its version, and the 8 sizings run on it with Manual VMs, so every
// command goes through that release's start/stop subresources.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestbed, stopTestbed, type TestbedState } from '../testbed/testbed.js';
import { kubectl } from './support/env.js';
import { sizingsSuite } from './support/sizings-suite.js';

export const OLDER_KUBEVIRT = 'v1.7.0';
let bed: TestbedState;
let dir: string;
const saved = { kubeconfig: process.env.ACD_KUBECONFIG, state: process.env.ACD_TESTBED_STATE };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acd-kubevirt-older-'));
  bed = await startTestbed(dir, { speed: 0.05, kubevirtVersion: OLDER_KUBEVIRT });
  // support/env.ts reads these; jest gives each test file its own copy of process.env.
  process.env.ACD_KUBECONFIG = bed.kubeconfig;
  process.env.ACD_TESTBED_STATE = join(dir, 'state.json');
  await kubectl(['apply', '--server-side', '-f', resolve(import.meta.dirname, '../../deploy/crds/acd.power.dev_acdclusters.yaml')]);
  await kubectl(['wait', '--for=condition=Established', 'crd/acdclusters.acd.power.dev', '--timeout=30s']);
}, 300_000);

afterAll(async () => {
  if (bed) await stopTestbed(bed);
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.env.ACD_KUBECONFIG = saved.kubeconfig;
  process.env.ACD_TESTBED_STATE = saved.state;
}, 60_000);

describe(`KubeVirt ${OLDER_KUBEVIRT}`, () => {
  test('its own virt-api serves the subresource API, at that version', async () => {
    const v = JSON.parse(await kubectl(['get', '--raw', '/apis/subresources.kubevirt.io/v1/version'])) as { gitVersion: string };
    expect(v.gitVersion).toBe(OLDER_KUBEVIRT);
    expect(bed.kubevirtVersion).toBe(OLDER_KUBEVIRT);
  });
});

sizingsSuite({ prefix: 'older', runStrategy: 'Manual' });
