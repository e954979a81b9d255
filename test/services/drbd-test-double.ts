// DRBD TEST DOUBLE. No DRBD kernel module can load on the test machines, so neither
// `drbdsetup status --json` nor /proc/drbd can come from a real DRBD. These two shell scripts are
// put first on PATH inside each sshd test session and print the scenario's recorded-format sample
// (test/fixtures/drbd). They are the only test double in the health suite: sshd, crm_mon and
// MariaDB are real.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CAT = `#!/bin/sh
# DRBD TEST DOUBLE for 'cat /proc/drbd': serves the scenario's recorded /proc/drbd sample.
# Every other use goes to the real cat.
if [ "$#" -eq 1 ] && [ "$1" = /proc/drbd ]; then
  f="$ACD_TEST_NODE_DIR/proc-drbd.txt"
  if [ -f "$f" ]; then exec /bin/cat "$f"; fi
  echo "cat: /proc/drbd: No such file or directory" >&2
  exit 1
fi
exec /bin/cat "$@"
`;

const DRBDSETUP = `#!/bin/sh
# DRBD TEST DOUBLE for 'drbdsetup status --json': serves the scenario's recorded DRBD 9 sample.
f="$ACD_TEST_NODE_DIR/drbdsetup-status.json"
if [ "$1" = status ] && [ "$2" = --json ] && [ -f "$f" ]; then exec /bin/cat "$f"; fi
if [ -f "$ACD_TEST_NODE_DIR/proc-drbd.txt" ]; then
  # Stands for an 8.4 node, whose drbd-utils know no JSON status.
  echo "drbdsetup: unrecognized option '--json'" >&2
  exit 20
fi
echo "sh: 1: drbdsetup: not found" >&2
exit 127
`;

/** Writes the double into `dir` and returns that directory (to be put first on PATH). */
export function installDrbdTestDouble(dir: string): string {
  const bin = path.join(dir, 'drbd-test-double');
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of [
    ['cat', CAT],
    ['drbdsetup', DRBDSETUP],
  ] as const) {
    const file = path.join(bin, name);
    writeFileSync(file, body);
    chmodSync(file, 0o755);
  }
  return bin;
}
