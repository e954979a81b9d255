// Which status writes may wait (narration of progress within a stage) and which may not.
import { describe, expect, test } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import type { AcdClusterStatus } from '../../../src/api/status.js';
import { MIN_GAP_MS, progressOnly, StatusPacer } from '../../../src/reconcile/status-pacer.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { Driver, finished, specOf, World } from '../decision/world.js';

const L3 = SEED_LAYOUTS.LargeV3;
const SPEC_ACTIVE = { active: { database: 2, loadBalancer: 2, storage: 2 } };

// As the API server hands them back (JSON): the harness's structuredClone makes objects of another
// realm, which isDeepStrictEqual would tell apart by prototype alone.
const asRead = (s: AcdClusterStatus): AcdClusterStatus => JSON.parse(JSON.stringify(s)) as AcdClusterStatus;

/** Each decision of a whole Large V3 walk with the status it started from; VMs move every 200 ms. */
function walk(from: 'On' | 'Off') {
  const d = new Driver(World.of(L3, from), specOf(L3, from === 'On' ? 'Off' : 'On', SPEC_ACTIVE));
  d.runUntil(finished, 200);
  return d.steps.map((s, i) => ({
    prev: asRead(i ? d.steps[i - 1]!.decision.status : {}),
    next: asRead(s.decision.status),
    step: s,
  }));
}

describe('progressOnly', () => {
  test.each(['On', 'Off'] as const)(
    'from %s: never for a pass that commands, emits an event or moves a stage',
    (from) => {
      let narration = 0;
      let writes = 0;
      for (const { prev, next, step } of walk(from)) {
        if (isDeepStrictEqual(prev, next)) continue;
        writes++;
        const stagesMoved = !isDeepStrictEqual(
          prev.transition?.stages.map((s) => s.state),
          next.transition?.stages.map((s) => s.state),
        );
        if (step.decision.commands.length || step.decision.events.length || stagesMoved || prev.phase !== next.phase) {
          expect(progressOnly(prev, next)).toBe(false);
        } else if (progressOnly(prev, next)) {
          narration++;
        }
      }
      expect(narration).toBeLessThan(writes);
      // Shutdown stages hold several VMs, so 'waiting for a, b' shrinks as they go down: narration.
      // Large V3's startup stages hold one VM each: here, nothing to narrate.
      if (from === 'On') expect(narration).toBeGreaterThan(0);
    },
  );

  test('a VM line or a stage message alone is narration; a condition status or the stage column is not', () => {
    const base: AcdClusterStatus = {
      phase: 'Stopping',
      stage: '2/9',
      readyVMs: '10/12',
      machines: [{ vm: 'a', printableStatus: 'Stopping', ready: false, runStrategy: 'Halted' }],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Stopping',
          message: 'stage 2/9: waiting for a, b',
          observedGeneration: 2,
          lastTransitionTime: 't0',
        },
      ],
    };
    const with_ = (p: Partial<AcdClusterStatus>) => ({ ...asRead(base), ...p });
    expect(
      progressOnly(
        base,
        with_({
          readyVMs: '9/12',
          machines: [{ vm: 'a', printableStatus: 'Stopped', ready: false, runStrategy: 'Halted' }],
        }),
      ),
    ).toBe(true);
    expect(
      progressOnly(base, with_({ conditions: [{ ...base.conditions![0]!, message: 'stage 2/9: waiting for b' }] })),
    ).toBe(true);
    expect(progressOnly(base, with_({ conditions: [{ ...base.conditions![0]!, status: 'True' }] }))).toBe(false);
    expect(progressOnly(base, with_({ stage: '3/9' }))).toBe(false);
  });

  test("a stage's first message (what it waits for) is news; a later wording of it is narration", () => {
    const stageSaying = (message?: string): AcdClusterStatus => ({
      transition: {
        direction: 'Off',
        generation: 2,
        startedAt: 't0',
        commands: [],
        stages: [
          {
            index: 0,
            name: 'store tier',
            tier: 'store',
            vms: ['a', 'b'],
            gate: 'Completed',
            awaits: ['a', 'b'],
            checks: [],
            state: 'InProgress',
            startedAt: 't0',
            ...(message ? { message } : {}),
          },
        ],
      },
    });
    expect(progressOnly(stageSaying(), stageSaying('waiting for a, b to be down'))).toBe(false);
    expect(progressOnly(stageSaying('waiting for a, b to be down'), stageSaying('waiting for b to be down'))).toBe(
      true,
    );
  });
});

describe('StatusPacer', () => {
  const prev: AcdClusterStatus = { readyVMs: '1/2' };
  const narration: AcdClusterStatus = { readyVMs: '2/2' };
  const decisive: AcdClusterStatus = { readyVMs: '2/2', phase: 'On' };

  test('the first write goes at once; narration then waits out the gap; a decisive change never waits', () => {
    let t = 0;
    const p = new StatusPacer(() => t);
    expect(p.holdMs('ns/a', prev, narration)).toBe(0);
    p.wrote('ns/a');
    t = 300;
    expect(p.holdMs('ns/a', prev, narration)).toBe(MIN_GAP_MS - 300);
    expect(p.holdMs('ns/a', prev, decisive)).toBe(0);
    // Per AcdCluster: another one has its own gap.
    expect(p.holdMs('ns/b', prev, narration)).toBe(0);
    t = MIN_GAP_MS;
    expect(p.holdMs('ns/a', prev, narration)).toBe(0);
  });

  test('forget: a deleted AcdCluster leaves nothing behind, and one re-created under its name starts fresh', () => {
    let t = 0;
    const p = new StatusPacer(() => t);
    p.wrote('ns/a');
    t = 10;
    p.forget('ns/a');
    expect(p.holdMs('ns/a', prev, narration)).toBe(0);
  });
});
