// The test bed itself: a second, independent test bed is brought up through `npm run testbed`'s
// code, checked (real v1.36.3 server, KubeVirt's own virt-api answering with its version, KubeVirt's
// CRD text, RBAC on, virt-controller started again when it dies), and torn down: no process and no
// listening port may be left behind.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlFor } from '../support/kubectl.js';
import { repoRoot } from '../testbed/binaries.js';
import { listeningPorts } from '../testbed/ports.js';
import { isAlive } from '../testbed/process.js';
import type { TestbedState } from '../testbed/testbed.js';
import { until } from './support/env.js';

const run = promisify(execFile);
const cli = (dir: string, cmd: string) =>
  run(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'test/testbed/cli.ts'), cmd], {
    env: { ...process.env, ACD_TESTBED_DIR: dir, ACD_STANDIN_SPEED: '0.05' },
  });

describe('npm run testbed -- up|env|down', () => {
  test('up gives a real v1.36.3 API server with KubeVirt; down leaves no process and no port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-testbed-test-'));
    const up = await cli(dir, 'up');
    expect(up.stdout).toMatch(/export KUBECONFIG=/);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TestbedState;
    try {
      const kubectl = kubectlFor(state.kubeconfig);
      const version = JSON.parse(await kubectl(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
      expect(version.serverVersion.gitVersion).toBe('v1.36.3');
      expect(await kubectl(['explain', 'virtualmachine.spec.runStrategy'])).toMatch(
        /Running state indicates the requested running state of the\s+VirtualMachineInstance/,
      );
      // RBAC is on: a user with no bindings may not list VMs.
      await expect(kubectl(['get', 'vm', '-A', '--as=nobody'])).rejects.toThrow(/forbidden/);
      expect((await cli(dir, 'env')).stdout.trim()).toBe(`export KUBECONFIG=${state.kubeconfig}`);
      for (const pid of Object.values(state.pids)) expect(isAlive(pid)).toBe(true);
      // KubeVirt's own virt-api, through the aggregated API, at the version the test bed runs.
      const kv = JSON.parse(await kubectl(['get', '--raw', '/apis/subresources.kubevirt.io/v1/version'])) as {
        gitVersion: string;
      };
      expect(kv.gitVersion).toBe(state.kubevirtVersion);
      expect(state.kubevirtVersion).toMatch(/^v1\.\d+\.\d+$/);
      expect(readFileSync(join(state.logs, 'kubevirt.log'), 'utf8')).toContain(
        `virt-api reports ${state.kubevirtVersion}`,
      );
      // virt-controller exits by design when it loses its lease; its supervisor starts it again.
      const child = () =>
        readFileSync(`/proc/${state.pids.virtController}/task/${state.pids.virtController}/children`, 'utf8').trim();
      const before = child();
      expect(before).toMatch(/^\d+$/);
      process.kill(Number(before), 'SIGKILL');
      // The supervisor's children include its own short-lived ones (the $(date) of its log line, its
      // sleep): wait for a new child that is virt-controller itself, after the line that says why.
      const comm = (pid: string) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const said = () =>
        /\[supervise\] .* virt-controller exited with status 137; restart \d+/.test(
          readFileSync(join(state.logs, 'virt-controller.log'), 'utf8'),
        );
      await until(
        'virt-controller started again by its supervisor',
        async () => said() && /^\d+$/.test(child()) && child() !== before && comm(child()) === 'virt-controller',
        30_000,
      );
    } finally {
      const down = await cli(dir, 'down');
      expect(down.stdout).toMatch(/test bed down/);
    }
    for (const pid of Object.values(state.pids)) expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
    const listening = await listeningPorts();
    for (const port of Object.values(state.ports))
      expect({ port, listening: listening.has(port) }).toEqual({ port, listening: false });
  }, 120_000);
});
