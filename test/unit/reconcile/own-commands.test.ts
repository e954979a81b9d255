// Which cached VM versions may not show KubeVirt's reaction to our command yet.
import { describe, expect, test } from '@jest/globals';
import { predatesReaction } from '../../../src/reconcile/reconciler.js';

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
