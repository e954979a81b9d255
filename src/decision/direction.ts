// The words and fields that differ between a startup and a shutdown, in one table per direction, so
// the walk and the report never branch on `target === 'On'` to pick a verb, a limit or a reason.
import type { Action, Direction } from '../api/domain.js';
import type { AcdClusterSpec } from '../api/spec.js';
import type { EventReason, StallReason } from '../api/reasons.js';
import { isDown, isUpFor, type Readiness, type VmView } from './vm-state.js';

export interface DirectionWords {
  /** The command that moves a VM this way. */
  action: 'Start' | 'Stop';
  /** The commands that count as having moved a VM this way. */
  moves: readonly Action[];
  /** A VM there: up (as spec.readiness means it) for a startup, down for a shutdown. */
  reached: (vm: VmView, readiness: Readiness) => boolean;
  /** "up" / "down", as the runbook says it. */
  state: 'up' | 'down';
  /** "starting" / "stopping", for stage and event messages. */
  verb: 'starting' | 'stopping';
  /** The phase (and Ready reason) while under way. */
  moving: 'Starting' | 'Stopping';
  /** The event and Ready reason once there. */
  done: EventReason & ('PoweredOn' | 'PoweredOff');
  /** Which spec.timeouts field limits one VM. */
  vmTimeout: keyof Pick<AcdClusterSpec['timeouts'], 'vmStart' | 'vmStop'>;
  /** The Stalled reason when that limit passes. */
  vmTimeoutReason: StallReason & ('VMStartTimeout' | 'VMStopTimeout');
}

export const DIRECTION: Readonly<Record<Direction, DirectionWords>> = {
  On: {
    action: 'Start',
    moves: ['Start'],
    reached: isUpFor,
    state: 'up',
    verb: 'starting',
    moving: 'Starting',
    done: 'PoweredOn',
    vmTimeout: 'vmStart',
    vmTimeoutReason: 'VMStartTimeout',
  },
  Off: {
    action: 'Stop',
    moves: ['Stop', 'ForceStop'],
    reached: (vm) => isDown(vm),
    state: 'down',
    verb: 'stopping',
    moving: 'Stopping',
    done: 'PoweredOff',
    vmTimeout: 'vmStop',
    vmTimeoutReason: 'VMStopTimeout',
  },
};
