import { parseDrbdsetupJson, parseProcDrbd, type DrbdResourceState } from './drbd-parse.js';
import { runOverSsh } from './ssh.js';
import type { CheckResult, Endpoint, SshCredentials } from './types.js';
import { errorText, redact, unhealthy } from './util.js';

export { parseDrbdadmStatus, parseDrbdsetupJson, parseProcDrbd } from './drbd-parse.js';
export type { DrbdPeerState, DrbdResourceState } from './drbd-parse.js';

export interface DrbdNodeView {
  vm: string;
  source: 'drbdsetup-json' | 'proc-drbd';
  resources: DrbdResourceState[];
}

const primaryCount = (r: DrbdResourceState): number =>
  (r.role === 'Primary' ? 1 : 0) + r.peers.filter((p) => p.peerRole === 'Primary').length;

/** Judges the pair from each node's own view. Pure; never throws. */
export function assessDrbd(views: DrbdNodeView[]): CheckResult {
  try {
    const problems: string[] = [];
    const names = new Set(views.flatMap((v) => v.resources.map((r) => r.name)));
    if (names.size === 0) problems.push('no DRBD resources configured');
    for (const v of views) {
      for (const r of v.resources) {
        const where = `${v.vm}: ${r.name}`;
        const badDisk = r.disks.filter((d) => d !== 'UpToDate');
        if (badDisk.length) problems.push(`${where} disk ${badDisk.join(',')}`);
        if (r.peers.length === 0) problems.push(`${where} has no peer`);
        for (const p of r.peers) {
          if (p.connection !== 'Connected') problems.push(`${where} ${p.connection} to ${p.name}`);
          else if (p.replication !== 'Established') problems.push(`${where} ${p.replication} with ${p.name}`);
          if (p.peerDisk !== 'UpToDate') problems.push(`${where} peer disk ${p.peerDisk}`);
          if (p.outOfSync !== undefined && p.outOfSync > 0) problems.push(`${where} ${p.outOfSync} KiB out of sync`);
        }
        const n = primaryCount(r);
        if (n !== 1 && r.peers.every((p) => p.connection === 'Connected')) {
          problems.push(n === 0 ? `${where} no Primary` : `${where} ${n} Primaries`);
        }
      }
      for (const name of names)
        if (!v.resources.some((r) => r.name === name)) problems.push(`${v.vm}: resource ${name} missing`);
    }
    for (const name of names) {
      const primaries = views
        .filter((v) => v.resources.some((r) => r.name === name && r.role === 'Primary'))
        .map((v) => v.vm);
      if (primaries.length > 1) problems.push(`${name} Primary on ${primaries.join(' and ')}`);
      if (primaries.length === 0 && views.length > 1) problems.push(`${name} Primary on no node`);
    }
    const details = { views, activeStorageNode: activeStorageNode(views) };
    const unique = [...new Set(problems)];
    if (unique.length) return unhealthy(`drbd: ${unique.join('; ')}`, details);
    return {
      healthy: true,
      message: `drbd healthy: ${[...names].join(',')} UpToDate/UpToDate, Primary on ${details.activeStorageNode}`,
      details,
    };
  } catch (err) {
    return unhealthy(`drbd assessment failed: ${errorText(err)}`);
  }
}

/** The node on which every DRBD resource is Primary, if there is exactly one such node. */
export function activeStorageNode(views: DrbdNodeView[]): string | undefined {
  const primaries = views.filter((v) => v.resources.length > 0 && v.resources.every((r) => r.role === 'Primary'));
  return primaries.length === 1 ? primaries[0]?.vm : undefined;
}

export interface DrbdCheckOptions {
  nodes: Endpoint[];
  credentials: SshCredentials;
  timeoutMs: number;
}

async function readNode(node: Endpoint, creds: SshCredentials, timeoutMs: number): Promise<DrbdNodeView | string> {
  const deadline = Date.now() + timeoutMs;
  const j = await runOverSsh(node, creds, 'drbdsetup status --json', timeoutMs);
  if (j.code === null) return `${node.vm}: ${j.error ?? 'no answer'}`;
  if (j.code === 0) {
    try {
      return { vm: node.vm, source: 'drbdsetup-json', resources: parseDrbdsetupJson(j.stdout) };
    } catch {
      // Not JSON: an 8.4 drbdsetup may print text; fall through to /proc/drbd.
    }
  }
  const left = deadline - Date.now();
  if (left <= 0) return `${node.vm}: timed out after ${timeoutMs} ms`;
  const p = await runOverSsh(node, creds, 'cat /proc/drbd', left);
  if (p.code === null) return `${node.vm}: ${p.error ?? 'no answer'}`;
  if (p.code !== 0) {
    const why = `drbdsetup: ${firstLine(j.stderr, j.code)}; /proc/drbd: ${firstLine(p.stderr, p.code)}`;
    return `${node.vm}: no DRBD status (${why})`;
  }
  try {
    return { vm: node.vm, source: 'proc-drbd', resources: parseProcDrbd(p.stdout) };
  } catch (err) {
    return `${node.vm}: unreadable /proc/drbd: ${errorText(err)}`;
  }
}

const firstLine = (t: string, code: number): string => t.trim().split('\n')[0] || `exit ${code}`;

/** Reads DRBD state on every node of the pair (DRBD 9 JSON first, then 8.4's /proc/drbd). */
export async function checkDrbd(opts: DrbdCheckOptions): Promise<CheckResult> {
  try {
    const answers = await Promise.all(opts.nodes.map((n) => readNode(n, opts.credentials, opts.timeoutMs)));
    const views = answers.filter((x): x is DrbdNodeView => typeof x !== 'string');
    const errors = answers.filter((x): x is string => typeof x === 'string');
    const secrets = [opts.credentials.passphrase, opts.credentials.privateKey];
    if (errors.length) {
      return redact(
        unhealthy(`drbd: ${errors.join('; ')}`, { views, errors, activeStorageNode: activeStorageNode(views) }),
        secrets,
      );
    }
    const res = assessDrbd(views);
    return redact(
      { ...res, details: { ...res.details, sources: Object.fromEntries(views.map((v) => [v.vm, v.source])) } },
      secrets,
    );
  } catch (err) {
    return unhealthy(`drbd check failed: ${errorText(err)}`);
  }
}
