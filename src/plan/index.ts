export * from './types.js';
export { planTransition } from './plan.js';
export { deriveSizing } from './sizing.js';
export { requiredActiveSides, missingActiveSides } from './pairs.js';
export { ActiveSideUnknownError, InvalidMachinesError } from './errors.js';
export { compareNatural, sortNatural } from './natural-sort.js';
export { tierOfRoles, tiersInOrder } from './priority.js';
