// The older KubeVirt release the README names as supported (v1.7.0), on a test bed of its own: its
// own virt-api answers with its version, and the 8 sizings run on it with Manual VMs, so every
// command goes through that release's start/stop subresources.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { kubectl } from './support/env.js';
import { startOwnTestbed, type OwnTestbed } from './support/own-testbed.js';
import { sizingsSuite } from './support/sizings-suite.js';

export const OLDER_KUBEVIRT = 'v1.7.0';
let own: OwnTestbed | undefined;

beforeAll(async () => {
  own = await startOwnTestbed('kubevirt-older', { kubevirtVersion: OLDER_KUBEVIRT });
}, 300_000);

afterAll(async () => {
  await own?.stop();
}, 60_000);

describe(`KubeVirt ${OLDER_KUBEVIRT}`, () => {
  test('its own virt-api serves the subresource API, at that version', async () => {
    const v = JSON.parse(await kubectl(['get', '--raw', '/apis/subresources.kubevirt.io/v1/version'])) as {
      gitVersion: string;
    };
    expect(v.gitVersion).toBe(OLDER_KUBEVIRT);
    expect(own!.bed.kubevirtVersion).toBe(OLDER_KUBEVIRT);
  });
});

sizingsSuite({ prefix: 'older', runStrategy: 'Manual' });
