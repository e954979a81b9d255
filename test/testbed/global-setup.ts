// jest globalSetup of the e2e project: one test bed for the whole run, shared through env vars
// (test workers inherit the environment set here). It drives `test/testbed/cli.ts` in a tsx child
// because jest loads this file outside its module mapper, where the project's `.js` imports of
// .ts files do not resolve. ACD_E2E_KUBECONFIG points the suite at a real cluster with KubeVirt
// instead (the node stand-in's fault annotations then do nothing: some fault tests fail there).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
// tsx on this very node (24), whatever node the PATH would find first.
const tsx = [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')];

export default async function globalSetup(): Promise<void> {
  let kubeconfig = process.env.ACD_E2E_KUBECONFIG;
  if (!kubeconfig) {
    const dir = mkdtempSync(join(tmpdir(), 'acd-e2e-'));
    const started = Date.now();
    const env = { ...process.env, ACD_TESTBED_DIR: dir, ACD_STANDIN_SPEED: process.env.ACD_STANDIN_SPEED ?? '0.05' };
    execFileSync(process.execPath, [...tsx, join(root, 'test/testbed/cli.ts'), 'up'], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    process.env.ACD_TESTBED_DIR = dir;
    process.env.ACD_TESTBED_STATE = join(dir, 'state.json');
    kubeconfig = (JSON.parse(readFileSync(process.env.ACD_TESTBED_STATE, 'utf8')) as { kubeconfig: string }).kubeconfig;
    console.log(`\n[e2e] test bed up in ${Date.now() - started} ms (${dir})`);
  }
  process.env.ACD_KUBECONFIG = kubeconfig;
  execFileSync(process.execPath, [...tsx, join(root, 'test/testbed/cli.ts'), 'crd'], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
