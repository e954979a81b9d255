// SSH for gates: a command on every VM of a role, with spec.health.ssh's credentials, the address
// the health checks use and their host-key pinning (src/health): a VM whose key is not in the
// Secret's known_hosts gets no login, so no command and no number from it.
import type { Role } from '../api/domain.js';
import type { AcdClusterSpec } from '../api/spec.js';
import { sshCredentials, sshPort, vmEndpoint, type SecretReader, type VmiLookup } from '../health/access.js';
import type { SshResult } from '../health/ssh.js';
import type { Endpoint, SshCredentials } from '../health/types.js';
import { failed, type Answer } from './answer.js';
import { sumCaptures } from './capture.js';
import type { GateActionOutcome } from './types.js';

export type SshRunner = (e: Endpoint, c: SshCredentials, command: string, timeoutMs: number) => Promise<SshResult>;

export interface SshContext {
  namespace: string;
  spec: AcdClusterSpec;
  timeoutMs: number;
  readSecret: SecretReader;
  getVmi: VmiLookup;
  runSsh: SshRunner;
}

export interface VmRun {
  vm: string;
  result: SshResult;
}

/** Runs `command` on each VM of `role` at once; throws (naming the VM) when one has no address. */
export async function runOnRole(ctx: SshContext, role: Role, command: string): Promise<VmRun[]> {
  const machines = ctx.spec.machines.filter((m) => m.roles.includes(role));
  if (!machines.length) throw new Error(`no VM in spec.machines carries role ${role}`);
  const endpoints = machines.map((m) => vmEndpoint(ctx.getVmi, ctx.namespace, m, sshPort(ctx.spec, m)));
  const credentials = await sshCredentials(ctx.readSecret, ctx.namespace, ctx.spec);
  return Promise.all(
    endpoints.map(async (e) => ({ vm: e.vm, result: await ctx.runSsh(e, credentials, command, ctx.timeoutMs) })),
  );
}

/** The exit code is not judged: `grep -c` exits 1 when it counts 0, and the regex reads the 0. */
export async function sshCheck(
  ctx: SshContext,
  check: { role: Role; command: string; regex: string },
): Promise<Answer> {
  const runs = await runOnRole(ctx, check.role, check.command);
  const unreachable = runs.filter((r) => r.result.code === null);
  if (unreachable.length)
    return failed(unreachable.map((r) => r.result.error ?? `${r.vm}: the command did not complete`).join('; '));
  return sumCaptures(
    check.regex,
    runs.map((r) => ({ vm: r.vm, stdout: r.result.stdout, code: r.result.code! })),
  );
}

// The last line of stderr says why a command failed; a long one is cut, it goes into status.
const lastLine = (s: string) => (s.trim().split('\n').pop() ?? '').slice(0, 200);

function described(r: VmRun): string {
  if (r.result.code === null) return r.result.error ?? `${r.vm}: the command did not complete`;
  const why = r.result.code !== 0 && r.result.stderr.trim() ? `: ${lastLine(r.result.stderr)}` : '';
  return `${r.vm}: exit ${r.result.code}${why}`;
}

/** An action succeeds when it exited 0 on every VM of the role. */
export async function sshAction(ctx: SshContext, action: { role: Role; command: string }): Promise<GateActionOutcome> {
  const runs = await runOnRole(ctx, action.role, action.command);
  const bad = runs.filter((r) => r.result.code !== 0);
  if (bad.length) return { ok: false, message: `ssh action failed on ${bad.map(described).join('; ')}` };
  return { ok: true, message: `ssh action exited 0 on ${runs.map((r) => r.vm).join(', ')}` };
}
