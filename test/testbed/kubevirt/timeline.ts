// The stand-in's record of every transition it applies, one JSON object a line:
//   {"time":"2025-01-01T00:00:00.000Z","vm":"default/vm1","event":"vmi:Running","detail":"..."}
// `vm` is namespace/name (a VMI has its VM's name). Tests and the bench read it to measure what
// the operator made happen, and when.
import { appendFileSync } from 'node:fs';

export interface TimelineEntry {
  time: string;
  vm: string;
  event: string;
  detail?: string;
}

export type Record = (vm: string, event: string, detail?: string) => void;

export function timelineWriter(file: string | undefined, log: (line: string) => void = () => {}): Record {
  return (vm, event, detail) => {
    const entry: TimelineEntry = { time: new Date().toISOString(), vm, event, ...(detail ? { detail } : {}) };
    const line = JSON.stringify(entry);
    log(line);
    // Synchronous on purpose: lines stay in order and survive a SIGKILL of the stand-in.
    if (file) appendFileSync(file, line + '\n');
  };
}

export function parseTimeline(text: string): TimelineEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TimelineEntry);
}
