// The README's first Quick-start command, `npm run demo`, run as a user runs it (its own test bed,
// the built operator), so that it cannot break unnoticed: it once timed out on real KubeVirt, whose
// admission refuses VMs without a memory request.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../testbed/binaries.js';

const run = promisify(execFile);

describe('npm run demo', () => {
  test(
    'power-cycles a Large V3 on real KubeVirt, stage by stage, ' + 'and ends with every VM Running and Ready',
    async () => {
      const { stdout } = await run(
        process.execPath,
        [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'test/testbed/demo.ts')],
        { env: { ...process.env, ACD_STANDIN_SPEED: '0.05' }, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 },
      );
      expect(stdout).toMatch(/virt-api reports v\d+\.\d+\.\d+/);
      expect(stdout).toMatch(/\[Off\] stage {2}9\/9 store side 2 \(active\) +Completed/);
      expect(stdout).toMatch(/ACD is Off after [\d.]+ s/);
      expect(stdout).toMatch(/\[On\] stage {2}9\/9 app tier +Completed/);
      expect(stdout).toMatch(/ACD is On after [\d.]+ s/);
      const vms = stdout
        .slice(stdout.lastIndexOf('$ kubectl get vm'))
        .split('\n')
        .filter((l) => /^acd-/.test(l));
      expect(vms).toHaveLength(12);
      for (const l of vms) expect(l).toMatch(/\sRunning\s+True$/);
    },
    300_000,
  );
});
