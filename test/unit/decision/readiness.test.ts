// spec.readiness GuestAgent through decide(): a VM Running and Ready is up only once its guest agent
// has connected (VMI condition AgentConnected); until then the next stage waits, and says why.
import { describe, expect, test } from '@jest/globals';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';
import { Driver, finished, specOf, World, type VmBehaviour } from './world.js';

// SmallV3 starts in three stages: store (acd-store-lb), dbm (acd-dbm-dbs-dbr), app.
const S3 = SEED_LAYOUTS.SmallV3;
const STORE = 'acd-store-lb';
const DBM = 'acd-dbm-dbs-dbr';
const startOf = (w: World, vm: string) => w.log.find((a) => a.cmd.vm === vm && a.cmd.action === 'Start')?.at;

function startup(readiness: 'Ready' | 'GuestAgent', per: Record<string, VmBehaviour>, extra = {}) {
  const world = World.of(S3, 'Off', per);
  return { world, d: new Driver(world, specOf(S3, 'On', { readiness, ...extra })) };
}

describe('spec.readiness GuestAgent', () => {
  test('a VM Ready without AgentConnected holds the next stage; with it, the walk goes on', () => {
    const { world, d } = startup('GuestAgent', { [STORE]: { agentMs: 20_000 } });
    d.runUntil(() => world.vm(STORE).ready);
    const readyAt = world.now.getTime();
    // Ready, not booted: for 20 s nothing of the next stage, and the stage says what it waits for.
    for (let i = 0; i < 19; i++) {
      const dec = d.reconcile();
      expect(dec.commands).toEqual([]);
      expect(dec.status.transition!.stages[0]!.message).toBe(`waiting for ${STORE}'s guest agent (AgentConnected)`);
      expect(dec.status.readyVMs).toBe('0/5');
      world.advance(1_000);
    }
    expect(startOf(world, DBM)).toBeUndefined();
    d.runUntil(finished);
    expect(startOf(world, DBM)).toBeGreaterThanOrEqual(readyAt + 20_000);
    expect(d.status.transition!.outcome).toBe('Succeeded');
  });

  test('under Ready (the default) the same VM lets the next stage begin as soon as it is Ready', () => {
    const { world, d } = startup('Ready', { [STORE]: { agentMs: 20_000 } });
    d.runUntil(() => startOf(world, DBM) !== undefined);
    expect(world.vm(STORE).agentConnected).toBe(false);
  });

  test('a VM whose agent never connects stalls after timeouts.vmStart, naming the condition', () => {
    const { d } = startup('GuestAgent', { [STORE]: { agentMs: Infinity } }, { timeouts: { vmStart: '1m' } });
    const stalled = d.runUntil((x) => x.status.phase === 'Stalled', 5_000, 100);
    expect(stalled).toBeGreaterThan(12); // not before the minute is out
    const message = d.status.conditions!.find((c) => c.type === 'Stalled')!.message;
    expect(message).toContain(`${STORE} not up within 1m`);
    expect(message).toContain('AgentConnected');
    expect(message).toContain('guest agent never connected');
    expect(d.status.conditions!.find((c) => c.type === 'Stalled')!.reason).toBe('VMStartTimeout');
  });

  test('once On, a guest agent lost is the VM not up: the next pass brings no command, only a wait', () => {
    const { world, d } = startup('GuestAgent', {});
    d.runUntil(finished);
    const commands = world.log.length;
    expect(d.status.power).toBe('On');
    // The guest reboots by itself: Ready stays, the agent goes (virt-handler removes the condition).
    world.agentLost(DBM);
    const dec = d.reconcile();
    expect(dec.status.power).toBe('Mixed');
    expect(world.log.length).toBe(commands);
  });
});
