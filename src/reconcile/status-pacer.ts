// Status writes paced per AcdCluster. A write that only tells how far a stage has got (the VM
// lines, readyVMs, the conditions' messages, a new wording of a stage's message) waits until
// MIN_GAP_MS after the previous write; anything a client acts on (a stage starting or ending, what
// it first says it waits for, a command, phase, power, a condition's status or reason, health
// results, events) is written at once, with the latest lines.
// Why: every status write is an etcd write and a watch event to every client of the object; VM
// lines were most of the 33 status PUTs per ACD per transition in the 100 × 12 bench.
import { isDeepStrictEqual } from 'node:util';
import type { AcdClusterStatus } from '../api/status.js';

export const MIN_GAP_MS = 1_000;

/** The status without the parts that only narrate progress within a stage. */
function decisive(s: AcdClusterStatus): unknown {
  return {
    ...s,
    machines: undefined,
    readyVMs: undefined,
    // A stage's first message (what it waits for) is news; its later rewordings are narration.
    transition: s.transition && {
      ...s.transition,
      stages: s.transition.stages.map(({ message, ...st }) => ({ ...st, told: message !== undefined })),
    },
    conditions: s.conditions?.map(({ message: _, ...c }) => c),
  };
}

/** Whether `next` differs from `prev` only in narration (pure; see decisive()). */
export function progressOnly(prev: AcdClusterStatus, next: AcdClusterStatus): boolean {
  return isDeepStrictEqual(decisive(prev), decisive(next));
}

export class StatusPacer {
  private readonly last = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  /** How long to hold this write back; 0 means write it now. */
  holdMs(key: string, prev: AcdClusterStatus, next: AcdClusterStatus): number {
    const at = this.last.get(key);
    if (at === undefined || !progressOnly(prev, next)) return 0;
    return Math.max(0, MIN_GAP_MS - (this.now() - at));
  }

  wrote(key: string): void {
    this.last.set(key, this.now());
  }

  /** The AcdCluster is gone: nothing to pace. */
  forget(key: string): void {
    this.last.delete(key);
  }
}
