// The rendered chart against a real kube-apiserver (the test bed's control plane): the API server
// accepts every object under strict validation, and its RBAC authorizer grants the operator's
// ServiceAccount exactly what the operator needs, asked through SubjectAccessReviews.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, stopControlPlane, type ControlPlane } from '../../testbed/control-plane.js';
import { binary } from '../../support/binaries.js';
import { kubectlFor } from '../../support/kubectl.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const chart = join(repo, 'deploy/helm/acd-operator');
const RELEASE_NS = 'acd-system';
const WATCHED = ['acd-a', 'acd-b'];
const SA = `system:serviceaccount:${RELEASE_NS}:acd-acd-operator`;

let dir = '';
let cp: ControlPlane | undefined;

const kubectl = kubectlFor(() => {
  if (cp === undefined) {
    throw new Error('control plane not started');
  }
  return cp.kubeconfig;
}).sync;

function helmTemplate(...set: string[]): string {
  const args = ['template', 'acd', chart, '--namespace', RELEASE_NS, '--include-crds'];
  for (const s of set) {
    args.push('--set', s);
  }
  return execFileSync(binary('helm'), args, { encoding: 'utf8' });
}

interface Access {
  namespace?: string;
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  name?: string;
}

// Asks the API server's authorizer, as the admin, whether the operator's ServiceAccount may do it.
function allowed(a: Access): boolean {
  const sar = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: SA,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${RELEASE_NS}`, 'system:authenticated'],
      resourceAttributes: a,
    },
  };
  const out = JSON.parse(kubectl(['create', '-f', '-', '-o', 'json'], JSON.stringify(sar))) as {
    status: { allowed: boolean };
  };
  return out.status.allowed;
}

beforeAll(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'acd-chart-apiserver-'));
    cp = await startControlPlane(dir);
    for (const ns of [RELEASE_NS, ...WATCHED, 'elsewhere']) {
      kubectl(['create', 'namespace', ns]);
    }
  },
  10 * 60 * 1000,
);

afterAll(async () => {
  if (cp !== undefined) {
    await stopControlPlane(cp);
  }
  if (dir !== '') {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe('helm chart on a real kube-apiserver', () => {
  it('passes server-side dry-run with strict validation, default values', () => {
    const manifests = join(dir, 'default.yaml');
    writeFileSync(manifests, helmTemplate());
    // No template creates an AcdCluster, so the CRD (from crds/) and the templates can be
    // dry-run together.
    const out = kubectl(['apply', '--dry-run=server', '--validate=strict', '--server-side', '-f', manifests]);
    for (const kind of [
      'customresourcedefinition',
      'deployment',
      'serviceaccount',
      'clusterrole',
      'clusterrolebinding',
      'role',
      'rolebinding',
      'service',
    ]) {
      expect(out).toMatch(new RegExp(`^${kind}[./]`, 'm'));
    }
  });

  describe('RBAC with rbac.scope=namespaces, applied for real', () => {
    beforeAll(() => {
      const manifests = join(dir, 'namespaced.yaml');
      writeFileSync(
        manifests,
        helmTemplate(
          'rbac.scope=namespaces',
          `rbac.namespaces={${WATCHED.join(',')}}`,
          'healthSecrets={acd-db-monitor}',
        ),
      );
      kubectl(['apply', '--server-side', '--validate=strict', '-f', manifests]);
    });

    it.each(WATCHED)('lets the operator do its job in %s', (ns) => {
      const can = (group: string, resource: string, verb: string, extra: Partial<Access> = {}) =>
        allowed({ namespace: ns, group, resource, verb, ...extra });
      expect(can('acd.power.dev', 'acdclusters', 'watch')).toBe(true);
      expect(can('acd.power.dev', 'acdclusters', 'update', { subresource: 'status' })).toBe(true);
      expect(can('kubevirt.io', 'virtualmachines', 'patch')).toBe(true);
      expect(can('kubevirt.io', 'virtualmachineinstances', 'list')).toBe(true);
      expect(can('subresources.kubevirt.io', 'virtualmachines', 'update', { subresource: 'stop' })).toBe(true);
      expect(can('subresources.kubevirt.io', 'virtualmachines', 'update', { subresource: 'start' })).toBe(true);
      expect(can('', 'events', 'create')).toBe(true);
      expect(can('', 'secrets', 'get', { name: 'acd-db-monitor' })).toBe(true);
    });

    it.each(WATCHED)('denies what the operator must never do in %s', (ns) => {
      const can = (group: string, resource: string, verb: string, extra: Partial<Access> = {}) =>
        allowed({ namespace: ns, group, resource, verb, ...extra });
      expect(can('kubevirt.io', 'virtualmachines', 'delete')).toBe(false);
      expect(can('kubevirt.io', 'virtualmachineinstances', 'delete')).toBe(false);
      expect(can('kubevirt.io', 'virtualmachines', 'create')).toBe(false);
      expect(can('subresources.kubevirt.io', 'virtualmachines', 'update', { subresource: 'restart' })).toBe(false);
      expect(can('acd.power.dev', 'acdclusters', 'delete')).toBe(false);
      expect(can('', 'secrets', 'get', { name: 'some-other-secret' })).toBe(false);
      expect(can('', 'secrets', 'list')).toBe(false);
      expect(can('coordination.k8s.io', 'leases', 'create')).toBe(false);
    });

    it('grants nothing outside the watched namespaces, and Leases only in the release namespace', () => {
      expect(allowed({ namespace: 'elsewhere', group: 'kubevirt.io', resource: 'virtualmachines', verb: 'get' })).toBe(
        false,
      );
      expect(allowed({ group: 'kubevirt.io', resource: 'virtualmachines', verb: 'list' })).toBe(false); // cluster-wide
      expect(allowed({ namespace: RELEASE_NS, group: 'coordination.k8s.io', resource: 'leases', verb: 'create' })).toBe(
        true,
      );
      expect(allowed({ namespace: RELEASE_NS, group: 'coordination.k8s.io', resource: 'leases', verb: 'update' })).toBe(
        true,
      );
      expect(allowed({ namespace: RELEASE_NS, group: 'coordination.k8s.io', resource: 'leases', verb: 'delete' })).toBe(
        false,
      );
    });
  });
});
