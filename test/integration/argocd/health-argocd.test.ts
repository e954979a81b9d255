// Every case of health_test.yaml through Argo CD's own Lua engine (gopher-lua, with the libraries
// Argo CD opens for custom checks), offline: `argocd admin settings resource-overrides health`
// reads the check from an argocd-cm file exactly as the controller reads it from the ConfigMap.
// The lua5.1 sandbox in health-lua.test.ts stays, for speed and for its probes of what a check may
// use; this one is the authority on what Argo CD v3.6 itself answers.
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadYaml } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

const repo = resolve(import.meta.dirname, '../../..');
const checkDir = join(repo, 'deploy/argocd/health/acd.power.dev/AcdCluster');
const KEY = 'resource.customizations.health.acd.power.dev_AcdCluster';

interface HealthCase {
  healthStatus: { status: string; message: string };
  inputPath: string;
}
const cases = loadYaml<{ tests: HealthCase[] }>(readFileSync(join(checkDir, 'health_test.yaml'), 'utf8')).tests;

const argocd = join(
  execFileSync('bash', [join(repo, 'hack/build-argocd.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim(),
  'argocd',
);

/** argocd-cm as a user installs it: the check under its key, from the very file the tests read. */
function argocdCm(dir: string): string {
  const path = join(dir, 'argocd-cm.yaml');
  const data = { [KEY]: readFileSync(join(checkDir, 'health.lua'), 'utf8') };
  writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm' }, data }));
  return path;
}

describe("deploy/argocd's health check in Argo CD v3.6's own Lua engine", () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-argocd-health-'));
  const cm = argocdCm(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the check it runs is the file the other tests read', () => {
    const data = loadYaml<{ data: Record<string, string> }>(readFileSync(cm, 'utf8')).data;
    expect(data[KEY]).toBe(readFileSync(join(checkDir, 'health.lua'), 'utf8'));
  });

  it.each(cases.map((c) => [c.inputPath, c] as const))('%s', (inputPath, c) => {
    const out = execFileSync(
      argocd,
      ['admin', 'settings', 'resource-overrides', 'health', join(checkDir, inputPath), '--argocd-cm-path', cm],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
        env: { ...process.env, HOME: dir },
      },
    );
    const status = /^STATUS: (.*)$/m.exec(out)?.[1];
    const message = /^MESSAGE: (.*)$/m.exec(out)?.[1] ?? '';
    expect({ status, message }).toEqual(c.healthStatus);
  });
});
