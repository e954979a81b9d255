// `acdctl history`: status.history as a table, newest first, as an admin reads it after the fact.
import { formatDuration } from '../api/duration.js';
import type { HistoryEntry } from '../api/status.js';
import type { AcdCluster } from '../api/types.js';
import { formatTable } from './table.js';

const HEADERS = ['STARTED', 'DIRECTION', 'TRIGGER', 'BY', 'OUTCOME', 'TOOK', 'SECONDS PER STAGE', 'FORCED STOPS'];

const stageSeconds = (e: HistoryEntry): string =>
  e.stages.map((s) => (s.seconds === undefined ? '-' : String(Math.round(s.seconds)))).join(' ');

export function renderHistory(acd: AcdCluster): string {
  const entries = [...(acd.status?.history ?? [])].reverse();
  if (!entries.length) return `acdcluster ${acd.metadata.name}: no finished transition recorded yet`;
  const rows = entries.map((e) => [
    e.startedAt.replace(/\.\d+Z$/, 'Z'),
    e.direction,
    e.trigger?.source ?? '-',
    e.trigger?.by ?? '-',
    e.outcome,
    formatDuration(e.seconds * 1000),
    stageSeconds(e),
    e.forcedStops?.join(',') ?? '-',
  ]);
  return formatTable(HEADERS, rows);
}
