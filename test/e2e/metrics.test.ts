// What Prometheus would scrape from the operator after a real power cycle on the test bed: the
// command and event counters, reconcile and stage durations, queue depth and process metrics, and
// the probes the kubelet would call.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest, waitReady } from './support/acd.js';
import { startOperator, type RunningOperator } from './support/operator.js';

const NS = 'metrics';
const machines = SEED_LAYOUTS.SmallV1;
const slow = { 'standin.acd.power.dev/boot-seconds': '20', 'standin.acd.power.dev/stop-seconds': '20' };
let operator: RunningOperator;
/**
 * Taken once the ACD is first Ready, before the cycle: whether its first On transition had to wait
 * for the freshly created VMs to boot depends on timing, so counters are compared as differences.
 */
let before: Scrape;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Scrape {
  status: number;
  contentType: string;
  samples: Sample[];
  help: Set<string>;
}

/** Parses the Prometheus text format: enough of it for prom-client's output (no escaped quotes in our labels). */
function parse(body: string): Pick<Scrape, 'samples' | 'help'> {
  const samples: Sample[] = [];
  const help = new Set<string>();
  for (const line of body.split('\n')) {
    const h = /^# HELP (\S+) /.exec(line);
    if (h) help.add(h[1]!);
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, help };
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', ...parse(await res.text()) };
}

/**
 * A scrape once the counters are still: the operator counts a transition's events right after its
 * status write, so a client that saw the status (kubectl wait) can scrape a few ms before the count.
 */
const TRANSITION_COUNTERS = [
  'acd_transition_events_total',
  'acd_stage_duration_seconds_count',
  'acd_vm_commands_total',
];
async function settledScrape(): Promise<Scrape> {
  const counters = (x: Scrape) =>
    JSON.stringify(
      x.samples.filter((m) => TRANSITION_COUNTERS.includes(m.name)).map((m) => [m.name, m.labels, m.value]),
    );
  let last = await scrape();
  for (;;) {
    await sleep(300);
    const next = await scrape();
    if (counters(next) === counters(last)) return next;
    last = next;
  }
}

/** Growth of a series over the power cycle (a series not yet exposed before counts as 0). */
const delta = (s: Scrape, name: string, labels: Record<string, string> = {}) =>
  (value(s, name, labels) ?? NaN) - (value(before, name, labels) ?? 0);

/** The value of one series; undefined when it is not exposed. */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  return s.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
}

beforeAll(async () => {
  await createNamespace(NS);
  await apply([
    ...machines.map((m) => vmManifest(NS, m.vm, { runStrategy: 'Always', annotations: slow })),
    acdManifest(NS, 'acd', machines),
  ]);
  operator = await startOperator({ namespaces: [NS] });
  await waitReady(NS, 'acd', 60);
  before = await settledScrape();
  await setPower(NS, 'acd', 'Off');
  await waitReady(NS, 'acd', 90);
  await setPower(NS, 'acd', 'On');
  await waitReady(NS, 'acd', 90);
  expect((await getAcd(NS, 'acd')).status?.power).toBe('On');
}, 240_000);

afterAll(async () => {
  await operator?.stop();
});

describe('metrics after a power cycle', () => {
  test('/metrics is Prometheus text with the command, event and queue metrics', async () => {
    const s = await settledScrape();
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    // SmallV1: two VMs, each stopped once and started once.
    expect(delta(s, 'acd_vm_commands_total', { action: 'Stop' })).toBe(machines.length);
    expect(delta(s, 'acd_vm_commands_total', { action: 'Start' })).toBe(machines.length);
    expect(value(s, 'acd_transition_events_total', { reason: 'PoweredOff' })).toBeGreaterThanOrEqual(1);
    expect(delta(s, 'acd_transition_events_total', { reason: 'PoweredOff' })).toBe(1);
    expect(delta(s, 'acd_transition_events_total', { reason: 'PoweredOn' })).toBe(1);
    expect(value(s, 'acd_workqueue_depth')).toBeGreaterThanOrEqual(0);
    // Without --leader-elect the operator always acts.
    expect(value(s, 'acd_leader')).toBe(1);
  });

  test('reconcile duration and errors, stage duration by direction, health-check results', async () => {
    const s = await settledScrape();
    expect(value(s, 'acd_reconcile_duration_seconds_count', { result: 'success' })).toBeGreaterThan(0);
    expect(value(s, 'acd_reconcile_duration_seconds_bucket', { result: 'success', le: '+Inf' })).toBe(
      value(s, 'acd_reconcile_duration_seconds_count', { result: 'success' }),
    );
    expect(value(s, 'acd_reconcile_errors_total')).toBeGreaterThanOrEqual(0);

    // SmallV1 waits for one stage going Off (the tel stage is only initiated) and two going On.
    const off = delta(s, 'acd_stage_duration_seconds_count', { direction: 'Off' });
    const on = delta(s, 'acd_stage_duration_seconds_count', { direction: 'On' });
    expect({ off, on }).toEqual({ off: 1, on: 2 });
    // One observation per StageCompleted event, over the whole run too.
    expect(
      (value(s, 'acd_stage_duration_seconds_count', { direction: 'Off' }) ?? 0) +
        (value(s, 'acd_stage_duration_seconds_count', { direction: 'On' }) ?? 0),
    ).toBe(value(s, 'acd_transition_events_total', { reason: 'StageCompleted' }));
    // A stage lasts as long as its VMs take: ~1 s here (20 s of boot/stop at the test bed's speed).
    expect(delta(s, 'acd_stage_duration_seconds_sum', { direction: 'On' })).toBeGreaterThan(0.5);

    // Health-check results are counted only for checks that really ran (a configured runner);
    // the family is registered either way, so dashboards and alerts can rely on it.
    expect(s.help.has('acd_health_checks_total')).toBe(true);
  });

  test('process and Node.js runtime metrics, under the operator prefix', async () => {
    const s = await settledScrape();
    for (const name of [
      'acd_operator_process_cpu_user_seconds_total',
      'acd_operator_process_resident_memory_bytes',
      'acd_operator_process_start_time_seconds',
      'acd_operator_nodejs_heap_size_used_bytes',
      'acd_operator_nodejs_eventloop_lag_seconds',
    ]) {
      expect({ name, present: value(s, name) !== undefined }).toEqual({ name, present: true });
    }
  });

  test('probes: /healthz and /readyz 200, anything else 404', async () => {
    const get = async (port: number, path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
    expect(await get(operator.healthPort, '/healthz')).toBe(200);
    expect(await get(operator.healthPort, '/readyz')).toBe(200);
    expect(await get(operator.healthPort, '/metrics')).toBe(404);
    expect(await get(operator.metricsPort, '/healthz')).toBe(404);
  });
});
