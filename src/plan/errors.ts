import type { Direction, PairKind } from './types.js';

/**
 * Shutting down a redundant pair in the wrong order fails over onto a machine that is about to go down,
 * so the planner refuses to guess: "before a shutdown procedure can begin, the active machines must be known".
 * Startup refuses too, because booting the stale side first can promote stale data.
 */
export class ActiveSideUnknownError extends Error {
  override readonly name = 'ActiveSideUnknownError';
  readonly missing: PairKind[];
  readonly direction: Direction;

  constructor(missing: PairKind[], direction: Direction) {
    super(`active side unknown for ${missing.join(', ')}; cannot plan ${direction === 'Off' ? 'shutdown' : 'startup'}`);
    this.missing = missing;
    this.direction = direction;
  }
}

/** Input the planner cannot turn into a plan where every VM appears exactly once. */
export class InvalidMachinesError extends Error {
  override readonly name = 'InvalidMachinesError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid machine list: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
