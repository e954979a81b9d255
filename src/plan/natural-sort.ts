// Plans are compared and printed by humans: acd-jb2 must come before acd-jb10.
// Code-unit comparison (not localeCompare) keeps the order identical on every host.

const CHUNKS = /\d+|\D+/g;
const isDigits = (chunk: string): boolean => chunk.charCodeAt(0) >= 48 && chunk.charCodeAt(0) <= 57;

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function compareNumeric(a: string, b: string): number {
  // Strings, not Number(): VM names may carry digit runs longer than 2^53.
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return compareCodeUnits(x, y);
}

export function compareNatural(a: string, b: string): number {
  const left = a.match(CHUNKS) ?? [];
  const right = b.match(CHUNKS) ?? [];
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    const order = isDigits(x) && isDigits(y) ? compareNumeric(x, y) : compareCodeUnits(x, y);
    if (order !== 0) return order;
  }
  if (left.length !== right.length) return left.length - right.length;
  // "vm01" and "vm1" are naturally equal; break the tie so the order stays total.
  return compareCodeUnits(a, b);
}

export function sortNatural(names: Iterable<string>): string[] {
  return [...names].sort(compareNatural);
}
