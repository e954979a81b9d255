// Command line of acdctl. One parseArgs over the union of every command's flags, so flags may
// come before or after the command word (`acdctl -n prod status acd` works as kubectl users
// expect); each command then rejects the flags it has no use for instead of silently ignoring them.
import { parseArgs } from 'node:util';
import { parseDuration } from '../api/duration.js';
import type { ActiveSides, PairKind } from '../plan/index.js';

/** Anything wrong with the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage:
  acdctl plan -f FILE.yaml [--active database=1|2,loadBalancer=1|2,storage=1|2]
  acdctl plan NAME [-n NAMESPACE] [--active ...]
  acdctl status NAME [-n NAMESPACE] [--watch]
  acdctl history NAME [-n NAMESPACE]
  acdctl restart NAME [-n NAMESPACE]
  acdctl power on|off NAME [-n NAMESPACE] [--wait] [--timeout 10m]
  acdctl power on|off NAME --until TIME [--reason TEXT] [-n NAMESPACE]
  acdctl power off NAME --skip-gate GATE [--skip-gate GATE2] --reason TEXT [-n NAMESPACE] [--wait]

Commands:
  plan     Validate an AcdCluster and print its shutdown and startup plans. Changes nothing.
  status   Show the stages of the current transition, the VMs, the conditions and the active sides.
  history  List the last finished transitions: when, what triggered them and who, how long each stage took.
  restart  Restart an On ACD in order: every stage Off, then every stage On, once.
  power    Set spec.powerState; with --wait follow the transition until it is Ready or Stalled.
           With --until (powerState Scheduled only): override the schedule until TIME, without
           touching the spec; the operator removes the override when it ends.
           With --skip-gate (off only): skip these beforeOff gates of spec.gates for this Off, once;
           --reason is required and recorded in status and events.

Flags:
  -f, --file FILE        plan an AcdCluster manifest (or a bare spec) instead of one in the cluster
  -n, --namespace NS     namespace of the AcdCluster (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)
      --active LIST      plan with these active sides, e.g. database=2,loadBalancer=1
  -w, --watch            status: re-render on every change until interrupted
      --wait             power: wait until the operator reports Ready (exit 0), Stalled (exit 3)
      --timeout DURATION power --wait: give up after this long (exit 4); default 10m
      --until TIME       power: override until HH:MM or YYYY-MM-DDTHH:MM (in the schedule's time zone),
                         a duration such as 2h, or an RFC 3339 time
      --reason TEXT      power --until / --skip-gate: why, shown in status and events
      --skip-gate GATE   power off: skip this beforeOff gate once (repeatable); needs --reason
  -h, --help             show this help

Exit codes: 0 ok, 1 error, 2 usage, 3 stalled, 4 timed out.`;

export type Invocation =
  | { command: 'help' }
  | { command: 'plan'; kubeconfig?: string; file?: string; name?: string; namespace?: string; active: ActiveSides }
  | { command: 'status'; kubeconfig?: string; name: string; namespace?: string; watch: boolean }
  | { command: 'history' | 'restart'; kubeconfig?: string; name: string; namespace?: string }
  | {
      command: 'power';
      kubeconfig?: string;
      state: 'On' | 'Off';
      name: string;
      namespace?: string;
      wait: boolean;
      timeoutMs: number;
      /** An override instead of a spec change: --until as typed, resolved against the ACD's zone. */
      override?: { until: string; reason?: string };
      /** beforeOff gates to skip for this Off (the skip-gates annotation), with why. */
      skipGates?: { gates: string[]; reason: string };
    };

const OPTIONS = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  file: { type: 'string', short: 'f' },
  active: { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  until: { type: 'string' },
  reason: { type: 'string' },
  'skip-gate': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;
type Flag = keyof typeof OPTIONS;

const ALLOWED: Record<'plan' | 'status' | 'history' | 'restart' | 'power', readonly Flag[]> = {
  plan: ['kubeconfig', 'namespace', 'file', 'active'],
  status: ['kubeconfig', 'namespace', 'watch'],
  history: ['kubeconfig', 'namespace'],
  restart: ['kubeconfig', 'namespace'],
  power: ['kubeconfig', 'namespace', 'wait', 'timeout', 'until', 'reason', 'skip-gate'],
};

const DEFAULT_TIMEOUT = '10m';

const isCommand = (word: string): word is keyof typeof ALLOWED => Object.hasOwn(ALLOWED, word);

export function parseCommandLine(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs' messages already name the flag; drop its hint about '--' which means nothing here.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}"`);

  const given = (Object.keys(values) as Flag[]).filter((f) => values[f] !== undefined && f !== 'help');
  const stray = given.filter((f) => !ALLOWED[command].includes(f));
  if (stray.length) throw new UsageError(`${command} does not take ${stray.map((f) => `--${f}`).join(', ')}`);
  const common = {
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
  };

  switch (command) {
    case 'plan': {
      if (values.file !== undefined && rest.length) throw new UsageError('plan takes either -f FILE or NAME, not both');
      if (values.file === undefined && rest.length !== 1)
        throw new UsageError('plan needs -f FILE or one AcdCluster NAME');
      if (values.file !== undefined && values.namespace !== undefined)
        throw new UsageError('-n names the namespace of an AcdCluster in the cluster; it has no meaning with -f');
      const active = values.active === undefined ? {} : parseActive(values.active);
      return values.file !== undefined
        ? { command, ...common, file: values.file, active }
        : { command, ...common, name: rest[0]!, active };
    }
    case 'status':
      if (rest.length !== 1) throw new UsageError('status needs one AcdCluster NAME');
      return { command, ...common, name: rest[0]!, watch: values.watch === true };
    case 'history':
    case 'restart':
      if (rest.length !== 1) throw new UsageError(`${command} needs one AcdCluster NAME`);
      return { command, ...common, name: rest[0]! };
    case 'power': {
      const [state, name, ...extra] = rest;
      const normalized = state?.toLowerCase();
      if (normalized !== 'on' && normalized !== 'off')
        throw new UsageError('power needs "on" or "off", then the AcdCluster NAME');
      if (name === undefined || extra.length) throw new UsageError('power on|off needs one AcdCluster NAME');
      if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout only applies with --wait');
      const skipGates = skipGatesOf(values, normalized);
      if (values.reason !== undefined && values.until === undefined && !skipGates)
        throw new UsageError('--reason only applies with --until or --skip-gate');
      if (values.until !== undefined && values.wait)
        throw new UsageError('--wait follows a spec change; follow an override with: acdctl status NAME --watch');
      if (values.reason !== undefined && values.reason.length > 200)
        throw new UsageError('--reason: at most 200 characters');
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(values.timeout ?? DEFAULT_TIMEOUT);
      } catch (e) {
        throw new UsageError(`--timeout: ${(e as Error).message}`);
      }
      return {
        command,
        ...common,
        state: normalized === 'on' ? 'On' : 'Off',
        name,
        wait: values.wait === true,
        timeoutMs,
        ...(values.until !== undefined
          ? { override: { until: values.until, ...(values.reason !== undefined ? { reason: values.reason } : {}) } }
          : {}),
        ...(skipGates ? { skipGates } : {}),
      };
    }
  }
}

/** --skip-gate: for `power off` only, not with --until (an override has no gates to skip), with a --reason. */
function skipGatesOf(
  values: { 'skip-gate'?: string[]; reason?: string; until?: string },
  state: 'on' | 'off' | undefined,
): { gates: string[]; reason: string } | undefined {
  const gates = values['skip-gate'];
  if (!gates?.length) return undefined;
  if (state !== 'off') throw new UsageError('--skip-gate only applies to power off (gates are spec.gates.beforeOff)');
  if (values.until !== undefined) throw new UsageError('--skip-gate does not combine with --until');
  if (values.reason === undefined || !values.reason.trim())
    throw new UsageError('--skip-gate needs --reason TEXT: why the gate is skipped is recorded');
  return { gates: [...new Set(gates)], reason: values.reason };
}

// The seed's own words (db, lb, store) are accepted next to the spec's field names, since people
// type what they call the machines.
const PAIR_ALIASES: Record<string, PairKind> = {
  database: 'database',
  db: 'database',
  dbm: 'database',
  loadbalancer: 'loadBalancer',
  lb: 'loadBalancer',
  storage: 'storage',
  store: 'storage',
};

/** `database=2,loadBalancer=1` -> { database: 2, loadBalancer: 1 }. */
export function parseActive(text: string): ActiveSides {
  const sides: ActiveSides = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value, ...more] = part.split('=').map((s) => s.trim());
    const kind = key === undefined ? undefined : PAIR_ALIASES[key.toLowerCase()];
    if (!kind || more.length)
      throw new UsageError(`--active: "${part}" is not PAIR=SIDE with PAIR one of database, loadBalancer, storage`);
    if (value !== '1' && value !== '2')
      throw new UsageError(`--active: side of ${kind} must be 1 or 2, not "${value ?? ''}"`);
    sides[kind] = value === '1' ? 1 : 2;
  }
  if (!Object.keys(sides).length) throw new UsageError('--active: give at least one PAIR=SIDE, e.g. database=2');
  return sides;
}
