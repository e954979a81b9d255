// Which cached VM versions may not show KubeVirt's reaction to our command yet.
import { describe, expect, test } from '@jest/globals';
import { HOLD_MS, OwnCommands, predatesReaction } from '../../../src/reconcile/own-commands.js';
import { isDown, isHeadingTo, isUp, type VmView } from '../../../src/decision/vm-state.js';

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
    name,
    runStrategy: 'Halted',
    legacyRunning: false,
    printableStatus: 'Stopped',
    ready: false,
    created: false,
    pendingActions: [],
    annotations: {},
    resourceVersion,
  });

  test('a Start laid over the cache: heading On at once, and not Running until a version newer than ours', () => {
    t = 0;
    const own = new OwnCommands(clock);
    own.remember('ns', 'vm1', { action: 'Start', via: 'runStrategy' }, new Set(['10', '11']));
    expect(own.overlay('ns', stopped('vm1', '10')).runStrategy).toBe('Always');
    // A 'Running' from before KubeVirt's reaction (a stale version) is not taken as up.
    const running = (rv: string): VmView => ({
      ...stopped('vm1', rv),
      runStrategy: 'Always',
      printableStatus: 'Running',
      ready: true,
      created: true,
    });
    expect(own.overlay('ns', running('11'))).toMatchObject({ printableStatus: 'Starting', ready: false });
    expect(own.overlay('ns', running('12'))).toMatchObject({ printableStatus: 'Running', ready: true });
    // Another namespace's VM of the same name is not ours.
    expect(own.overlay('other', stopped('vm1', '10'))).toEqual(stopped('vm1', '10'));
  });

  test(`forgotten after ${HOLD_MS} ms: the cache speaks alone, and the memory shrinks`, () => {
    t = 1_000;
    const own = new OwnCommands(clock);
    own.remember('ns', 'vm1', { action: 'Start', via: 'runStrategy' }, new Set(['10']));
    t += HOLD_MS - 1;
    expect(own.overlay('ns', stopped('vm1', '10')).runStrategy).toBe('Always');
    t += 1;
    expect(own.overlay('ns', stopped('vm1', '10'))).toEqual(stopped('vm1', '10'));
    expect(own.size).toBe(0);
  });

  test('commands to VMs nobody observes any more are swept when new ones are remembered', () => {
    t = 0;
    const own = new OwnCommands(clock);
    for (let i = 0; i < 50; i++) own.remember('gone', `vm${i}`, { action: 'Stop', via: 'runStrategy' }, new Set());
    expect(own.size).toBe(50);
    t = HOLD_MS;
    own.remember('ns', 'vm-new', { action: 'Start', via: 'runStrategy' }, new Set());
    expect(own.size).toBe(1);
  });
});

/** A Manual VM as the cache shows it. */
const manual = (rv: string, printableStatus: string, pendingActions: string[], up = false): VmView => ({
  name: 'acd-lb1',
  runStrategy: 'Manual',
  legacyRunning: false,
  printableStatus,
  ready: up,
  created: up,
  pendingActions,
  annotations: {},
  resourceVersion: rv,
});

// CI, manual.test.ts, On reversed to Off at stage 4: the start of acd-lb1 had been accepted, the
// flip's stop too (the VMI existed by then), but the cache still showed lb1 Stopped with only the
// Start request queued. Our Stop laid after it read "Stopped, last request Stop" as down, and acd-lb2
// was stopped while lb1 was still booting. KubeVirt acts on its requests in order: a Start still
// queued means a VMI is about to run, whatever comes after it.
describe('OwnCommands over a Manual VM whose queued request runs the other way', () => {
  test('a Stop over a queued Start is not down', () => {
    const own = new OwnCommands(() => 0);
    own.remember('ns', 'acd-lb1', { action: 'Stop', via: 'subresource' }, new Set(['50']));
    const seen = own.overlay('ns', manual('51', 'Stopped', ['Start']));
    expect({ down: isDown(seen), headingOff: isHeadingTo(seen, 'Off') }).toEqual({ down: false, headingOff: true });
  });

  test('a Start over a queued Stop is not up', () => {
    const own = new OwnCommands(() => 0);
    own.remember('ns', 'acd-lb1', { action: 'Start', via: 'subresource' }, new Set(['50']));
    const seen = own.overlay('ns', manual('51', 'Running', ['Stop'], true));
    expect({ up: isUp(seen), headingOn: isHeadingTo(seen, 'On') }).toEqual({ up: false, headingOn: true });
  });

  test('once KubeVirt has acted on both, the VM is where the last one put it', () => {
    const own = new OwnCommands(() => 0);
    own.remember('ns', 'acd-lb1', { action: 'Stop', via: 'subresource' }, new Set(['50']));
    expect(isDown(own.overlay('ns', manual('60', 'Stopped', [])))).toBe(true);
  });
});

// CI again, manual-on-4 with three test files at once: acd-lb1's Start had been taken up (the
// VMI existed, so KubeVirt accepted the flip's Stop), but the VM's status still read Stopped, not
// created, with only that Stop queued. Read as down, acd-lb2 was stopped while lb1 was Starting.
// KubeVirt queues a stop only for a VMI that exists, and dequeues it once dealt with: while any
// request is queued, the VM is on its way somewhere, neither up nor down.
describe('a VM with a request still queued is neither up nor down', () => {
  const vm = (printableStatus: string, pendingActions: string[], up = false) =>
    manual('6167', printableStatus, pendingActions, up);

  test('Stopped with a Stop queued (the status lags the VMI) is not down', () => {
    expect(isDown(vm('Stopped', ['Stop']))).toBe(false);
    expect(isDown(vm('Stopped', []))).toBe(true);
  });

  test('Running and ready with a Start queued is not up', () => {
    expect(isUp(vm('Running', ['Start'], true))).toBe(false);
    expect(isUp(vm('Running', [], true))).toBe(true);
  });
});
