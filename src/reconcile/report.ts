// Status, rebuilt from the world on every pass: the VM lines, actual power, phase, the stage column
// and kstatus-style conditions (Ready, Reconciling, Stalled) that kubectl wait, Argo CD and Flux read.
import type { AcdClusterStatus, Condition, Transition } from '../api/status.js';
import { deriveSizing } from '../plan/index.js';
import { isDown, isUp } from '../kubevirt/vm.js';
import type { ActiveRecords } from './active.js';
import { setCondition } from './conditions.js';
import type { Ctx } from './context.js';
import { healthConditions } from './health-status.js';

export interface Blocker { kind: 'ActiveUnknown' | 'Paused' | 'Stalled' | 'Held'; reason: string; message: string }

export function buildStatus(ctx: Ctx, transition: Transition | undefined, active: ActiveRecords, blocker?: Blocker): AcdClusterStatus {
  const { o, now, target } = ctx;
  const gen = o.generation;
  const machines = o.spec.machines.map((m) => {
    const vm = o.vms.get(m.vm);
    return vm
      ? { vm: m.vm, printableStatus: vm.printableStatus, ready: vm.ready, runStrategy: vm.runStrategy }
      : { vm: m.vm, printableStatus: 'Missing', ready: false, message: 'VirtualMachine not found' };
  });
  const views = o.spec.machines.map((m) => o.vms.get(m.vm));
  const power = views.every((v) => v && isUp(v)) ? 'On' : views.every((v) => v && isDown(v)) ? 'Off' : 'Mixed';
  const running = transition !== undefined && !transition.finishedAt;
  const current = transition?.stages.findIndex((s) => s.state === 'Pending' || s.state === 'InProgress') ?? -1;
  const n = transition?.stages.length ?? 0;
  const stage = !transition ? undefined : current >= 0 ? `${current + 1}/${n}` : `${n}/${n}`;
  const stalled = blocker?.kind === 'Stalled' || blocker?.kind === 'ActiveUnknown';
  const moving: 'Starting' | 'Stopping' = target === 'On' ? 'Starting' : 'Stopping';
  const phase = stalled ? 'Stalled' : running || power === 'Mixed' || power !== target ? moving : target;
  const stageLine = current >= 0 && transition ? `stage ${stage} ${transition.stages[current]!.name}${transition.stages[current]!.message ? `: ${transition.stages[current]!.message}` : ''}` : '';

  let c: Condition[] = o.status.conditions ?? [];
  const reached = !running && power === target && !stalled;
  c = setCondition(c, 'Ready', reached ? 'True' : 'False',
    reached ? (target === 'On' ? 'PoweredOn' : 'PoweredOff') : blocker?.reason ?? moving,
    reached ? `all ${machines.length} VMs are ${target}` : blocker?.message ?? (stageLine || `${moving.toLowerCase()} ${machines.length} VMs`), gen, now);
  const reconciling = running && !stalled && blocker?.kind !== 'Paused';
  c = setCondition(c, 'Reconciling', reconciling ? 'True' : 'False', reconciling ? moving : blocker?.kind === 'Paused' ? 'Paused' : 'Idle',
    reconciling ? stageLine || moving : blocker?.kind === 'Paused' ? blocker.message : 'no transition in progress', gen, now);
  c = setCondition(c, 'Stalled', stalled ? 'True' : 'False', stalled ? blocker!.reason : 'Progressing', stalled ? blocker!.message : 'no stage is stuck', gen, now);
  const unknownActive = blocker?.kind === 'ActiveUnknown';
  c = setCondition(c, 'ActiveUnknown', unknownActive ? 'True' : 'False', unknownActive ? 'ActiveSideUnknown' : 'ActiveKnown', unknownActive ? blocker!.message : 'the active side of every pair is known or not needed', gen, now);
  c = setCondition(c, 'InvalidSpec', 'False', 'SpecValid', 'spec is valid', gen, now);
  c = healthConditions(ctx, c, running, power);

  return {
    ...o.status,
    observedGeneration: gen,
    phase,
    power,
    sizing: deriveSizing(o.spec.machines),
    ...(stage ? { stage } : {}),
    readyVMs: `${views.filter((v) => v && isUp(v)).length}/${machines.length}`,
    ...(transition ? { transition } : {}),
    machines,
    active: Object.fromEntries(Object.entries(active).map(([k, r]) => [k, { ...(r!.side ? { side: r!.side } : {}), source: r!.source, ...(r!.message ? { message: r!.message } : {}) }])),
    conditions: c,
  };
}

/**
 * Status for an object the operator must not act on: an invalid spec, or VMs another AcdCluster
 * already claims. Says why; touches nothing.
 */
export function refusedStatus(prev: AcdClusterStatus, generation: number, reason: 'InvalidSpec' | 'VMClaimedByAnotherCluster', errors: string[], now: string): AcdClusterStatus {
  let c = prev.conditions ?? [];
  const msg = errors.join('; ');
  c = setCondition(c, 'InvalidSpec', 'True', reason, msg, generation, now);
  c = setCondition(c, 'Ready', 'False', reason, msg, generation, now);
  c = setCondition(c, 'Stalled', 'True', reason, msg, generation, now);
  c = setCondition(c, 'Reconciling', 'False', reason, 'nothing is touched until this is corrected', generation, now);
  return { ...prev, observedGeneration: generation, phase: 'Stalled', conditions: c };
}
