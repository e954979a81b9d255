import { InvalidMachinesError } from './errors.js';
import { ROLES, type Machine } from './types.js';

const KNOWN_ROLES: ReadonlySet<string> = new Set(ROLES);

/**
 * Machines usually come from a custom resource, so types alone do not protect the planner.
 * Each rule guards the invariant that every VM lands in exactly one stage.
 */
export function assertValidMachines(machines: readonly Machine[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const machine of machines) {
    if (typeof machine.vm !== 'string' || machine.vm.length === 0) problems.push('a machine has no VM name');
    else if (seen.has(machine.vm)) problems.push(`VM ${machine.vm} is listed twice`);
    else seen.add(machine.vm);
    if (!Array.isArray(machine.roles) || machine.roles.length === 0) problems.push(`VM ${machine.vm} has no roles`);
    else {
      for (const role of machine.roles) {
        if (!KNOWN_ROLES.has(role)) problems.push(`VM ${machine.vm} has unknown role ${String(role)}`);
      }
    }
    if (machine.side !== undefined && machine.side !== 1 && machine.side !== 2) {
      problems.push(`VM ${machine.vm} has side ${String(machine.side)}, expected 1 or 2`);
    }
  }
  if (problems.length > 0) throw new InvalidMachinesError(problems);
}
