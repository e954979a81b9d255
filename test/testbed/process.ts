// Child processes of the test bed: started detached (so `testbed up` can exit and leave them
// running), each with its own log file, and stopped by PID. The PID helpers are shared with the
// integration services (test/services/proc.ts), which also tell a zombie from a live process.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export { isAlive, stopPid } from '../services/proc.js';
export { setTimeout as sleep } from 'node:timers/promises';

export interface Started {
  pid: number;
  log: string;
}

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
