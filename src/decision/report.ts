// Status, rebuilt from the world on every pass: the VM lines, actual power, phase, the stage column
// and kstatus-style conditions (Ready, Reconciling, Stalled) that kubectl wait, Argo CD and Flux read.
import type { AcdClusterStatus, Transition } from '../api/status.js';
import { deriveSizing } from '../plan/index.js';
import { applyConditions, type ActingFacts } from './condition-owners.js';
import { DIRECTION } from './direction.js';
import { failedAfterOnGate, gateLine } from './gate-words.js';
import type { ActiveRecords, Blocker, Ctx, VmView } from './types.js';
import { isDown, isUpFor, restartsByItself } from './vm-state.js';

export function buildStatus(
  ctx: Ctx,
  transition: Transition | undefined,
  active: ActiveRecords,
  blocker?: Blocker,
): AcdClusterStatus {
  const { o, now, target } = ctx;
  const machines = o.spec.machines.map((m) => {
    const vm = o.vms.get(m.vm);
    return vm
      ? { vm: m.vm, printableStatus: vm.printableStatus, ready: vm.ready, runStrategy: vm.runStrategy }
      : { vm: m.vm, printableStatus: 'Missing', ready: false, message: 'VirtualMachine not found' };
  });
  const views = o.spec.machines.map((m) => o.vms.get(m.vm));
  const isUp = (v: VmView) => isUpFor(v, o.spec.readiness);
  const failedGate = failedAfterOnGate(transition);
  const power = views.every((v) => v && isUp(v)) ? 'On' : views.every((v) => v && isDown(v)) ? 'Off' : 'Mixed';
  const running = transition !== undefined && !transition.finishedAt;
  const { stage, line } = stageColumn(transition);
  const facts: ActingFacts = {
    kind: 'acting',
    target,
    running,
    power,
    stageLine: (running && gateLine(ctx, transition)) || line,
    blocker,
    vmCount: machines.length,
    health: o.health,
    ...(failedGate ? { failedGate } : {}),
    previousHealthy: o.status.conditions?.find((c) => c.type === 'Healthy'),
    insecureSsh: o.spec.health.ssh.insecureSkipHostKeyVerification,
    scheduled: o.spec.powerState === 'Scheduled',
    ...(ctx.power?.invalid ? { scheduleProblem: ctx.power.invalid } : {}),
    recovery: o.spec.recovery,
    selfRestarting: views.filter((v) => v !== undefined && restartsByItself(v)).map((v) => v!.name),
  };
  const stalled = blocker?.kind === 'Stalled' || blocker?.kind === 'ActiveUnknown';
  const phase = stalled ? 'Stalled' : running || power !== target ? DIRECTION[target].moving : target;
  return {
    ...o.status,
    observedGeneration: o.generation,
    phase,
    power,
    sizing: deriveSizing(o.spec.machines),
    ...(stage ? { stage } : {}),
    readyVMs: `${views.filter((v) => v && isUp(v)).length}/${machines.length}`,
    ...(transition ? { transition } : {}),
    machines,
    active: activeColumn(active),
    conditions: applyConditions(o.status.conditions ?? [], facts, o.generation, now),
  };
}

/** "3/9" and "stage 3/9 lb tier: waiting for ..." for the stage in progress; the last stage once done. */
function stageColumn(transition: Transition | undefined): { stage?: string; line: string } {
  if (!transition) return { line: '' };
  const n = transition.stages.length;
  const current = transition.stages.findIndex((s) => s.state === 'Pending' || s.state === 'InProgress');
  if (current < 0) return { stage: `${n}/${n}`, line: '' };
  const stage = `${current + 1}/${n}`;
  const { name, message } = transition.stages[current]!;
  return { stage, line: `stage ${stage} ${name}${message ? `: ${message}` : ''}` };
}

const activeColumn = (active: ActiveRecords) =>
  Object.fromEntries(
    Object.entries(active).map(([k, r]) => [
      k,
      {
        ...(r.side ? { side: r.side } : {}),
        source: r.source,
        ...(r.message ? { message: r.message } : {}),
      },
    ]),
  );

/**
 * Status for an object the operator must not act on: an invalid spec, or VMs another AcdCluster
 * already claims. Says why; touches nothing.
 */
export function refusedStatus(
  prev: AcdClusterStatus,
  generation: number,
  reason: 'InvalidSpec' | 'VMClaimedByAnotherCluster',
  errors: string[],
  now: string,
): AcdClusterStatus {
  const conditions = applyConditions(
    prev.conditions ?? [],
    { kind: 'refused', reason, message: errors.join('; ') },
    generation,
    now,
  );
  return { ...prev, observedGeneration: generation, phase: 'Stalled', conditions };
}
