// One reconcile of one AcdCluster, numbered like the kubebuilder tutorial:
//  1. read the object from the cache, overlaid with our own last status write (ClusterReader);
//  2. validate the spec, and touch nothing if it is invalid;
//  3. observe its VMs from the informer cache;
//  4. decide (pure), running any health checks the decision asks for;
//  5. act: issue at most one stage's commands, recording each in the transition;
//  6. write the status rebuilt from the world, and queue the events.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { inspect, isDeepStrictEqual } from 'node:util';
import type { AcdCluster } from '../api/types.js';
import { sanitizeStatus, type AcdClusterStatus, type Command, type StageStatus } from '../api/status.js';
import { validateSpec } from '../api/validate.js';
import type { AcdClusterSpec } from '../api/spec.js';
import type { VmCommander } from '../kubevirt/commands.js';
import { parseVm } from '../kubevirt/vm.js';
import { ApiError } from '../kube/raw.js';
import { lastWriterOf, POWER_STATE_PATH } from '../kube/managed-fields.js';
import type { Logger } from '../log.js';
import { decide, shutdownAboutToBegin } from '../decision/decide.js';
import { readOverride } from '../api/override.js';
import { OVERRIDE_ANNOTATION, RESTART_ANNOTATION, SKIP_GATES_ANNOTATION } from '../api/names.js';
import { readSkipGates } from '../api/skip-gates.js';
import type { GateProbes } from '../gates/types.js';
import { endedGates, runGateActions, runGateChecks, type GateRunContext } from './gate-runs.js';
import { refusedStatus } from '../decision/report.js';
import type { Decision, HealthRunner, Observed, VmView } from '../decision/types.js';
import { ClusterReader } from './cluster-reader.js';
import { KubeAcdClusterApi, type AcdClusterApi } from './cluster-api.js';
import { OwnCommands } from './own-commands.js';
import { StatusPacer } from './status-pacer.js';
import type { EventRecorder } from './events.js';
import type { CalendarRead, CalendarSource } from './calendars.js';

export interface ReconcilerDeps {
  kc: KubeConfig;
  /** The AcdCluster GET and status writes; client-node's from `kc` unless given. */
  api?: AcdClusterApi;
  commander: VmCommander;
  events: EventRecorder;
  getVm: (namespace: string, name: string) => unknown;
  /** The informer's copy of a VirtualMachineInstance (its creation time, for restarts). */
  getVmi?: (namespace: string, name: string) => unknown;
  /** The informer's copy of an AcdCluster; without it every reconcile GETs the object. */
  getCluster?: (namespace: string, name: string) => unknown;
  /** Other AcdClusters in the namespace that list one of these VMs and were there first. */
  claimedElsewhere?: (obj: AcdCluster, vms: string[]) => Array<{ vm: string; cluster: string }>;
  log: Logger;
  clock?: () => Date;
  health?: HealthRunner;
  onCommand?: (cluster: string, vm: string, action: string) => void;
  onTransitionEvent?: (cluster: string, reason: string) => void;
  /** Once per StageCompleted event, with the finished stage (startedAt..finishedAt), for metrics. */
  onStageCompleted?: (cluster: string, direction: 'On' | 'Off', stage: StageStatus) => void;
  onHealthCheck?: (cluster: string, check: string, healthy: boolean) => void;
  /** Scheduled slots that began and ended unseen (the operator was down), for the metric. */
  onSlotsMissed?: (cluster: string, slots: number) => void;
  /** The holiday calendars of spec.schedule.calendarRefs; without it, naming one is a problem. */
  calendars?: CalendarSource;
  /** Runs spec.gates' checks and actions; without it a gate check fails ('gate probes not configured'). */
  gates?: GateProbes;
  /** Once per gate that ended (Passed, Skipped, TimedOut), with how long it waited, for metrics. */
  onGateEnded?: (cluster: string, gate: string, outcome: string, seconds: number) => void;
}

function restartAnnotation(obj: AcdCluster): { restartAnnotation?: string } {
  const at = obj.metadata.annotations?.[RESTART_ANNOTATION];
  return at ? { restartAnnotation: at } : {};
}

function powerStateWriter(obj: AcdCluster): { powerStateBy?: string } {
  const by = lastWriterOf(obj.metadata.managedFields, POWER_STATE_PATH);
  return by ? { powerStateBy: by } : {};
}

/** What every pass of one reconcile shares: the validated spec, the log, the calendars read once. */
interface PassInputs {
  spec: AcdClusterSpec;
  log: Logger;
  calendars: CalendarRead | undefined;
}

/** An edited calendar ConfigMap (no watch on ConfigMaps) is seen within this long. */
const CALENDAR_RECHECK_MS = 60_000;

/** A command KubeVirt refused for now (409) is decided again this soon, if no watch event comes first. */
const REFUSED_RETRY_MS = 1_000;

/** Passes one reconcile may chain (Initiated stages); then the work queue takes over. */
const MAX_PASSES = 4;

export class Reconciler {
  private readonly clock: () => Date;
  private readonly own = new OwnCommands();
  /** Override annotations this process removed, per ACD, until the cache stops showing them. */
  private readonly removedOverrides = new Map<string, string>();
  private readonly pacer = new StatusPacer();
  private readonly clusters: ClusterReader;
  private readonly api: AcdClusterApi;
  constructor(private readonly d: ReconcilerDeps) {
    this.api = d.api ?? new KubeAcdClusterApi(d.kc);
    this.clusters = new ClusterReader(this.api, d.getCluster);
    this.clock = d.clock ?? (() => new Date());
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const [namespace, name] = key.split('/') as [string, string];
    // 1. Read.
    const obj = await this.clusters.read(namespace, name);
    if (!obj || obj.metadata.deletionTimestamp) {
      this.pacer.forget(key);
      this.removedOverrides.delete(key);
      return {};
    }
    try {
      return await this.reconcileObject(key, obj);
    } catch (e) {
      if (e instanceof ApiException && e.code === 409) this.clusters.conflicted(namespace, name);
      throw e;
    }
  }

  private async reconcileObject(key: string, obj: AcdCluster): Promise<{ requeueAfterMs?: number }> {
    const log = this.d.log.child({ cluster: key });
    // What decisions are based on; what is stored (garbage included) is only compared against.
    const prev = sanitizeStatus(obj.status);

    // 2. Validate.
    const valid = validateSpec(obj.spec);
    if (!valid.ok) return this.refuse(obj, prev, 'InvalidSpec', valid.errors, log);
    // Two clusters driving one VM would fight; the one that claimed it first keeps it.
    const clash =
      this.d.claimedElsewhere?.(
        obj,
        valid.spec.machines.map((m) => m.vm),
      ) ?? [];
    if (clash.length) {
      return this.refuse(
        obj,
        prev,
        'VMClaimedByAnotherCluster',
        clash.map((c) => `VirtualMachine ${c.vm} already belongs to AcdCluster ${c.cluster}`),
        log,
      );
    }

    // 3–6, repeated while a pass issued commands: an Initiated stage lets the next stage begin as
    // soon as its commands are out, so the next pass follows at once instead of waiting for the
    // watch to bring the VMs' new spec back. Still one stage's commands per pass.
    const calendars = await this.readCalendars(obj.metadata.namespace, valid.spec);
    let current = obj;
    let status = prev;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const r = await this.pass(key, current, status, { spec: valid.spec, log, calendars });
      if (r.failure) throw r.failure;
      if (!r.issued || !r.written) {
        if (!calendars) return { requeueAfterMs: r.requeueAfterMs };
        return { requeueAfterMs: Math.min(r.requeueAfterMs ?? CALENDAR_RECHECK_MS, CALENDAR_RECHECK_MS) };
      }
      current = r.written;
      status = r.status;
    }
    return { requeueAfterMs: 0 };
  }

  /** The holiday calendars, when the schedule in force names any; read once per reconcile. */
  private async readCalendars(namespace: string, spec: AcdClusterSpec): Promise<CalendarRead | undefined> {
    const refs = spec.powerState === 'Scheduled' ? (spec.schedule?.calendarRefs ?? []) : [];
    if (!refs.length) return undefined;
    if (!this.d.calendars) return { holidays: new Set(), problems: ['no calendar reader is configured'] };
    return this.d.calendars.read(namespace, refs);
  }

  private async pass(key: string, obj: AcdCluster, prev: AcdClusterStatus, inputs: PassInputs) {
    const { spec, log, calendars } = inputs;
    const namespace = obj.metadata.namespace;
    // 3. Observe.
    const vms = new Map<string, VmView>();
    for (const m of spec.machines) {
      const vm = parseVm(this.d.getVm(namespace, m.vm), this.d.getVmi?.(namespace, m.vm));
      if (vm) vms.set(m.vm, this.own.overlay(namespace, vm));
    }
    const observed: Observed = {
      generation: obj.metadata.generation ?? 0,
      spec,
      status: prev,
      vms,
      now: this.clock(),
      override: this.overrideOf(key, obj),
      ...powerStateWriter(obj),
      ...restartAnnotation(obj),
      skipGates: readSkipGates(obj.metadata.annotations),
      ...(calendars ? { holidays: calendars.holidays, calendarProblems: calendars.problems } : {}),
    };
    // Live detection only before a shutdown begins; once it runs, the sides it began with hold.
    if (this.d.health && shutdownAboutToBegin(observed))
      observed.detected = await this.d.health.detectActive(obj, spec, vms);

    // 4. Decide; a health gate or a spec.gates gate is one more pure decision after its checks ran.
    let decision = decide(observed);
    const gateRun: GateRunContext = { probes: this.d.gates, obj, spec, vms, transition: decision.status.transition };
    if (decision.runChecks || decision.runGates) {
      if (decision.runChecks) await this.runHealth(key, observed, decision, obj);
      if (decision.runGates) observed.gateResults = await runGateChecks(gateRun, decision.runGates);
      decision = decide(observed);
    }

    // 5. Act.
    const status = decision.status;
    // What the decision to command was based on, for anyone tracing an order question in the log.
    if (decision.commands.length && log.isLevelEnabled('debug')) {
      log.debug({ vms: [...vms.values()].map(describeVm) }, 'observed before commanding');
    }
    let failure: Error | undefined;
    let issued = 0;
    let refused = 0;
    const issuedCommands: Command[] = [];
    // A stage's commands go out together ("in no particular order"); their results are recorded in
    // the plan's order, so the status reads the same whatever finished first.
    const results = await Promise.allSettled(decision.commands.map((cmd) => this.d.commander.command(namespace, cmd)));
    decision.commands.forEach((cmd, i) => {
      const r = results[i]!;
      const clog = log.child({ vm: cmd.vm.name, action: cmd.action, via: cmd.via, stage: status.stage });
      if (r.status === 'rejected' && r.reason instanceof ApiError && r.reason.code === 409) {
        // A 409 is KubeVirt saying "not now" (a start while the old VMI is still shutting down), not
        // "done" (docs/adr/0005). Nothing is recorded or remembered; the command is decided again
        // once the VM settles.
        clog.info({ err: r.reason.message }, 'command refused for now (409); retried when the VM settles');
        refused++;
        return;
      }
      if (r.status === 'rejected') {
        // Failed: not recorded, and retried on the next pass.
        clog.error({ err: String(r.reason) }, 'command failed');
        decision.events.push({
          type: 'Warning',
          reason: 'CommandFailed',
          message: `${cmd.action} ${cmd.vm.name}: ${String(r.reason)}`,
        });
        failure ??= r.reason instanceof Error ? r.reason : new Error(inspect(r.reason));
        return;
      }
      clog.info('commanded');
      issued++;
      // Versions of the VM that predate KubeVirt's reaction to this command.
      const versions = new Set([cmd.vm.resourceVersion, r.value ?? ''].filter(Boolean));
      this.own.remember(namespace, cmd.vm.name, cmd, versions);
      const record: Command = { vm: cmd.vm.name, action: cmd.action, via: cmd.via, at: this.clock().toISOString() };
      status.transition?.commands.push(record);
      issuedCommands.push(record);
      this.d.onCommand?.(key, cmd.vm.name, cmd.action);
    });

    // 6. Report: at once if anything a client acts on changed, else once the pacing gap is over
    // (the next pass rebuilds the same lines from the world, so nothing is lost by waiting).
    // A drain or undrain recorded in this status runs only after its write: never held back.
    const hold =
      issued || decision.events.length || decision.gateActions?.length ? 0 : this.pacer.holdMs(key, prev, status);
    if (hold)
      return {
        status: prev,
        written: undefined,
        issued,
        failure,
        requeueAfterMs: Math.min(hold, decision.requeueAfterMs ?? hold),
      };
    let recovered: AcdClusterStatus | undefined;
    const written = await this.writeStatus(obj, obj.status ?? {}, status).catch(async (e: unknown) => {
      if (!(issued && e instanceof ApiException && e.code === 409)) throw e;
      const w = await this.recordAfterConflict(obj, status, issuedCommands);
      recovered = w?.status;
      return w;
    });
    if (written) this.pacer.wrote(key);
    for (const st of newlyAwaitedStages(prev, status)) this.d.onStageCompleted?.(key, status.transition!.direction, st);
    // Metrics and logs before the status is visible would be ideal; right after it is the next best:
    // whoever sees the new status (kubectl wait) and then scrapes /metrics finds the matching counts.
    for (const e of decision.events) {
      log.info({ reason: e.reason, stage: status.stage }, e.message);
      this.d.onTransitionEvent?.(key, e.reason);
      this.d.events.record(obj, e);
    }
    if (decision.missedSlots) this.d.onSlotsMissed?.(key, decision.missedSlots);
    for (const g of endedGates(prev.transition, status.transition))
      this.d.onGateEnded?.(key, g.gate, g.outcome, g.seconds);
    // Only after the status that records them (drainedAt, undrains[].at) is stored: a crash before
    // this line loses an action, never repeats one. After a conflict the stored status may not be
    // ours: then nothing runs, and the next pass decides again.
    if (decision.gateActions?.length && !recovered) await this.runActions(gateRun, decision, log);
    if (decision.removeSkipGates !== undefined)
      await this.api.removeAnnotation(obj, SKIP_GATES_ANNOTATION, decision.removeSkipGates);
    // After the event: a crash in between repeats the event at worst, and never loses the removal.
    if (decision.removeOverride !== undefined) {
      if (await this.api.removeAnnotation(obj, OVERRIDE_ANNOTATION, decision.removeOverride))
        this.removedOverrides.set(key, decision.removeOverride);
    }
    const requeueAfterMs = refused
      ? Math.min(REFUSED_RETRY_MS, decision.requeueAfterMs ?? REFUSED_RETRY_MS)
      : decision.requeueAfterMs;
    return { status: recovered ?? status, written, issued, failure, requeueAfterMs };
  }

  private async runHealth(key: string, observed: Observed, decision: Decision, obj: AcdCluster): Promise<void> {
    const checks = decision.runChecks ?? [];
    observed.health = this.d.health
      ? await this.d.health.run(obj, observed.spec, observed.vms, checks, decision.checkTier)
      : Object.fromEntries(checks.map((c) => [c, { healthy: true, message: 'not configured' }]));
    // Only checks that really ran count; 'not configured' stand-ins would read as passes.
    if (this.d.health)
      for (const [check, r] of Object.entries(observed.health)) if (r) this.d.onHealthCheck?.(key, check, r.healthy);
  }

  private async runActions(c: GateRunContext, decision: Decision, log: Logger): Promise<void> {
    const failures = await runGateActions(c, decision.gateActions ?? []);
    log.info({ actions: decision.gateActions, failed: failures.length }, 'gate actions run');
    for (const e of failures) {
      log.warn({ reason: e.reason }, e.message);
      this.d.onTransitionEvent?.(c.obj.metadata.namespace + '/' + c.obj.metadata.name, e.reason);
      this.d.events.record(c.obj, e);
    }
  }

  /**
   * The override annotation, as read, unless it is one this process removed already: the object the
   * next pass reads (the cache, or our own status write) may predate the removal, and reading the
   * expired override there again would report OverrideExpired twice.
   */
  private overrideOf(key: string, obj: AcdCluster) {
    const raw = obj.metadata.annotations?.[OVERRIDE_ANNOTATION];
    if (raw === undefined) this.removedOverrides.delete(key);
    return raw !== undefined && this.removedOverrides.get(key) === raw ? {} : readOverride(obj.metadata.annotations);
  }

  private async refuse(
    obj: AcdCluster,
    prev: AcdClusterStatus,
    reason: 'InvalidSpec' | 'VMClaimedByAnotherCluster',
    errors: string[],
    log: Logger,
  ): Promise<{ requeueAfterMs?: number }> {
    const status = refusedStatus(prev, obj.metadata.generation ?? 0, reason, errors, this.clock().toISOString());
    if (await this.writeStatus(obj, obj.status ?? {}, status)) {
      log.warn({ reason, errors }, 'refused; nothing is touched');
      this.d.events.record(obj, { type: 'Warning', reason, message: errors.join('; ') });
    }
    return {};
  }

  /**
   * The status write right after this pass's commands conflicted: someone wrote the object in
   * between (a user's edit, a second writer). The commands went out, so their record must not be
   * lost, or a later pass could not tell they were issued. Re-read the object; when it still holds
   * the transition the commands belong to, add them to it; else write this pass's status over it.
   */
  private async recordAfterConflict(
    obj: AcdCluster,
    status: AcdClusterStatus,
    commands: Command[],
  ): Promise<AcdCluster | undefined> {
    const mine = status.transition!;
    for (let attempt = 1; ; attempt++) {
      const fresh = await this.clusters.fetch(obj.metadata.namespace, obj.metadata.name);
      if (!fresh) return undefined;
      const stored = sanitizeStatus(fresh.status);
      const theirs = stored.transition;
      const same = theirs?.startedAt === mine.startedAt && theirs.direction === mine.direction;
      const known = (c: Command) =>
        theirs?.commands.some((x) => x.vm === c.vm && x.action === c.action && x.at === c.at);
      const next = same
        ? { ...stored, transition: { ...theirs, commands: [...theirs.commands, ...commands.filter((c) => !known(c))] } }
        : status;
      try {
        return await this.writeStatus(fresh, fresh.status ?? {}, next);
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 409) || attempt >= 3) throw e;
      }
    }
  }

  /**
   * Replaces the status under optimistic concurrency; a conflict throws and the key is retried.
   * Returns the object as written (with its new resourceVersion), or undefined when unchanged.
   */
  private async writeStatus(
    obj: AcdCluster,
    prev: AcdClusterStatus,
    status: AcdClusterStatus,
  ): Promise<AcdCluster | undefined> {
    if (isDeepStrictEqual(prev, status)) return undefined;
    const written = await this.api.replaceStatus(obj, status);
    this.clusters.wrote(obj, written);
    return written;
  }
}

/**
 * The stages this reconcile finished by waiting for their VMs: exactly those the policy announces
 * with StageCompleted (a stage that does not wait finishes as StageInitiated, with no duration
 * worth measuring). Compared with the status read at the start, which the previous leader wrote,
 * so a stage is counted once even across a leader change.
 */
function newlyAwaitedStages(prev: AcdClusterStatus, next: AcdClusterStatus): StageStatus[] {
  const t = next.transition;
  if (!t) return [];
  const before = prev.transition?.startedAt === t.startedAt ? prev.transition.stages : [];
  return t.stages.filter(
    (st) =>
      st.gate === 'Completed' &&
      st.state === 'Completed' &&
      before.find((b) => b.index === st.index)?.state !== 'Completed',
  );
}

/**
 * One VM as a pass saw it (our own command laid over the cache), for the debug line: its version,
 * status, strategy and the start/stop requests KubeVirt has queued but not acted on yet.
 */
function describeVm(v: VmView): string {
  const flags = [v.created && 'created', v.ready && 'ready']
    .filter(Boolean)
    .map((f) => `/${f}`)
    .join('');
  const queued = v.pendingActions.length ? ` queued=${v.pendingActions.join(',')}` : '';
  return `${v.name}@${v.resourceVersion} ${v.printableStatus}/${v.runStrategy}${flags}${queued}`;
}
