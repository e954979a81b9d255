// Stops what global-setup started, by PID (via cli.ts down). Services reused through
// ACD_SERVICES_STATE belong to whoever started them and are left running.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';

export default function globalTeardown(_global: unknown, project: { rootDir?: string } = {}): void {
  const file = process.env['ACD_TEST_SERVICES'];
  if (!file || file === process.env['ACD_SERVICES_STATE'] || !existsSync(file)) return;
  const rootDir = project.rootDir ?? process.cwd();
  execFileSync(
    process.execPath,
    [
      path.join(rootDir, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      path.join(rootDir, 'test', 'services', 'cli.ts'),
      'down',
      file,
    ],
    { cwd: rootDir, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 },
  );
  rmSync(path.dirname(file), { recursive: true, force: true });
  delete process.env['ACD_TEST_SERVICES'];
}
