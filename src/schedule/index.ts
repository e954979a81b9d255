export * from './types.js';
export { InvalidScheduleError } from './errors.js';
export { evaluateSchedule, transitionsBetween, validateSchedule } from './evaluate.js';
export { parseCalendar, type ParsedCalendar } from './calendar.js';
export { resolveUntil } from './until.js';
