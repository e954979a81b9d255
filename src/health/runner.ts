// The seam between the reconciler and the checks: turns the AcdCluster's roles into check inputs
// (which VMs are replication partners, which form a pcs pair, which hold DRBD), finds each VM's
// address (spec host, else the IP its VMI reports), and reads credentials from the Secrets the
// spec names. Only Secret names ever reach a log or the status; their contents never do.
import type { KubeConfig } from '@kubernetes/client-node';
import type { AcdClusterSpec, MachineSpec } from '../api/spec.js';
import { whyCheckOff } from '../api/checks-on.js';
import type { AcdCluster } from '../api/types.js';
import { parseDuration } from '../api/duration.js';
import type { HealthCheckName, PairKind, Side, Tier } from '../api/domain.js';
import type { CheckOutcome, DetectedSides, HealthRunner, VmView } from '../decision/types.js';
import { checkReplication, detectActiveDatabase } from './mysql-replication.js';
import { activeLoadBalancerNode, checkPacemaker, CRM_MON_XML } from './pacemaker.js';
import { activeStorageNode, checkDrbd, parseDrbdsetupJson } from './drbd.js';
import { apiSecretReader, sshCredentials, vmEndpoint, type SecretReader, type VmiLookup } from './access.js';
import { runOverSsh } from './ssh.js';
import type { DbCredentials, Endpoint, SshCredentials } from './types.js';

const has = (m: MachineSpec, ...roles: string[]) => m.roles.some((r) => roles.includes(r));
const skipped = (why: string): CheckOutcome => ({ healthy: true, message: `skipped: ${why}` });

export class ClusterHealthRunner implements HealthRunner {
  private readonly readSecret: SecretReader;
  constructor(
    kc: KubeConfig,
    private readonly getVmi: VmiLookup,
  ) {
    this.readSecret = apiSecretReader(kc);
  }

  async run(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    _vms: ReadonlyMap<string, VmView>,
    checks: HealthCheckName[],
    tier?: Tier,
  ): Promise<Partial<Record<HealthCheckName, CheckOutcome>>> {
    const out: Partial<Record<HealthCheckName, CheckOutcome>> = {};
    for (const name of checks) {
      out[name] = await this.one(obj, spec, name, tier).catch((e: unknown) => ({
        healthy: false,
        message: `${name}: ${e instanceof Error ? e.message : String(e)}`,
      }));
    }
    return out;
  }

  private async one(obj: AcdCluster, spec: AcdClusterSpec, name: HealthCheckName, tier?: Tier): Promise<CheckOutcome> {
    switch (name) {
      case 'mysqlReplication':
        return this.mysql(obj, spec);
      case 'pacemaker':
        return this.pacemaker(obj, spec, tier === 'store' ? ['store'] : tier === 'lb' ? ['lb'] : ['lb', 'store']);
      case 'drbd':
        return this.drbd(obj, spec);
      case 'systemHealth':
        return this.system(obj, spec);
    }
  }

  /** The final check: every check that applies to this layout, together. */
  private async system(obj: AcdCluster, spec: AcdClusterSpec): Promise<CheckOutcome> {
    const parts: Array<[string, CheckOutcome]> = [];
    if (dbPartners(spec).replicas.length || dbPartners(spec).masters.length > 1)
      parts.push(['mysqlReplication', await this.mysql(obj, spec)]);
    if (pairMembers(spec, 'lb').length > 1 || pairMembers(spec, 'store').length > 1)
      parts.push(['pacemaker', await this.pacemaker(obj, spec, ['lb', 'store'])]);
    if (pairMembers(spec, 'store').length > 1) parts.push(['drbd', await this.drbd(obj, spec)]);
    const bad = parts.filter(([, r]) => !r.healthy);
    if (!parts.length) return { healthy: true, message: 'all VMs up; no replication, pcs or DRBD pair in this layout' };
    return bad.length
      ? { healthy: false, message: bad.map(([n, r]) => `${n}: ${r.message}`).join('; ') }
      : { healthy: true, message: parts.map(([n, r]) => `${n}: ${r.message}`).join('; ') };
  }

  private async mysql(obj: AcdCluster, spec: AcdClusterSpec): Promise<CheckOutcome> {
    const off = whyCheckOff(spec.health, 'mysqlReplication');
    if (off) return skipped(off);
    const h = spec.health.mysql;
    const { masters, replicas } = dbPartners(spec);
    if (masters.length === 0 || (masters.length === 1 && replicas.length === 0))
      return skipped('no replication partners in this layout');
    const creds = await this.dbCredentials(obj, spec);
    const ep = (m: MachineSpec) => this.endpoint(obj, m, m.ports?.mysql ?? h.port);
    const masterEps = masters.map(ep);
    const masterOf = (r: MachineSpec) =>
      masterEps[
        Math.max(
          0,
          masters.findIndex((m) => m.side === r.side),
        )
      ]!;
    const r = await checkReplication({
      masters: masterEps,
      replicas: replicas.map((m) => ({ endpoint: ep(m), master: masterOf(m) })),
      credentials: creds,
      maxLagSeconds: h.maxLagSeconds,
      timeoutMs: parseDuration(spec.health.checkTimeout),
    });
    return { healthy: r.healthy, message: r.message };
  }

  private async pacemaker(obj: AcdCluster, spec: AcdClusterSpec, roles: Array<'lb' | 'store'>): Promise<CheckOutcome> {
    const off = whyCheckOff(spec.health, 'pacemaker');
    if (off) return skipped(off);
    const ssh = await this.ssh(obj, spec);
    const results: CheckOutcome[] = [];
    for (const role of roles) {
      const members = pairMembers(spec, role);
      if (members.length < 2) continue;
      const r = await checkPacemaker({
        nodes: members.map((m) => this.endpoint(obj, m, m.ports?.ssh ?? spec.health.ssh.port)),
        credentials: ssh,
        timeoutMs: parseDuration(spec.health.checkTimeout),
      });
      results.push({ healthy: r.healthy, message: `${role} pair: ${r.message}` });
    }
    if (!results.length) return skipped('no pcs pair in this layout');
    return { healthy: results.every((r) => r.healthy), message: results.map((r) => r.message).join('; ') };
  }

  private async drbd(obj: AcdCluster, spec: AcdClusterSpec): Promise<CheckOutcome> {
    const off = whyCheckOff(spec.health, 'drbd');
    if (off) return skipped(off);
    const ssh = await this.ssh(obj, spec);
    const members = pairMembers(spec, 'store');
    if (members.length < 2) return skipped('no storage pair in this layout');
    const r = await checkDrbd({
      nodes: members.map((m) => this.endpoint(obj, m, m.ports?.ssh ?? spec.health.ssh.port)),
      credentials: ssh,
      timeoutMs: parseDuration(spec.health.checkTimeout),
    });
    return { healthy: r.healthy, message: r.message };
  }

  /** Live detection of the active side of each pair whose spec says Auto. */
  async detectActive(obj: AcdCluster, spec: AcdClusterSpec): Promise<DetectedSides> {
    const out: DetectedSides = {};
    const timeoutMs = parseDuration(spec.health.checkTimeout);
    const sideOf = (vm: string | undefined) => spec.machines.find((m) => m.vm === vm)?.side;
    const want = (k: PairKind) => spec.active[k] === 'Auto';
    if (want('database') && spec.health.mysql.credentialsSecret && dbPartners(spec).masters.length === 2) {
      try {
        const creds = await this.dbCredentials(obj, spec);
        const { masters, replicas } = dbPartners(spec);
        const ep = (m: MachineSpec) => this.endpoint(obj, m, m.ports?.mysql ?? spec.health.mysql.port);
        // A replica with a side follows its own side's master by design (dbsN/dbrN), so only the
        // replicas without a side can confirm which master is active.
        const r = await detectActiveDatabase({
          masters: masters.map((m) => ({ side: m.side as Side, endpoint: ep(m) })),
          replicas: replicas.filter((m) => !m.side).map(ep),
          credentials: creds,
          timeoutMs,
        });
        out.database = { ...(r.side ? { side: r.side } : {}), message: `MySQL (${r.source}): ${r.message}` };
      } catch (e) {
        out.database = { message: `MySQL probe failed: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    const ssh = spec.health.ssh.credentialsSecret ? await this.ssh(obj, spec).catch(() => undefined) : undefined;
    for (const [kind, role] of [
      ['loadBalancer', 'lb'],
      ['storage', 'store'],
    ] as const) {
      const members = pairMembers(spec, role);
      if (!want(kind) || !ssh || members.length !== 2) continue;
      const eps = members.map((m) => this.endpoint(obj, m, m.ports?.ssh ?? spec.health.ssh.port));
      if (kind === 'loadBalancer') {
        const r = await runOverSsh(eps[0]!, ssh, CRM_MON_XML, timeoutMs);
        const r2 = r.code === 0 ? r : await runOverSsh(eps[1]!, ssh, CRM_MON_XML, timeoutMs);
        const node = r2.code === 0 ? activeLoadBalancerNode(r2.stdout) : undefined;
        const side = sideOf(node);
        out.loadBalancer = side
          ? { side, message: `Pacemaker: the VIP (IPaddr2) runs on ${node}` }
          : {
              message: `Pacemaker: no node runs the VIP${crmMonFailure(r2)}`,
            };
      } else {
        const views = await Promise.all(
          eps.map(async (e) => {
            const r = await runOverSsh(e, ssh, 'drbdsetup status --json', timeoutMs);
            try {
              return r.code === 0
                ? { vm: e.vm, source: 'drbdsetup-json' as const, resources: parseDrbdsetupJson(r.stdout) }
                : undefined;
            } catch {
              return undefined;
            }
          }),
        );
        const node = views.every(Boolean)
          ? activeStorageNode(views as NonNullable<(typeof views)[number]>[])
          : undefined;
        const side = sideOf(node);
        out.storage = side
          ? { side, message: `DRBD: ${node} is Primary` }
          : { message: 'DRBD: no single Primary could be read from both storage VMs' };
      }
    }
    return out;
  }

  private endpoint(obj: AcdCluster, m: MachineSpec, port: number): Endpoint {
    return vmEndpoint(this.getVmi, obj.metadata.namespace, m, port);
  }

  private secret(obj: AcdCluster, name: string): Promise<Record<string, string>> {
    return this.readSecret(obj.metadata.namespace, name);
  }

  private async dbCredentials(obj: AcdCluster, spec: AcdClusterSpec): Promise<DbCredentials> {
    const name = spec.health.mysql.credentialsSecret!;
    const d = await this.secret(obj, name);
    if (!d.username || d.password === undefined) throw new Error(`Secret ${name} needs keys username and password`);
    const { mode, caSecret } = spec.health.mysql.tls;
    if (!caSecret || mode === 'Disabled') return { user: d.username, password: d.password, tls: { mode } };
    const ca = (await this.secret(obj, caSecret))['ca.crt'];
    if (!ca) throw new Error(`Secret ${caSecret} needs key ca.crt (the CA of the MySQL servers' certificates, PEM)`);
    return { user: d.username, password: d.password, tls: { mode, ca, caSecret } };
  }

  /** Callers check first that the spec names the Secret (whyCheckOff, or detectActive's own test). */
  private ssh(obj: AcdCluster, spec: AcdClusterSpec): Promise<SshCredentials> {
    return sshCredentials(this.readSecret, obj.metadata.namespace, spec);
  }
}

/** Replication partners: the masters, and every dbs/dbr VM that is not itself a master. */
function dbPartners(spec: AcdClusterSpec) {
  const masters = spec.machines.filter((m) => has(m, 'dbm')).sort((a, b) => (a.side ?? 0) - (b.side ?? 0));
  const replicas = spec.machines.filter((m) => has(m, 'dbs', 'dbr') && !has(m, 'dbm'));
  return { masters, replicas };
}

const pairMembers = (spec: AcdClusterSpec, role: 'lb' | 'store') => spec.machines.filter((m) => has(m, role) && m.side);

const crmMonFailure = (r: { code: number | null; error?: string }) =>
  r.code === 0 ? '' : ` (crm_mon: ${r.error ?? `exit ${r.code}`})`;
