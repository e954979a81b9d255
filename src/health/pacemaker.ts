import { parseCrmMon, type CrmMonStatus } from './crm-mon-xml.js';
import { runOverSsh, type SshResult } from './ssh.js';
import type { CheckResult, Endpoint, SshCredentials } from './types.js';
import { errorText, redact, unhealthy } from './util.js';

export const CRM_MON_XML = 'crm_mon --one-shot --inactive --output-as=xml';
/** Pacemaker 1.1 has no --output-as; its XML mode is -X with a <crm_mon> root. */
export const CRM_MON_LEGACY = 'crm_mon -1 -X';
/** crm_mon's exit code when it cannot reach the cluster (CRM_EX_DISCONNECT). */
const NOT_CONNECTED = 102;

const PROMOTED_ROLES = new Set(['Promoted', 'Master']);

/** Judges one crm_mon XML document (either format). Pure; never throws. */
export function assessCrmMon(xml: string, expectedNodes: string[]): CheckResult {
  let st: CrmMonStatus;
  try {
    st = parseCrmMon(xml);
  } catch (err) {
    return unhealthy(`cannot read crm_mon output: ${errorText(err)}`);
  }
  const details: Record<string, unknown> = {
    format: st.format,
    dc: st.dc,
    nodes: st.nodes,
    failures: st.failures,
    activeLoadBalancerNode: vipNode(st),
    promotedNode: promoted(st),
  };
  if (st.statusCode !== undefined && st.statusCode !== 0) {
    const why = st.statusMessage ?? `status ${st.statusCode}`;
    return unhealthy(`crm_mon: ${why}${st.errors.length ? ` (${st.errors.join('; ')})` : ''}`, {
      ...details,
      statusCode: st.statusCode,
    });
  }

  const problems: string[] = [];
  if (!st.dc?.present) problems.push('no DC elected');
  else if (!st.dc.withQuorum) problems.push('partition without quorum');

  const byName = new Map(st.nodes.map((n) => [n.name, n]));
  for (const name of expectedNodes) if (!byName.has(name)) problems.push(`node ${name} not in cluster`);
  for (const n of st.nodes) {
    // Remote and guest nodes are resources of the cluster; only full members are judged here.
    if (n.type !== 'member' && !expectedNodes.includes(n.name)) continue;
    const bad = [
      !n.online && 'offline',
      n.standby && 'standby',
      n.standbyOnFail && 'standby (on-fail)',
      n.maintenance && 'in maintenance',
      n.unclean && 'unclean',
      n.pending && 'pending',
    ].filter((x): x is string => Boolean(x));
    if (bad.length) problems.push(`node ${n.name} ${bad.join(', ')}`);
  }
  for (const f of st.failures) {
    problems.push(`failed action ${f.opKey} on ${f.node}: ${f.exitStatus}${f.exitReason ? ` (${f.exitReason})` : ''}`);
  }
  for (const r of st.resources) {
    if (r.failed) problems.push(`resource ${r.id} failed${r.nodes.length ? ` on ${r.nodes.join(',')}` : ''}`);
    if (r.blocked) problems.push(`resource ${r.id} blocked`);
  }

  if (problems.length) return unhealthy(problems.join('; '), details);
  const online = st.nodes.filter((n) => n.online).length;
  return {
    healthy: true,
    message:
      `cluster healthy: ${online} nodes online, DC ${st.dc?.name ?? '?'} with quorum, ` +
      `${st.resources.length} resource instances`,
    details,
  };
}

function vipNode(st: CrmMonStatus): string | undefined {
  const hosts = new Set(st.resources.filter((r) => r.agent.includes('IPaddr2') && r.active).flatMap((r) => r.nodes));
  // Two VIPs on different nodes is no single "active load balancer".
  return hosts.size === 1 ? [...hosts][0] : undefined;
}

function promoted(st: CrmMonStatus, prefix?: string): string | undefined {
  const hosts = new Set(
    st.resources
      .filter((r) => r.promotable && PROMOTED_ROLES.has(r.role))
      .filter((r) => !prefix || r.id.startsWith(prefix) || r.parents.some((p) => p.startsWith(prefix)))
      .flatMap((r) => r.nodes),
  );
  return hosts.size === 1 ? [...hosts][0] : undefined;
}

/** The node running the IPaddr2 (VIP) resource, if exactly one does. */
export function activeLoadBalancerNode(xml: string): string | undefined {
  try {
    return vipNode(parseCrmMon(xml));
  } catch {
    return undefined;
  }
}

/** The node of the Promoted (or, before 2.1, Master) instance of a promotable clone, e.g. DRBD. */
export function promotedNode(xml: string, resourceIdPrefix?: string): string | undefined {
  try {
    return promoted(parseCrmMon(xml), resourceIdPrefix);
  } catch {
    return undefined;
  }
}

/**
 * Decides whether a failed `crm_mon --output-as=xml` means "this crm_mon is too old" (Pacemaker
 * 1.1: unknown option, usage error 64) rather than a cluster problem.
 */
export function isUnsupportedOutputAs(r: SshResult): boolean {
  if (r.code === null || r.code === 0 || r.code === NOT_CONNECTED) return false;
  if (r.stdout.includes('<pacemaker-result')) return false;
  return r.code === 64 || /unrecognized option|invalid option|unknown option|--output-as/i.test(r.stderr);
}

export interface PacemakerCheckOptions {
  nodes: Endpoint[];
  credentials: SshCredentials;
  timeoutMs: number;
}

/**
 * Asks the cluster for its status through the first node that answers over SSH. The cluster view
 * is the same from every member, so one answer is enough; a node that answers "Not connected"
 * (exit 102) is a finding, not a reason to ask the next one.
 */
export async function checkPacemaker(opts: PacemakerCheckOptions): Promise<CheckResult> {
  try {
    const deadline = Date.now() + opts.timeoutMs;
    const unreachable: string[] = [];
    const expected = opts.nodes.map((n) => n.vm);
    for (const node of opts.nodes) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let command = CRM_MON_XML;
      let r = await runOverSsh(node, opts.credentials, command, left);
      if (r.code === null) {
        unreachable.push(`${node.vm}: ${r.error ?? 'no answer'}`);
        continue;
      }
      if (isUnsupportedOutputAs(r)) {
        command = CRM_MON_LEGACY;
        r = await runOverSsh(node, opts.credentials, command, Math.max(1, deadline - Date.now()));
        if (r.code === null) {
          unreachable.push(`${node.vm}: ${r.error ?? 'no answer'}`);
          continue;
        }
      }
      return redact(judge(node, command, r, expected), [opts.credentials.passphrase, opts.credentials.privateKey]);
    }
    return unhealthy(`pacemaker: no node answered (${unreachable.join('; ') || 'time budget exhausted'})`, {
      unreachable,
    });
  } catch (err) {
    return unhealthy(`pacemaker check failed: ${errorText(err)}`);
  }
}

function judge(node: Endpoint, command: string, r: SshResult, expected: string[]): CheckResult {
  const base = { node: node.vm, command, exitCode: r.code };
  const hasXml = /<(pacemaker-result|crm_mon)[\s>/]/.test(r.stdout);
  if (r.code === NOT_CONNECTED && !r.stdout.includes('<pacemaker-result')) {
    return unhealthy(`${node.vm}: crm_mon: Not connected (exit 102)`, base);
  }
  if (!hasXml || (r.code !== 0 && r.code !== NOT_CONNECTED && !r.stdout.includes('<pacemaker-result'))) {
    const why = (r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.code}`;
    return unhealthy(`${node.vm}: ${command} failed: ${why}`, { ...base, stderr: r.stderr.slice(0, 2000) });
  }
  const res = assessCrmMon(r.stdout, expected);
  return { healthy: res.healthy, message: `${node.vm}: ${res.message}`, details: { ...base, ...res.details } };
}
