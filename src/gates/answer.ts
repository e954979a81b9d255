// What one provider (HTTP, Prometheus, SSH, Job) found, before the gate's condition judges it.
// Providers return these and never throw for an answer they understand; the judge in outcome.ts
// turns them into the port's GateCheckOutcome.

export type Answer =
  /** A result for the condition; `passesByDefault` applies when the gate has no successCondition. */
  | { kind: 'value'; result: unknown; passesByDefault?: { met: boolean; what: string } }
  /** An empty answer: onNoData decides. */
  | { kind: 'noData'; why: string }
  /** The attempt failed before there was anything to judge. */
  | { kind: 'failed'; message: string }
  /** A Job still running. */
  | { kind: 'pending'; message: string };

export const failed = (message: string): Answer => ({ kind: 'failed', message });
export const noData = (why: string): Answer => ({ kind: 'noData', why });

// A value is shown in status and events: long JSON answers are cut rather than carried whole.
const SHOWN_MAX = 120;

/** The result as a user reads it: numbers and strings as they are, anything else as JSON. */
export function shown(result: unknown): string {
  const text =
    typeof result === 'string'
      ? result
      : typeof result === 'number' || typeof result === 'boolean' || typeof result === 'bigint'
        ? String(result)
        : (JSON.stringify(result) ?? String(result));
  return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX - 1)}…` : text;
}
