// Process and API server probes: RSS high-water mark and CPU time from /proc, and the API server's
// apiserver_request_total counters (scraped with the test bed's admin certificate).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsGet } from '../../test/testbed/https.js';
import type { TestbedState } from '../../test/testbed/testbed.js';

export function vmHwmKb(pid: number): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after "(comm)": state is index 0, so utime (field 14) is index 11 and stime index 12.
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of a process and its live descendants: a supervisor (hack/supervise.sh) and what it runs. */
export function treeCpuSeconds(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // Gone, or no children file on this kernel: the process's own time is all there is.
  }
  return cpuSeconds(pid) + children.reduce((sum, c) => sum + treeCpuSeconds(c), 0);
}

/**
 * The process a supervisor (hack/supervise.sh) runs: its first child from /proc/<pid>/task/<pid>/children,
 * or `pid` itself when it has none (or the kernel has no children file). Between restarts the child
 * may be the supervisor's `sleep 1`.
 */
export function supervisedPid(pid: number): number {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)[0];
    return first ?? pid;
  } catch {
    return pid;
  }
}

export interface Counter {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  value: number;
}

export async function scrapeRequests(tb: TestbedState): Promise<Counter[]> {
  const pki = join(tb.dir, 'pki');
  const r = await httpsGet(
    `${tb.server}/metrics`,
    { ca: join(pki, 'ca.crt'), cert: join(pki, 'admin.crt'), key: join(pki, 'admin.key') },
    10_000,
  );
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
  const out: Counter[] = [];
  for (const line of r.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    out.push({
      verb: labels.verb ?? '',
      group: labels.group ?? '',
      resource: labels.resource ?? '',
      subresource: labels.subresource ?? '',
      value,
    });
  }
  return out;
}

const id = (c: Omit<Counter, 'value'>) => `${c.verb}|${c.group}|${c.resource}|${c.subresource}`;

/** after - before, per verb/group/resource/subresource; zero rows dropped. */
export function diff(before: Counter[], after: Counter[]): Counter[] {
  const acc = new Map<string, Counter>();
  for (const c of after) {
    const k = id(c);
    const cur = acc.get(k) ?? { ...c, value: 0 };
    cur.value += c.value;
    acc.set(k, cur);
  }
  for (const c of before) {
    const k = id(c);
    const cur = acc.get(k) ?? { ...c, value: 0 };
    cur.value -= c.value;
    acc.set(k, cur);
  }
  return [...acc.values()].filter((c) => c.value !== 0);
}

/**
 * apiserver_request_total has no user or user-agent label, so requests are attributed by what is
 * asked for: everything on acdclusters, and spec patches of VirtualMachines, is the operator's
 * (virt-controller writes VM status, VMIs and pods, the node stand-in VMI and pod status, never
 * these; virt-api's PATCH for a start/stop subresource only comes from the virtctl side). The bench's
 * own requests on acdclusters are subtracted by the caller. Events are not told apart here:
 * virt-controller posts them too; the caller adds the operator's count (cluster.ts operatorEvents).
 */
export const isOperators = (c: Counter) =>
  c.group === 'acd.power.dev' ||
  (c.group === 'kubevirt.io' && c.resource === 'virtualmachines' && c.subresource === '' && c.verb === 'PATCH');

export function byVerb(cs: Counter[], filter: (c: Counter) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cs.filter(filter)) out[c.verb] = (out[c.verb] ?? 0) + c.value;
  return Object.fromEntries(Object.entries(out).sort());
}
