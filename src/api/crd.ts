// Builds the AcdCluster CustomResourceDefinition from the zod schemas. zod emits JSON Schema
// 2020-12; Kubernetes wants a "structural" OpenAPI v3 subset, so this converts the few constructs
// that differ (const, anyOf of literals, $schema, additionalProperties: false, JS number bounds).
import { z } from 'zod';
import { SpecSchema } from './spec.js';
import { StatusSchema } from './status.js';
import { GROUP, VERSION, KIND, PLURAL, SINGULAR, SHORT_NAMES } from './names.js';

type Json = Record<string, unknown>;

export function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (!node || typeof node !== 'object') return node;
  const n = { ...(node as Json) };
  delete n.$schema;
  // Pruning already drops unknown fields; Kubernetes forbids additionalProperties beside properties.
  if (n.additionalProperties === false) delete n.additionalProperties;
  // A free-form object (a Job template): the API server keeps it whole, and wants neither a schema
  // for its values nor propertyNames beside x-kubernetes-preserve-unknown-fields.
  if (n['x-kubernetes-preserve-unknown-fields'] === true) {
    delete n.additionalProperties;
    delete n.propertyNames;
  }
  if ('const' in n) {
    n.enum = [n.const];
    delete n.const;
  }
  if (n.type === 'integer' || n.type === 'number') {
    if (n.maximum === Number.MAX_SAFE_INTEGER) delete n.maximum;
    if (n.minimum === Number.MIN_SAFE_INTEGER) delete n.minimum;
  }
  if (Array.isArray(n.anyOf) && n.anyOf.every((b) => b && typeof b === 'object' && 'const' in b)) {
    const values = (n.anyOf as Json[]).map((b) => b.const);
    delete n.anyOf;
    const types = new Set(values.map((v) => typeof v));
    if (types.size === 1) {
      n.type = Number.isInteger(values[0]) ? 'integer' : typeof values[0];
      n.enum = values;
    } else {
      // 1 | 2 | "Auto": a structural schema can only say int-or-string; CEL narrows it.
      n['x-kubernetes-int-or-string'] = true;
    }
  }
  for (const [k, v] of Object.entries(n)) if (k !== 'enum' && k !== 'default') n[k] = toStructural(v);
  return n;
}

const schemaOf = (s: z.ZodType) => toStructural(z.toJSONSchema(s, { io: 'input', unrepresentable: 'throw' })) as Json;

export function buildCrd(): Json {
  const spec = schemaOf(SpecSchema);
  const status = schemaOf(StatusSchema);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/name': 'acd-operator' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
        categories: ['all'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            {
              name: 'Power',
              type: 'string',
              jsonPath: '.status.power',
              description: 'Actual power of the VMs: On, Off or Mixed',
            },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            {
              name: 'Stage',
              type: 'string',
              jsonPath: '.status.stage',
              description: 'Current stage of the transition, e.g. 3/8',
            },
            { name: 'Ready', type: 'string', jsonPath: '.status.readyVMs', description: 'VMs ready / VMs' },
            { name: 'Sizing', type: 'string', jsonPath: '.status.sizing' },
            {
              name: 'Mode',
              type: 'string',
              jsonPath: '.spec.powerState',
              description: 'Requested: On, Off, or Scheduled',
              priority: 1,
            },
            {
              name: 'Next',
              type: 'string',
              jsonPath: '.status.schedule.nextTransition.at',
              description: 'When the schedule next changes the power state',
              priority: 1,
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'AcdCluster powers a jtel ACD (its KubeVirt VirtualMachines) on and off stage by stage, in the order ' +
                "of jtel's shutdown/startup runbook.",
              required: ['spec'],
              properties: {
                apiVersion: {
                  type: 'string',
                  description: 'APIVersion defines the versioned schema of this representation of an object.',
                },
                kind: {
                  type: 'string',
                  description: 'Kind is a string value representing the REST resource this object represents.',
                },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}
