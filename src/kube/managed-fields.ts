// Who last wrote a field, from metadata.managedFields (server-side field ownership): the answer to
// "who powered this ACD off?" without an audit log. Kubernetes moves a field's ownership to the
// manager of the last write that changed it (kubectl-patch, acdctl, argocd-controller, ...).

/** Where spec.powerState is: the field whose writer status.history names. */
export const POWER_STATE_PATH = ['spec', 'powerState'] as const;

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: unknown;
}

function owns(fields: unknown, path: readonly string[]): boolean {
  let node = fields;
  for (const name of path) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[`f:${name}`];
  }
  return node !== undefined;
}

/** The manager that owns the field at `path` (e.g. spec.powerState); the latest, if several share it. */
export function lastWriterOf(entries: unknown, path: readonly string[]): string | undefined {
  if (!Array.isArray(entries)) return undefined;
  const owners = (entries as ManagedFieldsEntry[]).filter((e) => e && owns(e.fieldsV1, path) && e.manager);
  owners.sort((a, b) => (Date.parse(a.time ?? '') || 0) - (Date.parse(b.time ?? '') || 0));
  return owners.at(-1)?.manager;
}

/**
 * managedFields cut down to the owners of `path`, holding that path only: what a cache keeps to answer
 * lastWriterOf, instead of the whole bookkeeping (about half an object's metadata).
 */
export function ownersOnly(entries: unknown, path: readonly string[]): ManagedFieldsEntry[] {
  if (!Array.isArray(entries)) return [];
  const fieldsV1 = path.reduceRight<Record<string, unknown>>((inner, name) => ({ [`f:${name}`]: inner }), {});
  return (entries as ManagedFieldsEntry[])
    .filter((e) => e && owns(e.fieldsV1, path))
    .map((e) => ({
      ...(e.manager ? { manager: e.manager } : {}),
      ...(e.operation ? { operation: e.operation } : {}),
      ...(e.time ? { time: e.time } : {}),
      fieldsV1,
    }));
}
