// A tiny, pure world for unit-testing the pure policy: VMs as VmViews that move towards what they
// were last told, on a clock the test advances. It is a harness for decide(), not a model of
// KubeVirt (the e2e suite runs the real API server and the KubeVirt stand-in for that).
import { isDeepStrictEqual } from 'node:util';
import { SpecSchema, type AcdClusterSpec } from '../../../src/api/spec.js';
import { deepFreeze } from '../../../src/kube/informer.js';
import type { AcdClusterStatus } from '../../../src/api/status.js';
import type { VmView } from '../../../src/decision/vm-state.js';
import { planTransition, type HealthCheckName, type Machine, type Stage } from '../../../src/plan/index.js';
import { SEED_ACTIVE, SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { decide } from '../../../src/decision/decide.js';
import type {
  CheckOutcome,
  Decision,
  GateActionRequest,
  GateResult,
  PlannedCommand,
} from '../../../src/decision/types.js';
import { readSkipGates } from '../../../src/api/skip-gates.js';
import { MOVED_TO_MANUAL_ANNOTATION, SKIP_GATES_ANNOTATION } from '../../../src/api/names.js';

export interface VmBehaviour {
  /** ms from Start to Running+Ready; Infinity = hangs in Starting. */
  bootMs?: number;
  /** ms from a graceful Stop to Stopped; Infinity = ignores ACPI. */
  shutdownMs?: number;
  /**
   * Every boot fails: the VM ends in CrashLoopBackOff, or, on Manual (which KubeVirt never retries),
   * Stopped with its Failed instance kept.
   */
  crashes?: boolean;
  /** ms from Running+Ready to the guest agent's connection (VMI AgentConnected); Infinity = none. Default 0. */
  agentMs?: number;
  runStrategy?: 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure';
  /** Written with the legacy spec.running instead of spec.runStrategy. */
  legacy?: boolean;
  annotations?: Record<string, string>;
}

interface SimVm {
  view: VmView;
  b: Required<Pick<VmBehaviour, 'bootMs' | 'shutdownMs' | 'crashes' | 'agentMs'>>;
  /** When the VM last became Running+Ready, while its guest agent is still to connect. */
  agentDueFrom?: number;
  heading?: { to: 'On' | 'Off'; at: number; force: boolean };
  /** The VMI failed and stays (KubeVirt keeps a Manual VM's final VMI): created, yet Stopped. */
  vmiFinal?: boolean;
}

/** One command as the world saw it, with the state of every VM at that instant. */
export interface Applied {
  at: number;
  cmd: { vm: string; action: PlannedCommand['action']; via: PlannedCommand['via'] };
  before: Map<string, VmView>;
}

const clone = <T>(x: T): T => structuredClone(x);
const withDefaults = (b: VmBehaviour): SimVm['b'] => ({
  bootMs: b.bootMs ?? 3_000,
  shutdownMs: b.shutdownMs ?? 3_000,
  crashes: b.crashes ?? false,
  agentMs: b.agentMs ?? 0,
});

export class World {
  private readonly vms = new Map<string, SimVm>();
  readonly log: Applied[] = [];
  /** Commands KubeVirt answered with 409. */
  readonly refused: Applied[] = [];
  private t: number;

  constructor(start = Date.parse('2030-01-01T00:00:00Z')) {
    this.t = start;
  }

  get now(): Date {
    return new Date(this.t);
  }

  addVm(name: string, power: 'On' | 'Off', b: VmBehaviour = {}): this {
    const strategy = b.runStrategy ?? (power === 'On' ? 'Always' : 'Halted');
    const view: VmView = {
      name,
      resourceVersion: '',
      runStrategy: strategy,
      legacyRunning: b.legacy ?? false,
      printableStatus: power === 'On' ? 'Running' : 'Stopped',
      ready: power === 'On',
      created: power === 'On',
      pendingActions: [],
      annotations: { ...(b.annotations ?? {}) },
      ...(power === 'On' ? { instanceCreatedAt: new Date(this.t).toISOString(), instancePhase: 'Running' } : {}),
      agentConnected: false,
    };
    const sim: SimVm = { view, b: withDefaults(b) };
    // A VM that is On already is as far as a started one that just became Ready.
    if (power === 'On') sim.agentDueFrom = this.t;
    this.connectAgent(sim);
    this.vms.set(name, sim);
    return this;
  }

  static of(machines: readonly Machine[], power: 'On' | 'Off', per: Record<string, VmBehaviour> = {}): World {
    const w = new World();
    for (const m of machines) w.addVm(m.vm, power, per[m.vm]);
    return w;
  }

  remove(name: string): void {
    this.vms.delete(name);
  }

  vm(name: string): VmView {
    const v = this.vms.get(name);
    if (!v) throw new Error(`no VM ${name} in the world`);
    return clone(v.view);
  }

  setAnnotations(name: string, annotations: Record<string, string>): void {
    const v = this.vms.get(name);
    if (v) v.view.annotations = { ...annotations };
  }

  /**
   * Someone sets the VM's runStrategy back to Always before KubeVirt took up our stop (Argo CD's
   * self-heal, say): the guest never began to shut down, and runs on.
   */
  revertToAlways(name: string): void {
    const sim = this.vms.get(name);
    if (!sim) throw new Error(`no VM ${name} in the world`);
    sim.view.runStrategy = 'Always';
    if (sim.heading?.to !== 'Off' || !sim.view.created) return;
    Object.assign(sim.view, { printableStatus: 'Running', ready: true });
    sim.heading = undefined;
  }

  /** The guest agent goes away (a guest rebooting by itself): virt-handler removes AgentConnected. */
  agentLost(name: string): void {
    const v = this.vms.get(name);
    if (v) v.view.agentConnected = false;
  }

  /** What the reconciler would read from its informer cache: copies, so decide() cannot alias the world. */
  snapshot(): Map<string, VmView> {
    return new Map([...this.vms].map(([k, v]) => [k, clone(v.view)]));
  }

  /**
   * Applies one command the way the commander would express it (spec field or subresource), and
   * answers as KubeVirt does: false for a 409, as a subresource start of a VM whose VMI still exists
   * ("VM is already running") or a stop of one that has none ("VM is not running"). A refused
   * command changes nothing and is kept in `refused`, not in `log`.
   */
  apply(cmd: PlannedCommand): boolean {
    const sim = this.vms.get(cmd.vm.name);
    if (!sim) throw new Error(`command for a VM that does not exist: ${cmd.vm.name}`);
    const v = sim.view;
    const entry = { at: this.t, cmd: { vm: cmd.vm.name, action: cmd.action, via: cmd.via }, before: this.snapshot() };
    const vmiAlive = v.created && !sim.vmiFinal;
    if ((cmd.via === 'subresource' || cmd.action === 'ForceStop') && (cmd.action === 'Start') === vmiAlive) {
      this.refused.push(entry);
      return false;
    }
    this.log.push(entry);
    // As the commander writes them: Manual with our mark; a declared strategy drops the mark.
    if (cmd.toManual) {
      Object.assign(v, { runStrategy: 'Manual', legacyRunning: false });
      v.annotations = { ...v.annotations, [MOVED_TO_MANUAL_ANNOTATION]: 'true' };
    }
    const on = cmd.action === 'Start';
    if (cmd.via === 'runStrategy' && cmd.action !== 'ForceStop') {
      // Same field the commander patches: spec.running for legacy VMs, spec.runStrategy otherwise.
      v.runStrategy = on ? 'Always' : 'Halted';
      const { [MOVED_TO_MANUAL_ANNOTATION]: _mark, ...rest } = v.annotations;
      v.annotations = rest;
    }
    sim.vmiFinal = false;
    // Any command ends the guest the agent talked to, or is about to (a start reversing a stop keeps it).
    if (!(on && vmiAlive)) {
      v.agentConnected = false;
      sim.agentDueFrom = undefined;
    }
    if (on) {
      // A new instance, unless the one there is still alive (a start reversing a stop).
      if (!vmiAlive) Object.assign(v, { instanceCreatedAt: new Date(this.t).toISOString(), instancePhase: 'Pending' });
      v.printableStatus = 'Starting';
      v.created = true;
      v.ready = false;
    } else if (cmd.action === 'ForceStop') {
      v.printableStatus = 'Stopped';
      v.created = false;
      v.ready = false;
      delete v.instanceCreatedAt;
      delete v.instancePhase;
    } else if (v.created) {
      v.printableStatus = 'Stopping';
      v.ready = false;
    }
    sim.heading = cmd.action === 'ForceStop' ? undefined : { to: on ? 'On' : 'Off', at: this.t, force: false };
    return true;
  }

  /**
   * Every VMI fails at once, as after a host power loss. KubeVirt keeps a Manual VM's Failed VMI
   * (created, Stopped) and boots runStrategy Always VMs again by itself, all at once, in no order.
   */
  powerLoss(): void {
    for (const sim of this.vms.values()) {
      const v = sim.view;
      if (!v.created || sim.vmiFinal) continue;
      Object.assign(v, { printableStatus: 'Stopped', ready: false, agentConnected: false, instancePhase: 'Failed' });
      sim.heading = undefined;
      sim.agentDueFrom = undefined;
      sim.vmiFinal = true;
      if (v.runStrategy === 'Always') {
        const instanceCreatedAt = new Date(this.t).toISOString();
        Object.assign(v, { printableStatus: 'Starting', instanceCreatedAt, instancePhase: 'Pending' });
        sim.vmiFinal = false;
        sim.heading = { to: 'On', at: this.t, force: false };
      }
    }
  }

  /** One VM's instance fails (a guest crash): KubeVirt keeps a Manual VM's Failed VMI, and it reads Stopped. */
  crash(name: string): void {
    const sim = this.vms.get(name);
    if (!sim) throw new Error(`no VM ${name} in the world`);
    Object.assign(sim.view, { printableStatus: 'Stopped', ready: false, instancePhase: 'Failed' });
    sim.heading = undefined;
    sim.vmiFinal = true;
  }

  /** Moves the clock and lets every VM progress towards where it was last sent. */
  advance(ms: number): void {
    this.t += ms;
    this.progress();
    for (const sim of this.vms.values()) this.connectAgent(sim);
  }

  /** The guest agent of a Running+Ready VM connects once its agentMs have passed. */
  private connectAgent(sim: SimVm): void {
    if (sim.agentDueFrom === undefined || this.t - sim.agentDueFrom < sim.b.agentMs) return;
    sim.view.agentConnected = true;
    sim.agentDueFrom = undefined;
  }

  private progress(): void {
    for (const sim of this.vms.values()) {
      const h = sim.heading;
      if (!h) continue;
      const v = sim.view;
      if (h.to === 'On' && this.t - h.at >= sim.b.bootMs) {
        if (sim.b.crashes && v.runStrategy === 'Manual') {
          Object.assign(v, { printableStatus: 'Stopped', ready: false, created: true, instancePhase: 'Failed' });
          sim.vmiFinal = true;
        } else if (sim.b.crashes) {
          Object.assign(v, {
            printableStatus: 'CrashLoopBackOff',
            ready: false,
            created: true,
            instancePhase: 'Failed',
          });
        } else {
          Object.assign(v, { printableStatus: 'Running', ready: true, created: true, instancePhase: 'Running' });
          // The agent connects agentMs after Ready, counted from when the boot was due.
          sim.agentDueFrom = h.at + sim.b.bootMs;
        }
        sim.heading = undefined;
      } else if (h.to === 'Off' && this.t - h.at >= sim.b.shutdownMs) {
        Object.assign(v, { printableStatus: 'Stopped', ready: false, created: false });
        delete v.instanceCreatedAt;
        delete v.instancePhase;
        sim.heading = undefined;
      }
    }
  }
}

/** A VM object as KubeVirt would serve it (what the reconciler's getVm returns), from the world's view of it. */
export const vmObject = (ns: string, v: VmView) => ({
  metadata: { name: v.name, namespace: ns, resourceVersion: v.resourceVersion, annotations: v.annotations },
  spec: { runStrategy: v.runStrategy },
  status: {
    printableStatus: v.printableStatus,
    ready: v.ready,
    created: v.created,
    stateChangeRequests: v.pendingActions.map((action) => ({ action })),
  },
});

export function specOf(
  machines: readonly Machine[],
  powerState: 'On' | 'Off' | 'Scheduled',
  extra: Record<string, unknown> = {},
): AcdClusterSpec {
  return SpecSchema.parse({ powerState, machines: clone(machines), ...extra });
}

export type HealthFn = (checks: HealthCheckName[], now: Date) => Partial<Record<HealthCheckName, CheckOutcome>>;
export const allHealthy: HealthFn = (checks) =>
  Object.fromEntries(checks.map((c) => [c, { healthy: true, message: 'ok' }]));

/** One attempt of a gate's check, by gate name, at the world's time. */
export type GateFn = (gate: string, now: Date) => GateResult;
export const allPass: GateFn = () => ({ passed: true, noData: false, value: '0', message: 'ok' });

/** One step of the loop the reconciler runs: decide, run asked-for checks, decide again, act, record. */
export interface Step {
  decision: Decision;
  first: Decision;
  at: number;
}

export class Driver {
  status: AcdClusterStatus = {};
  generation = 1;
  readonly steps: Step[] = [];
  health: HealthFn = allHealthy;
  /** Who last wrote spec.powerState, as the reconciler reads it from managedFields. */
  powerStateBy: string | undefined;
  /** The restartedAt annotation (`acdctl restart`). */
  restartAnnotation: string | undefined;
  gates: GateFn = allPass;
  /** Gate checks run, in order: [gate, at]. */
  readonly gateChecks: Array<{ gate: string; at: number }> = [];
  /** Drain/undrain actions run, in order, each after its pass's status was recorded. */
  readonly gateActions: Array<GateActionRequest & { at: number }> = [];
  /** The skip-gates annotation; removed (and counted) when a decision asks for it. */
  skipAnnotation: string | undefined;
  skipRemovals = 0;

  constructor(
    readonly world: World,
    public spec: AcdClusterSpec,
  ) {}

  setSpec(spec: AcdClusterSpec): void {
    this.spec = spec;
    this.generation++;
  }

  /**
   * One pass, as the reconciler makes it. What decide() reads is deep-frozen, as the operator's
   * informer cache is in the test suites: decide() must copy what it changes. And a pass that
   * issued a command must differ from what it read, or the reconciler would skip its status write.
   */
  reconcile(): Decision {
    const prev = deepFreeze(clone(this.status));
    const base = this.observed(prev);
    const first = decide(base);
    const decision = first.runChecks || first.runGates ? decide({ ...base, ...this.asked(first) }) : first;
    let issued = 0;
    for (const cmd of decision.commands) {
      // As the reconciler does: a refused command (409) is not recorded, and is decided again later.
      if (!this.world.apply(cmd)) continue;
      decision.status.transition?.commands.push({
        vm: cmd.vm.name,
        action: cmd.action,
        via: cmd.via,
        at: this.world.now.toISOString(),
      });
      issued++;
    }
    if (issued && isDeepStrictEqual(prev, decision.status))
      throw new Error('a pass that issued commands equals the status it read: its write would be skipped');
    this.status = clone(decision.status);
    this.steps.push({ decision, first, at: this.world.now.getTime() });
    // As the reconciler does: actions only after the status that records them is written.
    for (const a of decision.gateActions ?? []) this.gateActions.push({ ...a, at: this.world.now.getTime() });
    if (decision.removeSkipGates !== undefined && decision.removeSkipGates === this.skipAnnotation) {
      this.skipAnnotation = undefined;
      this.skipRemovals++;
    }
    return decision;
  }

  /** What the reconciler would observe, from the status it read. */
  private observed(prev: AcdClusterStatus) {
    return {
      generation: this.generation,
      spec: this.spec,
      status: prev,
      vms: deepFreeze(this.world.snapshot()),
      now: this.world.now,
      ...(this.powerStateBy ? { powerStateBy: this.powerStateBy } : {}),
      ...(this.restartAnnotation ? { restartAnnotation: this.restartAnnotation } : {}),
      skipGates: readSkipGates(this.skipAnnotation ? { [SKIP_GATES_ANNOTATION]: this.skipAnnotation } : {}),
    };
  }

  /** The health checks and gate checks the first decision asked for, run. */
  private asked(first: Decision) {
    const now = this.world.now;
    const gateResults = Object.fromEntries(
      (first.runGates ?? []).map((g) => {
        this.gateChecks.push({ gate: g, at: now.getTime() });
        return [g, this.gates(g, now)];
      }),
    );
    return {
      ...(first.runChecks ? { health: this.health(first.runChecks, now) } : {}),
      ...(first.runGates ? { gateResults } : {}),
    };
  }

  /** Reconciles every `tickMs` until `until` holds or `max` steps ran; returns the number of steps. */
  runUntil(until: (d: Decision) => boolean, tickMs = 1_000, max = 2_000): number {
    for (let i = 1; i <= max; i++) {
      const d = this.reconcile();
      if (until(d)) return i;
      this.world.advance(tickMs);
    }
    throw new Error(`condition not reached in ${max} steps; last status: ${JSON.stringify(this.status.conditions)}`);
  }
}

export const finished = (d: Decision) => d.status.transition?.finishedAt !== undefined;
export const cond = (d: Decision | AcdClusterStatus, type: string) =>
  ('status' in d && 'commands' in d ? d.status : d).conditions?.find((c) => c.type === type);

/** The seed's Large V3 sides (database, load balancer and storage 2 active), as a spec fragment. */
export const SPEC_ACTIVE = { active: { database: 2, loadBalancer: 2, storage: 2 } };
export const stagesOf = (
  dir: 'On' | 'Off',
  machines: Machine[] = SEED_LAYOUTS.LargeV3,
  active = SEED_ACTIVE,
): Stage[] => planTransition(machines, active, dir).stages;
export const stageOfVm = (stages: Stage[]) => new Map(stages.flatMap((s) => s.vms.map((v) => [v, s.index] as const)));
