// Durations are written the way Kubernetes users already write them (Go's time.Duration syntax:
// "90s", "10m", "1h30m"), so the CRD feels native next to kubectl's own --timeout flags.
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

export function parseDuration(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text))
    throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 90s, 10m, 1h30m)`);
  let total = 0;
  for (const [, n, unit] of text.matchAll(PART)) total += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1_000);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${r || (!h && !m) ? `${r}s` : ''}`;
}
