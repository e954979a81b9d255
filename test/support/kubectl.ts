// The real kubectl against one kubeconfig, for tests, the test bed and the bench: one place that
// knows how to run it, feed it stdin and report its failures.
// - `kubectl(args, input?)`: async; stdout, or a KubectlError carrying kubectl's stderr;
// - `kubectl.try(args, input?)`: async; never rejects for a failed command, the caller reads `ok`;
// - `kubectl.sync` and `kubectl.trySync`: the same, blocking, for code that is synchronous (a
//   fast-check property, a CLI script).
import { execFile, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { binary } from './binaries.js';

const run = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;
/** A blocking call that hangs must not hang the test run; kubectl's own waits use --timeout=60s. */
const SYNC_TIMEOUT_MS = 120_000;

export interface KubectlResult {
  ok: boolean;
  stdout: string;
  /** kubectl's stderr; on a failure that left none (kubectl not found, killed), how it failed. */
  stderr: string;
}

export class KubectlError extends Error {
  readonly stderr: string;
  constructor(args: readonly string[], r: KubectlResult) {
    super(`kubectl ${shown(args)}: ${r.stderr.trim()}`);
    this.name = 'KubectlError';
    this.stderr = r.stderr;
  }
}

/** Closures, not methods: `kubectlFor(k).sync` may be passed around on its own. */
export interface Kubectl {
  (args: string[], input?: string): Promise<string>;
  try: (args: string[], input?: string) => Promise<KubectlResult>;
  sync: (args: string[], input?: string) => string;
  trySync: (args: string[], input?: string) => KubectlResult;
}

/**
 * kubectl with `--kubeconfig`; a function is read at each call, for a kubeconfig that exists only
 * once a beforeAll has started the control plane.
 */
export function kubectlFor(kubeconfig: string | (() => string)): Kubectl {
  const argv = (args: string[]) => [
    '--kubeconfig',
    typeof kubeconfig === 'string' ? kubeconfig : kubeconfig(),
    ...args,
  ];

  const tryAsync = async (args: string[], input?: string): Promise<KubectlResult> => {
    const p = run(binary('kubectl'), argv(args), { maxBuffer: MAX_BUFFER });
    if (input !== undefined) p.child.stdin?.end(input);
    try {
      const { stdout, stderr } = await p;
      return { ok: true, stdout, stderr };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      return { ok: false, stdout: err.stdout ?? '', stderr: err.stderr?.trim() ? err.stderr : err.message };
    }
  };

  const trySync = (args: string[], input?: string): KubectlResult => {
    const r = spawnSync(binary('kubectl'), argv(args), {
      encoding: 'utf8',
      input,
      timeout: SYNC_TIMEOUT_MS,
      maxBuffer: MAX_BUFFER,
    });
    const ok = r.status === 0 && r.error === undefined;
    const stderr = r.stderr ?? '';
    const how = r.error?.message ?? `exit status ${r.status ?? r.signal}`;
    return { ok, stdout: r.stdout ?? '', stderr: ok || stderr.trim() ? stderr : how };
  };

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await tryAsync(args, input);
    if (!r.ok) throw new KubectlError(args, r);
    return r.stdout;
  };
  const sync = (args: string[], input?: string): string => {
    const r = trySync(args, input);
    if (!r.ok) throw new KubectlError(args, r);
    return r.stdout;
  };
  return Object.assign(kubectl, { try: tryAsync, sync, trySync });
}

/** The command line for a message: a patch or an applied List can be long, so it is cut short. */
function shown(args: readonly string[]): string {
  const line = args.join(' ');
  return line.length > 200 ? `${line.slice(0, 200)} ...` : line;
}

/**
 * Waits until every CRD named is Established. Polled rather than `kubectl wait
 * --for=condition=Established`, which fails at once, instead of waiting, on a CRD whose status has
 * no conditions yet ("<nil> is of the type <nil>, expected []interface{}"); CI met that race.
 */
export async function waitEstablished(kubectl: Kubectl, crds: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const r = await kubectl.try(['get', 'crd', crd, '-o', 'jsonpath={.status.conditions}']);
      // Until the API server writes them, kubectl prints nothing or `null`.
      const read = r.ok && r.stdout.trim() ? (JSON.parse(r.stdout) as { type: string; status: string }[] | null) : null;
      const conditions = read ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd} not Established within ${timeoutMs / 1000} s`);
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

const ACD_CRD = resolve(import.meta.dirname, '../../deploy/crds/acd.power.dev_acdclusters.yaml');

/** Installs the AcdCluster CRD from deploy/crds and waits until it is served. */
export async function installAcdCrd(kubectl: Kubectl): Promise<void> {
  await kubectl(['apply', '--server-side', '-f', ACD_CRD]);
  await waitEstablished(kubectl, ['acdclusters.acd.power.dev']);
}
