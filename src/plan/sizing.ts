import type { Machine, Role, Side, Sizing } from './types.js';

// Sizings are told apart by where the infrastructure roles live; api/chat/chatbot may sit anywhere.
const INFRA_ROLES: readonly Role[] = ['store', 'lb', 'dbm', 'dbs', 'dbr'];

interface Shape {
  infra: string; // infrastructure roles of one VM, canonical order, joined by '+'
  side?: Side;
  jb: boolean;
}

interface Layout {
  infraVms: Shape[];
  standaloneJbCount: number;
}

const infraKey = (roles: readonly Role[]): string => INFRA_ROLES.filter((r) => roles.includes(r)).join('+');

/** Undefined when the machines cannot be any documented sizing whatever the infrastructure looks like. */
function layoutOf(machines: readonly Machine[]): Layout | undefined {
  const infraVms: Shape[] = [];
  let telCount = 0;
  let standaloneJbCount = 0;
  for (const machine of machines) {
    const infra = infraKey(machine.roles);
    const jb = machine.roles.includes('jb');
    if (infra === '') {
      if (machine.roles.includes('tel')) telCount++;
      if (jb) standaloneJbCount++;
      continue;
    }
    // Every sizing runs telephony on machines of its own.
    if (machine.roles.includes('tel')) return undefined;
    infraVms.push({ infra, jb, ...(machine.side === undefined ? {} : { side: machine.side }) });
  }
  return telCount === 0 ? undefined : { infraVms, standaloneJbCount };
}

/** Exactly these VMs, one each, unsided; `jbOn` names the one that must carry jb (all others must not). */
function hasExactly(layout: Layout, keys: readonly string[], jbOn?: string): boolean {
  const actual = layout.infraVms.map((s) => s.infra).sort();
  const expected = [...keys].sort();
  return (
    actual.length === expected.length &&
    actual.every((key, i) => key === expected[i]) &&
    layout.infraVms.every((s) => s.side === undefined && s.jb === (s.infra === jbOn))
  );
}

const isDbsr = (shape: Shape): boolean => shape.infra === 'dbs' || shape.infra === 'dbr' || shape.infra === 'dbs+dbr';
const coversDbsAndDbr = (shapes: readonly Shape[]): boolean =>
  shapes.some((s) => s.infra.includes('dbs')) && shapes.some((s) => s.infra.includes('dbr'));

function mediumSizing(layout: Layout): Sizing | undefined {
  const dbsr = layout.infraVms.filter(isDbsr);
  const rest = layout.infraVms.filter((s) => !isDbsr(s));
  if (layout.standaloneJbCount === 0 || !coversDbsAndDbr(dbsr)) return undefined;
  if (layout.infraVms.some((s) => s.side !== undefined || s.jb)) return undefined;
  const restLayout = { ...layout, infraVms: rest };
  if (hasExactly(restLayout, ['store+lb', 'dbm'])) return 'MediumV1';
  if (hasExactly(restLayout, ['store', 'lb', 'dbm'])) return 'MediumV2';
  return undefined;
}

/** 'single' = one unsided VM, 'pair' = one VM on side 1 and one on side 2, undefined = neither. */
function arity(shapes: readonly Shape[]): 'single' | 'pair' | undefined {
  if (shapes.length === 1 && shapes[0]?.side === undefined) return 'single';
  const sides = shapes.map((s) => s.side).sort();
  return shapes.length === 2 && sides[0] === 1 && sides[1] === 2 ? 'pair' : undefined;
}

function largeSizing(layout: Layout): Sizing | undefined {
  if (layout.standaloneJbCount === 0 || layout.infraVms.some((s) => s.jb)) return undefined;
  const byKey = (key: string): Shape[] => layout.infraVms.filter((s) => s.infra === key);
  const dbsr = layout.infraVms.filter(isDbsr);
  const counted = byKey('dbm').length + byKey('lb').length + byKey('store').length + dbsr.length;
  if (counted !== layout.infraVms.length || arity(byKey('dbm')) !== 'pair') return undefined;
  // "acd-dbs1/dbr1 and acd-dbs2/dbr2": each master has its own slave and reporting database.
  const dbsrPerSide = ([1, 2] as const).every((side) => coversDbsAndDbr(dbsr.filter((s) => s.side === side)));
  if (!dbsrPerSide || dbsr.some((s) => s.side === undefined)) return undefined;
  const lb = arity(byKey('lb'));
  const store = arity(byKey('store'));
  if (lb === 'single' && store === 'single') return 'LargeV1';
  if (lb === 'pair' && store === 'single') return 'LargeV2';
  if (lb === 'pair' && store === 'pair') return 'LargeV3';
  return undefined;
}

/** Which of the seed's documented sizings the machines form; 'Custom' when none fits exactly. */
export function deriveSizing(machines: Machine[]): Sizing {
  const layout = layoutOf(machines);
  if (layout === undefined) return 'Custom';
  const noJbVms = layout.standaloneJbCount === 0;
  const allInOne = 'store+lb+dbm+dbs+dbr';
  if (noJbVms && (hasExactly(layout, [allInOne], allInOne) || hasExactly(layout, [allInOne]))) return 'SmallV1';
  if (noJbVms && hasExactly(layout, ['store+lb', 'dbm+dbs+dbr'], 'store+lb')) return 'SmallV2';
  if (!noJbVms && hasExactly(layout, ['store+lb', 'dbm+dbs+dbr'])) return 'SmallV3';
  return mediumSizing(layout) ?? largeSizing(layout) ?? 'Custom';
}
