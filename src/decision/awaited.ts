// What a stage's gate still waits for, and how to say it: "to be up" is not the whole story under
// spec.readiness GuestAgent, where a VM can be Running and Ready and still wait for its guest agent.
import { atTarget } from './context.js';
import { DIRECTION } from './direction.js';
import type { Ctx } from './types.js';
import { AGENT_CONDITION, awaitsAgent, isUp } from './vm-state.js';

/** The VMs of `vms` not (yet) where the transition takes them; a missing VM counts as not there. */
export const notYet = (ctx: Ctx, vms: readonly string[]) =>
  vms.filter((v) => {
    const vm = ctx.o.vms.get(v);
    return !vm || !atTarget(vm, ctx.target, ctx.o.spec.readiness);
  });

/** Of the pending VMs, those up as Ready means it that wait only for their guest agent. */
export const agentless = (ctx: Ctx, pending: readonly string[]) =>
  ctx.target !== 'On'
    ? []
    : pending.filter((v) => {
        const vm = ctx.o.vms.get(v);
        return vm !== undefined && isUp(vm) && awaitsAgent(vm, ctx.o.spec.readiness);
      });

/** "acd-jb1's guest agent (AgentConnected)", for one VM or several. */
const agentWords = (vms: readonly string[]) =>
  `${vms.map((v) => `${v}'s`).join(', ')} guest agent${vms.length > 1 ? 's' : ''} (${AGENT_CONDITION})`;

/** The pending VMs in words: "acd-a to be up and acd-jb1's guest agent (AgentConnected)". */
export function pendingWords(ctx: Ctx, pending: readonly string[]): string {
  const agents = agentless(ctx, pending);
  const others = pending.filter((v) => !agents.includes(v));
  const parts = [
    ...(others.length ? [`${others.join(', ')} to be ${DIRECTION[ctx.target].state}`] : []),
    ...(agents.length ? [agentWords(agents)] : []),
  ];
  return parts.join(' and ');
}

export const waitingFor = (ctx: Ctx, pending: readonly string[]) => `waiting for ${pendingWords(ctx, pending)}`;

/** Why VMs that timed out are not up, when it is only their guest agent: named, with the condition. */
export function agentNote(ctx: Ctx, late: readonly string[]): string {
  const agents = agentless(ctx, late);
  if (!agents.length) return '';
  const verb = agents.length > 1 ? 'are' : 'is';
  return (
    `; ${agents.join(', ')} ${verb} Ready, but spec.readiness GuestAgent waits for the VMI condition ` +
    `${AGENT_CONDITION}=True, and the guest agent never connected`
  );
}
