// `acdctl power on|off`: sets spec.powerState (the operator does the rest) and, with --wait,
// follows the transition one line per change until Ready, Stalled or the timeout.
import { formatDuration } from '../../api/duration.js';
import { connect, setPowerState, watchAcd } from '../kube.js';
import { progressLine, waitOutcome, type WaitOutcome } from '../progress.js';

export interface PowerArgs {
  kubeconfig?: string;
  state: 'On' | 'Off';
  name: string;
  namespace?: string;
  wait: boolean;
  timeoutMs: number;
}

export const EXIT_STALLED = 3;
export const EXIT_TIMEOUT = 4;

export async function runPower(
  args: PowerArgs,
  out: (text: string) => void,
  err: (text: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  const k = connect(args.kubeconfig, args.namespace);
  const before = await setPowerState(k, args.name, args.state);
  const generation = before.metadata.generation ?? 0;
  out(`acdcluster ${args.name} in namespace ${k.namespace}: powerState ${args.state} (generation ${generation})`);
  if (!args.wait) return 0;

  const timeout = AbortSignal.timeout(args.timeoutMs);
  const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let lastLine: string | undefined;
  let outcome: WaitOutcome | undefined;
  const how = await watchAcd(
    k,
    args.name,
    (acd) => {
      const line = progressLine(acd, generation);
      if (line !== lastLine) out(line);
      lastLine = line;
      outcome = waitOutcome(acd, generation);
      return outcome !== undefined;
    },
    stop,
    before,
  );

  if (how === 'aborted' || !outcome) {
    if (timeout.aborted) {
      err(
        `timed out after ${formatDuration(args.timeoutMs)} waiting for acdcluster ${args.name} to be ${args.state}; ` +
          `last: ${lastLine ?? 'no status'}`,
      );
      return EXIT_TIMEOUT;
    }
    return 130;
  }
  if (outcome.kind === 'stalled') {
    err(`stalled (${outcome.reason}): ${outcome.message}`);
    return EXIT_STALLED;
  }
  out(`acdcluster ${args.name} is ${args.state}: ${outcome.message}`);
  return 0;
}
