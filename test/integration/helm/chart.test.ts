// The Helm chart, rendered by the real helm binary (built by hack/build-binaries.sh), checked on
// the parsed objects: replicas, probes, hardening, and least-privilege RBAC.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  loadAllYaml,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1Deployment,
  type V1PolicyRule,
  type V1Role,
  type V1RoleBinding,
  type V1Service,
} from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binary } from '../../support/binaries.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const chart = join(repo, 'deploy/helm/acd-operator');
const RELEASE_NS = 'acd-system';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

let helmPath = '';

function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helmPath, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    throw r.error;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function render(...set: string[]): KubeObject[] {
  const args = ['template', 'acd', chart, '--namespace', RELEASE_NS];
  for (const s of set) {
    args.push('--set', s);
  }
  const r = helm(args);
  if (r.status !== 0) {
    throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  }
  return (loadAllYaml(r.stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null);
}

function ofKind<T>(objects: KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

function allRules(objects: KubeObject[]): V1PolicyRule[] {
  return [...ofKind<V1ClusterRole>(objects, 'ClusterRole'), ...ofKind<V1Role>(objects, 'Role')].flatMap(
    (r) => r.rules ?? [],
  );
}

// Verbs granted on (group, resource), summed over every rule of every Role/ClusterRole.
function verbsFor(rules: V1PolicyRule[], group: string, resource: string): string[] {
  const verbs = new Set<string>();
  for (const rule of rules) {
    if ((rule.apiGroups ?? []).includes(group) && (rule.resources ?? []).includes(resource)) {
      rule.verbs.forEach((v) => verbs.add(v));
    }
  }
  return [...verbs].sort();
}

beforeAll(
  () => {
    helmPath = binary('helm');
  },
  45 * 60 * 1000,
);

describe('helm chart deploy/helm/acd-operator', () => {
  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', chart]);
    expect(r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  describe('with default values', () => {
    let objects: KubeObject[] = [];
    beforeAll(() => {
      objects = render();
    });

    it('runs 2 replicas with leader election, the Lease in the release namespace', () => {
      const d = only(ofKind<V1Deployment>(objects, 'Deployment'));
      expect(d.spec?.replicas).toBe(2);
      const c = only(d.spec?.template.spec?.containers ?? []);
      expect(c.args).toContain('--leader-elect');
      // src/main.ts puts the Lease in --lease-namespace, else in --namespace: pin it to where
      // the leader-election Role is.
      expect(c.args).toContain(`--lease-namespace=${RELEASE_NS}`);
      // No --namespace: the operator watches every namespace.
      expect((c.args ?? []).filter((a) => a.startsWith('--namespace'))).toEqual([]);
    });

    it('exposes metrics on 8080 and health on 8081 with /healthz and /readyz probes', () => {
      const d = only(ofKind<V1Deployment>(objects, 'Deployment'));
      const c = only(d.spec?.template.spec?.containers ?? []);
      const ports = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(ports).toEqual({ metrics: 8080, health: 8081 });
      const resolvePort = (p: unknown) => (typeof p === 'string' ? ports[p] : p);
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(resolvePort(c.livenessProbe?.httpGet?.port)).toBe(8081);
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(resolvePort(c.readinessProbe?.httpGet?.port)).toBe(8081);
      expect(c.resources?.requests).toBeDefined();
      expect(c.resources?.limits?.memory).toBeDefined();

      const svc = only(ofKind<V1Service>(objects, 'Service'));
      expect(svc.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([['metrics', 8080, 'metrics']]);
      expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    });

    it(
      'is hardened: non-root 65532, RuntimeDefault seccomp, read-only root, ' +
        'no privilege escalation, no capabilities',
      () => {
        const d = only(ofKind<V1Deployment>(objects, 'Deployment'));
        const pod = d.spec?.template.spec;
        expect(pod?.securityContext?.runAsNonRoot).toBe(true);
        expect(pod?.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
        const sc = only(pod?.containers ?? []).securityContext;
        expect(sc?.readOnlyRootFilesystem).toBe(true);
        expect(sc?.allowPrivilegeEscalation).toBe(false);
        expect(sc?.capabilities?.drop).toEqual(['ALL']);
        expect(sc?.capabilities?.add ?? []).toEqual([]);
        expect(sc?.runAsUser).toBe(65532);
        expect(sc?.privileged ?? false).toBe(false);
      },
    );

    it('watches all namespaces and gets leader-election namespace from the downward API', () => {
      const d = only(ofKind<V1Deployment>(objects, 'Deployment'));
      const env = only(d.spec?.template.spec?.containers ?? []).env ?? [];
      expect(env.find((e) => e.name === 'WATCH_NAMESPACES')?.value).toBe('');
      expect(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    });

    it('grants exactly the least-privilege rules through a ClusterRole bound to the ServiceAccount', () => {
      const cr = only(ofKind<V1ClusterRole>(objects, 'ClusterRole'));
      const rules = cr.rules ?? [];
      expect(verbsFor(rules, 'acd.power.dev', 'acdclusters')).toEqual(['get', 'list', 'patch', 'watch']);
      expect(verbsFor(rules, 'acd.power.dev', 'acdclusters/status')).toEqual(['get', 'patch', 'update']);
      expect(verbsFor(rules, 'kubevirt.io', 'virtualmachines')).toEqual(['get', 'list', 'patch', 'watch']);
      expect(verbsFor(rules, 'kubevirt.io', 'virtualmachineinstances')).toEqual(['get', 'list', 'watch']);
      expect(verbsFor(rules, 'subresources.kubevirt.io', 'virtualmachines/start')).toEqual(['update']);
      expect(verbsFor(rules, 'subresources.kubevirt.io', 'virtualmachines/stop')).toEqual(['update']);
      expect(verbsFor(rules, '', 'events')).toEqual(['create', 'patch']);
      expect(verbsFor(rules, 'events.k8s.io', 'events')).toEqual([]);
      // spec.gates' job checks: one Job per attempt, read by name and deleted after; no list, no watch.
      expect(verbsFor(rules, 'batch', 'jobs')).toEqual(['create', 'delete', 'get']);
      // Nothing beyond those: no Secrets without healthSecrets, no ConfigMaps without calendarConfigMaps,
      // no leases cluster-wide.
      expect(verbsFor(rules, '', 'secrets')).toEqual([]);
      expect(verbsFor(rules, '', 'configmaps')).toEqual([]);
      expect(verbsFor(rules, 'coordination.k8s.io', 'leases')).toEqual([]);
      expect(rules).toHaveLength(7);

      const crb = only(ofKind<V1ClusterRoleBinding>(objects, 'ClusterRoleBinding'));
      expect(crb.roleRef.name).toBe(cr.metadata?.name);
      const sa = only(objects.filter((o) => o.kind === 'ServiceAccount'));
      expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: RELEASE_NS }]);
    });

    it('grants the very verbs docs/security.md lists, group by group and resource by resource', () => {
      const withSecrets = render('healthSecrets={acd-ssh,acd-db}', 'calendarConfigMaps={de-holidays}');
      const granted = new Set(
        allRules(withSecrets).flatMap((r) =>
          (r.apiGroups ?? []).flatMap((g) =>
            (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g || '(core)'} ${res} ${v}`)),
          ),
        ),
      );
      const doc = readFileSync(join(repo, 'docs/security.md'), 'utf8');
      const table = doc
        .slice(doc.indexOf('<!-- rbac-table'), doc.indexOf('<!-- /rbac-table -->'))
        .split('\n')
        .filter((l) => /^\| (`|\()/.test(l));
      const documented = new Set(
        table.flatMap((l) => {
          const [group, resource, verbs] = l
            .split('|')
            .slice(1, 4)
            .map((c) => c.trim().replace(/`/g, ''));
          return verbs!.split(',').map((v) => `${group} ${resource} ${v.trim()}`);
        }),
      );
      expect(table.length).toBeGreaterThanOrEqual(8);
      expect([...documented].sort()).toEqual([...granted].sort());
    });

    it('keeps leader-election Leases to a Role in the release namespace', () => {
      const roles = ofKind<V1Role>(objects, 'Role');
      const lease = only(roles.filter((r) => verbsFor(r.rules ?? [], 'coordination.k8s.io', 'leases').length > 0));
      expect(lease.metadata?.namespace).toBe(RELEASE_NS);
      expect(verbsFor(lease.rules ?? [], 'coordination.k8s.io', 'leases')).toEqual(['create', 'get', 'update']);
      const binding = only(ofKind<V1RoleBinding>(objects, 'RoleBinding'));
      expect(binding.metadata?.namespace).toBe(RELEASE_NS);
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: lease.metadata?.name });
    });
  });

  it('never grants delete (or wildcards) on any KubeVirt resource, in either scope', () => {
    for (const objects of [render(), render('rbac.scope=namespaces', 'rbac.namespaces={acd-a}')]) {
      const rules = allRules(objects);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources ?? []).not.toContain('*');
        expect(rule.apiGroups ?? []).not.toContain('*');
        if ((rule.apiGroups ?? []).some((g) => g.includes('kubevirt.io'))) {
          expect(rule.verbs).not.toContain('delete');
          expect(rule.verbs).not.toContain('deletecollection');
          expect(rule.verbs).not.toContain('create');
        }
      }
    }
  });

  it('grants Secrets only by resourceNames, get only, when healthSecrets is set', () => {
    const objects = render('healthSecrets={acd-db-monitor,acd-ssh-key}');
    const secretRules = allRules(objects).filter((r) => (r.resources ?? []).includes('secrets'));
    expect(secretRules.length).toBeGreaterThan(0);
    for (const rule of secretRules) {
      expect(rule.resourceNames).toEqual(['acd-db-monitor', 'acd-ssh-key']);
      expect(rule.verbs).toEqual(['get']);
      expect(rule.resources).toEqual(['secrets']);
    }
  });

  it('grants calendar ConfigMaps only by resourceNames, get only, when calendarConfigMaps is set', () => {
    const objects = render('calendarConfigMaps={de-holidays,at-holidays}');
    const rules = allRules(objects).filter((r) => (r.resources ?? []).includes('configmaps'));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule).toMatchObject({ resources: ['configmaps'], verbs: ['get'] });
      expect(rule.resourceNames).toEqual(['de-holidays', 'at-holidays']);
    }
  });

  it('renders a Role and RoleBinding per namespace, and no cluster-wide RBAC, for rbac.scope=namespaces', () => {
    const objects = render('rbac.scope=namespaces', 'rbac.namespaces={acd-a,acd-b}', 'healthSecrets={acd-db-monitor}');
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
    expect(ofKind(objects, 'ClusterRoleBinding')).toEqual([]);

    const roles = ofKind<V1Role>(objects, 'Role');
    const operatorRoles = roles.filter((r) => verbsFor(r.rules ?? [], 'kubevirt.io', 'virtualmachines').length > 0);
    expect(operatorRoles.map((r) => r.metadata?.namespace).sort()).toEqual(['acd-a', 'acd-b']);
    for (const r of operatorRoles) {
      expect(verbsFor(r.rules ?? [], 'subresources.kubevirt.io', 'virtualmachines/stop')).toEqual(['update']);
      expect(verbsFor(r.rules ?? [], 'acd.power.dev', 'acdclusters/status')).toEqual(['get', 'patch', 'update']);
    }

    const bindings = ofKind<V1RoleBinding>(objects, 'RoleBinding');
    for (const ns of ['acd-a', 'acd-b']) {
      const b = only(bindings.filter((x) => x.metadata?.namespace === ns));
      expect(b.roleRef.kind).toBe('Role');
      // The ServiceAccount lives in the release namespace, not in the watched one.
      expect(b.subjects?.[0]).toMatchObject({ kind: 'ServiceAccount', namespace: RELEASE_NS });
    }

    const d = only(ofKind<V1Deployment>(objects, 'Deployment'));
    const c = only(d.spec?.template.spec?.containers ?? []);
    expect(c.env?.find((e) => e.name === 'WATCH_NAMESPACES')?.value).toBe('acd-a,acd-b');
    expect(c.args).toContain(`--lease-namespace=${RELEASE_NS}`);
  });

  it('passes a single watched namespace to the operator as --namespace', () => {
    // src/main.ts reads one namespace from --namespace; without it the operator would list
    // cluster-wide and get 403 from namespaced RBAC.
    const objects = render('rbac.scope=namespaces', 'rbac.namespaces={acd-a}');
    const c = only(only(ofKind<V1Deployment>(objects, 'Deployment')).spec?.template.spec?.containers ?? []);
    expect((c.args ?? []).filter((a) => a.startsWith('--namespace'))).toEqual(['--namespace=acd-a']);
    expect(c.args).toContain(`--lease-namespace=${RELEASE_NS}`);
  });

  it('passes the worker count to the operator', () => {
    const args = (objects: ReturnType<typeof render>) =>
      only(only(ofKind<V1Deployment>(objects, 'Deployment')).spec?.template.spec?.containers ?? []).args ?? [];
    expect(args(render())).toContain('--workers=64');
    expect(args(render('workers=8'))).toContain('--workers=8');
  });

  it('renders a ServiceMonitor for the metrics port when enabled', () => {
    const objects = render('metrics.serviceMonitor.enabled=true');
    const sm = only(objects.filter((o) => o.kind === 'ServiceMonitor'));
    const spec = sm.spec as { endpoints: { port: string; path: string }[] };
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });

  it.each([
    ['a string replica count', ['replicaCount=two'], /replicaCount/],
    ['an unknown top-level key', ['replicas=3'], /additional properties 'replicas' not allowed/],
    ['an unknown rbac scope', ['rbac.scope=everything'], /rbac\/scope/],
    ['namespaces scope without namespaces', ['rbac.scope=namespaces'], /rbac\/namespaces/],
    ['a Secret name that is not a DNS name', ['healthSecrets={Bad_Name}'], /healthSecrets/],
    ['zero workers', ['workers=0'], /workers/],
  ])('values.schema.json rejects %s', (_what, set, detail) => {
    const args = ['template', 'acd', chart, '--namespace', RELEASE_NS];
    for (const s of set) {
      args.push('--set', s);
    }
    const r = helm(args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(detail);
  });
});
