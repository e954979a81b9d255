// Where the test bed's control-plane binaries (kube-apiserver, kubectl, etcd, helm) live.
// hack/build-binaries.sh builds them once into a version-keyed cache folder and prints that
// folder on stdout; on a warm cache it returns at once. The result is cached per process.
// ACD_TESTBED_BIN points at a prepared folder instead (same override as test/testbed/binaries.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = join(repoRoot, 'hack/build-binaries.sh');

let cached: string | undefined;

export function binDir(): string {
  if (cached !== undefined) {
    return cached;
  }
  const override = process.env.ACD_TESTBED_BIN;
  if (override !== undefined && override !== '') {
    cached = override;
    return cached;
  }
  // flock serialises jest workers that call this at the same time on a cold cache: the
  // script builds into one shared "<folder>.tmp", so two concurrent builds would clobber it.
  const lock = join(tmpdir(), 'acd-operator-build-binaries.lock');
  let stdout: string;
  try {
    stdout = execFileSync('flock', [lock, 'bash', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
      timeout: 45 * 60 * 1000, // a cold build takes minutes, not hours
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`hack/build-binaries.sh failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const dir = lines.at(-1);
  if (dir === undefined || !existsSync(join(dir, '.complete'))) {
    throw new Error(`hack/build-binaries.sh printed no complete binary folder (stdout: ${JSON.stringify(stdout)})`);
  }
  cached = dir;
  return dir;
}

/** Absolute path of one binary from binDir(), e.g. binary('helm'). */
export function binary(name: 'helm' | 'kubectl' | 'kube-apiserver' | 'etcd'): string {
  return join(binDir(), name);
}
