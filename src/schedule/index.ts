export * from './types.js';
export { InvalidScheduleError } from './errors.js';
export { evaluateSchedule, transitionsBetween, validateSchedule } from './evaluate.js';
