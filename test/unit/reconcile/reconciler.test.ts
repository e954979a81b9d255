// The Reconciler on its own, each dependency a recording fake: the AcdCluster API (GET and status
// replace under optimistic concurrency), the VM commander (KubeVirt's answers, 409 included) and the
// event recorder; the VMs are the decision tests' small world (test/unit/decision/world.ts). What
// the decision decides is tested in test/unit/decision; this file tests what the Reconciler does
// with it: which calls it makes, in which order, what it writes and what it leaves alone.
// test/e2e/reconciler.test.ts runs the same Reconciler against a real API server.
import { describe, expect, test } from '@jest/globals';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { AcdClusterStatus, Command } from '../../../src/api/status.js';
import type { AcdCluster } from '../../../src/api/types.js';
import type { Event, PlannedCommand } from '../../../src/decision/types.js';
import { ApiError } from '../../../src/kube/raw.js';
import type { VmCommander } from '../../../src/kubevirt/commands.js';
import type { AcdClusterApi } from '../../../src/reconcile/cluster-api.js';
import type { EventRecorder } from '../../../src/reconcile/events.js';
import { Reconciler, type ReconcilerDeps } from '../../../src/reconcile/reconciler.js';
import { ConfigMapCalendars } from '../../../src/reconcile/calendars.js';
import type { GateProbes } from '../../../src/gates/types.js';
import { OVERRIDE_ANNOTATION, SKIP_GATES_ANNOTATION } from '../../../src/api/names.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { vmObject, World } from '../decision/world.js';

const NS = 'acd-ns';
const NAME = 'acd';
const SMALL = SEED_LAYOUTS.SmallV3;
/**
 * The runbook's first Small V3 shutdown step ("First shutdown acd-tel and acd-jbN in no particular
 * order"), in the plan's order, which is the order its commands go out and are recorded in.
 */
const APP_TIER = ['acd-jb1', 'acd-jb2', 'acd-tel'];

/**
 * What crosses the API server: JSON, so no undefined-valued keys and plain objects of this realm
 * (structuredClone's come from another realm under jest, and isDeepStrictEqual would tell them apart).
 */
const wire = <T>(x: T): T => (x === undefined ? x : (JSON.parse(JSON.stringify(x)) as T));

const conflict = () =>
  new ApiException(409, 'Operation cannot be fulfilled on acdclusters.acd.power.dev "acd": conflict', {}, {});

/**
 * One AcdCluster as the API server keeps it: GET returns a copy, a status replace must be based on
 * the current resourceVersion (else 409) and bumps it. Every call lands in `trace`, shared with the
 * commander, so a test reads the Reconciler's calls in the order it made them.
 */
class FakeAcdClusterApi implements AcdClusterApi {
  /** Every status the API server accepted, in order. */
  readonly written: AcdClusterStatus[] = [];
  private rv = 1;
  private meanwhile: ((obj: AcdCluster) => void) | undefined;

  constructor(
    private readonly trace: string[],
    private obj: AcdCluster | undefined,
  ) {
    if (obj) obj.metadata.resourceVersion = String(this.rv);
  }

  /** The object as stored now. */
  get stored(): AcdCluster | undefined {
    return wire(this.obj);
  }

  /** The next status write is answered 409, after `change` (another writer) has changed the object. */
  conflictOnNextWrite(change: (obj: AcdCluster) => void = () => {}): void {
    this.meanwhile = change;
  }

  async get(namespace: string, name: string): Promise<AcdCluster | undefined> {
    this.trace.push(`GET ${namespace}/${name}`);
    return this.obj && wire(this.obj);
  }

  async replaceStatus(obj: AcdCluster, status: AcdClusterStatus): Promise<AcdCluster> {
    const base = obj.metadata.resourceVersion;
    if (!this.obj) throw new ApiException(404, 'not found', {}, {});
    const change = this.meanwhile;
    this.meanwhile = undefined;
    if (change) {
      change(this.obj);
      this.bump();
    }
    if (base !== this.obj.metadata.resourceVersion) {
      this.trace.push(`PUT status@${base}: 409`);
      throw conflict();
    }
    this.obj.status = wire(status);
    this.bump();
    this.written.push(wire(status));
    this.trace.push(`PUT status@${base}: ${commandsOf(status).join(', ') || 'no commands'}`);
    return wire(this.obj);
  }

  /** JSON patch semantics: `test` fails (422 there; false here) unless the value is still the same. */
  async removeAnnotation(_obj: AcdCluster, key: string, value: string): Promise<boolean> {
    const annotations = this.obj?.metadata.annotations;
    const same = annotations?.[key] === value;
    this.trace.push(`PATCH remove annotation ${key}: ${same ? 'removed' : 'test failed'}`);
    if (!same || !annotations) return false;
    delete annotations[key];
    this.bump();
    return true;
  }

  /** A user's metadata edit (kubectl annotate). */
  annotate(key: string, value: string): void {
    this.obj!.metadata.annotations = { ...this.obj!.metadata.annotations, [key]: value };
    this.bump();
  }

  private bump(): void {
    this.obj!.metadata.resourceVersion = String(++this.rv);
  }
}

/** KubeVirt as the world answers it: a command it cannot take now, or one the test refuses, is a 409. */
class FakeCommander implements VmCommander {
  private readonly refused = new Set<string>();
  constructor(
    private readonly trace: string[],
    private readonly world: World,
  ) {}

  /** Answer every command to these VMs with 409 ("not now"), until `allow`. */
  refuse(...vms: string[]): void {
    for (const vm of vms) this.refused.add(vm);
  }

  allow(): void {
    this.refused.clear();
  }

  async command(_ns: string, cmd: PlannedCommand): Promise<undefined> {
    const { vm, action } = cmd;
    this.trace.push(`${action} ${vm.name}`);
    if (this.refused.has(vm.name) || !this.world.apply(cmd))
      throw new ApiError(409, `${action} ${vm.name}: 409 Conflict`, '{"reason":"Conflict"}');
    return undefined;
  }
}

const commandsOf = (s: AcdClusterStatus | undefined) =>
  (s?.transition?.commands ?? []).map((c: Command) => `${c.action} ${c.vm}`);

function acdCluster(spec: Record<string, unknown>): AcdCluster {
  return {
    apiVersion: 'acd.power.dev/v1alpha1',
    kind: 'AcdCluster',
    metadata: { name: NAME, namespace: NS, uid: 'uid-1', generation: 1 },
    spec,
  };
}

/** A Reconciler on `world` with recording fakes; no informer, so every reconcile GETs the object. */
function harness(obj: AcdCluster | undefined, world: World, extra: Partial<ReconcilerDeps> = {}) {
  const trace: string[] = [];
  const api = new FakeAcdClusterApi(trace, obj);
  const commander = new FakeCommander(trace, world);
  const events: Event[] = [];
  // EventRecorder is a class with private state; the Reconciler calls only its record().
  const recorder = { record: (_obj: AcdCluster, e: Event) => void events.push(e) };
  const reconciler = new Reconciler({
    kc: new KubeConfig(), // unused: the API is given
    api,
    commander,
    events: recorder as unknown as EventRecorder,
    getVm: (ns, name) => {
      const v = world.snapshot().get(name);
      return v && vmObject(ns, v);
    },
    log: pino({ level: 'silent' }),
    clock: () => world.now,
    ...extra,
  });
  return { trace, api, commander, events, reconcile: () => reconciler.reconcile(`${NS}/${NAME}`) };
}

describe('Reconciler', () => {
  test('Off from all up: a pass commands exactly one stage, records each command, writes once', async () => {
    const world = World.of(SMALL, 'On');
    const h = harness(acdCluster({ powerState: 'Off', machines: SMALL }), world);

    const r = await h.reconcile();

    // Pass 1 commands the app tier, and only it. The runbook does not wait for it ("You do not have
    // to wait until acd-tel and acd-jbN are down before starting the shutdown at acd-dbm/dbs/dbr"),
    // so pass 2 follows in the same reconcile with the db stage, which is waited for: no pass 3
    // command. Each pass writes its commands before the next pass starts.
    expect(h.trace).toEqual([
      `GET ${NS}/${NAME}`,
      ...APP_TIER.map((vm) => `Stop ${vm}`),
      `PUT status@1: ${APP_TIER.map((vm) => `Stop ${vm}`).join(', ')}`,
      'Stop acd-dbm-dbs-dbr',
      `PUT status@2: ${[...APP_TIER, 'acd-dbm-dbs-dbr'].map((vm) => `Stop ${vm}`).join(', ')}`,
    ]);
    expect(h.api.written).toHaveLength(2);
    const stored = h.api.stored!.status!;
    expect(stored.transition!.commands).toEqual(
      [...APP_TIER, 'acd-dbm-dbs-dbr'].map((vm) => ({
        vm,
        action: 'Stop',
        via: 'runStrategy',
        at: world.now.toISOString(),
      })),
    );
    expect(stored.transition).toMatchObject({ direction: 'Off' });
    // Stopped by runStrategy Halted: declared stopped, and never started by KubeVirt itself.
    expect(world.vm('acd-dbm-dbs-dbr').runStrategy).toBe('Halted');
    expect(world.vm('acd-store-lb').runStrategy).toBe('Always');
    // One StageStarted per stage begun, naming its VMs.
    const started = h.events.filter((e) => e.reason === 'StageStarted');
    expect(started.map((e) => e.type)).toEqual(['Normal', 'Normal']);
    expect(started[0]!.message).toContain(APP_TIER.join(', '));
    expect(started[1]!.message).toContain('acd-dbm-dbs-dbr');
    // The db stage waits for its VM: the work queue is asked to come back, not left idle.
    expect(r.requeueAfterMs).toBeGreaterThan(0);

    // The next reconcile, before any VM has moved, repeats no command.
    const before = h.trace.length;
    await h.reconcile();
    expect(h.trace.slice(before).filter((c) => c.startsWith('Stop'))).toEqual([]);
  });

  test('a 409 from KubeVirt is not recorded; the command is retried within a second and then recorded', async () => {
    const world = World.of(SMALL, 'On');
    const h = harness(acdCluster({ powerState: 'Off', machines: SMALL }), world);
    h.commander.refuse(...APP_TIER);

    const r = await h.reconcile();

    expect(h.trace.filter((c) => c.startsWith('Stop'))).toEqual(APP_TIER.map((vm) => `Stop ${vm}`));
    expect(commandsOf(h.api.stored!.status)).toEqual([]);
    expect(r.requeueAfterMs).toBeDefined();
    expect(r.requeueAfterMs).toBeLessThanOrEqual(1_000);
    expect(world.log).toEqual([]);

    // Not remembered as done: once KubeVirt takes them, the same commands go out and are recorded.
    h.commander.allow();
    await h.reconcile();
    expect(commandsOf(h.api.stored!.status).slice(0, 3)).toEqual(APP_TIER.map((vm) => `Stop ${vm}`));
    expect(world.log.map((a) => a.cmd.vm).slice(0, 3)).toEqual(APP_TIER);
  });

  test('an invalid spec: InvalidSpec=True in status, no command, one Warning event', async () => {
    const world = World.of(SMALL, 'On');
    const h = harness(acdCluster({ powerState: 'Sideways', machines: SMALL }), world);

    expect(await h.reconcile()).toEqual({});

    expect(h.trace.filter((c) => !c.startsWith('GET') && !c.startsWith('PUT'))).toEqual([]);
    expect(world.log).toEqual([]);
    const status = h.api.stored!.status!;
    expect(status.conditions?.find((c) => c.type === 'InvalidSpec')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
    });
    expect(status.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toMatch(/powerState/);
    expect(status.phase).toBe('Stalled');
    expect(status.transition).toBeUndefined();
    expect(h.events).toEqual([
      { type: 'Warning', reason: 'InvalidSpec', message: expect.stringMatching(/powerState/) },
    ]);

    // Reconciled again, nothing has changed: no second write, no second event.
    await h.reconcile();
    expect(h.api.written).toHaveLength(1);
    expect(h.events).toHaveLength(1);
  });

  test("a conflict on the status write right after a stage's commands: the commands still end up stored", async () => {
    const world = World.of(SMALL, 'On');
    const h = harness(acdCluster({ powerState: 'Off', machines: SMALL }), world);
    await h.reconcile();
    world.advance(5_000); // the app tier and the db VM are down: the store-lb stage is next
    // Someone (a user's edit, a second writer) changes the object between the command and the write.
    h.api.conflictOnNextWrite((obj) => {
      obj.metadata.annotations = { 'example.com/touched': 'yes' };
    });
    const before = h.trace.length;

    await h.reconcile();

    // The write based on the old version fails, the object is read again, and the commands are
    // added to the transition it holds.
    expect(h.trace.slice(before, before + 4)).toEqual([
      `GET ${NS}/${NAME}`,
      'Stop acd-store-lb',
      'PUT status@3: 409',
      `GET ${NS}/${NAME}`,
    ]);
    expect(h.trace.slice(before + 4)[0]).toMatch(/^PUT status@4: .*Stop acd-store-lb$/);
    const stored = h.api.stored!;
    expect(commandsOf(stored.status)).toEqual([...APP_TIER, 'acd-dbm-dbs-dbr', 'acd-store-lb'].map((v) => `Stop ${v}`));
    expect(stored.metadata.annotations).toEqual({ 'example.com/touched': 'yes' });
    // KubeVirt got the command once: the conflict did not make the Reconciler issue it again.
    expect(h.trace.filter((c) => c === 'Stop acd-store-lb')).toHaveLength(1);
  });

  test('a conflict on the first write of a transition: that pass status is written over the fresh object', async () => {
    const world = World.of(SMALL, 'On');
    const h = harness(acdCluster({ powerState: 'Off', machines: SMALL }), world);
    h.api.conflictOnNextWrite();

    await h.reconcile();

    expect(h.trace.slice(0, 6)).toEqual([
      `GET ${NS}/${NAME}`,
      ...APP_TIER.map((vm) => `Stop ${vm}`),
      'PUT status@1: 409',
      `GET ${NS}/${NAME}`,
    ]);
    expect(commandsOf(h.api.stored!.status).slice(0, 3)).toEqual(APP_TIER.map((vm) => `Stop ${vm}`));
    expect(h.trace.filter((c) => c.startsWith('Stop acd-tel'))).toHaveLength(1);
  });

  test('a deleted AcdCluster: nothing is commanded, written or reported', async () => {
    const world = World.of(SMALL, 'On');
    const gone = harness(undefined, world);
    expect(await gone.reconcile()).toEqual({});
    expect(gone.trace).toEqual([`GET ${NS}/${NAME}`]);
    expect(gone.events).toEqual([]);

    // Being deleted (a finalizer holds it) counts as gone too.
    const deleting = acdCluster({ powerState: 'Off', machines: SMALL });
    deleting.metadata.deletionTimestamp = '2030-01-01T00:00:00Z';
    const h = harness(deleting, world);
    expect(await h.reconcile()).toEqual({});
    expect(h.trace).toEqual([`GET ${NS}/${NAME}`]);
    expect(h.api.written).toEqual([]);
    expect(world.log).toEqual([]);
  });

  describe('powerState Scheduled', () => {
    // The world's clock starts on Tuesday 2030-01-01 00:00 UTC: outside this window, so Off.
    const schedule = (extra: Record<string, unknown> = {}) => ({
      timeZone: 'UTC',
      on: [{ days: ['Tue'], from: '06:00', to: '22:00' }],
      ...extra,
    });
    const scheduled = (extra: Record<string, unknown> = {}) =>
      acdCluster({ powerState: 'Scheduled', schedule: schedule(extra), machines: SMALL });

    test('an expired override is ignored, reported once, and removed only if unchanged', async () => {
      const world = World.of(SMALL, 'Off');
      const obj = scheduled();
      const expired = JSON.stringify({ powerState: 'On', until: '2029-12-31T23:00:00Z', by: 'alice' });
      obj.metadata.annotations = { [OVERRIDE_ANNOTATION]: expired };
      const h = harness(obj, world);
      await h.reconcile();
      // The schedule says Off, and the VMs are Off: nothing is started for the stale override.
      expect(world.log).toEqual([]);
      expect(h.trace).toContain(`PATCH remove annotation ${OVERRIDE_ANNOTATION}: removed`);
      expect(h.events.filter((e) => e.reason === 'OverrideExpired').map((e) => e.message)).toEqual([
        'override On by alice ended at 2029-12-31T23:00:00Z; the schedule decides again',
      ]);
      expect(h.api.stored!.metadata.annotations).toEqual({});
      expect(h.api.stored!.status!.schedule).toMatchObject({ desired: 'Off', source: 'Window' });
    });

    test('an override whose end starts a shutdown is reported once, though later passes read it again', async () => {
      // The end of the override turns the ACD Off: the pass that removes it issues the first stage's
      // commands, and the next pass reads the object of its own status write, which still carries the
      // annotation (and so would the informer cache, until the removal's watch event arrives).
      const world = World.of(SMALL, 'On');
      const obj = scheduled();
      const expired = JSON.stringify({ powerState: 'On', until: '2029-12-31T23:00:00Z' });
      obj.metadata.annotations = { [OVERRIDE_ANNOTATION]: expired };
      const h = harness(obj, world);
      await h.reconcile();
      await h.reconcile();
      expect(world.log.map((a) => a.cmd.action)).toContain('Stop');
      expect(h.events.filter((e) => e.reason === 'OverrideExpired')).toHaveLength(1);
      expect(h.trace.filter((t) => t.startsWith('PATCH'))).toEqual([
        `PATCH remove annotation ${OVERRIDE_ANNOTATION}: removed`,
      ]);
    });

    test('a live override beats the schedule, and is left in place', async () => {
      const world = World.of(SMALL, 'Off');
      const obj = scheduled();
      const live = JSON.stringify({ powerState: 'On', until: '2030-01-01T03:00:00Z', reason: 'campaign' });
      obj.metadata.annotations = { [OVERRIDE_ANNOTATION]: live };
      const h = harness(obj, world);
      await h.reconcile();
      expect(world.log.map((a) => a.cmd.action)).toContain('Start');
      expect(h.api.stored!.status!.schedule).toMatchObject({
        desired: 'On',
        source: 'Override',
        reason: 'override until 2030-01-01T03:00:00.000Z: campaign',
        nextTransition: { at: '2030-01-01T03:00:00.000Z', powerState: 'Off' },
      });
      expect(h.trace.some((t) => t.startsWith('PATCH'))).toBe(false);
    });

    test('an override set again between the read and the removal survives it', async () => {
      const world = World.of(SMALL, 'Off');
      const obj = scheduled();
      obj.metadata.annotations = {
        [OVERRIDE_ANNOTATION]: JSON.stringify({ powerState: 'On', until: '2029-12-31T23:00:00Z' }),
      };
      const h = harness(obj, world);
      const newer = JSON.stringify({ powerState: 'On', until: '2030-01-01T05:00:00Z', by: 'bob' });
      const remove = h.api.removeAnnotation.bind(h.api);
      h.api.removeAnnotation = async (o, key, value) => {
        h.api.annotate(OVERRIDE_ANNOTATION, newer); // bob runs acdctl power on --until 05:00 just now
        return remove(o, key, value);
      };
      await h.reconcile();
      expect(h.trace).toContain(`PATCH remove annotation ${OVERRIDE_ANNOTATION}: test failed`);
      expect(h.api.stored!.metadata.annotations).toEqual({ [OVERRIDE_ANNOTATION]: newer });
    });

    test('a holiday from a calendar ConfigMap holds a window Off', async () => {
      const world = World.of(SMALL, 'Off');
      world.advance(7 * 3_600_000); // Tuesday 07:00, inside the window
      const calendars = new ConfigMapCalendars(async (_ns, name) =>
        name === 'holidays' ? { de: '# Germany\n2030-01-01  # New Year\n' } : undefined,
      );
      const h = harness(scheduled({ calendarRefs: [{ name: 'holidays' }] }), world, { calendars });
      const r = await h.reconcile();
      expect(world.log).toEqual([]);
      expect(h.api.stored!.status!.schedule).toMatchObject({
        desired: 'Off',
        source: 'Calendar',
        reason: 'holiday 2030-01-01',
      });
      // No watch on ConfigMaps: an edited calendar is read again within a minute.
      expect(r.requeueAfterMs).toBeLessThanOrEqual(60_000);
    });

    test('a missing calendar ConfigMap touches nothing and says which', async () => {
      const world = World.of(SMALL, 'Off');
      world.advance(7 * 3_600_000);
      const calendars = new ConfigMapCalendars(async () => undefined);
      const h = harness(scheduled({ calendarRefs: [{ name: 'holidays' }] }), world, { calendars });
      await h.reconcile();
      expect(world.log).toEqual([]);
      const conditions = h.api.stored!.status!.conditions ?? [];
      expect(conditions.find((c) => c.type === 'ScheduleValid')).toMatchObject({
        status: 'False',
        reason: 'InvalidSchedule',
      });
      expect(conditions.find((c) => c.type === 'Stalled')?.message).toContain('calendar ConfigMap holidays not found');
    });
  });
});

describe('Reconciler: spec.gates', () => {
  const gate = {
    name: 'no-active-calls',
    check: { prometheus: { address: 'http://prom:9090', query: 'sum(calls)' } },
    successCondition: 'result == 0',
    interval: '10s',
    drain: { ssh: { role: 'tel', command: 'drain' } },
    undrain: { ssh: { role: 'tel', command: 'undrain' } },
  };
  /** Probes that record every call in the harness's trace; checks answer `calls`, actions `ok`. */
  function probes(trace: string[], calls: () => number, ok = true): GateProbes {
    return {
      check: async (_o, _s, _v, g, attempt) => {
        const v = calls();
        trace.push(`check ${g.name} #${attempt}`);
        return { passed: v === 0, noData: false, value: String(v), message: `result ${v}` };
      },
      act: async (_o, _s, _v, action) => {
        trace.push(`act ${action.ssh?.command ?? '?'}`);
        return { ok, message: ok ? 'exit 0' : 'exit 1' };
      },
    };
  }
  function gated(calls: () => number, ok = true) {
    const world = World.of(SMALL, 'On');
    const trace: string[] = [];
    const h = harness(acdCluster({ powerState: 'Off', machines: SMALL, gates: { beforeOff: [gate] } }), world, {
      gates: probes(trace, calls, ok),
    });
    // One trace for the API, the commander and the probes: the order of their calls.
    h.trace.push = (...xs: string[]) => trace.push(...xs);
    return { world, h, trace };
  }

  test('the status with drainedAt is written before the drain runs; the drain runs once', async () => {
    const { world, h, trace } = gated(() => 3);
    await h.reconcile();
    expect(trace).toEqual([`GET ${NS}/${NAME}`, 'PUT status@1: no commands', 'act drain']);
    expect(h.api.stored!.status!.transition!.gates![0]!.drainedAt).toBe(world.now.toISOString());
    for (let i = 0; i < 3; i++) {
      world.advance(10_000);
      await h.reconcile();
    }
    expect(trace.filter((t) => t.startsWith('act'))).toEqual(['act drain']);
    expect(trace.filter((t) => t.startsWith('check'))).toHaveLength(3);
    expect(trace.filter((t) => t.startsWith('Stop'))).toEqual([]);
  });

  test('a failed status write means no drain; the next reconcile writes, then drains once', async () => {
    const { h, trace } = gated(() => 3);
    h.api.conflictOnNextWrite();
    await expect(h.reconcile()).rejects.toThrow(/conflict/);
    expect(trace.filter((t) => t.startsWith('act'))).toEqual([]);
    await h.reconcile();
    const put = trace.findIndex((t) => t.startsWith('PUT status') && !t.endsWith('409'));
    expect(trace.indexOf('act drain')).toBeGreaterThan(put);
    expect(trace.filter((t) => t.startsWith('act'))).toEqual(['act drain']);
  });

  test('a failed drain is a GateActionFailed Warning and is not retried', async () => {
    const { world, h, trace } = gated(() => 3, false);
    await h.reconcile();
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'GateActionFailed' }));
    world.advance(10_000);
    await h.reconcile();
    expect(trace.filter((t) => t.startsWith('act'))).toEqual(['act drain']);
  });

  test('one check per attempt key; a passing check lets the first stage go', async () => {
    let n = 0;
    const { world, h, trace } = gated(() => (n++ < 1 ? 2 : 0));
    await h.reconcile();
    world.advance(10_000);
    await h.reconcile();
    world.advance(10_000);
    await h.reconcile();
    const checks = trace.filter((t) => t.startsWith('check'));
    expect(checks).toHaveLength(2);
    expect(new Set(checks).size).toBe(2);
    expect(trace.filter((t) => t.startsWith('Stop')).length).toBeGreaterThan(0);
  });

  test('without probes a gate check fails and nothing is stopped', async () => {
    const world = World.of(SMALL, 'On');
    const h = harness(acdCluster({ powerState: 'Off', machines: SMALL, gates: { beforeOff: [gate] } }), world);
    for (let i = 0; i < 3; i++) {
      await h.reconcile();
      world.advance(10_000);
    }
    expect(h.trace.filter((t) => t.startsWith('Stop'))).toEqual([]);
    expect(h.api.stored!.status!.transition!.gates![0]!.message).toBe('gate probes not configured');
  });

  test('a garbled skip-gates annotation is reported and removed once, though a later pass reads it again', async () => {
    // The informer cache has not seen the removal yet, and shows the object as of before this
    // process's status write, so the next pass reads that write back, annotation included. Its own
    // write is then based on a version the removal replaced: a 409 before any event is recorded, and
    // the pass after it reads the object afresh.
    const world = World.of(SMALL, 'On');
    const trace: string[] = [];
    const obj = acdCluster({ powerState: 'Off', machines: SMALL, gates: { beforeOff: [gate] } });
    obj.metadata.annotations = { [SKIP_GATES_ANNOTATION]: 'not json' };
    obj.metadata.resourceVersion = '1';
    const cache = structuredClone(obj);
    const h = harness(obj, world, { gates: probes(trace, () => 3), getCluster: () => cache });
    await h.reconcile();
    world.advance(10_000);
    await expect(h.reconcile()).rejects.toThrow(/conflict/);
    await h.reconcile();
    expect(h.events.filter((e) => e.reason === 'GateSkipInvalid')).toHaveLength(1);
    expect(h.trace.filter((t) => t.startsWith('PATCH'))).toEqual([
      `PATCH remove annotation ${SKIP_GATES_ANNOTATION}: removed`,
    ]);
  });
});
