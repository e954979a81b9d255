// acdctl as users run it: the built dist/cli/acdctl.js in a child process with --kubeconfig,
// against the test bed and an operator of our own. Exit codes and output are the contract.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Machine } from '../../src/plan/index.js';
import { freePort } from '../testbed/ports.js';
import { SEED_ACTIVE, SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { acdManifest, apply, createNamespace, getAcd, vmManifest, waitReady } from './support/acd.js';
import { kubeconfigPath, until } from './support/env.js';
import { acdctl, CLI, collect } from './support/acdctl.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { SEED_SHUTDOWN, SEED_STARTUP } from './support/seed-rules.js';

const NS = 'acdctl-e2e';
// 10 s in the stand-in's clock; the test bed runs at speed 0.05, so half a second here.
const TIMING = { 'standin.acd.power.dev/boot-seconds': '10', 'standin.acd.power.dev/stop-seconds': '10' };

/** The rows of the table printed under the line starting with `title`, header excluded. */
function tableAfter(out: string, title: RegExp): string[][] {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => title.test(l));
  if (at < 0) throw new Error(`no ${title} in:\n${out}`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim()) break;
    rows.push(line.split(/ {2,}/));
  }
  return rows;
}

const SMALL: Machine[] = SEED_LAYOUTS.SmallV2;
const STUCK: Machine[] = SEED_LAYOUTS.SmallV1;
let operator: RunningOperator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acdctl-e2e-'));
  operator = await startOperator({ namespaces: [NS] });
  await createNamespace(NS);
  await apply([
    ...SMALL.map((m) => vmManifest(NS, m.vm, { runStrategy: 'Always', annotations: TIMING })),
    acdManifest(NS, 'small', SMALL),
    // The second ACD is Off; its acd-tel boots but its guest never becomes ready.
    ...STUCK.map((m) =>
      vmManifest(NS, `stuck-${m.vm}`, {
        runStrategy: 'Halted',
        annotations: { ...TIMING, ...(m.roles.includes('tel') ? { 'standin.acd.power.dev/never-ready': 'true' } : {}) },
      }),
    ),
    acdManifest(
      NS,
      'stuck',
      STUCK.map((m) => ({ ...m, vm: `stuck-${m.vm}` })),
      // 8 s: the store VM boots in half a second, but on a loaded machine it once took over 2 s.
      { powerState: 'Off', timeouts: { vmStart: '8s' } },
    ),
  ]);
  await Promise.all([waitReady(NS, 'small', 60), waitReady(NS, 'stuck', 60)]);
}, 120_000);

afterAll(async () => {
  await operator?.stop();
});

describe('acdctl plan', () => {
  test("from a file: Large V3 with the seed's active sides, both plans in the seed's order", async () => {
    const file = join(dir, 'large-v3.yaml');
    // YAML 1.1 quoting, as kubectl reads the file: an unquoted On would be a boolean there.
    writeFileSync(
      file,
      stringify(acdManifest('default', 'big', SEED_LAYOUTS.LargeV3, { active: SEED_ACTIVE }), { version: '1.1' }),
    );
    const r = await acdctl(['plan', '-f', file]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Sizing: +LargeV3 \(12 VMs\)$/m);
    expect(r.stdout).toMatch(/^storage +2 +spec/m);
    const vmsOf = (steps: { vms: string[] }[]) => steps.map((s) => [...s.vms].sort().join(','));
    const off = tableAfter(r.stdout, /^Shutdown \(powerState Off\): 9 stages$/);
    expect(off.map((row) => row[2])).toEqual(vmsOf(SEED_SHUTDOWN.LargeV3));
    expect(off[0]).toEqual(['1', 'app tier', 'acd-jb1,acd-jb2,acd-tel1,acd-tel2', 'Initiated', '-', '-']);
    const on = tableAfter(r.stdout, /^Startup \(powerState On\): 9 stages$/);
    expect(on.map((row) => row[2])).toEqual(vmsOf(SEED_STARTUP.LargeV3));
    expect(on[0]?.slice(0, 2)).toEqual(['1', 'store side 2 (active)']);
  });

  test('from a file with an unknown active side: blocked with what to set; --active overrides', async () => {
    const file = join(dir, 'large-v3-auto.yaml');
    writeFileSync(
      file,
      stringify(acdManifest('default', 'big', SEED_LAYOUTS.LargeV3, { active: { database: 2, loadBalancer: 2 } }), {
        version: '1.1',
      }),
    );
    const blocked = await acdctl(['plan', '-f', file]);
    expect(blocked.code).toBe(0);
    expect(blocked.stdout).toMatch(/^Shutdown \(powerState Off\): BLOCKED: active side unknown for storage\.$/m);
    expect(blocked.stdout).toMatch(/To unblock: set spec\.active\.storage to 1 or 2/);
    expect(blocked.stdout).toMatch(/^Startup \(powerState On\): BLOCKED as well/m);
    const fixed = await acdctl(['plan', '-f', file, '--active', 'storage=1']);
    expect(fixed.code).toBe(0);
    expect(tableAfter(fixed.stdout, /^Startup \(powerState On\): 9 stages$/)[0]?.slice(0, 3)).toEqual([
      '1',
      'store side 1 (active)',
      'acd-store1',
    ]);
  });

  test('from the cluster: validates the stored spec and changes nothing', async () => {
    const before = await getAcd(NS, 'small');
    const r = await acdctl(['plan', 'small', '-n', NS]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Plan for: +AcdCluster small in namespace acdctl-e2e$/m);
    expect(r.stdout).toMatch(/^Sizing: +SmallV2 \(3 VMs\)$/m);
    expect(r.stdout).toMatch(/^Active sides: none needed/m);
    expect(tableAfter(r.stdout, /^Shutdown/).map((row) => row.slice(0, 4))).toEqual([
      ['1', 'app tier', 'acd-tel', 'Initiated'],
      ['2', 'dbm tier', 'acd-dbm-dbs-dbr', 'Completed'],
      ['3', 'store tier', 'acd-store-lb-jb', 'Completed'],
    ]);
    expect(tableAfter(r.stdout, /^Startup/).map((row) => row[2])).toEqual([
      'acd-store-lb-jb',
      'acd-dbm-dbs-dbr',
      'acd-tel',
    ]);
    expect((await getAcd(NS, 'small')).metadata.generation).toBe(before.metadata.generation);
  });

  test('an invalid file: the validation messages, exit 1', async () => {
    const file = join(dir, 'invalid.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: acd.power.dev/v1alpha1',
        'kind: AcdCluster',
        'metadata: {name: bad}',
        'spec:',
        '  powerState: "On"',
        '  machines:',
        '  - {vm: acd-tel, roles: [tel, fax]}',
        '  - {vm: acd-dbm1, roles: [dbm], side: 3}',
        '',
      ].join('\n'),
    );
    const r = await acdctl(['plan', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^acdctl: AcdCluster bad from .*invalid\.yaml is invalid:$/m);
    expect(r.stderr).toMatch(/^ {2}spec\.machines\.0\.roles\.1: .*"tel"/m);
    expect(r.stderr).toMatch(/^ {2}spec\.machines\.1\.side: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('acdctl power and status', () => {
  test('status of a running ACD: VMs and conditions', async () => {
    const r = await acdctl(['status', 'small', '-n', NS]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Phase: +On$/m);
    expect(tableAfter(r.stdout, /^VMs:$/)).toEqual(SMALL.map((m) => [m.vm, 'Running', 'True']));
    expect(tableAfter(r.stdout, /^Conditions:$/)[0]?.slice(0, 3)).toEqual(['Ready', 'True', 'PoweredOn']);
    expect(r.stdout).toMatch(/^Active sides:\nnone needed/m);
  });

  test('power off --wait: one line per change, exit 0 once Off', async () => {
    const r = await acdctl(['power', 'off', 'small', '-n', NS, '--wait', '--timeout', '60s']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^acdcluster small in namespace acdctl-e2e: powerState Off \(generation \d+\)$/);
    expect(lines.some((l) => /^\[1\/3\] app tier: /.test(l))).toBe(true);
    expect(lines).toContain('[3/3] store tier: waiting for acd-store-lb-jb to be down');
    expect(lines.at(-1)).toBe('acdcluster small is Off: all 3 VMs are Off');
    expect(lines.filter((l, i) => l === lines[i - 1])).toEqual([]);
    const acd = await getAcd(NS, 'small');
    expect({ power: acd.status?.power, phase: acd.status?.phase }).toEqual({ power: 'Off', phase: 'Off' });
  });

  test('status after the shutdown: a row per stage', async () => {
    const r = await acdctl(['status', 'small', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Transition: +Off, started \S+, finished \S+ \(Succeeded\)$/m);
    expect(tableAfter(r.stdout, /^Stages:$/).map((row) => row.slice(0, 5))).toEqual([
      ['1', 'app tier', 'acd-tel', 'Initiated', 'Completed'],
      ['2', 'dbm tier', 'acd-dbm-dbs-dbr', 'Completed', 'Completed'],
      ['3', 'store tier', 'acd-store-lb-jb', 'Completed', 'Completed'],
    ]);
    expect(tableAfter(r.stdout, /^VMs:$/)).toEqual(SMALL.map((m) => [m.vm, 'Stopped', 'False']));
  });

  test('power on --wait while status --watch follows along', async () => {
    const watcher = spawn(
      process.execPath,
      [CLI, 'status', 'small', '-n', NS, '--watch', '--kubeconfig', kubeconfigPath()],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const watched = collect(watcher);
    let seen = '';
    watcher.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    await until('the first render', async () => seen.includes('Active sides:'), 10_000);

    const r = await acdctl(['power', 'on', 'small', '-n', NS, '--wait', '--timeout', '60s']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trim().split('\n');
    expect(
      lines
        .map((l) =>
          l
            .match(/^\[(\d)\/3\] ([^:]+):/)
            ?.slice(1, 3)
            .join(' '),
        )
        .filter(Boolean),
    ).toEqual(expect.arrayContaining(['1 store tier', '2 dbm tier', '3 app tier']));
    expect(lines.at(-1)).toBe('acdcluster small is On: all 3 VMs are On');

    await until(
      'the watch to show Phase On',
      async () => /^Phase: +On$/m.test(seen.split('\n---\n').at(-1) ?? ''),
      10_000,
    );
    watcher.kill('SIGINT');
    const w = await watched;
    expect(w.code).toBe(0);
    const renders = w.stdout.split('\n---\n');
    expect(renders.length).toBeGreaterThan(2);
    expect(renders.some((t) => /^Phase: +Starting$/m.test(t))).toBe(true);
    // Not a terminal: no clear-screen escapes in the log.
    expect(w.stdout).not.toContain('\x1b[');
  });

  test('history: the shutdown and the startup acdctl asked for, newest first, with who asked', async () => {
    const r = await acdctl(['history', 'small', '-n', NS]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/ {2,}/));
    expect(rows[0]).toEqual([
      'STARTED',
      'DIRECTION',
      'TRIGGER',
      'BY',
      'OUTCOME',
      'TOOK',
      'SECONDS PER STAGE',
      'FORCED STOPS',
    ]);
    // acdctl patched spec.powerState under its field manager: managedFields name it, not the operator.
    expect(rows.slice(1, 3).map((row) => row.slice(1, 5))).toEqual([
      ['On', 'Spec', 'acdctl', 'Succeeded'],
      ['Off', 'Spec', 'acdctl', 'Succeeded'],
    ]);
    expect(rows[1]![6]!.split(' ')).toHaveLength(3);
  });

  test('power on --wait on a VM that never becomes ready: Stalled, exit 3', async () => {
    const r = await acdctl(['power', 'on', 'stuck', '-n', NS, '--wait', '--timeout', '60s']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^stalled \(VMStartTimeout\): .*stuck-acd-tel not up within 8s$/m);
    expect(r.stdout).toMatch(/^\[2\/2\] app tier: /m);
  });

  test('power off --wait with a timeout shorter than the shutdown: exit 4', async () => {
    const r = await acdctl(['power', 'off', 'small', '-n', NS, '--wait', '--timeout', '200ms']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^timed out after 200ms waiting for acdcluster small to be Off; last: /m);
    await waitReady(NS, 'small', 60);
  });
});

describe('acdctl errors', () => {
  test('an AcdCluster that does not exist: exit 1, one line', async () => {
    for (const args of [
      ['status', 'nope', '-n', NS],
      ['power', 'on', 'nope', '-n', NS],
      ['plan', 'nope', '-n', NS],
    ]) {
      const r = await acdctl(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({
        args,
        code: 1,
        stderr: 'acdctl: acdcluster nope not found in namespace acdctl-e2e\n',
      });
    }
  });

  test('usage errors: exit 2 with the usage', async () => {
    for (const args of [['frob'], ['status'], ['status', 'small', '--bogus'], ['power', 'sideways', 'small']]) {
      const r = await acdctl(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^acdctl: .+\n\nUsage:\n/);
    }
  });

  test('an unreachable API server: exit 1, one line', async () => {
    const kubeconfig = join(dir, 'unreachable.kubeconfig');
    // A port nothing listens on: the connection is refused at once.
    const port = await freePort();
    writeFileSync(
      kubeconfig,
      readFileSync(kubeconfigPath(), 'utf8').replace(/server: \S+/, `server: https://127.0.0.1:${port}`),
    );
    const r = await acdctl(['status', 'small', '-n', NS], { kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `acdctl: cannot reach the Kubernetes API at https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });
});
