import type { Plan } from '../plan/index.js';

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
  const table = [[...HEADERS], ...rows];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  return table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
