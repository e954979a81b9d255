// jest globalSetup of the `integration` project: MariaDB x3 + sshd, started once per run, or
// reused when ACD_SERVICES_STATE names services already running (CI starts them up front).
//
// jest loads this file with Node's own ESM loader, which does not map our `./x.js` specifiers to
// `.ts` sources; so the work is done by `cli.ts` in a tsx child process, and this file imports
// only node: builtins.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const STATE_ENV = 'ACD_TEST_SERVICES';
const REUSE_ENV = 'ACD_SERVICES_STATE';

export function servicesCli(rootDir: string, ...args: string[]): void {
  const tsx = path.join(rootDir, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  execFileSync(process.execPath, [tsx, path.join(rootDir, 'test', 'services', 'cli.ts'), ...args], {
    cwd: rootDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
}

export default function globalSetup(_global: unknown, project: { rootDir?: string } = {}): void {
  const rootDir = project.rootDir ?? process.cwd();
  const reuse = process.env[REUSE_ENV];
  if (reuse && existsSync(reuse)) {
    servicesCli(rootDir, 'check', reuse);
    process.env[STATE_ENV] = reuse;
    return;
  }
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'acd-services-')), 'state.json');
  servicesCli(rootDir, 'up', file);
  // Workers are started after globalSetup and inherit the environment.
  process.env[STATE_ENV] = file;
}
