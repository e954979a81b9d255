/**
 * A schedule the evaluator cannot read without guessing. It never falls back to UTC or to "always on":
 * powering a contact centre off at the wrong hour is worse than refusing to decide.
 */
export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid schedule: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
