// acdctl as users run it: the built dist/cli/acdctl.js in a child process, with the test bed's
// kubeconfig unless told otherwise.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../testbed/binaries.js';
import { kubeconfigPath } from './env.js';

export const CLI = join(repoRoot, 'dist/cli/acdctl.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `kubeconfig: false` runs it without --kubeconfig (its own defaults). */
export function acdctl(args: string[], opts: { kubeconfig?: string | false } = {}): Promise<Run> {
  const kc = opts.kubeconfig === false ? [] : ['--kubeconfig', opts.kubeconfig ?? kubeconfigPath()];
  const child = spawn(process.execPath, [CLI, ...args, ...kc], { stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child);
}

/** What a child wrote and how it ended. */
export function collect(child: ReturnType<typeof spawn>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
