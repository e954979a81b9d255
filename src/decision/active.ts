// Which side of each redundant pair is active, and how we know. Order of trust: the spec (the user
// said so), a VM annotation acd.power.dev/active=true, live detection (the health probes), and
// finally the side recorded at the last completed shutdown: the last one down comes up first.
import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdClusterStatus } from '../api/status.js';
import { ACTIVE_ANNOTATION } from '../api/names.js';
import type { ActiveSides, PairKind, Role, Side } from '../api/domain.js';
import type { ActiveRecord, ActiveRecords, DetectedSides, VmView } from './types.js';

export const PAIR_ROLES: Record<PairKind, Role[]> = { database: ['dbm'], loadBalancer: ['lb'], storage: ['store'] };

export function resolveActive(
  spec: AcdClusterSpec,
  vms: ReadonlyMap<string, VmView>,
  status: AcdClusterStatus | undefined,
  needed: readonly PairKind[],
  detected: DetectedSides = {},
): { sides: ActiveSides; records: ActiveRecords } {
  const sides: ActiveSides = {};
  const records: ActiveRecords = {};
  for (const kind of needed) {
    const rec = resolveOne(kind, spec, vms, status, detected[kind]);
    records[kind] = rec;
    if (rec.side) sides[kind] = rec.side;
  }
  return { sides, records };
}

function resolveOne(
  kind: PairKind,
  spec: AcdClusterSpec,
  vms: ReadonlyMap<string, VmView>,
  status: AcdClusterStatus | undefined,
  detected?: { side?: Side; message: string },
): ActiveRecord {
  const setting = spec.active[kind];
  if (setting === 1 || setting === 2) return { side: setting, source: 'Spec' };
  // The sides stay as they were when the transition to this powerState began: halfway through a
  // shutdown the active master is the one still up, and probing it again would only confuse the
  // order; after it, status keeps saying which sides it used and how they were known.
  const t = status?.transition;
  const kept = status?.active?.[kind];
  if (t && t.direction === spec.powerState && kept?.side)
    return { side: kept.side, source: kept.source, ...(kept.message ? { message: kept.message } : {}) };
  const annotated = spec.machines
    .filter(
      (m) =>
        m.side &&
        m.roles.some((r) => PAIR_ROLES[kind].includes(r)) &&
        vms.get(m.vm)?.annotations[ACTIVE_ANNOTATION] === 'true',
    )
    .map((m) => m.side!);
  const unique = [...new Set(annotated)];
  if (unique.length === 1)
    return { side: unique[0], source: 'Annotation', message: `${ACTIVE_ANNOTATION}=true on a side ${unique[0]} VM` };
  if (unique.length > 1) return { source: 'Unknown', message: `${ACTIVE_ANNOTATION}=true is set on VMs of both sides` };
  if (detected?.side) return { side: detected.side, source: 'Detected', message: detected.message };
  if (detected) return { source: 'Unknown', message: detected.message };
  const last = status?.lastShutdownActive?.[kind];
  if (last) return { side: last, source: 'LastShutdown', message: `side ${last} was the last one down` };
  return {
    source: 'Unknown',
    message: `set spec.active.${kind} to 1 or 2, or annotate the active VM with ${ACTIVE_ANNOTATION}=true`,
  };
}
