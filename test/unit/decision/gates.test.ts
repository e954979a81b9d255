// spec.gates in the decision core (issue 14): beforeOff gates hold the first stop (drain once, then
// a check every interval), afterOn gates hold the end of a startup and never stop a VM.
import { describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import type { Decision } from '../../../src/decision/types.js';
import type { AcdClusterStatus } from '../../../src/api/status.js';
import { cond, Driver, finished, specOf, World, type GateFn } from './world.js';
import { attemptKey } from '../../../src/reconcile/gate-runs.js';

const S2 = SEED_LAYOUTS.SmallV2;
const drain = { ssh: { role: 'tel', command: 'asterisk -rx "core stop gracefully"' } };
const undrain = { ssh: { role: 'tel', command: 'asterisk -rx "core restart now"' } };

function noCalls(extra: Record<string, unknown> = {}) {
  return {
    name: 'no-active-calls',
    check: { prometheus: { address: 'http://prom:9090', query: 'sum(jtel_active_calls)' } },
    successCondition: 'result == 0',
    interval: '10s',
    maxWait: '2m',
    drain,
    undrain,
    ...extra,
  };
}

/** An On ACD whose powerState just went Off, with these beforeOff gates. */
function offWith(gates: Record<string, unknown>[], fn?: GateFn) {
  const world = World.of(S2, 'On');
  const d = new Driver(world, specOf(S2, 'On', { gates: { beforeOff: gates } }));
  d.reconcile();
  d.setSpec(specOf(S2, 'Off', { gates: { beforeOff: gates } }));
  if (fn) d.gates = fn;
  return { world, d };
}

const calls = (values: number[]): GateFn => {
  let i = 0;
  return () => {
    const v = values[Math.min(i++, values.length - 1)]!;
    return { passed: v === 0, noData: false, value: String(v), message: `result ${v}` };
  };
};
const stops = (w: World) => w.log.filter((a) => a.cmd.action !== 'Start');
const gateOf = (d: { status: AcdClusterStatus }, name = 'no-active-calls') =>
  d.status.transition?.gates?.find((g) => g.name === name);

describe('beforeOff gates', () => {
  test('no VM is stopped before the gate passes twice in a row (503,503,503,200,200)', () => {
    const http = { http: { url: 'http://acd-tel/calls/idle' } };
    const codes = [503, 503, 503, 200, 200];
    let i = 0;
    const fn: GateFn = () => {
      const v = codes[Math.min(i++, codes.length - 1)]!;
      return { passed: v === 200, noData: false, value: String(v), message: `HTTP ${v}` };
    };
    const { world, d } = offWith([noCalls({ check: http, successCondition: undefined, consecutiveSuccesses: 2 })], fn);
    const waitingSeen: string[] = [];
    d.runUntil((x) => {
      if (cond(x, 'Ready')?.reason === 'GateWaiting') waitingSeen.push(cond(x, 'Ready')!.message);
      return stops(world).length > 0;
    });
    // The first stop comes in the pass of the fifth check, the second success in a row.
    expect(d.gateChecks).toHaveLength(5);
    expect(stops(world)[0]!.at).toBe(d.gateChecks[4]!.at);
    expect(d.gateChecks[1]!.at - d.gateChecks[0]!.at).toBe(10_000);
    expect(waitingSeen.some((m) => m.startsWith('waiting for no-active-calls: 503 (a 2xx answer), 0/2 in a row'))).toBe(
      true,
    );
    expect(waitingSeen.some((m) => m.startsWith('waiting for no-active-calls: 200 (a 2xx answer), 1/2 in a row'))).toBe(
      true,
    );
    expect(gateOf(d)).toMatchObject({ state: 'Passed', successes: 2, value: '200' });
    d.runUntil(finished);
    expect(d.gateActions).toEqual([expect.objectContaining({ gate: 'no-active-calls', kind: 'drain' })]);
    expect(d.status.transition?.outcome).toBe('Succeeded');
  });

  test('the drain is issued once, first, and not again after a crash (a fresh driver from the status)', () => {
    const { world, d } = offWith([noCalls()], calls([3]));
    const first = d.reconcile();
    expect(first.gateActions).toEqual([{ gate: 'no-active-calls', kind: 'drain' }]);
    expect(first.runGates).toBeUndefined();
    expect(gateOf(first)?.drainedAt).toBe(world.now.toISOString());
    expect(cond(first, 'Ready')).toMatchObject({ status: 'False', reason: 'GateWaiting' });
    expect(cond(first, 'Ready')!.message).toMatch(/^waiting for no-active-calls: /);
    for (let i = 0; i < 30; i++) {
      world.advance(1_000);
      d.reconcile();
    }
    expect(cond(d.status, 'Ready')!.message).toMatch(/^waiting for no-active-calls: 3 \(result == 0\), 30s of 2m$/);
    const again = new Driver(world, d.spec);
    again.generation = d.generation;
    again.status = structuredClone(d.status);
    again.gates = calls([0]);
    again.runUntil(finished);
    expect([...d.gateActions, ...again.gateActions].filter((a) => a.kind === 'drain')).toHaveLength(1);
    expect(stops(world).length).toBeGreaterThan(0);
  });

  test('Hold: Stalled GateTimeout after maxWait, nothing stopped; when it passes later the Off goes on', () => {
    const { world, d } = offWith([noCalls({ maxWait: '1m' })], calls([2]));
    for (let i = 0; i < 90; i++) {
      d.reconcile();
      world.advance(1_000);
    }
    expect(stops(world)).toEqual([]);
    expect(d.status.phase).toBe('Stalled');
    expect(cond(d.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'GateTimeout' });
    expect(cond(d.status, 'Stalled')!.message).toContain('--skip-gate no-active-calls');
    const timedOutEvents = d.steps.flatMap((s) => s.decision.events).filter((e) => e.reason === 'GateTimedOut');
    expect(timedOutEvents).toHaveLength(1);
    d.gates = calls([0]);
    d.runUntil(finished);
    expect(stops(world).length).toBeGreaterThan(0);
    expect(gateOf(d)?.state).toBe('Passed');
  });

  test('Proceed: after maxWait the gate is TimedOut and the Off goes on', () => {
    const { world, d } = offWith([noCalls({ maxWait: '30s', onTimeout: 'Proceed' })], calls([4]));
    d.runUntil(finished);
    expect(gateOf(d)?.state).toBe('TimedOut');
    const firstStop = stops(world)[0]!.at;
    expect(firstStop - Date.parse(gateOf(d)?.startedAt ?? '')).toBeGreaterThanOrEqual(30_000);
    expect(d.status.transition?.outcome).toBe('Succeeded');
  });

  test('Abort: the Off ends Aborted, undrained once, nothing stopped, no new Off for this generation', () => {
    const { world, d } = offWith([noCalls({ maxWait: '30s', onTimeout: 'Abort' })], calls([5]));
    d.runUntil(finished);
    const aborted = d.steps.at(-1)!.decision;
    expect(d.status.transition?.outcome).toBe('Aborted');
    expect(aborted.events.map((e) => e.reason)).toContain('GateAborted');
    expect(d.status.history?.at(-1)).toMatchObject({ direction: 'Off', outcome: 'Aborted' });
    for (let i = 0; i < 120; i++) {
      world.advance(1_000);
      d.reconcile();
    }
    expect(stops(world)).toEqual([]);
    expect(d.gateActions.map((a) => a.kind)).toEqual(['drain', 'undrain']);
    expect(d.status.transition?.outcome).toBe('Aborted');
    expect(d.status.history?.filter((h) => h.outcome === 'Aborted')).toHaveLength(1);
    expect(cond(d.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'GateAborted' });
    expect(cond(d.status, 'Stalled')!.message).toContain('Change powerState');
    // A change of the spec tries again, with the gates from the start.
    d.setSpec(specOf(S2, 'Off', { gates: { beforeOff: [noCalls()] }, historyLimit: 20 }));
    d.gates = calls([0]);
    d.runUntil(finished);
    expect(d.status.transition?.outcome).toBe('Succeeded');
    expect(d.gateActions.map((a) => a.kind)).toEqual(['drain', 'undrain', 'drain']);
  });

  test('a flip back to On while the gate waits: undrained exactly once, and no stop ever', () => {
    const { world, d } = offWith([noCalls()], calls([7]));
    for (let i = 0; i < 15; i++) {
      d.reconcile();
      world.advance(1_000);
    }
    d.setSpec(specOf(S2, 'On', { gates: { beforeOff: [noCalls()] } }));
    const flipped = d.reconcile();
    expect(flipped.gateActions).toEqual([{ gate: 'no-active-calls', kind: 'undrain' }]);
    expect(flipped.status.transition?.undrains).toEqual([{ gate: 'no-active-calls', at: world.now.toISOString() }]);
    for (let i = 0; i < 30; i++) {
      world.advance(1_000);
      d.reconcile();
    }
    expect(d.gateActions.map((a) => a.kind)).toEqual(['drain', 'undrain']);
    expect(world.log).toEqual([]);
    expect(d.status.history?.map((h) => `${h.direction} ${h.outcome}`)).toContain('Off Superseded');
  });

  test('skip-gates annotation: the gate is Skipped (who, why), the Off goes on, removal asked once', () => {
    const second = noCalls({ name: 'queue-empty', drain: undefined, undrain: undefined });
    const { world, d } = offWith([noCalls(), second], calls([9]));
    d.reconcile();
    world.advance(1_000);
    d.skipAnnotation = JSON.stringify({ gates: ['no-active-calls'], reason: 'one stuck call', by: 'alice' });
    const skipped = d.reconcile();
    expect(skipped.removeSkipGates).toContain('one stuck call');
    expect(skipped.events).toContainEqual(expect.objectContaining({ type: 'Normal', reason: 'GateSkipped' }));
    expect(gateOf(skipped)).toMatchObject({ state: 'Skipped', skip: { by: 'alice', reason: 'one stuck call' } });
    // The next gate is not skipped: it waits (and holds) until it passes.
    expect(gateOf(skipped, 'queue-empty')?.state).toBe('Waiting');
    d.gates = calls([0]);
    d.runUntil(finished);
    expect(d.skipRemovals).toBe(1);
    expect(d.steps.filter((s) => s.decision.removeSkipGates !== undefined)).toHaveLength(1);
    expect(stops(world).length).toBeGreaterThan(0);
  });

  test('a garbled skip-gates annotation is a Warning, ignored and removed', () => {
    const { d } = offWith([noCalls()], calls([9]));
    d.skipAnnotation = '{not json';
    const x = d.reconcile();
    expect(x.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'GateSkipInvalid' }));
    expect(gateOf(x)?.state).toBe('Waiting');
    expect(d.skipRemovals).toBe(1);
  });

  test('a Job check: one attempt, so one Job, until its Job finishes; then a new one', () => {
    const job = { job: { template: { template: { spec: { containers: [] } } } } };
    const answers: Array<'pending' | 'failed' | 'passed'> = [
      'pending',
      'pending',
      'pending',
      'failed',
      'pending',
      'passed',
    ];
    const keys: string[] = [];
    let i = 0;
    const { world, d } = offWith([noCalls({ check: job, successCondition: undefined })]);
    d.gates = () => {
      keys.push(attemptKey(d.status.transition, gateOf(d)!));
      const a = answers[Math.min(i++, answers.length - 1)]!;
      if (a === 'pending') return { passed: false, noData: false, pending: true, message: 'Job is running' };
      return { passed: a === 'passed', noData: false, message: `Job ${a}` };
    };
    d.runUntil(() => stops(world).length > 0);
    expect(keys).toHaveLength(6);
    expect(new Set(keys.slice(0, 4)).size).toBe(1);
    expect(keys[4]).not.toBe(keys[0]);
    expect(keys[5]).toBe(keys[4]);
    expect(gateOf(d)).toMatchObject({ state: 'Passed' });
    expect(gateOf(d)!.attemptFrom).toBeUndefined();
  });

  test('every VM down by another route while the gate waits: the gate is Skipped, the Off ends', () => {
    const manual = Object.fromEntries(S2.map((m) => [m.vm, { runStrategy: 'Manual' as const }]));
    const world = World.of(S2, 'On', manual);
    const gates = { beforeOff: [noCalls()] };
    const d = new Driver(world, specOf(S2, 'On', { gates }));
    d.reconcile();
    d.setSpec(specOf(S2, 'Off', { gates }));
    d.gates = calls([7]);
    d.runUntil(() => gateOf(d)?.value === '7');
    for (const m of S2) world.crash(m.vm);
    d.runUntil(finished);
    expect(gateOf(d)).toMatchObject({ state: 'Skipped', skip: { reason: 'every VM is down already' } });
    expect(stops(world)).toEqual([]);
    expect(d.status.transition!.outcome).toBe('Succeeded');
  });
});

describe('afterOn gates', () => {
  const smoke = (extra: Record<string, unknown> = {}) => ({
    name: 'smoke-test',
    check: { http: { url: 'http://acd-jb/health' } },
    interval: '5s',
    maxWait: '1m',
    ...extra,
  });
  function onWith(fn: GateFn) {
    const world = World.of(S2, 'Off');
    const d = new Driver(world, specOf(S2, 'On', { gates: { afterOn: [smoke()] } }));
    d.gates = fn;
    return { world, d };
  }
  const http = (code: number) => ({ passed: code === 200, noData: false, value: String(code), message: `${code}` });

  test('a failing smoke test: Starting while it waits, then Succeeded and Degraded GateFailed, no stop', () => {
    const { world, d } = onWith(() => http(500));
    const waiting: Decision[] = [];
    d.runUntil((x) => {
      if (x.status.transition?.gates?.[0]?.state === 'Waiting') waiting.push(x);
      return finished(x);
    });
    expect(waiting.length).toBeGreaterThan(10);
    const w = waiting.at(-1)!;
    expect(w.status.phase).toBe('Starting');
    expect(cond(w, 'Reconciling')).toMatchObject({ status: 'True' });
    expect(cond(w, 'Reconciling')!.message).toMatch(/^waiting for smoke-test: 500 \(a 2xx answer\)/);
    expect(d.status.transition?.outcome).toBe('Succeeded');
    expect(gateOf(d, 'smoke-test')?.state).toBe('TimedOut');
    expect(cond(d.status, 'Degraded')).toMatchObject({ status: 'True', reason: 'GateFailed' });
    expect(cond(d.status, 'Degraded')!.message).toContain('smoke-test');
    expect(cond(d.status, 'Degraded')!.message).toContain('500');
    expect(stops(world)).toEqual([]);
  });

  test('begun in a pass that ran health checks, the gate is checked at once, not a poll later', () => {
    const { d } = onWith(() => http(200));
    d.runUntil((x) => x.status.transition?.gates?.[0]?.state === 'Waiting');
    const step = d.steps.at(-1)!;
    expect(step.first.runChecks?.length).toBeGreaterThan(0);
    expect(step.decision.runGates).toEqual(['smoke-test']);
    expect(step.decision.requeueAfterMs).toBe(0);
  });

  test('a passing smoke test finishes the startup, not Degraded', () => {
    const { d } = onWith(() => http(200));
    d.runUntil(finished);
    expect(gateOf(d, 'smoke-test')).toMatchObject({ state: 'Passed', successes: 1 });
    expect(d.steps.flatMap((s) => s.decision.events).map((e) => e.reason)).toContain('GatePassed');
    expect(cond(d.status, 'Degraded')).toMatchObject({ status: 'False' });
    expect(d.status.transition?.outcome).toBe('Succeeded');
  });
});
