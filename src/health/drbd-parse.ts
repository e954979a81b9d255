// Pure parsers for the three ways a storage node reports DRBD state. They all produce the same
// shape so that one assessment covers DRBD 8.4 and 9.

export interface DrbdPeerState {
  name: string;
  /** Connected, StandAlone, Connecting, WFConnection, ... */
  connection: string;
  peerRole: string;
  /** Established, SyncSource, SyncTarget, Off, ... */
  replication: string;
  peerDisk: string;
  /** KiB out of sync as reported; undefined when the source does not say. */
  outOfSync?: number;
}

export interface DrbdResourceState {
  name: string;
  role: string;
  disks: string[];
  peers: DrbdPeerState[];
}

type Json = Record<string, unknown>;
const o = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const s = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : dflt);

/** `drbdsetup status --json` (DRBD 9): an array of resources. Throws if it is not that. */
export function parseDrbdsetupJson(text: string): DrbdResourceState[] {
  const doc: unknown = JSON.parse(text);
  if (!Array.isArray(doc)) throw new Error('drbdsetup status --json did not return an array');
  return doc.map((r) => {
    const res = o(r);
    return {
      name: s(res['name'], '?'),
      role: s(res['role'], 'Unknown'),
      disks: a(res['devices']).map((d) => s(o(d)['disk-state'], 'Unknown')),
      peers: a(res['connections']).flatMap((c) => {
        const conn = o(c);
        // drbd-utils writes "peer_devices"; accept the dashed spelling too.
        const pds = a(conn['peer_devices'] ?? conn['peer-devices']);
        const base = {
          name: s(conn['name'], '?'),
          connection: s(conn['connection-state'], 'Unknown'),
          peerRole: s(conn['peer-role'], 'Unknown'),
        };
        if (pds.length === 0) return [{ ...base, replication: 'Off', peerDisk: 'DUnknown' }];
        return pds.map((p) => {
          const pd = o(p);
          const oos = pd['out-of-sync'];
          return {
            ...base,
            replication: s(pd['replication-state'], 'Unknown'),
            peerDisk: s(pd['peer-disk-state'], 'DUnknown'),
            outOfSync: typeof oos === 'number' ? oos : undefined,
          };
        });
      }),
    };
  });
}

// cs: values that are a replication state of a live connection (DRBD 8.4 folds both into cs).
const CONNECTED_CS = new Set([
  'Connected',
  'StartingSyncS',
  'StartingSyncT',
  'WFBitMapS',
  'WFBitMapT',
  'WFSyncUUID',
  'SyncSource',
  'SyncTarget',
  'PausedSyncS',
  'PausedSyncT',
  'VerifyS',
  'VerifyT',
  'Ahead',
  'Behind',
]);

/** `/proc/drbd` (DRBD 8.4). Resources are named by minor number, the peer is "peer". */
export function parseProcDrbd(text: string): DrbdResourceState[] {
  const out: DrbdResourceState[] = [];
  let current: DrbdPeerState | undefined;
  for (const line of text.split('\n')) {
    const head = /^\s*(\d+):\s+cs:(\S+)(.*)$/.exec(line);
    if (head) {
      const [, minor = '?', cs = 'Unknown', rest = ''] = head;
      current = undefined;
      if (cs === 'Unconfigured') continue;
      const ro = /\bro:(\S+?)\/(\S+)/.exec(rest);
      const ds = /\bds:(\S+?)\/(\S+)/.exec(rest);
      const connected = CONNECTED_CS.has(cs);
      current = {
        name: 'peer',
        connection: connected ? 'Connected' : cs,
        peerRole: ro?.[2] ?? 'Unknown',
        replication: cs === 'Connected' ? 'Established' : connected ? cs : 'Off',
        peerDisk: ds?.[2] ?? 'DUnknown',
      };
      out.push({ name: minor, role: ro?.[1] ?? 'Unknown', disks: [ds?.[1] ?? 'Unknown'], peers: [current] });
      continue;
    }
    const oos = /\boos:(\d+)/.exec(line);
    if (oos && current) current.outOfSync = Number(oos[1]);
  }
  if (out.length === 0 && !/^version:/m.test(text)) throw new Error('not /proc/drbd output');
  return out;
}

function kv(tokens: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const t of tokens) {
    const i = t.indexOf(':');
    if (i > 0) m[t.slice(0, i)] = t.slice(i + 1);
  }
  return m;
}

/**
 * `drbdadm status` text (drbd-utils 9, against a DRBD 9 or 8.4 kernel), with or without
 * --verbose --statistics. Structure is by indentation: resource, then devices and connections,
 * then peer devices under a connection.
 */
export function parseDrbdadmStatus(text: string): DrbdResourceState[] {
  const out: DrbdResourceState[] = [];
  let res: DrbdResourceState | undefined;
  let conn:
    { indent: number; base: Omit<DrbdPeerState, 'replication' | 'peerDisk'>; devs: DrbdPeerState[] } | undefined;
  const flush = (): void => {
    if (res && conn) {
      const connected = conn.base.connection === 'Connected';
      res.peers.push(
        ...(conn.devs.length
          ? conn.devs
          : [{ ...conn.base, replication: connected ? 'Established' : 'Off', peerDisk: 'DUnknown' }]),
      );
    }
    conn = undefined;
  };
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    const indent = raw.length - raw.trimStart().length;
    const tokens = raw.trim().split(/\s+/);
    const first = tokens[0] ?? '';
    if (indent === 0) {
      flush();
      res = { name: first, role: kv(tokens.slice(1))['role'] ?? 'Unknown', disks: [], peers: [] };
      out.push(res);
      continue;
    }
    if (!res) continue;
    const m = kv(tokens);
    if (!first.includes(':')) {
      // A connection line: "<peer> role:Secondary" or "<peer> connection:StandAlone".
      flush();
      conn = {
        indent,
        base: { name: first, connection: m['connection'] ?? 'Connected', peerRole: m['role'] ?? 'Unknown' },
        devs: [],
      };
      continue;
    }
    if (conn && indent > conn.indent) {
      const last = conn.devs[conn.devs.length - 1];
      if (m['replication'] !== undefined || m['peer-disk'] !== undefined || !last) {
        conn.devs.push({
          ...conn.base,
          replication: m['replication'] ?? (conn.base.connection === 'Connected' ? 'Established' : 'Off'),
          peerDisk: m['peer-disk'] ?? 'DUnknown',
        });
      }
      const dev = conn.devs[conn.devs.length - 1];
      if (dev && m['out-of-sync'] !== undefined) dev.outOfSync = Number(m['out-of-sync']);
      continue;
    }
    if (m['disk'] !== undefined) {
      flush();
      res.disks.push(m['disk']);
    }
  }
  flush();
  return out;
}
