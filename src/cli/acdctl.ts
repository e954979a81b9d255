#!/usr/bin/env node
// acdctl (also installed as the kubectl plugin `kubectl acd`): plan, inspect and flip the power
// of an AcdCluster. Every failure ends as one line on stderr and an exit code scripts can test:
// 0 ok, 1 error, 2 usage, 3 stalled, 4 timed out.
import { parseCommandLine, UsageError, USAGE, type Invocation } from './args.js';
import { CliError } from './kube.js';
import { runPlan } from './commands/plan.js';
import { runStatus } from './commands/status.js';
import { runPower } from './commands/power.js';
import { runHistory } from './commands/history.js';
import { runRestart } from './commands/restart.js';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

async function run(inv: Invocation, signal: AbortSignal): Promise<number> {
  switch (inv.command) {
    case 'help':
      out(USAGE);
      return 0;
    case 'plan':
      return runPlan(inv, out);
    case 'status':
      return runStatus(inv, out, process.stdout.isTTY === true, signal);
    case 'history':
      return runHistory(inv, out);
    case 'restart':
      return runRestart(inv, out);
    case 'power':
      return runPower(inv, out, err, signal);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const inv = parseCommandLine(argv);
    // Ctrl-C ends a watch or a wait cleanly (the watch is closed, the last line is complete);
    // anything else just stops, as it would without a handler.
    const follows = (inv.command === 'status' && inv.watch) || (inv.command === 'power' && inv.wait);
    const interrupt = new AbortController();
    process.once('SIGINT', () => (follows ? interrupt.abort() : process.exit(130)));
    return await run(inv, interrupt.signal);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`acdctl: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof CliError) {
      err(`acdctl: ${e.message}`);
      return e.exitCode;
    }
    // A bug of ours: still one line, with enough to report it.
    err(`acdctl: unexpected error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Exit explicitly: client-node may hold keep-alive sockets open after a watch. The empty write's
// callback runs once everything written before it has been handed to the OS.
process.stdout.write('', () => process.exit(code));
