// npx tsx test/services/cli.ts up [state-file]   start MariaDB x3 + sshd, write the state file
// npx tsx test/services/cli.ts down [state-file] stop them (by PID) and remove the state file
// npx tsx test/services/cli.ts check [state-file] exit non-zero unless they are all running
// The state file defaults to $ACD_SERVICES_STATE, else .testbed/services-state.json.
import { existsSync, rmSync } from 'node:fs';
import {
  assertAlive,
  defaultStateFile,
  readState,
  REUSE_ENV,
  startServices,
  stopServices,
  writeState,
} from './state.js';

async function main(): Promise<number> {
  const [cmd, arg] = process.argv.slice(2);
  const file = arg ?? process.env[REUSE_ENV] ?? defaultStateFile();
  if (cmd === 'up') {
    if (existsSync(file)) {
      console.error(`${file} exists; run "down" first`);
      return 1;
    }
    const t0 = Date.now();
    const state = await startServices();
    writeState(file, state);
    console.log(`services up in ${((Date.now() - t0) / 1000).toFixed(1)} s; state in ${file}`);
    console.log(`export ${REUSE_ENV}=${file}`);
    return 0;
  }
  if (cmd === 'down') {
    if (!existsSync(file)) {
      console.error(`${file} not found; nothing to stop`);
      return 0;
    }
    await stopServices(readState(file));
    rmSync(file, { force: true });
    console.log('services down');
    return 0;
  }
  if (cmd === 'check') {
    assertAlive(readState(file), file);
    return 0;
  }
  console.error('usage: cli.ts up|down|check [state-file]');
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
