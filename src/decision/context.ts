// What every part of the policy shares: the pass's context and a few pure predicates.
import type { StageStatus } from '../api/status.js';
import type { Direction, Stage } from '../plan/index.js';
import type { Readiness, VmView } from './vm-state.js';
import { DIRECTION } from './direction.js';
import type { Observed } from './types.js';

/** How often a waiting transition looks again, when no watch event comes first. */
export const POLL_MS = 5_000;
/**
 * How long a command, ours or recorded in the transition, stands for the VM's intent when KubeVirt
 * does not show it yet: far longer than any watch delay. After it, the VM's own state speaks alone.
 */
export const COMMAND_HOLD_MS = 30_000;

/**
 * The back-off after `count` failures, the way KubeVirt backs off a crash loop: none before the
 * first, then 30 s, 1 m, 2 m, 4 m and 5 m at most. For recoveries and for restarting a failed boot.
 */
export const backoffMs = (count: number) => (count < 1 ? 0 : Math.min(5 * 60_000, 30_000 * 2 ** (count - 1)));

export const atTarget = (vm: VmView, target: Direction, readiness: Readiness) =>
  DIRECTION[target].reached(vm, readiness);
export const worldAtTarget = (o: Observed, target: Direction) =>
  o.spec.machines.every((m) => {
    const vm = o.vms.get(m.vm);
    return vm !== undefined && atTarget(vm, target, o.spec.readiness);
  });
export const done = (s: StageStatus) => s.state === 'Completed' || s.state === 'Failed';
export const signature = (stages: readonly Pick<Stage, 'vms' | 'gate'>[]) =>
  stages.map((s) => `${s.gate}:${s.vms.join(',')}`).join('|');
export const elapsed = (now: string, since?: string) => (since ? Date.parse(now) - Date.parse(since) : 0);
