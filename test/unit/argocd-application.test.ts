// The example Argo CD Application must let acd-operator own VirtualMachine spec.runStrategy:
// ignoring the diff alone is not enough, the sync must also respect it, or Argo CD restarts VMs
// the operator just stopped.
import { describe, expect, it } from '@jest/globals';
import { loadYaml } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface IgnoreDifference {
  group?: string;
  kind?: string;
  jsonPointers?: string[];
  managedFieldsManagers?: string[];
}

interface Application {
  apiVersion: string;
  kind: string;
  spec: {
    ignoreDifferences?: IgnoreDifference[];
    syncPolicy?: { syncOptions?: string[]; automated?: { prune?: boolean } };
  };
}

const app = loadYaml<Application>(readFileSync(join(repo, 'deploy/argocd/application.yaml'), 'utf8'));

describe('deploy/argocd/application.yaml', () => {
  it('is an Argo CD Application', () => {
    expect(app.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(app.kind).toBe('Application');
  });

  it('ignores VirtualMachine /spec/runStrategy and trusts the acd-operator field manager', () => {
    const vm = (app.spec.ignoreDifferences ?? []).filter(
      (d) => d.group === 'kubevirt.io' && d.kind === 'VirtualMachine',
    );
    expect(vm).toHaveLength(1);
    expect(vm[0]?.jsonPointers).toEqual(['/spec/runStrategy']);
    expect(vm[0]?.managedFieldsManagers).toEqual(['acd-operator']);
  });

  it('respects ignoreDifferences during sync and never prunes VMs automatically', () => {
    expect(app.spec.syncPolicy?.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(app.spec.syncPolicy?.automated?.prune).toBe(false);
  });
});
