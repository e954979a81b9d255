// A small reader of V8 .heapsnapshot files (as written by `node --heapsnapshot-signal`): where the
// operator's heap goes, by node type and constructor, and how much hangs below given property
// names (e.g. every `managedFields`, every VMI `status`), without a full dominator tree.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  byType: { type: string; bytes: number; count: number }[];
  byName: { type: string; name: string; bytes: number; count: number }[];
  /**
   * Bytes reachable (property/element edges only, each node counted once per name) below every property of that
   * name.
   */
  below: { property: string; bytes: number; edges: number }[];
  /** The biggest single nodes, each with one retaining path (nearest first). */
  biggest: { type: string; name: string; bytes: number; path: string[] }[];
  /** Strings grouped by their first 40 characters. */
  stringGroups: { prefix: string; bytes: number; count: number }[];
}

export function summarizeHeap(file: string, properties: string[], top = 15): HeapSummary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields,
    ef = s.snapshot.meta.edge_fields;
  const NF = nf.length,
    EF = ef.length;
  const nType = nf.indexOf('type'),
    nName = nf.indexOf('name'),
    nSize = nf.indexOf('self_size'),
    nEdges = nf.indexOf('edge_count');
  const eType = ef.indexOf('type'),
    eName = ef.indexOf('name_or_index'),
    eTo = ef.indexOf('to_node');
  const nodeTypes = s.snapshot.meta.node_types[0],
    edgeTypes = s.snapshot.meta.edge_types[0];
  const count = s.nodes.length / NF;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) firstEdge[i + 1] = firstEdge[i]! + s.nodes[i * NF + nEdges]!;

  const byType = new Map<string, { bytes: number; count: number }>();
  const byName = new Map<string, { type: string; name: string; bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    const type = nodeTypes[s.nodes[i * NF + nType]!]!;
    const size = s.nodes[i * NF + nSize]!;
    total += size;
    const t = byType.get(type) ?? { bytes: 0, count: 0 };
    t.bytes += size;
    t.count++;
    byType.set(type, t);
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string'
        ? '(strings)'
        : s.strings[s.nodes[i * NF + nName]!]!.slice(0, 60);
    const k = `${type}|${name}`;
    const n = byName.get(k) ?? { type, name, bytes: 0, count: 0 };
    n.bytes += size;
    n.count++;
    byName.set(k, n);
  }

  const follow = new Set(['property', 'element', 'internal']);
  const below = properties.map((property) => {
    const seen = new Uint8Array(count);
    let bytes = 0,
      edges = 0;
    const stack: number[] = [];
    for (let i = 0; i < count; i++) {
      for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e++) {
        const et = edgeTypes[s.edges[e * EF + eType]!];
        if (et !== 'property' || s.strings[s.edges[e * EF + eName]!] !== property) continue;
        edges++;
        stack.push(s.edges[e * EF + eTo]! / NF);
      }
    }
    while (stack.length) {
      const n = stack.pop()!;
      if (seen[n]) continue;
      seen[n] = 1;
      const type = nodeTypes[s.nodes[n * NF + nType]!]!;
      if (type === 'hidden' || type === 'code' || type === 'synthetic' || type === 'closure') continue;
      bytes += s.nodes[n * NF + nSize]!;
      for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) {
        const et = edgeTypes[s.edges[e * EF + eType]!]!;
        if (!follow.has(et)) continue;
        if (et === 'internal' && type !== 'array' && type !== 'object') continue;
        const name = s.strings[s.edges[e * EF + eName]!];
        if (et === 'internal' && name === 'map') continue;
        stack.push(s.edges[e * EF + eTo]! / NF);
      }
    }
    return { property, bytes, edges };
  });

  // Reverse edges, for retaining paths of the biggest nodes.
  const retainer = new Int32Array(count).fill(-1);
  const retEdge = new Int32Array(count).fill(-1);
  for (let i = 0; i < count; i++) {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e++) {
      const et = edgeTypes[s.edges[e * EF + eType]!];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = s.edges[e * EF + eTo]! / NF;
      if (retainer[to] === -1) {
        retainer[to] = i;
        retEdge[to] = e;
      }
    }
  }
  const label = (n: number) =>
    `${nodeTypes[s.nodes[n * NF + nType]!]}:${s.strings[s.nodes[n * NF + nName]!]!.slice(0, 50).replace(/\s+/g, ' ')}`;
  const order = Array.from({ length: count }, (_, i) => i)
    .sort((a, b) => s.nodes[b * NF + nSize]! - s.nodes[a * NF + nSize]!)
    .slice(0, top);
  const biggest = order.map((n) => {
    const path: string[] = [];
    for (let cur = n, d = 0; retainer[cur]! >= 0 && d < 8; d++) {
      const e = retEdge[cur]!;
      const et = edgeTypes[s.edges[e * EF + eType]!];
      const en =
        et === 'element' || et === 'hidden' ? `[${s.edges[e * EF + eName]}]` : s.strings[s.edges[e * EF + eName]!];
      cur = retainer[cur]!;
      path.push(`${en} <- ${label(cur)}`);
    }
    return { type: nodeTypes[s.nodes[n * NF + nType]!]!, name: label(n), bytes: s.nodes[n * NF + nSize]!, path };
  });
  const groups = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < count; i++) {
    if (!nodeTypes[s.nodes[i * NF + nType]!]!.includes('string')) continue;
    const prefix = s.strings[s.nodes[i * NF + nName]!]!.slice(0, 40).replace(/\s+/g, ' ');
    const g = groups.get(prefix) ?? { bytes: 0, count: 0 };
    g.bytes += s.nodes[i * NF + nSize]!;
    g.count++;
    groups.set(prefix, g);
  }

  return {
    biggest,
    stringGroups: [...groups]
      .map(([prefix, v]) => ({ prefix, ...v }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top),
    totalBytes: total,
    nodes: count,
    byType: [...byType]
      .map(([type, v]) => ({ type, ...v }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top),
    byName: [...byName.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top),
    below,
  };
}
