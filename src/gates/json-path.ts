// jsonPath of an HTTP check: `data.activeCalls`, `items[0].count`, `[2].name`. A walker of a dozen
// lines rather than a library: the JSONPath packages on npm implement filters and script
// expressions (and have had code-execution bugs in them), none of which a gate needs.

export type PathLookup = { found: true; value: unknown } | { found: false };

type Step = string | number;

/** The steps of a path; throws for a path it cannot read (the gate fails with that message). */
export function parsePath(path: string): Step[] {
  const text = path.replace(/^\$\.?/, '');
  const steps: Step[] = [];
  for (const segment of text.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!m || (!m[1] && !m[2])) throw new Error(`jsonPath ${path} cannot be read at "${segment}"`);
    if (m[1]) steps.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  return steps;
}

/** The value at `path`; a missing key, an index past the end or a JSON null is not found. */
export function lookupPath(root: unknown, path: string): PathLookup {
  let here: unknown = root;
  for (const step of parsePath(path)) {
    if (typeof step === 'number') {
      if (!Array.isArray(here) || step >= here.length) return { found: false };
      here = here[step];
    } else {
      if (here === null || typeof here !== 'object' || Array.isArray(here) || !Object.hasOwn(here, step))
        return { found: false };
      here = (here as Record<string, unknown>)[step];
    }
  }
  return here === null || here === undefined ? { found: false } : { found: true, value: here };
}
