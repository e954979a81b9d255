// Bad input, judged twice: by a real kube-apiserver holding the generated CRD (OpenAPI schema +
// CEL rules) and by validateSpec, the operator's own check for objects stored before a CRD upgrade.
// The two must agree: what the server refuses the operator refuses too, and what both accept is
// defaulted the same way. Also: parseVm never throws on garbage VM status.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { crdYaml } from '../../../src/api/crd-file.js';
import { validateSpec } from '../../../src/api/validate.js';
import { parseVm } from '../../../src/kubevirt/vm.js';
import { kubectlFor, waitEstablished } from '../../support/kubectl.js';
import { startControlPlane, stopControlPlane, type ControlPlane } from '../../testbed/control-plane.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

const NS = 'acd-bad-input';
let dir = '';
let cp: ControlPlane | undefined;

/** kubectl against this file's control plane; every call here wants the verdict, not an exception. */
const kubectl = kubectlFor(() => {
  if (!cp) throw new Error('control plane not started');
  return cp.kubeconfig;
}).trySync;

/** Server-side dry-run create with strict field validation: the API server's full verdict, nothing stored. */
function serverCreate(
  name: string,
  spec: unknown,
): { ok: boolean; stderr: string; obj?: { spec: Record<string, unknown> } } {
  const body = {
    apiVersion: 'acd.power.dev/v1alpha1',
    kind: 'AcdCluster',
    metadata: { name, namespace: NS },
    ...(spec === undefined ? {} : { spec }),
  };
  const r = kubectl(['create', '--dry-run=server', '--validate=strict', '-o', 'json', '-f', '-'], JSON.stringify(body));
  return r.ok
    ? { ok: true, stderr: '', obj: JSON.parse(r.stdout) as { spec: Record<string, unknown> } }
    : { ok: false, stderr: r.stderr };
}

beforeAll(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'acd-bad-input-'));
    cp = await startControlPlane(dir);
    for (const [args, input] of [
      [['apply', '-f', '-'], crdYaml()],
      [['create', 'namespace', NS], undefined],
    ] as const) {
      const r = kubectl([...args], input);
      if (!r.ok) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    }
    await waitEstablished(kubectlFor(cp.kubeconfig), ['acdclusters.acd.power.dev']);
  },
  10 * 60 * 1000,
);

afterAll(async () => {
  if (cp) await stopControlPlane(cp);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

// ---- the table ---------------------------------------------------------------------------------

const tel = { vm: 'acd-tel', roles: ['tel'] };
const ok = (machines: unknown[], extra: Record<string, unknown> = {}) => ({ powerState: 'On', machines, ...extra });
const L3 = SEED_LAYOUTS.LargeV3;
const withL3 = (patch: (ms: Record<string, unknown>[]) => unknown[]) =>
  ok(patch(structuredClone(L3) as unknown as Record<string, unknown>[]));

// The exact CEL messages from src/api/rules.ts, as a user sees them from kubectl.
const CEL_TWICE = 'a VM is listed twice in spec.machines';
const CEL_SIDE_ONLY_PAIRS = 'side is only for members of redundant pairs';
const CEL_PAIR = 'a redundant pair is missing a side';
const CEL_ACTIVE = 'must be 1, 2 or Auto';
const CEL_TLS_CA = 'mode VerifyCA and VerifyIdentity need caSecret';
const CEL_SCHEDULED = 'powerState Scheduled needs spec.schedule';
const CEL_EXCEPTION_KIND = 'an exception is either a whole date (date) or a local date-time range';
const CEL_EXCEPTION_RANGE = 'from must be before to';
const CEL_SCHEDULE_ON = 'spec.schedule.on (the windows the ACD is On in) is missing. In YAML write the key quoted';
const berlin = (extra: Record<string, unknown> = {}) => ({
  timeZone: 'Europe/Berlin',
  on: [{ days: ['Mon'], from: '06:30', to: '22:00' }],
  ...extra,
});

interface Case {
  name: string;
  spec: unknown;
  /** What the API server says; undefined = the server accepts it (validateSpec alone must refuse). */
  server?: RegExp | string;
  /** What validateSpec says. */
  local: RegExp | string;
}

const esc = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
const re = (x: RegExp | string) => (typeof x === 'string' ? esc(x) : x);

const CASES: Case[] = [
  // Cross-field rules: CEL on the server, the same rules in TypeScript in the operator.
  {
    name: 'the same VM listed twice',
    spec: ok([tel, { vm: 'acd-tel', roles: ['jb'] }]),
    server: CEL_TWICE,
    local: CEL_TWICE,
  },
  {
    name: 'a seed layout with one VM duplicated',
    spec: withL3((ms) => [...ms, ms[0]]),
    server: CEL_TWICE,
    local: CEL_TWICE,
  },
  {
    name: 'side on a tel VM',
    spec: ok([{ ...tel, side: 1 }]),
    server: CEL_SIDE_ONLY_PAIRS,
    local: CEL_SIDE_ONLY_PAIRS,
  },
  {
    name: 'side on a jb/api VM',
    spec: ok([tel, { vm: 'acd-jb1', roles: ['jb', 'api'], side: 2 }]),
    server: CEL_SIDE_ONLY_PAIRS,
    local: CEL_SIDE_ONLY_PAIRS,
  },
  {
    name: 'dbm pair with only side 1',
    spec: ok([tel, { vm: 'acd-dbm1', roles: ['dbm'], side: 1 }, { vm: 'acd-dbm2', roles: ['dbm'], side: 1 }]),
    server: CEL_PAIR,
    local: CEL_PAIR,
  },
  {
    name: 'dbm pair with one side missing',
    spec: ok([tel, { vm: 'acd-dbm1', roles: ['dbm'], side: 1 }, { vm: 'acd-dbm2', roles: ['dbm'] }]),
    server: CEL_PAIR,
    local: CEL_PAIR,
  },
  {
    name: 'a lone sided dbm',
    spec: ok([tel, { vm: 'acd-dbm2', roles: ['dbm'], side: 2 }]),
    server: CEL_PAIR,
    local: CEL_PAIR,
  },
  {
    name: 'Large V3 with store2 unsided',
    spec: withL3((ms) => ms.map((m) => (m.vm === 'acd-store2' ? { vm: m.vm, roles: m.roles } : m))),
    server: CEL_PAIR,
    local: CEL_PAIR,
  },
  {
    name: 'Large V3 with both lbs on side 2',
    spec: withL3((ms) => ms.map((m) => (m.vm === 'acd-lb1' ? { ...m, side: 2 } : m))),
    server: CEL_PAIR,
    local: CEL_PAIR,
  },
  {
    name: 'dbs/dbr tier: a third, unsided dbr beside sided dbs1/dbs2',
    spec: withL3((ms) => [...ms, { vm: 'acd-dbr3', roles: ['dbr'] }]),
    server: CEL_PAIR,
    local: CEL_PAIR,
  },
  // Shape: OpenAPI schema on the server, zod in the operator.
  { name: 'no spec at all', spec: undefined, server: /spec: Required value/, local: /^spec: / },
  // minItems answers before the CEL size(self) > 0 rule gets a say; either message names the field.
  {
    name: 'empty machines',
    spec: ok([]),
    server: /spec\.machines: (Invalid value: 0: .*at least 1 items|.*spec\.machines is empty)/,
    local: /spec\.machines: .*(>=1|at least|too small)/i,
  },
  {
    name: 'machines missing',
    spec: { powerState: 'On' },
    server: /spec\.machines: Required value/,
    local: /spec\.machines: /,
  },
  {
    name: 'machines not a list',
    spec: { powerState: 'On', machines: { vm: 'a', roles: ['tel'] } },
    server: /(spec\.machines: Invalid value: "object"|unknown field "spec\.machines\.)/,
    local: /spec\.machines: /,
  },
  {
    name: '101 machines',
    spec: ok(Array.from({ length: 101 }, (_, i) => ({ vm: `acd-jb${i}`, roles: ['jb'] }))),
    server: /spec\.machines: Too many: 101: must have at most 100 items/,
    local: /spec\.machines: .*100/,
  },
  {
    name: 'powerState lower case',
    spec: { ...ok([tel]), powerState: 'on' },
    server: /spec\.powerState: Unsupported value: "on"/,
    local: /spec\.powerState: /,
  },
  {
    name: 'powerState missing',
    spec: { machines: [tel] },
    server: /spec\.powerState: Required value/,
    local: /spec\.powerState: /,
  },
  {
    name: 'powerState a YAML 1.1 boolean',
    spec: { ...ok([tel]), powerState: true },
    server: /spec\.powerState: (Invalid value|Unsupported value)/,
    local: /spec\.powerState: /,
  },
  {
    name: 'VM name in upper case',
    spec: ok([{ vm: 'ACD-tel', roles: ['tel'] }]),
    server: /spec\.machines\[0\]\.vm: Invalid value: "ACD-tel"/,
    local: /spec\.machines\.0\.vm: /,
  },
  {
    name: 'VM name with an underscore',
    spec: ok([{ vm: 'acd_tel', roles: ['tel'] }]),
    server: /spec\.machines\[0\]\.vm: Invalid value/,
    local: /spec\.machines\.0\.vm: /,
  },
  {
    name: 'VM name empty',
    spec: ok([{ vm: '', roles: ['tel'] }]),
    server: /spec\.machines\[0\]\.vm: Invalid value/,
    local: /spec\.machines\.0\.vm: /,
  },
  {
    name: 'VM name 254 characters',
    spec: ok([{ vm: 'a'.repeat(254), roles: ['tel'] }]),
    server: /spec\.machines\[0\]\.vm: Too long/,
    local: /spec\.machines\.0\.vm: /,
  },
  {
    name: 'VM name missing',
    spec: ok([{ roles: ['tel'] }]),
    server: /spec\.machines\[0\]\.vm: Required value/,
    local: /spec\.machines\.0\.vm: /,
  },
  {
    name: 'no roles',
    spec: ok([{ vm: 'acd-tel', roles: [] }]),
    server: /spec\.machines\[0\]\.roles: Invalid value: 0: .*at least 1 items/,
    local: /spec\.machines\.0\.roles: /,
  },
  {
    name: 'roles missing',
    spec: ok([{ vm: 'acd-tel' }]),
    server: /spec\.machines\[0\]\.roles: Required value/,
    local: /spec\.machines\.0\.roles: /,
  },
  {
    name: 'unknown role',
    spec: ok([{ vm: 'acd-web', roles: ['web'] }]),
    server: /spec\.machines\[0\]\.roles\[0\]: Unsupported value: "web"/,
    local: /spec\.machines\.0\.roles\.0: /,
  },
  {
    name: 'eleven roles',
    spec: ok([
      { vm: 'acd-x', roles: ['tel', 'jb', 'api', 'chat', 'chatbot', 'dbm', 'dbs', 'dbr', 'lb', 'store', 'tel'] },
    ]),
    server: /spec\.machines\[0\]\.roles: Too many: 11/,
    local: /spec\.machines\.0\.roles: /,
  },
  {
    name: 'side 3',
    spec: ok([tel, { vm: 'acd-dbm1', roles: ['dbm'], side: 3 }]),
    server: /spec\.machines\[1\]\.side: Unsupported value: 3/,
    local: /spec\.machines\.1\.side: /,
  },
  {
    name: 'side as a string',
    spec: ok([tel, { vm: 'acd-dbm1', roles: ['dbm'], side: '1' }]),
    server: /spec\.machines\[1\]\.side: Invalid value: "string"/,
    local: /spec\.machines\.1\.side: /,
  },
  {
    name: 'empty host',
    spec: ok([{ ...tel, host: '' }]),
    server: /spec\.machines\[0\]\.host: Invalid value/,
    local: /spec\.machines\.0\.host: /,
  },
  {
    name: 'active.database 3',
    spec: ok([tel], { active: { database: 3 } }),
    server: CEL_ACTIVE,
    local: /spec\.active\.database: /,
  },
  {
    name: 'active.database 0',
    spec: ok([tel], { active: { database: 0 } }),
    server: CEL_ACTIVE,
    local: /spec\.active\.database: /,
  },
  {
    name: 'active.loadBalancer "auto" (lower case)',
    spec: ok([tel], { active: { loadBalancer: 'auto' } }),
    server: CEL_ACTIVE,
    local: /spec\.active\.loadBalancer: /,
  },
  {
    name: 'active.storage "1" (a string)',
    spec: ok([tel], { active: { storage: '1' } }),
    server: CEL_ACTIVE,
    local: /spec\.active\.storage: /,
  },
  {
    name: 'timeouts.vmStart in words',
    spec: ok([tel], { timeouts: { vmStart: '10 minutes' } }),
    server: /spec\.timeouts\.vmStart: Invalid value: "10 minutes"/,
    local: /spec\.timeouts\.vmStart: /,
  },
  {
    name: 'timeouts.stage in days',
    spec: ok([tel], { timeouts: { stage: '1d' } }),
    server: /spec\.timeouts\.stage: Invalid value: "1d"/,
    local: /spec\.timeouts\.stage: /,
  },
  {
    name: 'timeouts.vmStop as a number',
    spec: ok([tel], { timeouts: { vmStop: 600 } }),
    server: /spec\.timeouts\.vmStop: Invalid value: "integer"/,
    local: /spec\.timeouts\.vmStop: /,
  },
  {
    name: 'stop.forceAfter without a unit',
    spec: ok([tel], { stop: { forceAfter: '30' } }),
    server: /spec\.stop\.forceAfter: Invalid value: "30"/,
    local: /spec\.stop\.forceAfter: /,
  },
  {
    name: 'failurePolicy Retry',
    spec: ok([tel], { failurePolicy: 'Retry' }),
    server: /spec\.failurePolicy: Unsupported value: "Retry"/,
    local: /spec\.failurePolicy: /,
  },
  {
    name: 'MySQL TLS VerifyCA without a CA',
    spec: ok([tel], { health: { mysql: { tls: { mode: 'VerifyCA' } } } }),
    server: CEL_TLS_CA,
    local: CEL_TLS_CA,
  },
  {
    name: 'MySQL TLS VerifyIdentity without a CA',
    spec: ok([tel], { health: { mysql: { tls: { mode: 'VerifyIdentity' } } } }),
    server: CEL_TLS_CA,
    local: CEL_TLS_CA,
  },
  {
    name: 'MySQL TLS mode "on"',
    spec: ok([tel], { health: { mysql: { tls: { mode: 'on' } } } }),
    server: /spec\.health\.mysql\.tls\.mode: Unsupported value: "on"/,
    local: /spec\.health\.mysql\.tls\.mode: /,
  },
  {
    name: 'SSH host key opt-out as a string',
    spec: ok([tel], { health: { ssh: { insecureSkipHostKeyVerification: 'true' } } }),
    server: /spec\.health\.ssh\.insecureSkipHostKeyVerification: Invalid value: "string"/,
    local: /spec\.health\.ssh\.insecureSkipHostKeyVerification: /,
  },
  {
    name: 'paused "yes"',
    spec: ok([tel], { paused: 'yes' }),
    server: /spec\.paused: Invalid value: "string"/,
    local: /spec\.paused: /,
  },
  {
    name: 'powerState Scheduled without a schedule',
    spec: ok([tel], { powerState: 'Scheduled' }),
    server: CEL_SCHEDULED,
    local: CEL_SCHEDULED,
  },
  {
    name: 'schedule without on',
    spec: ok([tel], { powerState: 'Scheduled', schedule: { timeZone: 'Europe/Berlin' } }),
    server: CEL_SCHEDULE_ON,
    local: CEL_SCHEDULE_ON,
  },
  {
    name: 'schedule window at 25:00',
    spec: ok([tel], {
      powerState: 'Scheduled',
      schedule: berlin({ on: [{ days: ['Mon'], from: '25:00', to: '26:00' }] }),
    }),
    server: /spec\.schedule\.on\[0\]\.from: Invalid value/,
    local: /spec\.schedule\.on\.0\.from: /,
  },
  {
    name: 'schedule window on "Monday"',
    spec: ok([tel], {
      powerState: 'Scheduled',
      schedule: berlin({ on: [{ days: ['Monday'], from: '06:00', to: '07:00' }] }),
    }),
    server: /spec\.schedule\.on\[0\]\.days\[0\]: Unsupported value: "Monday"/,
    local: /spec\.schedule\.on\.0\.days\.0: /,
  },
  {
    name: 'schedule exception with a date and a range',
    spec: ok([tel], {
      powerState: 'Scheduled',
      schedule: berlin({
        exceptions: [{ date: '2026-12-24', from: '2026-12-24T08:00', to: '2026-12-24T12:00', powerState: 'On' }],
      }),
    }),
    server: CEL_EXCEPTION_KIND,
    local: CEL_EXCEPTION_KIND,
  },
  {
    name: 'schedule exception range that ends before it starts',
    spec: ok([tel], {
      powerState: 'Scheduled',
      schedule: berlin({ exceptions: [{ from: '2026-12-24T12:00', to: '2026-12-24T08:00', powerState: 'Off' }] }),
    }),
    server: CEL_EXCEPTION_RANGE,
    local: CEL_EXCEPTION_RANGE,
  },
  // Unknown fields: pruned silently by a lax client, refused under strict field validation.
  {
    name: 'unknown spec field',
    spec: ok([tel], { replicas: 2 }),
    server: /unknown field "spec\.replicas"/,
    local: /replicas/,
  },
  {
    name: 'unknown machine field',
    spec: ok([{ ...tel, ip: '10.0.0.1' }]),
    server: /unknown field "spec\.machines\[0\]\.ip"/,
    local: /ip/,
  },
  {
    name: 'unknown timeouts field',
    spec: ok([tel], { timeouts: { boot: '1m' } }),
    server: /unknown field "spec\.timeouts\.boot"/,
    local: /boot/,
  },
];

describe('invalid AcdCluster specs', () => {
  test('the table is big enough to mean something', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const local = validateSpec(c.spec);
    expect(local.ok).toBe(false);
    if (!local.ok) expect(local.errors.join('\n')).toMatch(re(c.local));
    const server = serverCreate(`bad-${i}`, c.spec);
    if (c.server === undefined) {
      expect(server.ok).toBe(true);
    } else {
      expect(server.ok).toBe(false);
      expect(server.stderr).toMatch(re(c.server));
    }
  });

  test('a bare on: in YAML (true to YAML 1.1) is refused with the way out, not pruned into "always Off"', () => {
    const yaml = [
      'apiVersion: acd.power.dev/v1alpha1',
      'kind: AcdCluster',
      `metadata: {name: bare-on, namespace: ${NS}}`,
      'spec:',
      '  powerState: "Scheduled"',
      '  machines: [{vm: acd-tel, roles: [tel]}]',
      '  schedule:',
      '    timeZone: Europe/Berlin',
      '    on:',
      '      - {days: [Mon], from: "06:30", to: "22:00"}',
      '',
    ].join('\n');
    // --validate=false: as a lax client (Argo CD) sends it; the unknown key "true" is pruned, then CEL speaks.
    const lax = kubectl(['create', '--dry-run=server', '--validate=false', '-f', '-'], yaml);
    expect(lax.ok).toBe(false);
    expect(lax.stderr).toContain(CEL_SCHEDULE_ON);
    const quoted = kubectl(['create', '--dry-run=server', '-f', '-'], yaml.replace('    on:', '    "on":'));
    expect(quoted).toMatchObject({ ok: true });
  });

  test('a CEL message from the server and from validateSpec is word for word the same', () => {
    const spec = ok([tel, tel]);
    const server = serverCreate('same-words', spec);
    const local = validateSpec(spec);
    expect(local.ok).toBe(false);
    if (!local.ok) {
      const msg = local.errors[0]!.replace(/^spec\.machines: /, '');
      expect(server.stderr).toContain(msg);
    }
  });
});

/** kubectl explain's text with its line wrapping undone. */
const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('kubectl explain documents the trust settings', () => {
  test('spec.health.ssh: known_hosts pinning and its opt-out', async () => {
    // Discovery publishes a new CRD's names a moment after it is Established.
    const deadline = Date.now() + 15_000;
    let r = kubectl(['explain', 'acd.spec.health.ssh']);
    while (!r.ok && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 250));
      r = kubectl(['explain', 'acd.spec.health.ssh']);
    }
    expect(r.stderr).toBe('');
    expect(flat(r.stdout)).toMatch(/known_hosts: the VMs' host keys in OpenSSH known_hosts format/);
    expect(flat(r.stdout)).toMatch(/insecureSkipHostKeyVerification <boolean>/);
    expect(flat(kubectl(['explain', 'acd.spec.health.ssh.insecureSkipHostKeyVerification']).stdout)).toMatch(
      /can forge Pacemaker and DRBD health/,
    );
  });

  test('spec.health.mysql.tls: the modes, the default and why', () => {
    const r = flat(kubectl(['explain', 'acd.spec.health.mysql.tls.mode']).stdout);
    expect(r).toMatch(/ENUM: Disabled Preferred Required VerifyCA VerifyIdentity/);
    expect(r).toMatch(/Preferred \(default\): TLS when the server offers it/);
    expect(r).toMatch(/where Required would fail every check out of the box/);
    expect(flat(kubectl(['explain', 'acd.spec.health.mysql.tls.caSecret']).stdout)).toMatch(/key ca\.crt/);
  });
});

describe('valid specs: the server and validateSpec agree', () => {
  const valid: [string, unknown][] = [
    ...Object.entries(SEED_LAYOUTS).map(([name, machines]) => [name, ok(machines)] as [string, unknown]),
    [
      'LargeV3 with every knob',
      {
        ...ok(L3),
        powerState: 'Off',
        active: { database: 1, loadBalancer: 2, storage: 'Auto' },
        timeouts: { vmStart: '1h30m', vmStop: '90s', stage: '2h' },
        stop: { forceAfter: '250ms' },
        failurePolicy: 'Continue',
        paused: true,
      },
    ],
    [
      'dbs1 and dbr2 form one pair (dbs and dbr are one tier)',
      ok([tel, { vm: 'acd-dbs1', roles: ['dbs'], side: 1 }, { vm: 'acd-dbr2', roles: ['dbr'], side: 2 }]),
    ],
    ['a host per VM', ok([{ ...tel, host: '10.0.0.5' }])],
  ];

  test.each(valid)('%s', (name, spec) => {
    const local = validateSpec(spec);
    if (!local.ok) throw new Error(`validateSpec refused ${name}: ${local.errors.join('; ')}`);
    const server = serverCreate(
      `ok-${name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .slice(0, 40)
        .replace(/-+$/, '')}`,
      spec,
    );
    if (!server.ok) throw new Error(`the API server refused ${name}: ${server.stderr}`);
    // Both fill in the same defaults, so the operator reads what kubectl get shows.
    const s = server.obj!.spec;
    for (const k of ['powerState', 'machines', 'active', 'timeouts', 'stop', 'failurePolicy', 'paused'] as const) {
      expect([k, s[k]]).toEqual([k, (local.spec as Record<string, unknown>)[k]]);
    }
  });
});

describe('parseVm on garbage', () => {
  const sane = (v: NonNullable<ReturnType<typeof parseVm>>) => {
    expect(typeof v.name).toBe('string');
    expect(typeof v.runStrategy).toBe('string');
    expect(v.printableStatus).toMatch(/./);
    expect(typeof v.ready).toBe('boolean');
    expect(typeof v.created).toBe('boolean');
    expect(typeof v.legacyRunning).toBe('boolean');
    expect(Array.isArray(v.pendingActions) && v.pendingActions.every((a) => typeof a === 'string')).toBe(true);
    expect(Object.values(v.annotations).every((a) => typeof a === 'string')).toBe(true);
  };

  test('arbitrary JSON never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        const v = parseVm(j);
        if (v) sane(v);
      }),
      { numRuns: 2_000 },
    );
  });

  test('a VM with a name and garbage everywhere else parses with sane values', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.jsonValue(),
        fc.jsonValue(),
        fc.jsonValue(),
        (name, metaExtra, spec, status) => {
          const annotations = metaExtra;
          const v = parseVm({ metadata: { name, namespace: metaExtra, generation: spec, annotations }, spec, status });
          expect(v).toBeDefined();
          sane(v!);
          expect(v!.name).toBe(name);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  test('garbage status fields fall back to safe defaults, never to "up"', () => {
    const v = parseVm({
      metadata: { name: 'vm' },
      spec: { runStrategy: 42, running: 'yes' },
      status: { printableStatus: 7, ready: 'true', created: 1, stateChangeRequests: 'Start' },
    })!;
    expect(v).toEqual({
      name: 'vm',
      runStrategy: 'Halted',
      legacyRunning: false,
      printableStatus: 'Unknown',
      ready: false,
      created: false,
      pendingActions: [],
      annotations: {},
      resourceVersion: '',
    });
    expect(parseVm({ metadata: { name: 'vm' }, status: null })).toMatchObject({
      printableStatus: 'Unknown',
      ready: false,
    });
    expect(parseVm({ metadata: { name: 'vm' }, spec: { running: true } })).toMatchObject({
      runStrategy: 'Always',
      legacyRunning: true,
    });
    // Without a name there is nothing to report against; it is skipped, not thrown.
    expect(parseVm({ metadata: { name: 5 } })).toBeUndefined();
    expect(parseVm(null)).toBeUndefined();
  });
});
