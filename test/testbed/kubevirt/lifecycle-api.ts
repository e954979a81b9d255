// The start / stop / restart subresources of virt-api, per KubeVirt's lifecycle handlers:
// - Always, Once (and spec.running): stop rewrites spec to Halted (running: false); start is refused.
// - Halted: start rewrites spec to Always (running: true); stop only with a shorter grace period.
// - Manual, RerunOnFailure: start/stop/restart queue status.stateChangeRequests; spec is left alone.
// - 409 Conflict where virt-api answers it ("VM is already running", "VM is not running", ...).
import type { KubevirtClient, JsonPatchOp } from './kube.js';
import { httpCode } from './kube.js';
import { badRequest, conflict, internal, notFound, StatusError, VM_NOT_RUNNING } from './status-errors.js';
import type { Record } from './timeline.js';
import { isFinal, runStrategyOf, type RunStrategy, type StateChangeRequest, type VirtualMachine, type VirtualMachineInstance } from './types.js';

export interface StopOptions { gracePeriod?: number; dryRun?: string[] }
export interface StartOptions { paused?: boolean; dryRun?: string[] }
export interface RestartOptions { gracePeriodSeconds?: number; dryRun?: string[] }

export type Verb = 'start' | 'stop' | 'restart';

export interface LifecycleDeps {
  kv: KubevirtClient;
  record: Record;
  /** Kill the guest of this VMI now (restart with gracePeriodSeconds 0). */
  forceStop: (uid: string) => void;
  /** Nudge the controller after a change it will also see through its watch. */
  poke: (namespace: string, name: string) => void;
}

const isDryRun = (o: { dryRun?: string[] }) => Array.isArray(o.dryRun) && o.dryRun.includes('All');

export class LifecycleApi {
  constructor(private readonly d: LifecycleDeps) {}

  async handle(verb: Verb, ns: string, name: string, body: unknown): Promise<void> {
    try {
      if (verb === 'start') await this.start(ns, name, (body ?? {}) as StartOptions);
      else if (verb === 'stop') await this.stop(ns, name, (body ?? {}) as StopOptions);
      else await this.restart(ns, name, (body ?? {}) as RestartOptions);
      this.d.record(`${ns}/${name}`, `api:${verb}`, JSON.stringify(body ?? {}));
      this.d.poke(ns, name);
    } catch (e) {
      // A failed JSON-patch test means someone changed the VM meanwhile: virt-api answers 409.
      const message = `${(e as Error).message} ${String((e as { body?: unknown }).body ?? '')}`;
      const err = e instanceof StatusError ? e
        : httpCode(e) === 409 || message.includes('test operation does not apply') ? conflict(name, firstLine(message)) : internal(firstLine(message));
      this.d.record(`${ns}/${name}`, `api:${verb}:rejected`, `${err.status.code} ${err.status.message}`);
      throw err;
    }
  }

  private async fetch(ns: string, name: string): Promise<{ vm: VirtualMachine; strategy: RunStrategy; vmi?: VirtualMachineInstance }> {
    const vm = await this.d.kv.getVm(ns, name);
    if (!vm) throw notFound(name);
    let strategy: RunStrategy;
    try {
      strategy = runStrategyOf(vm);
    } catch (e) {
      throw internal((e as Error).message);
    }
    const vmi = await this.d.kv.getVmi(ns, name);
    return { vm, strategy, ...(vmi ? { vmi } : {}) };
  }

  private async start(ns: string, name: string, opts: StartOptions): Promise<void> {
    const { vm, strategy, vmi } = await this.fetch(ns, name);
    const phase = vmi?.status?.phase ?? '';
    if (vmi && !isFinal(vmi) && phase !== '' && phase !== 'Unknown') throw conflict(name, 'VM is already running');
    switch (strategy) {
      case 'Halted':
        return this.setRunning(vm, true, isDryRun(opts));
      case 'Manual':
      case 'RerunOnFailure': {
        if (strategy === 'RerunOnFailure' && phase === 'Failed') throw conflict(name, 'RerunOnFailure does not support starting VM from failed state');
        const restart = vmi && (strategy === 'Manual' ? isFinal(vmi) : phase === 'Succeeded');
        const changes: StateChangeRequest[] = restart ? [{ action: 'Stop', uid: vmi.metadata.uid }, { action: 'Start' }] : [{ action: 'Start' }];
        return this.queueRequests(vm, changes, isDryRun(opts));
      }
      default:
        throw conflict(name, `${strategy} does not support manual start requests`);
    }
  }

  private async stop(ns: string, name: string, opts: StopOptions): Promise<void> {
    const { vm, strategy, vmi } = await this.fetch(ns, name);
    const live = !!vmi && !isFinal(vmi);
    const grace = typeof opts.gracePeriod === 'number' ? opts.gracePeriod : undefined;
    const oldGrace = vmi?.spec.terminationGracePeriodSeconds;
    // As virt-api does: a stop with a grace period first rewrites the VMI's, which the guest's
    // shutdown then honours (0 = kill at once).
    if (vmi && live && grace !== undefined) {
      await this.d.kv.patchVmi(ns, name, [
        { op: 'test', path: '/spec/terminationGracePeriodSeconds', value: oldGrace ?? null },
        { op: oldGrace === undefined ? 'add' : 'replace', path: '/spec/terminationGracePeriodSeconds', value: grace },
      ], isDryRun(opts));
    }
    switch (strategy) {
      case 'Halted':
        if (!vmi || !live) throw conflict(name, VM_NOT_RUNNING);
        if (grace === undefined || (oldGrace !== undefined && grace >= oldGrace)) {
          throw conflict(name, 'Halted only supports manual stop requests with a shorter graceperiod');
        }
        return this.queueRequests(vm, [{ action: 'Stop', uid: vmi.metadata.uid }], isDryRun(opts));
      case 'Manual':
      case 'RerunOnFailure':
        if (!vmi || !live) throw conflict(name, VM_NOT_RUNNING);
        return this.queueRequests(vm, [{ action: 'Stop', uid: vmi.metadata.uid }], isDryRun(opts));
      default:
        return this.setRunning(vm, false, isDryRun(opts));
    }
  }

  private async restart(ns: string, name: string, opts: RestartOptions): Promise<void> {
    const g = opts.gracePeriodSeconds;
    if (typeof g === 'number' && g > 0) throw badRequest('For force restart, only gracePeriod=0 is supported for now');
    if (typeof g === 'number' && g < 0) throw badRequest('gracePeriod has to be greater or equal to 0');
    const { vm, strategy, vmi } = await this.fetch(ns, name);
    // KubeVirt's own spelling, "RunStategy", kept so that clients matching on it behave the same.
    if (strategy === 'Halted' || strategy === 'Once') throw conflict(name, `RunStategy ${strategy} does not support manual restart requests`);
    if (!vmi) throw conflict(name, `VM is not running: Halted`);
    await this.queueRequests(vm, [{ action: 'Stop', uid: vmi.metadata.uid }, { action: 'Start' }], isDryRun(opts));
    if (g === 0 && !isDryRun(opts)) this.d.forceStop(vmi.metadata.uid);
  }

  /** spec.runStrategy Always/Halted, or spec.running true/false on a legacy VM; test-and-set like virt-api. */
  private async setRunning(vm: VirtualMachine, running: boolean, dryRun: boolean): Promise<void> {
    const legacy = vm.spec.runStrategy === undefined || vm.spec.runStrategy === null;
    const ops: JsonPatchOp[] = legacy
      ? [{ op: 'test', path: '/spec/running', value: vm.spec.running ?? null }, { op: vm.spec.running === undefined ? 'add' : 'replace', path: '/spec/running', value: running }]
      : [{ op: 'test', path: '/spec/runStrategy', value: vm.spec.runStrategy }, { op: 'replace', path: '/spec/runStrategy', value: running ? 'Always' : 'Halted' }];
    await this.d.kv.patchVm(vm.metadata.namespace, vm.metadata.name, ops, dryRun);
  }

  /**
   * Appends to status.stateChangeRequests as virt-api does: into an empty list; a single Stop
   * replaces what is queued; anything else while requests are pending is refused. A JSON patch
   * that tests the queued list first, so that only a concurrent change of that list conflicts.
   */
  private async queueRequests(vm: VirtualMachine, changes: StateChangeRequest[], dryRun: boolean): Promise<void> {
    const queued = vm.status?.stateChangeRequests;
    const ops: JsonPatchOp[] = [];
    if (!vm.status || Object.keys(vm.status).length === 0) {
      ops.push({ op: 'add', path: '/status', value: { stateChangeRequests: changes } });
    } else {
      ops.push({ op: 'test', path: '/status/stateChangeRequests', value: queued ?? null });
      if (!queued?.length) ops.push({ op: 'add', path: '/status/stateChangeRequests', value: changes });
      else if (changes.length === 1 && changes[0]!.action === 'Stop') ops.push({ op: 'replace', path: '/status/stateChangeRequests', value: changes });
      else throw internal('unable to complete request: stop/start already underway');
      if (vm.status.startFailure) ops.push({ op: 'remove', path: '/status/startFailure' });
    }
    await this.d.kv.patchVmStatusJson(vm.metadata.namespace, vm.metadata.name, ops, dryRun);
  }
}

const firstLine = (s: string) => s.split('\n')[0] ?? s;
