// Stops the e2e test bed through `npm run testbed -- down`'s code, which also proves no process
// and no port is left behind (it exits non-zero otherwise, failing the run).
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.ACD_TESTBED_DIR;
  if (!dir || process.env.ACD_KEEP_TESTBED) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'test/testbed/cli.ts'), 'down'],
    { env: { ...process.env, ACD_TESTBED_DIR: dir }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}
