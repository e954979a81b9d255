// A test bed of a file's own, for tests that would disturb the shared one (an API-server restart,
// a power loss of the node) or that need another KubeVirt release. The helpers in env.ts read
// ACD_KUBECONFIG and ACD_TESTBED_STATE, and jest gives each test file its own process.env, so
// pointing them here affects this file only; stop() points them back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestbed, stopTestbed, type TestbedState } from '../../testbed/testbed.js';
import { installAcdCrd, kubectlFor } from '../../support/kubectl.js';

export interface OwnTestbed {
  bed: TestbedState;
  stop(): Promise<void>;
}

/** Starts the test bed (speed 0.05 unless told), installs the AcdCluster CRD, and points env.ts at it. */
export async function startOwnTestbed(
  name: string,
  opts: { speed?: number; kubevirtVersion?: string } = {},
): Promise<OwnTestbed> {
  const dir = mkdtempSync(join(tmpdir(), `acd-${name}-`));
  const saved = { kubeconfig: process.env.ACD_KUBECONFIG, state: process.env.ACD_TESTBED_STATE };
  let bed: TestbedState | undefined;
  const stop = async () => {
    if (bed) await stopTestbed(bed);
    rmSync(dir, { recursive: true, force: true });
    process.env.ACD_KUBECONFIG = saved.kubeconfig;
    process.env.ACD_TESTBED_STATE = saved.state;
  };
  try {
    bed = await startTestbed(dir, { speed: 0.05, ...opts });
    process.env.ACD_KUBECONFIG = bed.kubeconfig;
    process.env.ACD_TESTBED_STATE = join(dir, 'state.json');
    await installAcdCrd(kubectlFor(bed.kubeconfig));
    return { bed, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
