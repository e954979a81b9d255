// An ordered restart (spec.restartAfter, or the annotation `acdctl restart` sets): one transition
// Off, then one On, through every stage and gate, for an ACD whose VMs run instances older than the
// restart time. Level-triggered on the instances' ages, with status.restart as the memory that makes
// it survive a crash or a leader change without repeating or skipping:
// - Stopping: while the ACD is to be On and some VM that is not down runs an instance from before
//   the restart time (or one not seen yet), the target is Off;
// - Starting: once every VM is down, the target is On again; from here the ages are not looked at,
//   so a new instance missing from the cache cannot turn the ACD back Off;
// - Done when the startup has finished; Skipped if the ACD was to be Off anyway, or if a beforeOff
//   gate aborted the restart's Off.
import type { Direction } from '../api/domain.js';
import type { RestartStatus } from '../api/status.js';
import type { Event, Observed, RestartStep } from './types.js';
import { isDown } from './vm-state.js';

const parse = (t: string | undefined) => (t === undefined ? Number.NaN : Date.parse(t));

/** The restart asked for and due: the later of spec.restartAfter and the annotation, if passed. */
function dueRestart(o: Observed): { at?: string; ahead?: Date } {
  const now = o.now.getTime();
  const asked = [o.spec.restartAfter, o.restartAnnotation].filter((t) => !Number.isNaN(parse(t))) as string[];
  const due = asked.filter((t) => parse(t) <= now).sort((a, b) => parse(a) - parse(b));
  const ahead = asked.filter((t) => parse(t) > now).sort((a, b) => parse(a) - parse(b))[0];
  return {
    ...(due.length ? { at: new Date(parse(due.at(-1))).toISOString() } : {}),
    ...(ahead ? { ahead: new Date(ahead) } : {}),
  };
}

/**
 * A VM not down whose instance predates `at`, or cannot be dated. A VMI's creationTimestamp has whole
 * seconds: one created in the very second of the restart time counts as new (restarting it twice
 * would be the worse mistake).
 */
const runsOldInstance = (o: Observed, at: number) =>
  [...o.vms.values()].some((v) => !isDown(v) && !(parse(v.instanceCreatedAt) >= Math.floor(at / 1000) * 1000));

/**
 * The restart's startup may begin (or has): no VM runs an instance from before the restart, and
 * either the Off transition is recorded as finished (so the history has it Succeeded, not superseded
 * by the startup in the pass that saw the last VM go down), or some VM already runs a new instance
 * (the write that said Starting was lost after the startup's first commands went out).
 */
function startupMayBegin(o: Observed, at: number): boolean {
  if (runsOldInstance(o, at)) return false;
  // Not down and not old: a new instance.
  if ([...o.vms.values()].some((v) => !isDown(v))) return true;
  const t = o.status.transition;
  return o.vms.size === o.spec.machines.length && t?.direction === 'Off' && t.finishedAt !== undefined;
}

export function restartStep(o: Observed, asked: Direction): RestartStep {
  const { at, ahead } = dueRestart(o);
  const prev = o.status.restart;
  const step: RestartStep = {
    target: asked,
    restarting: false,
    events: [],
    ...(prev ? { status: prev } : {}),
    ...(ahead ? { wakeAt: ahead } : {}),
  };
  if (!at || o.spec.paused) return step;
  const same = prev?.at === at ? prev : undefined;
  if (same?.phase === 'Done' || same?.phase === 'Skipped') return step;
  return asked === 'Off' ? skipped(step, at, o.now) : towardsOn(o, step, at, same);
}

/** The ACD is to be On and the restart `at` is due: stop first, then start, or nothing if all is new. */
function towardsOn(o: Observed, step: RestartStep, at: string, same: RestartStatus | undefined): RestartStep {
  if (same?.phase === 'Stopping' && offAborted(o, at)) return givenUp(step, at, o.now);
  if (same?.phase === 'Starting') return { ...step, restarting: true };
  if (same && startupMayBegin(o, parse(at))) return { ...step, restarting: true, status: { at, phase: 'Starting' } };
  if (!same && !runsOldInstance(o, parse(at))) {
    // Every instance is newer already (the ACD was started after the restart time): nothing to do.
    return { ...step, status: { at, phase: 'Done', finishedAt: o.now.toISOString() } };
  }
  const events = same ? step.events : [started(at)];
  return { ...step, events, target: 'Off', restarting: true, status: { at, phase: 'Stopping' } };
}

/** A restart due while the ACD is to be Off: recorded, nothing touched. */
function skipped(step: RestartStep, at: string, now: Date): RestartStep {
  const message = `restart of ${at} skipped: the ACD is Off`;
  return {
    ...step,
    status: { at, phase: 'Skipped', finishedAt: now.toISOString() },
    events: [{ type: 'Normal', reason: 'RestartSkipped', message }],
  };
}

/**
 * This restart's Off was given up by a beforeOff gate (onTimeout Abort): nothing was stopped. Its
 * Off began once the restart was due, so an Off aborted before `at` was another restart's.
 */
const offAborted = (o: Observed, at: string) => {
  const t = o.status.transition;
  return (
    t?.direction === 'Off' &&
    t.outcome === 'Aborted' &&
    t.trigger?.source === 'Restart' &&
    Date.parse(t.startedAt) >= Date.parse(at)
  );
};

/**
 * A restart whose Off a gate aborted is given up, and said so: left Stopping, it would keep the
 * ACD's target Off, with no Off allowed, until the spec changed. The ACD stays On.
 */
function givenUp(step: RestartStep, at: string, now: Date): RestartStep {
  const message = `restart of ${at} given up: a beforeOff gate aborted its Off (onTimeout Abort); the ACD stays On`;
  return {
    ...step,
    status: { at, phase: 'Skipped', finishedAt: now.toISOString() },
    events: [{ type: 'Warning', reason: 'RestartSkipped', message }],
  };
}

const started = (at: string): Event => ({
  type: 'Normal',
  reason: 'RestartStarted',
  message: `restart of ${at}: every stage Off, then every stage On`,
});

/** A restart whose startup has finished is Done. */
export function finishRestart(step: RestartStep, startupFinished: boolean, now: string): RestartStep {
  if (step.status?.phase !== 'Starting' || !startupFinished) return step;
  return {
    ...step,
    status: { ...step.status, phase: 'Done', finishedAt: now },
    events: [
      ...step.events,
      { type: 'Normal', reason: 'RestartCompleted', message: `restart of ${step.status.at} done: every VM runs anew` },
    ],
  };
}
