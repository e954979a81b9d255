// Child processes of the test bed: started detached (so `testbed up` can exit and leave them
// running), each with its own log file, and stopped by PID.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface Started { pid: number; log: string }

export function startDetached(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): Started {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return { pid: child.pid, log };
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 5_000): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) signal(pid, 'SIGKILL');
  while (isAlive(pid) && !isZombie(pid)) await sleep(20);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

// A detached child of a still-running parent stays a zombie until reaped; it holds no port.
function isZombie(pid: number): boolean {
  try {
    return /\)\s+Z\s/.test(readStat(pid));
  } catch {
    return true;
  }
}

import { readFileSync } from 'node:fs';
function readStat(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
