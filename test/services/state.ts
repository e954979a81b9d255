// The services state file: what global-setup (or `cli.ts up`) started, so tests, the e2e suite
// and CI can find the services and so teardown can stop them by PID.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startMariaDb, stopMariaDb, type MariaDbInfo } from './mariadb.js';
import { isAlive, repoRoot } from './proc.js';
import { standardScenarios, startSshd, stopSshd, type SshdInfo } from './sshd.js';

export interface ServicesState {
  version: 1;
  createdAt: string;
  /** PID of the process that started the services (jest or the CLI). */
  startedBy: number;
  mariadb: MariaDbInfo;
  sshd: SshdInfo;
}

/** Set by global-setup for the test workers: path of the state file. */
export const STATE_ENV = 'ACD_TEST_SERVICES';
/** Set by CI (or a developer) to reuse services started up front with `cli.ts up`. */
export const REUSE_ENV = 'ACD_SERVICES_STATE';

export async function startServices(): Promise<ServicesState> {
  const { nodes, scenarios } = standardScenarios(path.join(repoRoot(), 'test', 'fixtures'));
  const [mariadb, sshd] = await Promise.allSettled([startMariaDb({ count: 3 }), startSshd({ nodes, scenarios })]);
  if (mariadb.status === 'rejected' || sshd.status === 'rejected') {
    if (mariadb.status === 'fulfilled') await stopMariaDb(mariadb.value);
    if (sshd.status === 'fulfilled') await stopSshd(sshd.value);
    throw mariadb.status === 'rejected' ? mariadb.reason : (sshd as PromiseRejectedResult).reason;
  }
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    startedBy: process.pid,
    mariadb: mariadb.value,
    sshd: sshd.value,
  };
}

export async function stopServices(state: ServicesState): Promise<void> {
  await Promise.all([stopMariaDb(state.mariadb), stopSshd(state.sshd)]);
}

export function writeState(file: string, state: ServicesState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Holds generated test-only passwords; keep it private to the user anyway.
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
}

export function readState(file: string): ServicesState {
  const state = JSON.parse(readFileSync(file, 'utf8')) as ServicesState;
  if (state.version !== 1) throw new Error(`${file}: unknown services state version ${String(state.version)}`);
  return state;
}

/** Throws unless every process named in the state is running. */
export function assertAlive(state: ServicesState, file: string): void {
  const dead = [
    ...state.mariadb.instances.map((i) => [i.name, i.pid] as const),
    ['sshd', state.sshd.pid] as const,
  ].filter(([, pid]) => !isAlive(pid));
  if (dead.length)
    throw new Error(`${file}: services not running: ${dead.map(([n, p]) => `${n} (pid ${p})`).join(', ')}`);
}

/** For tests: the state global-setup prepared. */
export function loadServices(): ServicesState {
  const file = process.env[STATE_ENV] ?? process.env[REUSE_ENV];
  if (!file || !existsSync(file)) {
    throw new Error(
      `${STATE_ENV} is not set: run through the jest "integration" project ` +
        `or set ${REUSE_ENV} (npx tsx test/services/cli.ts up)`,
    );
  }
  return readState(file);
}

export function defaultStateFile(): string {
  return path.join(repoRoot(), '.testbed', 'services-state.json');
}
