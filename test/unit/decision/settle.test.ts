// spec.settle through decide(): after a startup stage of the tier has passed its gate, the next
// stage waits the delay, counted from the gate; its end (settleUntil) is written once, with the
// gate's completion, so a fresh operator on the stored status waits the rest, never more or less.
import { describe, expect, test } from '@jest/globals';
import type { AcdClusterStatus } from '../../../src/api/status.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { Driver, finished, specOf, World } from './world.js';

// SmallV3 starts in three stages: store (acd-store-lb), dbm (acd-dbm-dbs-dbr), app.
const S3 = SEED_LAYOUTS.SmallV3;
const DBM = 'acd-dbm-dbs-dbr';
const SETTLE = { settle: [{ tier: 'store', delay: '30s' }] };
const startOf = (w: World, vm: string) => w.log.find((a) => a.cmd.vm === vm && a.cmd.action === 'Start')?.at;
const storeStage = (s: AcdClusterStatus) => s.transition!.stages[0]!;

/** An Off SmallV3 told On with a store settle, driven until the store stage has passed its gate. */
function settling() {
  const world = World.of(S3, 'Off');
  const d = new Driver(world, specOf(S3, 'On', SETTLE));
  d.runUntil((x) => storeStage(x.status).state === 'Completed');
  return { world, d, until: storeStage(d.status).settleUntil! };
}

describe('spec.settle', () => {
  test('the next stage is not commanded before settleUntil, which is the gate plus the delay', () => {
    const { world, d, until } = settling();
    const gate = storeStage(d.status).finishedAt!;
    expect(Date.parse(until) - Date.parse(gate)).toBe(30_000);
    expect(d.status.transition!.stages[1]).toMatchObject({
      state: 'Pending',
      message: `settling until ${until} (spec.settle)`,
    });
    expect(d.steps.at(-1)!.decision.requeueAfterMs).toBeGreaterThanOrEqual(30_000);
    d.runUntil(finished);
    expect(startOf(world, DBM)).toBeGreaterThanOrEqual(Date.parse(until));
    // Written once: every later pass carried the same settleUntil.
    const seen = new Set(d.steps.map((s) => s.decision.status.transition?.stages[0]?.settleUntil).filter(Boolean));
    expect([...seen]).toEqual([until]);
  });

  test('a fresh decide() from a status with settleUntil ahead waits and issues nothing; past it, it goes on', () => {
    const { world, d, until } = settling();
    world.advance(10_000);
    const fresh = new Driver(world, d.spec);
    fresh.status = structuredClone(d.status);
    const waiting = fresh.reconcile();
    expect(waiting.commands).toEqual([]);
    expect(waiting.requeueAfterMs).toBeGreaterThanOrEqual(Date.parse(until) - world.now.getTime());
    expect(waiting.requeueAfterMs).toBeLessThan(Date.parse(until) - world.now.getTime() + 1_000);
    expect(storeStage(waiting.status).settleUntil).toBe(until);
    world.advance(Date.parse(until) - world.now.getTime());
    const later = new Driver(world, d.spec);
    later.status = structuredClone(fresh.status);
    expect(later.reconcile().commands.map((c) => c.vm.name)).toEqual([DBM]);
    expect(storeStage(later.status).settleUntil).toBe(until);
  });

  test('a VM of the settled stage that falls back and comes up again does not move settleUntil', () => {
    const { world, d, until } = settling();
    world.powerLoss(); // Halted VMs stay down; the store VM (runStrategy Always) boots again
    d.runUntil(finished);
    const reasons = d.steps.flatMap((s) => s.decision.events.map((e) => e.reason));
    expect(reasons).toContain('StageReopened');
    expect(storeStage(d.status).settleUntil).toBe(until);
  });

  test('shutdown stages and the last stage settle for nothing', () => {
    const off = World.of(S3, 'On');
    const down = new Driver(off, specOf(S3, 'Off', { settle: [{ tier: 'store', delay: '1h' }] }));
    expect(down.runUntil(finished)).toBeLessThan(60);
    expect(down.status.transition!.stages.every((s) => s.settleUntil === undefined)).toBe(true);
    const on = World.of(S3, 'Off');
    const up = new Driver(on, specOf(S3, 'On', { settle: [{ tier: 'app', delay: '1h' }] }));
    expect(up.runUntil(finished)).toBeLessThan(60);
    expect(up.status.transition!.stages.every((s) => s.settleUntil === undefined)).toBe(true);
  });
});
