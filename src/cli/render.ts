// Everything acdctl prints, as pure functions of the objects it read: the CLI's output can then be
// asserted in unit tests from sample statuses, and the commands only fetch and write.
import type { AcdCluster } from '../api/types.js';
import type { AcdClusterStatus, Condition, MachineStatus, StageStatus } from '../api/status.js';
import { ACTIVE_ANNOTATION } from '../api/names.js';
import type { PairKind } from '../plan/index.js';
import { formatPlanTable } from './plan-table.js';
import { formatTable } from './table.js';

export { formatTable };
import { SCHEDULE_DAYS, type PlanReport, type ScheduleOutlook } from './plan-report.js';

const NONE = '-';

/** Key: value lines with the values aligned. */
function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n');
}

const orNone = (text: string | undefined): string => (text === undefined || text === '' ? NONE : text);
const DIRECTION_WORD = { Off: 'Shutdown', On: 'Startup' } as const;

// ---- plan ----

function describeMissing(missing: readonly PairKind[]): string {
  const fields = missing.map((k) => `spec.active.${k}`).join(' and ');
  const flag = missing.map((k) => `${k}=1|2`).join(',');
  const vms = missing.length > 1 ? 'VMs' : 'VM';
  return (
    `set ${fields} to 1 or 2, annotate the active ${vms} with ${ACTIVE_ANNOTATION}=true, ` +
    `or plan with --active ${flag}`
  );
}

export function renderPlanReport(report: PlanReport): string {
  const out: string[] = [];
  out.push(
    formatFields([
      ['Plan for', report.subject],
      ['Sizing', `${report.sizing} (${report.vms} VM${report.vms === 1 ? '' : 's'})`],
      ['powerState', `${report.powerState} (dry run: nothing is changed)`],
    ]),
  );
  if (report.schedule) out.push('', ...renderOutlook(report.schedule));
  out.push('');
  if (report.active.length === 0) {
    out.push('Active sides: none needed (no redundant pairs)');
  } else {
    out.push('Active sides:');
    out.push(
      formatTable(
        ['PAIR', 'SIDE', 'FROM', 'NOTE'],
        report.active.map((a) => [a.kind, a.side ? String(a.side) : 'unknown', a.from, orNone(a.note)]),
      ),
    );
  }
  let blockedBefore: readonly PairKind[] | undefined;
  for (const outcome of report.outcomes) {
    out.push('');
    const title = `${DIRECTION_WORD[outcome.direction]} (powerState ${outcome.direction})`;
    if ('plan' in outcome) {
      out.push(`${title}: ${outcome.plan.stages.length} stage${outcome.plan.stages.length === 1 ? '' : 's'}`);
      out.push(formatPlanTable(outcome.plan));
      continue;
    }
    const also = blockedBefore?.join() === outcome.missing.join() ? ' as well' : '';
    out.push(`${title}: BLOCKED${also}: active side unknown for ${outcome.missing.join(', ')}.`);
    out.push(
      outcome.direction === 'Off'
        ? '  The inactive side of each pair must go down first, so the operator will not guess.'
        : '  The side that went down last must come up first, and no shutdown recorded it.',
    );
    out.push(`  To unblock: ${describeMissing(outcome.missing)}.`);
    blockedBefore = outcome.missing;
  }
  return out.join('\n');
}

/** The schedule's next changes, in its own zone's wall-clock time (and UTC), or why it cannot be read. */
function renderOutlook(o: ScheduleOutlook): string[] {
  if ('invalid' in o) return [`Schedule (${o.timeZone}): cannot be read: ${o.invalid}`];
  const title = `Schedule: the next ${SCHEDULE_DAYS} days in ${o.timeZone}`;
  if (!o.transitions.length) return [`${title}: no change`];
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone: o.timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const when = (d: Date) => {
    const p = Object.fromEntries(local.formatToParts(d).map((x) => [x.type, x.value]));
    return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  };
  const rows = o.transitions.map((t) => [when(t.at), t.at.toISOString(), t.powerState, t.source]);
  return [`${title}:`, formatTable(['WHEN (LOCAL)', 'UTC', 'POWER', 'BY'], rows)];
}

// ---- status ----

const CONDITION_ORDER = ['Ready', 'Reconciling', 'Stalled', 'Healthy', 'ActiveUnknown', 'InvalidSpec'];

export function stagesTable(stages: readonly StageStatus[]): string {
  return formatTable(
    ['STEP', 'STAGE', 'VMS', 'GATE', 'STATE', 'MESSAGE'],
    stages.map((s) => [String(s.index + 1), s.name, orNone(s.vms.join(',')), s.gate, s.state, orNone(s.message)]),
  );
}

export function machinesTable(machines: readonly MachineStatus[]): string {
  return formatTable(
    ['VM', 'STATUS', 'READY'],
    machines.map((m) => [
      m.vm,
      m.message ? `${m.printableStatus} (${m.message})` : m.printableStatus,
      m.ready ? 'True' : 'False',
    ]),
  );
}

export function conditionsTable(conditions: readonly Condition[]): string {
  const rank = (c: Condition) => {
    const i = CONDITION_ORDER.indexOf(c.type);
    return i < 0 ? CONDITION_ORDER.length : i;
  };
  const sorted = [...conditions].sort((a, b) => rank(a) - rank(b) || a.type.localeCompare(b.type));
  return formatTable(
    ['TYPE', 'STATUS', 'REASON', 'MESSAGE'],
    sorted.map((c) => [c.type, c.status, c.reason, orNone(c.message)]),
  );
}

export function activeTable(active: NonNullable<NonNullable<AcdCluster['status']>['active']>): string | undefined {
  const rows = (['database', 'loadBalancer', 'storage'] as const).flatMap((kind) => {
    const a = active[kind];
    return a ? [[kind, a.side ? String(a.side) : 'unknown', a.source, orNone(a.message)]] : [];
  });
  return rows.length ? formatTable(['PAIR', 'SIDE', 'SOURCE', 'MESSAGE'], rows) : undefined;
}

function describeTransition(acd: AcdCluster): string {
  const t = acd.status?.transition;
  if (!t) return 'none recorded';
  const end = t.finishedAt ? `finished ${t.finishedAt} (${t.outcome ?? 'done'})` : 'in progress';
  return `${t.direction}, started ${t.startedAt}, ${end}`;
}

export function renderStatus(acd: AcdCluster): string {
  const s = acd.status;
  const spec = (acd.spec ?? {}) as { powerState?: string; paused?: boolean };
  const gen = acd.metadata.generation;
  const observed = s?.observedGeneration;
  const seen =
    observed === undefined
      ? 'not yet observed by the operator'
      : gen !== undefined && observed < gen
        ? `operator has observed generation ${observed} only`
        : 'observed by the operator';
  const fields: [string, string][] = [
    ['Name', acd.metadata.name],
    ['Namespace', acd.metadata.namespace],
    ['powerState', `${orNone(spec.powerState)}${spec.paused ? ' (paused)' : ''} (generation ${gen ?? '?'}, ${seen})`],
  ];
  if (!s) return `${formatFields(fields)}\n\nNo status yet: is the operator running?`;
  fields.push(
    ['Power', orNone(s.power)],
    ['Phase', orNone(s.phase)],
    ['Stage', orNone(s.stage)],
    ['Ready VMs', orNone(s.readyVMs)],
    ['Sizing', orNone(s.sizing)],
    ['Transition', describeTransition(acd)],
  );
  if (s.schedule) fields.push(['Schedule', describeSchedule(s.schedule)]);
  const out = [formatFields(fields)];
  const stages = s.transition?.stages ?? [];
  out.push('', 'Stages:', stages.length ? stagesTable(stages) : 'none');
  out.push('', 'VMs:', s.machines?.length ? machinesTable(s.machines) : 'none reported');
  out.push('', 'Conditions:', s.conditions?.length ? conditionsTable(s.conditions) : 'none');
  out.push('', 'Active sides:', activeTable(s.active ?? {}) ?? 'none needed (no redundant pairs)');
  return out.join('\n');
}

/** "Off now (outside every window); next: On at 2026-12-07T05:30:00.000Z". */
function describeSchedule(sc: NonNullable<AcdClusterStatus['schedule']>): string {
  const why = sc.reason ? ` (${sc.reason})` : '';
  const next = sc.nextTransition ? `; next: ${sc.nextTransition.powerState} at ${sc.nextTransition.at}` : '';
  return `${sc.desired} now${why}${next}`;
}
