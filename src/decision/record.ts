// What the transition recorded about its own commands, and what that means for a VM now.
import type { Action, Direction } from '../api/domain.js';
import type { Transition } from '../api/status.js';
import { atTarget, COMMAND_HOLD_MS, elapsed } from './context.js';
import { DIRECTION } from './direction.js';
import type { Ctx } from './types.js';
import { isHeadingTo, type VmView } from './vm-state.js';

/** When the VM was last given one of `actions` in this transition. */
export const commandedAt = (t: Transition, vm: string, actions: readonly Action[]) =>
  t.commands.filter((c) => c.vm === vm && actions.includes(c.action)).at(-1)?.at;

/** When the VM was last commanded towards `target` in this transition. */
export const commandedTowards = (t: Transition, vm: string, target: Direction) =>
  commandedAt(t, vm, DIRECTION[target].moves);

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
  return at === undefined || Math.abs(elapsed(now, at)) >= COMMAND_HOLD_MS;
}
