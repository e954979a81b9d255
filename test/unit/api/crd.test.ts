// The CRD is generated from the zod schema; these tests keep the committed copies honest and the
// generated schema usable by Kubernetes (structural, described, YAML 1.1 safe).
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { CRD_PATHS, crdYaml } from '../../../src/api/crd-file.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../../src/api/duration.js';
import {
  ACTIVE_SIDE_RULES,
  MACHINE_RULES,
  MACHINES_RULES,
  MYSQL_TLS_RULE_LIST,
  MYSQL_TLS_RULES,
} from '../../../src/api/rules.js';
import { validateSpec } from '../../../src/api/validate.js';
import { SpecSchema } from '../../../src/api/spec.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
type Node = { [k: string]: unknown; properties?: Record<string, Node>; items?: Node; description?: string };

const fresh = crdYaml();
const crd = parse(fresh, { version: '1.1' }) as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
const spec = root.properties!.spec!;

/** Every property below `node`, with its dotted path; array items are walked as `[]`. */
function* fields(node: Node, path: string): Generator<[string, Node]> {
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    yield [`${path}.${k}`, child];
    yield* fields(child, `${path}.${k}`);
  }
  if (node.items) yield* fields(node.items, `${path}[]`);
}

const isEmptySchema = (x: unknown) => typeof x === 'object' && x !== null && !('type' in x);

function* allNodes(node: unknown, path = ''): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) yield* allNodes(n, `${path}[${i}]`);
    return;
  }
  if (!node || typeof node !== 'object') return;
  yield [path, node as Record<string, unknown>];
  for (const [k, v] of Object.entries(node)) if (k !== 'default' && k !== 'enum') yield* allNodes(v, `${path}.${k}`);
}

describe('committed CRD', () => {
  test.each(CRD_PATHS)('%s equals a fresh crdYaml()', (p) => {
    const committed = readFileSync(join(repo, p), 'utf8');
    // A plain toBe would print a 300-line diff without saying what to do about it.
    if (committed !== fresh)
      throw new Error(`${p} is out of date with src/api: run \`npm run gen:crd\` and commit the result`);
    expect(committed).toBe(fresh);
  });

  test('both copies are listed: the deploy/ one and the Helm chart one', () => {
    expect(CRD_PATHS).toEqual(
      expect.arrayContaining([
        'deploy/crds/acd.power.dev_acdclusters.yaml',
        'deploy/helm/acd-operator/crds/acd.power.dev_acdclusters.yaml',
      ]),
    );
  });
});

describe('generated schema', () => {
  test('every spec field has a description (kubectl explain shows it)', () => {
    const undocumented = [...fields(spec, 'spec')]
      .filter(([, n]) => typeof n.description !== 'string' || n.description.trim() === '')
      .map(([p]) => p);
    expect(undocumented).toEqual([]);
    expect(spec.description).toBeTruthy();
    // The walk really walked: it saw nested and array-item fields.
    const seen = [...fields(spec, 'spec')].map(([p]) => p);
    expect(seen).toEqual(
      expect.arrayContaining([
        'spec.powerState',
        'spec.machines[].vm',
        'spec.machines[].side',
        'spec.timeouts.vmStart',
        'spec.stop.forceAfter',
        'spec.active.database',
      ]),
    );
  });

  test('structural: no JSON-Schema-only constructs survive the conversion', () => {
    const offending = [...allNodes(root, 'openAPIV3Schema')].flatMap(([p, n]) => [
      ...('const' in n ? [`${p}: const`] : []),
      ...('anyOf' in n ? [`${p}: anyOf`] : []),
      ...('$schema' in n ? [`${p}: $schema`] : []),
      ...(n.additionalProperties === false ? [`${p}: additionalProperties false`] : []),
      // The API server wants a type for the values of a map, and nothing of the kind beside a free-form object.
      ...(isEmptySchema(n.additionalProperties) ? [`${p}: additionalProperties without a type`] : []),
      ...(n['x-kubernetes-preserve-unknown-fields'] && 'propertyNames' in n ? [`${p}: propertyNames`] : []),
    ]);
    expect(offending).toEqual([]);
    // The same walk does find such constructs in zod's raw JSON Schema, so an empty list means something.
    const raw = z.toJSONSchema(SpecSchema, { io: 'input' });
    expect([...allNodes(raw)].some(([, n]) => 'const' in n || 'anyOf' in n)).toBe(true);
  });

  test('YAML 1.1: On and Off stay strings (unquoted they would be booleans to Kubernetes)', () => {
    expect(spec.properties!.powerState!.enum).toEqual(['On', 'Off', 'Scheduled']);
    expect(fresh).toMatch(/- "On"\n\s+- "Off"/);
  });

  test('the CEL rules in the CRD are exactly the ones in src/api/rules.ts', () => {
    const machines = spec.properties!.machines!;
    expect(machines['x-kubernetes-validations']).toEqual(MACHINES_RULES);
    expect(machines.items!['x-kubernetes-validations']).toEqual(MACHINE_RULES);
    const active = spec.properties!.active!.properties!;
    for (const k of ['database', 'loadBalancer', 'storage']) {
      expect(active[k]!['x-kubernetes-validations']).toEqual(ACTIVE_SIDE_RULES);
      expect(active[k]!['x-kubernetes-int-or-string']).toBe(true);
    }
    const tls = spec.properties!.health!.properties!.mysql!.properties!.tls!;
    expect(tls['x-kubernetes-validations']).toEqual(MYSQL_TLS_RULES);
    expect((tls.properties!.mode as Node & { enum: string[] }).enum).toEqual([
      'Disabled',
      'Preferred',
      'Required',
      'VerifyCA',
      'VerifyIdentity',
    ]);
    expect(tls.properties!.mode!.default).toBe('Preferred');
  });

  test('MySQL TLS: a verifying mode without a CA is refused at run time too, with the same message', () => {
    const machines = [
      { vm: 'acd-tel', roles: ['tel'] },
      { vm: 'acd-all', roles: ['store', 'lb', 'dbm', 'dbs', 'dbr', 'jb'] },
    ];
    const bad = validateSpec({ powerState: 'On', machines, health: { mysql: { tls: { mode: 'VerifyCA' } } } });
    expect(bad).toEqual({ ok: false, errors: [`spec.health.mysql.tls: ${MYSQL_TLS_RULE_LIST[0]!.message}`] });
    const good = validateSpec({
      powerState: 'On',
      machines,
      health: { mysql: { tls: { mode: 'VerifyCA', caSecret: 'db-ca' } } },
    });
    expect(good.ok).toBe(true);
    expect(
      validateSpec({ powerState: 'On', machines }).ok &&
        (validateSpec({ powerState: 'On', machines }) as { spec: { health: { mysql: { tls: unknown } } } }).spec.health
          .mysql.tls,
    ).toEqual({ mode: 'Preferred' });
  });

  test('durations carry the same pattern the operator parses, and the defaults', () => {
    const t = spec.properties!.timeouts!;
    expect(t.properties!.vmStart!.pattern).toBe(DURATION_PATTERN);
    expect(t.default).toEqual({ vmStart: '10m', vmStop: '10m', stage: '30m' });
    expect(spec.properties!.stop!.properties!.forceAfter!.pattern).toBe(DURATION_PATTERN);
  });

  test('status subresource and printer columns', () => {
    const v = crd.spec.versions[0] as unknown as {
      subresources: unknown;
      additionalPrinterColumns: { name: string; jsonPath: string }[];
    };
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns.map((c) => c.jsonPath)).toEqual([
      '.status.power',
      '.status.phase',
      '.status.stage',
      '.status.readyVMs',
      '.status.sizing',
      '.spec.powerState',
      '.status.schedule.nextTransition.at',
      '.metadata.creationTimestamp',
    ]);
  });
});

describe('durations', () => {
  test.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['1m30s', 90_000],
    ['2h0m5s', 7_205_000],
    ['0s', 0],
    ['1h1ms', 3_600_001],
  ])('parseDuration(%j) = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '10', 'm', '1d', '-5s', '1h 30m', ' 10m', '10m ', '1.s', '.5s', '10M', '1e3s', 'ms'])(
    'parseDuration(%j) throws with a hint',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/not a duration.*90s, 10m, 1h30m/);
    },
  );

  test.each([
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [250, '250ms'],
    [0, '0ms'],
    [3_600_000, '1h'],
    [1_000, '1s'],
  ])('formatDuration(%d) = %s and parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  test('the zod spec applies duration defaults and rejects bad durations with the field path', () => {
    const base = { powerState: 'On', machines: [{ vm: 'a', roles: ['tel'] }] };
    expect(SpecSchema.parse(base).timeouts).toEqual({ vmStart: '10m', vmStop: '10m', stage: '30m' });
    expect(SpecSchema.parse({ ...base, timeouts: { stage: '1h' } }).timeouts).toEqual({
      vmStart: '10m',
      vmStop: '10m',
      stage: '1h',
    });
    const bad = SpecSchema.safeParse({ ...base, timeouts: { vmStart: '10 minutes' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['timeouts', 'vmStart']);
    expect(SpecSchema.safeParse({ ...base, stop: { forceAfter: '5' } }).success).toBe(false);
  });
});
