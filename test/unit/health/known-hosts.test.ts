// known_hosts as OpenSSH writes it, and the verdict on a presented host key.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  entryMatches,
  fingerprint,
  hostName,
  parseKnownHosts,
  verifyHostKey,
} from '../../../src/health/known-hosts.js';

const keyA = Buffer.from('ssh-ed25519 key A, as a blob');
const keyB = Buffer.from('ssh-ed25519 key B, as a blob');
const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker ? `${marker} ` : ''}${hosts} ssh-ed25519 ${key.toString('base64')} comment`;

describe('parseKnownHosts', () => {
  test('hosts, key type, key and markers; comments, blank and @cert-authority lines skipped', () => {
    const known = parseKnownHosts(
      [
        '# a comment',
        '',
        line('acd-lb1,10.0.0.5', keyA),
        line('[10.0.0.6]:2222', keyB, '@revoked'),
        line('*.example.com', keyA, '@cert-authority'),
        'garbage',
      ].join('\n'),
    );
    expect(known).toEqual([
      { patterns: ['acd-lb1', '10.0.0.5'], keyType: 'ssh-ed25519', key: keyA, revoked: false },
      { patterns: ['[10.0.0.6]:2222'], keyType: 'ssh-ed25519', key: keyB, revoked: true },
    ]);
  });
});

describe('matching names', () => {
  const [e] = parseKnownHosts(line('10.0.0.*,!10.0.0.9,acd-lb?', keyA));
  test.each([
    [['10.0.0.5'], true],
    [['10.0.0.9'], false],
    [['acd-lb1'], true],
    [['acd-lb12'], false],
    [['[10.0.0.5]:2222'], false],
    [['ACD-LB1'], true],
  ])('%j -> %s', (names, want) => expect(entryMatches(e!, names)).toBe(want));
  test('a negated name wins over every other name of the host', () => {
    expect(entryMatches(e!, ['acd-lb1', '10.0.0.9'])).toBe(false);
  });
  test('hostName is bare on port 22 and bracketed elsewhere, as OpenSSH writes it', () => {
    expect([hostName('10.0.0.5', 22), hostName('10.0.0.5', 2222)]).toEqual(['10.0.0.5', '[10.0.0.5]:2222']);
  });
});

describe('verifyHostKey', () => {
  const known = parseKnownHosts([line('acd-lb1', keyA), line('acd-lb2', keyB), line('*', keyB, '@revoked')].join('\n'));
  const fp = (k: Buffer) => `SHA256:${createHash('sha256').update(k).digest('base64').replace(/=+$/, '')}`;
  test('the pinned key is accepted', () => expect(verifyHostKey(known, ['acd-lb1'], keyA)).toEqual({ ok: true }));
  test('another key for a known name is a mismatch', () => {
    expect(verifyHostKey(parseKnownHosts(line('acd-lb1', keyA)), ['acd-lb1'], keyB)).toEqual({
      ok: false,
      reason: 'mismatch',
      fingerprint: fp(keyB),
    });
  });
  test('a name no entry has is unknown', () =>
    expect(verifyHostKey(known, ['acd-db1'], keyA)).toEqual({ ok: false, reason: 'unknown', fingerprint: fp(keyA) }));
  test('a revoked key is refused even where it is pinned', () =>
    expect(verifyHostKey(known, ['acd-lb2'], keyB)).toEqual({ ok: false, reason: 'revoked', fingerprint: fp(keyB) }));
  test('nothing known: unknown', () => expect(verifyHostKey([], ['acd-lb1'], keyA).ok).toBe(false));
  test('the fingerprint is the one ssh-keygen -l prints', () => expect(fingerprint(keyA)).toBe(fp(keyA)));
});
