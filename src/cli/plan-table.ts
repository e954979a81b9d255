import type { Plan } from '../plan/index.js';
import { formatTable } from './table.js';

const HEADERS = ['STEP', 'STAGE', 'VMS', 'GATE', 'WAITS FOR', 'CHECKS'] as const;
const NONE = '-';

const listOrNone = (items: readonly string[]): string => (items.length === 0 ? NONE : items.join(','));

/**
 * Renders a plan as the fixed-width table acdctl prints, one row per stage, steps numbered from 1
 * like the runbook's "Steps 1 to N". Pure, so the CLI output can be asserted without a cluster.
 */
export function formatPlanTable(plan: Plan): string {
  const rows = plan.stages.map((stage) => [
    String(stage.index + 1),
    stage.name,
    listOrNone(stage.vms),
    stage.gate,
    listOrNone(stage.awaits),
    listOrNone(stage.checks),
  ]);
  return formatTable(HEADERS, rows);
}
