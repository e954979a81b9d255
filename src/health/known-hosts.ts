// SSH host-key pinning: OpenSSH's known_hosts format, and the check of a key a VM presents.
// Written here because ssh2 only hands the presented key to a callback, and no maintained npm
// library parses known_hosts; the format is small: `[@marker] hosts keytype base64-key [comment]`,
// with hosts a comma list of names, `[name]:port`, wildcards (`*`, `?`), negations (`!name`), or
// one hashed name (`|1|salt|hmac`, as HashKnownHosts writes it).
import { createHash, createHmac } from 'node:crypto';

export interface KnownHost {
  patterns: string[];
  keyType: string;
  key: Buffer;
  /** `@revoked`: this key must never be accepted. */
  revoked: boolean;
}

export type HostKeyVerdict =
  { ok: true } | { ok: false; reason: 'unknown' | 'mismatch' | 'revoked'; fingerprint: string };

/** Parses known_hosts text; unreadable lines and `@cert-authority` lines (not supported) are skipped. */
export function parseKnownHosts(text: string): KnownHost[] {
  const out: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    if (marker === '@cert-authority' || fields.length < 3) continue;
    const [hosts, keyType, b64] = fields as [string, string, string];
    const key = Buffer.from(b64, 'base64');
    if (!key.length) continue;
    out.push({ patterns: hosts.split(','), keyType, key, revoked: marker === '@revoked' });
  }
  return out;
}

/** How OpenSSH names a host in known_hosts: bare on port 22, else `[host]:port`. */
export const hostName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

/** The fingerprint OpenSSH prints for a key: SHA256 and base64 without padding. */
export const fingerprint = (key: Buffer) =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatch(pattern, name);
}

/** Whether an entry names any of `names` (and none of them through a negated pattern). */
export function entryMatches(entry: KnownHost, names: string[]): boolean {
  const negated = entry.patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  if (names.some((n) => negated.some((p) => patternMatches(p, n)))) return false;
  return names.some((n) => entry.patterns.some((p) => !p.startsWith('!') && patternMatches(p, n)));
}

/**
 * The verdict on a key presented by a host known by `names` (its address and the VM's name, each
 * as hostName() writes them): accepted only when an entry for one of those names holds this very
 * key, and no `@revoked` entry does.
 */
export function verifyHostKey(known: readonly KnownHost[], names: string[], presented: Buffer): HostKeyVerdict {
  const mine = known.filter((e) => entryMatches(e, names));
  const fp = fingerprint(presented);
  if (known.some((e) => e.revoked && e.key.equals(presented))) return { ok: false, reason: 'revoked', fingerprint: fp };
  const live = mine.filter((e) => !e.revoked);
  if (!live.length) return { ok: false, reason: 'unknown', fingerprint: fp };
  return live.some((e) => e.key.equals(presented)) ? { ok: true } : { ok: false, reason: 'mismatch', fingerprint: fp };
}
