// What the transition recorded about its own commands, and what that means for a VM now.
import type { Action, Direction } from '../api/domain.js';
import type { Transition } from '../api/status.js';
import { atTarget, backoffMs, COMMAND_HOLD_MS, elapsed } from './context.js';
import { DIRECTION } from './direction.js';
import type { Ctx } from './types.js';
import { failedInstanceAt, isHeadingTo, type VmView } from './vm-state.js';

/** When the VM was last given one of `actions` in this transition. */
export const commandedAt = (t: Transition, vm: string, actions: readonly Action[]) =>
  t.commands.filter((c) => c.vm === vm && actions.includes(c.action)).at(-1)?.at;

/** When the VM was last commanded towards `target` in this transition. */
export const commandedTowards = (t: Transition, vm: string, target: Direction) =>
  commandedAt(t, vm, DIRECTION[target].moves);

/**
 * The VM's instance failed after this transition's last start of it: a boot that fails (a Manual
 * VM's crash loop), not an instance that an outage ended before the start. Creation times have
 * whole seconds, so the start is taken at its second.
 */
export function failedAfterStart(t: Transition, vm: VmView): boolean {
  const failed = failedInstanceAt(vm);
  const started = commandedAt(t, vm.name, ['Start']);
  return !!failed && !!started && Date.parse(failed) >= Math.floor(Date.parse(started) / 1000) * 1000;
}

/** How many times this transition started the VM. */
export const startsOf = (t: Transition, vm: string) =>
  t.commands.filter((c) => c.vm === vm && c.action === 'Start').length;

/**
 * How long a command towards the target stands before the VM is commanded again: COMMAND_HOLD_MS,
 * or, after a boot that failed, a back-off that grows with each start, as KubeVirt's own crash loop
 * back-off does for the strategies it restarts by itself.
 */
export const commandHoldMs = (ctx: Ctx, t: Transition, vm: VmView) =>
  ctx.target === 'On' && failedAfterStart(t, vm) ? backoffMs(startsOf(t, vm.name)) : COMMAND_HOLD_MS;

/**
 * A VM this transition must (again) command: not at target, not already heading there, and not
 * commanded towards it in the last COMMAND_HOLD_MS. The record keeps a command from being repeated
 * while KubeVirt may not show it yet (after a restart, say); once that window is over, a VM found at
 * rest the other way was knocked back (a power loss, a refused command) and is commanded again.
 */
export function needsCommand(ctx: Ctx, t: Transition, vm: VmView): boolean {
  const { now, target } = ctx;
  if (atTarget(vm, target, ctx.o.spec.readiness) || isHeadingTo(vm, target)) return false;
  const at = commandedTowards(t, vm.name, target);
  // |age|: a little clock skew between replicas makes a command look a moment old or young; one
  // dated far in the future is garbage, and must not hold the VM back until that date.
  return at === undefined || Math.abs(elapsed(now, at)) >= commandHoldMs(ctx, t, vm);
}
