// Locates the control-plane binaries, building them on first use (hack/build-binaries.sh keeps
// them in a version-keyed folder under ~/.cache and returns at once when they are there).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let cached: string | undefined;

export function binDir(): string {
  cached ??= process.env.ACD_TESTBED_BIN ?? execFileSync('bash', [join(repoRoot, 'hack', 'build-binaries.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return cached;
}

export const bin = (name: 'kube-apiserver' | 'kubectl' | 'etcd' | 'helm') => join(binDir(), name);
