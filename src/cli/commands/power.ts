// `acdctl power on|off`: sets spec.powerState (the operator does the rest) and, with --wait,
// follows the transition one line per change until Ready, Stalled or the timeout. With --until it
// writes an override annotation instead, which beats spec.schedule until it ends.
import { formatDuration } from '../../api/duration.js';
import { formatOverride } from '../../api/override.js';
import { resolveUntil } from '../../schedule/index.js';
import { annotate, CliError, connect, getAcd, setPowerState, watchAcd, whoAmI, type Kube } from '../kube.js';
import { OVERRIDE_ANNOTATION, SKIP_GATES_ANNOTATION } from '../../api/names.js';
import { formatSkipGates } from '../../api/skip-gates.js';
import { progressLine, waitOutcome, type WaitOutcome } from '../progress.js';

export interface PowerArgs {
  kubeconfig?: string;
  state: 'On' | 'Off';
  name: string;
  namespace?: string;
  wait: boolean;
  timeoutMs: number;
  override?: { until: string; reason?: string };
  skipGates?: { gates: string[]; reason: string };
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
  if (args.override) return runOverride(k, args, args.override, out);
  const before = await setPowerState(k, args.name, args.state, skipAnnotation(k, args));
  const generation = before.metadata.generation ?? 0;
  out(`acdcluster ${args.name} in namespace ${k.namespace}: powerState ${args.state} (generation ${generation})`);
  if (args.skipGates) out(skippingLine(args.skipGates));
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

/** The skip-gates annotation, set in the same patch as powerState: the Off it begins finds it there. */
function skipAnnotation(k: Kube, args: PowerArgs): { key: string; value: string } | undefined {
  if (!args.skipGates) return undefined;
  const by = whoAmI(k);
  return { key: SKIP_GATES_ANNOTATION, value: formatSkipGates({ ...args.skipGates, ...(by ? { by } : {}) }) };
}

const skippingLine = (s: NonNullable<PowerArgs['skipGates']>) =>
  `skipping gate ${s.gates.join(', ')} once: ${s.reason}`;

/** The override annotation, for an ACD on a schedule only: On and Off are absolute by design. */
async function runOverride(
  k: Kube,
  args: PowerArgs,
  override: NonNullable<PowerArgs['override']>,
  out: (text: string) => void,
): Promise<number> {
  const acd = await getAcd(k, args.name);
  const spec = (acd.spec ?? {}) as { powerState?: string; schedule?: { timeZone?: string } };
  if (spec.powerState !== 'Scheduled' || !spec.schedule?.timeZone) {
    throw new CliError(
      `acdcluster ${args.name} has powerState ${spec.powerState ?? '(none)'}: an override only applies to ` +
        `powerState Scheduled; to change it for good: acdctl power ${args.state.toLowerCase()} ${args.name}`,
    );
  }
  const zone = spec.schedule.timeZone;
  let until: Date;
  try {
    until = resolveUntil(override.until, new Date(), zone);
  } catch (e) {
    throw new CliError(`--until: ${(e as Error).message}`, 2);
  }
  const by = whoAmI(k);
  const value = formatOverride({
    powerState: args.state,
    until: until.toISOString(),
    ...(override.reason !== undefined ? { reason: override.reason } : {}),
    ...(by ? { by } : {}),
  });
  await annotate(k, args.name, { key: OVERRIDE_ANNOTATION, value }, acd.metadata.resourceVersion);
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
  out(
    `acdcluster ${args.name} in namespace ${k.namespace}: override ${args.state} until ${until.toISOString()} ` +
      `(${local.format(until)} ${zone}); the schedule decides again after that`,
  );
  return 0;
}
