// Which cached VM versions may not show KubeVirt's reaction to our command yet.
import { describe, expect, test } from '@jest/globals';
import { HOLD_MS, OwnCommands, predatesReaction } from '../../../src/reconcile/own-commands.js';
import type { VmView } from '../../../src/kubevirt/vm.js';

describe('predatesReaction', () => {
  const ours = new Set(['100', '105']); // read at 100, our PATCH produced 105

  test('the versions the command was based on or produced', () => {
    expect(predatesReaction('100', ours)).toBe(true);
    expect(predatesReaction('105', ours)).toBe(true);
  });

  test('a version KubeVirt wrote between our read and our write (the chaos flip race)', () => {
    expect(predatesReaction('103', ours)).toBe(true);
    expect(predatesReaction('99', ours)).toBe(true);
  });

  test('anything newer than our write may carry the reaction', () => {
    expect(predatesReaction('106', ours)).toBe(false);
    // Compared as integers, not as strings ('1000' < '105' as text).
    expect(predatesReaction('1000', ours)).toBe(false);
  });

  test('opaque versions fall back to the set; no versions (a 409) means settled', () => {
    expect(predatesReaction('abc', new Set(['abc', 'def']))).toBe(true);
    expect(predatesReaction('xyz', new Set(['abc', 'def']))).toBe(false);
    expect(predatesReaction('103', new Set())).toBe(false);
  });
});

describe('OwnCommands', () => {
  let t = 0;
  const clock = () => t;
  const stopped = (name: string, resourceVersion: string): VmView => ({
    name, runStrategy: 'Halted', legacyRunning: false, printableStatus: 'Stopped', ready: false, created: false,
    pendingActions: [], annotations: {}, resourceVersion,
  });

  test('a Start laid over the cache: heading On at once, and not Running until a version newer than ours', () => {
    t = 0;
    const own = new OwnCommands(clock);
    own.remember('ns', 'vm1', 'Start', new Set(['10', '11']));
    expect(own.overlay('ns', stopped('vm1', '10')).runStrategy).toBe('Always');
    // A 'Running' from before KubeVirt's reaction (a stale version) is not taken as up.
    const running = (rv: string): VmView => ({ ...stopped('vm1', rv), runStrategy: 'Always', printableStatus: 'Running', ready: true, created: true });
    expect(own.overlay('ns', running('11'))).toMatchObject({ printableStatus: 'Starting', ready: false });
    expect(own.overlay('ns', running('12'))).toMatchObject({ printableStatus: 'Running', ready: true });
    // Another namespace's VM of the same name is not ours.
    expect(own.overlay('other', stopped('vm1', '10'))).toEqual(stopped('vm1', '10'));
  });

  test(`forgotten after ${HOLD_MS} ms: the cache speaks alone, and the memory shrinks`, () => {
    t = 1_000;
    const own = new OwnCommands(clock);
    own.remember('ns', 'vm1', 'Start', new Set(['10']));
    t += HOLD_MS - 1;
    expect(own.overlay('ns', stopped('vm1', '10')).runStrategy).toBe('Always');
    t += 1;
    expect(own.overlay('ns', stopped('vm1', '10'))).toEqual(stopped('vm1', '10'));
    expect(own.size).toBe(0);
  });

  test('commands to VMs nobody observes any more are swept when new ones are remembered', () => {
    t = 0;
    const own = new OwnCommands(clock);
    for (let i = 0; i < 50; i++) own.remember('gone', `vm${i}`, 'Stop', new Set());
    expect(own.size).toBe(50);
    t = HOLD_MS;
    own.remember('ns', 'vm-new', 'Start', new Set());
    expect(own.size).toBe(1);
  });
});
