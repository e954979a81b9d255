// KubeVirt's VirtualMachine and VirtualMachineInstance CRDs, built around the unedited schema
// fixtures so the API server validates (and `kubectl explain` documents) VMs as a real KubeVirt
// cluster does. Names, short names, categories and printer columns follow KubeVirt's virt-operator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { repoRoot } from '../binaries.js';
import { loadKubeConfig } from './kube.js';
import { RawError, rawRequest } from './raw.js';
import { GROUP, VERSION } from './types.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'kubevirt');

function schema(file: string): Record<string, unknown> {
  return loadYaml<{ openAPIV3Schema: Record<string, unknown> }>(readFileSync(join(fixtures, file), 'utf8')).openAPIV3Schema;
}

/** A CRD as plain JSON (not client-node's typed model, whose serializer would drop the schema's x-kubernetes-* keys). */
export interface CrdManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: { kind: string; plural: string; singular: string; listKind: string; shortNames: string[]; categories: string[] };
    versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Record<string, unknown> };
      subresources: { status: Record<string, never> }; additionalPrinterColumns: Column[] }[];
  };
}
interface Column { name: string; type: string; jsonPath: string; description?: string; priority?: number }

const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const readyColumn = { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" };

function crd(kind: string, plural: string, shortNames: string[], file: string, columns: Column[]): CrdManifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}`, labels: { 'kubevirt.io': '' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, shortNames, categories: ['all'] },
      versions: [{
        name: VERSION, served: true, storage: true,
        schema: { openAPIV3Schema: schema(file) },
        subresources: { status: {} },
        additionalPrinterColumns: columns,
      }],
    },
  };
}

export function kubevirtCrds(): CrdManifest[] {
  return [
    crd('VirtualMachine', 'virtualmachines', ['vm', 'vms'], 'virtualmachine.openAPIV3Schema.yaml', [
      age,
      { name: 'Status', type: 'string', description: 'Human Readable Status', jsonPath: '.status.printableStatus' },
      readyColumn,
    ]),
    crd('VirtualMachineInstance', 'virtualmachineinstances', ['vmi', 'vmis'], 'virtualmachineinstance.openAPIV3Schema.yaml', [
      age,
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'IP', type: 'string', jsonPath: '.status.interfaces[0].ipAddress' },
      { name: 'NodeName', type: 'string', jsonPath: '.status.nodeName' },
      readyColumn,
      { name: 'Live-Migratable', type: 'string', jsonPath: ".status.conditions[?(@.type=='LiveMigratable')].status", priority: 1 },
      { name: 'Paused', type: 'string', jsonPath: ".status.conditions[?(@.type=='Paused')].status", priority: 1 },
    ]),
  ];
}

/** Creates (or replaces) both CRDs and waits until the API server reports them Established. */
export async function installKubevirt(kubeconfig: string, timeoutMs = 30_000): Promise<void> {
  const kc = loadKubeConfig(kubeconfig);
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const body of kubevirtCrds()) {
    try {
      await rawRequest(kc, 'POST', base, body);
    } catch (e) {
      if (!(e instanceof RawError && e.code === 409)) throw e;
      const current = await rawRequest<CrdManifest>(kc, 'GET', `${base}/${body.metadata.name}`);
      await rawRequest(kc, 'PUT', `${base}/${body.metadata.name}`, { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion } });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const { metadata: { name } } of kubevirtCrds()) {
    for (;;) {
      const c = await rawRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(kc, 'GET', `${base}/${name}`);
      if (c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
