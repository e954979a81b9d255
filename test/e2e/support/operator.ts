// Starts the operator as users run it: `node dist/main.js`, a separate process, against the test
// bed. Its JSON log goes to a file the test can read.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../testbed/binaries.js';
import { freePort } from '../../testbed/ports.js';
import { kubeconfigPath, until } from './env.js';

export interface RunningOperator {
  child: ChildProcess;
  log: string;
  metricsPort: number;
  healthPort: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
  logLines(): Array<Record<string, unknown>>;
}

/**
 * `namespaces` scopes the operator, so e2e files running side by side never share a cluster; it is
 * required: acdctl's file once ran a cluster-wide one, which reconciled the image test's ACD next to
 * that test's own operator (two writers; the likely cause of a command missing from its record).
 * `kubeconfig` runs it under another identity than the test bed's admin (e.g. a ServiceAccount token).
 */
export async function startOperator(opts: {
  namespaces: string[];
  args?: string[];
  env?: NodeJS.ProcessEnv;
  waitReady?: boolean;
  kubeconfig?: string;
}): Promise<RunningOperator> {
  const dir = mkdtempSync(join(tmpdir(), 'acd-op-'));
  const log = join(dir, 'operator.log');
  const fd = openSync(log, 'a');
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist/main.js'),
      '--kubeconfig',
      opts.kubeconfig ?? kubeconfigPath(),
      '--metrics-port',
      String(metricsPort),
      '--health-port',
      String(healthPort),
      '--namespace',
      opts.namespaces.join(','),
      ...(opts.args ?? []),
    ],
    {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, LOG_LEVEL: 'debug', ACD_FREEZE_CACHE: '1', ...opts.env },
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const op: RunningOperator = {
    child,
    log,
    metricsPort,
    healthPort,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    logLines() {
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
    },
  };
  if (opts.waitReady !== false) {
    await until(
      'operator /readyz',
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.ok,
      60_000,
    );
  }
  return op;
}
